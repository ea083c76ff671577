// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for xhci-sideband on the emulated xHCI (QEMU qemu-xhci, 16
 * interrupters) with its usb-audio devices.  Every check reads what the
 * controller itself holds: interrupter registers, ERST, endpoint contexts.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/kthread.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <linux/usb/audio.h>

#include <uob_xhci_compat.h>
#include <uob/kunit_usb.h>
#include <uob/kunit_xhci.h>
#include <uob/usb_offload.h>
#include <uob/xhci-sideband.h>

#include "sideband_internal.h"

#define UOB_KUNIT_TEARDOWN_MS	5000

struct uob_sb_rig {
	struct usb_device *udev;
	struct usb_interface *intf;	/* audio streaming interface */
	struct xhci_hcd *xhci;
	struct xhci_sideband *sb;
	bool alt_set;
};

static void uob_sb_rig_cleanup(void *data)
{
	struct uob_sb_rig *rig = data;

	if (rig->sb)
		xhci_sideband_unregister(rig->sb);
	if (rig->alt_set)
		usb_set_interface(rig->udev,
				  rig->intf->cur_altsetting->desc.bInterfaceNumber, 0);
	usb_put_dev(rig->udev);
}

static struct usb_interface *uob_streaming_intf(struct usb_device *udev)
{
	struct usb_host_config *cfg = udev->actconfig;
	int i;

	for (i = 0; cfg && i < cfg->desc.bNumInterfaces; i++) {
		struct usb_interface_descriptor *d =
			&cfg->interface[i]->altsetting[0].desc;

		if (d->bInterfaceClass == USB_CLASS_AUDIO &&
		    d->bInterfaceSubClass == USB_SUBCLASS_AUDIOSTREAMING)
			return cfg->interface[i];
	}
	return NULL;
}

/* The rig: one audio device, its streaming interface, a registered sideband. */
static struct uob_sb_rig *uob_sb_rig(struct kunit *test, enum uob_kunit_where where,
				     bool do_register,
				     int (*notify)(struct usb_interface *,
						   struct xhci_sideband_event *))
{
	struct uob_sb_rig *rig = kunit_kzalloc(test, sizeof(*rig), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rig);
	rig->udev = uob_kunit_get_usb(test, where);
	rig->intf = uob_streaming_intf(rig->udev);
	rig->xhci = hcd_to_xhci(bus_to_hcd(rig->udev->bus));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_sb_rig_cleanup, rig));
	KUNIT_ASSERT_NOT_NULL(test, rig->intf);
	if (do_register) {
		rig->sb = xhci_sideband_register(rig->intf, XHCI_SIDEBAND_VENDOR, notify);
		KUNIT_ASSERT_NOT_NULL(test, rig->sb);
	}
	return rig;
}

/* Select the streaming altsetting: xhci-hcd then has a transfer ring. */
static struct usb_host_endpoint *uob_sb_stream_ep(struct kunit *test, struct uob_sb_rig *rig)
{
	int ifnum = rig->intf->altsetting[0].desc.bInterfaceNumber;

	KUNIT_ASSERT_EQ(test, 0, usb_set_interface(rig->udev, ifnum, 1));
	rig->alt_set = true;
	KUNIT_ASSERT_GE(test, rig->intf->cur_altsetting->desc.bNumEndpoints, 1);
	return &rig->intf->cur_altsetting->endpoint[0];
}

static void uob_free_sgt(struct sg_table *sgt)
{
	if (sgt) {
		sg_free_table(sgt);
		kfree(sgt);
	}
}

