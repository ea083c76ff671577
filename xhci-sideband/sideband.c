// SPDX-License-Identifier: GPL-2.0
/*
 * xhci-sideband: let another agent (an audio DSP) own one USB device's
 * endpoints and a secondary xHCI interrupter.
 *
 * Backport of mainline's drivers/usb/host/xhci-sideband.c (v6.16+) in its
 * post-fix form: creating or removing an interrupter does not touch the
 * device's offload usage (the class driver counts, see usb-offload), and
 * nothing here takes a USB device lock, because the teardown runs from
 * disconnect paths that already hold it.
 *
 * What 6.12 lacks and how this module copes (each a compat decision, see
 * compat/uob_xhci_compat.h):
 *  - no vdev->sideband / ep->sideband: ownership lives in this module's
 *    registry; a device's removal (USB_DEVICE_REMOVE, sent before xhci-hcd
 *    frees the slot) detaches its sideband, after telling the client that
 *    the transfer rings go away;
 *  - no intr_num parameter: a specific interrupter is honoured only when it
 *    is the one the kernel hands out, refused otherwise;
 *  - no xhci_stop_endpoint_sync(): stop_endpoint returns -EOPNOTSUPP and
 *    remove_endpoint only gives the endpoint back to xhci-hcd.
 *
 * Lock order: udev device lock (held by callers on disconnect) ->
 * uob_sb_lock (registry) -> sb->mutex -> xhci->lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/kref.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>
#include <linux/vmalloc.h>

#include <uob_xhci_compat.h>
#include <uob/usb_offload.h>
#include <uob_compat.h>
#include <uob/xhci-sideband.h>

#include "sideband_internal.h"

/* Registry of sidebands (6.12 has no vdev->sideband); see lock order above. */
static DEFINE_MUTEX(uob_sb_lock);
static LIST_HEAD(uob_sb_list);
static struct dentry *uob_sb_debugfs;

static void uob_sb_release(struct kref *kref)
{
	struct uob_sideband_priv *priv = container_of(kref, struct uob_sideband_priv, kref);

	usb_put_intf(priv->sb.intf);
	usb_put_dev(priv->sb.udev);
	kfree(priv);
}

static struct uob_sideband_priv *to_priv(struct xhci_sideband *sb)
{
	return container_of(sb, struct uob_sideband_priv, sb);
}

static struct xhci_sideband *uob_sb_find(struct usb_device *udev)
	__must_hold(&uob_sb_lock)
{
	struct xhci_sideband *sb;

	lockdep_assert_held(&uob_sb_lock);
	list_for_each_entry(sb, &uob_sb_list, node)
		if (sb->udev == udev)
			return sb;
	return NULL;
}

/*
 * The page a ring segment's memory is in.  Segments come from xhci-hcd's
 * dma_pool, so a segment is usually not the start of a coherent
 * allocation: dma_get_sgtable() describes the allocation (from its first
 * page, at offset 0), not the segment.  The CPU address tells both the
 * page (linear map, or the vmalloc area of a remapped allocation) and the
 * offset in it, which is not 0 for a 4 KiB segment inside a 16K or 64K
 * page.
 */
static struct page *uob_sb_segment_page(const void *trbs)
{
	return is_vmalloc_addr(trbs) ? vmalloc_to_page(trbs) : virt_to_page(trbs);
}

