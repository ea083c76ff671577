// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: a USB device's share of its offloaded streams.
 *
 * One USB device = one sideband, one secondary interrupter (its event ring
 * handed to the DSP) and one offload usage reference, shared by the
 * device's streams: taken by the first, kept *idle* for idle_ms after the
 * last one ends, and reused by the next enable in that time.  Mainline
 * keeps them until the card goes away; here the time the usage stays
 * above 0 while nothing streams is bounded.
 *
 * An idle share is given back by a work item once its time is up, and at
 * once by every event that ends a stream (teardown.c: unbinds, reset,
 * unplug, controller removal; system sleep and module unload, which also
 * keep new ones from lingering), in the order a last stream gives it
 * back: the spare transfer buffer an idle share keeps (stream.c), the
 * DSP's view of the event ring, the interrupter, the usage, the sideband.
 *
 * An idle share keeps its device awake: it holds a runtime-PM reference on
 * the udev, taken (without resuming) when the share goes idle, from an
 * active device only, and dropped when the share is reused or given back.
 * Otherwise the device would autosuspend once idle_ms outlives its
 * autosuspend delay, the root hubs and the controller after it, and a
 * controller reinitialised on runtime resume (xhci_resume(): "Reinit")
 * frees every interrupter, ours included: the next enable would hand the
 * DSP a freed event ring.
 *
 * Locking: a device's state is created, changed and freed only with its
 * udev device lock held.  uob_qc_devs_list.lock protects the list, each
 * entry's idle mark, deadline and spare transfer buffer (changed under
 * both locks: uob_qc_dev_spare_keep/take()), and the no-linger flag; a
 * leaf lock,
 * never held across a call.  The idle work holds nothing of ours when it
 * takes a udev lock, and nothing that holds a udev lock waits for it
 * (module exit cancels it holding none): a teardown gives back the share
 * of the device it holds the lock of, and the work, finding it gone,
 * does nothing.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pm_runtime.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <linux/workqueue.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <uob/usb_offload.h>
#include <uob/xhci-sideband.h>
#include <uob_compat.h>

#include "device.h"
#include "usage.h"

static int intr_num;
module_param(intr_num, int, 0444);
MODULE_PARM_DESC(intr_num,
		 "xHCI interrupter for the DSP; 0 (default): q6usb's where loaded, else the first free");

/*
 * 1 s: an idle share keeps its device awake (uob_qc_dev_linger()), so the
 * device autosuspends idle_ms plus its autosuspend delay after its PCM was
 * closed; below usbcore's delay (2 s), that is little later than without
 * the share.  Any value is safe: the usage put never needs a resume.
 */
unsigned int uob_qc_idle_ms = 1000;
module_param_named(idle_ms, uob_qc_idle_ms, uint, 0644);
MODULE_PARM_DESC(idle_ms,
		 "ms a USB device's sideband, interrupter, event ring and offload usage are kept after its last stream, for the next enable (default 1000); 0: given back at once");

atomic_t uob_qc_devs;

static void uob_qc_idle_work_fn(struct work_struct *work);

static struct {
	struct mutex lock;		/* leaf (order: teardown.c): all below */
	struct list_head list;
	bool no_linger;			/* system sleep, module unload */
	struct delayed_work idle_work;	/* gives back the idle shares */
} uob_qc_devs_list = {
	.lock = __MUTEX_INITIALIZER(uob_qc_devs_list.lock),
	.list = LIST_HEAD_INIT(uob_qc_devs_list.list),
	.idle_work = __DELAYED_WORK_INITIALIZER(uob_qc_devs_list.idle_work,
						uob_qc_idle_work_fn, 0),
};

/*
 * The sideband calls a setup makes that can fail, each a KUnit static stub
 * (KUNIT_STATIC_STUB_REDIRECT is nothing without CONFIG_KUNIT): the suite
 * fails any one of them and checks that everything is given back.
 */
VISIBLE_IF_KUNIT struct xhci_sideband *uob_qc_sb_register(struct usb_interface *intf)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_register, intf);
	return xhci_sideband_register(intf, XHCI_SIDEBAND_VENDOR, NULL);
}

VISIBLE_IF_KUNIT int uob_qc_sb_create_interrupter(struct xhci_sideband *sb, int intr)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_create_interrupter, sb, intr);
	return xhci_sideband_create_interrupter(sb, 1, false, 0, intr);
}

