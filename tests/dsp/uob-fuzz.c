// SPDX-License-Identifier: GPL-2.0
/*
 * uob-fuzz: a hostile or buggy DSP against the UAUDIO stream service.
 *
 * Sends generated messages over QRTR (Linaro's libqrtr) and checks every
 * answer against a model of the service's rules: a parser written here from
 * the rules (docs/design.md, "Bad input"), and mainline's answers for
 * well-formed requests, driven by the state of the one stream the rig has.
 * A message the model says is dropped (shorter than a QMI header, not a
 * request) must get no answer; answers carry the message's own transaction id, so a stray
 * answer is caught when the next one is read.  The service's debugfs
 * counters ("qmi") must move by exactly what the model counted.
 *
 *   uob-fuzz run CARD N [SEED]   N messages (plus one truncation sweep)
 *   uob-fuzz flood N              N malformed messages, answers left unread
 *
 * The rig (QEMU usb-audio) is assumed: card CARD, PCM 0, playback only,
 * S16_LE, 2 channels, 48000 Hz, full speed, data endpoint bInterval 1.
 */
#include <errno.h>
#include <libqrtr.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "uob-qmi.h"
#include "uob-stats.h"

#define MAXDG		65535		/* the largest datagram qrtr_sendmsg() takes */
#define RECV_BUF	65536		/* the service's receive buffer (qmi_parse.h) */
#define QMI_DEBUGFS	"/sys/kernel/debug/usb-offload-backport/qc-audio-offload/qmi"

#define XFER_MAX	(24 * 4096)	/* mainline's MAX_XFER_BUFF_LEN */

/* ---- the rules model ---------------------------------------------------- */

enum verdict {
	V_OK, V_SHORT, V_TYPE, V_UNSUPPORTED, V_CUT, V_LENGTH, V_TLV_CUT,
	V_TLV_TYPE, V_TLV_LEN, V_DUPLICATE, V_MISSING, V_COUNT
};

/* as the service's debugfs "qmi" names them */
static const char *const vname[V_COUNT] = {
	"ok", "short", "not_request", "unsupported", "cut", "length", "tlv_cut",
	"tlv_type", "tlv_len", "duplicate", "missing",
};

struct model_req {
	int enable;
	uint32_t token;
	int fmt_v, ch_v, rate_v, buf_v, si_v;
	uint32_t fmt, ch, rate, buf, si;
};

static unsigned int le16(const uint8_t *p) { return p[0] | p[1] << 8; }
static uint32_t le32(const uint8_t *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }

/* Rules: header, then each TLV a request field of its exact size, once. */
static enum verdict model_parse(const uint8_t *m, size_t len, struct model_req *r,
				unsigned int *txn)
{
	unsigned int seen = 0, bit, tl;
	size_t left, off;

	memset(r, 0, sizeof(*r));
	if (len < 7)
		return V_SHORT;
	*txn = le16(m + 1);
	if (m[0] != 0)
		return V_TYPE;
	if (le16(m + 3) != 1)
		return V_UNSUPPORTED;
	if (len >= RECV_BUF)
		return V_CUT;
	if (le16(m + 5) != len - 7)
		return V_LENGTH;
	for (off = 7, left = len - 7; left; off += 3 + tl, left -= 3 + tl) {
		const uint8_t *v = m + off + 3;

		if (left < 3)
			return V_TLV_CUT;
		tl = le16(m + off + 1);
		if (tl > left - 3)
			return V_TLV_CUT;
		if (m[off] == 0x01 || m[off] == 0x02)
			bit = m[off] - 1;
		else if (m[off] >= 0x10 && m[off] <= 0x14)
			bit = m[off] - 0x10 + 2;
		else
			return V_TLV_TYPE;
		if (seen & 1u << bit)
			return V_DUPLICATE;
		if (tl != (m[off] == 0x01 ? 1u : 4u))
			return V_TLV_LEN;
		seen |= 1u << bit;
		if (m[off] == 0x01) {
			r->enable = v[0] != 0;
		} else if (m[off] == 0x02) {
			r->token = le32(v);
		} else {
			/* 0x10..0x14: format, channels, rate, buffer, interval */
			int *valid[] = { &r->fmt_v, &r->ch_v, &r->rate_v, &r->buf_v, &r->si_v };
			uint32_t *val[] = { &r->fmt, &r->ch, &r->rate, &r->buf, &r->si };

			*valid[m[off] - 0x10] = 1;
			*val[m[off] - 0x10] = le32(v);
		}
	}
	return (seen & 3) == 3 ? V_OK : V_MISSING;
}

