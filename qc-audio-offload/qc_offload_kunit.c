// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for qc-audio-offload: an in-kernel QMI client on the local
 * QRTR node talks to the service about the real snd-usb-audio cards of the
 * emulated board (qemu-xhci, usb-audio on a root port and behind a hub).
 * Every response field is checked against what usbcore, xhci-hcd and ALSA
 * hold; every failure path against the counters of what a session holds.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/dma-direct.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/net.h>
#include <linux/prandom.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/suspend.h>
#include <linux/soc/qcom/qmi.h>
#include <linux/usb.h>
#include <linux/usb/audio.h>
#include <linux/xarray.h>
#include <sound/core.h>

#include <uob_xhci_compat.h>
#include <uob/kunit_usb.h>
#include <uob/usb_offload.h>

#include "../usb-offload/offload_state.h"	/* its at-suspend marker */
#include "device.h"
#include "dsp_mem.h"
#include "qc_audio_offload.h"
#include "qmi_parse.h"
#include "qmi_svc.h"
#include "stream.h"
#include "usage.h"

#define UOB_QC_WAIT		(10 * HZ)

struct uob_cli {
	struct qmi_handle qmi;
	struct sockaddr_qrtr svc;
	struct completion found;
	struct completion ind;
	struct uob_uaudio_ind last_ind;
	atomic_t inds;
};

static int uob_cli_new_server(struct qmi_handle *qmi, struct qmi_service *svc)
{
	struct uob_cli *c = container_of(qmi, struct uob_cli, qmi);

	c->svc.sq_family = AF_QIPCRTR;
	c->svc.sq_node = svc->node;
	c->svc.sq_port = svc->port;
	complete(&c->found);
	return 0;
}

static void uob_cli_ind(struct qmi_handle *qmi, struct sockaddr_qrtr *sq,
			struct qmi_txn *txn, const void *data)
{
	struct uob_cli *c = container_of(qmi, struct uob_cli, qmi);

	memcpy(&c->last_ind, data, sizeof(c->last_ind));
	atomic_inc(&c->inds);
	complete(&c->ind);
}

static const struct qmi_msg_handler uob_cli_handlers[] = {
	{
		.type = QMI_INDICATION,
		.msg_id = UOB_QMI_UAUDIO_STREAM_IND,
		.ei = uob_uaudio_ind_ei,
		.decoded_size = sizeof(struct uob_uaudio_ind),
		.fn = uob_cli_ind,
	},
	{}
};

static const struct qmi_ops uob_cli_ops = {
	.new_server = uob_cli_new_server,
};

static void uob_cli_release(void *data)
{
	struct uob_cli *c = data;

	if (c->qmi.sock)
		qmi_handle_release(&c->qmi);
}

static struct uob_cli *uob_cli_start(struct kunit *test)
{
	struct uob_cli *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	init_completion(&c->found);
	init_completion(&c->ind);
	KUNIT_ASSERT_EQ(test, 0, qmi_handle_init(&c->qmi, 512, &uob_cli_ops, uob_cli_handlers));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_cli_release, c));
	KUNIT_ASSERT_EQ(test, 0, qmi_add_lookup(&c->qmi, UOB_UAUDIO_SERVICE_ID,
						UOB_UAUDIO_SERVICE_VERS, 0));
	KUNIT_ASSERT_NE_MSG(test, 0UL, wait_for_completion_timeout(&c->found, UOB_QC_WAIT),
			    "service 0x41d not found through the QRTR name service");
	return c;
}

static int uob_cli_req(struct uob_cli *c, const struct uob_uaudio_req *req,
		       struct uob_uaudio_resp *resp)
{
	struct qmi_txn txn;
	int ret;

	memset(resp, 0, sizeof(*resp));
	ret = qmi_txn_init(&c->qmi, &txn, uob_uaudio_resp_ei, resp);
	if (ret < 0)
		return ret;
	ret = qmi_send_request(&c->qmi, &c->svc, &txn, UOB_QMI_UAUDIO_STREAM_REQ,
			       UOB_UAUDIO_REQ_MAX_LEN, uob_uaudio_req_ei, req);
	if (ret < 0) {
		qmi_txn_cancel(&txn);
		return ret;
	}
	ret = qmi_txn_wait(&txn, UOB_QC_WAIT);	/* > 0: bytes decoded */
	return ret < 0 ? ret : 0;
}

/* Send a datagram whose header says @msg_len, whatever its real length. */
static int uob_cli_raw_len(struct uob_cli *c, const u8 *body, size_t blen, u16 msg_len,
			   struct uob_uaudio_resp *resp)
{
	struct msghdr msg = { .msg_name = &c->svc, .msg_namelen = sizeof(c->svc) };
	struct qmi_header *hdr;
	struct qmi_txn txn;
	struct kvec iv;
	int ret;

