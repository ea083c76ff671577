// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the ALSA side, on 6.12's public interfaces.
 *
 * A card's PCM is looked up when a request names it: the card by number
 * (snd_card_ref()), then its PCM devices on the card's device list
 * (<sound/core.h>: the SNDRV_DEV_PCM entries carry the struct snd_pcm).
 * Nothing is kept between requests, so nothing has to follow a PCM's
 * registration or disconnect: every way a USB audio card goes away starts
 * with an unbind on the USB bus, which the driver's bus notifier sees
 * first (teardown.c).  This needs no snd_pcm_notify(), which 6.12 builds
 * only with CONFIG_SND_PCM_OSS (sound/core/pcm.c), so kernels without the
 * OSS PCM layer (Android GKI, some distributions) get the driver too.
 *
 * A USB audio card is recognised by what its device is, not by a name: a
 * USB Audio Class control interface (snd-usb-audio's cards hang on the
 * interface it probed, which for class devices is that one).
 *
 * A stream's substream is opened through a file of our own that sits on
 * the card's file list like any ALSA file (6.12's snd_pcm_attach_substream()
 * dereferences the file), and SNDRV_PCM_IOCTL_HW_PARAMS and _PREPARE make
 * snd-usb-audio select the altsetting and rate.
 *
 * Locking, on the request path (qmi_svc.c):
 *   card reference (dropped) -> udev device lock -> card reference -> (ALSA)
 * A card reference is never held while waiting for the udev lock:
 * snd-usb-audio's probe error path frees its card under that lock and
 * waits for every reference (snd_card_free()).  Under the udev lock the
 * card's device list is stable: snd-usb-audio adds PCMs only in its probe,
 * which runs under that lock (usbcore's need_parent_lock), and they go
 * only when the card is freed, which our reference prevents.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <linux/usb/audio.h>
#include <sound/core.h>
#include <sound/pcm_params.h>

#include <uob_compat.h>

#include "pcm.h"

struct uob_qc_card_match {
	const struct device *dev;	/* the card's */
	struct usb_device *parent;	/* the USB device that is its parent */
	bool is_udev;			/* it is a USB device itself */
};

static int uob_qc_card_match(struct usb_device *udev, void *data)
{
	struct uob_qc_card_match *m = data;

	if (&udev->dev == m->dev)
		m->is_udev = true;
	if (&udev->dev == m->dev->parent)
		m->parent = udev;
	return 0;
}

/**
 * uob_qc_pcm_card_udev() - the USB device of a USB audio card
 * @card: an ALSA card (referenced by the caller)
 *
 * The card's device must be a device of the USB bus that usbcore does not
 * list as a USB device, whose parent it does list -- an interface, as
 * usbcore's own usb_for_each_dev() tells, where the private device types
 * are not exported -- and that interface a USB Audio Class control
 * interface.
 *
 * Context: process context; walks usbcore's devices (no lock of theirs).
 *
 * Return: the device (not referenced: take one while @card is held), or
 * NULL if @card is not a USB audio card.
 */
struct usb_device *uob_qc_pcm_card_udev(struct snd_card *card)
{
	struct uob_qc_card_match m = { .dev = card->dev };
	struct usb_host_interface *alt;

	if (!m.dev || !m.dev->parent)
		return NULL;
	usb_for_each_dev(&m, uob_qc_card_match);
	if (!m.parent || m.is_udev || m.dev->bus != m.parent->dev.bus)
		return NULL;
	alt = &to_usb_interface(m.dev)->altsetting[0];
	if (alt->desc.bInterfaceClass != USB_CLASS_AUDIO ||
	    alt->desc.bInterfaceSubClass != USB_SUBCLASS_AUDIOCONTROL)
		return NULL;
	return m.parent;
}

/**
 * uob_qc_pcm_card_udev_get() - the USB device of a USB audio card, by number
 * @card: the card number
 *
 * The card reference it takes is dropped before it returns, so that the
 * caller can wait for the device's lock holding none (see the locking rule
 * above); the card is looked up again under that lock (uob_qc_pcm_get()).
 *
 * Context: process context; the caller holds no udev lock.
 *
 * Return: the device, referenced (usb_put_dev()), or NULL if @card is not
 * a registered USB audio card.
 */
struct usb_device *uob_qc_pcm_card_udev_get(int card)
{
	struct snd_card *sndcard = snd_card_ref(card);
	struct usb_device *udev;

	if (!sndcard)
		return NULL;
	udev = usb_get_dev(uob_qc_pcm_card_udev(sndcard));
	snd_card_unref(sndcard);
	return udev;
}

/**
 * uob_qc_pcm_get() - a PCM of @udev's USB audio card
 * @udev: the USB device, whose lock the caller holds
 * @card: the card number
 * @device: the PCM device number
 *
 * Takes the card again and checks that it is still @udev's (the number may
 * have gone to another card while the caller waited for the lock) and not
 * being disconnected, then finds the PCM on the card's device list.
 *
 * Context: process context; the caller holds @udev's device lock, which
 * keeps the card's device list stable (see the locking rule above).
 *
 * Return: the PCM, its card referenced until uob_qc_pcm_put(), or NULL.
 */
struct snd_pcm *uob_qc_pcm_get(struct usb_device *udev, int card, int device)
	__must_hold(&udev->dev.mutex)
{
	struct snd_card *sndcard;
	struct snd_device *sd;

	device_lock_assert(&udev->dev);
	sndcard = snd_card_ref(card);
	if (!sndcard)
		return NULL;
	if (!sndcard->shutdown && uob_qc_pcm_card_udev(sndcard) == udev) {
		list_for_each_entry(sd, &sndcard->devices, list) {
			struct snd_pcm *pcm = sd->device_data;

			if (sd->type == SNDRV_DEV_PCM && pcm->device == device)
				return pcm;
		}
	}
	snd_card_unref(sndcard);
	return NULL;
}

/**
 * uob_qc_pcm_put() - drop what uob_qc_pcm_get() took
 * @pcm: the PCM
 *
 * Context: process context; the caller still holds the udev lock it held
 * for uob_qc_pcm_get() (the card reference goes before the lock).
 */
void uob_qc_pcm_put(struct snd_pcm *pcm)
{
	snd_card_unref(pcm->card);
}

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

static void uob_hw_set(struct snd_pcm_hw_params *p, snd_pcm_hw_param_t var,
		       unsigned int val)
{
	struct snd_interval *i = hw_param_interval(p, var);

	i->min = val;
	i->max = val;
	i->openmin = 0;
	i->openmax = 0;
	i->integer = 1;
	i->empty = 0;
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
 * exactly these parameters (interleaved access) and PREPARE: snd-usb-audio
 * selects the altsetting and rate, so the endpoint's ring exists.  The
 * host never plays from the PCM's buffer (the DSP streams from its own
 * transfer buffer), so it asks for two periods: left to ALSA's choice the
 * buffer is the largest snd-usb-audio allows (1024 periods, 192 KiB at
 * 48 kHz stereo S16), allocated and cleared at HW_PARAMS, its URBs set up
 * at PREPARE and all of it freed at close, on every stream cycle.
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

	params = kzalloc_obj(*params, GFP_KERNEL);
	if (!params) {
		ret = -ENOMEM;
		goto close;
	}
	_snd_pcm_hw_params_any(params);
	snd_mask_leave(hw_param_mask(params, SNDRV_PCM_HW_PARAM_ACCESS),
		       (__force unsigned int)SNDRV_PCM_ACCESS_RW_INTERLEAVED);
	snd_mask_leave(hw_param_mask(params, SNDRV_PCM_HW_PARAM_FORMAT),
		       (__force unsigned int)format);
	uob_hw_set(params, SNDRV_PCM_HW_PARAM_CHANNELS, channels);
	uob_hw_set(params, SNDRV_PCM_HW_PARAM_RATE, rate);
	/* snd-usb-audio's least (periods_min); a period as ALSA chooses it */
	uob_hw_set(params, SNDRV_PCM_HW_PARAM_PERIODS, 2);

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
