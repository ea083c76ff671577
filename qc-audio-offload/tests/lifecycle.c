// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": every way a stream ends: unbinds, a reset,
 * system sleep, a refused usage put.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/pm_runtime.h>
#include <linux/suspend.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>

#include <uob_xhci_compat.h>

#include <uob/kunit_xhci.h>
#include <uob/usb_offload.h>
#include <uob/xhci-sideband.h>

#include "../../usb-offload/offload_state.h"	/* its at-suspend marker */
#include "../device.h"
#include "../dsp_mem.h"
#include "../kept.h"
#include "../qc_audio_offload.h"
#include "../qmi_svc.h"
#include "../qmi_transport.h"
#include "../stream.h"
#include "../usage.h"
#include "qc_kunit.h"

/*
 * Bind snd-usb-audio again after an unbind: first release the interfaces
 * the old (shut down) chip still claims, as a full unbind would, so the new
 * probe gets them all; then wait for the new card.
 */
static void uob_qc_rebind(struct kunit *test, struct uob_qc_rig *r, struct usb_driver *drv)
{
	struct usb_interface *ctrl = usb_ifnum_to_if(r->udev, 0);
	int ret, i;

	usb_lock_device(r->udev);
	for (i = 0; i < r->udev->actconfig->desc.bNumInterfaces; i++) {
		struct usb_interface *intf = r->udev->actconfig->interface[i];

		if (intf->dev.driver == &drv->driver)
			usb_driver_release_interface(drv, intf);
	}
	ret = device_attach(&ctrl->dev);
	usb_unlock_device(r->udev);
	KUNIT_EXPECT_GE(test, ret, 0);
	KUNIT_EXPECT_GE(test, uob_qc_card_of(test, r->udev), 0);
}

/*
 * The order a stream ends in (stream.c): nothing the DSP was given is
 * unmapped -- the rings, the transfer buffer, the event ring (unmapped just
 * before the interrupter is removed) -- while usbcore still has the
 * stream's isochronous endpoint enabled, i.e. before the controller has
 * stopped and dropped it.  A stub on uob_qc_dsp_unmap() looks at usbcore's
 * endpoint table at every unmap of the case's thread.
 */
static struct {
	struct usb_device *udev;
	u8 ep;				/* the data endpoint's address */
	unsigned int unmaps;
} uob_qc_order;

static void uob_qc_unmap_watched(struct uob_qc_map *m)
{
	struct kunit *test = kunit_get_current_test();
	struct usb_device *udev = uob_qc_order.udev;
	unsigned int n = uob_qc_order.ep & USB_ENDPOINT_NUMBER_MASK;
	struct usb_host_endpoint *ep;

	if (m->size) {
		ep = uob_qc_order.ep & USB_DIR_IN ? udev->ep_in[n] : udev->ep_out[n];
		KUNIT_EXPECT_TRUE_MSG(test, !ep || !usb_endpoint_xfer_isoc(&ep->desc),
				      "DSP region %d unmapped while endpoint %02x is enabled",
				      m->type, uob_qc_order.ep);
		uob_qc_order.unmaps++;
	}
	__uob_qc_dsp_unmap(m);
}

static void uob_qc_watch_unmaps(struct kunit *test, struct uob_qc_rig *r,
				const struct uob_uaudio_resp *resp)
{
	uob_qc_order.udev = r->udev;
	uob_qc_order.ep = resp->std_as_data_ep_desc.bEndpointAddress;
	uob_qc_order.unmaps = 0;
	kunit_activate_static_stub(test, uob_qc_dsp_unmap, uob_qc_unmap_watched);
}

/* the stub saw the data ring, the transfer buffer and the event ring go */
static void uob_qc_expect_unmaps_seen(struct kunit *test)
{
	kunit_deactivate_static_stub(test, uob_qc_dsp_unmap);
	KUNIT_EXPECT_GE_MSG(test, uob_qc_order.unmaps, 3U,
			    "the teardown did not run in the case's thread");
}

/*
 * The real-world trigger: the interface driver is unbound while the device
 * stays attached (usb_forced_unbind_intf / usbfs release / reset), so the
 * disconnect runs with the udev lock held by the USB core.
 */
void uob_qc_forced_unbind_while_streaming(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct usb_interface *ctrl;
	struct usb_driver *drv;
	ktime_t t0;
	s64 ms;

	uob_qc_enable_ok(test, r, &resp);
	uob_qc_watch_unmaps(test, r, &resp);
	ctrl = usb_ifnum_to_if(r->udev, 0);
	KUNIT_ASSERT_NOT_NULL(test, ctrl);
	reinit_completion(&r->cli->ind);

	/* what usbfs USBDEVFS_DISCONNECT does: release under the udev lock */
	t0 = ktime_get();
	usb_lock_device(r->udev);
	drv = ctrl->dev.driver ? to_usb_driver(ctrl->dev.driver) : NULL;
	if (drv)
		usb_driver_release_interface(drv, ctrl);
	usb_unlock_device(r->udev);
	ms = ktime_ms_delta(ktime_get(), t0);
	uob_qc_expect_unmaps_seen(test);
	KUNIT_ASSERT_NOT_NULL(test, drv);

	KUNIT_EXPECT_LT_MSG(test, ms, 1000LL, "teardown took %lld ms", ms);
	KUNIT_EXPECT_NE(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ));
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_DEV_DISCONNECT, r->cli->last_ind.dev_event);
	KUNIT_EXPECT_EQ(test, (u32)r->udev->slot_id, r->cli->last_ind.slot_id);
	/* mainline's DISCONNECT: dev_event, slot_id, controller_num; no token */
	KUNIT_EXPECT_FALSE(test, r->cli->last_ind.usb_token_valid);
	KUNIT_EXPECT_TRUE(test, r->cli->last_ind.controller_num_valid);
	KUNIT_EXPECT_EQ(test, 0, r->cli->last_ind.controller_num);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.streams));
	KUNIT_EXPECT_EQ(test, 0, (int)uob_qc_dsp_in_use());

	uob_qc_rebind(test, r, drv);
}