	memset(resp, 0, sizeof(*resp));
	hdr = kvzalloc(sizeof(*hdr) + blen, GFP_KERNEL);
	if (!hdr)
		return -ENOMEM;
	ret = qmi_txn_init(&c->qmi, &txn, uob_uaudio_resp_ei, resp);
	if (ret < 0)
		goto free;
	hdr->type = QMI_REQUEST;
	/* struct qmi_header declares its little-endian fields as plain u16 */
	hdr->txn_id = (__force u16)cpu_to_le16(txn.id);
	hdr->msg_id = (__force u16)cpu_to_le16(UOB_QMI_UAUDIO_STREAM_REQ);
	hdr->msg_len = (__force u16)cpu_to_le16(msg_len);
	memcpy(hdr + 1, body, blen);
	iv.iov_base = hdr;
	iv.iov_len = sizeof(*hdr) + blen;
	mutex_lock(&c->qmi.sock_lock);
	ret = kernel_sendmsg(c->qmi.sock, &msg, &iv, 1, iv.iov_len);
	mutex_unlock(&c->qmi.sock_lock);
	if (ret < 0) {
		qmi_txn_cancel(&txn);
		goto free;
	}
	ret = qmi_txn_wait(&txn, UOB_QC_WAIT);
	if (ret > 0)
		ret = 0;
free:
	kvfree(hdr);
	return ret;
}

/* Send hand-made bytes as a request body and wait for the answer. */
static int uob_cli_raw(struct uob_cli *c, const u8 *body, size_t blen,
		       struct uob_uaudio_resp *resp)
{
	return uob_cli_raw_len(c, body, blen, blen, resp);
}

/* The rig's card for a USB device, waiting for snd-usb-audio (bounded). */
static int uob_qc_card_of(struct kunit *test, struct usb_device *udev)
{
	unsigned long end = jiffies + msecs_to_jiffies(UOB_KUNIT_ENUM_TIMEOUT_MS);
	struct snd_card *card;
	int i;

	for (;;) {
		for (i = 0; i < SNDRV_CARDS; i++) {
			card = snd_card_ref(i);
			if (!card)
				continue;
			if (!strcmp(card->driver, "USB-Audio") && card->dev && !card->shutdown &&
			    interface_to_usbdev(to_usb_interface(card->dev)) == udev &&
			    card->registered) {
				snd_card_unref(card);
				return i;
			}
			snd_card_unref(card);
		}
		if (time_after(jiffies, end))
			break;
		msleep(100);
	}
	KUNIT_FAIL(test, "no USB-Audio card for %s", dev_name(&udev->dev));
	return -1;
}

struct uob_qc_rig {
	struct usb_device *udev;
	struct xhci_hcd *xhci;
	struct uob_cli *cli;
	int card;
};

static void uob_qc_rig_put(void *data)
{
	struct uob_qc_rig *r = data;

	usb_put_dev(r->udev);
}

static struct uob_qc_rig *uob_qc_rig(struct kunit *test, enum uob_kunit_where where)
{
	struct uob_qc_rig *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->udev = uob_kunit_get_usb(test, where);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_qc_rig_put, r));
	r->xhci = hcd_to_xhci(bus_to_hcd(r->udev->bus));
	r->card = uob_qc_card_of(test, r->udev);
	KUNIT_ASSERT_GE(test, r->card, 0);
	r->cli = uob_cli_start(test);
	return r;
}

static void uob_qc_req_enable(struct uob_uaudio_req *req, int card, int dir)
{
	memset(req, 0, sizeof(*req));
	req->enable = 1;
	req->usb_token = UOB_TOKEN(card, 0, dir);
	req->audio_format_valid = 1;
	req->audio_format = UOB_UAUDIO_FMT_S16_LE;
	req->number_of_ch_valid = 1;
	req->number_of_ch = 2;
	req->bit_rate_valid = 1;
	req->bit_rate = 48000;
	req->xfer_buff_size_valid = 1;
	req->xfer_buff_size = 8192;
	req->service_interval_valid = 1;
	req->service_interval = 1000;
}

/* mainline refuses a disable without format, channels, rate and buffer */
static void uob_qc_req_disable(struct uob_uaudio_req *req, int card)
{
	uob_qc_req_enable(req, card, 0);
	req->enable = 0;
}

/* What a session holds; compared before and after every failing request. */
struct uob_qc_snap {
	int usage;
	int streams, devs, mappings, xfer_bufs;
	unsigned long interrupters;
};

static void uob_qc_snap(struct uob_qc_rig *r, struct uob_qc_snap *s)
{
	unsigned int i;

	s->usage = uob_kunit_offload_usage(r->udev);
	s->streams = atomic_read(&uob_qc_counters.streams);
	s->devs = atomic_read(&uob_qc_devs);
	s->mappings = (int)uob_qc_dsp_in_use();
	s->xfer_bufs = atomic_read(&uob_qc_counters.xfer_bufs);
	s->interrupters = 0;
	for (i = 1; i < r->xhci->max_interrupters && i < BITS_PER_LONG; i++)
		if (r->xhci->interrupters[i])
			s->interrupters |= BIT(i);
}

