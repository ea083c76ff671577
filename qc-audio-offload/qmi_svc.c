// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the QMI "UAUDIO stream" service.
 *
 * A datagram from the QMI core is parsed (qmi_parse.c), the client is
 * checked (SPEC section 4: only the DSP's node, one bound client), and a
 * well-formed request is validated in mainline's order and run: an enable
 * (stream.c) or a disable.  Every request gets an answer (qmi_transport.c).
 *
 * Locking: a request takes the udev lock of its card's device first, as
 * every path does (see teardown.c), holding no card reference while it
 * waits for it (pcm.c), and is answered before it drops it: every
 * teardown holds that lock, so a DISCONNECT indication for a stream
 * never reaches the client ahead of the answer that enabled it.
 * uob_svc.lock protects the client binding; a leaf lock, never held
 * across a call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <sound/core.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <uob_compat.h>

#include "kept.h"
#include "pcm.h"
#include "qmi_parse.h"
#include "qmi_svc.h"
#include "qmi_transport.h"
#include "response.h"
#include "stream.h"
#include "teardown.h"

/* visible to the KUnit suite, which accepts its own local client */
VISIBLE_IF_KUNIT bool uob_qc_allow_local;
module_param_named(allow_local, uob_qc_allow_local, bool, 0644);
MODULE_PARM_DESC(allow_local, "accept QMI clients on the local QRTR node (test rigs; default: no)");

static int allowed_node = -1;
module_param(allowed_node, int, 0644);
MODULE_PARM_DESC(allowed_node, "QRTR node of the audio DSP; -1: any remote node (default)");

/* mainline's MAX_XFER_BUFF_LEN: a larger transfer buffer is cut to this */
#define UOB_QC_XFER_MAX		(24 * PAGE_SIZE)

static struct {
	struct mutex lock;		/* leaf (order: teardown.c): bound, client */
	bool bound;
	struct sockaddr_qrtr client;
} uob_svc = {
	.lock = __MUTEX_INITIALIZER(uob_svc.lock),
};

/*
 * What mainline checks before it looks the stream up, in its order, with
 * its answers: format, channels, rate and buffer size are required for a
 * disable too.  A card number above 8 bits is refused (mainline truncates
 * it to 8 bits and may act on another card).
 */
static int uob_qc_check_req(const struct uob_uaudio_req *req)
{
	if (!req->audio_format_valid || !req->bit_rate_valid ||
	    !req->number_of_ch_valid || !req->xfer_buff_size_valid)
		return -EINVAL;
	if (UOB_TOKEN_CARD(req->usb_token) >= SNDRV_CARDS || req->usb_token >> 24)
		return -EINVAL;
	if (req->audio_format >= UOB_UAUDIO_FMT_COUNT)
		return -EINVAL;
	return 0;
}

/*
 * The one place an errno becomes an answer.  Every answer has status
 * SUCCESS or FAILURE and internal_status 0 or the negative errno, as
 * mainline's.  A message the service does not run also has a QMI error in
 * resp (mainline's QMI core would drop it unanswered, see docs/mainline.md
 * "Where we answer differently from mainline"), chosen by why it was
 * refused.
 */
static void uob_qc_set_status(struct uob_uaudio_resp *resp, int err)
{
	resp->status_valid = 1;
	resp->status = err ? UOB_UAUDIO_FAILURE : UOB_UAUDIO_SUCCESS;
	resp->internal_status_valid = 1;
	resp->internal_status = err;
}

static u16 uob_qc_qmi_error(int err)
{
	switch (err) {
	case -EPERM:		/* a client from a node that is not allowed */
		return QMI_ERR_INVALID_ID_V01;
	case -EOPNOTSUPP:	/* another message id */
		return QMI_ERR_NOT_SUPPORTED_V01;
	case -EBUSY:		/* another client is bound */
		return QMI_ERR_CLIENT_IDS_EXHAUSTED_V01;
	case -ENOMEM:
		return QMI_ERR_NO_MEMORY_V01;
	default:		/* -EBADMSG: malformed */
		return QMI_ERR_MALFORMED_MSG_V01;
	}
}

static void uob_qc_refuse(struct sockaddr_qrtr *sq, u16 txn_id, int err)
{
	struct uob_uaudio_resp resp = {
		.resp = { .result = QMI_RESULT_FAILURE_V01, .error = uob_qc_qmi_error(err) },
	};

	uob_qc_set_status(&resp, err);
	uob_qc_qmi_send_resp(sq, txn_id, &resp);
	uob_qc_qmi_flush();
}

static bool uob_qc_client_allowed(const struct sockaddr_qrtr *sq)
{
	if (uob_qc_qmi_local(sq))
		return READ_ONCE(uob_qc_allow_local);
	return allowed_node < 0 || sq->sq_node == (u32)allowed_node;
}

/* Bind the first (allowed) client; refuse others (-EBUSY) while it is bound. */
static int uob_qc_bind_client(const struct sockaddr_qrtr *sq)
{
	guard(mutex)(&uob_svc.lock);
	if (!uob_svc.bound) {
		uob_svc.bound = true;
		uob_svc.client = *sq;
		return 0;
	}
	if (uob_svc.client.sq_node == sq->sq_node && uob_svc.client.sq_port == sq->sq_port)
		return 0;
	return -EBUSY;
}

/* Where a request's answer goes, and whether it has gone. */
struct uob_qc_answer {
	struct sockaddr_qrtr *sq;
	u16 txn_id;
	struct uob_uaudio_resp *resp;
	bool sent;
};

/*
 * Answer a well-formed request that ran: resp.result SUCCESS, the token
 * echoed, status and internal_status from @err.
 */
static void uob_qc_answer(struct uob_qc_answer *a, const struct uob_uaudio_req *req,
			  int err)
{
	a->resp->usb_token_valid = 1;
	a->resp->usb_token = req->usb_token;
	uob_qc_set_status(a->resp, err);
	uob_qmi_count(err ? UOB_QMI_CNT_DONE_FAILED : UOB_QMI_CNT_DONE_OK);
	uob_qc_qmi_send_resp(a->sq, a->txn_id, a->resp);
	a->sent = true;
}

/*
 * The point between a request's udev unlock and its return, where nothing
 * of the request is left to say: a KUnit static stub, so that the suite
 * can run a teardown exactly there (nothing without CONFIG_KUNIT).
 */
VISIBLE_IF_KUNIT void uob_qc_req_unlocked(struct usb_device *udev)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_req_unlocked, udev);
}

