// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: struct usb_device carries offload_usage and offload_at_suspend.
 * Upstream: 7f70b89b2be6 "usb: offload: add apis for offload usage tracking"
 * (v6.18-rc1).  Mainline 7.0 (bd3d245b0fef) dropped offload_at_suspend again
 * in favour of offload_pm_locked, so this probe is true only on 6.18.x.
 */
#include <linux/usb.h>

int uob_probe(struct usb_device *udev);
int uob_probe(struct usb_device *udev)
{
	udev->offload_at_suspend = 1;
	return udev->offload_usage;
}