static void uob_qc_expect_same(struct kunit *test, struct uob_qc_rig *r,
			       const struct uob_qc_snap *a)
{
	struct uob_qc_snap b;

	uob_qc_snap(r, &b);
	KUNIT_EXPECT_EQ(test, a->usage, b.usage);
	KUNIT_EXPECT_EQ(test, a->streams, b.streams);
	KUNIT_EXPECT_EQ(test, a->devs, b.devs);
	KUNIT_EXPECT_EQ(test, a->mappings, b.mappings);
	KUNIT_EXPECT_EQ(test, a->xfer_bufs, b.xfer_bufs);
	KUNIT_EXPECT_EQ(test, a->interrupters, b.interrupters);
}

static struct usb_host_interface *uob_qc_active_as(struct usb_device *udev)
{
	struct usb_host_config *cfg = udev->actconfig;
	int i;

	for (i = 0; cfg && i < cfg->desc.bNumInterfaces; i++) {
		struct usb_host_interface *alt = cfg->interface[i]->cur_altsetting;

		if (alt->desc.bInterfaceSubClass == USB_SUBCLASS_AUDIOSTREAMING &&
		    alt->desc.bAlternateSetting)
			return alt;
	}
	return NULL;
}

static void uob_qc_expect_fail(struct kunit *test, struct uob_qc_rig *r,
			       const struct uob_uaudio_req *req, int err)
{
	struct uob_uaudio_resp resp;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	KUNIT_ASSERT_EQ(test, 0, uob_cli_req(r->cli, req, &resp));
	/* mainline's answer: resp.result SUCCESS, status FAILURE, the errno */
	KUNIT_EXPECT_EQ(test, QMI_RESULT_SUCCESS_V01, resp.resp.result);
	KUNIT_EXPECT_TRUE(test, resp.status_valid);
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_FAILURE, resp.status);
	KUNIT_EXPECT_TRUE(test, resp.internal_status_valid);
	KUNIT_EXPECT_EQ(test, err, (int)resp.internal_status);
	KUNIT_EXPECT_TRUE(test, resp.usb_token_valid);
	KUNIT_EXPECT_EQ(test, req->usb_token, resp.usb_token);
	uob_qc_expect_same(test, r, &snap);
	KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));
}

/*
 * A request run in this test's own thread, where the KUnit static stubs
 * act (the QMI path runs the same function in the QMI core's worker).
 * The client is the rig's, as if it had sent @req.  Returns the errno the
 * answer's internal_status would carry.
 */
static int uob_qc_call(struct uob_qc_rig *r, struct uob_uaudio_req *req,
		       struct uob_uaudio_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	return uob_qc_handle_req(req, &r->cli->qmi.sq, resp);
}

static void uob_qc_enable_ok(struct kunit *test, struct uob_qc_rig *r,
			     struct uob_uaudio_resp *resp)
{
	struct uob_uaudio_req req;

	uob_qc_req_enable(&req, r->card, 0);
	KUNIT_ASSERT_EQ(test, 0, uob_cli_req(r->cli, &req, resp));
	KUNIT_ASSERT_EQ_MSG(test, UOB_UAUDIO_SUCCESS, resp->status,
			    "enable failed: result %u error %u internal %d", resp->resp.result,
			    resp->resp.error, (int)resp->internal_status);
}

/* As uob_qc_enable_ok(), in this thread: the case's stubs act. */
static void uob_qc_enable_here(struct kunit *test, struct uob_qc_rig *r,
			       struct uob_uaudio_resp *resp)
{
	struct uob_uaudio_req req;

	uob_qc_req_enable(&req, r->card, 0);
	KUNIT_ASSERT_EQ(test, 0, uob_qc_call(r, &req, resp));
}

static void uob_qc_disable_ok(struct kunit *test, struct uob_qc_rig *r)
{
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;

	uob_qc_req_disable(&req, r->card);
	KUNIT_ASSERT_EQ(test, 0, uob_cli_req(r->cli, &req, &resp));
	KUNIT_EXPECT_EQ(test, QMI_RESULT_SUCCESS_V01, resp.resp.result);
	KUNIT_EXPECT_EQ(test, UOB_UAUDIO_SUCCESS, resp.status);
}

static void uob_qc_enable_reports_what_the_kernel_holds(struct kunit *test)
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

static void uob_qc_second_enable_refused(struct kunit *test)
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

static void uob_qc_disable_of_nothing(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_req req;

	uob_qc_req_disable(&req, r->card);
	uob_qc_expect_fail(test, r, &req, -EINVAL);
}

#define UOB_QC_BAD_REQ(_name, _status, _change)				\
static void _name(struct kunit *test)					\
{									\
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);	\
	struct uob_uaudio_req req;					\
									\
	uob_qc_req_enable(&req, r->card, 0);				\
	_change;							\
	uob_qc_expect_fail(test, r, &req, _status);			\
}

UOB_QC_BAD_REQ(uob_qc_bad_card, -EINVAL,
	       req.usb_token = UOB_TOKEN(SNDRV_CARDS, 0, 0))