/*
 * Run a well-formed request as mainline does.  The refusals and their
 * errnos follow mainline's order: required TLVs, card, format (-EINVAL);
 * no such stream (-ENODEV); already enabled (-EBUSY); service interval
 * (-EINVAL); then the enable itself, or a disable of nothing (-EINVAL).
 * A disable of a stream the driver ended and told the client of is
 * answered right after the first three checks (uob_qc_ended_disable()).
 * @a->resp gets the stream's fields on a successful enable.  A request
 * that got as far as the udev lock is answered here, under it; otherwise
 * @a->sent stays false and the caller answers with the errno returned.
 */
static int uob_qc_handle_req(struct uob_uaudio_req *req, struct uob_qc_answer *a)
{
	const struct sockaddr_qrtr *sq = a->sq;
	struct uob_uaudio_resp *resp = a->resp;
	int card = UOB_TOKEN_CARD(req->usb_token);
	int dir = UOB_TOKEN_DIR(req->usb_token);
	struct usb_device *udev = NULL;
	struct uob_qc_stream *s;
	struct snd_pcm *pcm;
	int ret;

	ret = uob_qc_check_req(req);
	if (ret)
		return ret;

	/*
	 * The disable that follows a DISCONNECT of ours: answered as mainline,
	 * whose disconnect waits for it, answers it (stream.c), whether the
	 * system is going to sleep or the card is gone.
	 */
	if (!req->enable) {
		ret = uob_qc_ended_disable(req, sq);
		if (ret != -ENOENT)
			return ret;
	}

	/*
	 * An early refusal only: the sleep notifier may set ->sleeping right
	 * after this; uob_qc_enable() checks it again under its lock at its
	 * commit point, which is what keeps a stream from living across sleep.
	 */
	if (uob_qc_sleeping())
		return -EBUSY;	/* as mainline while the system sleeps; back after resume */

	if (dir > SNDRV_PCM_STREAM_CAPTURE)
		return -ENODEV;
	/*
	 * No card reference while waiting for the udev lock: snd-usb-audio's
	 * probe error path frees its card under that lock and waits for every
	 * reference.  The card is looked up again under the lock (pcm.c).
	 */
	udev = uob_qc_pcm_card_udev_get(card);
	if (!udev)
		return -ENODEV;
	/* before any stream exists on this bus, so every unbind is seen */
	if (req->enable) {
		ret = uob_qc_watch_bus(udev->dev.bus);
		if (!ret)	/* a transfer buffer may outlive a controller's removal */
			ret = uob_qc_kept_watch(udev);
		if (ret)
			goto put_udev;
	}

	/* udev lock first: the order of every path (see teardown.c) */
	ret = -ENODEV;
	usb_lock_device(udev);
	pcm = uob_qc_pcm_get(udev, card, UOB_TOKEN_PCM(req->usb_token));
	if (!pcm)
		goto unlock;
	if (udev->state == USB_STATE_NOTATTACHED || !pcm->streams[dir].substream_count)
		goto put_pcm;

	s = uob_qc_find_stream(req->usb_token);
	ret = -EBUSY;
	if (req->enable && s)
		goto put_pcm;
	ret = -EINVAL;
	if (req->service_interval_valid &&
	    uob_qc_data_interval(udev->speed, req->service_interval) < 0)
		goto put_pcm;

	if (req->enable) {
		if (!req->number_of_ch || req->number_of_ch > 32 ||
		    req->bit_rate < 4000 || req->bit_rate > 768000)
			goto put_pcm;	/* -EINVAL, as ALSA's hw_params would say */
		/* mainline's transfer buffer: 0 is a page, whole pages, at most 24 */
		if (!req->xfer_buff_size)
			req->xfer_buff_size = PAGE_SIZE;
		else if (req->xfer_buff_size > UOB_QC_XFER_MAX)
			req->xfer_buff_size = UOB_QC_XFER_MAX;
		else
			req->xfer_buff_size = PAGE_ALIGN(req->xfer_buff_size);
		ret = uob_qc_enable(req, pcm, udev, sq, resp);
	} else if (s) {
		uob_qc_stream_stop(s, false);
		ret = 0;
	}
put_pcm:
	uob_qc_pcm_put(pcm);
unlock:
	/*
	 * Answered before the udev lock is dropped.  An unplug, reset or
	 * unbind in between would otherwise tear the stream down and send its
	 * DISCONNECT first, and the DSP would then get SUCCESS naming memory
	 * that is gone.  Every teardown holds this lock, so the answer and a
	 * DISCONNECT for this device never cross: both are queued on the one
	 * ordered queue of qmi_transport.c, and sent from it in that order
	 * without waiting for QRTR's flow control (uob_qc_serve() sends the
	 * answer once no lock is held), so nothing here waits for the DSP.
	 */
	uob_qc_answer(a, req, ret);
	usb_unlock_device(udev);
	uob_qc_req_unlocked(udev);
put_udev:
	usb_put_dev(udev);
	return ret;
}

