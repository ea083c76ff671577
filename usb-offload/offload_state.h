/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload: where a USB device's offload usage lives.
 *
 * Two backends, chosen by Kbuild from the compile probes
 * UOB_HAVE_USB_DEVICE_OFFLOAD_{FIELDS,LOCK}:
 *
 *  - state_udev.c (6.18+, 7.x): struct usb_device has offload_usage (and
 *    offload_at_suspend, or since 7.0 offload_lock + offload_pm_locked);
 *    use them, so that usbcore's own suspend path sees the count we keep.
 *  - state_table.c (6.12 and older): usbcore has no such fields; keep the
 *    state in a table of our own, one entry per device for the device's
 *    lifetime, dropped when the device goes away (USB_DEVICE_REMOVE).
 *
 * A get or put makes one backend call, uob_state_change(): one lookup
 * (uob_state_lookup()) and one change (uob_state_add()), which re-checks the device state and the
 * suspend mark and does the read-modify-write of the count in one critical
 * section of the state's own lock (udev->offload_lock on 7.0+).  Runtime-PM
 * calls stay outside that section.
 *
 * Locking (both backends): the usage counter of a device is only written
 * with that device's device lock held.  The backends' own locks nest inside
 * the device lock, never around it.
 */
#ifndef _UOB_OFFLOAD_STATE_H
#define _UOB_OFFLOAD_STATE_H

#include <linux/usb.h>

/* A device's offload state: our table entry, or the usb_device itself. */
struct uob_state;

int uob_state_init(void);
void uob_state_exit(void);

/*
 * Caller holds @udev's device lock.  The change of a get (@delta 1: the
 * state is created if need be) or put (-1): uob_state_lookup(), then
 * uob_state_add() if there is state, then uob_state_done(), in one call.
 * Return: 0, -ENOMEM or uob_state_add()'s refusal.
 */
int uob_state_change(struct usb_device *udev, int delta);
/*
 * Caller holds @udev's device lock.  @udev's state, created if @create
 * (then possibly ERR_PTR(-ENOMEM)); NULL if it has none and !@create.
 * Valid until uob_state_done() or until the device lock is dropped.
 */
struct uob_state *uob_state_lookup(struct usb_device *udev, bool create);
/*
 * Caller holds @udev's device lock.  In one critical section: refuse a
 * detached (-ENODEV), suspended or suspend-marked (-EBUSY) device, else add
 * @delta to the usage, which never goes below zero (a put at zero succeeds
 * and changes nothing).  Return: 0 or the refusal; on refusal no change.
 */
int uob_state_add(struct usb_device *udev, struct uob_state *st, int delta);
/* Caller holds @udev's device lock: done with @st (from uob_state_lookup()). */
void uob_state_done(struct usb_device *udev, struct uob_state *st);
/* Any context: racy snapshot (debugfs; usb_offload_usage() under the lock). */
int uob_state_peek(struct usb_device *udev);
bool uob_state_at_suspend(struct usb_device *udev);
/* Number of devices the backend holds private state for. */
unsigned int uob_state_entries(void);
/* Does the backend hold an entry for @udev?  (KUnit; any context) */
bool uob_state_tracked(struct usb_device *udev);
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

/*
 * The device-state rules of usb_offload_get()/put(), shared by the
 * precheck before the autoresume and by each backend's change section.
 */
static inline int uob_state_refuse(struct usb_device *udev, bool frozen)
{
	enum usb_device_state state = READ_ONCE(udev->state);

	if (state == USB_STATE_NOTATTACHED)
		return -ENODEV;
	if (state == USB_STATE_SUSPENDED || frozen)
		return -EBUSY;
	return 0;
}

/* The new usage after adding @delta to @usage: never below zero. */
static inline int uob_state_next(int usage, int delta)
{
	return usage + delta < 0 ? usage : usage + delta;
}

#endif /* _UOB_OFFLOAD_STATE_H */