UOB_QC_BAD_REQ(uob_qc_absent_card, -ENODEV,
	       req.usb_token = UOB_TOKEN(SNDRV_CARDS - 1, 0, 0))
UOB_QC_BAD_REQ(uob_qc_bad_pcm, -ENODEV,
	       req.usb_token = UOB_TOKEN(r->card, 7, 0))
UOB_QC_BAD_REQ(uob_qc_bad_direction, -ENODEV,
	       req.usb_token = UOB_TOKEN(r->card, 0, 2))
UOB_QC_BAD_REQ(uob_qc_no_capture_stream, -ENODEV,
	       req.usb_token = UOB_TOKEN(r->card, 0, 1))
UOB_QC_BAD_REQ(uob_qc_bad_format, -EINVAL,
	       req.audio_format = UOB_UAUDIO_FMT_COUNT)
UOB_QC_BAD_REQ(uob_qc_bad_channels, -EINVAL,
	       req.number_of_ch = 0)
UOB_QC_BAD_REQ(uob_qc_bad_interval, -EINVAL,
	       req.service_interval = 3000)
UOB_QC_BAD_REQ(uob_qc_bad_buffer, -EINVAL,
	       req.xfer_buff_size_valid = 0)

static void uob_qc_malformed_request(struct kunit *test)
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

/*
 * ---- a failure at every setup step --------------------------------------
 *
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

static void uob_qc_two_cards_balance(struct kunit *test)
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

/*
 * ---- the DSP behind an IOMMU domain --------------------------------------
 *
 * The emulated board has no DSP and no IOMMU in front of it, so these cases
 * hand the driver a paging domain of their own: the IOMMU core's real
 * iommu_map_sg()/iommu_unmap()/iommu_iova_to_phys() run, over a page table
 * kept in an xarray (IOVA pfn -> physical pfn) that also counts pages and
 * can fail on demand.
 */
struct uob_fake_iommu {
	struct iommu_domain domain;
	struct xarray pages;
	atomic_t mapped;
	int fail_at;	/* map_pages fails once this many pages are mapped; -1: never */
	u8 sid;
};

static struct uob_fake_iommu *to_fake(struct iommu_domain *d)
{
	return container_of(d, struct uob_fake_iommu, domain);
}

static int uob_fake_map_pages(struct iommu_domain *d, unsigned long iova,
			      phys_addr_t paddr, size_t pgsize, size_t pgcount,
			      int prot, gfp_t gfp, size_t *mapped)
{
	struct uob_fake_iommu *f = to_fake(d);
	size_t i, n = pgsize >> PAGE_SHIFT;

	for (i = 0; i < pgcount * n; i++) {
		if (f->fail_at >= 0 && atomic_read(&f->mapped) >= f->fail_at)
			return -ENOMEM;
		/* xa_insert() refuses an IOVA that is mapped already */
		if (xa_insert(&f->pages, (iova >> PAGE_SHIFT) + i,
			      xa_mk_value((paddr >> PAGE_SHIFT) + i), gfp))
			return -EEXIST;
		atomic_inc(&f->mapped);
		*mapped += PAGE_SIZE;
	}
	return 0;
}

static size_t uob_fake_unmap_pages(struct iommu_domain *d, unsigned long iova,
				   size_t pgsize, size_t pgcount,
				   struct iommu_iotlb_gather *gather)
{
	struct uob_fake_iommu *f = to_fake(d);
	size_t i, done = 0, n = pgsize >> PAGE_SHIFT;

	for (i = 0; i < pgcount * n; i++) {
		if (!xa_erase(&f->pages, (iova >> PAGE_SHIFT) + i))
			break;
		atomic_dec(&f->mapped);
		done += PAGE_SIZE;
	}
	return done;
}

static phys_addr_t uob_fake_iova_to_phys(struct iommu_domain *d, dma_addr_t iova)
{
	void *e = xa_load(&to_fake(d)->pages, iova >> PAGE_SHIFT);

	return e ? PFN_PHYS(xa_to_value(e)) | (iova & ~PAGE_MASK) : 0;
}

static const struct iommu_domain_ops uob_fake_iommu_ops = {
	.map_pages = uob_fake_map_pages,
	.unmap_pages = uob_fake_unmap_pages,
	.iova_to_phys = uob_fake_iova_to_phys,
};

/* The platform's choice of DSP domain, as this case's stub: our domain. */
static struct iommu_domain *uob_fake_platform(struct device **dev, u8 *sid, u16 *intr,
					      const char **source)
{
	struct uob_fake_iommu *f = kunit_get_current_test()->priv;

	*dev = NULL;
	*sid = f->sid;
	*source = "test";
	return &f->domain;
}

/* After the stub is gone: the driver chooses again (nothing is mapped). */
static void uob_fake_iommu_drop(void *data)
{
	struct uob_fake_iommu *f = data;

	uob_qc_dsp_intr_num();
	xa_destroy(&f->pages);
}