/* A client's mistake: counted always, logged once per kind per interval. */
static void uob_qc_log_bad(const struct sockaddr_qrtr *sq, enum uob_qmi_verdict v,
			   size_t len)
{
	if (uob_qmi_log_allowed(UOB_QMI_COUNTS, v))
		pr_warn("QRTR %u:%u: %zu-byte message %s: %s (%ld so far; debugfs qmi)\n",
			sq->sq_node, sq->sq_port, len,
			v == UOB_QMI_DROP_SHORT || v == UOB_QMI_DROP_TYPE ? "dropped" : "refused",
			uob_qmi_verdict_name(v), atomic_long_read(&uob_qmi_stats.verdict[v]));
}

/*
 * Whether the service runs a parsed message: 0, or why not (the errno
 * uob_qc_refuse() answers with).  Counted and logged here.
 */
static int uob_qc_admit(const struct sockaddr_qrtr *sq, enum uob_qmi_verdict v,
			size_t len)
{
	if (!uob_qc_client_allowed(sq)) {
		uob_qmi_count(UOB_QMI_CNT_REFUSED_ID);
		if (uob_qmi_log_allowed(UOB_QMI_CNT_REFUSED_ID, 0))
			pr_warn("request from QRTR %u:%u refused: client not allowed (%ld so far)\n",
				sq->sq_node, sq->sq_port,
				atomic_long_read(&uob_qmi_stats.count[UOB_QMI_CNT_REFUSED_ID]));
		return -EPERM;
	}
	if (v != UOB_QMI_OK) {
		uob_qc_log_bad(sq, v, len);
		return v == UOB_QMI_UNSUPPORTED ? -EOPNOTSUPP : -EBADMSG;
	}
	if (uob_qc_bind_client(sq)) {
		uob_qmi_count(UOB_QMI_CNT_REFUSED_BUSY);
		if (uob_qmi_log_allowed(UOB_QMI_CNT_REFUSED_BUSY, 0))
			pr_warn("request from QRTR %u:%u refused: another client is bound (%ld so far)\n",
				sq->sq_node, sq->sq_port,
				atomic_long_read(&uob_qmi_stats.count[UOB_QMI_CNT_REFUSED_BUSY]));
		return -EBUSY;
	}
	return 0;
}