static int rig_card;
static int enabled;		/* the one stream of the rig: token rig_card << 16 */

/* full speed: a power of two of 1 ms frames, 1 .. 2^15 */
static int si_form_ok(uint32_t si)
{
	uint32_t f = si / 1000;

	return si && !(si % 1000) && !(f & (f - 1)) && f <= 1u << 15;
}

/* Mainline's answer to a well-formed request, in its order; our additions noted. */
static int model_errno(const struct model_req *r)
{
	unsigned int card = r->token >> 16 & 0xff, pcm = r->token >> 8 & 0xff;
	unsigned int dir = r->token & 0xff;

	if (!r->fmt_v || !r->rate_v || !r->ch_v || !r->buf_v)
		return -EINVAL;
	if (card >= 32 || r->token >> 24)	/* ours: bits 24+ refused */
		return -EINVAL;
	if (r->fmt >= 18)
		return -EINVAL;
	if (dir > 1 || card != (unsigned int)rig_card || pcm || dir)
		return -ENODEV;
	if (r->enable && enabled)
		return -EBUSY;
	if (r->si_v && !si_form_ok(r->si))
		return -EINVAL;
	if (!r->enable)
		return enabled ? 0 : -EINVAL;
	/* what ALSA's hw_params refuses on this device */
	if (r->fmt != 2 || r->ch != 2 || r->rate != 48000)
		return -EINVAL;
	if (r->si_v && r->si != 1000)		/* ours: must be the endpoint's */
		return -EINVAL;
	return 0;
}

static uint32_t model_xfer(uint32_t buf)
{
	if (!buf)
		return 4096;
	if (buf > XFER_MAX)
		return XFER_MAX;
	return (buf + 4095) & ~4095u;
}

/* ---- generation ------------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 2685821657736338717ull) >> 32;
}

static uint32_t pick(const uint32_t *v, int n) { return v[rnd() % n]; }
#define PICK(...) pick((const uint32_t[]){ __VA_ARGS__ }, \
		       sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

struct tlv { uint8_t type; uint16_t len; uint8_t val[8]; unsigned int vlen; };

static int put_tlv(struct tlv *t, uint8_t type, uint32_t v)
{
	t->type = type;
	t->vlen = type == 0x01 ? 1 : 4;
	t->len = t->vlen;
	for (unsigned int i = 0; i < 4; i++)
		t->val[i] = v >> (8 * i);
	return 1;
}

/* a request: the rig's valid one, or random values; optional TLVs may be absent */
static int gen_req(struct tlv *t, int valid, int enable)
{
	int n = 0;
	uint32_t tok = rig_card << 16;

	if (!valid) {
		enable = rnd() & 1;
		if (rnd() % 4 == 0)
			tok = PICK(rnd() % 40, rnd() & 0xff, rnd()) << 16 |
			      (rnd() % 4 ? 0 : rnd() & 0xff) << 8 |
			      (rnd() % 4 ? 0 : PICK(1, 2, 255));
		if (rnd() % 20 == 0)
			tok = rnd();
	}
	n += put_tlv(t + n, 0x01, enable ? (valid ? 1 : PICK(1, 1, 2, 255)) : 0);
	n += put_tlv(t + n, 0x02, tok);
	if (valid || rnd() % 8)
		n += put_tlv(t + n, 0x10, valid || rnd() % 3 ? 2 :
			     PICK(0, 1, 3, 14, 17, 18, 19, rnd()));
	if (valid || rnd() % 8)
		n += put_tlv(t + n, 0x11, valid || rnd() % 3 ? 2 :
			     PICK(0, 1, 3, 8, 32, 33, rnd()));
	if (valid || rnd() % 8)
		n += put_tlv(t + n, 0x12, valid || rnd() % 3 ? 48000 :
			     PICK(0, 3999, 4000, 44100, 96000, 768000, 768001, rnd()));
	if (valid || rnd() % 8)
		n += put_tlv(t + n, 0x13, valid ? 8192 : PICK(8192, 0, 1, 4095, 4096, 4097,
							       XFER_MAX, XFER_MAX + 1, 1 << 20,
							       0xfffff001u, rnd()));
	if (valid || rnd() % 2)
		n += put_tlv(t + n, 0x14, valid || rnd() % 2 ? 1000 :
			     PICK(0, 125, 999, 1500, 2000, 4000, 1u << 25, 1000u << 15,
				  1000u << 16, rnd()));
	/* any order */
	for (int i = n; i > 1; i--) {
		int j = rnd() % i;
		struct tlv x = t[i - 1];

		t[i - 1] = t[j];
		t[j] = x;
	}
	return n;
}