static void uob_sb_register_once_per_device(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, false, NULL);
	unsigned int count = uob_sideband_count();
	struct xhci_sideband *sb;

	KUNIT_EXPECT_NULL(test, xhci_sideband_register(rig->intf, XHCI_SIDEBAND_AUDIO, NULL));
	sb = xhci_sideband_register(rig->intf, XHCI_SIDEBAND_VENDOR, NULL);
	KUNIT_ASSERT_NOT_NULL(test, sb);
	rig->sb = sb;
	KUNIT_EXPECT_EQ(test, count + 1, uob_sideband_count());
	KUNIT_EXPECT_PTR_EQ(test, sb->udev, rig->udev);
	KUNIT_EXPECT_PTR_EQ(test, sb->vdev, rig->xhci->devs[rig->udev->slot_id]);

	KUNIT_EXPECT_NULL(test, xhci_sideband_register(rig->intf, XHCI_SIDEBAND_VENDOR, NULL));
	KUNIT_EXPECT_EQ(test, count + 1, uob_sideband_count());

	xhci_sideband_unregister(sb);
	rig->sb = NULL;
	KUNIT_EXPECT_EQ(test, count, uob_sideband_count());
}

static void uob_sb_interrupter_programs_controller(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct xhci_interrupter *ir;
	struct sg_table *sgt;
	dma_addr_t ring;
	int id;

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);
	KUNIT_ASSERT_GE(test, id, 1);
	KUNIT_ASSERT_LT(test, id, (int)rig->xhci->max_interrupters);
	ir = rig->sb->ir;
	KUNIT_EXPECT_PTR_EQ(test, ir, rig->xhci->interrupters[id]);

	sgt = xhci_sideband_get_event_buffer(rig->sb);
	KUNIT_ASSERT_NOT_NULL(test, sgt);
	ring = sg_dma_address(sgt->sgl);
	KUNIT_EXPECT_EQ(test, ring, ir->event_ring->first_seg->dma);
	/* what the controller was told: ERSTBA -> ERST[0] -> ring, ERDP -> ring */
	KUNIT_EXPECT_EQ(test, xhci_read_64(rig->xhci, &ir->ir_set->erst_base),
			(u64)ir->erst.erst_dma_addr);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(ir->erst.entries[0].seg_addr), (u64)ring);
	KUNIT_EXPECT_EQ(test, xhci_read_64(rig->xhci, &ir->ir_set->erst_dequeue) &
			ERST_PTR_MASK, (u64)ring);
	uob_free_sgt(sgt);

	xhci_sideband_remove_interrupter(rig->sb);
	KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[id]);
}

static void uob_sb_second_interrupter_is_ebusy(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	int id;

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);
	KUNIT_EXPECT_EQ(test, -EBUSY, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	KUNIT_EXPECT_EQ(test, id, xhci_sideband_interrupter_id(rig->sb));
	KUNIT_EXPECT_EQ(test, -EINVAL, xhci_sideband_create_interrupter(rig->sb, 0, false, 0, 0));
	xhci_sideband_remove_interrupter(rig->sb);
	KUNIT_EXPECT_EQ(test, -ENODEV, xhci_sideband_interrupter_id(rig->sb));
}

static void uob_sb_interrupter_slot_reusable(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	int id, i;

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 2, true, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);
	KUNIT_EXPECT_TRUE(test, rig->sb->ir->ip_autoclear);
	/* xhci-hcd clamps the segments to the controller's ERST Max */
	KUNIT_EXPECT_EQ(test, min_t(unsigned int, 2, BIT(HCS_ERST_MAX(rig->xhci->hcs_params2))),
			rig->sb->ir->event_ring->num_segs);
	xhci_sideband_remove_interrupter(rig->sb);

	/* 20 rounds on a 16-interrupter controller: a leaked slot would run out */
	for (i = 0; i < 20; i++) {
		KUNIT_ASSERT_EQ(test, 0,
				xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
		KUNIT_EXPECT_EQ(test, id, xhci_sideband_interrupter_id(rig->sb));
		xhci_sideband_remove_interrupter(rig->sb);
	}
	KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[id]);
}

/*
 * A controller reinit (xhci_resume() after the controller lost its state)
 * frees every interrupter behind the sideband's back, as xhci_mem_cleanup()
 * does.  Simulated here by removing the sideband's interrupter through
 * xhci-hcd directly: the sideband must notice, never touch the freed
 * interrupter again (KASAN reports a use-after-free or double free if it
 * does), and create a new one afterwards -- whichever call comes first.
 */
