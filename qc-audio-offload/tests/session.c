// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": enable, disable and refused requests; who
 * may be a client.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/kthread.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/usb/audio.h>
#include <sound/core.h>

#include <uob_xhci_compat.h>
#include <uob/xhci-sideband.h>

#include "../device.h"
#include "../dsp_mem.h"
#include "../qmi_svc.h"
#include "../stream.h"
#include "qc_kunit.h"

void uob_qc_enable_reports_what_the_kernel_holds(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct usb_host_interface *alt;
	struct usb_host_endpoint *ep;
	struct xhci_virt_device *vdev;
	struct xhci_interrupter *ir;
	struct xhci_ep_ctx *ctx;
	unsigned int idx;
	int usage = uob_kunit_offload_usage(r->udev);

	uob_qc_enable_ok(test, r, &resp);
	KUNIT_EXPECT_EQ(test, QMI_RESULT_SUCCESS_V01, resp.resp.result);
	KUNIT_EXPECT_EQ(test, usage + 1, uob_kunit_offload_usage(r->udev));

	KUNIT_EXPECT_TRUE(test, resp.usb_token_valid);
	KUNIT_EXPECT_EQ(test, UOB_TOKEN(r->card, 0, 0), resp.usb_token);
	KUNIT_EXPECT_TRUE(test, resp.slot_id_valid);
	KUNIT_EXPECT_EQ(test, (u32)r->udev->slot_id, resp.slot_id);
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_SPEED_FULL, resp.speed_info);
	/* mainline: the controller's device-tree "usb" alias; x86 has none */
	KUNIT_EXPECT_FALSE(test, resp.controller_num_valid);
	KUNIT_EXPECT_TRUE(test, resp.internal_status_valid);
	KUNIT_EXPECT_EQ(test, 0U, resp.internal_status);
	KUNIT_EXPECT_EQ(test, 0x0100, resp.usb_audio_spec_revision);

	/* the altsetting snd-usb-audio chose is the one described */
	alt = uob_qc_active_as(r->udev);
	KUNIT_ASSERT_NOT_NULL(test, alt);
	KUNIT_EXPECT_EQ(test, alt->desc.bInterfaceNumber,
			resp.std_as_opr_intf_desc.bInterfaceNumber);
	KUNIT_EXPECT_EQ(test, alt->desc.bAlternateSetting,
			resp.std_as_opr_intf_desc.bAlternateSetting);
	KUNIT_EXPECT_EQ(test, alt->desc.bNumEndpoints, resp.std_as_opr_intf_desc.bNumEndpoints);
	KUNIT_EXPECT_EQ(test, USB_CLASS_AUDIO, resp.std_as_opr_intf_desc.bInterfaceClass);
	ep = &alt->endpoint[0];
	KUNIT_EXPECT_EQ(test, ep->desc.bEndpointAddress,
			resp.std_as_data_ep_desc.bEndpointAddress);
	KUNIT_EXPECT_EQ(test, le16_to_cpu(ep->desc.wMaxPacketSize),
			resp.std_as_data_ep_desc.wMaxPacketSize);
	KUNIT_EXPECT_EQ(test, ep->desc.bmAttributes, resp.std_as_data_ep_desc.bmAttributes);
	KUNIT_EXPECT_EQ(test, ep->desc.bInterval, resp.std_as_data_ep_desc.bInterval);
	KUNIT_EXPECT_FALSE(test, resp.std_as_sync_ep_desc_valid);
	/* S16_LE on a UAC1 format type I descriptor: 2-byte subframes */
	KUNIT_EXPECT_EQ(test, 2, resp.usb_audio_subslot_size);

	/* rings: what the controller uses */
	vdev = r->xhci->devs[r->udev->slot_id];
	idx = xhci_get_endpoint_index(&ep->desc);
	ctx = xhci_get_ep_ctx(r->xhci, vdev->out_ctx, idx);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(ctx->deq) & UOB_XHCI_DEQ_PTR_MASK,
			resp.xhci_mem_info.tr_data.dma);
	KUNIT_EXPECT_EQ(test, resp.xhci_mem_info.tr_data.iova, resp.xhci_mem_info.tr_data.dma);
	KUNIT_EXPECT_EQ(test, 0U, resp.xhci_mem_info.tr_sync.size);
	KUNIT_EXPECT_EQ(test, 8192U, resp.xhci_mem_info.xfer_buff.size);
	KUNIT_EXPECT_NE(test, 0ULL, resp.xhci_mem_info.xfer_buff.dma);
	KUNIT_ASSERT_GE(test, resp.interrupter_num, 1);
	ir = r->xhci->interrupters[resp.interrupter_num];
	KUNIT_ASSERT_NOT_NULL(test, ir);
	KUNIT_EXPECT_EQ(test, (u64)ir->event_ring->first_seg->dma, resp.xhci_mem_info.evt_ring.dma);
	KUNIT_EXPECT_EQ(test, xhci_read_64(r->xhci, &ir->ir_set->erst_dequeue) & ERST_PTR_MASK,
			resp.xhci_mem_info.evt_ring.dma);

	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, usage, uob_kunit_offload_usage(r->udev));
	KUNIT_EXPECT_NULL(test, r->xhci->interrupters[resp.interrupter_num]);
	KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));
	KUNIT_EXPECT_EQ(test, 0, (int)uob_qc_dsp_in_use());
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.xfer_bufs));
}