/* sideband internal helpers */
static struct sg_table *
xhci_ring_to_sgtable(struct xhci_sideband *sb, struct xhci_ring *ring)
{
	struct xhci_segment *seg = ring->first_seg;
	struct scatterlist *sg;
	struct sg_table *sgt;
	unsigned int i;

	if (!seg)
		return NULL;

	sgt = kzalloc_obj(*sgt, GFP_KERNEL);
	if (!sgt)
		return NULL;
	if (sg_alloc_table(sgt, ring->num_segs, GFP_KERNEL)) {
		kfree(sgt);
		return NULL;
	}

	/*
	 * One sg entry per ring segment, at the segment's page and offset; the
	 * DMA address of each entry is the segment's, so a client sees the
	 * ring as the controller does.  The first entry's DMA address is the
	 * ring's first segment, as the upstream API promises.
	 */
	for_each_sgtable_sg(sgt, sg, i) {
		sg_set_page(sg, uob_sb_segment_page(seg->trbs), TRB_SEGMENT_SIZE,
			    offset_in_page(seg->trbs));
		sg_dma_address(sg) = seg->dma;
		sg_dma_len(sg) = TRB_SEGMENT_SIZE;
		seg = seg->next;
	}
	return sgt;
}

/* Caller must hold sb->mutex */
static void
__xhci_sideband_remove_endpoint(struct xhci_sideband *sb, struct xhci_virt_ep *ep)
	__must_hold(&sb->mutex)
{
	lockdep_assert_held(&sb->mutex);

	/*
	 * Upstream stops the endpoint here.  Without xhci_stop_endpoint_sync()
	 * (before 6.13) it keeps running until the class driver changes the
	 * altsetting, which is what the Qualcomm client does on disable.  Once
	 * the device is gone (sb->vdev NULL) there is nothing left to stop.
	 */
	if (sb->vdev && ep->ring)
		uob_xhci_stop_endpoint_sync(sb->xhci, ep);

	sb->eps[ep->ep_index] = NULL;
}

/*
 * Is sb->ir still the controller's?  When xhci-hcd reinitialises the
 * controller (xhci_resume() after the controller lost its state: "xHC error
 * in resume, USBSTS 0x401, Reinit" on QEMU), xhci_mem_cleanup() frees every
 * interrupter, secondary ones included, and tells nobody: our pointer then
 * dangles.  The controller's own interrupter table is the truth: the slot
 * we were given must still hold this interrupter.  If it does not, forget
 * the interrupter (never touch or free it again) and say so once.
 *
 * Limits: this detects a reinit that has happened, it does not exclude one
 * that is running: xhci_mem_cleanup() frees the interrupters and the table
 * without xhci->lock (xhci_resume() drops it first), so the lock here only
 * orders us against interrupter creation and removal.  An interrupter
 * created by someone else in the same slot at the same address after a
 * reinit would also pass.  The Qualcomm client stops every stream before
 * system sleep (the path that reinitialises a controller under a live
 * device), so no sideband holds an interrupter during a reinit: this is the
 * safety net for what happened anyway, not the mechanism.
 *
 * Caller holds sb->mutex; takes xhci->lock to read the table.
 */
static bool uob_sb_ir_owned(struct xhci_sideband *sb)
	__must_hold(&sb->mutex)
{
	struct uob_sideband_priv *priv = to_priv(sb);
	struct xhci_hcd *xhci = sb->xhci;
	bool owned = false;

	lockdep_assert_held(&sb->mutex);
	if (!sb->ir)
		return false;
	if (xhci) {
		spin_lock_irq(&xhci->lock);
		owned = xhci->interrupters && priv->ir_num < xhci->max_interrupters &&
			xhci->interrupters[priv->ir_num] == sb->ir;
		spin_unlock_irq(&xhci->lock);
	}
	if (!owned) {
		dev_warn(&sb->udev->dev,
			 "xHCI interrupter %u was freed by the controller (reinitialised): forgotten\n",
			 priv->ir_num);
		sb->ir = NULL;
		priv->ir_lost++;
	}
	return owned;
}

