// SPDX-License-Identifier: GPL-2.0
/*
 * usb-offload: offload state kept in struct usb_device itself, on kernels
 * that have the fields: v6.18 (7f70b89b2be6: offload_usage and
 * offload_at_suspend) and v7.0 / 6.18.22 (bd3d245b0fef: offload_usage under
 * offload_lock, offload_pm_locked).  The difference is in
 * compat/uob_compat.h.  usbcore sets the at-suspend / pm-locked mark
 * itself around system sleep, so there is nothing to do here then.
 *
 * On 7.0+ mainline's own usb_offload_get()/put() change the same counter
 * under udev->offload_lock without the device lock, and usbcore sets
 * offload_pm_locked under it.  So our change -- the device-state and
 * pm-locked checks, the read and the write of the count -- is one
 * offload_lock section (guard(uob_offload)); runtime-PM calls stay outside.
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

/*
 * The state is the usb_device's own fields: the handle is @udev itself,
 * only ever handed back to the functions below.
 */
struct uob_state *uob_state_lookup(struct usb_device *udev, bool create)
{
	device_lock_assert(&udev->dev);
	return (struct uob_state *)udev;
}

int uob_state_add(struct usb_device *udev, struct uob_state *st, int delta)
{
	int ret;

	device_lock_assert(&udev->dev);

	guard(uob_offload)(udev);
	ret = uob_state_refuse(udev, uob_udev_offload_frozen_locked(udev));
	if (!ret)
		WRITE_ONCE(udev->offload_usage,
			   uob_state_next(udev->offload_usage, delta));
	return ret;
}

void uob_state_done(struct usb_device *udev, struct uob_state *st)
{
}

int uob_state_change(struct usb_device *udev, int delta)
{
	return uob_state_add(udev, NULL, delta);
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

bool uob_state_tracked(struct usb_device *udev)
{
	return false;
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
