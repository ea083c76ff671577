// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: a USB device's share of its offloaded streams.
 *
 * One USB device = one sideband, one secondary interrupter (its event ring
 * handed to the DSP) and one offload usage reference, shared by the
 * device's streams: taken by the first, given back by the last.
 *
 * Locking: a device's state is created, changed and freed only with its
 * udev device lock held.  uob_qc_devs.lock protects the list alone; a
 * leaf lock, never held across a call.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <uob/usb_offload.h>
#include <uob/xhci-sideband.h>
#include <uob_compat.h>

#include "device.h"
#include "kept.h"
#include "usage.h"

static int intr_num;
module_param(intr_num, int, 0444);
MODULE_PARM_DESC(intr_num,
		 "xHCI interrupter for the DSP; 0 (default): q6usb's where loaded, else the first free");

atomic_t uob_qc_devs;

static struct {
	struct mutex lock;		/* leaf (order: teardown.c): the list */
	struct list_head list;
} uob_qc_devs_list = {
	.lock = __MUTEX_INITIALIZER(uob_qc_devs_list.lock),
	.list = LIST_HEAD_INIT(uob_qc_devs_list.list),
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

/**
 * uob_qc_dev_put() - a stream of the device is gone
 * @d: the device
 *
 * Undoes uob_qc_dev_get() when the last stream goes.  The offload usage is
 * dropped right after the interrupter is removed (seed patch 2).  The
 * device leaves the list first: a debugfs reader (uob_qc_dev_show(), under
 * the list lock only) must never reach a sideband that is being freed.
 *
 * Context: the caller holds the udev lock; on the disconnect path usbcore
 * holds it for us.
 */
void uob_qc_dev_put(struct uob_qc_dev *d)
{
	device_lock_assert(&d->udev->dev);
	if (--d->streams)
		return;

	scoped_guard(mutex, &uob_qc_devs_list.lock)
		list_del(&d->node);

	uob_qc_dsp_unmap(&d->evt);
	xhci_sideband_remove_interrupter(d->sb);
	uob_qc_usage_put(d->udev, &d->pending);
	uob_qc_sb_unregister(d->sb);

	atomic_dec(&uob_qc_devs);
	usb_put_dev(d->udev);
	uob_qc_usage_free(d->pending);
	kfree(d);
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
 * them.
 *
 * Context: the caller holds the udev lock.
 *
 * Return: the device, or an ERR_PTR() with nothing taken.
 */
struct uob_qc_dev *uob_qc_dev_get(struct usb_device *udev, struct usb_interface *intf)
{
	struct uob_qc_dev *d = uob_qc_find_dev(udev);
	int ret;

	device_lock_assert(&udev->dev);
	if (d) {
		d->streams++;
		return d;
	}

	/* a transfer buffer may have to outlive a controller's removal */
	ret = uob_qc_kept_watch(udev);
	if (ret)
		return ERR_PTR(ret);

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
 * uob_qc_dev_show() - debugfs: the devices with streams
 * @m: the seq_file
 *
 * Runs without the udev locks: a listed device's sideband and udev are
 * valid because a device leaves the list before either is given back
 * (uob_qc_dev_put()), under the list lock held here.
 *
 * Context: process context; takes the list lock (uob_qc_devs_list.lock).
 */
void uob_qc_dev_show(struct seq_file *m)
{
	struct uob_qc_dev *d;

	guard(mutex)(&uob_qc_devs_list.lock);
	list_for_each_entry(d, &uob_qc_devs_list.list, node)
		seq_printf(m, "device %s slot=%d streams=%u interrupter=%d evt_iova=%#llx evt_dma=%pad size=%u\n",
			   dev_name(&d->udev->dev), d->udev->slot_id, d->streams,
			   xhci_sideband_interrupter_id(d->sb),
			   d->evt.iova, &d->evt.dma, d->evt.size);
}