/*
 * The unbind of the case below, run by the static stub at the point where
 * an enable has dropped the udev lock and not yet returned.
 */
static struct {
	struct kunit *test;
	struct usb_driver *drv;
} uob_qc_gap;

static void uob_qc_unbind_in_gap(struct usb_device *udev)
{
	struct usb_interface *ctrl = usb_ifnum_to_if(udev, 0);

	kunit_deactivate_static_stub(uob_qc_gap.test, uob_qc_req_unlocked);
	usb_lock_device(udev);
	uob_qc_gap.drv = ctrl && ctrl->dev.driver ? to_usb_driver(ctrl->dev.driver) : NULL;
	if (uob_qc_gap.drv)
		usb_driver_release_interface(uob_qc_gap.drv, ctrl);
	usb_unlock_device(udev);
}

/*
 * An unbind (as a reset or usbfs release does it) right after an enable
 * dropped the udev lock: the client must see the enable's answer first
 * and the stream's DISCONNECT after it, never SUCCESS for a stream whose
 * memory is already gone.  The answer goes to a transaction without a
 * destination, so the client logs where it arrived among the indications.
 */
void uob_qc_answer_before_disconnect(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_req req;
	struct qmi_txn txn;

	uob_qc_gap.test = test;
	uob_qc_gap.drv = NULL;
	reinit_completion(&r->cli->ind);
	r->cli->ind_seq = 0;
	r->cli->resp_seq = 0;
	uob_qc_req_enable(&req, r->card, 0);
	KUNIT_ASSERT_EQ(test, 0, qmi_txn_init(&r->cli->qmi, &txn, NULL, NULL));
	kunit_activate_static_stub(test, uob_qc_req_unlocked, uob_qc_unbind_in_gap);
	uob_qc_serve(&r->cli->addr, txn.id, &req);

	KUNIT_EXPECT_EQ_MSG(test, 0, qmi_txn_wait(&txn, UOB_QC_WAIT), "no answer");
	KUNIT_EXPECT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ),
			    "no DISCONNECT");
	KUNIT_ASSERT_NOT_NULL_MSG(test, uob_qc_gap.drv, "no unbind ran in the gap");
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_SUCCESS, r->cli->last_resp.status);
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_DEV_DISCONNECT, r->cli->last_ind.dev_event);
	KUNIT_EXPECT_LT_MSG(test, r->cli->resp_seq, r->cli->ind_seq,
			    "the client got the DISCONNECT (message %d) before the enable's answer (message %d)",
			    r->cli->ind_seq, r->cli->resp_seq);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.streams));
	KUNIT_EXPECT_EQ(test, 0, (int)uob_qc_dsp_in_use());

	uob_qc_rebind(test, r, uob_qc_gap.drv);
}

void uob_qc_reset_while_streaming(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	ktime_t t0;
	s64 ms;
	int ret;

	uob_qc_enable_ok(test, r, &resp);
	uob_qc_watch_unmaps(test, r, &resp);
	reinit_completion(&r->cli->ind);

	t0 = ktime_get();
	usb_lock_device(r->udev);
	ret = usb_reset_device(r->udev);	/* unbinds snd-usb-audio under our lock */
	usb_unlock_device(r->udev);
	ms = ktime_ms_delta(ktime_get(), t0);
	uob_qc_expect_unmaps_seen(test);

	KUNIT_EXPECT_EQ(test, 0, ret);
	KUNIT_EXPECT_LT_MSG(test, ms, 1000LL, "reset with teardown took %lld ms", ms);
	KUNIT_EXPECT_NE(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ));
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_DEV_DISCONNECT, r->cli->last_ind.dev_event);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.streams));
	KUNIT_EXPECT_GE(test, uob_qc_card_of(test, r->udev), 0);
}

/* The streaming interface whose altsetting the stream selected. */
static struct usb_interface *uob_qc_stream_intf(struct usb_device *udev)
{
	struct usb_host_interface *alt = uob_qc_active_as(udev);

	return alt ? usb_ifnum_to_if(udev, alt->desc.bInterfaceNumber) : NULL;
}

/*
 * Unbinding the streaming interface (sysfs unbind, usbfs release of that
 * interface): snd-usb-audio's disconnect returns early for the interfaces
 * it claimed, so ALSA does not hear of it.  The stream must still be
 * torn down and the DSP told, before the driver core resets the altsetting
 * and xhci-hcd drops the ring the DSP was given.
 */
