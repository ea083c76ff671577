/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport compat layer.
 *
 * All knowledge of kernel differences lives here and in compat/probes/:
 * driver .c files contain no version checks.  Each shim names the kernel
 * version / upstream change it papers over.  UOB_HAVE_* come from the
 * compile probes (compat/conftest.sh, run from the top-level Kbuild).
 */
#ifndef _UOB_COMPAT_H
#define _UOB_COMPAT_H

#include <linux/device.h>
#include <linux/lockdep.h>
#include <linux/mutex.h>
#include <uob_autoconf.h>

/**
 * uob_device_lock_held() - is @dev's device lock held?
 * @dev: the device
 *
 * With lockdep, this is exact: the current task holds the lock (the test
 * device_lock_assert() performs).  Without lockdep (every distro kernel) we
 * can only tell that *someone* holds it, which still catches a caller that
 * forgot the lock altogether; the same fallback applies once lockdep has
 * switched itself off (debug_locks == 0) after an earlier report.  Used by
 * usb-offload to refuse, not only warn about, calls that break the locking
 * contract.
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

#endif /* _UOB_COMPAT_H */