/**
 * uob_xhci_sideband_host_removing() - is the sideband's controller going?
 * @sb: a registered sideband
 *
 * Not in mainline.  True once xhci-hcd's remove() has begun
 * (XHCI_STATE_REMOVING, set before it removes either of its HCDs) or the
 * controller is dead (XHCI_STATE_DYING).  From then on
 * xhci_check_bandwidth() refuses every endpoint drop (-ENODEV) and 6.12
 * has no way to stop an endpoint from outside xhci-hcd: an endpoint a DSP
 * has TRBs queued on runs until remove() halts the controller, after
 * usbcore has cleared its endpoint table.  What that endpoint can reach
 * must then outlive the stream: the interrupter (its event ring) is left
 * to xhci-hcd, which frees every interrupter once halted (xhci_stop() ->
 * xhci_mem_cleanup()), and the client keeps its transfer buffer until the
 * controller has gone (qc-audio-offload/kept.c).
 *
 * xhci-hcd's own state, not usbcore's: with a USB 3 (shared) HCD, remove()
 * removes that one first, and all that time the primary HCD's root hub is
 * still registered (rh_registered) while its devices' drops are refused.
 * Conversely a root hub unregistered without XHCI_STATE_REMOVING (a glue
 * driver that does not set it, such as xhci-tegra) leaves the drops
 * working until xhci_stop(): the drop stops the endpoint, nothing need
 * outlive it.
 *
 * Context: any; takes no lock.  @sb must be registered (sb->xhci is set
 * from xhci_sideband_register() to xhci_sideband_unregister()).  The
 * state is read once, without xhci->lock: remove() sets
 * XHCI_STATE_REMOVING without that lock (6.12 to 7.2: xhci-pci, xhci-plat,
 * xhci-mtk, xhci-histb), so taking it would order nothing, and both bits
 * stay set until the controller is started again.  The answers that
 * matter come after xhci_check_bandwidth() refused a drop, in the thread
 * that asked for it or after the udev lock that thread held: they see
 * the bit the refusal saw.  A bit seen before any refusal only keeps the
 * memory until the controller is gone.
 *
 * Return: true while @sb's controller is being removed or is dead.
 */
bool uob_xhci_sideband_host_removing(struct xhci_sideband *sb)
{
	return READ_ONCE(sb->xhci->xhc_state) &
	       (XHCI_STATE_REMOVING | XHCI_STATE_DYING);
}
EXPORT_SYMBOL_GPL(uob_xhci_sideband_host_removing);

/* Caller must hold sb->mutex.  Never touches offload usage (seed patch 1). */
static void
__xhci_sideband_remove_interrupter(struct xhci_sideband *sb)
	__must_hold(&sb->mutex)
{
	lockdep_assert_held(&sb->mutex);

	if (!uob_sb_ir_owned(sb))
		return;

	/*
	 * The controller refuses to drop the endpoints whose events go here
	 * and runs them until it halts: leave the event ring to xhci-hcd,
	 * which frees every interrupter once halted.
	 */
	if (uob_xhci_sideband_host_removing(sb)) {
		dev_info(&sb->udev->dev,
			 "xHCI interrupter %u left to the controller being removed: freed once it halts\n",
			 to_priv(sb)->ir_num);
		sb->ir = NULL;
		return;
	}

	xhci_remove_secondary_interrupter(xhci_to_hcd(sb->xhci), sb->ir);
	sb->ir = NULL;
}

/* sideband api functions */

/**
 * xhci_sideband_notify_ep_ring_free() - tell the client a transfer ring goes
 * @sb: the sideband
 * @ep_index: xHCI endpoint index whose ring is about to be freed
 *
 * Calls the client's notify_client() synchronously.  On 6.12 xhci-hcd has
 * no hook for this; the module calls it for every owned endpoint when the
 * device is removed (before xhci-hcd frees the slot).
 *
 * Context: process context; no sideband lock is held during the callback,
 * so the client may call back into this API (it may hold the udev lock).
 */
void xhci_sideband_notify_ep_ring_free(struct xhci_sideband *sb,
				       unsigned int ep_index)
{
	struct xhci_sideband_event evt;

	evt.type = XHCI_SIDEBAND_XFER_RING_FREE;
	evt.evt_data = &ep_index;

	if (sb && sb->notify_client)
		sb->notify_client(sb->intf, &evt);
}
EXPORT_SYMBOL_GPL(xhci_sideband_notify_ep_ring_free);