void uob_qc_streaming_intf_unbind_while_streaming(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct usb_interface *as;
	struct usb_driver *drv;
	ktime_t t0;
	s64 ms;

	uob_qc_enable_ok(test, r, &resp);
	uob_qc_watch_unmaps(test, r, &resp);
	as = uob_qc_stream_intf(r->udev);
	KUNIT_ASSERT_NOT_NULL(test, as);
	KUNIT_ASSERT_NOT_NULL(test, as->dev.driver);
	drv = to_usb_driver(as->dev.driver);
	reinit_completion(&r->cli->ind);

	t0 = ktime_get();
	usb_lock_device(r->udev);
	usb_driver_release_interface(drv, as);
	usb_unlock_device(r->udev);
	ms = ktime_ms_delta(ktime_get(), t0);
	uob_qc_expect_unmaps_seen(test);

	KUNIT_EXPECT_LT_MSG(test, ms, 1000LL, "teardown took %lld ms", ms);
	KUNIT_EXPECT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ),
			    "no indication after the streaming interface was unbound");
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_DEV_DISCONNECT, r->cli->last_ind.dev_event);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.streams));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_devs));
	KUNIT_EXPECT_EQ(test, 0, (int)uob_qc_dsp_in_use());
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.xfer_bufs));
	KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));

	uob_qc_rebind(test, r, drv);
}

/*
 * A request's answer: resp.result SUCCESS and the token echoed, as every
 * well-formed request gets; status agrees with internal_status, which is
 * returned.
 */
static int uob_qc_status_of(struct kunit *test, struct uob_qc_rig *r,
			    const struct uob_uaudio_req *req)
{
	struct uob_uaudio_resp resp;

	KUNIT_EXPECT_EQ(test, 0, uob_cli_req(r->cli, req, &resp));
	KUNIT_EXPECT_EQ(test, QMI_RESULT_SUCCESS_V01, resp.resp.result);
	KUNIT_EXPECT_TRUE(test, resp.usb_token_valid);
	KUNIT_EXPECT_EQ(test, req->usb_token, resp.usb_token);
	KUNIT_EXPECT_EQ(test, (u32)(resp.internal_status ? UOB_UAUDIO_FAILURE : UOB_UAUDIO_SUCCESS),
			resp.status);
	return (int)resp.internal_status;
}

/* a disable of the rig's stream, and of a token never enabled (no capture there) */
static void uob_qc_disables(struct uob_qc_rig *r, struct uob_uaudio_req *dis,
			    struct uob_uaudio_req *never)
{
	uob_qc_req_disable(dis, r->card);
	uob_qc_req_disable(never, r->card);
	never->usb_token = UOB_TOKEN(r->card, 0, 1);
}

/*
 * The DSP's disable right after the DISCONNECT of a forced unbind (usbfs,
 * a reset): mainline's disconnect waits for that disable, the card still
 * there, and answers SUCCESS.  Ours has torn the stream down and the card
 * is gone; it answers SUCCESS all the same, from what it remembers of the
 * stream, and touches nothing.  Once: the next disable is one of nothing
 * again; and a token never enabled gets the answer it always got.
 */
void uob_qc_disable_after_unbind_disconnect(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_req dis, never;
	struct uob_uaudio_resp resp;
	struct usb_driver *drv = NULL;
	struct usb_interface *ctrl;
	struct uob_qc_snap snap;
	int never_before;

	uob_qc_disables(r, &dis, &never);
	never_before = uob_qc_status_of(test, r, &never);
	KUNIT_EXPECT_EQ(test, -ENODEV, never_before);
	uob_qc_snap(r, &snap);
	uob_qc_enable_ok(test, r, &resp);
	ctrl = usb_ifnum_to_if(r->udev, 0);
	KUNIT_ASSERT_NOT_NULL(test, ctrl);
	reinit_completion(&r->cli->ind);

	usb_lock_device(r->udev);
	if (ctrl->dev.driver) {
		drv = to_usb_driver(ctrl->dev.driver);
		usb_driver_release_interface(drv, ctrl);
	}
	usb_unlock_device(r->udev);
	KUNIT_ASSERT_NOT_NULL(test, drv);
	KUNIT_EXPECT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ),
			    "no DISCONNECT");
	uob_qc_expect_same(test, r, &snap);

	KUNIT_EXPECT_EQ(test, never_before, uob_qc_status_of(test, r, &never));
	KUNIT_EXPECT_EQ_MSG(test, 0, uob_qc_status_of(test, r, &dis),
			    "the DSP's disable after DISCONNECT is not answered as mainline answers it");
	uob_qc_expect_same(test, r, &snap);
	KUNIT_EXPECT_EQ(test, -ENODEV, uob_qc_status_of(test, r, &dis));
	KUNIT_EXPECT_EQ(test, never_before, uob_qc_status_of(test, r, &never));

	uob_qc_rebind(test, r, drv);
}

static bool uob_qc_sleep_queued;

static void uob_qc_sleep_queue_here(void)
{
	uob_qc_sleep_queued = true;
}

/*
 * System sleep with a stream: the DSP is told and everything is given back
 * before any device suspends; no enable gets through until the resume is
 * done; afterwards a session works.  (The PM notifier and the stop it
 * queues -- run here in the case's thread, as the freezer waits for it --
 * driven without sleeping; make e2e sleeps the guest for real.)
 */
