/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload: where a USB device's offload usage lives.
 *
 * Two backends, chosen by Kbuild from the compile probe
 * UOB_HAVE_USB_DEVICE_OFFLOAD_FIELDS:
 *
 *  - state_udev.c (6.18+, 7.x): struct usb_device has offload_usage (and
 *    offload_at_suspend, or since 7.0 offload_lock + offload_pm_locked);
 *    use them, so that usbcore's own suspend path sees the count we keep.
 *  - state_table.c (6.12 and older): usbcore has no such fields; keep the
 *    state in a table of our own, pinned to the device, dropped when the
 *    device goes away (USB_DEVICE_REMOVE) or its usage returns to zero.
 *
 * Locking (both backends): the usage counter of a device is only written
 * with that device's device lock held.  The backend's own lock (table
 * backend) only protects its lookup structure and is taken inside the
 * device lock, never around it.
 */
#ifndef _UOB_OFFLOAD_STATE_H
#define _UOB_OFFLOAD_STATE_H

#include <linux/usb.h>

int uob_state_init(void);
void uob_state_exit(void);

/* Caller holds the device lock; may return ERR_PTR(-ENOMEM) if @create. */
int *uob_state_usage(struct usb_device *udev, bool create);
/* Caller holds the device lock: store @value in @usage (from uob_state_usage()). */
void uob_state_set(struct usb_device *udev, int *usage, int value);
/* Caller holds the device lock: forget @udev's state if it is idle. */
void uob_state_release_idle(struct usb_device *udev);
/* Any context: racy snapshot for debugfs. */
int uob_state_peek(struct usb_device *udev);
bool uob_state_at_suspend(struct usb_device *udev);
/* Number of devices the backend holds private state for. */
unsigned int uob_state_entries(void);
/* System sleep transition (PM_SUSPEND_PREPARE / PM_POST_SUSPEND). */
void uob_state_system_sleep(bool entering);
/*
 * KUnit: what the sleep transition does to @udev (the caller holds its
 * device lock): our PM notifier's work for the table backend, usbcore's
 * (offload_at_suspend / offload_pm_locked) for the field backend.
 */
void uob_state_mark_sleep(struct usb_device *udev, bool entering);
/* Does the backend keep state of its own (entries that must go away)? */
bool uob_state_is_private(void);

#endif /* _UOB_OFFLOAD_STATE_H */
