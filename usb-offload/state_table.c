// SPDX-License-Identifier: GPL-2.0
/*
 * usb-offload: offload state for kernels whose struct usb_device has no
 * offload fields (everything before v6.18, 7f70b89b2be6).
 *
 * A device's entry is created by its first usb_offload_get() and kept for
 * the device's lifetime, so that a stream's 0 -> 1 -> 0 cycle allocates
 * nothing.  It holds a reference on the usb_device, so a stale entry can
 * never alias a new device allocated at the same address, and it is dropped
 * when usbcore announces the device's removal (USB_DEVICE_REMOVE, sent from
 * the generic driver's unbind with the device lock held) or at module
 * unload.  usbcore announces that only for a device bound to its generic
 * driver ("usb") or to a driver of the generic subclass; the entry of any
 * other device (never registered, unbound, or bound to a driver such as
 * usbip-host) is dropped as soon as its usage returns to zero, as before.
 *
 * Lookups are RCU-protected (no global lock on the get/put path; on that
 * path an RCU-sched section, which kfree_rcu() waits for since the RCU
 * flavour consolidation of v5.0); the global uob_state_lock serialises
 * insertions and removals.  The count and the at-suspend mark of an entry
 * are one atomic word.
 *
 * mainline 6.18 marks a device "offload at suspend" inside usbcore's
 * usb_suspend_both(); 6.12's usbcore does not know about offload, so we mark
 * devices with usage for the duration of a system sleep transition from a
 * PM notifier instead.  usb_offload_get()/put() answer -EBUSY meanwhile, as
 * upstream does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/notifier.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/suspend.h>
#include <linux/usb.h>

#include <uob_compat.h>

#include "offload_state.h"

/*
 * ->state packs the usage (bits 0-30, the range of the seed's int) and the
 * at-suspend mark (bit 31), so that the change of a get/put and the mark of
 * the PM notifier are each one atomic compare-and-exchange: a get or put
 * either happens before the mark (and is marked) or is refused after it.
 */
#define UOB_STATE_AT_SUSPEND	INT_MIN
#define UOB_STATE_USAGE		INT_MAX

struct uob_state {
	struct hlist_node node;		/* in uob_states, under uob_state_lock */
	struct usb_device *udev;	/* referenced (usb_get_dev) */
	atomic_t state;			/* usage | at-suspend mark */
	bool lifetime;			/* removal will be announced: keep */
	struct rcu_head rcu;
};

/*
 * uob_state_lock serialises changes of uob_states and uob_state_count;
 * nests inside udev locks, around entry locks (system sleep walk).
 */
static DEFINE_SPINLOCK(uob_state_lock);
static DEFINE_HASHTABLE(uob_states, 6);
static unsigned int uob_state_count;

/* In an RCU (or RCU-sched) read section, or under uob_state_lock. */
static struct uob_state *uob_state_find(struct usb_device *udev)
{
	struct uob_state *st;

	hash_for_each_possible_rcu(uob_states, st, node, (unsigned long)udev,
				   lockdep_is_held(&uob_state_lock))
		if (st->udev == udev)
			return st;
	return NULL;
}

/*
 * Will usbcore send USB_DEVICE_REMOVE for @udev?  Only when its generic
 * driver (registered as "usb"; driver names are unique on a bus) or a
 * driver of the generic subclass unbinds.  Binding changes only under the
 * device lock, which the caller holds.
 */
static bool uob_state_removal_announced(struct usb_device *udev)
{
	const struct device_driver *drv = udev->dev.driver;

	if (!drv)
		return false;
	return to_usb_device_driver(drv)->generic_subclass ||
	       !strcmp(drv->name, "usb");
}

static void uob_state_unlink(struct uob_state *st)
	__must_hold(&uob_state_lock)
{
	lockdep_assert_held(&uob_state_lock);
	hash_del_rcu(&st->node);
	uob_state_count--;
}

static void uob_state_free(struct uob_state *st)
{
	usb_put_dev(st->udev);
	kfree_rcu(st, rcu);
}

struct uob_state *uob_state_lookup(struct usb_device *udev, bool create)
{
	struct uob_state *st;

	device_lock_assert(&udev->dev);

	/*
	 * @udev's entry is only inserted or removed under its device lock,
	 * which we hold: what we find stays valid after the RCU section.
	 */
	rcu_read_lock_sched();
	st = uob_state_find(udev);
	rcu_read_unlock_sched();
	if (st || !create)
		return st;

	st = kzalloc_obj(*st, GFP_KERNEL);
	if (!st)
		return ERR_PTR(-ENOMEM);
	st->udev = usb_get_dev(udev);
	st->lifetime = uob_state_removal_announced(udev);

	spin_lock(&uob_state_lock);
	hash_add_rcu(uob_states, &st->node, (unsigned long)udev);
	uob_state_count++;
	spin_unlock(&uob_state_lock);
	return st;
}

static __always_inline int __uob_state_add(struct usb_device *udev,
					   struct uob_state *st, int delta)
{
	int old = atomic_read(&st->state);
	int ret;

	do {
		ret = uob_state_refuse(udev, old & UOB_STATE_AT_SUSPEND);
		if (unlikely(ret))
			return ret;
	} while (!atomic_try_cmpxchg(&st->state, &old,
				     uob_state_next(old, delta)));
	return 0;
}