void uob_qc_sleep_stops_streams(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_watch_unmaps(test, r, &resp);
	reinit_completion(&r->cli->ind);

	uob_qc_sleep_queued = false;
	kunit_activate_static_stub(test, uob_qc_sleep_queue, uob_qc_sleep_queue_here);
	uob_qc_pm_event(PM_SUSPEND_PREPARE);
	kunit_deactivate_static_stub(test, uob_qc_sleep_queue);
	/* the notifier only queues the stop (see qc_audio_offload.c) */
	KUNIT_EXPECT_TRUE(test, uob_qc_sleep_queued);
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&uob_qc_counters.streams));
	uob_qc_sleep_stop();
	uob_qc_expect_unmaps_seen(test);
	KUNIT_EXPECT_NE(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ));
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_DEV_DISCONNECT, r->cli->last_ind.dev_event);
	uob_qc_expect_same(test, r, &snap);
	KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));

	/* a request racing the sleep: refused, nothing taken */
	uob_qc_req_enable(&req, r->card, 0);
	KUNIT_EXPECT_EQ(test, 0, uob_cli_req(r->cli, &req, &resp));
	KUNIT_EXPECT_NE(test, (u32)UOB_UAUDIO_SUCCESS, resp.status);
	uob_qc_expect_same(test, r, &snap);

	uob_qc_pm_event(PM_POST_SUSPEND);
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_disable_ok(test, r);
	uob_qc_expect_same(test, r, &snap);
}

/*
 * A stream, then system sleep up to the stop it queues (see
 * uob_qc_sleep_stops_streams()): the DSP has been told.  The sleep window
 * is left open.
 */
static void uob_qc_sleep_with_stream(struct kunit *test, struct uob_qc_rig *r)
{
	struct uob_uaudio_resp resp;

	uob_qc_enable_ok(test, r, &resp);
	reinit_completion(&r->cli->ind);
	kunit_activate_static_stub(test, uob_qc_sleep_queue, uob_qc_sleep_queue_here);
	uob_qc_pm_event(PM_SUSPEND_PREPARE);
	kunit_deactivate_static_stub(test, uob_qc_sleep_queue);
	uob_qc_sleep_stop();
	KUNIT_EXPECT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ),
			    "no DISCONNECT");
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.streams));
}

/*
 * The DSP's disable right after the DISCONNECT of system sleep: mainline's
 * suspend waits for it and answers SUCCESS.  Ours answers it SUCCESS too,
 * inside the sleep window where every other request is refused (-EBUSY),
 * once.  What it remembers goes with that disable, with a new enable of the
 * token (whose disable must then stop the new stream) and with the client.
 */
void uob_qc_disable_after_sleep_disconnect(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_req dis, never;
	struct uob_uaudio_resp resp;
	struct uob_qc_snap snap;

	uob_qc_disables(r, &dis, &never);
	uob_qc_snap(r, &snap);

	uob_qc_sleep_with_stream(test, r);
	KUNIT_EXPECT_EQ(test, -EBUSY, uob_qc_status_of(test, r, &never));
	KUNIT_EXPECT_EQ_MSG(test, 0, uob_qc_status_of(test, r, &dis),
			    "the DSP's disable after the sleep's DISCONNECT is refused");
	KUNIT_EXPECT_EQ(test, -EBUSY, uob_qc_status_of(test, r, &dis));
	uob_qc_pm_event(PM_POST_SUSPEND);
	KUNIT_EXPECT_EQ(test, -EINVAL, uob_qc_status_of(test, r, &dis));
	uob_qc_expect_same(test, r, &snap);

	/* a new enable of the token: the disable is the new stream's */
	uob_qc_sleep_with_stream(test, r);
	uob_qc_pm_event(PM_POST_SUSPEND);
	uob_qc_enable_ok(test, r, &resp);
	KUNIT_EXPECT_EQ(test, 0, uob_qc_status_of(test, r, &dis));
	uob_qc_expect_same(test, r, &snap);
	KUNIT_EXPECT_EQ(test, -EINVAL, uob_qc_status_of(test, r, &dis));

	/* the client leaves (what the QMI core calls on its DEL_CLIENT) */
	uob_qc_sleep_with_stream(test, r);
	uob_qc_pm_event(PM_POST_SUSPEND);
	uob_qc_svc_ops.del_client(NULL, r->cli->addr.sq_node, r->cli->addr.sq_port);
	KUNIT_EXPECT_EQ(test, -EINVAL, uob_qc_status_of(test, r, &dis));
	uob_qc_expect_same(test, r, &snap);
}

/*
 * A put refused inside the at-suspend window (usb-offload marks devices
 * with usage when the system goes to sleep) must not lose the reference:
 * it is kept and put once the device can take it.  The window is opened
 * with usb-offload's own marker (both backends; built-in test only).
 */
