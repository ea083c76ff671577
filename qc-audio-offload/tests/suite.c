// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": the suite, and its table-driven cases
 * (their parameter generators must be in the file that lists the cases):
 * refused requests, and a failure at every setup step.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/scatterlist.h>
#include <sound/core.h>

#include <uob/xhci-sideband.h>

#include "../device.h"
#include "../dsp_mem.h"
#include "../qmi_svc.h"
#include "../stream.h"
#include "qc_kunit.h"

/*
 * Well-formed requests the service refuses, each with mainline's answer
 * (resp.result SUCCESS, status FAILURE, the errno) and nothing taken.
 * Each entry changes a good enable for the rig's @card.
 */
static void uob_bad_card(struct uob_uaudio_req *req, int card)
{
	req->usb_token = UOB_TOKEN(SNDRV_CARDS, 0, 0);
}

static void uob_absent_card(struct uob_uaudio_req *req, int card)
{
	req->usb_token = UOB_TOKEN(SNDRV_CARDS - 1, 0, 0);
}

static void uob_bad_pcm(struct uob_uaudio_req *req, int card)
{
	req->usb_token = UOB_TOKEN(card, 7, 0);
}

static void uob_bad_direction(struct uob_uaudio_req *req, int card)
{
	req->usb_token = UOB_TOKEN(card, 0, 2);
}

static void uob_no_capture_stream(struct uob_uaudio_req *req, int card)
{
	req->usb_token = UOB_TOKEN(card, 0, 1);
}

static void uob_bad_format(struct uob_uaudio_req *req, int card)
{
	req->audio_format = UOB_UAUDIO_FMT_COUNT;
}

static void uob_bad_channels(struct uob_uaudio_req *req, int card)
{
	req->number_of_ch = 0;
}

static void uob_bad_interval(struct uob_uaudio_req *req, int card)
{
	req->service_interval = 3000;
}

static void uob_no_buffer_size(struct uob_uaudio_req *req, int card)
{
	req->xfer_buff_size_valid = 0;
}

struct uob_qc_bad {
	const char *name;
	void (*change)(struct uob_uaudio_req *req, int card);
	int err;
};

static const struct uob_qc_bad uob_qc_bads[] = {
	{ "card number too large", uob_bad_card, -EINVAL },
	{ "no such card", uob_absent_card, -ENODEV },
	{ "no such PCM", uob_bad_pcm, -ENODEV },
	{ "no such direction", uob_bad_direction, -ENODEV },
	{ "no capture stream", uob_no_capture_stream, -ENODEV },
	{ "format out of range", uob_bad_format, -EINVAL },
	{ "no channels", uob_bad_channels, -EINVAL },
	{ "not the endpoint's interval", uob_bad_interval, -EINVAL },
	{ "no buffer size", uob_no_buffer_size, -EINVAL },
};

