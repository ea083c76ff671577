// SPDX-License-Identifier: GPL-2.0
/*
 * uob-dsp: a userspace stand-in for the audio DSP, on Linaro's libqrtr.
 *
 * Finds the UAUDIO stream service (0x41D) through the QRTR name service,
 * enables/disables a stream, decodes responses and indications with
 * libqrtr's own QMI encoder/decoder (an implementation independent of the
 * kernel's), and checks every response field against what the guest shows
 * elsewhere: usb sysfs (descriptors, speed), xHCI debugfs (slot, endpoint
 * context TR dequeue pointer), the project's debugfs (offload usage, event
 * ring).
 *
 *   uob-dsp session CARD     enable, check, disable, check
 *   uob-dsp enable CARD      enable and check, keep the stream
 *   uob-dsp enable-wait CARD MS  enable, then wait for an indication
 *   uob-dsp malformed        send a request without its token
 */
#include <errno.h>
#include <libqrtr.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "uob-qmi.h"
#include "uob-stats.h"

#define MSG_STREAM	0x0001

struct req {
	uint8_t enable;
	uint32_t token;
	uint8_t fmt_valid; uint32_t fmt;
	uint8_t ch_valid; uint32_t ch;
	uint8_t rate_valid; uint32_t rate;
	uint8_t buf_valid; uint32_t buf;
	uint8_t si_valid; uint32_t si;
};

struct ind {
	uint32_t event;
	uint32_t slot;
	uint8_t token_valid; uint32_t token;
	uint8_t ctrl_valid; uint8_t ctrl;
};

static struct qmi_elem_info req_ei[] = {
	E(QMI_UNSIGNED_1_BYTE, 0x01, struct req, enable),
	E(QMI_UNSIGNED_4_BYTE, 0x02, struct req, token),
	E(QMI_OPT_FLAG, 0x10, struct req, fmt_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x10, struct req, fmt),
	E(QMI_OPT_FLAG, 0x11, struct req, ch_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x11, struct req, ch),
	E(QMI_OPT_FLAG, 0x12, struct req, rate_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x12, struct req, rate),
	E(QMI_OPT_FLAG, 0x13, struct req, buf_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x13, struct req, buf),
	E(QMI_OPT_FLAG, 0x14, struct req, si_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x14, struct req, si),
	END };

/* the indication's other optional TLVs are skipped by the decoder */
static struct qmi_elem_info ind_ei[] = {
	E(QMI_SIGNED_4_BYTE_ENUM, 0x01, struct ind, event),
	E(QMI_UNSIGNED_4_BYTE, 0x02, struct ind, slot),
	E(QMI_OPT_FLAG, 0x10, struct ind, token_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x10, struct ind, token),
	E(QMI_OPT_FLAG, 0x19, struct ind, ctrl_valid),
	E(QMI_UNSIGNED_1_BYTE, 0x19, struct ind, ctrl),
	END };

static int sock = -1;

/* libqrtr's qmi_decode_header() checks the length; the type is byte 0 */
static int qmi_type(const struct qrtr_packet *pkt, unsigned int *msg_id)
{
	if (pkt->data_len < 7 || qmi_decode_header(pkt, msg_id) < 0)
		return -1;
	return ((const unsigned char *)pkt->data)[0];
}

static uint32_t svc_node, svc_port;
static unsigned int txn_id = 1;
static int failures;

static void check(const char *what, unsigned long long got, unsigned long long want)
{
	int ok = got == want;

	printf("  %-34s %#llx %s%s\n", what, got, ok ? "== " : "!= expected ", ok ? "guest" : "");
	if (!ok) {
		printf("  %-34s expected %#llx\n", "", want);
		failures++;
	}
}

static int lookup(void)
{
	struct sockaddr_qrtr sq = { .sq_family = AF_QIPCRTR };
	char buf[256];
	struct qrtr_packet pkt;
	uint32_t node, port;
	int n;

	if (qrtr_new_lookup(sock, SVC_ID, SVC_VERS, 0) < 0)
		return -1;
	while (qrtr_poll(sock, 5000) > 0) {
		n = qrtr_recvfrom(sock, buf, sizeof(buf), &node, &port);
		if (n < 0 || port != QRTR_PORT_CTRL)
			continue;
		sq.sq_node = node;
		sq.sq_port = port;
		if (qrtr_decode(&pkt, buf, n, &sq) < 0 || pkt.type != QRTR_TYPE_NEW_SERVER)
			continue;
		if (pkt.service == SVC_ID && pkt.node) {
			svc_node = pkt.node;
			svc_port = pkt.port;
			return 0;
		}
	}
	return -1;
}