/**
 * uob_qc_serve() - run an admitted, well-formed request and answer it
 * @sq: the client
 * @txn_id: the request's transaction id
 * @req: the request
 *
 * Every request gets exactly one answer: resp.result SUCCESS, the token
 * echoed, status and internal_status.  A request that reached its
 * device is answered under the device's udev lock (see
 * uob_qc_handle_req()), so a DISCONNECT for that device is never sent
 * ahead of it.
 *
 * Return: the errno the answer carried (0: the request succeeded).
 *
 * Context: process context (the QMI core's worker, or a KUnit case); takes
 * the udev lock of the request's device and sends the answer
 * (uob_qc_qmi_flush()), so the caller holds no lock.
 */
VISIBLE_IF_KUNIT int uob_qc_serve(struct sockaddr_qrtr *sq, u16 txn_id,
				  struct uob_uaudio_req *req)
{
	struct uob_qc_answer a = { .sq = sq, .txn_id = txn_id };
	int err;

	a.resp = kzalloc_obj(*a.resp, GFP_KERNEL);
	if (!a.resp) {
		uob_qmi_count(UOB_QMI_CNT_NO_MEMORY);
		uob_qc_refuse(sq, txn_id, -ENOMEM);
		return -ENOMEM;
	}
	err = uob_qc_handle_req(req, &a);
	if (!a.sent)
		uob_qc_answer(&a, req, err);
	kfree(a.resp);
	uob_qc_qmi_flush();	/* no lock held: the answer leaves from here */
	return err;
}

static void uob_qc_msg(struct qmi_handle *qmi, struct sockaddr_qrtr *sq,
		       const void *buf, size_t len)
{
	struct uob_uaudio_req req;
	enum uob_qmi_verdict v;
	u16 txn_id = 0;
	int err;

	atomic_long_inc(&uob_qmi_stats.received);
	v = uob_qc_parse_req(buf, len, &req, &txn_id);
	atomic_long_inc(&uob_qmi_stats.verdict[v]);
	if (v == UOB_QMI_DROP_SHORT || v == UOB_QMI_DROP_TYPE) {
		uob_qc_log_bad(sq, v, len);
		return;
	}
	err = uob_qc_admit(sq, v, len);
	if (err) {
		uob_qc_refuse(sq, txn_id, err);
		return;
	}
	uob_qc_serve(sq, txn_id, &req);
}

static void uob_qc_unbind(unsigned int node, unsigned int port)
{
	struct sockaddr_qrtr sq = { .sq_node = node, .sq_port = port };
	bool was;

	scoped_guard(mutex, &uob_svc.lock) {
		was = uob_svc.bound && uob_svc.client.sq_node == node &&
		      (!port || uob_svc.client.sq_port == port);
		if (was)
			uob_svc.bound = false;
	}
	if (was)
		pr_info_ratelimited("QMI client %u:%u gone: stopping its streams\n", node, port);
	uob_qc_ended_forget(&sq);
	uob_qc_stop_streams(&sq, false, "client gone");
}

static void uob_qc_bye(struct qmi_handle *qmi, unsigned int node)
{
	uob_qc_unbind(node, 0);
}

static void uob_qc_del_client(struct qmi_handle *qmi, unsigned int node,
			      unsigned int port)
{
	uob_qc_unbind(node, port);
}

const struct qmi_ops uob_qc_svc_ops = {
	.msg_handler = uob_qc_msg,
	.bye = uob_qc_bye,
	.del_client = uob_qc_del_client,
};

/**
 * uob_qc_svc_show() - debugfs: the client binding
 * @m: the seq_file
 *
 * Context: process context; takes uob_svc.lock.
 */
void uob_qc_svc_show(struct seq_file *m)
{
	guard(mutex)(&uob_svc.lock);
	seq_printf(m, "client: %s %u:%u (allow_local=%d allowed_node=%d)\n",
		   uob_svc.bound ? "bound" : "none", uob_svc.client.sq_node,
		   uob_svc.client.sq_port, uob_qc_allow_local, allowed_node);
}