/**
 * xhci_sideband_add_endpoint() - hand an endpoint to the sideband client
 * @sb: the sideband
 * @host_ep: the endpoint (of the device's current altsetting)
 *
 * Afterwards xhci_sideband_get_endpoint_buffer() returns its transfer ring.
 *
 * Context: process context; takes sb->mutex, never a USB device lock.
 *
 * Return: 0; -ENODEV if the device is gone; -EINVAL for a stream endpoint
 * or one without a transfer ring; -EBUSY if the endpoint is already owned.
 */
int
xhci_sideband_add_endpoint(struct xhci_sideband *sb,
			   struct usb_host_endpoint *host_ep)
{
	struct xhci_virt_ep *ep;
	unsigned int ep_index;

	guard(mutex)(&sb->mutex);

	if (!sb->vdev)
		return -ENODEV;

	ep_index = xhci_get_endpoint_index(&host_ep->desc);
	if (ep_index >= UOB_EP_CTX_PER_DEV)
		return -EINVAL;
	ep = &sb->vdev->eps[ep_index];

	if (ep->ep_state & EP_HAS_STREAMS)
		return -EINVAL;

	if (sb->eps[ep_index])
		return -EBUSY;

	/* 6.12 hands out endpoints of the current altsetting only */
	if (!ep->ring)
		return -EINVAL;

	sb->eps[ep_index] = ep;

	return 0;
}
EXPORT_SYMBOL_GPL(xhci_sideband_add_endpoint);

/*
 * The sideband's own endpoint for @host_ep, or NULL if @sb does not own it.
 * sb->eps[] changes under sb->mutex only.
 */
static struct xhci_virt_ep *uob_sb_owned_ep(struct xhci_sideband *sb,
					    struct usb_host_endpoint *host_ep)
{
	unsigned int ep_index = xhci_get_endpoint_index(&host_ep->desc);

	lockdep_assert_held(&sb->mutex);
	return ep_index < UOB_EP_CTX_PER_DEV ? sb->eps[ep_index] : NULL;
}

/**
 * xhci_sideband_remove_endpoint() - take an endpoint back from the client
 * @sb: the sideband
 * @host_ep: the endpoint
 *
 * The client must not touch the endpoint's ring afterwards.  The endpoint
 * is stopped first where the kernel allows it (6.13+); on older kernels it
 * keeps running until its altsetting changes (see the module comment).
 *
 * Context: process context; takes sb->mutex, never a USB device lock.
 *
 * Return: 0, or -ENODEV if @host_ep is not owned by @sb.
 */
int
xhci_sideband_remove_endpoint(struct xhci_sideband *sb,
			      struct usb_host_endpoint *host_ep)
{
	struct xhci_virt_ep *ep;

	guard(mutex)(&sb->mutex);

	ep = uob_sb_owned_ep(sb, host_ep);

	if (!ep)
		return -ENODEV;

	__xhci_sideband_remove_endpoint(sb, ep);

	return 0;
}
EXPORT_SYMBOL_GPL(xhci_sideband_remove_endpoint);

/**
 * xhci_sideband_stop_endpoint() - stop an owned endpoint and wait for it
 * @sb: the sideband
 * @host_ep: the endpoint
 *
 * Context: process context, may sleep; takes sb->mutex.
 *
 * Return: 0 or the stop error; -EINVAL if @host_ep is not owned by @sb;
 * -ENODEV if the device is gone; -EOPNOTSUPP on kernels without
 * xhci_stop_endpoint_sync() (before 6.13).
 */
int
xhci_sideband_stop_endpoint(struct xhci_sideband *sb,
			    struct usb_host_endpoint *host_ep)
{
	struct xhci_virt_ep *ep;

	guard(mutex)(&sb->mutex);