VISIBLE_IF_KUNIT struct sg_table *uob_qc_sb_event_buffer(struct xhci_sideband *sb)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_event_buffer, sb);
	return xhci_sideband_get_event_buffer(sb);
}

/* a stub too, so the suite can read debugfs right after the sideband is freed */
VISIBLE_IF_KUNIT void uob_qc_sb_unregister(struct xhci_sideband *sb)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_unregister, sb);
	xhci_sideband_unregister(sb);
}

/**
 * uob_qc_dev_map_ring() - hand a ring of the device to the DSP
 * @d: the device
 * @m: the mapping to fill
 * @type: event or transfer ring
 * @sgt: the ring as the sideband gives it (one entry per segment); freed
 *
 * Context: the caller holds the udev lock: mappings change only with it.
 *
 * Return: 0 or a negative error, with nothing mapped.
 */
int uob_qc_dev_map_ring(struct uob_qc_dev *d, struct uob_qc_map *m, enum uob_qc_mem type,
			struct sg_table *sgt)
{
	int ret;

	device_lock_assert(&d->udev->dev);
	ret = uob_qc_dsp_map(m, type, d->udev->bus->sysdev, sgt, sg_dma_address(sgt->sgl));
	sg_free_table(sgt);
	kfree(sgt);
	return ret;
}

/*
 * The entry stays valid after the list lock is dropped only because a
 * device's state is created and freed under its udev lock, which the
 * caller holds.
 */
static struct uob_qc_dev *uob_qc_find_dev(struct usb_device *udev)
{
	struct uob_qc_dev *d;

	guard(mutex)(&uob_qc_devs_list.lock);
	list_for_each_entry(d, &uob_qc_devs_list.list, node)
		if (d->udev == udev)
			return d;
	return NULL;
}

/*
 * Drop the runtime-PM reference an idle share holds (taken by
 * uob_qc_dev_linger()), as usbcore's usb_autosuspend_device() does under
 * the udev lock, but asynchronously: the device autosuspends its delay
 * from now, never in our call.
 */
static void uob_qc_dev_wake_put(struct usb_device *udev)
	__must_hold(&udev->dev.mutex)
{
	device_lock_assert(&udev->dev);
	pm_runtime_mark_last_busy(&udev->dev);
	pm_runtime_put_autosuspend(&udev->dev);
}

/*
 * Give the share back, in mainline's order.  The device leaves the list
 * first: a debugfs reader (uob_qc_dev_show(), under the list lock only)
 * must never reach a sideband that is being freed.  The offload usage is
 * dropped right after the interrupter is removed (seed patch 2).  An idle
 * share's runtime-PM reference goes last, once nothing of the share is
 * left for the controller to free.
 */
static void uob_qc_dev_release(struct uob_qc_dev *d)
	__must_hold(&d->udev->dev.mutex)
{
	bool idle;

	device_lock_assert(&d->udev->dev);
	scoped_guard(mutex, &uob_qc_devs_list.lock) {
		list_del(&d->node);
		idle = d->idle;
	}

	uob_qc_xfer_spare_free(d);
	uob_qc_dsp_unmap(&d->evt);
	xhci_sideband_remove_interrupter(d->sb);
	uob_qc_usage_put(d->udev, &d->pending);
	uob_qc_sb_unregister(d->sb);
	if (idle)
		uob_qc_dev_wake_put(d->udev);

	atomic_dec(&uob_qc_devs);
	usb_put_dev(d->udev);
	uob_qc_usage_free(d->pending);
	kfree(d);
}

/*
 * Mark @d idle until idle_ms from now, unless sharing must end at once:
 * idle_ms is 0, the system goes to sleep or the module away (no_linger),
 * the device or its controller is going, or the device is not
 * runtime-active.
 *
 * The rule: an idle share holds one runtime-PM reference on its udev, so
 * that neither the device nor (through the root hub) its controller can
 * runtime-suspend while the share is kept: a controller reinitialised on
 * its runtime resume frees our interrupter and event ring.  It is taken
 * here without resuming, only if the device is active (the stream's PCM
 * was just closed: it is, unless its autosuspend delay is 0 and it went
 * already; then nothing is kept), and dropped by uob_qc_dev_wake_put()
 * when the share is reused (uob_qc_dev_get()) or given back
 * (uob_qc_dev_release()), the only two places that end an idle share.
 * Return: marked (and the reference taken).
 */
