// SPDX-License-Identifier: GPL-2.0
/*
 * usb-offload: offload state kept in struct usb_device itself, on kernels
 * that have the fields: v6.18 (7f70b89b2be6: offload_usage and
 * offload_at_suspend) and v7.0 / 6.18.22 (bd3d245b0fef: offload_usage under
 * offload_lock, offload_pm_locked).  The difference is in
 * compat/uob_compat.h.  usbcore sets the at-suspend / pm-locked mark
 * itself around system sleep, so there is nothing to do here then.
 */
#include <linux/usb.h>
#include <uob_compat.h>

#include "offload_state.h"

int uob_state_init(void)
{
	return 0;
}

void uob_state_exit(void)
{
}

int *uob_state_usage(struct usb_device *udev, bool create)
{
	device_lock_assert(&udev->dev);
	return &udev->offload_usage;
}

void uob_state_set(struct usb_device *udev, int *usage, int value)
{
	device_lock_assert(&udev->dev);
	uob_udev_offload_set(udev, value);
}

void uob_state_release_idle(struct usb_device *udev)
{
}

int uob_state_peek(struct usb_device *udev)
{
	return READ_ONCE(udev->offload_usage);
}

bool uob_state_at_suspend(struct usb_device *udev)
{
	return uob_udev_offload_frozen(udev);
}

unsigned int uob_state_entries(void)
{
	return 0;
}

void uob_state_mark_sleep(struct usb_device *udev, bool entering)
{
	device_lock_assert(&udev->dev);
	uob_udev_offload_set_frozen(udev, entering);
}

bool uob_state_is_private(void)
{
	return false;
}

void uob_state_system_sleep(bool entering)
{
}
