// SPDX-License-Identifier: GPL-2.0
/*
 * usb-offload: offload usage tracking for USB devices.
 *
 * Backport of drivers/usb/core/offload.c with the contract of "[RFC PATCH v2
 * 1/2] usb: offload: move device locking to callers in offload.c": the
 * caller holds the USB device lock, these functions assert it and never take
 * it.  That makes them usable from an interface driver's disconnect path,
 * which usbcore runs with the lock held (the self-deadlock the series fixes).
 *
 * Lock order, everywhere in this project: udev device lock -> parent before
 * child (usb_offload_check()) -> module-private locks.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/pm_runtime.h>
#include <linux/seq_file.h>
#include <linux/usb.h>

#include <uob/usb_offload.h>
#include <uob_compat.h>

#include "offload_internal.h"
#include "offload_state.h"

static struct dentry *uob_debugfs_root;
static atomic_t uob_lock_violations = ATOMIC_INIT(0);

/*
 * The two helpers below do what usbcore's usb_autoresume_device() and
 * usb_autosuspend_device() do; those are private to usbcore (not exported
 * on any kernel), so we use the runtime-PM calls they are made of.
 *
 * The autoresume of an active device (every call of a stream's life: the
 * precheck has already refused a suspended one) is pm_runtime_get_if_active():
 * under the PM lock, the device is RPM_ACTIVE and its usage count is taken,
 * which is what a resume of an active device ends with, without the resume
 * path (rpm_resume()).  Any other answer (suspending, resuming, suspended,
 * runtime PM disabled) takes the full resume, whose result is returned.
 */
static int usb_offload_autoresume(struct usb_device *udev)
{
	int ret;

	if (likely(uob_pm_runtime_get_if_active(&udev->dev) == 1))
		return 0;
	ret = pm_runtime_resume_and_get(&udev->dev);
	return ret < 0 ? ret : 0;
}

static void usb_offload_autosuspend(struct usb_device *udev)
{
	/*
	 * usb_autosuspend_device(): the mark and pm_runtime_put_sync_autosuspend().
	 * Since v6.17 that one marks the device busy itself (a second clock
	 * read); what it is made of, __pm_runtime_suspend() with these flags,
	 * is the same on every kernel.
	 */
	usb_mark_last_busy(udev);
	__pm_runtime_suspend(&udev->dev, RPM_GET_PUT | RPM_AUTO);
}

/**
 * uob_offload_lock_violations() - number of calls refused for a missing lock
 *
 * Return: how many usb_offload_get()/usb_offload_put() calls were made
 * without the device lock and refused since the module was loaded.
 */
int uob_offload_lock_violations(void)
{
	return atomic_read(&uob_lock_violations);
}

/*
 * The checks shared by get and put, in upstream's order, before the device
 * is woken.  A caller without the device lock gets device_lock_assert()'s
 * lockdep splat on debug kernels and a refusal: with lockdep always, without
 * it whenever no other task holds the lock (uob_device_locked() says what
 * can be told without lockdep).  The device-state rules are checked again, with
 * the suspend mark, in the backend's change section (uob_state_add()).
 */
static int usb_offload_precheck(struct usb_device *udev)
{
	device_lock_assert(&udev->dev);
	if (unlikely(!uob_device_locked(&udev->dev))) {
		atomic_inc(&uob_lock_violations);
		dev_err_ratelimited(&udev->dev,
				    "offload usage change without the device lock refused\n");
		return -ENOLCK;
	}

	return uob_state_refuse(udev, false);
}

/*
 * get (@delta 1) and put (@delta -1): the device is runtime-resumed around
 * the change; one state lookup, one change section, no allocation once the
 * device has its state.
 */
static int usb_offload_change(struct usb_device *udev, int delta)
{
	int ret;

	ret = usb_offload_precheck(udev);
	if (ret)
		return ret;

	ret = usb_offload_autoresume(udev);
	if (ret < 0)
		return ret;

	ret = uob_state_change(udev, delta);

	usb_offload_autosuspend(udev);
	return ret;
}

/**
 * usb_offload_get() - take a reference on a USB device's offload usage
 * @udev: the USB device
 *
 * Marks that another entity (e.g. an audio DSP) is actively handling USB
 * transfers of @udev.  The device is runtime-resumed around the change,
 * because the usage alters the device's suspend behaviour.
 *
 * Context: process context.  The caller must hold @udev's device lock
 * (usb_lock_device()); it is asserted and never taken here.
 *
 * Return: 0 on success; -ENOLCK if the device lock is not held (with
 * lockdep: not by the caller; without lockdep only a lock held by nobody
 * is seen, see uob_device_locked()); -ENODEV if @udev is not attached;
 * -EBUSY if it is suspended or marked offload-at-suspend; -ENOMEM; or the
 * runtime-resume error.  On error the usage is unchanged.
 */
