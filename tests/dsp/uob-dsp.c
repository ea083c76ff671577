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
 *   uob-dsp play CARD SECONDS  enable, hand the response to the emulated DSP
 *                          (tests/dsp-emu) and stream until SECONDS pass,
 *                          /tmp/uob-dsp.stop appears or an indication
 *                          arrives; then stop the emulator (abort on an
 *                          indication) and disable if the stream still
 *                          exists.  Prints exactly one line on stdout,
 *                          "play: N frames, M events, ended by
 *                          disable|indication|error" (N: 1 ms packets the
 *                          emulator queued, M: events it consumed), the rest
 *                          on stderr; exit status 0 unless error.
 *   uob-dsp run SCENARIO STEP...  a script of messages, one JSON line per
 *                            message (the parity guests; see run_step())
 */
#include <errno.h>
#include <fcntl.h>
#include <libqrtr.h>
#include <linux/types.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "uob-qmi.h"
#include "uob-stats.h"

#define MSG_STREAM	0x0001

static int sock = -1;
/* the transfer buffer asked for (play: room for what the emulator queues) */
static __u32 xfer_size = 8192;

/* libqrtr's qmi_decode_header() checks the length; the type is byte 0 */
static int qmi_type(const struct qrtr_packet *pkt, unsigned int *msg_id)
{
	if (pkt->data_len < 7 || qmi_decode_header(pkt, msg_id) < 0)
		return -1;
	return ((const unsigned char *)pkt->data)[0];
}

static __u32 svc_node, svc_port, svc_vers, svc_inst;
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
	return uob_lookup(sock, &svc_node, &svc_port, &svc_vers, &svc_inst);
}

