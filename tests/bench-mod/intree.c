// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: usbcore's own usb_offload_get()/put() (v7.0+, under
 * udev->offload_lock, no device lock), by their real names.  This file must
 * not include <uob/usb_offload.h>, which maps those names to ours.
 */
#include <linux/usb.h>

#include "uob-bench.h"

const bool uob_bench_have_intree = true;

int uob_bench_intree_get(struct usb_device *udev)
{
	return usb_offload_get(udev);
}

int uob_bench_intree_put(struct usb_device *udev)
{
	return usb_offload_put(udev);
}
