// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": the QMI client, the rig, request builders
 * and snapshots of what a session holds.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/usb/audio.h>
#include <sound/core.h>

#include <uob_xhci_compat.h>

#include "../device.h"
#include "../dsp_mem.h"
#include "../pcm.h"
#include "../qmi_svc.h"
#include "../stream.h"
#include "qc_kunit.h"

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
	c->ind_seq = atomic_inc_return(&c->seq);
	complete(&c->ind);
}

/*
 * An answer to a transaction made without a destination (qmi_txn_init()
 * with no ei): the QMI core hands it here, in the order it arrived among
 * the indications; the transaction is completed as the core would.
 */
static void uob_cli_resp(struct qmi_handle *qmi, struct sockaddr_qrtr *sq,
			 struct qmi_txn *txn, const void *data)
{
	struct uob_cli *c = container_of(qmi, struct uob_cli, qmi);

	memcpy(&c->last_resp, data, sizeof(c->last_resp));
	c->resp_seq = atomic_inc_return(&c->seq);
	complete(&txn->completion);
}

static const struct qmi_msg_handler uob_cli_handlers[] = {
	{
		.type = QMI_INDICATION,
		.msg_id = UOB_QMI_UAUDIO_STREAM_IND,
		.ei = uob_uaudio_ind_ei,
		.decoded_size = sizeof(struct uob_uaudio_ind),
		.fn = uob_cli_ind,
	},
	{
		.type = QMI_RESPONSE,
		.msg_id = UOB_QMI_UAUDIO_STREAM_RESP,
		.ei = uob_uaudio_resp_ei,
		.decoded_size = sizeof(struct uob_uaudio_resp),
		.fn = uob_cli_resp,
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

struct uob_cli *uob_cli_start(struct kunit *test)
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
	/* bound by the lookup it sent: the address the service sees */
	KUNIT_ASSERT_GT(test, kernel_getsockname(c->qmi.sock, (struct sockaddr *)&c->addr), 0);
	KUNIT_ASSERT_NE(test, 0U, c->addr.sq_port);
	return c;
}

int uob_cli_req(struct uob_cli *c, const struct uob_uaudio_req *req,
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
int uob_cli_raw_len(struct uob_cli *c, const u8 *body, size_t blen, u16 msg_len,
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
int uob_cli_raw(struct uob_cli *c, const u8 *body, size_t blen,
		struct uob_uaudio_resp *resp)
{
	return uob_cli_raw_len(c, body, blen, blen, resp);
}

/* The rig's card for a USB device, waiting for snd-usb-audio (bounded). */
int uob_qc_card_of(struct kunit *test, struct usb_device *udev)
{
	unsigned long end = jiffies + msecs_to_jiffies(UOB_KUNIT_ENUM_TIMEOUT_MS);
	struct snd_card *card;
	int i;

	for (;;) {
		for (i = 0; i < SNDRV_CARDS; i++) {
			card = snd_card_ref(i);
			if (!card)
				continue;
			/* the driver's own recognition of a USB audio card */
			if (!card->shutdown && card->registered &&
			    uob_qc_pcm_card_udev(card) == udev) {
				snd_card_unref(card);
				return i;
			}
			snd_card_unref(card);
		}
		if (time_after(jiffies, end))
			break;
		msleep(100);
	}
	KUNIT_FAIL(test, "no USB audio card for %s", dev_name(&udev->dev));
	return -1;
}

static void uob_qc_rig_put(void *data)
{
	struct uob_qc_rig *r = data;

	usb_put_dev(r->udev);
}

struct uob_qc_rig *uob_qc_rig(struct kunit *test, enum uob_kunit_where where)
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

void uob_qc_req_enable(struct uob_uaudio_req *req, int card, int dir)
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
void uob_qc_req_disable(struct uob_uaudio_req *req, int card)
{
	uob_qc_req_enable(req, card, 0);
	req->enable = 0;
}

void uob_qc_snap(struct uob_qc_rig *r, struct uob_qc_snap *s)
{
	unsigned int i;

	s->usage = uob_kunit_offload_usage(r->udev);
	s->rpm = atomic_read(&r->udev->dev.power.usage_count);
	s->streams = atomic_read(&uob_qc_counters.streams);
	s->devs = atomic_read(&uob_qc_devs);
	s->mappings = (int)uob_qc_dsp_in_use();
	s->xfer_bufs = atomic_read(&uob_qc_counters.xfer_bufs);
	s->interrupters = 0;
	for (i = 1; i < r->xhci->max_interrupters && i < BITS_PER_LONG; i++)
		if (r->xhci->interrupters[i])
			s->interrupters |= BIT(i);
}

void uob_qc_expect_same(struct kunit *test, struct uob_qc_rig *r,
			const struct uob_qc_snap *a)
{
	struct uob_qc_snap b;

	uob_qc_snap(r, &b);
	KUNIT_EXPECT_EQ(test, a->usage, b.usage);
	KUNIT_EXPECT_EQ_MSG(test, a->rpm, b.rpm, "the device's runtime-PM usage count");
	KUNIT_EXPECT_EQ(test, a->streams, b.streams);
	KUNIT_EXPECT_EQ(test, a->devs, b.devs);
	KUNIT_EXPECT_EQ(test, a->mappings, b.mappings);
	KUNIT_EXPECT_EQ(test, a->xfer_bufs, b.xfer_bufs);
	KUNIT_EXPECT_EQ(test, a->interrupters, b.interrupters);
}

struct usb_host_interface *uob_qc_active_as(struct usb_device *udev)
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

void uob_qc_expect_fail(struct kunit *test, struct uob_qc_rig *r,
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
 * The client is the rig's, as if it had sent @req, and gets the answer on
 * its socket.  Returns the errno the answer's internal_status carries (or
 * the transaction's error).
 */
int uob_qc_call(struct uob_qc_rig *r, struct uob_uaudio_req *req,
		struct uob_uaudio_resp *resp)
{
	struct qmi_txn txn;
	int ret;

	memset(resp, 0, sizeof(*resp));
	ret = qmi_txn_init(&r->cli->qmi, &txn, uob_uaudio_resp_ei, resp);
	if (ret < 0)
		return ret;
	uob_qc_serve(&r->cli->addr, txn.id, req);
	ret = qmi_txn_wait(&txn, UOB_QC_WAIT);
	return ret < 0 ? ret : (int)resp->internal_status;
}

void uob_qc_enable_ok(struct kunit *test, struct uob_qc_rig *r,
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
void uob_qc_enable_here(struct kunit *test, struct uob_qc_rig *r,
			struct uob_uaudio_resp *resp)
{
	struct uob_uaudio_req req;

	uob_qc_req_enable(&req, r->card, 0);
	KUNIT_ASSERT_EQ(test, 0, uob_qc_call(r, &req, resp));
}

void uob_qc_disable_ok(struct kunit *test, struct uob_qc_rig *r)
{
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;

	uob_qc_req_disable(&req, r->card);
	KUNIT_ASSERT_EQ(test, 0, uob_cli_req(r->cli, &req, &resp));
	KUNIT_EXPECT_EQ(test, QMI_RESULT_SUCCESS_V01, resp.resp.result);
	KUNIT_EXPECT_EQ(test, UOB_UAUDIO_SUCCESS, resp.status);
}

/* Wait (bounded) until a counter of the driver reaches @want. */
bool uob_qc_wait_count(atomic_t *count, int want, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (atomic_read(count) != want) {
		if (time_after(jiffies, end))
			return false;
		msleep(20);
	}
	return true;
}

