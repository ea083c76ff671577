// SPDX-License-Identifier: GPL-2.0
/*
 * usb-offload: offload state kept in struct usb_device itself, on kernels
 * that have the fields (v6.18.x: 7f70b89b2be6 added offload_usage and
 * offload_at_suspend).  usbcore sets offload_at_suspend in
 * usb_suspend_both(), so there is nothing to do around system sleep.
 */
#include <linux/usb.h>

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

void uob_state_release_idle(struct usb_device *udev)
{
}

int uob_state_peek(struct usb_device *udev)
{
	return READ_ONCE(udev->offload_usage);
}

bool uob_state_at_suspend(struct usb_device *udev)
{
	return udev->offload_at_suspend;
}

unsigned int uob_state_entries(void)
{
	return 0;
}

void uob_state_system_sleep(bool entering)
{
}