static bool uob_qc_dev_linger(struct uob_qc_dev *d)
	__must_hold(&d->udev->dev.mutex)
{
	unsigned int ms = READ_ONCE(uob_qc_idle_ms);

	device_lock_assert(&d->udev->dev);
	if (!ms || d->udev->state == USB_STATE_NOTATTACHED ||
	    uob_xhci_sideband_host_removing(d->sb))
		return false;
	/* under the PM lock: RPM_ACTIVE, and no runtime suspend from now */
	if (uob_pm_runtime_get_if_active(&d->udev->dev) != 1)
		return false;
	scoped_guard(mutex, &uob_qc_devs_list.lock) {
		if (!uob_qc_devs_list.no_linger) {
			d->idle = true;
			d->idle_until = jiffies + msecs_to_jiffies(ms);
			return true;
		}
	}
	uob_qc_dev_wake_put(d->udev);
	return false;
}

/*
 * The idle work, due at the earliest deadline of the idle shares: moved
 * earlier, never left later (a share idle for 60 s must not hold back one
 * of 1 s queued after it).  Runs early at worst: the work looks again.
 */
static void uob_qc_idle_schedule(void)
{
	unsigned long next = 0, delay;
	struct uob_qc_dev *d;
	bool any = false;

	scoped_guard(mutex, &uob_qc_devs_list.lock) {
		list_for_each_entry(d, &uob_qc_devs_list.list, node) {
			if (!d->idle || (any && !time_before(d->idle_until, next)))
				continue;
			next = d->idle_until;
			any = true;
		}
	}
	if (!any)
		return;
	delay = time_after(next, jiffies) ? next - jiffies : 0;
	mod_delayed_work(system_dfl_wq, &uob_qc_devs_list.idle_work, delay);
}

/**
 * uob_qc_dev_put() - a stream of the device is gone
 * @d: the device
 * @linger: the stream ended by its client's disable (or the client going
 *	away), not by an event that ends the device's streams
 *
 * When the last stream goes, the share is kept idle for idle_ms if
 * @linger (the idle work gives it back then, uob_qc_dev_release_idle()
 * earlier), else given back at once (also see uob_qc_dev_linger()).  An
 * idle share holds a runtime-PM reference on the device (taken here
 * without resuming, only from an active device; else the share is given
 * back at once), so the device stays awake while it is kept.
 *
 * Context: the caller holds the udev lock; on the disconnect path usbcore
 * holds it for us.
 */
void uob_qc_dev_put(struct uob_qc_dev *d, bool linger)
	__must_hold(&d->udev->dev.mutex)
{
	device_lock_assert(&d->udev->dev);
	if (--d->streams)
		return;
	if (!linger || !uob_qc_dev_linger(d)) {
		uob_qc_dev_release(d);
		return;
	}
	uob_qc_idle_schedule();
}

/**
 * uob_qc_dev_spare_keep() - keep a stream's transfer buffer as the share's spare
 * @d: the device's share, with the stream that held @x as its last
 * @x: the buffer, still mapped for the DSP; its endpoints are dropped
 *
 * Context: the caller holds @d's udev lock; takes the list lock (debugfs
 * reads the spare under it).
 *
 * Return: kept (the share owns @x now), or false: the share keeps one
 * already, or no idle share will stay (idle_ms 0, system sleep or module
 * unload), and @x is the caller's to give back.
 */
bool uob_qc_dev_spare_keep(struct uob_qc_dev *d, const struct uob_qc_xfer_buf *x)
	__must_hold(&d->udev->dev.mutex)
{
	device_lock_assert(&d->udev->dev);
	if (d->streams != 1 || !READ_ONCE(uob_qc_idle_ms))
		return false;
	guard(mutex)(&uob_qc_devs_list.lock);
	if (d->spare.buf || uob_qc_devs_list.no_linger)
		return false;
	d->spare = *x;
	return true;
}

/**
 * uob_qc_dev_spare_take() - take the share's spare transfer buffer
 * @d: the device's share
 * @size: only a spare of this size; 0: any
 * @x: filled with the spare, which is the caller's now
 *
 * Context: the caller holds @d's udev lock; takes the list lock.
 *
 * Return: whether there was one (of @size).
 */
bool uob_qc_dev_spare_take(struct uob_qc_dev *d, u32 size, struct uob_qc_xfer_buf *x)
	__must_hold(&d->udev->dev.mutex)
{
	device_lock_assert(&d->udev->dev);
	guard(mutex)(&uob_qc_devs_list.lock);
	if (!d->spare.buf || (size && d->spare.size != size))
		return false;
	*x = d->spare;
	memset(&d->spare, 0, sizeof(d->spare));
	return true;
}

