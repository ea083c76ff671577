// SPDX-License-Identifier: GPL-2.0
/*
 * uob-tun-dsp: the audio DSP as a REMOTE QRTR node, from userspace, over
 * /dev/qrtr-tun (the kernel's net/qrtr/tun.c; test-only module, see
 * tests/qrtr-tun/build.sh).
 *
 * uob-dsp talks to the service from the guest's own node (1), which QRTR
 * never flow-controls.  A real DSP (the ADSP over GLINK) is a remote node:
 * the kernel counts the data packets it sends to each remote port and, in
 * 6.12, sleeps in qrtr_tx_wait() once 10 are unconfirmed (the 5th carries
 * confirm_rx; the remote answers it with RESUME_TX), whatever the send
 * flags.  This tool is that remote node: it speaks QRTR v1 on the tun
 * itself -- HELLO to the name service (which answers HELLO and announces
 * its servers with NEW_SERVER: the lookup of 0x41D), DATA both ways,
 * RESUME_TX for every confirm_rx -- and QMI through libqrtr's encoder.
 *
 *   uob-tun-dsp session CARD N
 *	N enable/disable cycles as a well-behaved DSP (2N responses: the
 *	kernel asks for confirm_rx, the DSP confirms, nothing stalls)
 *   uob-tun-dsp stuck CARD HOLD_MS
 *	enable a stream, then fill the kernel's tx window to this port (one
 *	RESUME_TX to start from 0, then 10 requests whose responses it never
 *	confirms), send one more request, whose response cannot go through
 *	the full window (the service must not wait on it: its request
 *	handler would stop answering everyone), and STOP READING.  It holds
 *	the window full until SIGUSR1
 *	(or HOLD_MS): then it reads what was queued, says whether the
 *	DISCONNECT indication came, confirms (RESUME_TX) and checks that the
 *	service answers again.  SIGTERM: exit at once (the node goes away,
 *	which is what ends any sender still sleeping on it).
 *
 * Every line it prints starts with "tun-dsp:".
 */
#include <errno.h>
#include <fcntl.h>
#include <libqrtr.h>
#include <linux/types.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "uob-qmi.h"
#include "uob-stats.h"

#define MSG_STREAM	0x0001
#define TUN		"/dev/qrtr-tun"
/* the ADSP's node on Qualcomm SoCs; the client's port on it */
#define DSP_NODE	5
#define DSP_PORT	1
#define LOCAL_NODE	1
/* af_qrtr.c: QRTR_TX_FLOW_HIGH, QRTR_TX_FLOW_LOW */
#define FLOW_HIGH	10
#define FLOW_LOW	5
#define QRTR_VER_1	1

struct hdr_v1 {		/* net/qrtr/af_qrtr.c's struct qrtr_hdr_v1, little endian */
	__u32 version, type, src_node, src_port, confirm_rx, size, dst_node, dst_port;
};

static int tun = -1;
static __u32 svc_port;
static unsigned int txn_id = 0x100;
static int confirm_rx = 1;	/* a well-behaved DSP confirms */
static atomic_int got_usr1, got_term;	/* lock-free: set by a signal handler */