/* send a request, wait for its response (indications seen meanwhile are printed) */
static int transact(const struct req *rq, struct resp *rs, double *ms)
{
	DEFINE_QRTR_PACKET(out, 256);
	char buf[1024];
	unsigned int msg_id, txn;
	__u32 node, port;
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
	printf("  %s: iova %#llx -> phys %#llx; ", what, iova, phys);
	printf("dma %#llx -> phys %#llx (offset %#llx in a %ld-byte page)\n",
	       dma, ctrl, ctrl % sysconf(_SC_PAGESIZE), sysconf(_SC_PAGESIZE));
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

static int enable(int card, int check_fields, struct resp *rs_out)
{
	struct req rq = { .enable = 1, .token = (__u32)card << 16,
			  .fmt_valid = 1, .fmt = 2 /* S16_LE */, .ch_valid = 1, .ch = 2,
			  .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = xfer_size,
			  .si_valid = 1, .si = 1000 };
	char dev[PATH_MAX], intf[PATH_MAX], epdir[PATH_MAX + 16], *name;
	unsigned int ep_index, epn;
	struct resp rs;
	long pg;
	double ms;

	if (transact(&rq, &rs, &ms) < 0) {
		printf("%s: no response\n", __func__);
		return -1;
	}
	printf("%s card %d: result %u error %u status %u internal %d (%.1f ms)\n", __func__, card,
	       rs.resp.result, rs.resp.error, rs.status, (int)rs.istatus, ms);
	if (rs.resp.result || rs.status)
		return -1;
	printf("  slot %u token %#x interrupter %u speed %u controller %u",
	       rs.slot, rs.token, rs.intr, rs.speed, rs.ctrl);
	printf(" rev %#x subslot %u delay %u\n", rs.rev, rs.subslot, rs.delay);
	printf("  intf %u alt %u eps %u; data ep %#x maxp %u interval %u\n",
	       rs.intf.bInterfaceNumber, rs.intf.bAlternateSetting, rs.intf.bNumEndpoints,
	       rs.data_ep.bEndpointAddress, rs.data_ep.wMaxPacketSize, rs.data_ep.bInterval);
	printf("  event ring iova %#llx size %u; data ring %#llx size %u; xfer buf %#llx size %u\n",
	       (unsigned long long)rs.mem.evt.iova, rs.mem.evt.size,
	       (unsigned long long)rs.mem.data.iova, rs.mem.data.size,
	       (unsigned long long)rs.mem.xfer.iova, rs.mem.xfer.size);
	if (rs_out)
		*rs_out = rs;
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

/*
 * qc-audio-offload's idle_ms: how long it keeps a device's share (and its
 * offload usage) after the last stream; 0 without the parameter.
 */
static int qc_idle_ms(void)
{
	FILE *f = fopen("/sys/module/qc_audio_offload/parameters/idle_ms", "r");
	int ms = 0;

	if (f) {
		if (fscanf(f, "%d", &ms) != 1)
			ms = 0;
		fclose(f);
	}
	return ms;
}

/*
 * After the last disable the usage stays 1 for idle_ms, then drops to 0
 * (within 3 s more: the work's delay, a slow guest).
 */
static void check_usage_after_disable(const char *usbname)
{
	int keep = qc_idle_ms(), usage;
	double t0 = now_ms();

	if (keep > 0)
		check("offload usage kept during the idle time", usage_of(usbname), 1);
	while ((usage = usage_of(usbname)) != 0 && now_ms() - t0 < keep + 3000.0)
		usleep(10000);
	if (keep > 0)
		printf("  offload usage %d after %.0f ms (idle_ms %d)\n", usage, now_ms() - t0,
		       keep);
	check("offload usage once disabled", usage, 0);
}

static int disable(int card, const char *usbname)
{
	/* mainline refuses a disable without format, channels, rate, buffer */
	struct req rq = { .enable = 0, .token = (__u32)card << 16,
			  .fmt_valid = 1, .fmt = 2, .ch_valid = 1, .ch = 2,
			  .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = xfer_size };
	struct resp rs;
	double ms;

	if (transact(&rq, &rs, &ms) < 0) {
		printf("%s: no response\n", __func__);
		return -1;
	}
	printf("%s card %d: result %u status %u (%.1f ms)\n", __func__, card, rs.resp.result,
	       rs.status, ms);
	if (usbname)
		check_usage_after_disable(usbname);
	return rs.resp.result || rs.status ? -1 : 0;
}

/* N enable/disable cycles, round trip of each request as the DSP sees it */
static int bench(int card, int n)
{
	struct req en = { .enable = 1, .token = (__u32)card << 16,
			  .fmt_valid = 1, .fmt = 2, .ch_valid = 1, .ch = 2,
			  .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = 8192,
			  .si_valid = 1, .si = 1000 };
	struct req dis = { .enable = 0, .token = (__u32)card << 16,
			   .fmt_valid = 1, .fmt = 2, .ch_valid = 1, .ch = 2,
			   .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = 8192 };
	double *te = calloc(n, sizeof(double)), *td = calloc(n, sizeof(double));
	struct resp rs;
	int i;

	for (i = 0; i < n; i++) {
		if (transact(&en, &rs, &te[i]) < 0 || rs.resp.result || rs.status) {
			printf("%s: enable %d failed\n", __func__, i);
			return -1;
		}
		if (transact(&dis, &rs, &td[i]) < 0 || rs.resp.result || rs.status) {
			printf("%s: disable %d failed\n", __func__, i);
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
	__u32 node, port;
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
		printf("indication: event %u (1 = DISCONNECT) slot %u token %s", ind.event,
		       ind.slot, ind.token_valid ? "present" : "absent");
		printf(" controller %u%s after %.0f ms\n", ind.ctrl,
		       ind.ctrl_valid ? "" : " (absent)", now_ms() - t0);
		/* mainline's DISCONNECT: dev_event, slot_id, controller_num only */
		check("indication without usb_token", ind.token_valid, 0);
		check("indication with controller_num", ind.ctrl_valid, 1);
		return ind.event;
	}
	printf("indication: none within %d ms\n", ms);
	return -1;
}

static int cmd_malformed(void)
{
	/* QMI header + only the enable TLV: the mandatory token is missing */
	unsigned char msg[] = { QMI_REQUEST, 0x33, 0x00, 0x01, 0x00, 0x04, 0x00,
				0x01, 0x01, 0x00, 0x01 };
	char buf[512];
	__u32 node, port;
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

/* ---- play: the emulated DSP streams through the response ---- */

#define EMU_CTL		"/sys/kernel/debug/uob-dsp-emu/ctl"
#define PLAY_STOP	"/tmp/uob-dsp.stop"
#define QC_IOMMU_DEV	"/sys/module/qc_audio_offload/parameters/iommu_dev"

static int emu_cmd(const char *cmd)
{
	int fd = open(EMU_CTL, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* the emulator's state line (empty if it cannot be read) */
static void emu_state(char *line, size_t sz)
{
	FILE *f = fopen(EMU_CTL, "r");

	line[0] = 0;
	if (f && !fgets(line, sz, f))
		line[0] = 0;
	if (f)
		fclose(f);
	line[strcspn(line, "\n")] = 0;
}

static unsigned long long emu_field(const char *line, const char *key)
{
	char pat[32];
	const char *p;

	snprintf(pat, sizeof(pat), " %s=", key);
	p = strstr(line, pat);
	return p ? strtoull(p + strlen(pat), NULL, 0) : 0;
}

/* qc-audio-offload's iommu_dev= ("" when unset) */
static void qc_iommu_dev(char *buf, size_t sz)
{
	FILE *f = fopen(QC_IOMMU_DEV, "r");

	buf[0] = 0;
	if (f && !fgets(buf, sz, f))
		buf[0] = 0;
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	if (!strcmp(buf, "(null)"))
		buf[0] = 0;
}

/* an indication within @ms: 1 (its event in *@event), 0 none, -1 error */
static int poll_ind(int ms, unsigned int *event)
{
	char buf[1024];
	__u32 node, port;
	unsigned int msg_id, txn;
	struct ind ind;
	int n;

	if (qrtr_poll(sock, ms) <= 0)
		return 0;
	n = qrtr_recvfrom(sock, buf, sizeof(buf), &node, &port);
	if (n <= 0 || port == QRTR_PORT_CTRL)
		return 0;
	struct qrtr_packet pkt = { .type = QRTR_TYPE_DATA, .data = buf, .data_len = n };

	if (qmi_type(&pkt, &msg_id) != QMI_INDICATION)
		return 0;
	memset(&ind, 0, sizeof(ind));
	if (qmi_decode_message(&ind, &txn, &pkt, QMI_INDICATION, MSG_STREAM, ind_ei) < 0)
		return -1;
	*event = ind.event;
	return 1;
}

static atomic_int play_killed;	/* lock-free: set by a signal handler */

static void play_kill(int sig)
{
	atomic_store(&play_killed, sig);
}

static int cmd_play(int card, int seconds, int out)
{
	char dev[PATH_MAX], intf[PATH_MAX], iommu[128], cmd[1024], st[1024];
	const char *end = "error";
	unsigned int event = 0;
	int started = 0, enabled = 0, r;
	struct resp rs;
	double t0;

	xfer_size = 24 * 4096;	/* mainline's most: 512 packets */
	/* killed: the emulator must stop touching the stream first */
	signal(SIGTERM, play_kill);
	signal(SIGINT, play_kill);
	if (enable(card, 0, &rs) < 0)
		goto done;
	enabled = 1;
	usb_dirs(card, dev, intf, sizeof(dev), &rs);
	qc_iommu_dev(iommu, sizeof(iommu));
	snprintf(cmd, sizeof(cmd),
		 "start usb=%lu:%lu slot=%u intr=%u ep=%#x evt=%#llx,%#llx,%u data=%#llx,%#llx,%u xfer=%#llx,%#llx,%u iommu_dev=%s",
		 sysfs_ul(dev, "busnum", 10), sysfs_ul(dev, "devnum", 10), rs.slot, rs.intr,
		 rs.data_ep.bEndpointAddress,
		 (unsigned long long)rs.mem.evt.iova, (unsigned long long)rs.mem.evt.dma,
		 rs.mem.evt.size,
		 (unsigned long long)rs.mem.data.iova, (unsigned long long)rs.mem.data.dma,
		 rs.mem.data.size,
		 (unsigned long long)rs.mem.xfer.iova, (unsigned long long)rs.mem.xfer.dma,
		 rs.mem.xfer.size, iommu);
	/* UOB_DSP_LEAD: packets the emulator keeps queued (default: its own) */
	if (getenv("UOB_DSP_LEAD"))
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), " lead=%s",
			 getenv("UOB_DSP_LEAD"));
	printf("emulator: %s\n", cmd);
	r = emu_cmd(cmd);
	emu_state(st, sizeof(st));
	printf("emulator: %s\n", st);
	if (r < 0) {
		printf("emulator: start refused: %s\n", strerror(-r));
		goto done;
	}
	started = 1;
	t0 = now_ms();
	for (;;) {
		if (now_ms() - t0 >= seconds * 1000.0 || !access(PLAY_STOP, F_OK)) {
			end = "disable";
			break;
		}
		if (play_killed) {
			printf("killed by signal %d\n", atomic_load(&play_killed));
			break;
		}
		r = poll_ind(100, &event);
		if (r) {
			/* the stream is being torn down: stop touching it now */
			emu_cmd("abort");
			printf("indication: event %u (1 = DISCONNECT) after %.0f ms\n", event,
			       now_ms() - t0);
			end = r > 0 ? "indication" : "error";
			enabled = 0;
			break;
		}
		emu_state(st, sizeof(st));
		if (!strncmp(st, "state=failed", 12)) {
			printf("emulator: %s\n", st);
			emu_cmd("abort");
			/*
			 * The device went (the emulator saw it first): the
			 * DISCONNECT may still be on its way, as for a DSP
			 * whose transfers fail; a debug kernel's teardown
			 * takes up to a second.
			 */
			for (double t1 = now_ms(); now_ms() - t1 < 5000;) {
				r = poll_ind(100, &event);
				if (r > 0) {
					printf("indication: event %u (1 = DISCONNECT)", event);
					printf(" after %.0f ms\n", now_ms() - t0);
					end = "indication";
					enabled = 0;
				}
				if (r)
					break;
			}
			break;
		}
	}
	if (!strcmp(end, "disable")) {
		emu_cmd("stop");
		/*
		 * let the device play what it has buffered before the stream
		 * goes (UOB_DSP_PLAYOUT_MS, default 250 ms)
		 */
		usleep(1000 * (getenv("UOB_DSP_PLAYOUT_MS") ?
			       atoi(getenv("UOB_DSP_PLAYOUT_MS")) : 250));
	} else {
		emu_cmd("abort");
	}
	started = 0;
	emu_state(st, sizeof(st));
	printf("emulator: %s (after %.0f ms)\n", st, now_ms() - t0);
done:
	if (started)
		emu_cmd("abort");
	if (enabled && disable(card, NULL) < 0)
		end = "error";
	emu_state(st, sizeof(st));
	dprintf(out, "play: %llu frames, %llu events, ended by %s\n", emu_field(st, "frames"),
		emu_field(st, "events"), end);
	return strcmp(end, "error") ? 0 : -1;
}

/*
 * ---- run: a script of messages, every message one JSON line ----
 *
 * The parity guests (scripts/parity.sh) run the same script against
 * mainline's snd-usb-audio-qmi and against ours and compare the lines on
 * the host, field by field (tests/parity/compare.py).  A line is
 *   uob-parity: {"scn": SCENARIO, "step": N, "cmd": STEP, "client": 1|2,
 *                "msg": "resp"|"ind"|"none"|"lookup"|"error", ...}
 * with, for an answer or indication, its QMI header ("hdr"), its TLVs in
 * wire order ("layout": type:length ...), each TLV's bytes ("raw") and the
 * fields libqrtr decodes from them ("f").
 *
 * Steps ("2/" first: the step is sent by a second client, its own socket):
 *   lookup              the name service's answer for 0x41D
 *   en[:K=V,...]        enable: card=0 pcm=0 dir=0 fmt=2 ch=2 rate=48000
 *                       buf=8192 si=1000 by default; token=T sets the
 *                       token as is; omit=F+F... leaves fields out
 *   dis[:K=V,...]       disable: as en, without si unless given
 *   bad:CLASS           a message of one of uob-fuzz's classes (bad_msg())
 *   ind:MS              wait up to MS ms for an indication
 *   timeout:MS          how long to wait for each later answer
 *   mark:TEXT           print "uob-parity-mark: TEXT" (for the guest script)
 *   sleep:MS
 */
static int sock2 = -1;
static const char *run_scn = "-";
static int run_stepno;
static const char *run_cmd = "";
static int run_client = 1;
static int run_resp_ms = 10000;

static void json_head(const char *msg)
{
	printf("uob-parity: {\"scn\": \"%s\", \"step\": %d, \"cmd\": \"%s\", ",
	       run_scn, run_stepno, run_cmd);
	printf("\"client\": %d, \"msg\": \"%s\"", run_client, msg);
}

/* header, TLV layout and raw bytes of a QMI message */
static void json_wire(const unsigned char *m, size_t len)
{
	size_t off, tl;
	int first = 1;

	if (len < 7) {
		printf(", \"len\": %zu", len);
		return;
	}
	printf(", \"hdr\": {\"type\": %u, \"txn\": %u, \"id\": %u, \"msg_len\": %u, \"len\": %zu}",
	       m[0], m[1] | m[2] << 8, m[3] | m[4] << 8, m[5] | m[6] << 8, len);
	printf(", \"layout\": \"");
	for (off = 7; off + 3 <= len; off += 3 + tl) {
		tl = m[off + 1] | m[off + 2] << 8;
		printf("%s%02x:%zu", first ? "" : " ", m[off], tl);
		first = 0;
		if (off + 3 + tl > len)
			break;
	}
	printf("\", \"raw\": {");
	first = 1;
	for (off = 7; off + 3 <= len; off += 3 + tl) {
		size_t i;

		tl = m[off + 1] | m[off + 2] << 8;
		if (off + 3 + tl > len)
			break;
		printf("%s\"%02x\": \"", first ? "" : ", ", m[off]);
		for (i = 0; i < tl; i++)
			printf("%02x", m[off + 3 + i]);
		printf("\"");
		first = 0;
	}
	printf("}");
}

static void json_ep(const char *name, const struct ep_desc *e)
{
	printf(", \"%s\": [%u, %u, %u, %u, %u, %u, %u, %u]", name, e->bLength,
	       e->bDescriptorType, e->bEndpointAddress, e->bmAttributes, e->wMaxPacketSize,
	       e->bInterval, e->bRefresh, e->bSynchAddress);
}

static void json_mem(const char *name, const struct mem_info *m)
{
	printf(", \"mem.%s.iova\": %llu, \"mem.%s.dma\": %llu, \"mem.%s.size\": %u", name,
	       (unsigned long long)m->iova, name, (unsigned long long)m->dma, name, m->size);
}

static void json_resp(const struct resp *r)
{
	const struct intf_desc *i = &r->intf;

	printf(", \"f\": {\"result\": %u, \"error\": %u", r->resp.result, r->resp.error);
	printf(", \"status_valid\": %u, \"status\": %u", r->status_valid, r->status);
	printf(", \"internal_status_valid\": %u, \"internal_status\": %d", r->istatus_valid,
	       (int32_t)r->istatus);
	printf(", \"slot_id_valid\": %u, \"slot_id\": %u", r->slot_valid, r->slot);
	printf(", \"usb_token_valid\": %u, \"usb_token\": %u", r->token_valid, r->token);
	printf(", \"intf_valid\": %u, \"intf\": [%u, %u, %u, %u, %u, %u, %u, %u, %u]",
	       r->intf_valid, i->bLength, i->bDescriptorType, i->bInterfaceNumber,
	       i->bAlternateSetting, i->bNumEndpoints, i->bInterfaceClass, i->bInterfaceSubClass,
	       i->bInterfaceProtocol, i->iInterface);
	printf(", \"data_ep_valid\": %u", r->data_ep_valid);
	json_ep("data_ep", &r->data_ep);
	printf(", \"sync_ep_valid\": %u", r->sync_ep_valid);
	json_ep("sync_ep", &r->sync_ep);
	printf(", \"spec_rev_valid\": %u, \"spec_rev\": %u", r->rev_valid, r->rev);
	printf(", \"data_path_delay_valid\": %u, \"data_path_delay\": %u", r->delay_valid,
	       r->delay);
	printf(", \"subslot_valid\": %u, \"subslot\": %u", r->subslot_valid, r->subslot);
	printf(", \"mem_valid\": %u", r->mem_valid);
	json_mem("evt", &r->mem.evt);
	json_mem("data", &r->mem.data);
	json_mem("sync", &r->mem.sync);
	json_mem("xfer", &r->mem.xfer);
	json_mem("dcba", &r->mem.dcba);
	printf(", \"interrupter_valid\": %u, \"interrupter\": %u", r->intr_valid, r->intr);
	printf(", \"speed_valid\": %u, \"speed\": %u", r->speed_valid, r->speed);
	printf(", \"controller_num_valid\": %u, \"controller_num\": %u}", r->ctrl_valid, r->ctrl);
}

static void json_ind(const struct ind *d)
{
	printf(", \"f\": {\"dev_event\": %u, \"slot_id\": %u", d->event, d->slot);
	printf(", \"usb_token_valid\": %u, \"usb_token\": %u", d->token_valid, d->token);
	printf(", \"controller_num_valid\": %u, \"controller_num\": %u}", d->ctrl_valid, d->ctrl);
}

/*
 * Read from @s until the answer with transaction @txn (@txn < 0: an
 * indication) or @ms pass; every answer and indication read is a line.
 * Returns 0 when the awaited message came.
 */
static int run_recv(int s, int txn, int ms)
{
	static unsigned char buf[65536];
	double t0 = now_ms();
	unsigned int msg_id, t;
	__u32 node, port;
	int n, type, left;

	while ((left = ms - (int)(now_ms() - t0)) > 0 && qrtr_poll(s, left) > 0) {
		n = qrtr_recvfrom(s, buf, sizeof(buf), &node, &port);
		if (n <= 0 || port == QRTR_PORT_CTRL)
			continue;
		struct qrtr_packet pkt = { .type = QRTR_TYPE_DATA, .node = node, .port = port,
					   .data = buf, .data_len = n };

		type = qmi_type(&pkt, &msg_id);
		if (type == QMI_RESPONSE) {
			struct resp rs;
			int dec;

			memset(&rs, 0, sizeof(rs));
			dec = qmi_decode_message(&rs, &t, &pkt, QMI_RESPONSE, msg_id, resp_ei);
			t = buf[1] | buf[2] << 8;
			json_head(txn >= 0 && (int)t == txn ? "resp" : "stray");
			json_wire(buf, n);
			if (dec < 0)
				printf(", \"decode\": \"failed\"");
			else
				json_resp(&rs);
			printf("}\n");
			if (txn >= 0 && (int)t == txn)
				return 0;
		} else if (type == QMI_INDICATION) {
			struct ind ind;
			int dec;

			memset(&ind, 0, sizeof(ind));
			dec = qmi_decode_message(&ind, &t, &pkt, QMI_INDICATION, msg_id, ind_ei);
			json_head("ind");
			json_wire(buf, n);
			if (dec < 0)
				printf(", \"decode\": \"failed\"");
			else
				json_ind(&ind);
			printf("}\n");
			if (txn < 0)
				return 0;
		}
	}
	json_head("none");
	printf(", \"waited_ms\": %d}\n", ms);
	return -1;
}

struct wire { unsigned char m[65535]; size_t len; };

static void w_hdr(struct wire *w, unsigned int type, unsigned int txn, unsigned int id)
{
	w->m[0] = type;
	w->m[1] = txn & 0xff;
	w->m[2] = txn >> 8;
	w->m[3] = id & 0xff;
	w->m[4] = id >> 8;
	w->len = 7;
}

static void w_tlv(struct wire *w, unsigned int type, unsigned int len, uint64_t v)
{
	unsigned int i;

	w->m[w->len++] = type;
	w->m[w->len++] = len & 0xff;
	w->m[w->len++] = len >> 8;
	for (i = 0; i < len; i++)
		w->m[w->len++] = i < 8 ? (v >> (8 * i)) & 0xff : 0;
}

static void w_fix_len(struct wire *w)
{
	w->m[5] = (w->len - 7) & 0xff;
	w->m[6] = (w->len - 7) >> 8;
}

/* a well-formed enable of card 0 (the rig's one stream), TLV by TLV */
static void w_enable(struct wire *w, unsigned int txn)
{
	w_hdr(w, QMI_REQUEST, txn, MSG_STREAM);
	w_tlv(w, 0x01, 1, 1);
	w_tlv(w, 0x02, 4, 0);
	w_tlv(w, 0x10, 4, 2);
	w_tlv(w, 0x11, 4, 2);
	w_tlv(w, 0x12, 4, 48000);
	w_tlv(w, 0x13, 4, 8192);
	w_tlv(w, 0x14, 4, 1000);
	w_fix_len(w);
}

/*
 * The classes of uob-fuzz's broken messages, one fixed instance each.
 * Returns 0, or -1 for an unknown class.
 */
static int bad_msg(struct wire *w, const char *cls, unsigned int txn)
{
	__u32 x = 0x2545f491;
	size_t i;

	if (!strcmp(cls, "short")) {		/* shorter than a QMI header */
		w_hdr(w, QMI_REQUEST, txn, MSG_STREAM);
		w->len = 5;
	} else if (!strcmp(cls, "not-request")) {	/* header type: indication */
		w_enable(w, txn);
		w->m[0] = QMI_INDICATION;
	} else if (!strcmp(cls, "msg-id")) {	/* another message id */
		w_enable(w, txn);
		w->m[3] = 0x02;
	} else if (!strcmp(cls, "msg-len")) {	/* header length one more */
		w_enable(w, txn);
		w->m[5]++;
	} else if (!strcmp(cls, "tlv-len+1") || !strcmp(cls, "tlv-len-1")) {
		int d = cls[7] == '+' ? 1 : -1;	/* the token's TLV, bytes to match */

		w_hdr(w, QMI_REQUEST, txn, MSG_STREAM);
		w_tlv(w, 0x01, 1, 1);
		w_tlv(w, 0x02, 4 + d, 0);
		w_tlv(w, 0x10, 4, 2);
		w_tlv(w, 0x11, 4, 2);
		w_tlv(w, 0x12, 4, 48000);
		w_tlv(w, 0x13, 4, 8192);
		w_fix_len(w);
	} else if (!strcmp(cls, "tlv-huge")) {	/* a TLV claims 65535 bytes */
		w_enable(w, txn);
		w->m[w->len - 6] = 0xff;
		w->m[w->len - 5] = 0xff;
	} else if (!strcmp(cls, "duplicate")) {	/* the token twice */
		w_enable(w, txn);
		w_tlv(w, 0x02, 4, 0);
		w_fix_len(w);
	} else if (!strcmp(cls, "unknown-mandatory")) {
		w_enable(w, txn);
		w_tlv(w, 0x03, 4, 0);
		w_fix_len(w);
	} else if (!strcmp(cls, "unknown-optional")) {
		w_enable(w, txn);
		w_tlv(w, 0x15, 4, 0);
		w_fix_len(w);
	} else if (!strcmp(cls, "trailing")) {	/* a partial TLV inside msg_len */
		w_enable(w, txn);
		w->m[w->len++] = 0x16;
		w->m[w->len++] = 0x01;
		w_fix_len(w);
	} else if (!strcmp(cls, "beyond")) {	/* bytes after msg_len */
		w_enable(w, txn);
		w->m[w->len++] = 0;
		w->m[w->len++] = 0;
	} else if (!strcmp(cls, "truncated")) {	/* cut, header kept */
		w_enable(w, txn);
		w->len -= 2;
	} else if (!strcmp(cls, "truncated-agreeing")) {
		w_enable(w, txn);
		w->len -= 2;
		w_fix_len(w);
	} else if (!strcmp(cls, "big")) {	/* 65535 bytes: an unknown TLV fills it */
		w_enable(w, txn);
		w_tlv(w, 0x20, sizeof(w->m) - w->len - 3, 0);
		w_fix_len(w);
	} else if (!strcmp(cls, "random")) {	/* a request header, random TLV bytes */
		w_hdr(w, QMI_REQUEST, txn, MSG_STREAM);
		for (i = 0; i < 40; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			w->m[w->len++] = x & 0xff;
		}
		w_fix_len(w);
	} else if (!strcmp(cls, "no-token")) {	/* mandatory usb_token missing */
		w_hdr(w, QMI_REQUEST, txn, MSG_STREAM);
		w_tlv(w, 0x01, 1, 1);
		w_fix_len(w);
	} else if (!strcmp(cls, "no-enable")) {	/* mandatory enable missing */
		w_enable(w, txn);
		memmove(w->m + 7, w->m + 11, w->len - 11);
		w->len -= 4;
		w_fix_len(w);
	} else {
		return -1;
	}
	return 0;
}

/* "fmt+ch+...": leave those fields out */
static void omit_fields(struct req *rq, const char *v)
{
	if (strstr(v, "fmt"))
		rq->fmt_valid = 0;
	if (strstr(v, "ch"))
		rq->ch_valid = 0;
	if (strstr(v, "rate"))
		rq->rate_valid = 0;
	if (strstr(v, "buf"))
		rq->buf_valid = 0;
	if (strstr(v, "si"))
		rq->si_valid = 0;
}

/* "k=v,k=v": a request's fields; omit=fmt+ch+... leaves them out */
static int parse_req(struct req *rq, const char *args)
{
	char buf[256], *save = NULL, *kv;
	unsigned int card = 0, pcm = 0, dir = 0;
	int token_set = 0;

	snprintf(buf, sizeof(buf), "%s", args ? args : "");
	for (kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');
		unsigned long n;

		if (!v)
			return -1;
		*v++ = 0;
		n = strtoul(v, NULL, 0);
		if (!strcmp(kv, "card"))
			card = n;
		else if (!strcmp(kv, "pcm"))
			pcm = n;
		else if (!strcmp(kv, "dir"))
			dir = n;
		else if (!strcmp(kv, "token"))
			rq->token = n, token_set = 1;
		else if (!strcmp(kv, "fmt"))
			rq->fmt = n, rq->fmt_valid = 1;
		else if (!strcmp(kv, "ch"))
			rq->ch = n, rq->ch_valid = 1;
		else if (!strcmp(kv, "rate"))
			rq->rate = n, rq->rate_valid = 1;
		else if (!strcmp(kv, "buf"))
			rq->buf = n, rq->buf_valid = 1;
		else if (!strcmp(kv, "si"))
			rq->si = n, rq->si_valid = 1;
		else if (!strcmp(kv, "omit"))
			omit_fields(rq, v);
		else
			return -1;
	}
	if (!token_set)
		rq->token = card << 16 | pcm << 8 | dir;
	return 0;
}

static int run_send(int s, const unsigned char *m, size_t len)
{
	if (qrtr_sendto(s, svc_node, svc_port, m, len) < 0) {
		json_head("error");
		printf(", \"errno\": %d}\n", errno);
		return -1;
	}
	return 0;
}

static int run_step(char *step)
{
	static struct wire w;
	char *arg = strchr(step, ':');
	int s = sock;

	run_cmd = step;
	run_client = 1;
	if (!strncmp(step, "2/", 2)) {
		run_client = 2;
		step += 2;
		if (sock2 < 0)
			sock2 = qrtr_open(0);
		s = sock2;
	}
	if (arg)
		arg++;
	if (!strcmp(step, "lookup")) {
		json_head("lookup");
		printf(", \"found\": 1, \"service\": %u, \"version\": %u, \"instance\": %u}\n",
		       SVC_ID, svc_vers, svc_inst);
	} else if (!strncmp(step, "en", 2) || !strncmp(step, "dis", 3)) {
		int en = step[0] == 'e';
		struct req rq = { .enable = en, .fmt_valid = 1, .fmt = 2, .ch_valid = 1, .ch = 2,
				  .rate_valid = 1, .rate = 48000, .buf_valid = 1, .buf = 8192,
				  .si_valid = en, .si = 1000 };
		DEFINE_QRTR_PACKET(out, 256);
		ssize_t len;

		if (parse_req(&rq, arg) < 0)
			return -1;
		len = qmi_encode_message(&out, QMI_REQUEST, MSG_STREAM, ++txn_id, &rq, req_ei);
		if (len < 0 || run_send(s, out.data, len) < 0)
			return -1;
		run_recv(s, txn_id, run_resp_ms);
	} else if (!strncmp(step, "bad:", 4)) {
		if (bad_msg(&w, step + 4, ++txn_id) < 0)
			return -1;
		if (run_send(s, w.m, w.len) == 0)
			run_recv(s, txn_id, run_resp_ms);
	} else if (!strncmp(step, "ind:", 4)) {
		run_recv(s, -1, atoi(arg));
	} else if (!strncmp(step, "timeout:", 8)) {
		run_resp_ms = atoi(arg);
	} else if (!strncmp(step, "mark:", 5)) {
		printf("uob-parity-mark: %s\n", arg);
	} else if (!strncmp(step, "sleep:", 6)) {
		usleep(atoi(arg) * 1000);
	} else {
		return -1;
	}
	return 0;
}

static int cmd_run(int argc, char **argv)
{
	int i;

	run_scn = argv[0];
	for (i = 1; i < argc; i++) {
		run_stepno = i;
		if (run_step(argv[i]) < 0) {
			fprintf(stderr, "uob-dsp run: bad step %s\n", argv[i]);
			return 2;
		}
	}
	if (sock2 >= 0)
		qrtr_close(sock2);
	return 0;
}

int main(int argc, char **argv)
{
	char dev[PATH_MAX], intf[PATH_MAX];
	struct resp none = { 0 };
	int card, ret = 0, out = -1;

	if (argc < 2) {
		fprintf(stderr, "usage: uob-dsp session|enable|disable|wait-ind CARD\n");
		fprintf(stderr, "       uob-dsp enable-wait CARD MS | bench CARD N\n");
		fprintf(stderr, "       uob-dsp play CARD SECONDS\n");
		fprintf(stderr, "       uob-dsp malformed | pagesize | run SCENARIO STEP...\n");
		return 2;
	}
	/* what getconf PAGESIZE prints (the guests' busybox has no getconf) */
	if (!strcmp(argv[1], "pagesize")) {
		printf("%ld\n", sysconf(_SC_PAGESIZE));
		return 0;
	}
	if (!strcmp(argv[1], "play")) {
		/* its one line goes to the real stdout, everything else to stderr */
		out = dup(1);
		dup2(2, 1);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sock = qrtr_open(0);
	if (sock < 0 || lookup() < 0) {
		printf("service 0x41d: not found\n");
		if (out >= 0)
			dprintf(out, "play: 0 frames, 0 events, ended by error\n");
		return 1;
	}
	printf("service 0x41d v1 found at node %u port %u\n", svc_node, svc_port);

	card = argc > 2 ? atoi(argv[2]) : 0;
	usb_dirs(card, dev, intf, sizeof(dev), &none);
	if (!strcmp(argv[1], "session")) {
		ret = enable(card, 1, NULL);
		if (!ret)
			ret = disable(card, dev[0] ? strrchr(dev, '/') + 1 : NULL);
	} else if (!strcmp(argv[1], "enable")) {
		ret = enable(card, 1, NULL);
	} else if (!strcmp(argv[1], "enable-wait")) {
		/* keep the stream, wait for the DISCONNECT indication */
		ret = enable(card, 1, NULL);
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
	} else if (!strcmp(argv[1], "play")) {
		ret = cmd_play(card, argc > 3 ? atoi(argv[3]) : 5, out);
	} else if (!strcmp(argv[1], "malformed")) {
		ret = cmd_malformed();
	} else if (!strcmp(argv[1], "run") && argc > 2) {
		ret = cmd_run(argc - 2, argv + 2);
		qrtr_close(sock);
		return ret;
	}
	qrtr_close(sock);
	printf("uob-dsp %s: %s (%d field check(s) failed)\n", argv[1],
	       ret || failures ? "FAILED" : "ok", failures);
	return ret || failures ? 1 : 0;
}