/*
 * Requests that must see this domain run in the test's thread
 * (uob_qc_call()): the stub acts there only.
 */
static struct uob_fake_iommu *uob_fake_iommu(struct kunit *test, u8 sid)
{
	struct uob_fake_iommu *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_TRUE_MSG(test, IS_ENABLED(CONFIG_IOMMU_API),
			      "the rig's kernel needs CONFIG_IOMMU_API");
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->domain.type = IOMMU_DOMAIN_UNMANAGED;
	f->domain.ops = &uob_fake_iommu_ops;
	f->domain.pgsize_bitmap = PAGE_SIZE;
	xa_init(&f->pages);
	f->fail_at = -1;
	f->sid = sid;
	/* cleaned up in reverse: the stub goes first, then the drop */
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_fake_iommu_drop, f));
	test->priv = f;
	kunit_activate_static_stub(test, uob_qc_dsp_platform, uob_fake_platform);
	return f;
}

/* Every page of @mi the DSP may touch leads to the controller's memory. */
static void uob_qc_expect_dsp_view(struct kunit *test, struct uob_fake_iommu *f,
				   struct device *sysdev, const struct uob_uaudio_mem_info *mi,
				   u8 sid, size_t pages, const char *what)
{
	unsigned long iova = lower_32_bits(mi->iova);
	size_t i;

	KUNIT_EXPECT_EQ_MSG(test, (u64)sid, mi->iova >> 32, "%s: stream ID", what);
	KUNIT_EXPECT_TRUE_MSG(test, iova && PAGE_ALIGNED(iova), "%s: IOVA %#lx", what, iova);
	KUNIT_EXPECT_NE_MSG(test, (u64)mi->dma, lower_32_bits(mi->iova),
			    "%s: the DSP got the DMA address, not an IOVA", what);
	for (i = 0; i < pages; i++)
		KUNIT_EXPECT_EQ_MSG(test, dma_to_phys(sysdev, mi->dma + i * PAGE_SIZE),
				    iommu_iova_to_phys(&f->domain, iova + i * PAGE_SIZE),
				    "%s: page %zu", what, i);
}

static void uob_qc_dsp_domain_maps_every_region(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_fake_iommu *f = uob_fake_iommu(test, 5);
	struct device *sysdev = r->udev->bus->sysdev;
	const struct uob_uaudio_mem_info *evt, *ring, *buf;
	struct uob_uaudio_resp resp;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	uob_qc_enable_here(test, r, &resp);
	evt = &resp.xhci_mem_info.evt_ring;
	ring = &resp.xhci_mem_info.tr_data;
	buf = &resp.xhci_mem_info.xfer_buff;

	uob_qc_expect_dsp_view(test, f, sysdev, evt, 5, 1, "event ring");
	uob_qc_expect_dsp_view(test, f, sysdev, ring, 5, 1, "data ring");
	uob_qc_expect_dsp_view(test, f, sysdev, buf, 5, PAGE_ALIGN(buf->size) >> PAGE_SHIFT,
			       "transfer buffer");
	KUNIT_EXPECT_EQ(test, 8192U, buf->size);
	/* upstream's layout: event rings, then transfer rings, then buffers */
	KUNIT_EXPECT_LT(test, lower_32_bits(evt->iova), lower_32_bits(ring->iova));
	KUNIT_EXPECT_LT(test, lower_32_bits(ring->iova), lower_32_bits(buf->iova));
	KUNIT_EXPECT_EQ(test, (int)((evt->size + ring->size + PAGE_ALIGN(buf->size)) >> PAGE_SHIFT),
			atomic_read(&f->mapped));
	KUNIT_EXPECT_EQ(test, 3U, uob_qc_dsp_in_use());

	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&f->mapped));
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->pages));
	KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());
	uob_qc_expect_same(test, r, &snap);
}

static void uob_qc_dsp_domain_map_failure_unwinds(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_fake_iommu *f = uob_fake_iommu(test, 1);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct uob_qc_snap snap;
	int total, i;

	/* how many pages a session maps */
	uob_qc_enable_here(test, r, &resp);
	total = atomic_read(&f->mapped);
	uob_qc_disable_ok(test, r);
	KUNIT_ASSERT_GE(test, total, 4);

	/*
	 * The IOMMU refuses a page: the event ring's (mapped first), the data
	 * ring's (next), the transfer buffer's last (after its first pages).
	 */
	const int cases[] = { 0, 1, total - 1 };

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uob_qc_snap(r, &snap);
		f->fail_at = cases[i];
		uob_qc_req_enable(&req, r->card, 0);
		/* the IOMMU's -ENOMEM, or the short mapping's */
		KUNIT_EXPECT_EQ_MSG(test, -ENOMEM, uob_qc_call(r, &req, &resp),
				    "fail at page %d", cases[i]);
		KUNIT_EXPECT_EQ_MSG(test, 0, atomic_read(&f->mapped), "fail at page %d",
				    cases[i]);
		KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());
		uob_qc_expect_same(test, r, &snap);
		KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));
		f->fail_at = -1;
	}
	uob_qc_enable_here(test, r, &resp);
	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&f->mapped));
}

