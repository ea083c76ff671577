// SPDX-License-Identifier: GPL-2.0
/* Must always compile: proves the probe flags work at all. */
#include <linux/module.h>
#include <linux/usb.h>

int uob_probe_sanity(struct usb_device *udev);
int uob_probe_sanity(struct usb_device *udev)
{
	return udev->devnum;
}