/* send a request, wait for its response (indications seen meanwhile are printed) */
static int transact(const struct req *rq, struct resp *rs, double *ms)
{
	DEFINE_QRTR_PACKET(out, 256);
	char buf[1024];
	unsigned int msg_id, txn;
	uint32_t node, port;
	double t0 = now_ms();
	ssize_t len;
	int n;

	len = qmi_encode_message(&out, QMI_REQUEST, MSG_STREAM, ++txn_id, rq, req_ei);
	if (len < 0 || qrtr_sendto(sock, svc_node, svc_port, out.data, len) < 0)
		return -1;
	while (qrtr_poll(sock, 10000) > 0) {
		n = qrtr_recvfrom(sock, buf, sizeof(buf), &node, &port);
		if (n <= 0 || port == QRTR_PORT_CTRL)
			continue;
		struct qrtr_packet pkt = { .type = QRTR_TYPE_DATA, .node = node, .port = port,
					   .data = buf, .data_len = n };

		if (qmi_type(&pkt, &msg_id) != QMI_RESPONSE)
			continue;
		memset(rs, 0, sizeof(*rs));
		if (qmi_decode_message(rs, &txn, &pkt, QMI_RESPONSE, MSG_STREAM, resp_ei) < 0)
			return -1;
		if (txn != txn_id)
			continue;
		if (ms)
			*ms = now_ms() - t0;
		return 0;
	}
	return -1;
}

static unsigned long sysfs_ul(const char *dir, const char *file, int base)
{
	char path[PATH_MAX], val[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "r");
	if (!f || !fgets(val, sizeof(val), f))
		printf("  (cannot read %s)\n", path);
	if (f)
		fclose(f);
	return strtoul(val, NULL, base);
}

/* offload usage of the USB device from the project's debugfs */
static int usage_of(const char *usbname)
{
	char line[256], name[64];
	int usage = -1;
	FILE *f = fopen("/sys/kernel/debug/usb-offload-backport/offload", "r");

	while (f && fgets(line, sizeof(line), f)) {
		char *u = strstr(line, "usage=");

		if (u && sscanf(line, "%63s", name) == 1 && !strcmp(name, usbname))
			usage = atoi(u + 6);
	}
	if (f)
		fclose(f);
	return usage;
}

/*
 * The DSP's view of one region.  Without an IOMMU domain (debugfs "dsp:
 * domain=no") the DSP must get the DMA address.  With one, it must get
 * sid << 32 | IOVA, and the driver's debugfs must list that IOVA with the
 * same DMA address, translating (through the DSP's domain) to the same
 * physical byte as the DMA address does through the controller's domain:
 * on a 16K- or 64K-page kernel a 4 KiB ring segment may start inside a
 * page, and the DSP must reach its first byte, not the page's.
 */
static void check_dsp_view(const char *what, const struct mem_info *m)
{
	FILE *f = fopen("/sys/kernel/debug/usb-offload-backport/qc-audio-offload/state", "r");
	unsigned long long iova, size, dma, phys, ctrl;
	char line[512], name[64], dom[8] = "";
	unsigned int sid = 0;
	int found = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "dsp: domain=%7s source=%*s device=%*s sid=%u", dom, &sid) == 2)
			continue;
		if (sscanf(line, "iova %63s %llx+%llx dma=%llx phys=%llx ctrl_phys=%llx", name,
			   &iova, &size, &dma, &phys, &ctrl) == 6 &&
		    iova == (m->iova & 0xffffffffull)) {
			found = 1;
			break;
		}
	}
	if (f)
		fclose(f);
	printf("  %s: DSP domain %s\n", what, dom[0] ? dom : "?");
	if (strcmp(dom, "yes")) {
		check("iova = dma (no DSP domain)", m->iova, m->dma);
		return;
	}
	check("stream ID in iova bits 32+", m->iova >> 32, sid);
	check("iova listed by the driver", found, 1);
	if (!found)
		return;
	printf("  %s: iova %#llx -> phys %#llx; dma %#llx -> phys %#llx (offset %#llx in a %ld-byte page)\n",
	       what, iova, phys, dma, ctrl, ctrl % sysconf(_SC_PAGESIZE), sysconf(_SC_PAGESIZE));
	check("  its dma = the response's dma", dma, m->dma);
	check("  DSP phys = controller phys (byte)", phys, ctrl);
	check("  phys is mapped (not 0)", !!phys, 1);
}

