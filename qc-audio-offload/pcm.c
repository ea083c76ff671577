// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the ALSA side, on 6.12's public interfaces.
 *
 * snd_pcm_notify() tells us of every PCM; those of USB audio cards are
 * listed.  A USB audio card is recognised by what its device is, not by
 * a name: a USB Audio Class control interface (snd-usb-audio's cards hang
 * on the interface it probed, which for class devices is that one).
 *
 * Its disconnect callback runs in snd-usb-audio's disconnect, with the
 * udev lock held by the USB core (unplug, reset, forced unbind, usbfs
 * release) and the PCM's open_mutex held by ALSA; the news goes to the
 * driver's disconnect function, which must not wait for anything.
 *
 * A stream's substream is opened through a file of our own that sits on
 * the card's file list like any ALSA file (6.12's snd_pcm_attach_substream()
 * dereferences the file), and SNDRV_PCM_IOCTL_HW_PARAMS and _PREPARE make
 * snd-usb-audio select the altsetting and rate.
 *
 * Locking: uob_pcm.lock protects the list of PCMs; a leaf lock, never held
 * across a call out of this file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <linux/usb/audio.h>
#include <sound/core.h>
#include <sound/pcm_params.h>

#include <uob_compat.h>

#include "pcm.h"

struct uob_qc_pcm {
	struct list_head node;
	struct snd_pcm *pcm;
};

static struct {
	struct mutex lock;		/* leaf: the list */
	struct list_head pcms;
	const struct uob_qc_pcm_ops *ops;
} uob_pcm = {
	.lock = __MUTEX_INITIALIZER(uob_pcm.lock),
	.pcms = LIST_HEAD_INIT(uob_pcm.pcms),
};

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

/* Is @pcm listed?  Only PCMs of USB audio cards are. */
static bool uob_qc_pcm_listed(struct snd_pcm *pcm)
{
	struct uob_qc_pcm *p;

	guard(mutex)(&uob_pcm.lock);
	list_for_each_entry(p, &uob_pcm.pcms, node)
		if (p->pcm == pcm)
			return true;
	return false;
}

/**
 * uob_qc_pcm_find() - a listed PCM of a USB audio card
 * @card: the card number
 * @device: the PCM device number
 *
 * Context: process context; takes uob_pcm.lock.  The PCM stays valid while
 * the caller holds its card's USB device lock (a PCM is forgotten in the
 * disconnect callback, which runs under it).
 *
 * Return: the PCM, or NULL.
 */
struct snd_pcm *uob_qc_pcm_find(int card, int device)
{
	struct uob_qc_pcm *p;

	guard(mutex)(&uob_pcm.lock);
	list_for_each_entry(p, &uob_pcm.pcms, node)
		if (p->pcm->card->number == card && p->pcm->device == device)
			return p->pcm;
	return NULL;
}

static int uob_qc_pcm_register(struct snd_pcm *pcm)
{
	struct uob_qc_pcm *p;

	if (!uob_qc_pcm_card_udev(pcm->card))
		return 0;
	p = kzalloc_obj(*p, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->pcm = pcm;
	guard(mutex)(&uob_pcm.lock);
	list_add_tail(&p->node, &uob_pcm.pcms);
	return 0;
}

static void uob_qc_pcm_forget(struct snd_pcm *pcm)
{
	struct uob_qc_pcm *p, *tmp;

	guard(mutex)(&uob_pcm.lock);
	list_for_each_entry_safe(p, tmp, &uob_pcm.pcms, node) {
		if (p->pcm == pcm) {
			list_del(&p->node);
			kfree(p);
		}
	}
}

/*
 * snd-usb-audio's disconnect reaches here from snd_card_disconnect() with
 * the udev lock held by the USB core.  A listed PCM's card was recognised
 * when it registered: its device is an interface of the USB device.
 */
static int uob_qc_pcm_disconnect(struct snd_pcm *pcm)
{
	struct usb_device *udev;

	if (!uob_qc_pcm_listed(pcm))
		return 0;
	lockdep_assert_held(&pcm->open_mutex);
	udev = interface_to_usbdev(to_usb_interface(pcm->card->dev));
	uob_pcm.ops->disconnect(pcm, udev);
	uob_qc_pcm_forget(pcm);
	return 0;
}

static int uob_qc_pcm_unregister(struct snd_pcm *pcm)
{
	uob_qc_pcm_forget(pcm);
	return 0;
}

static struct snd_pcm_notify uob_qc_pcm_notify = {
	.n_register = uob_qc_pcm_register,
	.n_disconnect = uob_qc_pcm_disconnect,
	.n_unregister = uob_qc_pcm_unregister,
};

/**
 * uob_qc_pcm_init() - start following PCMs
 * @ops: where the news of a disconnect goes
 *
 * Context: module init.  snd_pcm_notify() calls n_register for every PCM
 * that exists already.
 *
 * Return: 0 or a negative error.
 */
int uob_qc_pcm_init(const struct uob_qc_pcm_ops *ops)
{
	uob_pcm.ops = ops;
	return snd_pcm_notify(&uob_qc_pcm_notify, 0);
}

/**
 * uob_qc_pcm_exit() - stop following PCMs
 *
 * Context: module exit, after every stream is stopped.
 */
void uob_qc_pcm_exit(void)
{
	snd_pcm_notify(&uob_qc_pcm_notify, 1);
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
 * @in_disconnect: ALSA's snd_pcm_dev_disconnect() holds pcm->open_mutex
 *	around the disconnect callback; everywhere else it is taken here, as
 *	snd_pcm_release() does.
 *
 * Context: process context; the caller holds the card's USB device lock.
 */
void uob_qc_pcm_close(struct uob_qc_pcm_stream *ps, bool in_disconnect)
{
	if (ps->substream) {
		if (in_disconnect) {
			lockdep_assert_held(&ps->pcm->open_mutex);
			snd_pcm_release_substream(ps->substream);
		} else {
			guard(mutex)(&ps->pcm->open_mutex);
			snd_pcm_release_substream(ps->substream);
		}
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
 * selects the altsetting and rate, so the endpoint's ring exists.
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

	ret = snd_pcm_kernel_ioctl(ps->substream, SNDRV_PCM_IOCTL_HW_PARAMS, params);
	kfree(params);
	if (ret)
		goto close;
	ret = snd_pcm_kernel_ioctl(ps->substream, SNDRV_PCM_IOCTL_PREPARE, NULL);
	if (ret)
		goto close;
	return 0;

close:
	uob_qc_pcm_close(ps, false);
	return ret;
}