enum uob_sb_first_call {
	UOB_SB_FIRST_REMOVE,		/* would be a double free */
	UOB_SB_FIRST_EVENT_BUFFER,	/* would be a use after free */
	UOB_SB_FIRST_CREATE,		/* must not answer -EBUSY */
};

struct uob_sb_reinit_param {
	const char *name;
	enum uob_sb_first_call first;
};

static const struct uob_sb_reinit_param uob_sb_reinit_params[] = {
	{ "remove_interrupter", UOB_SB_FIRST_REMOVE },
	{ "get_event_buffer", UOB_SB_FIRST_EVENT_BUFFER },
	{ "create_interrupter", UOB_SB_FIRST_CREATE },
};

KUNIT_ARRAY_PARAM_DESC(uob_sb_reinit, uob_sb_reinit_params, name);

static void uob_sb_controller_reinit_frees_interrupter(struct kunit *test)
{
	const struct uob_sb_reinit_param *p = test->param_value;
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct uob_sideband_priv *priv = container_of(rig->sb, struct uob_sideband_priv, sb);
	struct usb_hcd *hcd = bus_to_hcd(rig->udev->bus);
	int id;

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);
	KUNIT_ASSERT_GE(test, id, 1);
	xhci_remove_secondary_interrupter(hcd, rig->sb->ir);
	KUNIT_ASSERT_NULL(test, rig->xhci->interrupters[id]);

	switch (p->first) {
	case UOB_SB_FIRST_REMOVE:
		xhci_sideband_remove_interrupter(rig->sb);
		KUNIT_EXPECT_NULL(test, rig->sb->ir);
		break;
	case UOB_SB_FIRST_EVENT_BUFFER:
		KUNIT_EXPECT_NULL(test, xhci_sideband_get_event_buffer(rig->sb));
		KUNIT_EXPECT_EQ(test, -ENODEV, xhci_sideband_interrupter_id(rig->sb));
		break;
	case UOB_SB_FIRST_CREATE:
		KUNIT_ASSERT_EQ(test, 0,
				xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
		KUNIT_EXPECT_PTR_EQ(test, rig->sb->ir, rig->xhci->interrupters[id]);
		break;
	}
	KUNIT_EXPECT_EQ(test, 1U, priv->ir_lost);

	/* the sideband works on: an interrupter in the same slot, removed cleanly */
	if (p->first != UOB_SB_FIRST_CREATE)
		KUNIT_ASSERT_EQ(test, 0,
				xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	KUNIT_EXPECT_EQ(test, id, xhci_sideband_interrupter_id(rig->sb));
	xhci_sideband_remove_interrupter(rig->sb);
	KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[id]);
	KUNIT_EXPECT_EQ(test, 1U, priv->ir_lost);
}

/*
 * Controller removal: once xhci-hcd's remove() has begun
 * (XHCI_STATE_REMOVING, set before it removes either HCD), it refuses
 * every endpoint drop and runs the endpoints until it halts, so their
 * events may still land in the event ring.  Removing the interrupter then
 * would free that ring under the controller: the sideband forgets it
 * instead, and xhci_mem_cleanup() frees it after the halt.  With a USB 3
 * (shared) HCD, remove() removes that one first: all that time the
 * primary root hub, which a USB 2 device hangs off, is still registered.
 */
static void uob_sb_interrupter_left_to_removed_host(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct usb_hcd *hcd = bus_to_hcd(rig->udev->bus);
	struct xhci_interrupter *ir;
	int id;

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);
	KUNIT_ASSERT_GE(test, id, 1);
	ir = rig->sb->ir;

	uob_kunit_xhci_removing(test, rig->xhci);
	KUNIT_EXPECT_TRUE(test, hcd->rh_registered);
	xhci_sideband_remove_interrupter(rig->sb);
	uob_kunit_xhci_removing_end(test, rig->xhci);

	KUNIT_EXPECT_NULL(test, rig->sb->ir);
	KUNIT_EXPECT_EQ(test, -ENODEV, xhci_sideband_interrupter_id(rig->sb));
	KUNIT_EXPECT_PTR_EQ(test, ir, rig->xhci->interrupters[id]);
	/* the controller halted: xhci_mem_cleanup()'s part */
	if (rig->xhci->interrupters[id] == ir)
		xhci_remove_secondary_interrupter(hcd, ir);
	KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[id]);
}

