// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the ALSA side, on 6.12's public interfaces: which card
 * and PCM a request names.  How a stream's PCM is opened is the backend's
 * (pcm.h): pcm_ioctl.c or pcm_direct.c.
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

/*
 * usbcore's bus, once a walk has found a USB device on it (usb_bus_type is
 * not exported): then a card is checked without walking every device.
 * usbcore cannot go before this module, which uses its exports.
 */
static const struct bus_type *uob_qc_usb_bus;

static int uob_qc_card_match(struct usb_device *udev, void *data)
{
	struct uob_qc_card_match *m = data;

	if (&udev->dev == m->dev)
		m->is_udev = true;
	if (&udev->dev == m->dev->parent)
		m->parent = udev;
	return 0;
}

/*
 * The USB device that @dev, a device of the USB bus, is an interface of.
 * Only USB devices and interfaces are on that bus, and an interface has
 * no child there, so a parent there is a USB device, and @dev is an
 * interface unless it is of its parent's (a USB device's) type.
 */
static struct usb_device *uob_qc_intf_udev(struct device *dev)
{
	const struct bus_type *usb = READ_ONCE(uob_qc_usb_bus);
	struct uob_qc_card_match m = { .dev = dev };

	if (usb) {
		if (dev->bus != usb || dev->parent->bus != usb ||
		    dev->type == dev->parent->type)
			return NULL;
		return to_usb_device(dev->parent);
	}
	usb_for_each_dev(&m, uob_qc_card_match);
	if (!m.parent || m.is_udev || dev->bus != m.parent->dev.bus)
		return NULL;
	WRITE_ONCE(uob_qc_usb_bus, m.parent->dev.bus);
	return m.parent;
}

/**
 * uob_qc_pcm_card_udev() - the USB device of a USB audio card
 * @card: an ALSA card (referenced by the caller)
 *
 * The card's device must be a device of the USB bus that usbcore does not
 * list as a USB device, whose parent it does list -- an interface, as
 * usbcore's own usb_for_each_dev() tells, where the private device types
 * are not exported (once it has told which bus is usbcore's, by the bus
 * and the device types: uob_qc_intf_udev()) -- and that interface a USB
 * Audio Class control interface.
 *
 * Context: process context; walks usbcore's devices (no lock of theirs)
 * the first time only.
 *
 * Return: the device (not referenced: take one while @card is held), or
 * NULL if @card is not a USB audio card.
 */
struct usb_device *uob_qc_pcm_card_udev(struct snd_card *card)
{
	struct usb_host_interface *alt;
	struct usb_device *udev;

	if (!card->dev || !card->dev->parent)
		return NULL;
	udev = uob_qc_intf_udev(card->dev);
	if (!udev)
		return NULL;
	alt = &to_usb_interface(card->dev)->altsetting[0];
	if (alt->desc.bInterfaceClass != USB_CLASS_AUDIO ||
	    alt->desc.bInterfaceSubClass != USB_SUBCLASS_AUDIOCONTROL)
		return NULL;
	return udev;
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
 * uob_qc_pcm_params() - the hardware parameters of a DSP's stream
 * @format: the sample format
 * @channels: the channel count
 * @rate: the sample rate
 * @period: frames per period, or 0 to leave it open
 *
 * Interleaved access, exactly @format, @channels and @rate, and two
 * periods: snd-usb-audio's least.  The host never plays from the PCM's
 * buffer (the DSP streams from its own transfer buffer): left to ALSA's
 * choice the buffer would be the largest snd-usb-audio allows (1024
 * periods, 192 KiB at 48 kHz stereo S16), with URBs to match, set up and
 * freed on every stream cycle.
 *
 * Context: process context.
 *
 * Return: the parameters (kfree() them), or NULL without memory.
 */
struct snd_pcm_hw_params *uob_qc_pcm_params(snd_pcm_format_t format, unsigned int channels,
					    unsigned int rate, unsigned int period)
{
	struct snd_pcm_hw_params *params = kzalloc_obj(*params, GFP_KERNEL);

	if (!params)
		return NULL;
	_snd_pcm_hw_params_any(params);
	snd_mask_leave(hw_param_mask(params, SNDRV_PCM_HW_PARAM_ACCESS),
		       (__force unsigned int)SNDRV_PCM_ACCESS_RW_INTERLEAVED);
	snd_mask_leave(hw_param_mask(params, SNDRV_PCM_HW_PARAM_FORMAT),
		       (__force unsigned int)format);
	uob_hw_set(params, SNDRV_PCM_HW_PARAM_CHANNELS, channels);
	uob_hw_set(params, SNDRV_PCM_HW_PARAM_RATE, rate);
	uob_hw_set(params, SNDRV_PCM_HW_PARAM_PERIODS, 2);
	if (period)
		uob_hw_set(params, SNDRV_PCM_HW_PARAM_PERIOD_SIZE, period);
	return params;
}