static size_t encode(uint8_t *m, const struct tlv *t, int n, unsigned int txn)
{
	size_t off = 7;

	for (int i = 0; i < n; i++) {
		m[off] = t[i].type;
		m[off + 1] = t[i].len;
		m[off + 2] = t[i].len >> 8;
		memcpy(m + off + 3, t[i].val, t[i].vlen);
		off += 3 + t[i].vlen;
	}
	m[0] = 0;
	m[1] = txn;
	m[2] = txn >> 8;
	m[3] = 1;
	m[4] = 0;
	m[5] = (off - 7);
	m[6] = (off - 7) >> 8;
	return off;
}

/* one structural fault in a request */
static size_t gen_broken(uint8_t *m, unsigned int txn, const char **what)
{
	struct tlv t[16];
	int n = gen_req(t, rnd() % 2, rnd() % 2), i = rnd() % n;
	size_t len;
	uint32_t r = rnd(), k;

	switch (r % 9) {
	case 0:	/* a TLV's length one off, value bytes to match */
		*what = "tlv-len+-1";
		t[i].vlen += r & 16 ? 1 : -1;
		t[i].len = t[i].vlen;
		break;
	case 1:	/* a TLV's length one off, the bytes of the right size */
		*what = "tlv-len-lies";
		t[i].len += r & 16 ? 1 : -1;
		break;
	case 2:	/* huge */
		*what = "tlv-len-huge";
		t[i].len = PICK(0xffff, 0x8000, 0x100, 60);
		break;
	case 3:	/* a duplicate, same or other value, first copy maybe wrong */
		*what = "duplicate";
		t[n] = t[i];
		if (r & 16)
			t[n].val[0] ^= 1 + (rnd() & 0x7f);
		if (r & 32)
			t[i].vlen = t[i].vlen == 4 ? PICK(0, 1, 3, 5) : PICK(0, 2, 4);
		t[i].len = t[i].vlen;
		{	/* insert at a random place */
			int j = rnd() % (n + 1);
			struct tlv x = t[n];

			memmove(t + j + 1, t + j, (n - j) * sizeof(*t));
			t[j] = x;
		}
		n++;
		break;
	case 4:	/* an unknown type */
		*what = "unknown-type";
		{
			int j = rnd() % (n + 1);

			memmove(t + j + 1, t + j, (n - j) * sizeof(*t));
			t[j].type = PICK(0x00, 0x03, 0x04, 0x0f, 0x15, 0x1d, 0x20, 0xff,
					 rnd() & 0xff);
			t[j].vlen = rnd() % 9;
			t[j].len = t[j].vlen;
			for (unsigned int k = 0; k < 8; k++)
				t[j].val[k] = rnd();
			n++;
		}
		break;
	default:
		break;
	}
	len = encode(m, t, n, txn);
	switch (r % 9) {
	case 5:	/* trailing bytes */
		*what = "trailing";
		for (k = rnd() % 3 + 1; k; k--)
			m[len++] = rnd();
		m[5] = len - 7;
		m[6] = (len - 7) >> 8;
		break;
	case 6:	/* the header lies: type, msg id or length */
		*what = "header-lies";
		switch (rnd() % 3) {
		case 0:
			m[0] = PICK(1, 2, 4, 0x80, 0xff);
			break;
		case 1:
			m[3] = PICK(0, 2, 0x21, 0xff);
			m[4] = rnd() % 2 ? 0 : rnd();
			break;
		default:
			k = PICK(len - 8, len - 6, 0, 0xffff, rnd() & 0xffff);
			m[5] = k;
			m[6] = k >> 8;
		}
		break;
	case 7:	/* truncated, header kept */
		*what = "truncated";
		len = rnd() % len;
		break;
	case 8:	/* truncated, header agreeing */
		*what = "truncated-fixed";
		len = 7 + rnd() % (len - 7);
		m[5] = len - 7;
		m[6] = (len - 7) >> 8;
		break;
	}
	return len;
}