/*
 * uob_xhci_sideband_host_removing() follows xhci-hcd's own state:
 * XHCI_STATE_REMOVING or XHCI_STATE_DYING (xhci_hc_died()), not whether
 * usbcore still has the root hub registered.  DYING is set and read back
 * inside one xhci->lock section, so no interrupt or URB of the running
 * controller sees it.  A root hub unregistered while xhci-hcd has neither
 * bit (a glue driver that does not set REMOVING): drops still work, the
 * interrupter is removed as usual.
 */
static void uob_sb_host_removing_is_xhci_state(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct usb_hcd *hcd = bus_to_hcd(rig->udev->bus);
	bool removing;
	int id;

	KUNIT_EXPECT_FALSE(test, uob_xhci_sideband_host_removing(rig->sb));
	uob_kunit_xhci_removing(test, rig->xhci);
	KUNIT_EXPECT_TRUE(test, uob_xhci_sideband_host_removing(rig->sb));
	uob_kunit_xhci_removing_end(test, rig->xhci);
	KUNIT_EXPECT_FALSE(test, uob_xhci_sideband_host_removing(rig->sb));

	spin_lock_irq(&rig->xhci->lock);
	rig->xhci->xhc_state |= XHCI_STATE_DYING;
	removing = uob_xhci_sideband_host_removing(rig->sb);
	rig->xhci->xhc_state &= ~XHCI_STATE_DYING;
	spin_unlock_irq(&rig->xhci->lock);
	KUNIT_EXPECT_TRUE(test, removing);

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);
	KUNIT_ASSERT_GE(test, id, 1);
	hcd->rh_registered = 0;
	removing = uob_xhci_sideband_host_removing(rig->sb);
	xhci_sideband_remove_interrupter(rig->sb);
	hcd->rh_registered = 1;
	KUNIT_EXPECT_FALSE(test, removing);
	KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[id]);
}

static void uob_sb_intr_num_honoured_or_refused(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	int id, other;

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);
	xhci_sideband_remove_interrupter(rig->sb);

	/* the number the kernel would hand out anyway: honoured */
	KUNIT_EXPECT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, id));
	KUNIT_EXPECT_EQ(test, id, xhci_sideband_interrupter_id(rig->sb));
	xhci_sideband_remove_interrupter(rig->sb);

	/* another free number: exactly that one, or a clear refusal */
	other = id + 1;
	KUNIT_ASSERT_LT(test, other, (int)rig->xhci->max_interrupters);
	if (xhci_sideband_create_interrupter(rig->sb, 1, false, 0, other) == 0) {
		KUNIT_EXPECT_EQ(test, other, xhci_sideband_interrupter_id(rig->sb));
		xhci_sideband_remove_interrupter(rig->sb);
	} else {
		KUNIT_EXPECT_EQ(test, -ENODEV, xhci_sideband_interrupter_id(rig->sb));
		KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[id]);
		KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[other]);
	}
}