void uob_qc_refused_put_is_kept(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;

	uob_qc_enable_ok(test, r, &resp);
	KUNIT_ASSERT_EQ(test, 1, uob_kunit_offload_usage(r->udev));

	usb_lock_device(r->udev);
	uob_state_mark_sleep(r->udev, true);
	usb_unlock_device(r->udev);

	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.streams));
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&uob_qc_pending_puts));
	KUNIT_EXPECT_EQ(test, 1, uob_kunit_offload_usage(r->udev));

	usb_lock_device(r->udev);
	uob_state_mark_sleep(r->udev, false);
	usb_unlock_device(r->udev);
	uob_qc_pm_event(PM_POST_SUSPEND);

	KUNIT_EXPECT_TRUE_MSG(test, uob_qc_wait_count(&uob_qc_pending_puts, 0, 2000),
			      "refused put still pending after the window closed");
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
}

/*
 * A stream that ends while its controller is being removed: xhci-hcd
 * refuses the endpoint drop once its remove() has begun
 * (XHCI_STATE_REMOVING) and runs the DSP's TRBs until it halts, so the
 * transfer buffer is not freed by the teardown, and the interrupter (its
 * event ring) is left to xhci-hcd.  The root hub stays registered all
 * along: with a USB 3 (shared) HCD, remove() removes that one first, and a
 * USB 2 device unplugged or unbound meanwhile ends its stream with the
 * primary root hub registered.  The stream parks (the drop was refused),
 * usbcore then clears its endpoint table as usb_disable_device() does,
 * and the device's deletion releases it.  On this rig the sysdev is the
 * PCI controller itself: its devres frees the buffer after remove().
 * Where the sysdev is another device (dwc3's glue), the buffer waits on a
 * list for the controller's unbind: checked with a stand-in controller.
 */
void uob_qc_stream_end_during_controller_removal(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct usb_hcd *hcd = bus_to_hcd(r->udev->bus);
	struct device *sysdev = r->udev->bus->sysdev;
	struct device *other = &r->udev->dev;	/* a controller that is not the sysdev */
	struct xhci_interrupter *ir;
	struct usb_host_interface *as;
	struct uob_uaudio_resp resp;
	int kept0, total0, total;
	dma_addr_t dma;
	unsigned int i;
	void *buf;

	kept0 = uob_qc_kept_count(&total0);
	uob_qc_enable_ok(test, r, &resp);
	KUNIT_ASSERT_GE(test, resp.interrupter_num, 1);
	ir = r->xhci->interrupters[resp.interrupter_num];
	KUNIT_ASSERT_NOT_NULL(test, ir);
	as = uob_qc_active_as(r->udev);
	KUNIT_ASSERT_NOT_NULL(test, as);

	uob_kunit_xhci_removing(test, r->xhci);
	KUNIT_EXPECT_TRUE(test, hcd->rh_registered);
	uob_qc_disable_ok(test, r);
	/* the drop was refused: parked, nothing the endpoint reaches given back */
	KUNIT_EXPECT_PTR_EQ(test, as, uob_qc_active_as(r->udev));
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&uob_qc_counters.streams));
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&uob_qc_counters.xfer_bufs));

	/*
	 * usb_disable_device()'s second pass, under the udev lock: usbcore
	 * forgets the endpoints xhci-hcd did not drop; then the device's
	 * deletion (BUS_NOTIFY_DEL_DEVICE) releases the parked stream.
	 */
	usb_lock_device(r->udev);
	for (i = 0; i < as->desc.bNumEndpoints; i++) {
		const struct usb_endpoint_descriptor *d = &as->endpoint[i].desc;

		if (usb_endpoint_dir_in(d))
			r->udev->ep_in[usb_endpoint_num(d)] = NULL;
		else
			r->udev->ep_out[usb_endpoint_num(d)] = NULL;
	}
	KUNIT_EXPECT_EQ(test, 1U, uob_qc_release_parked(r->udev, false));
	usb_unlock_device(r->udev);
	KUNIT_EXPECT_TRUE(test, hcd->rh_registered);

	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.streams));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.xfer_bufs));
	KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
	/* left to the controller's own devres: nothing on our list */
	KUNIT_EXPECT_EQ(test, kept0, uob_qc_kept_count(&total));
	KUNIT_EXPECT_EQ(test, total0 + 1, total);
	KUNIT_EXPECT_PTR_EQ(test, ir, r->xhci->interrupters[resp.interrupter_num]);
	/* the controller goes on: the drop now works; xhci_mem_cleanup()'s part */
	uob_kunit_xhci_removing_end(test, r->xhci);
	KUNIT_EXPECT_EQ(test, 0, usb_set_interface(r->udev, as->desc.bInterfaceNumber, 0));
	if (r->xhci->interrupters[resp.interrupter_num] == ir)
		xhci_remove_secondary_interrupter(hcd, ir);

	/* a controller that is not the sysdev: kept until it unbinds */
	buf = dmam_alloc_coherent(sysdev, PAGE_SIZE, &dma, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	uob_qc_kept_add(other, sysdev, buf, dma, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, kept0 + 1, uob_qc_kept_count(&total));
	/* not another device's unbind, nor the controller's bind */
	uob_qc_kept_notify(NULL, BUS_NOTIFY_UNBOUND_DRIVER, sysdev);
	uob_qc_kept_notify(NULL, BUS_NOTIFY_BOUND_DRIVER, other);
	KUNIT_EXPECT_EQ(test, kept0 + 1, uob_qc_kept_count(&total));
	/* the controller's driver unbound (it halted): the buffer goes */
	KUNIT_EXPECT_EQ(test, NOTIFY_OK,
			uob_qc_kept_notify(NULL, BUS_NOTIFY_UNBOUND_DRIVER, other));
	KUNIT_EXPECT_EQ(test, kept0, uob_qc_kept_count(&total));
}

