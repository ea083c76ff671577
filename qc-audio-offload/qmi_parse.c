// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the one parser of UAUDIO stream requests.
 *
 * Structure checks and field extraction are one walk over the TLVs, so
 * nothing the service accepts can be read differently later: every TLV is
 * a known request field, of exactly its field's size, seen once; the
 * header's msg_len is the datagram's payload length; enable (0x01) and
 * usb_token (0x02) are there.  The kernel's qmi_decode_message() is not
 * used on requests: it reads the first copy of a duplicated TLV, advances
 * by the element's size rather than the TLV's length, and logs (without a
 * rate limit) every unknown type a client sends.
 *
 * What clients get wrong is counted exactly (debugfs "qmi") and logged at
 * most once per kind per UOB_QMI_LOG_INTERVAL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/seq_file.h>
#include <linux/soc/qcom/qmi.h>

#include "qmi_parse.h"

#define UOB_QMI_LOG_INTERVAL	(5 * HZ)

#define UOB_QMI_HDR_LEN		7	/* type u8, txn_id, msg_id, msg_len: le16 */
#define UOB_QMI_TLV_HDR_LEN	3	/* type u8, length le16 */

struct uob_qmi_stats uob_qmi_stats;

/* little-endian fields at any alignment (no unaligned.h: it moved in 6.12) */
static u16 uob_le16(const u8 *p)
{
	return p[0] | p[1] << 8;
}

static u32 uob_le32(const u8 *p)
{
	return uob_le16(p) | (u32)uob_le16(p + 2) << 16;
}

static const char * const uob_qmi_verdict_names[UOB_QMI_VERDICTS] = {
	[UOB_QMI_OK] = "ok",
	[UOB_QMI_DROP_SHORT] = "short",
	[UOB_QMI_DROP_TYPE] = "not_request",
	[UOB_QMI_UNSUPPORTED] = "unsupported",
	[UOB_QMI_BAD_CUT] = "cut",
	[UOB_QMI_BAD_LENGTH] = "length",
	[UOB_QMI_BAD_TLV_CUT] = "tlv_cut",
	[UOB_QMI_BAD_TLV_TYPE] = "tlv_type",
	[UOB_QMI_BAD_TLV_LEN] = "tlv_len",
	[UOB_QMI_BAD_DUPLICATE] = "duplicate",
	[UOB_QMI_BAD_MISSING] = "missing",
};

static const char * const uob_qmi_count_names[UOB_QMI_COUNTS] = {
	[UOB_QMI_CNT_REFUSED_ID] = "refused_id",
	[UOB_QMI_CNT_REFUSED_BUSY] = "refused_busy",
	[UOB_QMI_CNT_NO_MEMORY] = "no_memory",
	[UOB_QMI_CNT_DONE_OK] = "status_success",
	[UOB_QMI_CNT_DONE_FAILED] = "status_failure",
	[UOB_QMI_CNT_SEND_FAILED] = "send_failed",
	[UOB_QMI_CNT_IND_DROPPED] = "ind_dropped",
	[UOB_QMI_CNT_TX_WINDOW_FULL] = "tx_window_full",
};

/**
 * uob_qmi_verdict_name() - the debugfs name of a parser verdict
 * @v: the verdict
 *
 * Context: any.
 *
 * Return: a static string.
 */
const char *uob_qmi_verdict_name(enum uob_qmi_verdict v)
{
	return v < UOB_QMI_VERDICTS ? uob_qmi_verdict_names[v] : "?";
}

/* bit of a request TLV type in the "seen" mask; -1: not a request field */
static int uob_qmi_req_bit(u8 type)
{
	if (type == 0x01 || type == 0x02)
		return type - 1;
	if (type >= 0x10 && type <= 0x14)
		return 2 + type - 0x10;
	return -1;
}

/**
 * uob_qc_parse_req() - check and decode a UAUDIO stream request, in one walk
 * @buf: the datagram as received: QMI header, then TLVs
 * @len: its length in bytes
 * @req: zeroed, then filled with exactly the fields the walk checked
 *	(meaningful only for UOB_QMI_OK)
 * @txn_id: the header's transaction id (set unless UOB_QMI_DROP_SHORT)
 *
 * Context: any; reads @buf only.
 *
 * Return: UOB_QMI_OK for a well-formed request, else why it is not one.
 */
enum uob_qmi_verdict uob_qc_parse_req(const void *buf, size_t len,
				      struct uob_uaudio_req *req, u16 *txn_id)
{
	const u8 *p = buf;
	unsigned int seen = 0;
	size_t left;

