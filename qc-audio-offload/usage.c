// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: putting the offload usage reference back.
 *
 * A device's usage is taken with usb_offload_get() just before its
 * interrupter is created and put right after the interrupter is removed
 * (seed patch 2).  usb-offload may refuse the put for a while (-EBUSY in
 * its at-suspend window, a runtime-PM error); the reference must not be
 * lost, so it is queued, with a record allocated at setup so that a
 * teardown never allocates, and put again from a work item once the
 * device can take it.
 *
 * Locking: uob_usage.lock protects the queue and the sleep flag; a leaf
 * lock, never held across a call.  The retries take each device's lock
 * with nothing of ours held.
 */
#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <linux/workqueue.h>

#include <uob/usb_offload.h>
#include <uob_compat.h>

#include "usage.h"

/**
 * struct uob_qc_pending_put - an offload usage reference still to be put
 * @node: in uob_usage.list
 * @udev: the device (referenced)
 *
 * On uob_usage.list, under uob_usage.lock.  Allocated with the device's
 * state, so that a put refused at teardown is kept without allocating.
 */
struct uob_qc_pending_put {
	struct list_head node;
	struct usb_device *udev;
};

atomic_t uob_qc_pending_puts;

static void uob_qc_put_work_fn(struct work_struct *work);

static struct {
	struct mutex lock;		/* leaf (order: teardown.c): the list, sleeping */
	struct list_head list;
	bool sleeping;			/* system sleep: retried after it */
	struct delayed_work work;
} uob_usage = {
	.lock = __MUTEX_INITIALIZER(uob_usage.lock),
	.list = LIST_HEAD_INIT(uob_usage.list),
	.work = __DELAYED_WORK_INITIALIZER(uob_usage.work, uob_qc_put_work_fn, 0),
};

/**
 * uob_qc_usage_alloc() - the record a refused put will need
 *
 * Context: process context.
 *
 * Return: the record, or NULL without memory.
 */
struct uob_qc_pending_put *uob_qc_usage_alloc(void)
{
	return kzalloc_obj(struct uob_qc_pending_put, GFP_KERNEL);
}

/**
 * uob_qc_usage_free() - free a record that was not needed
 * @p: a record from uob_qc_usage_alloc(), or NULL
 *
 * Context: any sleeping context.
 */
void uob_qc_usage_free(struct uob_qc_pending_put *p)
{
	kfree(p);
}

/**
 * uob_qc_usage_put() - put @udev's offload usage, now or later
 * @udev: the device
 * @pending: the record for a refused put; taken (set to NULL) if it is used
 *
 * -ENODEV: the device is gone and the count with it.  Any other refusal is
 * queued and retried from a work item once the device can take it.
 *
 * Context: process context; the caller holds @udev's device lock.
 */
void uob_qc_usage_put(struct usb_device *udev, struct uob_qc_pending_put **pending)
	__must_hold(&udev->dev.mutex)
{
	struct uob_qc_pending_put *p = *pending;
	int ret;

	device_lock_assert(&udev->dev);
	ret = usb_offload_put(udev);
	if (!ret || ret == -ENODEV)
		return;

	dev_warn(&udev->dev, "offload usage put refused (%d): retried later\n", ret);
	p->udev = usb_get_dev(udev);
	scoped_guard(mutex, &uob_usage.lock)
		list_add_tail(&p->node, &uob_usage.list);
	*pending = NULL;
	atomic_inc(&uob_qc_pending_puts);
	mod_delayed_work(system_dfl_wq, &uob_usage.work, HZ / 10);
}

/*
 * One retry of a refused put.  usb_offload_put() refuses a suspended
 * device without waking it, and the device may have runtime-suspended once
 * the stream's PCM was closed: wake it first.  Takes the udev lock.
 */
static int uob_qc_retry_put(struct usb_device *udev)
{
	int ret;

	usb_lock_device(udev);
	ret = pm_runtime_resume_and_get(&udev->dev);
	if (!ret) {
		ret = usb_offload_put(udev);
		pm_runtime_put_autosuspend(&udev->dev);
	} else if (udev->state == USB_STATE_NOTATTACHED) {
		ret = -ENODEV;
	}
	usb_unlock_device(udev);
	return ret;
}

/*
 * Retry the puts that were refused.  Takes each device's lock (nothing of
 * ours is held then); what is still refused waits for the next round.
 * @final: module unload, no next round.
 */
static void uob_qc_put_pending(bool final)
{
	struct uob_qc_pending_put *p;
	LIST_HEAD(todo);
	int ret;

	scoped_guard(mutex, &uob_usage.lock) {
		if (uob_usage.sleeping && !final)
			return;		/* uob_qc_usage_sleep(false) schedules us again */
		list_splice_init(&uob_usage.list, &todo);
	}
	while ((p = list_first_entry_or_null(&todo, struct uob_qc_pending_put, node))) {
		list_del(&p->node);
		ret = uob_qc_retry_put(p->udev);
		if (ret && ret != -ENODEV && !final) {
			scoped_guard(mutex, &uob_usage.lock)
				list_add_tail(&p->node, &uob_usage.list);
			continue;
		}
		if (ret && ret != -ENODEV)
			dev_err(&p->udev->dev, "offload usage put still refused at unload: %d\n",
				ret);
		atomic_dec(&uob_qc_pending_puts);
		usb_put_dev(p->udev);
		kfree(p);
	}
	scoped_guard(mutex, &uob_usage.lock)
		if (!list_empty(&uob_usage.list) && !final)
			mod_delayed_work(system_dfl_wq, &uob_usage.work, HZ / 10);
}

static void uob_qc_put_work_fn(struct work_struct *work)
{
	uob_qc_put_pending(false);
}

/**
 * uob_qc_usage_sleep() - a system sleep begins or ends
 * @sleeping: true at PM_*_PREPARE, false at PM_POST_*
 *
 * No retry while the system goes to sleep; after it, the refused puts are
 * retried from a work item HZ / 10 later.  Our PM_POST_* handler runs
 * before usb-offload's (which clears the at-suspend marks), so the retry
 * usually comes after that one; a put it still finds refused is queued for
 * the next round, so nothing depends on the order.
 *
 * Context: process context (the PM notifier).
 */
void uob_qc_usage_sleep(bool sleeping)
{
	scoped_guard(mutex, &uob_usage.lock)
		uob_usage.sleeping = sleeping;
	if (!sleeping)
		mod_delayed_work(system_dfl_wq, &uob_usage.work, HZ / 10);
}

/**
 * uob_qc_usage_exit() - last retry of every refused put
 *
 * Context: module exit, after every stream is stopped; takes udev locks.
 */
void uob_qc_usage_exit(void)
{
	cancel_delayed_work_sync(&uob_usage.work);
	uob_qc_put_pending(true);
}