/* a big datagram: a valid request, then junk; the header honest or not */
static size_t gen_big(uint8_t *m, unsigned int txn)
{
	struct tlv t[16];
	int n = gen_req(t, 1, rnd() % 2);
	size_t len = encode(m, t, n, txn), want;
	unsigned int claim;

	want = rnd() % 4 ? 54 + rnd() % 2000 : 54 + rnd() % (MAXDG - 53);
	if (rnd() % 8 == 0)
		want = PICK(263, 264, 4096, 49212, MAXDG);
	while (len < want) {
		if (rnd() % 2 && want - len >= 3) {	/* a TLV of some type */
			unsigned int l = want - len - 3 < 300 ? want - len - 3 : rnd() % 300;

			m[len] = PICK(0x20, 0x15, 0x03, rnd() & 0xff);
			m[len + 1] = l;
			m[len + 2] = l >> 8;
			for (unsigned int k = 0; k < l; k++)
				m[len + 3 + k] = rnd();
			len += 3 + l;
		} else {
			m[len++] = rnd();
		}
	}
	claim = rnd() % 2 ? len - 7 : PICK(256, 46, 38, len - 8);
	m[5] = claim;
	m[6] = claim >> 8;
	return len;
}

/* ---- the run ------------------------------------------------------------ */

static int sock = -1;
static uint32_t svc_node, svc_port;
static unsigned long long vcount[V_COUNT], answers_by[8], ok_cnt, fail_cnt;
static unsigned long long errno_cnt[200], sent, mismatches;

static int lookup(void)
{
	return uob_lookup(sock, &svc_node, &svc_port, NULL, NULL);
}

/* plain sendto(): libqrtr's qrtr_sendto() logs every ENOSPC to stderr */
static int send_dg(const uint8_t *m, size_t len)
{
	struct sockaddr_qrtr sq = { .sq_family = AF_QIPCRTR, .sq_node = svc_node,
				    .sq_port = svc_port };

	for (int tries = 0; tries < 200; tries++) {
		if (sendto(sock, m, len, 0, (struct sockaddr *)&sq, sizeof(sq)) >= 0) {
			sent++;
			return 0;
		}
		if (errno != ENOSPC && errno != EAGAIN)
			break;
		usleep(1000);	/* the service's queue is full: let it drain */
	}
	perror("qrtr_sendto");
	return -1;
}

static void dump(const char *why, const uint8_t *m, size_t len, const char *what)
{
	if (++mismatches > 20)
		return;
	printf("MISMATCH (%s, %s): %zu bytes:", why, what, len);
	for (size_t i = 0; i < len && i < 64; i++)
		printf(" %02x", m[i]);
	printf("%s\n", len > 64 ? " ..." : "");
}

