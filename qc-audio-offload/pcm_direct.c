// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: a stream's PCM through snd-usb-audio's own exports,
 * as mainline's driver drives it (the backend where the kernel has them;
 * see pcm.h).
 *
 * No PCM substream is opened: snd_usb_hw_params() opens the endpoints for
 * exactly the DSP's format, channels and rate, and snd_usb_endpoint_prepare()
 * selects the altsetting and sets the rate (sync endpoint first), so the
 * endpoint's ring exists; snd_usb_hw_free() sets altsetting 0 again.  That
 * spares ALSA's PCM core on every stream cycle: the runtime, its
 * constraint rules and refinement, the buffer, and the file (about a third
 * of an enable's round trip on the emulated rig, docs/testing.md).
 *
 * As mainline's driver does, the substream is claimed the way snd-usb-audio's
 * own open claims it (its "opened" flag, under the chip's mutex): user
 * space cannot open the PCM while the DSP streams on it (its open fails,
 * -EBUSY), and an enable is refused (-EBUSY) while user space has it open.
 *
 * snd-usb-audio's structures are private (the headers in sound/usb, which
 * no headers package ships): this file is built against those of the
 * kernel's own source tree, or the layouts read from the kernel's BTF, and
 * asserted against that BTF wherever there is one (compat/uob_snd_compat.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/usb.h>
#include <sound/core.h>
#include <sound/pcm.h>

#include <uob_compat.h>
#include <uob_snd_compat.h>

#include "pcm.h"

/*
 * The PCM's snd-usb-audio substream for @stream, if snd-usb-audio is the
 * card's driver: only then is the PCM's private data its struct
 * snd_usb_stream.  The caller holds the udev lock, under which the card's
 * interface keeps its driver.
 */
static struct snd_usb_substream *uob_qc_pcm_subs(struct snd_pcm *pcm, int stream)
{
	struct device *dev = pcm->card->dev;
	struct snd_usb_stream *as = pcm->private_data;

	if (!dev || !dev->driver || strcmp(dev->driver->name, "snd-usb-audio") ||
	    !as || as->pcm != pcm)
		return NULL;
	if (!as->substream[stream].num_formats)
		return NULL;
	return &as->substream[stream];
}

/* claim @subs as snd_usb_pcm_open() does; false if it is open already */
static bool uob_qc_subs_claim(struct snd_usb_substream *subs, bool claim)
{
	struct snd_usb_audio *chip = subs->stream->chip;

	guard(mutex)(&chip->mutex);
	if (claim && subs->opened)
		return false;
	subs->opened = claim;
	return true;
}

/**
 * uob_qc_pcm_close() - give back what uob_qc_pcm_open() took
 * @ps: the opened stream
 *
 * snd_usb_hw_free(): the endpoints are stopped and closed, which selects
 * altsetting 0 (unless the card is being disconnected, where usbcore drops
 * them), then the substream is given back.  A UAC3 power domain stays in
 * D0 (snd_usb_pcm_close() puts it to D1 with a function snd-usb-audio does
 * not export; mainline's driver leaves it too).
 *
 * Context: process context; the caller holds the card's USB device lock
 * (or usbcore does, on its unbind paths).  Takes the chip's mutex.
 */
void uob_qc_pcm_close(struct uob_qc_pcm_stream *ps)
{
	struct snd_usb_substream *subs = ps->subs;

	snd_usb_hw_free(subs);
	snd_usb_autosuspend(subs->stream->chip);
	uob_qc_subs_claim(subs, false);
	ps->subs = NULL;
}

/**
 * uob_qc_pcm_open() - let snd-usb-audio open and prepare a stream's endpoints
 * @ps: filled with the claimed substream
 * @pcm: the PCM
 * @stream: SNDRV_PCM_STREAM_PLAYBACK or _CAPTURE
 * @format: the sample format
 * @channels: the channel count
 * @rate: the sample rate
 *
 * Claims the substream, resumes the card, then snd_usb_hw_params() with
 * uob_qc_pcm_params() (one 1 ms period: nothing else chooses it here) and
 * snd_usb_endpoint_prepare() of the sync and the data endpoint.
 *
 * Context: process context; the caller holds the card's USB device lock.
 * Takes the chip's mutex.
 *
 * Return: 0, or a negative error with nothing left taken: -ENODEV (not
 * snd-usb-audio's, no such direction, or the card is going), -EIO (the
 * card is going, seen by its resume), -EBUSY (the substream is open),
 * -EINVAL (no such format), or snd-usb-audio's error.
 */
int uob_qc_pcm_open(struct uob_qc_pcm_stream *ps, struct snd_pcm *pcm, int stream,
		    snd_pcm_format_t format, unsigned int channels, unsigned int rate)
{
	struct snd_usb_substream *subs = uob_qc_pcm_subs(pcm, stream);
	struct snd_pcm_hw_params *params;
	struct snd_usb_audio *chip;
	int ret;

	ps->pcm = pcm;
	ps->subs = NULL;
	if (!subs)
		return -ENODEV;
	chip = subs->stream->chip;
	if (!uob_qc_subs_claim(subs, true))
		return -EBUSY;
	ret = snd_usb_autoresume(chip);
	if (ret)
		goto unclaim;

	params = uob_qc_pcm_params(format, channels, rate, max(rate / 1000, 1U));
	if (!params) {
		ret = -ENOMEM;
		goto suspend;
	}
	/*
	 * On error it closes the endpoints it opened but may leave the format
	 * chosen (and a UAC3 power domain in D0): ALSA's PCM core always
	 * follows a failed HW_PARAMS with hw_free, so do the same.
	 */
	ret = snd_usb_hw_params(subs, params);
	kfree(params);
	if (ret)
		goto free;

	ret = snd_usb_lock_shutdown(chip);
	if (ret)
		goto free;
	if (subs->sync_endpoint)
		ret = snd_usb_endpoint_prepare(chip, subs->sync_endpoint);
	if (ret >= 0)
		ret = snd_usb_endpoint_prepare(chip, subs->data_endpoint);
	snd_usb_unlock_shutdown(chip);
	if (ret < 0)
		goto free;
	ps->subs = subs;
	return 0;

free:
	snd_usb_hw_free(subs);
suspend:
	snd_usb_autosuspend(chip);
unclaim:
	uob_qc_subs_claim(subs, false);
	return ret;
}
