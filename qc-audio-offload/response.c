// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the USB device as a response describes it.
 *
 * Everything here is read from descriptors usbcore holds; the caller
 * holds the device's lock, so they do not change underneath.
 */
#include <linux/log2.h>
#include <linux/of.h>
#include <linux/usb.h>
#include <linux/usb/audio.h>
#include <linux/usb/audio-v2.h>

#include "response.h"

/**
 * uob_qc_data_interval() - service interval (us) -> bInterval of the data endpoint
 * @speed: the device's speed (it decides the unit)
 * @si: the DSP's service interval in microseconds
 *
 * Context: any.
 *
 * Return: the bInterval a device of this speed uses for @si, or -EINVAL
 * if @si is no such interval.
 */
int uob_qc_data_interval(enum usb_device_speed speed, u32 si)
{
	unsigned int unit = speed >= USB_SPEED_HIGH ? 125 : 1000;
	unsigned int frames = si / unit;

	if (!si || si % unit || !is_power_of_2(frames) || frames > 1U << 15)
		return -EINVAL;
	/* full speed iso: bInterval 1..16 is 2^(bInterval-1) frames too */
	return ilog2(frames) + 1;
}

static u8 uob_qc_cs_byte(struct usb_host_interface *alt, u8 subtype,
			 unsigned int offset)
{
	const u8 *p = alt->extra;
	int left = alt->extralen;

	while (left >= 3 && p[0] >= 3 && p[0] <= left) {
		if (p[1] == USB_DT_CS_INTERFACE && p[2] == subtype && offset < p[0])
			return p[offset];
		left -= p[0];
		p += p[0];
	}
	return 0;
}

static u16 uob_qc_bcd_adc(struct usb_device *udev)
{
	struct usb_host_config *cfg = udev->actconfig;
	int i;

	for (i = 0; cfg && i < cfg->desc.bNumInterfaces; i++) {
		struct usb_host_interface *alt = &cfg->interface[i]->altsetting[0];

		if (alt->desc.bInterfaceClass == USB_CLASS_AUDIO &&
		    alt->desc.bInterfaceSubClass == USB_SUBCLASS_AUDIOCONTROL)
			return uob_qc_cs_byte(alt, UAC_HEADER, 3) |
			       uob_qc_cs_byte(alt, UAC_HEADER, 4) << 8;
	}
	return 0;
}

static u32 uob_qc_speed(struct usb_device *udev)
{
	switch (udev->speed) {
	case USB_SPEED_LOW:
		return UOB_UAUDIO_SPEED_LOW;
	case USB_SPEED_FULL:
		return UOB_UAUDIO_SPEED_FULL;
	case USB_SPEED_HIGH:
		return UOB_UAUDIO_SPEED_HIGH;
	case USB_SPEED_SUPER:
		return UOB_UAUDIO_SPEED_SUPER;
	case USB_SPEED_SUPER_PLUS:
		return UOB_UAUDIO_SPEED_SUPER_PLUS;
	default:
		return UOB_UAUDIO_SPEED_INVALID;
	}
}

static void uob_qc_ep_desc(struct uob_uaudio_ep_desc *d, struct usb_host_endpoint *ep)
{
	d->bLength = ep->desc.bLength;
	d->bDescriptorType = ep->desc.bDescriptorType;
	d->bEndpointAddress = ep->desc.bEndpointAddress;
	d->bmAttributes = ep->desc.bmAttributes;
	d->wMaxPacketSize = le16_to_cpu(ep->desc.wMaxPacketSize);
	d->bInterval = ep->desc.bInterval;
	d->bRefresh = ep->desc.bRefresh;
	d->bSynchAddress = ep->desc.bSynchAddress;
}

/**
 * uob_qc_controller_id() - controller_num as mainline reports it
 * @udev: a device on the controller
 *
 * Context: any.
 *
 * Return: the controller's device-tree "usb" alias, -ENODEV without a
 * device-tree node (x86) or without an alias.
 */
int uob_qc_controller_id(struct usb_device *udev)
{
	struct device *sysdev = udev->bus->sysdev;

	if (sysdev && sysdev->of_node)
		return of_alias_get_id(sysdev->of_node, "usb");
	return -ENODEV;
}

/**
 * uob_qc_resp_usb() - the USB part of a stream's response
 * @r: the response
 * @udev: the device
 * @alt: the active audio streaming altsetting
 * @data_ep: its data endpoint
 * @sync_ep: its sync endpoint, or NULL
 *
 * Fills slot, interface and endpoint descriptors, audio spec revision,
 * data path delay, subslot size, speed and controller number.
 *
 * Context: the caller holds @udev's device lock.
 */
void uob_qc_resp_usb(struct uob_uaudio_resp *r, struct usb_device *udev,
		     struct usb_host_interface *alt, struct usb_host_endpoint *data_ep,
		     struct usb_host_endpoint *sync_ep)
{
	bool uac2 = alt->desc.bInterfaceProtocol == UAC_VERSION_2;
	int ctrl = uob_qc_controller_id(udev);

	r->slot_id_valid = 1;
	r->slot_id = udev->slot_id;
	r->std_as_opr_intf_desc_valid = 1;
	r->std_as_opr_intf_desc = (struct uob_uaudio_intf_desc) {
		.bLength = alt->desc.bLength,
		.bDescriptorType = alt->desc.bDescriptorType,
		.bInterfaceNumber = alt->desc.bInterfaceNumber,
		.bAlternateSetting = alt->desc.bAlternateSetting,
		.bNumEndpoints = alt->desc.bNumEndpoints,
		.bInterfaceClass = alt->desc.bInterfaceClass,
		.bInterfaceSubClass = alt->desc.bInterfaceSubClass,
		.bInterfaceProtocol = alt->desc.bInterfaceProtocol,
		.iInterface = alt->desc.iInterface,
	};
	r->std_as_data_ep_desc_valid = 1;
	uob_qc_ep_desc(&r->std_as_data_ep_desc, data_ep);
	if (sync_ep) {
		r->std_as_sync_ep_desc_valid = 1;
		uob_qc_ep_desc(&r->std_as_sync_ep_desc, sync_ep);
	}
	r->usb_audio_spec_revision_valid = 1;
	r->usb_audio_spec_revision = uob_qc_bcd_adc(udev);
	r->data_path_delay_valid = 1;
	r->data_path_delay = uac2 ? 0 : uob_qc_cs_byte(alt, UAC_AS_GENERAL, 4);
	r->usb_audio_subslot_size_valid = 1;
	r->usb_audio_subslot_size = uob_qc_cs_byte(alt, UAC_FORMAT_TYPE, uac2 ? 4 : 5);
	r->speed_info_valid = 1;
	r->speed_info = uob_qc_speed(udev);
	r->controller_num_valid = ctrl >= 0;
	r->controller_num = ctrl >= 0 ? ctrl : 0;
}