	ep = uob_sb_owned_ep(sb, host_ep);

	if (!ep)
		return -EINVAL;
	if (!sb->vdev)
		return -ENODEV;

	return uob_xhci_stop_endpoint_sync(sb->xhci, ep);
}
EXPORT_SYMBOL_GPL(xhci_sideband_stop_endpoint);

/**
 * xhci_sideband_get_endpoint_buffer() - an owned endpoint's transfer ring
 * @sb: the sideband
 * @host_ep: the endpoint
 *
 * The first entry's DMA address is the ring's first segment, where the
 * controller reads the TRBs the client queues.  The caller frees the table
 * with sg_free_table() and kfree().
 *
 * Context: process context; takes sb->mutex.
 *
 * Return: the table, or NULL if not owned, gone, or out of memory.
 */
struct sg_table *
xhci_sideband_get_endpoint_buffer(struct xhci_sideband *sb,
				  struct usb_host_endpoint *host_ep)
{
	struct xhci_virt_ep *ep;

	guard(mutex)(&sb->mutex);

	ep = uob_sb_owned_ep(sb, host_ep);

	if (!sb->vdev || !ep || !ep->ring)
		return NULL;

	return xhci_ring_to_sgtable(sb, ep->ring);
}
EXPORT_SYMBOL_GPL(xhci_sideband_get_endpoint_buffer);

/**
 * xhci_sideband_get_event_buffer() - the secondary interrupter's event ring
 * @sb: the sideband
 *
 * The caller frees the table with sg_free_table() and kfree().
 *
 * Context: process context; takes sb->mutex.
 *
 * Return: the table (first entry: the event ring's first segment), or NULL
 * without an interrupter or memory.
 */
struct sg_table *
xhci_sideband_get_event_buffer(struct xhci_sideband *sb)
{
	if (!sb)
		return NULL;

	guard(mutex)(&sb->mutex);

	if (!uob_sb_ir_owned(sb))
		return NULL;

	return xhci_ring_to_sgtable(sb, sb->ir->event_ring);
}
EXPORT_SYMBOL_GPL(xhci_sideband_get_event_buffer);

/**
 * xhci_sideband_check() - is offload active anywhere on a controller?
 * @hcd: the controller
 *
 * Answered by usb_offload_check() on the root hub: with the seed's change,
 * offload activity is what class drivers count, not sideband existence.
 *
 * Context: process context; takes the root hub's device lock, so the
 * caller must not hold it (nor any device lock below it).
 *
 * Return: true if any device on @hcd has offload usage.
 */
bool xhci_sideband_check(struct usb_hcd *hcd)
{
	struct usb_device *udev = hcd->self.root_hub;
	bool active;

	usb_lock_device(udev);
	active = usb_offload_check(udev);
	usb_unlock_device(udev);

	return active;
}
EXPORT_SYMBOL_GPL(xhci_sideband_check);

/**
 * xhci_sideband_create_interrupter() - set up the sideband's interrupter
 * @sb: the sideband
 * @num_seg: event ring segments
 * @ip_autoclear: let the controller clear the interrupt pending bit (MSI)
 * @imod_interval: interrupt moderation interval, ns
 * @intr_num: 0 for any free interrupter, otherwise exactly this one
 *
 * One interrupter per sideband.  Unlike the pre-fix upstream code this does
 * not change the device's offload usage: the class driver takes it.
 *
 * Context: process context; takes sb->mutex, never a USB device lock.
 *
 * Return: 0; -ENODEV if the device is gone; -EBUSY if @sb already has an
 * interrupter; -ENOMEM if the controller has none left; -EOPNOTSUPP if
 * @intr_num, @imod_interval or @ip_autoclear cannot be honoured on this
 * kernel (see compat layer).
 */