static void uob_qc_local_client_refused_by_default(struct kunit *test)
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

static void uob_qc_two_clients_one_wins(struct kunit *test)
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

/* Wait (bounded) until a counter of the driver reaches @want. */
static bool uob_qc_wait_count(atomic_t *count, int want, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (atomic_read(count) != want) {
		if (time_after(jiffies, end))
			return false;
		msleep(20);
	}
	return true;
}

static void uob_qc_client_gone_stops_session(struct kunit *test)
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
 * The real-world trigger: the interface driver is unbound while the device
 * stays attached (usb_forced_unbind_intf / usbfs release / reset), so the
 * disconnect runs with the udev lock held by the USB core.
 */
static void uob_qc_forced_unbind_while_streaming(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct usb_interface *ctrl;
	struct usb_driver *drv;
	ktime_t t0;
	s64 ms;

	uob_qc_enable_ok(test, r, &resp);
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

static void uob_qc_reset_while_streaming(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	ktime_t t0;
	s64 ms;
	int ret;

	uob_qc_enable_ok(test, r, &resp);
	reinit_completion(&r->cli->ind);

	t0 = ktime_get();
	usb_lock_device(r->udev);
	ret = usb_reset_device(r->udev);	/* unbinds snd-usb-audio under our lock */
	usb_unlock_device(r->udev);
	ms = ktime_ms_delta(ktime_get(), t0);

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
static void uob_qc_streaming_intf_unbind_while_streaming(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct usb_interface *as;
	struct usb_driver *drv;
	ktime_t t0;
	s64 ms;

	uob_qc_enable_ok(test, r, &resp);
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
static void uob_qc_sleep_stops_streams(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	uob_qc_enable_ok(test, r, &resp);
	reinit_completion(&r->cli->ind);

	uob_qc_pm_event(PM_SUSPEND_PREPARE);
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
static void uob_qc_refused_put_is_kept(struct kunit *test)
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
 * ---- the parser -------------------------------------------------------
 */

static size_t uob_put_tlv(u8 *p, u8 type, u16 len, u32 val)
{
	p[0] = type;
	p[1] = len & 0xff;
	p[2] = len >> 8;
	memcpy(p + 3, &(__le32){ cpu_to_le32(val) }, min_t(u16, len, 4));
	return 3 + len;
}

/* A full disable request for @card (what mainline requires), at @p. */
static size_t uob_put_disable(u8 *p, int card)
{
	size_t n = 0;

	n += uob_put_tlv(p + n, 0x01, 1, 0);
	n += uob_put_tlv(p + n, 0x02, 4, UOB_TOKEN(card, 0, 0));
	n += uob_put_tlv(p + n, 0x10, 4, UOB_UAUDIO_FMT_S16_LE);
	n += uob_put_tlv(p + n, 0x11, 4, 2);
	n += uob_put_tlv(p + n, 0x12, 4, 48000);
	n += uob_put_tlv(p + n, 0x13, 4, 8192);
	return n;
}

static void uob_qc_expect_malformed(struct kunit *test, const struct uob_uaudio_resp *resp)
{
	KUNIT_EXPECT_EQ(test, QMI_RESULT_FAILURE_V01, resp->resp.result);
	KUNIT_EXPECT_EQ(test, QMI_ERR_MALFORMED_MSG_V01, resp->resp.error);
}

/*
 * A mandatory TLV twice, the first copy with a wrong length: the service
 * must not read a field from bytes its checks did not cover (issue 11).
 * An enabled stream is the witness: a disable that slipped through would
 * stop it.
 */
static void uob_qc_duplicate_tlv_malformed(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_qc_snap snap;
	u8 body[64];
	size_t n, m;
	u16 len;

	uob_qc_enable_ok(test, r, &resp);
	uob_qc_snap(r, &snap);
	for (len = 0; len <= 5; len++) {
		if (len == 4)
			continue;
		/* token first with a wrong length, then a correct disable */
		n = uob_put_tlv(body, 0x02, len, UOB_TOKEN(r->card, 0, 0));
		n += uob_put_disable(body + n, r->card);
		KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, body, n, &resp));
		uob_qc_expect_malformed(test, &resp);
		/* enable first with a wrong length */
		n = uob_put_tlv(body, 0x01, len ?: 2, 0);
		n += uob_put_disable(body + n, r->card);
		KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, body, n, &resp));
		uob_qc_expect_malformed(test, &resp);
	}
	/* both copies right, but twice */
	n = uob_put_disable(body, r->card);
	m = uob_put_tlv(body + n, 0x02, 4, UOB_TOKEN(r->card, 0, 0));
	KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, body, n + m, &resp));
	uob_qc_expect_malformed(test, &resp);
	/* an unknown type, one below and one above the request's */
	n = uob_put_disable(body, r->card);
	m = uob_put_tlv(body + n, 0x03, 1, 0);
	KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, body, n + m, &resp));
	uob_qc_expect_malformed(test, &resp);
	m = uob_put_tlv(body + n, 0x15, 4, 0);
	KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, body, n + m, &resp));
	uob_qc_expect_malformed(test, &resp);
	/* trailing bytes that are no TLV */
	body[n] = 0x14;
	KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, body, n + 1, &resp));
	uob_qc_expect_malformed(test, &resp);

	uob_qc_expect_same(test, r, &snap);
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&uob_qc_counters.streams));
	uob_qc_disable_ok(test, r);
}

