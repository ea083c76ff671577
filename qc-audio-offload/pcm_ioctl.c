// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: a stream's PCM through ALSA's PCM core, on 6.12's
 * public interfaces (the backend where snd-usb-audio exports nothing to
 * drive its endpoints; see pcm.h and pcm_direct.c).
 *
 * A stream's substream is opened through a file of our own that sits on
 * the card's file list like any ALSA file (6.12's snd_pcm_attach_substream()
 * dereferences the file), and SNDRV_PCM_IOCTL_HW_PARAMS and _PREPARE make
 * snd-usb-audio select the altsetting and rate.  An open substream is
 * also what keeps user space (and a second enable) off the PCM meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <sound/core.h>
#include <sound/pcm.h>

#include <uob_compat.h>

#include "pcm.h"

/*
 * The file a stream's substream is opened through.  Like ALSA's own PCM
 * files it is on the card's file list (snd_card_file_add()); after a
 * disconnect ALSA swaps its f_op and still calls this release, so the card
 * file is given back here and only here.
 */
static int uob_qc_pcm_file_release(struct inode *inode, struct file *file)
{
	struct snd_card *card = file->private_data;

	if (card)
		snd_card_file_remove(card, file);
	return 0;
}

/*
 * No .owner: the driver holds the only reference to each file and drops it
 * with __fput_sync(), so the release above has run before a session ends
 * and nothing of ours is left to run after module unload, which stops
 * every session first.  (With .owner every active session would pin the
 * module and rmmod would be refused until the DSP let go.)
 */
static const struct file_operations uob_qc_pcm_fops = {
	.release = uob_qc_pcm_file_release,
};

/**
 * uob_qc_pcm_close() - close what uob_qc_pcm_open() opened
 * @ps: the opened substream
 *
 * Takes @ps->pcm->open_mutex, as snd_pcm_release() does.
 *
 * Context: process context; the caller holds the card's USB device lock
 * (or usbcore does, on its unbind paths).
 */
void uob_qc_pcm_close(struct uob_qc_pcm_stream *ps)
{
	if (ps->substream) {
		guard(mutex)(&ps->pcm->open_mutex);
		snd_pcm_release_substream(ps->substream);
	}
	ps->substream = NULL;
	__fput_sync(ps->file);	/* release gives the card file back, now */
	ps->file = NULL;
}

/**
 * uob_qc_pcm_open() - open a PCM substream and let snd-usb-audio choose
 * @ps: filled with the open substream
 * @pcm: the PCM
 * @stream: SNDRV_PCM_STREAM_PLAYBACK or _CAPTURE
 * @format: the sample format
 * @channels: the channel count
 * @rate: the sample rate
 *
 * Opens the substream through a file of our own, then HW_PARAMS with
 * uob_qc_pcm_params() and PREPARE: snd-usb-audio selects the altsetting
 * and rate, so the endpoint's ring exists.
 *
 * Context: process context; the caller holds the card's USB device lock.
 * Takes @pcm->open_mutex.
 *
 * Return: 0, or a negative error with nothing left open.
 */
int uob_qc_pcm_open(struct uob_qc_pcm_stream *ps, struct snd_pcm *pcm, int stream,
		    snd_pcm_format_t format, unsigned int channels, unsigned int rate)
{
	struct snd_pcm_hw_params *params;
	int ret;

	ps->pcm = pcm;
	ps->substream = NULL;
	ps->file = anon_inode_getfile("uob-qc-pcm", &uob_qc_pcm_fops, NULL, O_RDWR);
	if (IS_ERR(ps->file)) {
		ret = PTR_ERR(ps->file);
		ps->file = NULL;
		return ret;
	}
	ret = snd_card_file_add(pcm->card, ps->file);
	if (ret) {
		__fput_sync(ps->file);
		ps->file = NULL;
		return ret;
	}
	ps->file->private_data = pcm->card;
	scoped_guard(mutex, &pcm->open_mutex)
		ret = snd_pcm_open_substream(pcm, stream, ps->file, &ps->substream);
	if (ret) {
		ps->substream = NULL;
		goto close;
	}

	/* a period as ALSA chooses it */
	params = uob_qc_pcm_params(format, channels, rate, 0);
	if (!params) {
		ret = -ENOMEM;
		goto close;
	}
	ret = snd_pcm_kernel_ioctl(ps->substream, SNDRV_PCM_IOCTL_HW_PARAMS, params);
	kfree(params);
	if (ret)
		goto close;
	ret = snd_pcm_kernel_ioctl(ps->substream, SNDRV_PCM_IOCTL_PREPARE, NULL);
	if (ret)
		goto close;
	return 0;

close:
	uob_qc_pcm_close(ps);
	return ret;
}