int
xhci_sideband_create_interrupter(struct xhci_sideband *sb, int num_seg,
				 bool ip_autoclear, u32 imod_interval, int intr_num)
{
	struct xhci_interrupter *ir;

	if (!sb || !sb->xhci)
		return -ENODEV;

	if (num_seg <= 0 || intr_num < 0)
		return -EINVAL;

	guard(mutex)(&sb->mutex);

	if (!sb->vdev)
		return -ENODEV;

	/* an interrupter the controller freed (reinit) does not count */
	if (uob_sb_ir_owned(sb))
		return -EBUSY;

	ir = uob_xhci_create_secondary_interrupter(xhci_to_hcd(sb->xhci),
						   num_seg, ip_autoclear,
						   imod_interval, intr_num);
	if (IS_ERR(ir))
		return PTR_ERR(ir);

	sb->ir = ir;
	to_priv(sb)->ir_num = ir->intr_num;

	return 0;
}
EXPORT_SYMBOL_GPL(xhci_sideband_create_interrupter);

/**
 * xhci_sideband_remove_interrupter() - release the sideband's interrupter
 * @sb: the sideband
 *
 * Does not change offload usage.  Safe to call from a disconnect path with
 * the udev device lock held: it never takes that lock.
 *
 * Context: process context; takes sb->mutex.
 */
void
xhci_sideband_remove_interrupter(struct xhci_sideband *sb)
{
	if (!sb)
		return;

	guard(mutex)(&sb->mutex);

	__xhci_sideband_remove_interrupter(sb);
}
EXPORT_SYMBOL_GPL(xhci_sideband_remove_interrupter);

/**
 * xhci_sideband_interrupter_id() - the interrupter target number
 * @sb: the sideband
 *
 * The client writes it into the Interrupter Target field of the TRBs it
 * queues, so completions land on its event ring.
 *
 * Context: process context; takes sb->mutex.
 *
 * Return: the interrupter number (>= 1), or -ENODEV without an interrupter.
 */
int
xhci_sideband_interrupter_id(struct xhci_sideband *sb)
{
	if (!sb)
		return -ENODEV;

	guard(mutex)(&sb->mutex);

	if (!uob_sb_ir_owned(sb))
		return -ENODEV;

	return to_priv(sb)->ir_num;
}
EXPORT_SYMBOL_GPL(xhci_sideband_interrupter_id);

/*
 * Is @hcd driven by xhci-hcd?  Mainline needs no such test: its sideband is
 * part of xhci-hcd.  A separate module cannot compare hcd->driver with
 * xhci-hcd's hc_driver either: that one is static in xhci.c, and every glue
 * driver (xhci-pci, xhci-plat, ...) holds its own copy made by
 * xhci_init_driver().  Nor can it compare one of the copied callbacks with
 * an xhci-hcd export: those that xhci-hcd exports (xhci_run, xhci_stop,
 * xhci_shutdown, the endpoint and bandwidth ones) are exactly those a glue
 * driver may replace (xhci-pci replaces .stop and .shutdown, the others are
 * struct xhci_driver_overrides members).  What every copy keeps is the
 * description xhci_init_driver() copies, "xhci-hcd", so that is the test.
 * The private area must also hold a struct xhci_hcd as this module knows it,
 * so a foreign driver of that name is never read beyond its own data.
 */
static bool uob_hcd_is_xhci(struct usb_hcd *hcd)
{
	const struct hc_driver *drv = hcd->driver;

	return drv->description && !strcmp(drv->description, "xhci-hcd") &&
	       drv->hcd_priv_size >= sizeof(struct xhci_hcd);
}

/**
 * xhci_sideband_register() - register a sideband for a USB device
 * @intf: an interface of the device; its device must be on an xHCI
 * @type: must be XHCI_SIDEBAND_VENDOR, as upstream
 * @notify_client: event callback (may be NULL)
 *
 * One sideband per device.  The sideband holds a reference on @intf until
 * it is unregistered, so the interface passed to @notify_client is valid
 * memory even after usbcore has removed it.
 *
 * Context: process context; may be called with the udev device lock held
 * (from probe); never takes it.
 *
 * Return: the sideband, or NULL if @type is unsupported, the device has no
 * xHCI slot, already has a sideband, or memory is short.
 */