/* what came in while reading: counted for the report */
static struct {
	int data, confirm_asked, indications, disconnects, responses;
} seen;

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("tun-dsp: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* one QRTR v1 packet from us to (dst_node, dst_port) */
static int post(__u32 type, __u32 src_port, __u32 dst_node, __u32 dst_port,
		const void *data, size_t len)
{
	unsigned char buf[sizeof(struct hdr_v1) + 512];
	struct hdr_v1 *h = (struct hdr_v1 *)buf;
	size_t padded = (len + 3) & ~(size_t)3;

	if (padded > sizeof(buf) - sizeof(*h))
		return -1;
	memset(buf, 0, sizeof(buf));
	h->version = QRTR_VER_1;	/* the guest is little endian, as QRTR's wire */
	h->type = type;
	h->src_node = DSP_NODE;
	h->src_port = src_port;
	h->size = len;
	h->dst_node = dst_node;
	h->dst_port = dst_port;
	memcpy(buf + sizeof(*h), data, len);
	if (write(tun, buf, sizeof(*h) + padded) != (ssize_t)(sizeof(*h) + padded)) {
		say("write to %s: %s", TUN, strerror(errno));
		return -1;
	}
	return 0;
}

static int post_ctrl(__u32 cmd, __u32 c1, __u32 c2)
{
	struct qrtr_ctrl_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.cmd = cmd;
	pkt.client.node = c1;
	pkt.client.port = c2;
	return post(cmd, QRTR_PORT_CTRL, LOCAL_NODE, QRTR_PORT_CTRL, &pkt, sizeof(pkt));
}

/* RESUME_TX: the kernel's count of unconfirmed packets to our port -> 0 */
static int resume_tx(void)
{
	struct qrtr_ctrl_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.cmd = QRTR_TYPE_RESUME_TX;
	pkt.client.node = DSP_NODE;
	pkt.client.port = DSP_PORT;
	return post(QRTR_TYPE_RESUME_TX, DSP_PORT, LOCAL_NODE, svc_port, &pkt, sizeof(pkt));
}

/*
 * Read one packet (up to MS ms).  Returns its QRTR type, 0 on timeout, -1
 * on error; DATA's payload in *data / *len.  A DATA packet asking for
 * confirm_rx is confirmed right away unless the DSP is stuck.
 */
static int recv_pkt(int ms, unsigned char *buf, size_t sz, void **data, size_t *len)
{
	struct pollfd p = { .fd = tun, .events = POLLIN };
	struct hdr_v1 *h = (struct hdr_v1 *)buf;
	ssize_t n;

	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = read(tun, buf, sz);
	if (n < (ssize_t)sizeof(*h) || h->version != QRTR_VER_1) {
		say("read: %zd bytes, not a QRTR v1 packet", n);
		return -1;
	}
	*data = buf + sizeof(*h);
	*len = h->size;
	if (h->type == QRTR_TYPE_DATA) {
		seen.data++;
		if (h->confirm_rx) {
			seen.confirm_asked++;
			if (confirm_rx)
				resume_tx();
		}
	}
	return h->type;
}

/* HELLO to the name service; it answers HELLO and NEW_SERVER for each server */
static int lookup(void)
{
	unsigned char buf[1024];
	double t0 = now_ms();
	void *data;
	size_t len;
	int type;

	if (post_ctrl(QRTR_TYPE_HELLO, 0, 0) < 0)
		return -1;
	while (now_ms() - t0 < 5000) {
		type = recv_pkt(500, buf, sizeof(buf), &data, &len);
		if (type < 0)
			return -1;
		if (type == QRTR_TYPE_NEW_SERVER && len >= sizeof(struct qrtr_ctrl_pkt)) {
			struct qrtr_ctrl_pkt *pkt = data;

			if (pkt->server.service == SVC_ID && pkt->server.node == LOCAL_NODE) {
				svc_port = pkt->server.port;
				say("node %u: service 0x41d v%u at node %u port %u %s",
				    DSP_NODE, pkt->server.instance & 0xff, pkt->server.node,
				    svc_port, "(NEW_SERVER after HELLO)");
				return 0;
			}
		}
	}
	say("service 0x41d: no NEW_SERVER within 5 s of HELLO");
	return -1;
}

static int send_req(const struct req *rq)
{
	DEFINE_QRTR_PACKET(out, 256);
	ssize_t len;

	len = qmi_encode_message(&out, QMI_REQUEST, MSG_STREAM, ++txn_id, rq, req_ei);
	if (len < 0)
		return -1;
	return post(QRTR_TYPE_DATA, DSP_PORT, LOCAL_NODE, svc_port, out.data, len);
}

/* decode a DATA payload: a response (its txn in *txn) or an indication */
static int classify(void *data, size_t len, struct resp *rs, unsigned int *txn)
{
	struct qrtr_packet pkt = { .type = QRTR_TYPE_DATA, .data = data, .data_len = len };
	unsigned int msg_id;
	struct ind ind;

	if (len < 7 || qmi_decode_header(&pkt, &msg_id) < 0)
		return -1;
	if (((unsigned char *)data)[0] == QMI_INDICATION) {
		memset(&ind, 0, sizeof(ind));
		if (qmi_decode_message(&ind, txn, &pkt, QMI_INDICATION, MSG_STREAM, ind_ei) < 0)
			return -1;
		seen.indications++;
		if (ind.event == 1)
			seen.disconnects++;
		say("indication: event %u (1 = DISCONNECT) slot %u", ind.event, ind.slot);
		return QMI_INDICATION;
	}
	memset(rs, 0, sizeof(*rs));
	if (qmi_decode_message(rs, txn, &pkt, QMI_RESPONSE, MSG_STREAM, resp_ei) < 0)
		return -1;
	seen.responses++;
	return QMI_RESPONSE;
}

/* send a request and wait for its response */
static int transact(const struct req *rq, struct resp *rs, int ms)
{
	unsigned char buf[1024];
	double t0 = now_ms();
	unsigned int txn;
	void *data;
	size_t len;
	int type;

	if (send_req(rq) < 0)
		return -1;
	while (now_ms() - t0 < ms) {
		type = recv_pkt(100, buf, sizeof(buf), &data, &len);
		if (type < 0)
			return -1;
		if (type == QRTR_TYPE_DATA && classify(data, len, rs, &txn) == QMI_RESPONSE &&
		    txn == txn_id)
			return 0;
	}
	return -1;
}

static struct req stream_req(int card, int enable)
{
	struct req rq = { .enable = enable, .token = (__u32)card << 16,
			  .fmt_valid = 1, .fmt = 2 /* S16_LE */, .ch_valid = 1, .ch = 2,
			  .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = 8192 };

	if (enable) {
		rq.si_valid = 1;
		rq.si = 1000;
	}
	return rq;
}

static int enable(int card)
{
	struct req rq = stream_req(card, 1);
	struct resp rs;

	if (transact(&rq, &rs, 10000) < 0) {
		say("%s card %d: no response", __func__, card);
		return -1;
	}
	say("%s card %d: result %u error %u status %u slot %u interrupter %u",
	    __func__, card, rs.resp.result, rs.resp.error, rs.status, rs.slot, rs.intr);
	return rs.resp.result || rs.status ? -1 : 0;
}

static int disable(int card)
{
	struct req rq = stream_req(card, 0);
	struct resp rs;

	if (transact(&rq, &rs, 10000) < 0) {
		say("%s card %d: no response", __func__, card);
		return -1;
	}
	return rs.resp.result || rs.status ? -1 : 0;
}

static int session(int card, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		if (enable(card) < 0 || disable(card) < 0) {
			say("%s: cycle %d failed", __func__, i);
			return -1;
		}
	}
	say("%s: %d enable/disable cycles, %d responses, %d asked for confirm_rx (all confirmed)",
	    __func__, n, seen.data, seen.confirm_asked);
	/* more than the window went through: the kernel's flow control ran */
	return seen.data > FLOW_HIGH && seen.confirm_asked > 0 ? 0 : -1;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

/*
 * Fill the window: from a count of 0 (RESUME_TX), FLOW_HIGH requests of
 * nothing (a disable of card 31: answered -ENODEV/-EINVAL, changes nothing),
 * whose responses are read but never confirmed.  Returns 0 once the
 * kernel has sent all FLOW_HIGH and asked for confirm_rx on the 5th.
 */
static int fill_window(void)
{
	unsigned char buf[1024];
	struct req rq = stream_req(31, 0);
	double t0 = now_ms();
	unsigned int txn;
	struct resp rs;
	void *data;
	size_t len;
	int i, type, asked0;

	if (resume_tx() < 0)
		return -1;
	confirm_rx = 0;
	memset(&seen, 0, sizeof(seen));
	for (i = 0; i < FLOW_HIGH; i++)
		if (send_req(&rq) < 0)
			return -1;
	asked0 = seen.confirm_asked;
	while (seen.responses < FLOW_HIGH && now_ms() - t0 < 10000) {
		type = recv_pkt(100, buf, sizeof(buf), &data, &len);
		if (type < 0)
			return -1;
		if (type == QRTR_TYPE_DATA)
			classify(data, len, &rs, &txn);
	}
	say("window: %d responses unconfirmed, %d asked for confirm_rx",
	    seen.responses, seen.confirm_asked - asked0);
	return seen.responses == FLOW_HIGH && seen.confirm_asked - asked0 == 1 ? 0 : -1;
}

static int stuck(int card, int hold_ms)
{
	unsigned char buf[1024];
	struct req rq = stream_req(31, 0);
	unsigned int txn;
	struct resp rs;
	double t0;
	void *data;
	size_t len;
	int type;

	if (enable(card) < 0)
		return -1;
	if (fill_window() < 0) {
		say("could not fill the kernel's tx window");
		return -1;
	}
	if (send_req(&rq) < 0)
		return -1;
	say("%s: one more request sent into the full window", __func__);
	/* the test waits for this line */
	say("%s: not reading, not confirming (window full) for up to %d ms", __func__, hold_ms);
	t0 = now_ms();
	while (!got_usr1 && !got_term && now_ms() - t0 < hold_ms)
		usleep(20000);
	if (got_term) {
		say("%s: told to go away: closing the node", __func__);
		return 0;
	}
	say("%s for %.0f ms: reading again", __func__, now_ms() - t0);
	memset(&seen, 0, sizeof(seen));
	while ((type = recv_pkt(0, buf, sizeof(buf), &data, &len)) > 0)
		if (type == QRTR_TYPE_DATA)
			classify(data, len, &rs, &txn);
	say("queued while %s: %d data packet(s), %d indication(s), %d DISCONNECT(s)",
	    __func__, seen.data, seen.indications, seen.disconnects);
	confirm_rx = 1;
	if (resume_tx() < 0 || transact(&rq, &rs, 5000) < 0) {
		say("after RESUME_TX: the service does not answer");
		return -1;
	}
	say("after RESUME_TX: the service answers again");
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int card, ret;

	if (argc < 4 || (strcmp(argv[1], "session") && strcmp(argv[1], "stuck"))) {
		fprintf(stderr, "usage: uob-tun-dsp session CARD N | stuck CARD HOLD_MS\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tun = open(TUN, O_RDWR);
	if (tun < 0) {
		say("open %s: %s", TUN, strerror(errno));
		return 1;
	}
	if (lookup() < 0)
		return 1;
	card = atoi(argv[2]);
	if (!strcmp(argv[1], "session"))
		ret = session(card, atoi(argv[3]));
	else
		ret = stuck(card, atoi(argv[3]));
	close(tun);
	say("%s: %s", argv[1], ret ? "FAILED" : "ok");
	return ret ? 1 : 0;
}