/* wait for the answer to txn; 1: got it in *rs; 0: none in time */
static int read_answer(unsigned int want_txn, struct resp *rs, int ms)
{
	uint8_t buf[1024];
	uint32_t node, port;
	unsigned int msg_id, txn;
	int n;

	while (qrtr_poll(sock, ms) > 0) {
		n = qrtr_recvfrom(sock, buf, sizeof(buf), &node, &port);
		if (n <= 0 || port == QRTR_PORT_CTRL)
			continue;
		struct qrtr_packet pkt = { .type = QRTR_TYPE_DATA, .node = node, .port = port,
					   .data = buf, .data_len = n };

		memset(rs, 0, sizeof(*rs));
		if (n < 7 || qmi_decode_header(&pkt, &msg_id) < 0 ||
		    qmi_decode_message(rs, &txn, &pkt, QMI_RESPONSE, 1, resp_ei) < 0) {
			dump("undecodable answer", buf, n, "-");
			continue;
		}
		if (txn != want_txn) {
			printf("stray answer: txn %u while waiting for %u\n", txn, want_txn);
			mismatches++;
			continue;
		}
		return 1;
	}
	return 0;
}

/* a failed expectation: reported with the message; the caller returns */
static int expect(int ok, const char *cond, const uint8_t *m, size_t len, const char *what)
{
	if (!ok)
		dump(cond, m, len, what);
	return !ok;
}

#define CHECK(cond) expect(!!(cond), #cond, m, len, what)

static void one(const uint8_t *m, size_t len, const char *what)
{
	struct model_req r;
	struct resp rs;
	unsigned int txn = 0;
	enum verdict v = model_parse(m, len, &r, &txn);
	int err;

	vcount[v]++;
	if (send_dg(m, len) < 0) {
		mismatches++;
		return;
	}
	if (v == V_SHORT || v == V_TYPE)
		return;		/* dropped on purpose; a stray answer shows up later */
	if (!read_answer(txn, &rs, 10000)) {
		dump("no answer", m, len, what);
		return;
	}
	if (CHECK(rs.status_valid && rs.istatus_valid))
		return;
	if (v != V_OK) {
		int e = v == V_UNSUPPORTED ? QMI_ERR_NOT_SUPPORTED_V01 : QMI_ERR_MALFORMED_MSG_V01;

		answers_by[v == V_UNSUPPORTED ? 1 : 0]++;
		if (CHECK(rs.resp.result == QMI_RESULT_FAILURE_V01 && rs.resp.error == e))
			return;
		if (CHECK(rs.status == 1))
			return;
		if (CHECK((int)rs.istatus == (v == V_UNSUPPORTED ? -EOPNOTSUPP : -EBADMSG)))
			return;
		if (CHECK(!rs.token_valid))
			return;
		return;
	}
	err = model_errno(&r);
	/* mainline: resp.result stays 0; status SUCCESS/FAILURE; errno; token echoed */
	if (CHECK(rs.resp.result == 0 && rs.resp.error == 0))
		return;
	if (CHECK(rs.token_valid && rs.token == r.token))
		return;
	if ((int)rs.istatus != err) {
		printf("model said %d, service %d (enable %d token %#x fmt %d:%u ch %d:%u rate %d:%u buf %d:%u si %d:%u, stream %s)\n",
		       err, (int)rs.istatus, r.enable, r.token, r.fmt_v, r.fmt, r.ch_v, r.ch,
		       r.rate_v, r.rate, r.buf_v, r.buf, r.si_v, r.si, enabled ? "on" : "off");
		dump("internal_status", m, len, what);
		/* follow the service, so one surprise does not cascade */
		if (!rs.istatus && (int)rs.status == 0)
			enabled = r.enable;
		return;
	}
	if (CHECK(rs.status == (err ? 1u : 0u)))
		return;
	if (-err >= 0 && -err < 200)
		errno_cnt[-err]++;
	if (err) {
		fail_cnt++;
		return;
	}
	ok_cnt++;
	if (!r.enable) {
		enabled = 0;
		return;
	}
	enabled = 1;
	if (CHECK(rs.slot_valid && rs.intf_valid && rs.data_ep_valid && rs.mem_valid))
		return;
	if (CHECK(rs.intr_valid && rs.intr >= 1 && rs.speed_valid && rs.speed == 2))
		return;
	if (CHECK(!rs.ctrl_valid))
		return;		/* no device-tree alias on this board */
	if (CHECK(rs.mem.xfer.size == model_xfer(r.buf)))
		return;
}