static void uob_sb_endpoint_buffer_is_tr_dequeue(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct usb_host_endpoint *ep = uob_sb_stream_ep(test, rig);
	unsigned int idx = xhci_get_endpoint_index(&ep->desc);
	struct xhci_virt_device *vdev = rig->xhci->devs[rig->udev->slot_id];
	struct xhci_ep_ctx *ctx;
	struct sg_table *sgt;

	KUNIT_EXPECT_TRUE(test, usb_endpoint_xfer_isoc(&ep->desc));
	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_add_endpoint(rig->sb, ep));
	KUNIT_EXPECT_EQ(test, -EBUSY, xhci_sideband_add_endpoint(rig->sb, ep));

	sgt = xhci_sideband_get_endpoint_buffer(rig->sb, ep);
	KUNIT_ASSERT_NOT_NULL(test, sgt);
	ctx = xhci_get_ep_ctx(rig->xhci, vdev->out_ctx, idx);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(ctx->deq) & UOB_XHCI_DEQ_PTR_MASK,
			(u64)sg_dma_address(sgt->sgl));
	KUNIT_EXPECT_EQ(test, (u64)vdev->eps[idx].ring->first_seg->dma,
			(u64)sg_dma_address(sgt->sgl));
	KUNIT_EXPECT_EQ(test, sgt->nents, vdev->eps[idx].ring->num_segs);
	uob_free_sgt(sgt);

	KUNIT_EXPECT_EQ(test, 0, xhci_sideband_remove_endpoint(rig->sb, ep));
}

static void uob_sb_remove_endpoint_gives_it_back(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct usb_host_endpoint *ep = uob_sb_stream_ep(test, rig);

	KUNIT_EXPECT_EQ(test, -EINVAL, xhci_sideband_stop_endpoint(rig->sb, ep));
	KUNIT_EXPECT_EQ(test, -ENODEV, xhci_sideband_remove_endpoint(rig->sb, ep));
	KUNIT_EXPECT_NULL(test, xhci_sideband_get_endpoint_buffer(rig->sb, ep));

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_add_endpoint(rig->sb, ep));
	KUNIT_EXPECT_EQ(test, UOB_XHCI_CAN_STOP_ENDPOINT ? 0 : -EOPNOTSUPP,
			xhci_sideband_stop_endpoint(rig->sb, ep));
	KUNIT_EXPECT_EQ(test, 0, xhci_sideband_remove_endpoint(rig->sb, ep));
	KUNIT_EXPECT_NULL(test, xhci_sideband_get_endpoint_buffer(rig->sb, ep));
	KUNIT_EXPECT_EQ(test, -ENODEV, xhci_sideband_remove_endpoint(rig->sb, ep));
	/* and it can be handed out again */
	KUNIT_EXPECT_EQ(test, 0, xhci_sideband_add_endpoint(rig->sb, ep));
}

static void uob_sb_endpoint_without_ring_is_einval(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct usb_host_interface *alt1 = usb_altnum_to_altsetting(rig->intf, 1);

	/* altsetting 0 is current: the streaming endpoint has no ring */
	KUNIT_ASSERT_NOT_NULL(test, alt1);
	KUNIT_ASSERT_EQ(test, 0, rig->intf->cur_altsetting->desc.bAlternateSetting);
	KUNIT_EXPECT_EQ(test, -EINVAL, xhci_sideband_add_endpoint(rig->sb, &alt1->endpoint[0]));
	KUNIT_EXPECT_NULL(test, xhci_sideband_get_endpoint_buffer(rig->sb, &alt1->endpoint[0]));
}

static void uob_sb_interrupter_leaves_usage_alone(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct usb_hcd *hcd = bus_to_hcd(rig->udev->bus);
	int usage = uob_kunit_offload_usage(rig->udev);

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	KUNIT_EXPECT_EQ(test, usage, uob_kunit_offload_usage(rig->udev));
	KUNIT_EXPECT_FALSE(test, xhci_sideband_check(hcd));
	xhci_sideband_remove_interrupter(rig->sb);
	KUNIT_EXPECT_EQ(test, usage, uob_kunit_offload_usage(rig->udev));

	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	xhci_sideband_unregister(rig->sb);
	rig->sb = NULL;
	KUNIT_EXPECT_EQ(test, usage, uob_kunit_offload_usage(rig->udev));
}