void uob_qc_second_enable_refused(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct uob_qc_snap snap;

	uob_qc_enable_ok(test, r, &resp);
	uob_qc_snap(r, &snap);
	uob_qc_req_enable(&req, r->card, 0);
	KUNIT_EXPECT_EQ(test, 0, uob_cli_req(r->cli, &req, &resp));
	KUNIT_EXPECT_EQ(test, UOB_UAUDIO_FAILURE, resp.status);
	uob_qc_expect_same(test, r, &snap);
	uob_qc_disable_ok(test, r);
}

void uob_qc_disable_of_nothing(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_req req;

	uob_qc_req_disable(&req, r->card);
	uob_qc_expect_fail(test, r, &req, -EINVAL);
}

void uob_qc_malformed_request(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	/* enable = 1, then a token TLV cut short */
	static const u8 cut[] = { 0x01, 0x01, 0x00, 0x01, 0x02, 0x04, 0x00, 0x00, 0x00 };
	/* enable only: the mandatory token is missing */
	static const u8 missing[] = { 0x01, 0x01, 0x00, 0x01 };
	struct uob_uaudio_resp resp;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, cut, sizeof(cut), &resp));
	KUNIT_EXPECT_EQ(test, QMI_RESULT_FAILURE_V01, resp.resp.result);
	KUNIT_EXPECT_EQ(test, QMI_ERR_MALFORMED_MSG_V01, resp.resp.error);
	KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, missing, sizeof(missing), &resp));
	KUNIT_EXPECT_EQ(test, QMI_RESULT_FAILURE_V01, resp.resp.result);
	KUNIT_EXPECT_EQ(test, QMI_ERR_MALFORMED_MSG_V01, resp.resp.error);
	uob_qc_expect_same(test, r, &snap);
}

void uob_qc_two_cards_balance(struct kunit *test)
{
	struct uob_qc_rig *a = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct usb_device *bdev = uob_kunit_get_usb(test, UOB_KUNIT_BEHIND_HUB);
	struct uob_uaudio_resp ra, rb;
	struct uob_uaudio_req req;
	int bcard = uob_qc_card_of(test, bdev);

	KUNIT_ASSERT_GE(test, bcard, 0);
	uob_qc_enable_ok(test, a, &ra);
	uob_qc_req_enable(&req, bcard, 0);
	KUNIT_EXPECT_EQ(test, 0, uob_cli_req(a->cli, &req, &rb));
	KUNIT_EXPECT_EQ(test, UOB_UAUDIO_SUCCESS, rb.status);
	KUNIT_EXPECT_EQ(test, 1, uob_kunit_offload_usage(a->udev));
	KUNIT_EXPECT_EQ(test, 1, uob_kunit_offload_usage(bdev));
	KUNIT_EXPECT_NE(test, ra.interrupter_num, rb.interrupter_num);
	KUNIT_EXPECT_EQ(test, 2, atomic_read(&uob_qc_devs));

	uob_qc_disable_ok(test, a);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(a->udev));
	KUNIT_EXPECT_EQ(test, 1, uob_kunit_offload_usage(bdev));
	uob_qc_req_disable(&req, bcard);
	KUNIT_EXPECT_EQ(test, 0, uob_cli_req(a->cli, &req, &rb));
	KUNIT_EXPECT_EQ(test, UOB_UAUDIO_SUCCESS, rb.status);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(bdev));
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_devs));
	usb_put_dev(bdev);
}

void uob_qc_local_client_refused_by_default(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	uob_qc_req_enable(&req, r->card, 0);
	/* the module parameter's default */
	WRITE_ONCE(uob_qc_allow_local, false);
	KUNIT_EXPECT_EQ(test, 0, uob_cli_req(r->cli, &req, &resp));
	WRITE_ONCE(uob_qc_allow_local, true);
	KUNIT_EXPECT_EQ(test, QMI_RESULT_FAILURE_V01, resp.resp.result);
	KUNIT_EXPECT_EQ(test, QMI_ERR_INVALID_ID_V01, resp.resp.error);
	uob_qc_expect_same(test, r, &snap);
}

struct uob_qc_racer {
	struct uob_cli *cli;
	struct uob_uaudio_req req;
	struct uob_uaudio_resp resp;
	int ret;
	struct completion go, done;
};

static int uob_qc_racer_fn(void *data)
{
	struct uob_qc_racer *x = data;

	wait_for_completion(&x->go);
	x->ret = uob_cli_req(x->cli, &x->req, &x->resp);
	complete(&x->done);
	return 0;
}