static void uob_qc_bad_desc(const struct uob_qc_bad *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(uob_qc_bad, uob_qc_bads, uob_qc_bad_desc);

static void uob_qc_bad_request(struct kunit *test)
{
	const struct uob_qc_bad *p = test->param_value;
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_req req;

	uob_qc_req_enable(&req, r->card, 0);
	p->change(&req, r->card);
	uob_qc_expect_fail(test, r, &req, p->err);
}

/*
 * Each step is a KUnit static stub in the driver; these replacements fail
 * it.  The DSP mapping fails at its n-th call (event ring, data ring,
 * transfer buffer) and is made for real before that.
 */
static struct xhci_sideband *uob_qc_no_sideband(struct usb_interface *intf)
{
	return NULL;
}

static int uob_qc_no_interrupter(struct xhci_sideband *sb, int intr)
{
	return -ENOSPC;
}

static struct sg_table *uob_qc_no_event_buffer(struct xhci_sideband *sb)
{
	return NULL;
}

static int uob_qc_no_endpoint(struct xhci_sideband *sb, struct usb_host_endpoint *ep)
{
	return -ENODEV;
}

static struct sg_table *uob_qc_no_endpoint_buffer(struct xhci_sideband *sb,
						  struct usb_host_endpoint *ep)
{
	return NULL;
}

static void *uob_qc_no_xfer(struct usb_device *udev, size_t size, dma_addr_t *dma)
{
	return NULL;
}

static int uob_qc_map_calls_left;

static int uob_qc_no_nth_map(struct uob_qc_map *m, enum uob_qc_mem type,
			     struct device *sysdev, struct sg_table *sgt, dma_addr_t dma)
{
	struct kunit *test = kunit_get_current_test();
	int ret;

	if (!uob_qc_map_calls_left--)
		return -EFAULT;
	kunit_deactivate_static_stub(test, uob_qc_dsp_map);
	ret = uob_qc_dsp_map(m, type, sysdev, sgt, dma);
	kunit_activate_static_stub(test, uob_qc_dsp_map, uob_qc_no_nth_map);
	return ret;
}

static void uob_qc_fail_sideband(struct kunit *test)
{
	kunit_activate_static_stub(test, uob_qc_sb_register, uob_qc_no_sideband);
}

static void uob_qc_fail_interrupter(struct kunit *test)
{
	kunit_activate_static_stub(test, uob_qc_sb_create_interrupter, uob_qc_no_interrupter);
}

static void uob_qc_fail_event_buffer(struct kunit *test)
{
	kunit_activate_static_stub(test, uob_qc_sb_event_buffer, uob_qc_no_event_buffer);
}

static void uob_qc_fail_endpoint(struct kunit *test)
{
	kunit_activate_static_stub(test, uob_qc_sb_add_endpoint, uob_qc_no_endpoint);
}

static void uob_qc_fail_endpoint_buffer(struct kunit *test)
{
	kunit_activate_static_stub(test, uob_qc_sb_endpoint_buffer, uob_qc_no_endpoint_buffer);
}

static void uob_qc_fail_xfer(struct kunit *test)
{
	kunit_activate_static_stub(test, uob_qc_xfer_alloc, uob_qc_no_xfer);
}

static void uob_qc_fail_map(struct kunit *test, int nth)
{
	uob_qc_map_calls_left = nth;
	kunit_activate_static_stub(test, uob_qc_dsp_map, uob_qc_no_nth_map);
}

static void uob_qc_fail_map_event(struct kunit *test)
{
	uob_qc_fail_map(test, 0);
}

static void uob_qc_fail_map_data(struct kunit *test)
{
	uob_qc_fail_map(test, 1);
}

static void uob_qc_fail_map_xfer(struct kunit *test)
{
	uob_qc_fail_map(test, 2);
}

struct uob_qc_step {
	const char *name;
	void (*arm)(struct kunit *test);
	void *stub;	/* the driver function it replaces */
	int err;	/* internal_status of the answer */
};

static const struct uob_qc_step uob_qc_steps[] = {
	{ "sideband", uob_qc_fail_sideband, uob_qc_sb_register, -EBUSY },
	{ "interrupter", uob_qc_fail_interrupter, uob_qc_sb_create_interrupter, -ENOSPC },
	{ "event ring", uob_qc_fail_event_buffer, uob_qc_sb_event_buffer, -ENOMEM },
	{ "event ring mapping", uob_qc_fail_map_event, uob_qc_dsp_map, -EFAULT },
	{ "endpoint", uob_qc_fail_endpoint, uob_qc_sb_add_endpoint, -ENODEV },
	{ "endpoint ring", uob_qc_fail_endpoint_buffer, uob_qc_sb_endpoint_buffer, -ENOMEM },
	{ "endpoint ring mapping", uob_qc_fail_map_data, uob_qc_dsp_map, -EFAULT },
	{ "transfer buffer", uob_qc_fail_xfer, uob_qc_xfer_alloc, -ENOMEM },
	{ "transfer buffer mapping", uob_qc_fail_map_xfer, uob_qc_dsp_map, -EFAULT },
};

static void uob_qc_step_desc(const struct uob_qc_step *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(uob_qc_step, uob_qc_steps, uob_qc_step_desc);

static void uob_qc_setup_step_fails(struct kunit *test)
{
	const struct uob_qc_step *p = test->param_value;
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	uob_qc_req_enable(&req, r->card, 0);
	p->arm(test);
	KUNIT_EXPECT_EQ(test, p->err, uob_qc_call(r, &req, &resp));
	kunit_deactivate_static_stub(test, p->stub);
	/* nothing of a failed enable is given back */
	KUNIT_EXPECT_FALSE(test, resp.xhci_mem_info_valid);
	uob_qc_expect_same(test, r, &snap);
	KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());
	KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));

	/* and nothing is stuck: the same request works now */
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_disable_ok(test, r);
	uob_qc_expect_same(test, r, &snap);
}

static bool uob_qc_allow_local_was;
static unsigned int uob_qc_idle_ms_was;

/*
 * Cases that need the emulated board (kunit/qemu-args) are skipped, with
 * the reason, without it (uob_kunit_get_usb()); the parser's run anywhere.
 */

/*
 * The suite's client is on the local node: allow_local=1, as on the rigs.
 * idle_ms=0: a case's disable gives the device's share back at once, so
 * every case checks that everything is back right after it; the cases of
 * the idle share (lifecycle.c) set it themselves.
 */
static int uob_qc_suite_init(struct kunit_suite *suite)
{
	uob_qc_allow_local_was = READ_ONCE(uob_qc_allow_local);
	WRITE_ONCE(uob_qc_allow_local, true);
	uob_qc_idle_ms_was = READ_ONCE(uob_qc_idle_ms);
	WRITE_ONCE(uob_qc_idle_ms, 0);
	return 0;
}

