// SPDX-License-Identifier: GPL-2.0
/*
 * usb-offload: offload state for kernels whose struct usb_device has no
 * offload fields (everything before v6.18, 7f70b89b2be6).
 *
 * An entry exists only while a device has offload usage (or is marked
 * offload-at-suspend).  It holds a reference on the usb_device, so a stale
 * entry can never alias a new device allocated at the same address, and it
 * is dropped when usbcore announces the device's removal (USB_DEVICE_REMOVE,
 * sent from the generic driver's disconnect with the device lock held) or at
 * module unload.
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
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/suspend.h>
#include <linux/usb.h>

#include <uob_compat.h>

#include "offload_state.h"

struct uob_udev_state {
	struct hlist_node node;
	struct usb_device *udev;	/* referenced (usb_get_dev) */
	int usage;			/* written under udev's device lock */
	bool at_suspend;		/* under uob_state_lock */
};

/* uob_state_lock protects uob_states and ->at_suspend; nests inside udev locks. */
static DEFINE_SPINLOCK(uob_state_lock);
static DEFINE_HASHTABLE(uob_states, 6);
static unsigned int uob_state_count;

static struct uob_udev_state *uob_state_find(struct usb_device *udev)
	__must_hold(&uob_state_lock)
{
	struct uob_udev_state *st;

	lockdep_assert_held(&uob_state_lock);
	hash_for_each_possible(uob_states, st, node, (unsigned long)udev)
		if (st->udev == udev)
			return st;
	return NULL;
}

static void uob_state_free(struct uob_udev_state *st)
{
	usb_put_dev(st->udev);
	kfree(st);
}

int *uob_state_usage(struct usb_device *udev, bool create)
{
	struct uob_udev_state *st, *new;

	device_lock_assert(&udev->dev);

	spin_lock(&uob_state_lock);
	st = uob_state_find(udev);
	spin_unlock(&uob_state_lock);
	if (st || !create)
		return st ? &st->usage : NULL;

	/*
	 * Nobody else can insert @udev meanwhile: every insertion happens with
	 * the device lock held, and we hold it.
	 */
	new = kzalloc_obj(*new, GFP_KERNEL);
	if (!new)
		return ERR_PTR(-ENOMEM);
	new->udev = usb_get_dev(udev);

	spin_lock(&uob_state_lock);
	hash_add(uob_states, &new->node, (unsigned long)udev);
	uob_state_count++;
	spin_unlock(&uob_state_lock);
	return &new->usage;
}

void uob_state_set(struct usb_device *udev, int *usage, int value)
{
	device_lock_assert(&udev->dev);
	WRITE_ONCE(*usage, value);
}

void uob_state_release_idle(struct usb_device *udev)
{
	struct uob_udev_state *st;

	device_lock_assert(&udev->dev);

	spin_lock(&uob_state_lock);
	st = uob_state_find(udev);
	if (st && (READ_ONCE(st->usage) || st->at_suspend))
		st = NULL;
	if (st) {
		hash_del(&st->node);
		uob_state_count--;
	}
	spin_unlock(&uob_state_lock);

	if (st)
		uob_state_free(st);
}

int uob_state_peek(struct usb_device *udev)
{
	struct uob_udev_state *st;
	int usage = 0;

	spin_lock(&uob_state_lock);
	st = uob_state_find(udev);
	if (st)
		usage = READ_ONCE(st->usage);
	spin_unlock(&uob_state_lock);
	return usage;
}

bool uob_state_at_suspend(struct usb_device *udev)
{
	struct uob_udev_state *st;
	bool ret = false;

	spin_lock(&uob_state_lock);
	st = uob_state_find(udev);
	if (st)
		ret = st->at_suspend;
	spin_unlock(&uob_state_lock);
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
	struct uob_udev_state *st;
	unsigned int bkt;

	spin_lock(&uob_state_lock);
	hash_for_each(uob_states, bkt, st, node)
		st->at_suspend = entering && READ_ONCE(st->usage) > 0;
	spin_unlock(&uob_state_lock);
}

/* Called by usbcore with @udev's device lock held (generic driver unbind). */
static int uob_state_usb_notify(struct notifier_block *nb, unsigned long action,
				void *data)
{
	struct usb_device *udev = data;
	struct uob_udev_state *st;

	if (action != USB_DEVICE_REMOVE)
		return NOTIFY_DONE;

	spin_lock(&uob_state_lock);
	st = uob_state_find(udev);
	if (st) {
		hash_del(&st->node);
		uob_state_count--;
	}
	spin_unlock(&uob_state_lock);

	if (st) {
		dev_dbg(&udev->dev, "removed with offload usage %d\n", st->usage);
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
	struct uob_udev_state *st;
	struct hlist_node *tmp;
	unsigned int bkt;

	usb_unregister_notify(&uob_state_usb_nb);
	unregister_pm_notifier(&uob_state_pm_nb);

	/* No users are left: every module using our exports is gone. */
	hash_for_each_safe(uob_states, bkt, tmp, st, node) {
		hash_del(&st->node);
		uob_state_free(st);
	}
	uob_state_count = 0;
}