static void uob_sb_check_follows_offload_usage(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_get_usb(test, UOB_KUNIT_ROOT_PORT);
	struct usb_hcd *hcd = bus_to_hcd(udev->bus);
	int ret;

	KUNIT_EXPECT_FALSE(test, xhci_sideband_check(hcd));
	usb_lock_device(udev);
	ret = usb_offload_get(udev);
	usb_unlock_device(udev);
	KUNIT_EXPECT_EQ(test, 0, ret);
	KUNIT_EXPECT_TRUE(test, xhci_sideband_check(hcd));
	usb_lock_device(udev);
	ret = usb_offload_put(udev);
	usb_unlock_device(udev);
	KUNIT_EXPECT_EQ(test, 0, ret);
	KUNIT_EXPECT_FALSE(test, xhci_sideband_check(hcd));
	usb_put_dev(udev);
}

struct uob_sb_teardown {
	struct xhci_sideband *sb;
	struct completion done;
};

static int uob_sb_teardown_fn(void *data)
{
	struct uob_sb_teardown *t = data;

	xhci_sideband_remove_interrupter(t->sb);
	xhci_sideband_unregister(t->sb);
	complete(&t->done);
	return 0;
}

/*
 * The seed's point: with the udev lock held by the USB core (disconnect),
 * removing the interrupter and unregistering must finish on their own.  The
 * teardown runs in a second task while this one holds the lock, so a
 * teardown that waits for the lock shows up as a timeout, not a hang.
 */
static void uob_sb_teardown_under_udev_lock_is_bounded(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_ROOT_PORT, true, NULL);
	struct usb_host_endpoint *ep = uob_sb_stream_ep(test, rig);
	struct uob_sb_teardown *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	unsigned int count = uob_sideband_count();
	struct task_struct *task;
	unsigned long left;
	int id;

	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_add_endpoint(rig->sb, ep));
	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);
	t->sb = rig->sb;
	rig->sb = NULL;
	init_completion(&t->done);

	usb_lock_device(rig->udev);
	task = kthread_run(uob_sb_teardown_fn, t, "uob-sb-teardown");
	if (IS_ERR(task)) {
		usb_unlock_device(rig->udev);
		KUNIT_FAIL(test, "kthread_run: %ld", PTR_ERR(task));
		return;
	}
	left = wait_for_completion_timeout(&t->done, msecs_to_jiffies(UOB_KUNIT_TEARDOWN_MS));
	usb_unlock_device(rig->udev);

	KUNIT_EXPECT_NE_MSG(test, left, 0UL,
			    "sideband teardown did not finish within %d ms while the udev lock was held",
			    UOB_KUNIT_TEARDOWN_MS);
	/* a teardown that waited for the lock can finish now that it is free */
	if (!left)
		wait_for_completion(&t->done);
	KUNIT_EXPECT_EQ(test, count - 1, uob_sideband_count());
	KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[id]);
}

/* Device removal: the client hears of the ring free, the sideband detaches. */
static struct {
	unsigned int calls;
	unsigned int ep_index;
	struct usb_interface *intf;
	struct usb_device *udev;
} uob_sb_notified;

/*
 * A client reads the interface it is handed (its device, as a client
 * would; KASAN: a slab-use-after-free if usbcore freed it already).
 */
static int uob_sb_notify(struct usb_interface *intf, struct xhci_sideband_event *evt)
{
	if (evt->type == XHCI_SIDEBAND_XFER_RING_FREE) {
		uob_sb_notified.calls++;
		uob_sb_notified.ep_index = *(unsigned int *)evt->evt_data;
		uob_sb_notified.intf = intf;
		uob_sb_notified.udev = interface_to_usbdev(intf);
	}
	return 0;
}

