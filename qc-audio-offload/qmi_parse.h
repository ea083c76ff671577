/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the one parser of UAUDIO stream requests, the service's
 * message counters and its rate-limited log of what clients do wrong.
 */
#ifndef _UOB_QMI_PARSE_H
#define _UOB_QMI_PARSE_H

#include <linux/atomic.h>
#include <linux/qrtr.h>
#include <linux/sizes.h>
#include <linux/types.h>

#include "usb_audio_qmi_v01.h"

/*
 * The receive buffer: whole datagrams.  qrtr_sendmsg() refuses more than
 * 65535 bytes, so a local datagram always fits; one that fills the buffer
 * may have been cut by recvmsg() and is refused, never executed.
 */
#define UOB_QC_RECV_BUF		SZ_64K

/* What the parser makes of a datagram (counted per kind in debugfs "qmi"). */
enum uob_qmi_verdict {
	UOB_QMI_OK,		/* a well-formed UAUDIO stream request */
	UOB_QMI_DROP_SHORT,	/* shorter than a QMI header: nothing to answer */
	UOB_QMI_DROP_TYPE,	/* not a request (response, indication, junk) */
	UOB_QMI_UNSUPPORTED,	/* a request with another message id */
	/* malformed: answered with QMI_ERR_MALFORMED_MSG, nothing changes */
	UOB_QMI_BAD_CUT,	/* filled the receive buffer: may be cut */
	UOB_QMI_BAD_LENGTH,	/* header msg_len != the datagram's payload */
	UOB_QMI_BAD_TLV_CUT,	/* a TLV header or value runs past the end */
	UOB_QMI_BAD_TLV_TYPE,	/* a TLV type the request does not have */
	UOB_QMI_BAD_TLV_LEN,	/* a TLV length that is not its field's size */
	UOB_QMI_BAD_DUPLICATE,	/* a TLV type seen twice */
	UOB_QMI_BAD_MISSING,	/* enable (0x01) or usb_token (0x02) absent */
	UOB_QMI_VERDICTS
};

/* Everything a client can make the service do, counted exactly. */
enum uob_qmi_count {
	UOB_QMI_CNT_REFUSED_ID,		/* client not allowed: INVALID_ID */
	UOB_QMI_CNT_REFUSED_BUSY,	/* another client bound: CLIENT_IDS_EXHAUSTED */
	UOB_QMI_CNT_NO_MEMORY,		/* answered NO_MEMORY */
	UOB_QMI_CNT_DONE_OK,		/* requests answered status SUCCESS */
	UOB_QMI_CNT_DONE_FAILED,	/* requests answered status FAILURE */
	UOB_QMI_CNT_SEND_FAILED,	/* responses not sent (qmi_transport.c) */
	UOB_QMI_CNT_IND_DROPPED,	/* indications not sent (qmi_transport.c) */
	UOB_QMI_CNT_TX_WINDOW_FULL,	/* of those: a remote's QRTR window stayed full */
	UOB_QMI_COUNTS
};

/**
 * struct uob_qmi_stats - the QMI service's counters
 * @received: datagrams handed to the service
 * @verdict: datagrams per parser verdict
 * @count: what came of them (enum uob_qmi_count)
 */
struct uob_qmi_stats {
	atomic_long_t received;
	atomic_long_t verdict[UOB_QMI_VERDICTS];
	atomic_long_t count[UOB_QMI_COUNTS];
};

extern struct uob_qmi_stats uob_qmi_stats;

enum uob_qmi_verdict uob_qc_parse_req(const void *buf, size_t len,
				      struct uob_uaudio_req *req, u16 *txn_id);
const char *uob_qmi_verdict_name(enum uob_qmi_verdict v);
void uob_qmi_count(enum uob_qmi_count c);
bool uob_qmi_log_allowed(enum uob_qmi_count c, enum uob_qmi_verdict v);

struct dentry;
void uob_qmi_debugfs(struct dentry *dir);

#endif /* _UOB_QMI_PARSE_H */