int uob_state_add(struct usb_device *udev, struct uob_state *st, int delta)
{
	device_lock_assert(&udev->dev);
	return __uob_state_add(udev, st, delta);
}

void uob_state_done(struct usb_device *udev, struct uob_state *st)
{
	device_lock_assert(&udev->dev);

	/* the mark is only ever set with usage > 0: state 0 is idle */
	if (!st || st->lifetime || atomic_read(&st->state))
		return;

	spin_lock(&uob_state_lock);
	uob_state_unlink(st);
	spin_unlock(&uob_state_lock);
	uob_state_free(st);
}

/*
 * What uob_state_lookup() + uob_state_add() + uob_state_done() do, with the
 * path of a device that has its entry (every get/put after its first) in
 * this one function: no call on it (make bench measures it against the
 * seed's own work, docs/testing.md "Benchmarks and soak").
 */
int uob_state_change(struct usb_device *udev, int delta)
{
	struct uob_state *st;
	int ret;

	device_lock_assert(&udev->dev);

	/* as in uob_state_lookup(): valid after the RCU section */
	rcu_read_lock_sched();
	st = uob_state_find(udev);
	rcu_read_unlock_sched();
	if (unlikely(!st)) {
		st = uob_state_lookup(udev, delta > 0);
		if (IS_ERR_OR_NULL(st))
			return PTR_ERR_OR_ZERO(st);
	}
	ret = __uob_state_add(udev, st, delta);
	if (unlikely(!st->lifetime))
		uob_state_done(udev, st);
	return ret;
}

int uob_state_peek(struct usb_device *udev)
{
	struct uob_state *st;
	int usage = 0;

	rcu_read_lock();
	st = uob_state_find(udev);
	if (st)
		usage = atomic_read(&st->state) & UOB_STATE_USAGE;
	rcu_read_unlock();
	return usage;
}

bool uob_state_at_suspend(struct usb_device *udev)
{
	struct uob_state *st;
	bool ret = false;

	rcu_read_lock();
	st = uob_state_find(udev);
	if (st)
		ret = atomic_read(&st->state) & UOB_STATE_AT_SUSPEND;
	rcu_read_unlock();
	return ret;
}

bool uob_state_tracked(struct usb_device *udev)
{
	bool ret;

	rcu_read_lock();
	ret = uob_state_find(udev);
	rcu_read_unlock();
	return ret;
}

unsigned int uob_state_entries(void)
{
	unsigned int n;

	spin_lock(&uob_state_lock);
	n = uob_state_count;
	spin_unlock(&uob_state_lock);
	return n;
}

void uob_state_mark_sleep(struct usb_device *udev, bool entering)
{
	device_lock_assert(&udev->dev);
	uob_state_system_sleep(entering);
}

bool uob_state_is_private(void)
{
	return true;
}

void uob_state_system_sleep(bool entering)
{
	struct uob_state *st;
	unsigned int bkt;
	int old, usage;

	spin_lock(&uob_state_lock);
	hash_for_each(uob_states, bkt, st, node) {
		old = atomic_read(&st->state);
		do {
			usage = old & UOB_STATE_USAGE;
		} while (!atomic_try_cmpxchg(&st->state, &old,
					     entering && usage ?
					     usage | UOB_STATE_AT_SUSPEND : usage));
	}
	spin_unlock(&uob_state_lock);
}

/* Called by usbcore with @udev's device lock held (generic driver unbind). */
static int uob_state_usb_notify(struct notifier_block *nb, unsigned long action,
				void *data)
{
	struct usb_device *udev = data;
	struct uob_state *st;

	if (action != USB_DEVICE_REMOVE)
		return NOTIFY_DONE;

	spin_lock(&uob_state_lock);
	st = uob_state_find(udev);
	if (st)
		uob_state_unlink(st);
	spin_unlock(&uob_state_lock);

	if (st) {
		if (atomic_read(&st->state))
			dev_dbg(&udev->dev, "removed with offload usage %d\n",
				atomic_read(&st->state) & UOB_STATE_USAGE);
		uob_state_free(st);
	}
	return NOTIFY_OK;
}

static int uob_state_pm_notify(struct notifier_block *nb, unsigned long action,
			       void *data)
{
	switch (action) {
	case PM_SUSPEND_PREPARE:
		uob_state_system_sleep(true);
		break;
	case PM_POST_SUSPEND:
		uob_state_system_sleep(false);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block uob_state_usb_nb = {
	.notifier_call = uob_state_usb_notify,
};

static struct notifier_block uob_state_pm_nb = {
	.notifier_call = uob_state_pm_notify,
};

int uob_state_init(void)
{
	int ret;

	ret = register_pm_notifier(&uob_state_pm_nb);
	if (ret)
		return ret;
	usb_register_notify(&uob_state_usb_nb);
	return 0;
}

void uob_state_exit(void)
{
	struct uob_state *st;
	unsigned int bkt;

	usb_unregister_notify(&uob_state_usb_nb);
	unregister_pm_notifier(&uob_state_pm_nb);

	/*
	 * No users are left: every module using our exports is gone.  The
	 * device references are dropped outside the spinlock (a last one
	 * releases the device).
	 */
	for (;;) {
		spin_lock(&uob_state_lock);
		hash_for_each(uob_states, bkt, st, node)
			break;	/* the first entry; NULL if there is none */
		if (st)
			uob_state_unlink(st);
		spin_unlock(&uob_state_lock);
		if (!st)
			break;
		uob_state_free(st);
	}
}
