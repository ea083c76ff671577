// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the QMI "UAUDIO stream" service's handle.
 *
 * The service (0x41D, v1, instance 0) on the kernel's QMI helpers over
 * QRTR.  Requests arrive in the QMI core's worker and go to the ops given
 * at start (the service, qmi_svc.c); responses and indications leave here.
 *
 * Locking: uob_qmi.sem guards "up": an indication holds it for reading
 * while it sends, and module exit clears "up" under it for writing before
 * the handle is released, so no indication is sent on a released handle.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rwsem.h>
#include <linux/soc/qcom/qmi.h>

#include "qmi_parse.h"
#include "qmi_transport.h"

/* what qmi_handle_init() adds the QMI header to: the buffer is whole datagrams */
#define UOB_QC_RECV_MAX		(UOB_QC_RECV_BUF - sizeof(struct qmi_header))

atomic_t uob_qc_indications;

static struct {
	struct qmi_handle qmi;
	struct rw_semaphore sem;	/* up; read-held across an indication */
	bool up;
} uob_qmi = {
	.sem = __RWSEM_INITIALIZER(uob_qmi.sem),
};

/**
 * uob_qc_qmi_start() - bring the service up
 * @ops: the service's message and client callbacks
 *
 * Context: module init.
 *
 * Return: 0 or a negative error, with nothing left.
 */
int uob_qc_qmi_start(const struct qmi_ops *ops)
{
	int ret;

	ret = qmi_handle_init(&uob_qmi.qmi, UOB_QC_RECV_MAX, ops, NULL);
	if (ret)
		return ret;
	ret = qmi_add_server(&uob_qmi.qmi, UOB_UAUDIO_SERVICE_ID,
			     UOB_UAUDIO_SERVICE_VERS, UOB_UAUDIO_SERVICE_INSTANCE);
	if (ret) {
		qmi_handle_release(&uob_qmi.qmi);
		return ret;
	}
	uob_qmi.up = true;
	return 0;
}

/**
 * uob_qc_qmi_stop() - take the service down
 *
 * No indication from here on, no new requests; a request being handled
 * is finished first (qmi_handle_release() flushes the QMI worker).
 *
 * Context: module exit; takes uob_qmi.sem for writing.
 */
void uob_qc_qmi_stop(void)
{
	scoped_guard(rwsem_write, &uob_qmi.sem)
		uob_qmi.up = false;
	qmi_handle_release(&uob_qmi.qmi);
}

/**
 * uob_qc_qmi_local() - is @sq on our own QRTR node?
 * @sq: a client's address
 *
 * Context: any, while the service is up.
 *
 * Return: true for a client on the local node.
 */
bool uob_qc_qmi_local(const struct sockaddr_qrtr *sq)
{
	return sq->sq_node == uob_qmi.qmi.sq.sq_node;
}

/**
 * uob_qc_qmi_send_resp() - answer a request
 * @sq: the client
 * @txn_id: the request's transaction id
 * @resp: the response
 *
 * A failure (a client that does not read its answers: -ENOSPC, or gone:
 * -ENODEV) is counted in debugfs "qmi" and logged at most once per interval.
 *
 * Context: the QMI core's worker (the message handler).
 */
void uob_qc_qmi_send_resp(struct sockaddr_qrtr *sq, u16 txn_id,
			  struct uob_uaudio_resp *resp)
{
	struct qmi_txn txn = { .id = txn_id };
	int ret;

	ret = qmi_send_response(&uob_qmi.qmi, sq, &txn, UOB_QMI_UAUDIO_STREAM_RESP,
				UOB_UAUDIO_RESP_MAX_LEN, uob_uaudio_resp_ei, resp);
	if (ret >= 0)
		return;
	uob_qmi_count(UOB_QMI_CNT_SEND_FAILED);
	if (uob_qmi_log_allowed(UOB_QMI_CNT_SEND_FAILED, 0))
		pr_warn("QMI response to %u:%u failed: %d (%ld so far; debugfs qmi)\n",
			sq->sq_node, sq->sq_port, ret,
			atomic_long_read(&uob_qmi_stats.count[UOB_QMI_CNT_SEND_FAILED]));
}

/**
 * uob_qc_qmi_send_ind() - send an indication to a client
 * @sq: the client
 * @ind: the indication
 *
 * Context: process context; takes uob_qmi.sem for reading.  Never waits
 * for the client.
 *
 * Return: 0, -ESHUTDOWN once the service is going down, or the QMI core's
 * error.
 */
int uob_qc_qmi_send_ind(struct sockaddr_qrtr *sq, const struct uob_uaudio_ind *ind)
{
	int ret;

	guard(rwsem_read)(&uob_qmi.sem);
	if (!uob_qmi.up)
		return -ESHUTDOWN;
	ret = qmi_send_indication(&uob_qmi.qmi, sq, UOB_QMI_UAUDIO_STREAM_IND,
				  UOB_UAUDIO_IND_MAX_LEN, uob_uaudio_ind_ei, ind);
	if (ret < 0)
		return ret;
	atomic_inc(&uob_qc_indications);
	return 0;
}
