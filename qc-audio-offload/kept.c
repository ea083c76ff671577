// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: transfer buffers kept until their controller is gone.
 *
 * While a controller is being removed (xhci-hcd's XHCI_STATE_REMOVING:
 * uob_xhci_sideband_host_removing()), xhci-hcd refuses every endpoint
 * drop, and the isochronous TRBs a DSP queued run until the controller
 * driver's remove() halts it: the stream's transfer buffer must outlive
 * the stream's teardown.  Transfer buffers are managed
 * (dmam) allocations of the controller's sysdev, so:
 *  - where the sysdev is the controller (xhci-pci, most xhci-plat), the
 *    buffer is simply left to devres: the driver core releases it right
 *    after remove() has returned (the controller halted), before it tears
 *    down the device's DMA setup (arch_teardown_dma_ops(), dma_range_map)
 *    and before DMA-API debugging checks for leftovers;
 *  - where it is not (dwc3: the sysdev is the glue, whose driver stays
 *    bound while its xHCI child is removed on every role switch, such as
 *    a USB-C headset's unplug), it is kept here and freed when the
 *    controller's driver has unbound (BUS_NOTIFY_UNBOUND_DRIVER on the
 *    controller's bus), while the sysdev and its DMA setup are intact.
 * A devres action of ours on the controller would call into this module
 * from a context that holds no reference on it; a bus notifier is ours,
 * and unregistering it waits for a running call.
 *
 * The notifier of a bus is registered before a stream is set up on a
 * controller of that bus (uob_qc_kept_watch(), with no udev lock held),
 * and stays until module exit, which first waits (bounded) for the
 * controllers still being removed; a buffer whose controller has not
 * unbound by then is left to the sysdev's devres.
 *
 * Locking: uob_qc_kept.lock, a leaf, protects the buffers; the bus
 * notifiers take it with their bus's notifier rwsem read-held.
 * uob_qc_kept.watch_lock protects the list of buses and is held while a
 * notifier is registered (the rwsem write-held): never the other lock
 * there, so the two orders cannot meet.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>
#include <linux/wait.h>
#include <kunit/visibility.h>

#include <uob_compat.h>

#include "kept.h"

/* how long module exit waits for the controllers still being removed */
#define UOB_QC_KEPT_EXIT_MS	10000

/**
 * struct uob_qc_kept_buf - a transfer buffer kept until its controller unbinds
 * @node: in uob_qc_kept.bufs
 * @controller: the controller (the HCD's self.controller), referenced
 * @dev: the device the buffer was allocated for (its sysdev), referenced
 * @buf: the buffer
 * @dma: its DMA address
 * @size: its size
 */
struct uob_qc_kept_buf {
	struct list_head node;
	struct device *controller;
	struct device *dev;
	void *buf;
	dma_addr_t dma;
	size_t size;
};

/**
 * struct uob_qc_kept_bus - our notifier on a bus that has controllers
 * @node: in uob_qc_kept.buses
 * @bus: the bus
 * @nb: registered on @bus
 */
struct uob_qc_kept_bus {
	struct list_head node;
	const struct bus_type *bus;
	struct notifier_block nb;
};

static struct {
	struct mutex lock;		/* leaf: bufs */
	struct mutex watch_lock;	/* buses; held across bus_register_notifier() */
	struct list_head bufs;
	struct list_head buses;
	atomic_t count;			/* kept now */
	atomic_t total;			/* kept since load */
	wait_queue_head_t wq;		/* module exit waits for bufs to empty */
} uob_qc_kept = {
	.lock = __MUTEX_INITIALIZER(uob_qc_kept.lock),
	.watch_lock = __MUTEX_INITIALIZER(uob_qc_kept.watch_lock),
	.bufs = LIST_HEAD_INIT(uob_qc_kept.bufs),
	.buses = LIST_HEAD_INIT(uob_qc_kept.buses),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(uob_qc_kept.wq),
};

static void uob_qc_kept_free(struct uob_qc_kept_buf *k)
{
	dmam_free_coherent(k->dev, k->size, k->buf, k->dma);
	put_device(k->dev);
	put_device(k->controller);
	kfree(k);
	atomic_dec(&uob_qc_kept.count);
}

/* A device of a watched bus lost its driver: if a controller, free its buffers. */
VISIBLE_IF_KUNIT int uob_qc_kept_notify(struct notifier_block *nb, unsigned long action,
					void *data)
{
	struct uob_qc_kept_buf *k, *tmp;
	struct device *dev = data;
	LIST_HEAD(done);

	if (action != BUS_NOTIFY_UNBOUND_DRIVER)
		return NOTIFY_DONE;
	scoped_guard(mutex, &uob_qc_kept.lock)
		list_for_each_entry_safe(k, tmp, &uob_qc_kept.bufs, node)
			if (k->controller == dev)
				list_move_tail(&k->node, &done);
	if (list_empty(&done))
		return NOTIFY_DONE;
	list_for_each_entry_safe(k, tmp, &done, node)
		uob_qc_kept_free(k);
	wake_up_all(&uob_qc_kept.wq);
	return NOTIFY_OK;
}
EXPORT_SYMBOL_IF_KUNIT(uob_qc_kept_notify);

/**
 * uob_qc_kept_watch() - watch the bus of @udev's controller for its unbind
 * @udev: a device a stream is being set up on
 *
 * Context: process context, no udev lock held (the bus's notifier
 * chain may run under locks a udev lock holder waits for); takes
 * uob_qc_kept.watch_lock and, the first time for a bus, that bus's
 * notifier rwsem (write).
 *
 * Return: 0, or -ENOMEM (nothing changed).
 */
int uob_qc_kept_watch(struct usb_device *udev)
{
	const struct bus_type *bus = bus_to_hcd(udev->bus)->self.controller->bus;
	struct uob_qc_kept_bus *b;
	int ret;

	guard(mutex)(&uob_qc_kept.watch_lock);
	list_for_each_entry(b, &uob_qc_kept.buses, node)
		if (b->bus == bus)
			return 0;
	b = kzalloc_obj(*b, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->bus = bus;
	b->nb.notifier_call = uob_qc_kept_notify;
	ret = bus_register_notifier(bus, &b->nb);
	if (ret) {
		kfree(b);
		return ret;
	}
	list_add_tail(&b->node, &uob_qc_kept.buses);
	return 0;
}

/* Keep @buf of @dev until @controller's driver has unbound. */
VISIBLE_IF_KUNIT void uob_qc_kept_add(struct device *controller, struct device *dev,
				      void *buf, dma_addr_t dma, size_t size)
{
	struct uob_qc_kept_buf *k;

	k = kzalloc_obj(*k, GFP_KERNEL);
	if (!k) {
		/* the sysdev's devres frees it when its driver unbinds */
		dev_warn(controller, "transfer buffer %pad left to its device's devres: no memory to track it\n",
			 &dma);
		return;
	}
	k->controller = get_device(controller);
	k->dev = get_device(dev);
	k->buf = buf;
	k->dma = dma;
	k->size = size;
	atomic_inc(&uob_qc_kept.count);
	scoped_guard(mutex, &uob_qc_kept.lock)
		list_add_tail(&k->node, &uob_qc_kept.bufs);
}
EXPORT_SYMBOL_IF_KUNIT(uob_qc_kept_add);

/**
 * uob_qc_keep_until_unbound() - free a transfer buffer once its controller unbinds
 * @udev: the device whose controller is being removed
 * @dev: the device @buf was allocated for (dmam_alloc_coherent(): the sysdev)
 * @buf: the buffer
 * @dma: its DMA address
 * @size: its size
 *
 * The controller's bus is watched already (uob_qc_kept_watch() before the
 * stream's setup).
 *
 * Context: process context; takes uob_qc_kept.lock.
 */
void uob_qc_keep_until_unbound(struct usb_device *udev, struct device *dev, void *buf,
			       dma_addr_t dma, size_t size)
{
	struct device *controller = bus_to_hcd(udev->bus)->self.controller;

	atomic_inc(&uob_qc_kept.total);
	if (dev != controller)
		uob_qc_kept_add(controller, dev, buf, dma, size);
}

/**
 * uob_qc_kept_count() - transfer buffers kept now
 * @total: set to the number kept since the module was loaded
 *
 * Context: any.
 *
 * Return: the number kept now.
 */
int uob_qc_kept_count(int *total)
{
	*total = atomic_read(&uob_qc_kept.total);
	return atomic_read(&uob_qc_kept.count);
}

/**
 * uob_qc_kept_exit() - module exit: wait for the controllers being removed
 *
 * Waits up to UOB_QC_KEPT_EXIT_MS for the kept buffers' controllers to
 * unbind, then unregisters the bus notifiers (which waits for a running
 * call) and leaves what is still kept to its device's devres.
 *
 * Context: process context, no lock held; every stream is released.
 */
void uob_qc_kept_exit(void)
{
	struct uob_qc_kept_buf *k, *ktmp;
	struct uob_qc_kept_bus *b, *btmp;

	wait_event_timeout(uob_qc_kept.wq, !atomic_read(&uob_qc_kept.count),
			   msecs_to_jiffies(UOB_QC_KEPT_EXIT_MS));
	scoped_guard(mutex, &uob_qc_kept.watch_lock)
		list_for_each_entry_safe(b, btmp, &uob_qc_kept.buses, node) {
			bus_unregister_notifier(b->bus, &b->nb);
			list_del(&b->node);
			kfree(b);
		}
	/* the buffers are ours alone once no notifier can run */
	list_for_each_entry_safe(k, ktmp, &uob_qc_kept.bufs, node) {
		dev_warn(k->controller,
			 "controller still bound: transfer buffer %pad left to its device's devres\n",
			 &k->dma);
		list_del(&k->node);
		put_device(k->dev);
		put_device(k->controller);
		kfree(k);
	}
}