static void uob_sb_device_removal_detaches(struct kunit *test)
{
	struct uob_sb_rig *rig = uob_sb_rig(test, UOB_KUNIT_BEHIND_HUB, true, uob_sb_notify);
	struct usb_host_endpoint *ep = uob_sb_stream_ep(test, rig);
	struct usb_device *hub = uob_kunit_get_usb(test, UOB_KUNIT_EXT_HUB);
	unsigned int idx = xhci_get_endpoint_index(&ep->desc);
	struct usb_device *back;
	int id, ret;

	memset(&uob_sb_notified, 0, sizeof(uob_sb_notified));
	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_add_endpoint(rig->sb, ep));
	KUNIT_ASSERT_EQ(test, 0, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	id = xhci_sideband_interrupter_id(rig->sb);

	usb_lock_device(hub);
	ret = usb_set_configuration(hub, -1);
	usb_unlock_device(hub);
	KUNIT_EXPECT_EQ(test, 0, ret);
	rig->alt_set = false;	/* the interface is gone */

	KUNIT_EXPECT_EQ(test, USB_STATE_NOTATTACHED, rig->udev->state);
	KUNIT_EXPECT_EQ(test, 1U, uob_sb_notified.calls);
	KUNIT_EXPECT_EQ(test, idx, uob_sb_notified.ep_index);
	KUNIT_EXPECT_PTR_EQ(test, rig->intf, uob_sb_notified.intf);
	/* the interface the client was handed is still valid, and its own */
	KUNIT_EXPECT_PTR_EQ(test, rig->udev, uob_sb_notified.udev);
	KUNIT_EXPECT_PTR_EQ(test, rig->udev, interface_to_usbdev(rig->intf));
	KUNIT_EXPECT_NULL(test, rig->sb->vdev);
	KUNIT_EXPECT_EQ(test, -ENODEV, xhci_sideband_add_endpoint(rig->sb, ep));
	KUNIT_EXPECT_NULL(test, xhci_sideband_get_endpoint_buffer(rig->sb, ep));
	KUNIT_EXPECT_EQ(test, -ENODEV, xhci_sideband_create_interrupter(rig->sb, 1, false, 0, 0));
	/* the interrupter is the controller's: still there until unregister */
	KUNIT_EXPECT_EQ(test, id, xhci_sideband_interrupter_id(rig->sb));
	xhci_sideband_unregister(rig->sb);
	rig->sb = NULL;
	KUNIT_EXPECT_NULL(test, rig->xhci->interrupters[id]);

	usb_lock_device(hub);
	ret = usb_set_configuration(hub, 1);
	usb_unlock_device(hub);
	usb_put_dev(hub);
	KUNIT_ASSERT_EQ(test, 0, ret);
	back = uob_kunit_get_usb(test, UOB_KUNIT_BEHIND_HUB);
	usb_put_dev(back);
}

static struct kunit_case uob_sideband_cases[] = {
	KUNIT_CASE(uob_sb_register_once_per_device),
	KUNIT_CASE(uob_sb_interrupter_programs_controller),
	KUNIT_CASE(uob_sb_second_interrupter_is_ebusy),
	KUNIT_CASE(uob_sb_interrupter_slot_reusable),
	KUNIT_CASE(uob_sb_intr_num_honoured_or_refused),
	KUNIT_CASE_PARAM(uob_sb_controller_reinit_frees_interrupter, uob_sb_reinit_gen_params),
	KUNIT_CASE(uob_sb_interrupter_left_to_removed_host),
	KUNIT_CASE(uob_sb_host_removing_is_xhci_state),
	KUNIT_CASE(uob_sb_endpoint_buffer_is_tr_dequeue),
	KUNIT_CASE(uob_sb_remove_endpoint_gives_it_back),
	KUNIT_CASE(uob_sb_endpoint_without_ring_is_einval),
	KUNIT_CASE(uob_sb_interrupter_leaves_usage_alone),
	KUNIT_CASE(uob_sb_check_follows_offload_usage),
	KUNIT_CASE(uob_sb_teardown_under_udev_lock_is_bounded),
	KUNIT_CASE_SLOW(uob_sb_device_removal_detaches),
	{}
};

static struct kunit_suite uob_sideband_suite = {
	.name = "xhci_sideband",
	.test_cases = uob_sideband_cases,
};

kunit_test_suite(uob_sideband_suite);