int usb_offload_get(struct usb_device *udev)
{
	return usb_offload_change(udev, 1);
}
EXPORT_SYMBOL_GPL(usb_offload_get);

/**
 * usb_offload_put() - drop a reference on a USB device's offload usage
 * @udev: the USB device
 *
 * The inverse of usb_offload_get().  The usage never goes below zero: a put
 * at zero succeeds and changes nothing.
 *
 * Context: process context.  The caller must hold @udev's device lock; it is
 * asserted and never taken here, so this is safe in a disconnect callback.
 *
 * Return: 0 on success; -ENOLCK, -ENODEV, -EBUSY or the runtime-resume error
 * as for usb_offload_get().  On error the usage is unchanged.
 */
int usb_offload_put(struct usb_device *udev)
{
	return usb_offload_change(udev, -1);
}
EXPORT_SYMBOL_GPL(usb_offload_put);

/**
 * usb_offload_usage() - read a USB device's offload usage
 * @udev: the USB device
 *
 * Context: the caller must hold @udev's device lock (asserted).
 *
 * Return: the current usage count of @udev itself (children not included).
 */
int usb_offload_usage(struct usb_device *udev)
{
	device_lock_assert(&udev->dev);
	return uob_state_peek(udev);
}
EXPORT_SYMBOL_GPL(usb_offload_usage);

/**
 * usb_offload_check() - is offload active on a USB device or below it?
 * @udev: the USB device, typically a hub or a root hub
 *
 * Walks @udev and, for hubs, every device below it.  Each child is locked
 * with usb_lock_device() while it is examined (parent before child, the
 * usbcore order).
 *
 * Context: process context; the caller must hold @udev's device lock
 * (asserted).
 *
 * Return: true if @udev or any device below it has offload usage.
 */
bool usb_offload_check(struct usb_device *udev)
	__must_hold(&udev->dev.mutex)
{
	struct usb_device *child;
	bool active;
	int port1;

	device_lock_assert(&udev->dev);

	if (usb_offload_usage(udev) > 0)
		return true;

	usb_hub_for_each_child(udev, port1, child) {
		usb_lock_device(child);
		active = usb_offload_check(child);
		usb_unlock_device(child);
		if (active)
			return true;
	}

	return false;
}
EXPORT_SYMBOL_GPL(usb_offload_check);

/**
 * usb_offload_debugfs_root() - the project's shared debugfs directory
 *
 * The sibling modules (xhci-sideband, qc-audio-offload) create their files
 * below it.  Context: any; no locking.
 *
 * Return: the dentry of /sys/kernel/debug/usb-offload-backport (may be an
 * error pointer when debugfs is unavailable, which debugfs calls accept).
 */
struct dentry *usb_offload_debugfs_root(void)
{
	return uob_debugfs_root;
}
EXPORT_SYMBOL_GPL(usb_offload_debugfs_root);

static int uob_show_one(struct usb_device *udev, void *data)
{
	struct seq_file *s = data;

	seq_printf(s, "%-12s %04x:%04x %-12s usage=%d at_suspend=%d\n",
		   dev_name(&udev->dev),
		   le16_to_cpu(udev->descriptor.idVendor),
		   le16_to_cpu(udev->descriptor.idProduct),
		   usb_state_string(udev->state), uob_state_peek(udev),
		   uob_state_at_suspend(udev));
	return 0;
}

static int uob_devices_show(struct seq_file *s, void *unused)
{
	usb_for_each_dev(s, uob_show_one);
	seq_printf(s, "state_entries=%u lock_violations=%d\n",
		   uob_state_entries(), uob_offload_lock_violations());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(uob_devices);

static int __init usb_offload_init(void)
{
	int ret;

	ret = uob_state_init();
	if (ret)
		return ret;

	uob_debugfs_root = debugfs_create_dir(UOB_DEBUGFS_DIR, NULL);
	debugfs_create_file("offload", 0444, uob_debugfs_root, NULL,
			    &uob_devices_fops);
	return 0;
}

static void __exit usb_offload_exit(void)
{
	debugfs_remove_recursive(uob_debugfs_root);
	uob_state_exit();
}

module_init(usb_offload_init);
module_exit(usb_offload_exit);

MODULE_DESCRIPTION("USB offload usage tracking, caller-holds-device-lock contract (backport)");
MODULE_AUTHOR("usb-offload-backport developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(UOB_VERSION);