/*
 * Datagrams longer than their header says, up to the largest QRTR carries:
 * received whole, refused (issue 11: a 49,212-byte datagram claiming 256
 * bytes was cut to 263 and ran, disabling the active stream).
 */
static void uob_qc_oversized_datagram_malformed(struct kunit *test)
{
	static const size_t sizes[] = { 64, 263, 264, 4096, 49212, 65535 - 7 };
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_qc_snap snap;
	size_t n, i, fill;
	u8 *body;

	body = kunit_kzalloc(test, 65535, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, body);
	uob_qc_enable_ok(test, r, &resp);
	uob_qc_snap(r, &snap);

	/*
	 * A valid disable and a TLV of a type the old check let through,
	 * together exactly 256 bytes (what the old buffer kept), then more
	 * such TLVs up to the largest datagram.
	 */
	n = uob_put_disable(body, r->card);
	uob_put_tlv(body + n, 0x20, 256 - n - 3, 0);
	for (fill = 256; fill + 3 <= 65535; fill += 3 + 250)
		uob_put_tlv(body + fill, 0x20, min_t(size_t, 250, 65535 - fill - 3), 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* the header claims the first 256 bytes (or the disable alone) */
		u16 claim = sizes[i] > 256 ? 256 : n;

		KUNIT_ASSERT_EQ(test, 0, uob_cli_raw_len(r->cli, body, sizes[i], claim, &resp));
		uob_qc_expect_malformed(test, &resp);
		/* and an honest header over the same bytes: unknown TLV type */
		KUNIT_ASSERT_EQ(test, 0, uob_cli_raw(r->cli, body, sizes[i], &resp));
		uob_qc_expect_malformed(test, &resp);
	}
	uob_qc_expect_same(test, r, &snap);
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&uob_qc_counters.streams));
	uob_qc_disable_ok(test, r);
}

/*
 * Property: for random byte strings, whatever the parser accepts, the
 * kernel's own QMI decoder (an independent reading of the same element
 * table) decodes without error to exactly the fields the parser saw.  The
 * strings are built from request-like TLVs and then damaged, so that many
 * are accepted and the rest fail in every way; the seed is printed.
 */
static size_t uob_rand_msg(struct rnd_state *rs, u8 *buf, size_t max)
{
	static const u8 all[] = { 0x01, 0x02, 0x10, 0x11, 0x12, 0x13, 0x14 };
	u8 types[ARRAY_SIZE(all) + 2];
	u32 k = 0, i, r;
	size_t n = 7, len;

	/* the mandatory TLVs mostly, the optional ones often */
	for (i = 0; i < ARRAY_SIZE(all); i++)
		if (prandom_u32_state(rs) % 10 < (i < 2 ? 9 : 6))
			types[k++] = all[i];
	r = prandom_u32_state(rs);
	if (!(r % 8) && k) {		/* a duplicate */
		types[k] = types[(r >> 8) % k];
		k++;
	}
	if (!((r >> 3) % 8))		/* any type */
		types[k++] = r >> 16;
	for (i = k; i > 1; i--) {	/* in any order */
		r = prandom_u32_state(rs) % i;
		swap(types[i - 1], types[r]);
	}

	for (i = 0; i < k; i++) {
		r = prandom_u32_state(rs);
		/* the field's size, mostly; sometimes one off, sometimes any */
		len = types[i] == 0x01 ? 1 : 4;
		if (!(r % 16))
			len = (r >> 4) & 1 ? len + 1 : len - 1;
		else if (!((r >> 5) % 32))
			len = (r >> 10) % 12;
		if (n + 3 + len > max)
			break;
		buf[n] = types[i];
		buf[n + 1] = len & 0xff;
		buf[n + 2] = len >> 8;
		prandom_bytes_state(rs, buf + n + 3, len);
		n += 3 + len;
	}
	buf[0] = QMI_REQUEST;
	buf[1] = prandom_u32_state(rs);
	buf[2] = 0;
	buf[3] = UOB_QMI_UAUDIO_STREAM_REQ;
	buf[4] = 0;
	buf[5] = (n - 7) & 0xff;
	buf[6] = (n - 7) >> 8;

	r = prandom_u32_state(rs);
	switch (r % 10) {
	case 0:		/* truncated anywhere */
		n = (r >> 8) % (n + 1);
		break;
	case 1:		/* truncated after the header, which is made to agree */
		n = 7 + (r >> 8) % (n - 6);
		buf[5] = (n - 7) & 0xff;
		buf[6] = (n - 7) >> 8;
		break;
	case 2:		/* a byte changed anywhere */
		buf[(r >> 8) % n] = r >> 24;
		break;
	case 3:		/* pure noise */
		n = (r >> 8) % max;
		prandom_bytes_state(rs, buf, n);
		break;
	}
	return n;
}

