// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": every way a stream ends: unbinds, a reset,
 * system sleep, a refused usage put.
 */
#include <kunit/test.h>
#include <linux/suspend.h>

#include "../../usb-offload/offload_state.h"	/* its at-suspend marker */
#include "../device.h"
#include "../dsp_mem.h"
#include "../qc_audio_offload.h"
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
 * it claimed, so snd_pcm_notify() is not told.  The stream must still be
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
 * System sleep with a stream: the DSP is told and everything is given back
 * before any device suspends; no enable gets through until the resume is
 * done; afterwards a session works.  (The PM notifier's work, driven here
 * without sleeping; make e2e sleeps the guest for real.)
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

	uob_qc_pm_event(PM_SUSPEND_PREPARE);
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