/* The service as a new load brings it up, for the cases after this one. */
static void uob_qc_service_up_again(void *data)
{
	struct kunit *test = data;
	int ret;

	uob_qc_set_sleeping(false);
	ret = uob_qc_qmi_start(&uob_qc_svc_ops);
	if (ret)
		kunit_err(test, "the service did not come up again: %d\n", ret);
}

/*
 * Module unload with a stream (uob_qc_shutdown(), the first thing
 * uob_qc_exit() does): the DSP is told (DISCONNECT) before the service goes
 * away, and everything is given back.  The service is then started again,
 * as a new load would, and the client finds it and streams.
 */
void uob_qc_unload_tells_the_dsp(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	uob_qc_enable_ok(test, r, &resp);
	reinit_completion(&r->cli->ind);
	reinit_completion(&r->cli->found);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_qc_service_up_again, test));

	uob_qc_shutdown();
	KUNIT_EXPECT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ),
			    "the service went away without a DISCONNECT indication");
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_DEV_DISCONNECT, r->cli->last_ind.dev_event);
	KUNIT_EXPECT_EQ(test, (u32)r->udev->slot_id, r->cli->last_ind.slot_id);
	uob_qc_expect_same(test, r, &snap);
	KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));

	kunit_release_action(test, uob_qc_service_up_again, test);
	KUNIT_ASSERT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r->cli->found, UOB_QC_WAIT),
			    "the service is not found again");
	/* the unloaded service's DISCONNECT is not answered by the new one */
	uob_qc_req_disable(&req, r->card);
	uob_qc_expect_fail(test, r, &req, -EINVAL);
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_disable_ok(test, r);
	uob_qc_expect_same(test, r, &snap);
}

/*
 * The device's share kept idle after its last stream (device.c).  The
 * suite runs with idle_ms=0 (suite.c); these cases set it and put it back.
 */
static void uob_qc_no_linger(void *unused)
{
	WRITE_ONCE(uob_qc_idle_ms, 0);
	uob_qc_dev_release_all_idle();
}

static void uob_qc_linger(struct kunit *test, unsigned int ms)
{
	WRITE_ONCE(uob_qc_idle_ms, ms);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_qc_no_linger, NULL));
}

/*
 * What is held while nothing streams and the share is idle: the usage,
 * the device, its interrupter, the event ring's mapping and the last
 * stream's transfer buffer (mapped: the share's spare) of @held (a
 * snapshot with one stream), the streams of @none, and one runtime-PM
 * reference on the device more than @none (device.c: the device, hence
 * its controller, must not runtime-suspend meanwhile).  Every way the
 * share ends puts that back: uob_qc_expect_same() compares the count too.
 */
static void uob_qc_expect_idle(struct kunit *test, struct uob_qc_rig *r,
			       const struct uob_qc_snap *none, const struct uob_qc_snap *held)
{
	struct uob_qc_snap now;

	uob_qc_snap(r, &now);
	KUNIT_EXPECT_EQ_MSG(test, held->usage, now.usage, "usage not kept while idle");
	KUNIT_EXPECT_EQ_MSG(test, none->rpm + 1, now.rpm,
			    "no runtime-PM reference on the device while its share is idle");
	KUNIT_EXPECT_TRUE_MSG(test, pm_runtime_active(&r->udev->dev),
			      "device not runtime-active while its share is idle");
	KUNIT_EXPECT_EQ(test, held->devs, now.devs);
	KUNIT_EXPECT_EQ(test, held->interrupters, now.interrupters);
	/* the event ring and the spare transfer buffer */
	KUNIT_EXPECT_EQ(test, none->mappings + 2, now.mappings);
	KUNIT_EXPECT_EQ(test, none->streams, now.streams);
	KUNIT_EXPECT_EQ(test, none->xfer_bufs + 1, now.xfer_bufs);
}

/* uob_qc_xfer_alloc(), counted */
static atomic_t uob_qc_xfer_allocs;

static void *uob_qc_counted_xfer_alloc(struct usb_device *udev, size_t size, dma_addr_t *dma)
{
	atomic_inc(&uob_qc_xfer_allocs);
	return dmam_alloc_coherent(udev->bus->sysdev, PAGE_ALIGN(size), dma, GFP_KERNEL);
}

/* the transfer buffer of the rig's (playback) stream */
static u8 *uob_qc_xfer_of(struct kunit *test, struct uob_qc_rig *r)
{
	struct uob_qc_stream *s = uob_qc_find_stream(UOB_TOKEN(r->card, 0, 0));

	KUNIT_ASSERT_NOT_NULL(test, s);
	return s->xfer_buf;
}

/*
 * Enable, disable, enable: the second enable gets the same interrupter and
 * event ring, the usage stays 1 in between; the same transfer buffer too,
 * not allocated again, cleared; an enable asking for another size gets a
 * new one, and the spare goes.  After the last disable the usage drops to
 * exactly where it was once the idle time is up, and not before.
 */