struct xhci_sideband *
xhci_sideband_register(struct usb_interface *intf, enum xhci_sideband_type type,
		       int (*notify_client)(struct usb_interface *intf,
					    struct xhci_sideband_event *evt))
{
	struct usb_device *udev = interface_to_usbdev(intf);
	struct usb_hcd *hcd = bus_to_hcd(udev->bus);
	struct uob_sideband_priv *priv;
	struct xhci_virt_device *vdev;
	struct xhci_sideband *sb;
	struct xhci_hcd *xhci;

	/* a device with an xHCI slot, and the one type upstream accepts */
	if (!udev->slot_id || type != XHCI_SIDEBAND_VENDOR)
		return NULL;

	if (!uob_hcd_is_xhci(hcd))
		return NULL;
	xhci = hcd_to_xhci(hcd);

	priv = kzalloc_node(sizeof(*priv), GFP_KERNEL, dev_to_node(hcd->self.sysdev));
	if (!priv)
		return NULL;

	sb = &priv->sb;
	kref_init(&priv->kref);
	mutex_init(&sb->mutex);

	/* one sideband per device: the registry stands in for vdev->sideband */
	guard(mutex)(&uob_sb_lock);

	if (uob_sb_find(udev)) {
		dev_warn(&udev->dev, "xHCI sideband for slot %d already in use\n",
			 udev->slot_id);
		kfree(priv);
		return NULL;
	}

	spin_lock_irq(&xhci->lock);
	vdev = xhci->devs[udev->slot_id];
	spin_unlock_irq(&xhci->lock);

	if (!vdev || vdev->udev != udev) {
		kfree(priv);
		return NULL;
	}

	sb->xhci = xhci;
	sb->vdev = vdev;
	/*
	 * Referenced for the sideband's life: usbcore releases the device's
	 * interfaces (usb_disable_device()) before it announces the device's
	 * removal, and the removal notifier still hands @intf to the client.
	 */
	sb->intf = usb_get_intf(intf);
	sb->type = type;
	sb->notify_client = notify_client;
	sb->udev = usb_get_dev(udev);
	list_add_tail(&sb->node, &uob_sb_list);

	return sb;
}
EXPORT_SYMBOL_GPL(xhci_sideband_register);

/**
 * xhci_sideband_unregister() - end sideband access to a device
 * @sb: the sideband (may be NULL)
 *
 * Gives every endpoint back to xhci-hcd, removes the interrupter (whether
 * or not the device is still there) and frees @sb.  Offload usage is not
 * touched.  Never takes a USB device lock, so it is safe in a disconnect
 * path, which holds one.
 *
 * Context: process context; takes the registry lock and sb->mutex.
 */
void
xhci_sideband_unregister(struct xhci_sideband *sb)
{
	int i;

	if (!sb)
		return;

	scoped_guard(mutex, &uob_sb_lock) {
		list_del_init(&sb->node);
		guard(mutex)(&sb->mutex);

		for (i = 0; i < UOB_EP_CTX_PER_DEV; i++)
			if (sb->eps[i])
				__xhci_sideband_remove_endpoint(sb, sb->eps[i]);

		__xhci_sideband_remove_interrupter(sb);

		sb->vdev = NULL;
		sb->xhci = NULL;
	}

	kref_put(&to_priv(sb)->kref, uob_sb_release);
}
EXPORT_SYMBOL_GPL(xhci_sideband_unregister);

/*
 * usbcore removes @udev (USB_DEVICE_REMOVE, from the generic driver's
 * disconnect, udev lock held); xhci-hcd frees its slot right after.  Tell
 * the client its rings go, then detach the sideband from the slot.  The
 * interrupter (a controller resource) stays until the client removes it.
 * The interface the client gets has been unregistered by now (usbcore
 * deletes and puts a device's interfaces before this): it is still valid
 * memory only because the sideband holds a reference on it.
 */