/* TR dequeue pointer of an endpoint context, from xHCI debugfs */
static unsigned long long ep_deq(unsigned int slot, unsigned int ep_index)
{
	char path[PATH_MAX], line[512];
	unsigned long long deq = 0;
	unsigned int i = 0;
	FILE *f;
	char *p;

	snprintf(path, sizeof(path),
		 "sh -c 'cat /sys/kernel/debug/usb/xhci/*/devices/%02u/ep-context'", slot);
	f = popen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (i++ != ep_index)
			continue;
		p = strstr(line, " deq ");
		if (p)
			deq = strtoull(p + 5, NULL, 16) & ~0xfULL;
	}
	if (f)
		pclose(f);
	return deq;
}

static void usb_dirs(int card, char *dev, char *intf_dir, size_t sz, const struct resp *rs)
{
	char path[PATH_MAX], real[PATH_MAX];
	char *slash;

	snprintf(path, sizeof(path), "/sys/class/sound/card%d/device", card);
	if (!realpath(path, real)) {
		dev[0] = 0;
		intf_dir[0] = 0;
		return;
	}
	slash = strrchr(real, '/');
	*slash = 0;			/* the usb device directory */
	snprintf(dev, sz, "%s", real);
	snprintf(intf_dir, sz, "%s/%s:1.%u", real, strrchr(real, '/') + 1,
		 rs->intf.bInterfaceNumber);
}

static int enable(int card, int check_fields)
{
	struct req rq = { .enable = 1, .token = (uint32_t)card << 16,
			  .fmt_valid = 1, .fmt = 2 /* S16_LE */, .ch_valid = 1, .ch = 2,
			  .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = 8192,
			  .si_valid = 1, .si = 1000 };
	char dev[PATH_MAX], intf[PATH_MAX], epdir[PATH_MAX + 16], *name;
	unsigned int ep_index, epn;
	struct resp rs;
	long pg;
	double ms;

	if (transact(&rq, &rs, &ms) < 0) {
		printf("enable: no response\n");
		return -1;
	}
	printf("enable card %d: result %u error %u status %u internal %d (%.1f ms)\n", card,
	       rs.resp.result, rs.resp.error, rs.status, (int)rs.istatus, ms);
	if (rs.resp.result || rs.status)
		return -1;
	printf("  slot %u token %#x interrupter %u speed %u controller %u rev %#x subslot %u delay %u\n",
	       rs.slot, rs.token, rs.intr, rs.speed, rs.ctrl, rs.rev, rs.subslot, rs.delay);
	printf("  intf %u alt %u eps %u; data ep %#x maxp %u interval %u\n",
	       rs.intf.bInterfaceNumber, rs.intf.bAlternateSetting, rs.intf.bNumEndpoints,
	       rs.data_ep.bEndpointAddress, rs.data_ep.wMaxPacketSize, rs.data_ep.bInterval);
	printf("  event ring iova %#llx size %u; data ring %#llx size %u; xfer buf %#llx size %u\n",
	       (unsigned long long)rs.mem.evt.iova, rs.mem.evt.size,
	       (unsigned long long)rs.mem.data.iova, rs.mem.data.size,
	       (unsigned long long)rs.mem.xfer.iova, rs.mem.xfer.size);
	if (!check_fields)
		return 0;

	usb_dirs(card, dev, intf, sizeof(dev), &rs);
	name = strrchr(dev, '/') + 1;
	printf("checks against the guest (%s):\n", dev);
	check("token", rs.token, rq.token);
	check("speed (2 = full, sysfs 12)", rs.speed,
	      sysfs_ul(dev, "speed", 10) == 12 ? 2 : sysfs_ul(dev, "speed", 10) == 480 ? 3 : 4);
	/* mainline: the controller's device-tree "usb" alias; none on x86 */
	check("controller_num absent (no DT alias)", rs.ctrl_valid, 0);
	check("internal_status 0", rs.istatus_valid && !rs.istatus, 1);
	check("bInterfaceNumber", rs.intf.bInterfaceNumber,
	      sysfs_ul(intf, "bInterfaceNumber", 16));
	check("bAlternateSetting (current)", rs.intf.bAlternateSetting,
	      sysfs_ul(intf, "bAlternateSetting", 10));
	check("bNumEndpoints", rs.intf.bNumEndpoints, sysfs_ul(intf, "bNumEndpoints", 16));
	epn = rs.data_ep.bEndpointAddress;
	snprintf(epdir, sizeof(epdir), "%s/ep_%02x", intf, epn);
	check("data ep wMaxPacketSize", rs.data_ep.wMaxPacketSize,
	      sysfs_ul(epdir, "wMaxPacketSize", 16));
	check("data ep bInterval", rs.data_ep.bInterval, sysfs_ul(epdir, "bInterval", 16));
	check("data ep bmAttributes", rs.data_ep.bmAttributes, sysfs_ul(epdir, "bmAttributes", 16));
	ep_index = (epn & 0xf) * 2 - ((epn & 0x80) ? 0 : 1);
	check("data ring = ep context TR dequeue", rs.mem.data.dma, ep_deq(rs.slot, ep_index));
	check_dsp_view("event ring", &rs.mem.evt);
	check_dsp_view("data ring", &rs.mem.data);
	check_dsp_view("transfer buffer", &rs.mem.xfer);
	/* the request's size in whole pages of this kernel, as upstream gives */
	pg = sysconf(_SC_PAGESIZE);
	check("transfer buffer size (whole pages)", rs.mem.xfer.size, (rq.buf + pg - 1) / pg * pg);
	check("offload usage of the device", usage_of(name), 1);
	return 0;
}