void uob_qc_idle_share_reused(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_qc_snap none, held;
	struct uob_uaudio_resp a, b;
	struct uob_uaudio_req req;
	u8 *buf;

	/* long enough for a slow run: the share must still be there */
	uob_qc_linger(test, 60000);
	atomic_set(&uob_qc_xfer_allocs, 0);
	kunit_activate_static_stub(test, uob_qc_xfer_alloc, uob_qc_counted_xfer_alloc);
	uob_qc_snap(r, &none);
	uob_qc_enable_ok(test, r, &a);
	uob_qc_snap(r, &held);
	KUNIT_EXPECT_EQ(test, none.usage + 1, held.usage);
	/* what the last stream's audio left in it */
	memset(uob_qc_xfer_of(test, r), 0x5a, a.xhci_mem_info.xfer_buff.size);
	uob_qc_disable_ok(test, r);
	uob_qc_expect_idle(test, r, &none, &held);

	/* in this thread: the allocation's stub counts only here */
	uob_qc_enable_here(test, r, &b);
	KUNIT_EXPECT_EQ(test, a.interrupter_num, b.interrupter_num);
	KUNIT_EXPECT_EQ(test, a.xhci_mem_info.evt_ring.iova, b.xhci_mem_info.evt_ring.iova);
	KUNIT_EXPECT_EQ(test, a.xhci_mem_info.evt_ring.dma, b.xhci_mem_info.evt_ring.dma);
	KUNIT_EXPECT_EQ(test, a.xhci_mem_info.xfer_buff.iova, b.xhci_mem_info.xfer_buff.iova);
	KUNIT_EXPECT_EQ(test, a.xhci_mem_info.xfer_buff.dma, b.xhci_mem_info.xfer_buff.dma);
	KUNIT_EXPECT_EQ_MSG(test, 0, atomic_read(&uob_qc_xfer_allocs),
			    "the idle share's transfer buffer was not reused");
	buf = uob_qc_xfer_of(test, r);
	KUNIT_EXPECT_NULL_MSG(test, memchr_inv(buf, 0, b.xhci_mem_info.xfer_buff.size),
			      "a reused transfer buffer still holds the last stream's audio");
	uob_qc_expect_same(test, r, &held);
	uob_qc_disable_ok(test, r);

	/* another size: a new buffer, the spare given back, one held */
	uob_qc_req_enable(&req, r->card, 0);
	req.xfer_buff_size = a.xhci_mem_info.xfer_buff.size + PAGE_SIZE;
	KUNIT_ASSERT_EQ(test, 0, uob_qc_call(r, &req, &b));
	KUNIT_EXPECT_EQ(test, req.xfer_buff_size, b.xhci_mem_info.xfer_buff.size);
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&uob_qc_xfer_allocs));
	uob_qc_expect_same(test, r, &held);
	WRITE_ONCE(uob_qc_idle_ms, 1000);
	uob_qc_disable_ok(test, r);
	uob_qc_expect_idle(test, r, &none, &held);

	KUNIT_EXPECT_TRUE_MSG(test, uob_qc_wait_count(&uob_qc_devs, none.devs, 5000),
			      "idle share not given back after its time");
	uob_qc_expect_same(test, r, &none);
}

/*
 * A share idle for 60 s, given back early (as an unplug would), leaves the
 * idle work due in 60 s: the next share, idle for 300 ms, must not wait
 * for it.
 */
void uob_qc_idle_short_after_long(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_qc_snap none;

	uob_qc_linger(test, 60000);
	uob_qc_snap(r, &none);
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, none.devs + 1, atomic_read(&uob_qc_devs));
	uob_qc_dev_release_all_idle();
	uob_qc_expect_same(test, r, &none);

	WRITE_ONCE(uob_qc_idle_ms, 300);
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, none.devs + 1, atomic_read(&uob_qc_devs));
	KUNIT_EXPECT_TRUE_MSG(test, uob_qc_wait_count(&uob_qc_devs, none.devs, 3000),
			      "a 300 ms idle share waited for the work of a 60 s one");
	uob_qc_expect_same(test, r, &none);
}

/*
 * A share is kept idle only on a runtime-active device, whose reference
 * device.c takes without a resume: with the device's runtime PM disabled
 * (not "active" for pm_runtime_get_if_active()), the last disable gives
 * the share back at once, and takes no reference.
 */
void uob_qc_idle_needs_active_device(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_qc_snap none;

	uob_qc_linger(test, 60000);
	uob_qc_snap(r, &none);
	uob_qc_enable_ok(test, r, &resp);
	pm_runtime_disable(&r->udev->dev);
	uob_qc_disable_ok(test, r);
	pm_runtime_enable(&r->udev->dev);
	KUNIT_EXPECT_EQ_MSG(test, none.devs, atomic_read(&uob_qc_devs),
			    "a share kept idle on a device that is not runtime-active");
	uob_qc_expect_same(test, r, &none);
}

/*
 * The order an idle share goes in, as a last stream's: by the time the
 * sideband is unregistered the event ring is unmapped, the interrupter
 * removed and the usage put.  A stub on the unregistration (the case's
 * thread only) looks.
 */
static struct {
	struct uob_qc_rig *r;
	struct uob_qc_snap none;
	unsigned int seen;
} uob_qc_idle_order;