static int uob_sb_usb_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct usb_device *udev = data;
	struct uob_sideband_priv *priv;
	struct xhci_sideband *sb;
	unsigned long owned = 0;
	unsigned int i;

	if (action != USB_DEVICE_REMOVE)
		return NOTIFY_DONE;

	scoped_guard(mutex, &uob_sb_lock) {
		sb = uob_sb_find(udev);
		if (!sb)
			return NOTIFY_DONE;
		priv = to_priv(sb);
		kref_get(&priv->kref);
		guard(mutex)(&sb->mutex);
		for (i = 0; i < UOB_EP_CTX_PER_DEV; i++)
			if (sb->eps[i])
				owned |= BIT(i);
	}

	for_each_set_bit(i, &owned, UOB_EP_CTX_PER_DEV)
		xhci_sideband_notify_ep_ring_free(sb, i);

	scoped_guard(mutex, &sb->mutex) {
		for (i = 0; i < UOB_EP_CTX_PER_DEV; i++)
			sb->eps[i] = NULL;
		sb->vdev = NULL;
	}
	priv->detached_by_removal = true;
	dev_dbg(&udev->dev, "sideband detached on removal\n");

	kref_put(&priv->kref, uob_sb_release);
	return NOTIFY_OK;
}

static struct notifier_block uob_sb_usb_nb = {
	.notifier_call = uob_sb_usb_notify,
};

static int uob_sb_show(struct seq_file *s, void *unused)
{
	struct xhci_sideband *sb;
	unsigned int i;

	guard(mutex)(&uob_sb_lock);
	list_for_each_entry(sb, &uob_sb_list, node) {
		guard(mutex)(&sb->mutex);
		seq_printf(s, "%s slot=%d intf=%s attached=%d interrupter=%d lost=%u endpoints:",
			   dev_name(&sb->udev->dev), sb->udev->slot_id,
			   sb->intf ? dev_name(&sb->intf->dev) : "-", !!sb->vdev,
			   sb->ir ? (int)to_priv(sb)->ir_num : -1,
			   to_priv(sb)->ir_lost);
		for (i = 0; i < UOB_EP_CTX_PER_DEV; i++)
			if (sb->eps[i])
				seq_printf(s, " %u", i);
		seq_putc(s, '\n');
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(uob_sb);

/**
 * uob_sideband_count() - number of registered sidebands (debugfs, tests)
 *
 * Context: process context; takes the registry lock.
 *
 * Return: the number of sidebands currently registered.
 */
unsigned int uob_sideband_count(void)
{
	struct xhci_sideband *sb;
	unsigned int n = 0;

	guard(mutex)(&uob_sb_lock);
	list_for_each_entry(sb, &uob_sb_list, node)
		n++;
	return n;
}

static int __init uob_sideband_init(void)
{
	usb_register_notify(&uob_sb_usb_nb);
	uob_sb_debugfs = debugfs_create_file("sideband", 0444,
					     usb_offload_debugfs_root(), NULL,
					     &uob_sb_fops);
	return 0;
}

static void __exit uob_sideband_exit(void)
{
	debugfs_remove(uob_sb_debugfs);
	usb_unregister_notify(&uob_sb_usb_nb);
	/* clients hold module references: nothing can be registered now */
	WARN_ON(!list_empty(&uob_sb_list));
}

module_init(uob_sideband_init);
module_exit(uob_sideband_exit);

MODULE_DESCRIPTION("xHCI sideband: endpoints and secondary interrupter for offload agents, without offload counting (backport)");
MODULE_AUTHOR("usb-offload-backport developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(UOB_VERSION);
MODULE_IMPORT_NS(UOB_SYMBOL_NAMESPACE);