static void uob_qc_suite_exit(struct kunit_suite *suite)
{
	WRITE_ONCE(uob_qc_allow_local, uob_qc_allow_local_was);
	WRITE_ONCE(uob_qc_idle_ms, uob_qc_idle_ms_was);
}

static const struct uob_qc_pick uob_qc_picks[] = {
	{ "host plays on interface 1, this PCM opens 2", { 1, 0 }, { 1, 1 }, 0, 0, 2 },
	{ "host plays on interface 2, this PCM opens 1", { 0, 1 }, { 1, 1 }, 0, 0, 1 },
	{ "only this PCM's interface is active", { 0, 0 }, { 0, 1 }, 0, 0, 2 },
	{ "left at its altsetting by the last close, host idle", { 1, 0 }, { 1, 0 }, 0, 0, 1 },
	{ "both interfaces changed during the open", { 0, 0 }, { 1, 1 }, 0, -EBUSY, 0 },
	{ "host plays on both, nothing changed", { 1, 1 }, { 1, 1 }, 0, -EBUSY, 0 },
	{ "no streaming interface active", { 0, 0 }, { 0, 0 }, 0, -ENODEV, 0 },
	{ "capture, the device has none", { 0, 0 }, { 1, 0 }, 1, -ENODEV, 0 },
};

static void uob_qc_pick_desc(const struct uob_qc_pick *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(uob_qc_pick, uob_qc_picks, uob_qc_pick_desc);

static struct kunit_case uob_qc_cases[] = {
	KUNIT_CASE(uob_qc_enable_reports_what_the_kernel_holds),
	KUNIT_CASE(uob_qc_second_enable_refused),
	KUNIT_CASE(uob_qc_disable_of_nothing),
	KUNIT_CASE_PARAM(uob_qc_bad_request, uob_qc_bad_gen_params),
	KUNIT_CASE(uob_qc_malformed_request),
	KUNIT_CASE_PARAM(uob_qc_setup_step_fails, uob_qc_step_gen_params),
	KUNIT_CASE(uob_qc_two_cards_balance),
	KUNIT_CASE(uob_qc_dsp_domain_maps_every_region),
	KUNIT_CASE(uob_qc_dsp_domain_map_failure_unwinds),
	KUNIT_CASE(uob_qc_dsp_domain_maps_sub_page_segments),
	KUNIT_CASE(uob_qc_local_client_refused_by_default),
	KUNIT_CASE(uob_qc_two_clients_one_wins),
	KUNIT_CASE(uob_qc_client_gone_stops_session),
	KUNIT_CASE(uob_qc_state_read_while_disabling),
	KUNIT_CASE_SLOW(uob_qc_forced_unbind_while_streaming),
	KUNIT_CASE_SLOW(uob_qc_answer_before_disconnect),
	KUNIT_CASE_SLOW(uob_qc_reset_while_streaming),
	KUNIT_CASE_SLOW(uob_qc_streaming_intf_unbind_while_streaming),
	KUNIT_CASE_SLOW(uob_qc_disable_after_unbind_disconnect),
	KUNIT_CASE(uob_qc_sleep_stops_streams),
	KUNIT_CASE(uob_qc_disable_after_sleep_disconnect),
	KUNIT_CASE(uob_qc_refused_put_is_kept),
	KUNIT_CASE(uob_qc_stream_end_during_controller_removal),
	KUNIT_CASE(uob_qc_unload_tells_the_dsp),
	KUNIT_CASE(uob_qc_idle_share_reused),
	KUNIT_CASE(uob_qc_idle_short_after_long),
	KUNIT_CASE(uob_qc_idle_needs_active_device),
	KUNIT_CASE_SLOW(uob_qc_unbind_ends_idle_share),
	KUNIT_CASE_SLOW(uob_qc_reset_ends_idle_share),
	KUNIT_CASE(uob_qc_sleep_ends_idle_share),
	KUNIT_CASE(uob_qc_unload_ends_idle_share),
	KUNIT_CASE(uob_qc_sleep_notifier_takes_no_udev_lock),
	KUNIT_CASE(uob_qc_answer_sent_by_its_handler),
	KUNIT_CASE(uob_qc_request_waits_without_card_ref),
	KUNIT_CASE(uob_qc_pcm_found_on_request),
	KUNIT_CASE_PARAM(uob_qc_stream_intf_is_this_pcms, uob_qc_pick_gen_params),
	KUNIT_CASE(uob_qc_duplicate_tlv_malformed),
	KUNIT_CASE(uob_qc_oversized_datagram_malformed),
	KUNIT_CASE(uob_qc_parse_property),
	{}
};

static struct kunit_suite uob_qc_suite = {
	.name = "qc_audio_offload",
	.suite_init = uob_qc_suite_init,
	.suite_exit = uob_qc_suite_exit,
	.test_cases = uob_qc_cases,
};

kunit_test_suite(uob_qc_suite);