/**
 * uob_qc_dev_release_idle() - give back @udev's idle share now
 * @udev: the device
 * @expired: only if its idle time is up (the idle work)
 *
 * The share's runtime-PM reference on @udev is dropped last, without
 * waiting for a suspend (the device autosuspends its delay later).
 *
 * Context: the caller holds @udev's lock (usbcore does on its disconnect
 * and unbind paths).
 *
 * Return: true if a share was given back.
 */
bool uob_qc_dev_release_idle(struct usb_device *udev, bool expired)
	__must_hold(&udev->dev.mutex)
{
	struct uob_qc_dev *d = uob_qc_find_dev(udev);

	device_lock_assert(&udev->dev);
	if (!d || !d->idle || (expired && time_before(jiffies, d->idle_until)))
		return false;
	uob_qc_dev_release(d);
	return true;
}

/*
 * The device of an idle share (referenced), @expired: only one whose time
 * is up; or NULL.
 */
static struct usb_device *uob_qc_idle_udev_get(bool expired)
{
	struct uob_qc_dev *d;

	guard(mutex)(&uob_qc_devs_list.lock);
	list_for_each_entry(d, &uob_qc_devs_list.list, node)
		if (d->idle && (!expired || !time_before(jiffies, d->idle_until)))
			return usb_get_dev(d->udev);
	return NULL;
}

/*
 * Give back the idle shares whose time is up, each under its udev lock,
 * checked again there (an enable may have taken it, a teardown given it
 * back); then wait for the next deadline.  Holds nothing of ours while it
 * waits for a udev lock.
 */
static void uob_qc_idle_work_fn(struct work_struct *work)
{
	struct usb_device *udev;

	while ((udev = uob_qc_idle_udev_get(true))) {
		usb_lock_device(udev);
		uob_qc_dev_release_idle(udev, true);
		usb_unlock_device(udev);
		usb_put_dev(udev);
	}
	uob_qc_idle_schedule();
}

/**
 * uob_qc_dev_set_linger() - may a device's share be kept idle?
 * @linger: false from the start of a system sleep or of module unload,
 *	true again after the sleep
 *
 * Shares idle already are given back by uob_qc_dev_release_all_idle(),
 * which the caller runs after this.
 *
 * Context: process context; takes the list lock.
 */
void uob_qc_dev_set_linger(bool linger)
{
	guard(mutex)(&uob_qc_devs_list.lock);
	uob_qc_devs_list.no_linger = !linger;
}

/**
 * uob_qc_dev_release_all_idle() - give back every idle share now
 *
 * System sleep (xhci-hcd's reinit on resume frees every interrupter) and
 * module unload.  An enable that commits after the scan took its share
 * while linger was still allowed, and ends it without lingering.  Each
 * share's runtime-PM reference on its device is dropped with it.
 *
 * Context: process context; takes udev locks, so the caller holds none.
 */
void uob_qc_dev_release_all_idle(void)
{
	struct usb_device *udev;

	while ((udev = uob_qc_idle_udev_get(false))) {
		usb_lock_device(udev);
		uob_qc_dev_release_idle(udev, false);
		usb_unlock_device(udev);
		usb_put_dev(udev);
	}
}

/**
 * uob_qc_dev_idle_udev() - the device @dev is (or belongs to), if it has an
 * idle share
 * @dev: a device of the USB bus: a USB device, or one of its interfaces
 * @intf: match an interface of the device too
 *
 * Context: process context; takes the list lock.
 *
 * Return: the USB device (not referenced: the caller's @dev keeps it), or
 * NULL.
 */
struct usb_device *uob_qc_dev_idle_udev(struct device *dev, bool intf)
{
	struct uob_qc_dev *d;

	guard(mutex)(&uob_qc_devs_list.lock);
	list_for_each_entry(d, &uob_qc_devs_list.list, node)
		if (d->idle && (dev == &d->udev->dev || (intf && dev->parent == &d->udev->dev)))
			return d->udev;
	return NULL;
}

/**
 * uob_qc_dev_exit() - module unload: no idle share, no idle work
 *
 * Context: module exit, after every stream is stopped and no share may
 * linger any more (uob_qc_dev_set_linger(false)); holds no udev lock.
 */
void uob_qc_dev_exit(void)
{
	uob_qc_dev_release_all_idle();
	cancel_delayed_work_sync(&uob_qc_devs_list.idle_work);
}