	memset(req, 0, sizeof(*req));
	if (len < UOB_QMI_HDR_LEN)
		return UOB_QMI_DROP_SHORT;
	*txn_id = uob_le16(p + 1);
	if (p[0] != QMI_REQUEST)
		return UOB_QMI_DROP_TYPE;
	if (uob_le16(p + 3) != UOB_QMI_UAUDIO_STREAM_REQ)
		return UOB_QMI_UNSUPPORTED;
	if (len >= UOB_QC_RECV_BUF)
		return UOB_QMI_BAD_CUT;
	left = len - UOB_QMI_HDR_LEN;
	if (uob_le16(p + 5) != left)
		return UOB_QMI_BAD_LENGTH;

	p += UOB_QMI_HDR_LEN;
	while (left) {
		const u8 *v = p + UOB_QMI_TLV_HDR_LEN;
		size_t tlv_len;
		int bit;

		if (left < UOB_QMI_TLV_HDR_LEN)
			return UOB_QMI_BAD_TLV_CUT;
		tlv_len = uob_le16(p + 1);
		if (tlv_len > left - UOB_QMI_TLV_HDR_LEN)
			return UOB_QMI_BAD_TLV_CUT;
		bit = uob_qmi_req_bit(p[0]);
		if (bit < 0)
			return UOB_QMI_BAD_TLV_TYPE;
		if (seen & BIT(bit))
			return UOB_QMI_BAD_DUPLICATE;
		if (tlv_len != (p[0] == 0x01 ? 1 : 4))
			return UOB_QMI_BAD_TLV_LEN;
		seen |= BIT(bit);

		switch (p[0]) {
		case 0x01:
			req->enable = v[0];
			break;
		case 0x02:
			req->usb_token = uob_le32(v);
			break;
		case 0x10:
			req->audio_format_valid = 1;
			req->audio_format = uob_le32(v);
			break;
		case 0x11:
			req->number_of_ch_valid = 1;
			req->number_of_ch = uob_le32(v);
			break;
		case 0x12:
			req->bit_rate_valid = 1;
			req->bit_rate = uob_le32(v);
			break;
		case 0x13:
			req->xfer_buff_size_valid = 1;
			req->xfer_buff_size = uob_le32(v);
			break;
		case 0x14:
			req->service_interval_valid = 1;
			req->service_interval = uob_le32(v);
			break;
		}
		p = v + tlv_len;
		left -= UOB_QMI_TLV_HDR_LEN + tlv_len;
	}
	if ((seen & 3) != 3)
		return UOB_QMI_BAD_MISSING;
	return UOB_QMI_OK;
}

/**
 * uob_qmi_count() - count one outcome of a datagram
 * @c: the outcome
 *
 * Context: any.
 */
void uob_qmi_count(enum uob_qmi_count c)
{
	atomic_long_inc(&uob_qmi_stats.count[c]);
}

/* one timestamp per log kind: each outcome, then each verdict */
static atomic_long_t uob_qmi_last_log[UOB_QMI_COUNTS + UOB_QMI_VERDICTS];

/**
 * uob_qmi_log_allowed() - may a line about a client's doing be logged now?
 * @c: the outcome to log, or UOB_QMI_COUNTS to log a parser verdict
 * @v: the verdict (used when @c is UOB_QMI_COUNTS)
 *
 * At most one line per kind per UOB_QMI_LOG_INTERVAL, whoever the client:
 * the counters in debugfs "qmi" keep the exact numbers.
 *
 * Context: any.
 *
 * Return: true if the caller should log its line.
 */
bool uob_qmi_log_allowed(enum uob_qmi_count c, enum uob_qmi_verdict v)
{
	atomic_long_t *last = &uob_qmi_last_log[c < UOB_QMI_COUNTS ? c : UOB_QMI_COUNTS + v];
	unsigned long now = jiffies, prev = atomic_long_read(last);

	/* 0: never logged (jiffies starts far from 0, and wraps rarely) */
	if (prev && time_before(now, prev + UOB_QMI_LOG_INTERVAL))
		return false;
	return atomic_long_cmpxchg(last, prev, now ?: 1) == prev;
}

static int uob_qmi_show(struct seq_file *m, void *unused)
{
	int i;

	seq_printf(m, "received %ld\n", atomic_long_read(&uob_qmi_stats.received));
	for (i = 0; i < UOB_QMI_VERDICTS; i++)
		seq_printf(m, "verdict %s %ld\n", uob_qmi_verdict_names[i],
			   atomic_long_read(&uob_qmi_stats.verdict[i]));
	for (i = 0; i < UOB_QMI_COUNTS; i++)
		seq_printf(m, "%s %ld\n", uob_qmi_count_names[i],
			   atomic_long_read(&uob_qmi_stats.count[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(uob_qmi);

/**
 * uob_qmi_debugfs() - add the "qmi" counters file
 * @dir: the driver's debugfs directory
 *
 * Context: process context (module init).
 */
void uob_qmi_debugfs(struct dentry *dir)
{
	debugfs_create_file("qmi", 0444, dir, NULL, &uob_qmi_fops);
}