/* debugfs "qmi": name -> value */
static long qmi_counter(const char *name)
{
	char line[128], key[80], sub[64];
	long val, found = -1;
	FILE *f = fopen(QMI_DEBUGFS, "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "verdict %63s %ld", sub, &val) == 2)
			snprintf(key, sizeof(key), "verdict %s", sub);
		else if (sscanf(line, "%63s %ld", key, &val) != 2)
			continue;
		if (!strcmp(key, name))
			found = val;
	}
	if (f)
		fclose(f);
	return found;
}

struct snap { long v[V_COUNT], received, ok, failed, send_failed; };

static void snap(struct snap *s)
{
	char key[64];

	for (int i = 0; i < V_COUNT; i++) {
		snprintf(key, sizeof(key), "verdict %s", vname[i]);
		s->v[i] = qmi_counter(key);
	}
	s->received = qmi_counter("received");
	s->ok = qmi_counter("status_success");
	s->failed = qmi_counter("status_failure");
	s->send_failed = qmi_counter("send_failed");
}

static int cnt(const char *what, long got, long want)
{
	if (got == want)
		return 0;
	printf("debugfs qmi %s: moved %ld, model %ld\n", what, got, want);
	return 1;
}

static int check_counters(const struct snap *a, const struct snap *b)
{
	int bad = 0;

	bad += cnt("received", b->received - a->received, sent);
	for (int i = 0; i < V_COUNT; i++)
		bad += cnt(vname[i], b->v[i] - a->v[i], vcount[i]);
	bad += cnt("status_success", b->ok - a->ok, ok_cnt);
	bad += cnt("status_failure", b->failed - a->failed, fail_cnt);
	bad += cnt("send_failed", b->send_failed - a->send_failed, 0);
	return bad;
}

static void sweep(const struct tlv *t, int n, unsigned int *txn)
{
	static uint8_t m[MAXDG];
	size_t full = encode(m, t, n, 0);

	for (size_t l = 0; l <= full; l++) {
		encode(m, t, n, ++*txn);
		one(m, l, "sweep");
	}
}

static int run(int n, uint64_t seed)
{
	static uint8_t m[MAXDG];
	struct tlv t[16];
	struct snap a, b;
	unsigned int txn = 0;
	const char *what;
	double t0 = now_ms(), ms;
	size_t len;
	int k;

	rng = seed ? seed : 1;
	printf("uob-fuzz: seed %llu, %d messages, card %d\n", (unsigned long long)seed, n,
	       rig_card);
	snap(&a);
	if (a.received < 0) {
		printf("uob-fuzz: no %s\n", QMI_DEBUGFS);
		return 1;
	}
	/* truncation at every length of an enable and of a disable (both valid) */
	k = gen_req(t, 1, 1);
	sweep(t, k, &txn);
	k = gen_req(t, 1, 0);
	sweep(t, k, &txn);

	for (int i = 0; i < n; i++) {
		uint32_t c = rnd() % 100;

		txn = (txn + 1) & 0xffff;
		what = "semantic";
		if (c < 30) {
			len = encode(m, t, gen_req(t, 0, 0), txn);
		} else if (c < 45) {		/* valid enable / disable */
			what = "valid";
			len = encode(m, t, gen_req(t, 1, !enabled || rnd() % 4 == 0), txn);
		} else if (c < 85) {
			len = gen_broken(m, txn, &what);
		} else if (c < 90) {
			what = "big";
			len = gen_big(m, txn);
		} else {			/* random bytes, some with a plausible header */
			what = "random";
			len = rnd() % 300;
			for (size_t j = 0; j < len; j++)
				m[j] = rnd();
			if (len >= 7 && rnd() % 2) {
				m[0] = 0;
				m[3] = 1;
				m[4] = 0;
				m[5] = len - 7;
				m[6] = (len - 7) >> 8;
			}
		}
		if (rnd() % 16 == 0 && len >= 3) {	/* a lying transaction id */
			m[1] = rnd();
			m[2] = rnd();
		}
		one(m, len, what);
	}
	/* leave the stream off, and flush: any stray answer shows up here */
	k = gen_req(t, 1, 0);
	len = encode(m, t, k, ++txn & 0xffff);
	one(m, len, "final disable");
	ms = now_ms() - t0;
	snap(&b);

	printf("uob-fuzz: %llu messages in %.1f s (%.0f/s)\n", sent, ms / 1000, sent / (ms / 1000));
	printf("uob-fuzz: dropped on purpose: short %llu, not a request %llu\n",
	       vcount[V_SHORT], vcount[V_TYPE]);
	printf("uob-fuzz: answered MALFORMED %llu (cut %llu length %llu tlv_cut %llu tlv_type %llu tlv_len %llu duplicate %llu missing %llu), NOT_SUPPORTED %llu\n",
	       answers_by[0], vcount[V_CUT], vcount[V_LENGTH], vcount[V_TLV_CUT],
	       vcount[V_TLV_TYPE], vcount[V_TLV_LEN], vcount[V_DUPLICATE], vcount[V_MISSING],
	       answers_by[1]);
	printf("uob-fuzz: well-formed %llu: status SUCCESS %llu, FAILURE %llu (-EINVAL %llu, -ENODEV %llu, -EBUSY %llu, other %llu)\n",
	       vcount[V_OK], ok_cnt, fail_cnt, errno_cnt[EINVAL], errno_cnt[ENODEV],
	       errno_cnt[EBUSY],
	       fail_cnt - errno_cnt[EINVAL] - errno_cnt[ENODEV] - errno_cnt[EBUSY]);
	if (check_counters(&a, &b))
		mismatches++;
	printf("uob-fuzz: %llu mismatch(es); seed %llu\n", mismatches, (unsigned long long)seed);
	return mismatches ? 1 : 0;
}