static int disable(int card, const char *usbname)
{
	/* mainline refuses a disable without format, channels, rate, buffer */
	struct req rq = { .enable = 0, .token = (uint32_t)card << 16,
			  .fmt_valid = 1, .fmt = 2, .ch_valid = 1, .ch = 2,
			  .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = 8192 };
	struct resp rs;
	double ms;

	if (transact(&rq, &rs, &ms) < 0) {
		printf("disable: no response\n");
		return -1;
	}
	printf("disable card %d: result %u status %u (%.1f ms)\n", card, rs.resp.result,
	       rs.status, ms);
	if (usbname)
		check("offload usage after disable", usage_of(usbname), 0);
	return rs.resp.result || rs.status ? -1 : 0;
}

/* N enable/disable cycles, round trip of each request as the DSP sees it */
static int bench(int card, int n)
{
	struct req en = { .enable = 1, .token = (uint32_t)card << 16,
			  .fmt_valid = 1, .fmt = 2, .ch_valid = 1, .ch = 2,
			  .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = 8192,
			  .si_valid = 1, .si = 1000 };
	struct req dis = { .enable = 0, .token = (uint32_t)card << 16,
			   .fmt_valid = 1, .fmt = 2, .ch_valid = 1, .ch = 2,
			   .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = 8192 };
	double *te = calloc(n, sizeof(double)), *td = calloc(n, sizeof(double));
	struct resp rs;
	int i;

	for (i = 0; i < n; i++) {
		if (transact(&en, &rs, &te[i]) < 0 || rs.resp.result || rs.status) {
			printf("bench: enable %d failed\n", i);
			return -1;
		}
		if (transact(&dis, &rs, &td[i]) < 0 || rs.resp.result || rs.status) {
			printf("bench: disable %d failed\n", i);
			return -1;
		}
	}
	stats("QMI enable round trip", te, n);
	stats("QMI disable round trip", td, n);
	free(te);
	free(td);
	return 0;
}

static int wait_ind(int ms)
{
	char buf[1024];
	uint32_t node, port;
	unsigned int msg_id, txn;
	struct ind ind;
	double t0 = now_ms();
	int n;

	while (now_ms() - t0 < ms && qrtr_poll(sock, ms) > 0) {
		n = qrtr_recvfrom(sock, buf, sizeof(buf), &node, &port);
		if (n <= 0 || port == QRTR_PORT_CTRL)
			continue;
		struct qrtr_packet pkt = { .type = QRTR_TYPE_DATA, .data = buf, .data_len = n };

		if (qmi_type(&pkt, &msg_id) != QMI_INDICATION)
			continue;
		memset(&ind, 0, sizeof(ind));
		if (qmi_decode_message(&ind, &txn, &pkt, QMI_INDICATION, MSG_STREAM, ind_ei) < 0)
			continue;
		printf("indication: event %u (1 = DISCONNECT) slot %u token %s controller %u%s after %.0f ms\n",
		       ind.event, ind.slot, ind.token_valid ? "present" : "absent", ind.ctrl,
		       ind.ctrl_valid ? "" : " (absent)", now_ms() - t0);
		/* mainline's DISCONNECT: dev_event, slot_id, controller_num only */
		check("indication without usb_token", ind.token_valid, 0);
		check("indication with controller_num", ind.ctrl_valid, 1);
		return ind.event;
	}
	printf("indication: none within %d ms\n", ms);
	return -1;
}