void uob_qc_two_clients_one_wins(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_qc_racer *x = kunit_kcalloc(test, 2, sizeof(*x), GFP_KERNEL);
	struct uob_uaudio_req req;
	int i, wins = 0, winner = -1;

	KUNIT_ASSERT_NOT_NULL(test, x);
	for (i = 0; i < 2; i++) {
		x[i].cli = i ? uob_cli_start(test) : r->cli;
		uob_qc_req_enable(&x[i].req, r->card, 0);
		init_completion(&x[i].go);
		init_completion(&x[i].done);
		KUNIT_ASSERT_FALSE(test, IS_ERR(kthread_run(uob_qc_racer_fn, &x[i],
							    "uob-qc-racer/%d", i)));
	}
	complete(&x[0].go);
	complete(&x[1].go);
	for (i = 0; i < 2; i++) {
		wait_for_completion(&x[i].done);
		KUNIT_EXPECT_EQ(test, 0, x[i].ret);
		if (x[i].resp.status == UOB_UAUDIO_SUCCESS) {
			wins++;
			winner = i;
		} else {
			KUNIT_EXPECT_EQ(test, QMI_RESULT_FAILURE_V01, x[i].resp.resp.result);
		}
	}
	KUNIT_EXPECT_EQ(test, 1, wins);
	KUNIT_EXPECT_EQ(test, 1, uob_kunit_offload_usage(r->udev));
	KUNIT_ASSERT_GE(test, winner, 0);
	uob_qc_req_disable(&req, r->card);
	KUNIT_EXPECT_EQ(test, 0, uob_cli_req(x[winner].cli, &req, &x[winner].resp));
	KUNIT_EXPECT_EQ(test, UOB_UAUDIO_SUCCESS, x[winner].resp.status);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
}

void uob_qc_client_gone_stops_session(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;

	uob_qc_enable_ok(test, r, &resp);
	KUNIT_EXPECT_EQ(test, 1, uob_kunit_offload_usage(r->udev));
	qmi_handle_release(&r->cli->qmi);	/* the DSP goes away: DEL_CLIENT */
	KUNIT_EXPECT_TRUE_MSG(test, uob_qc_wait_count(&uob_qc_counters.streams, 0, 5000),
			      "session not stopped after the client left");
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
	KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));
}

/*
 * A reader of debugfs "state" (its device part, uob_qc_dev_show()) in a
 * task of its own, let go by the stub below at the one point of a disable
 * where it matters: the device's sideband has just been freed.
 */
struct uob_qc_reader {
	struct completion go, done;
	struct seq_file m;
	bool read;
};

static struct uob_qc_reader *uob_qc_reader_cur;

static int uob_qc_reader_fn(void *data)
{
	struct uob_qc_reader *x = data;

	wait_for_completion(&x->go);
	uob_qc_dev_show(&x->m);
	complete(&x->done);
	return 0;
}

static void uob_qc_unregister_then_read(struct xhci_sideband *sb)
{
	struct uob_qc_reader *x = uob_qc_reader_cur;

	xhci_sideband_unregister(sb);
	complete(&x->go);
	x->read = wait_for_completion_timeout(&x->done, 5 * HZ) != 0;
}

/* a seq_file of one page, for uob_qc_dev_show() */
static void uob_qc_seq_init(struct kunit *test, struct seq_file *m)
{
	m->size = PAGE_SIZE;
	m->count = 0;
	m->buf = kunit_kzalloc(test, m->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->buf);
}

/*
 * debugfs "state" read while a disable gives the device back (KASAN: a
 * reader that reaches the freed sideband is a slab-use-after-free): the
 * device must be off the list before its sideband is freed.
 */
void uob_qc_state_read_while_disabling(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_qc_reader *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	const char *name = dev_name(&r->udev->dev);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct task_struct *task;
	struct seq_file now = {};
	char line[64];

	KUNIT_ASSERT_NOT_NULL(test, x);
	init_completion(&x->go);
	init_completion(&x->done);
	uob_qc_seq_init(test, &x->m);
	uob_qc_seq_init(test, &now);
	snprintf(line, sizeof(line), "device %s ", name);

	uob_qc_enable_ok(test, r, &resp);
	/* the reader can see the device while it streams */
	uob_qc_dev_show(&now);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(now.buf, line), "state: %s", now.buf);

	task = kthread_run(uob_qc_reader_fn, x, "uob-qc-state-reader");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	uob_qc_reader_cur = x;
	kunit_activate_static_stub(test, uob_qc_sb_unregister, uob_qc_unregister_then_read);
	uob_qc_req_disable(&req, r->card);
	KUNIT_EXPECT_EQ(test, 0, uob_qc_call(r, &req, &resp));
	kunit_deactivate_static_stub(test, uob_qc_sb_unregister);
	/* if the stub did not see the reader finish, let it go and wait for it */
	complete(&x->go);
	if (!x->read)
		KUNIT_EXPECT_NE(test, 0UL, wait_for_completion_timeout(&x->done, 5 * HZ));

	KUNIT_EXPECT_TRUE_MSG(test, x->read, "the reader did not run inside the disable");
	KUNIT_EXPECT_NULL_MSG(test, strstr(x->m.buf, line),
			      "state listed %s after its sideband was freed: %s", name, x->m.buf);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_devs));
}