static void uob_qc_sb_unregister_watched(struct xhci_sideband *sb)
{
	struct kunit *test = kunit_get_current_test();
	struct uob_qc_rig *r = uob_qc_idle_order.r;
	unsigned long intrs = 0;
	unsigned int i;

	/* the udev lock is held here: read what uob_qc_snap() reads under it */
	for (i = 1; i < r->xhci->max_interrupters && i < BITS_PER_LONG; i++)
		if (r->xhci->interrupters[i])
			intrs |= BIT(i);
	KUNIT_EXPECT_EQ_MSG(test, uob_qc_idle_order.none.usage, usb_offload_usage(r->udev),
			    "sideband unregistered before the usage was put");
	KUNIT_EXPECT_EQ_MSG(test, uob_qc_idle_order.none.interrupters, intrs,
			    "sideband unregistered before the interrupter was removed");
	KUNIT_EXPECT_EQ_MSG(test, uob_qc_idle_order.none.mappings, (int)uob_qc_dsp_in_use(),
			    "sideband unregistered before the event ring was unmapped");
	uob_qc_idle_order.seen++;
	xhci_sideband_unregister(sb);
}

/* A stream enabled and disabled: the share is idle, for 60 s. */
static void uob_qc_idle_share(struct kunit *test, struct uob_qc_rig *r)
{
	struct uob_uaudio_resp resp;
	struct uob_qc_snap held;

	uob_qc_linger(test, 60000);
	uob_qc_idle_order.r = r;
	uob_qc_idle_order.seen = 0;
	uob_qc_snap(r, &uob_qc_idle_order.none);
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_snap(r, &held);
	uob_qc_disable_ok(test, r);
	uob_qc_expect_idle(test, r, &uob_qc_idle_order.none, &held);
	kunit_activate_static_stub(test, uob_qc_sb_unregister, uob_qc_sb_unregister_watched);
}

/* given back at once, in order, in this thread */
static void uob_qc_expect_idle_gone(struct kunit *test, struct uob_qc_rig *r)
{
	kunit_deactivate_static_stub(test, uob_qc_sb_unregister);
	KUNIT_EXPECT_EQ_MSG(test, 1U, uob_qc_idle_order.seen,
			    "the idle share was not given back by the event itself");
	uob_qc_expect_same(test, r, &uob_qc_idle_order.none);
}

/* A forced unbind during the idle time gives the share back at once. */
void uob_qc_unbind_ends_idle_share(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct usb_interface *ctrl = usb_ifnum_to_if(r->udev, 0);
	struct usb_driver *drv;

	KUNIT_ASSERT_NOT_NULL(test, ctrl);
	uob_qc_idle_share(test, r);
	usb_lock_device(r->udev);
	drv = ctrl->dev.driver ? to_usb_driver(ctrl->dev.driver) : NULL;
	if (drv)
		usb_driver_release_interface(drv, ctrl);
	usb_unlock_device(r->udev);
	uob_qc_expect_idle_gone(test, r);
	KUNIT_ASSERT_NOT_NULL(test, drv);
	uob_qc_rebind(test, r, drv);
}

/* So does a reset (snd-usb-audio is unbound under the udev lock). */
void uob_qc_reset_ends_idle_share(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	int ret;

	uob_qc_idle_share(test, r);
	usb_lock_device(r->udev);
	ret = usb_reset_device(r->udev);
	usb_unlock_device(r->udev);
	KUNIT_EXPECT_EQ(test, 0, ret);
	uob_qc_expect_idle_gone(test, r);
	KUNIT_EXPECT_GE(test, uob_qc_card_of(test, r->udev), 0);
}

/*
 * System sleep: the stop it queues gives the idle share back too, and no
 * share lingers until the resume; after it, one does again.
 */
void uob_qc_sleep_ends_idle_share(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;

	uob_qc_idle_share(test, r);
	kunit_activate_static_stub(test, uob_qc_sleep_queue, uob_qc_sleep_queue_here);
	uob_qc_pm_event(PM_SUSPEND_PREPARE);
	kunit_deactivate_static_stub(test, uob_qc_sleep_queue);
	uob_qc_sleep_stop();
	uob_qc_expect_idle_gone(test, r);
	uob_qc_pm_event(PM_POST_SUSPEND);

	uob_qc_enable_ok(test, r, &resp);
	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ_MSG(test, uob_qc_idle_order.none.devs + 1, atomic_read(&uob_qc_devs),
			    "no share kept idle after the resume");
	uob_qc_dev_release_all_idle();
	uob_qc_expect_same(test, r, &uob_qc_idle_order.none);
}

/*
 * Module unload (uob_qc_shutdown(), then uob_qc_dev_exit()) gives the idle
 * share back at once, and keeps none from then on.
 */
void uob_qc_unload_ends_idle_share(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;

	uob_qc_idle_share(test, r);
	reinit_completion(&r->cli->found);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_qc_service_up_again, test));
	uob_qc_shutdown();
	uob_qc_expect_idle_gone(test, r);

	kunit_release_action(test, uob_qc_service_up_again, test);
	KUNIT_ASSERT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r->cli->found, UOB_QC_WAIT),
			    "the service is not found again");
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, uob_qc_idle_order.none.devs + 1, atomic_read(&uob_qc_devs));
	uob_qc_dev_release_all_idle();
	uob_qc_expect_same(test, r, &uob_qc_idle_order.none);
}