/* The interrupter's event ring, handed to the DSP (mainline: uaudio_event_ring_setup). */
static int uob_qc_event_ring_setup(struct uob_qc_dev *d)
{
	struct sg_table *sgt;

	sgt = uob_qc_sb_event_buffer(d->sb);
	if (!sgt)
		return -ENOMEM;
	return uob_qc_dev_map_ring(d, &d->evt, UOB_QC_MEM_EVENT_RING, sgt);
}

/**
 * uob_qc_dev_get() - the per-device part of a stream setup
 * @udev: the device
 * @intf: the streaming interface (the sideband is registered on it)
 *
 * The first stream of a device registers its sideband, takes the offload
 * usage, creates the interrupter and maps its event ring; later ones share
 * them, and so does the next enable while the share is idle: then the
 * runtime-PM reference the idle share held on @udev is dropped (the
 * stream's open PCM keeps the device awake from here).
 *
 * Context: the caller holds the udev lock.
 *
 * Return: the device, or an ERR_PTR() with nothing taken.
 */
struct uob_qc_dev *uob_qc_dev_get(struct usb_device *udev, struct usb_interface *intf)
	__must_hold(&udev->dev.mutex)
{
	struct uob_qc_dev *d = uob_qc_find_dev(udev);
	int ret;

	device_lock_assert(&udev->dev);
	if (d) {
		if (!d->streams++) {
			/* an idle share: taken again as it is, awake all along */
			scoped_guard(mutex, &uob_qc_devs_list.lock)
				d->idle = false;
			uob_qc_dev_wake_put(udev);
		}
		return d;
	}

	d = kzalloc_obj(*d, GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	ret = -ENOMEM;
	d->pending = uob_qc_usage_alloc();
	if (!d->pending)
		goto free;
	d->udev = usb_get_dev(udev);
	d->streams = 1;

	ret = -EBUSY;
	d->sb = uob_qc_sb_register(intf);
	if (!d->sb)
		goto put_udev;

	/* seed patch 2: the usage reference, just before the interrupter */
	ret = usb_offload_get(udev);
	if (ret)
		goto unregister;

	ret = uob_qc_sb_create_interrupter(d->sb, intr_num ?: uob_qc_dsp_intr_num());
	if (ret)
		goto put_usage;

	ret = uob_qc_event_ring_setup(d);
	if (ret)
		goto remove_interrupter;

	scoped_guard(mutex, &uob_qc_devs_list.lock)
		list_add_tail(&d->node, &uob_qc_devs_list.list);
	atomic_inc(&uob_qc_devs);
	return d;

remove_interrupter:
	xhci_sideband_remove_interrupter(d->sb);
put_usage:
	/* and on every error path after a successful get (seed patch 2) */
	uob_qc_usage_put(udev, &d->pending);
unregister:
	uob_qc_sb_unregister(d->sb);
put_udev:
	usb_put_dev(d->udev);
free:
	uob_qc_usage_free(d->pending);
	kfree(d);
	return ERR_PTR(ret);
}

/**
 * uob_qc_dev_show() - debugfs: the devices with streams or an idle share
 * @m: the seq_file
 *
 * Runs without the udev locks: a listed device's sideband and udev are
 * valid because a device leaves the list before either is given back
 * (uob_qc_dev_release()), under the list lock held here.  An idle share
 * says "idle" and the ms left of its time.
 *
 * Context: process context; takes the list lock (uob_qc_devs_list.lock).
 */
void uob_qc_dev_show(struct seq_file *m)
{
	struct uob_qc_dev *d;

	guard(mutex)(&uob_qc_devs_list.lock);
	list_for_each_entry(d, &uob_qc_devs_list.list, node) {
		seq_printf(m, "device %s slot=%d streams=%u interrupter=%d evt_iova=%#llx evt_dma=%pad size=%u",
			   dev_name(&d->udev->dev), d->udev->slot_id, d->streams,
			   xhci_sideband_interrupter_id(d->sb),
			   d->evt.iova, &d->evt.dma, d->evt.size);
		if (d->spare.buf)
			seq_printf(m, " spare_xfer_iova=%#llx spare_xfer_size=%u",
				   d->spare.map.iova, d->spare.size);
		if (d->idle)
			seq_printf(m, " idle left_ms=%u",
				   time_before(jiffies, d->idle_until) ?
				   jiffies_to_msecs(d->idle_until - jiffies) : 0);
		seq_putc(m, '\n');
	}
}