/* N malformed messages (an unknown TLV type) whose answers are not read */
static int flood(int n)
{
	uint8_t m[64], buf[1024];
	struct snap a, b;
	uint32_t node, port;
	long unread = 0, got = 0;
	size_t len;
	int i;

	snap(&a);
	for (i = 0; i < n; i++) {
		struct tlv t[4];
		int k = 0;

		k += put_tlv(t + k, 0x01, 0);
		k += put_tlv(t + k, 0x02, rig_card << 16);
		t[k].type = 0x03;
		t[k].vlen = 1;
		t[k].len = 1;
		t[k].val[0] = 0;
		k++;
		len = encode(m, t, k, i & 0xffff);
		if (send_dg(m, len) < 0)
			return 1;
	}
	/* let the service finish, then take what reached us */
	for (i = 0; i < 100 && qmi_counter("received") - a.received < n; i++)
		usleep(50000);
	usleep(200000);
	while (qrtr_poll(sock, 200) > 0)
		if (qrtr_recvfrom(sock, buf, sizeof(buf), &node, &port) > 0 &&
		    port != QRTR_PORT_CTRL)
			got++;
	snap(&b);
	unread = n - got;
	printf("uob-fuzz flood: sent %llu, answers received %ld, lost %ld; debugfs: received %ld tlv_type %ld send_failed %ld\n",
	       sent, got, unread, b.received - a.received, b.v[V_TLV_TYPE] - a.v[V_TLV_TYPE],
	       b.send_failed - a.send_failed);
	return b.received - a.received == n && b.v[V_TLV_TYPE] - a.v[V_TLV_TYPE] == n &&
	       b.send_failed - a.send_failed == unread ? 0 : 1;
}

int main(int argc, char **argv)
{
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: uob-fuzz run CARD N [SEED] | flood N\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sock = qrtr_open(0);
	if (sock < 0 || lookup() < 0) {
		printf("uob-fuzz: service 0x41d not found\n");
		return 1;
	}
	if (!strcmp(argv[1], "run") && argc >= 4) {
		uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;

		if (!seed) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			seed = (uint64_t)ts.tv_sec * 1000000007ull ^ ts.tv_nsec ^ getpid();
		}
		rig_card = atoi(argv[2]);
		ret = run(atoi(argv[3]), seed);
	} else if (!strcmp(argv[1], "flood")) {
		ret = flood(atoi(argv[2]));
	} else {
		ret = 2;
	}
	qrtr_close(sock);
	return ret;
}
