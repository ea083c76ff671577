/* SPDX-License-Identifier: GPL-2.0 */
/* usb-offload: module-internal interfaces shared with the KUnit suite. */
#ifndef _UOB_OFFLOAD_INTERNAL_H
#define _UOB_OFFLOAD_INTERNAL_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct completion;
struct kunit;
struct usb_device;

int uob_offload_lock_violations(void);

/**
 * uob_device_locked() - is @dev's device lock held (by us, where that can be told)?
 * @dev: the device
 *
 * What it checks, exactly:
 *  - with lockdep active: that the current task holds @dev->mutex
 *    (lockdep_is_held(), the test device_lock_assert() performs);
 *  - without lockdep (every distro kernel), or once lockdep has switched
 *    itself off after an earlier report (debug_locks == 0): only that some
 *    task holds it (mutex_is_locked()).  A caller that forgot the lock is
 *    caught while no other task holds it, and missed while one does (a
 *    concurrent probe, disconnect or another driver's locked section).
 *
 * The owner is not compared with current: the kernel has no public API
 * for a mutex's owner (__mutex_owner() is private to kernel/locking/, and
 * the owner word's encoding and, on PREEMPT_RT, the whole struct differ),
 * and an out-of-tree module must not read lock internals.  This module's
 * policy, not a compat shim: usb_offload_get()/put() refuse, not only warn
 * about, calls that break the locking contract, as far as this can tell.
 *
 * Context: any.
 *
 * Return: with lockdep, true if the current task holds the lock; without,
 * true if any task holds it.
 */
static inline bool uob_device_locked(struct device *dev)
{
#ifdef CONFIG_LOCKDEP
	int held = lockdep_is_held(&dev->mutex);

	/* lockdep turned itself off after an earlier report: fall back */
	if (held != LOCK_STATE_UNKNOWN)
		return held;
#endif
	return mutex_is_locked(&dev->mutex);
}

/* KUnit: a get/put pair other than ours (mainline's, 7.0+). */
struct uob_kunit_offload_ops {
	int (*get)(struct usb_device *udev);
	int (*put)(struct usb_device *udev);
	/*
	 * Take the lock their get/put change the count under; if @locked,
	 * complete it, then wait (up to 5 s) for @ready and give its setter
	 * 200 ms to run into the lock; add @delta to the count as their get/put
	 * do; unlock.  Return: whether @ready was seen (true without one).
	 */
	bool (*hold_and_add)(struct usb_device *udev, int delta,
			     struct completion *locked, atomic_t *ready);
};

/*
 * KUnit (offload_kunit.c): race @mainline's get/put (no device lock) against
 * ours on one device; the count must end exact.  Run by the suite
 * usb_offload_mainline (offload_kunit_mainline.c, 7.0+ only).
 */
void uob_kunit_mainline_race(struct kunit *test,
			     const struct uob_kunit_offload_ops *mainline);
/*
 * KUnit (offload_kunit.c): ours called while @mainline's lock is held on
 * another CPU and their count changes meanwhile: ours must read the count
 * inside that lock.  Deterministic, unlike the race above.
 */
void uob_kunit_mainline_interleave(struct kunit *test,
				   const struct uob_kunit_offload_ops *mainline);

#endif /* _UOB_OFFLOAD_INTERNAL_H */