static int malformed(void)
{
	/* QMI header + only the enable TLV: the mandatory token is missing */
	unsigned char msg[] = { QMI_REQUEST, 0x33, 0x00, 0x01, 0x00, 0x04, 0x00,
				0x01, 0x01, 0x00, 0x01 };
	char buf[512];
	uint32_t node, port;
	unsigned int msg_id, txn;
	struct resp rs;
	int n;

	if (qrtr_sendto(sock, svc_node, svc_port, msg, sizeof(msg)) < 0)
		return -1;
	while (qrtr_poll(sock, 5000) > 0) {
		n = qrtr_recvfrom(sock, buf, sizeof(buf), &node, &port);
		if (n <= 0 || port == QRTR_PORT_CTRL)
			continue;
		struct qrtr_packet pkt = { .type = QRTR_TYPE_DATA, .data = buf, .data_len = n };

		if (qmi_type(&pkt, &msg_id) != QMI_RESPONSE)
			continue;
		memset(&rs, 0, sizeof(rs));
		qmi_decode_message(&rs, &txn, &pkt, QMI_RESPONSE, MSG_STREAM, resp_ei);
		printf("malformed request: result %u error %u (1 = MALFORMED)\n",
		       rs.resp.result, rs.resp.error);
		return rs.resp.result == 1 && rs.resp.error == QMI_ERR_MALFORMED_MSG_V01 ? 0 : -1;
	}
	printf("malformed request: no response\n");
	return -1;
}

int main(int argc, char **argv)
{
	char dev[PATH_MAX], intf[PATH_MAX];
	struct resp none = { 0 };
	int card, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: uob-dsp session|enable|disable CARD | enable-wait CARD MS | malformed | pagesize\n");
		return 2;
	}
	/* what getconf PAGESIZE prints (the guests' busybox has no getconf) */
	if (!strcmp(argv[1], "pagesize")) {
		printf("%ld\n", sysconf(_SC_PAGESIZE));
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sock = qrtr_open(0);
	if (sock < 0) {
		perror("qrtr_open");
		return 1;
	}
	if (lookup() < 0) {
		printf("service 0x41d: not found\n");
		return 1;
	}
	printf("service 0x41d v1 found at node %u port %u\n", svc_node, svc_port);

	card = argc > 2 ? atoi(argv[2]) : 0;
	usb_dirs(card, dev, intf, sizeof(dev), &none);
	if (!strcmp(argv[1], "session")) {
		ret = enable(card, 1);
		if (!ret)
			ret = disable(card, dev[0] ? strrchr(dev, '/') + 1 : NULL);
	} else if (!strcmp(argv[1], "enable")) {
		ret = enable(card, 1);
	} else if (!strcmp(argv[1], "enable-wait")) {
		/* keep the stream, wait for the DISCONNECT indication */
		ret = enable(card, 1);
		if (!ret) {
			printf("streaming: waiting for an indication\n");
			ret = wait_ind(argc > 3 ? atoi(argv[3]) : 10000) == 1 ? 0 : -1;
		}
	} else if (!strcmp(argv[1], "disable")) {
		ret = disable(card, NULL);
	} else if (!strcmp(argv[1], "wait-ind")) {
		ret = wait_ind(card) == 1 ? 0 : -1;
	} else if (!strcmp(argv[1], "bench")) {
		ret = bench(card, argc > 3 ? atoi(argv[3]) : 200);
	} else if (!strcmp(argv[1], "malformed")) {
		ret = malformed();
	}
	qrtr_close(sock);
	printf("uob-dsp %s: %s (%d field check(s) failed)\n", argv[1],
	       ret || failures ? "FAILED" : "ok", failures);
	return ret || failures ? 1 : 0;
}
