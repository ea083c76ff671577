// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": the one parser of requests.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "../qmi_parse.h"
#include "../stream.h"
#include "qc_kunit.h"

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
void uob_qc_duplicate_tlv_malformed(struct kunit *test)
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
void uob_qc_oversized_datagram_malformed(struct kunit *test)
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

void uob_qc_parse_property(struct kunit *test)
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

