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
 * uob_device_lock_held() - is @dev's device lock held?
 * @dev: the device
 *
 * With lockdep, this is exact: the current task holds the lock (the test
 * device_lock_assert() performs).  Without lockdep (every distro kernel) we
 * can only tell that *someone* holds it, which still catches a caller that
 * forgot the lock altogether; the same fallback applies once lockdep has
 * switched itself off (debug_locks == 0) after an earlier report.  This
 * module's policy, not a compat shim: usb_offload_get()/put() refuse, not
 * only warn about, calls that break the locking contract.
 *
 * Return: true if the lock is held (by the current task, under lockdep).
 */
static inline bool uob_device_lock_held(struct device *dev)
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
