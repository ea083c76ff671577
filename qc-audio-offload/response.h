/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: what a response says about the USB device
 * (response.c): descriptors, speed, controller number, intervals, as
 * mainline's prepare_qmi_response() and uaudio_populate_uac_desc() fill
 * them.  Reads USB descriptors only; calls nothing else of the driver.
 */
#ifndef _UOB_QC_RESPONSE_H
#define _UOB_QC_RESPONSE_H

#include <linux/types.h>
#include <linux/usb/ch9.h>

#include "usb_audio_qmi_v01.h"

struct usb_device;
struct usb_host_endpoint;
struct usb_host_interface;

void uob_qc_resp_usb(struct uob_uaudio_resp *r, struct usb_device *udev,
		     struct usb_host_interface *alt, struct usb_host_endpoint *data_ep,
		     struct usb_host_endpoint *sync_ep);
int uob_qc_data_interval(enum usb_device_speed speed, u32 si);
int uob_qc_controller_id(struct usb_device *udev);

#endif /* _UOB_QC_RESPONSE_H */
