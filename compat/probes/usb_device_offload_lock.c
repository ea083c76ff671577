// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: struct usb_device has offload_usage guarded by the offload_lock
 * spinlock, and offload_pm_locked instead of offload_at_suspend.
 * Upstream: bd3d245b0fef "usb: core: use dedicated spinlock for offload
 * state" (v7.0-rc7; backported to 6.18.22), which removed
 * offload_at_suspend (see usb_device_offload_fields.c).
 */
#include <linux/spinlock.h>
#include <linux/usb.h>

int uob_probe(struct usb_device *udev);
int uob_probe(struct usb_device *udev)
{
	int usage;

	spin_lock(&udev->offload_lock);
	usage = udev->offload_pm_locked ? -1 : udev->offload_usage;
	spin_unlock(&udev->offload_lock);
	return usage;
}