static void uob_qc_parse_property(struct kunit *test)
{
	const unsigned int rounds = 100000;
	struct uob_uaudio_req mine, theirs;
	unsigned int i, accepted = 0, verdicts[UOB_QMI_VERDICTS] = {};
	struct rnd_state rs;
	enum uob_qmi_verdict v;
	u64 seed = get_random_u64();
	u16 txn;
	u8 *buf;
	size_t n;
	int ret;

	buf = kunit_kzalloc(test, 128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	kunit_info(test, "seed %llu\n", seed);
	prandom_seed_state(&rs, seed);
	for (i = 0; i < rounds; i++) {
		n = uob_rand_msg(&rs, buf, 128);
		v = uob_qc_parse_req(buf, n, &mine, &txn);
		KUNIT_ASSERT_LT(test, (unsigned int)v, (unsigned int)UOB_QMI_VERDICTS);
		verdicts[v]++;
		if (v != UOB_QMI_OK)
			continue;
		accepted++;
		memset(&theirs, 0, sizeof(theirs));
		ret = qmi_decode_message(buf, n, uob_uaudio_req_ei, &theirs);
		KUNIT_ASSERT_GE_MSG(test, ret, 0, "seed %llu round %u: decoder refused", seed, i);
		KUNIT_ASSERT_EQ_MSG(test, 0, memcmp(&mine, &theirs, sizeof(mine)),
				    "seed %llu round %u: fields differ", seed, i);
		/* what was accepted is exactly the datagram, TLV for TLV */
		KUNIT_ASSERT_EQ(test, (size_t)(buf[5] | buf[6] << 8) + 7, n);
	}
	for (i = 0; i < UOB_QMI_VERDICTS; i++)
		kunit_info(test, "verdict %s: %u\n", uob_qmi_verdict_name(i), verdicts[i]);
	/* not vacuous: many accepted, and every way to fail was met */
	KUNIT_EXPECT_GT(test, accepted, rounds / 50);
	for (i = UOB_QMI_DROP_SHORT; i < UOB_QMI_VERDICTS; i++)
		if (i != UOB_QMI_BAD_CUT)
			KUNIT_EXPECT_GT_MSG(test, verdicts[i], 0U, "verdict %s never met",
					    uob_qmi_verdict_name(i));
}

static bool uob_qc_allow_local_was;

/* The suite's client is on the local node: allow_local=1, as on the rigs. */
static int uob_qc_suite_init(struct kunit_suite *suite)
{
	uob_qc_allow_local_was = READ_ONCE(uob_qc_allow_local);
	WRITE_ONCE(uob_qc_allow_local, true);
	return 0;
}

static void uob_qc_suite_exit(struct kunit_suite *suite)
{
	WRITE_ONCE(uob_qc_allow_local, uob_qc_allow_local_was);
}

static struct kunit_case uob_qc_cases[] = {
	KUNIT_CASE(uob_qc_enable_reports_what_the_kernel_holds),
	KUNIT_CASE(uob_qc_second_enable_refused),
	KUNIT_CASE(uob_qc_disable_of_nothing),
	KUNIT_CASE(uob_qc_bad_card),
	KUNIT_CASE(uob_qc_absent_card),
	KUNIT_CASE(uob_qc_bad_pcm),
	KUNIT_CASE(uob_qc_bad_direction),
	KUNIT_CASE(uob_qc_no_capture_stream),
	KUNIT_CASE(uob_qc_bad_format),
	KUNIT_CASE(uob_qc_bad_channels),
	KUNIT_CASE(uob_qc_bad_interval),
	KUNIT_CASE(uob_qc_bad_buffer),
	KUNIT_CASE(uob_qc_malformed_request),
	KUNIT_CASE_PARAM(uob_qc_setup_step_fails, uob_qc_step_gen_params),
	KUNIT_CASE(uob_qc_two_cards_balance),
	KUNIT_CASE(uob_qc_dsp_domain_maps_every_region),
	KUNIT_CASE(uob_qc_dsp_domain_map_failure_unwinds),
	KUNIT_CASE(uob_qc_local_client_refused_by_default),
	KUNIT_CASE(uob_qc_two_clients_one_wins),
	KUNIT_CASE(uob_qc_client_gone_stops_session),
	KUNIT_CASE_SLOW(uob_qc_forced_unbind_while_streaming),
	KUNIT_CASE_SLOW(uob_qc_reset_while_streaming),
	KUNIT_CASE_SLOW(uob_qc_streaming_intf_unbind_while_streaming),
	KUNIT_CASE(uob_qc_sleep_stops_streams),
	KUNIT_CASE(uob_qc_refused_put_is_kept),
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
