// SPDX-License-Identifier: GPL-2.0
/*
 * uob-dsp-emu: an emulated audio DSP for the test rigs.  Test-only: it is
 * not in the package (../../Kbuild, dkms.conf, debian/, the in-tree series).
 *
 * It streams through what qc-audio-offload's QMI enable response hands to
 * the DSP and through nothing else: it writes isochronous TRBs into the
 * data ring, audio into the transfer buffer, rings the endpoint's doorbell
 * and consumes the completion events of the secondary interrupter's event
 * ring, as the DSP does.  It never looks an address up in xhci-hcd.
 *
 * Memory as the DSP sees it:
 *  - with a DSP IOMMU domain (iommu_dev=, as qc-audio-offload's parameter),
 *    each page of a region is reached by translating the response's IOVA
 *    (iova & 0xffffffff; bits 32+ are the stream ID) through that domain,
 *    iommu_get_domain_for_dev() + iommu_iova_to_phys(), and mapping the
 *    page (memremap), so a wrong or missing mapping shows as garbage or as
 *    a refused start;
 *  - without one, the DMA address: the rigs have no IOMMU in front of the
 *    controller then, DMA addresses are physical addresses (direct mapping).
 * The controller's addresses -- TRB buffer pointers, the event ring
 * dequeue pointer (ERDP) -- are the response's "dma" fields: the DSP writes
 * the rings through its own view, the controller reads them through its.
 * The data ring's segments are found by following its link TRBs: in the
 * DSP's view they are consecutive 4 KiB steps of the region, in the
 * controller's each link names the next one; the link with toggle-cycle
 * closes the ring.  A segment may start inside a larger page (16K- or
 * 64K-page kernels): the DSP reaches its first byte, not the page's.
 * When the region holds fewer segments than the ring has (mainline hands
 * over the first segment only; qc-audio-offload does when the segments
 * are apart in memory on pages larger than a segment, docs/design.md
 * "Memory as the DSP sees it"), the DSP makes a ring of what it was given:
 * it points the last reachable segment's link TRB back to the first
 * segment (the response's DMA address) with toggle-cycle.  The ring is
 * fresh (xhci-hcd queues nothing on an offloaded endpoint) and is freed
 * when the endpoint is dropped.
 *
 * The event ring is not always fresh: it is the USB device's, kept
 * between streams (mainline keeps it until the card goes; qc-audio-offload
 * for its idle_ms).  The DSP, its only consumer, goes on where the last
 * stream left it: at ERDP, with the cycle state of the TRB before it (the
 * last one consumed; at the ring's start, the opposite of the ring's last
 * TRB, which is 0 in a ring nothing was written to yet).
 *
 * The controller's registers are those of the USB device's host
 * controller (hcd->regs): the slot's doorbell (DBOFF) and the interrupter's
 * register set (RTSOFF); DCI = endpoint number * 2 + IN.
 *
 * The signal: 48 kHz, 2 channels, S16_LE, one 192-byte packet (48 frames)
 * per 1 ms service interval, as QEMU's usb-audio takes it.  Frame j of
 * packet p: left = p & 0xffff, right = 0x8000 | j << 8 | (p >> 16 & 0xff).
 * Every packet carries its number, so a lost, repeated or reordered packet
 * shows in the recording (tests/dsp-emu/wavcheck.py); silence (0, 0) is
 * never part of it.  TRBs: Isoch (type 5), SIA, one packet each, interrupter
 * target = the response's interrupter, IOC on every ioc-th TRB; TRBs are
 * queued in batches of ioc, so every queued TRB is followed by one that
 * completes with an event.
 *
 * Interface: debugfs, /sys/kernel/debug/uob-dsp-emu/ctl; one stream.
 *   echo "start KEY=VALUE ..." >ctl    keys (numbers in C notation):
 *	usb=BUS:DEV		the USB device (usbfs bus and device number)
 *	slot=N			the response's slot_id (checked: the device's)
 *	intr=N			the response's interrupter number
 *	ep=ADDR			the response's data endpoint address
 *	evt=IOVA,DMA,SIZE	the event ring, data=... the data ring,
 *	xfer=...		the transfer buffer: the response's memory info
 *	iommu_dev=pci:NAME	the DSP's IOMMU device (or platform:NAME;
 *				absent or empty: none)
 *	ioc=N			a completion event every N TRBs (default 8)
 *	lead=N			packets (ms) kept queued (default 128)
 *   echo stop >ctl	queue nothing more, wait (at most 2 s) until every
 *			queued TRB completed, stop
 *   echo abort >ctl	stop now: nothing of the stream is touched again
 *   cat ctl		one line: state=idle|running|draining|stopped|
 *			aborted|failed, frames= (packets queued), completed=,
 *			events= (consumed), errors=, ..., why=
 * A write fails with the command's error; a refused start says why in the
 * ctl line (-EINVAL arguments, -EBUSY running, -ENODEV no such device or
 * domain, -EFAULT an IOVA that does not translate, -EPROTO memory or
 * registers that are not what the response says).
 *
 * Teardown: the DSP must stop before what it reaches is freed.  Userspace
 * (uob-dsp play) says stop before it disables the stream, and abort as soon
 * as an indication arrives.  As a safety net the emulator also aborts from
 * a USB bus notifier, ahead of qc-audio-offload's (higher priority), when
 * the device or one of its interfaces is about to be unbound (unplug,
 * reset, unbind, rmmod snd-usb-audio, controller removal), so its own CPU
 * accesses stop before that teardown runs (guard=0 turns this off); and
 * from a PM notifier, ahead of qc-audio-offload's, when a system sleep
 * begins: qc-audio-offload stops the streams from a freezable work item
 * while the client (userspace) may already be frozen, before it read the
 * indication, and this thread is not frozen.  The controller still has
 * what the emulator queued then: the teardown's order is what is tested.
 * What remains is a race: a teardown that does not come through the USB
 * bus or the PM chain (rmmod qc-audio-offload, a disable by another client)
 * tells the DSP with an indication and frees the rings without waiting for
 * it, as mainline does; between the free and the client's abort the
 * emulator may still read the event ring, write TRBs or ERDP into memory
 * that is no longer the stream's.  A real DSP has the same window (it
 * faults in its own SMMU instead); here it is kept short (the client
 * aborts on the indication; each loop step checks the abort flag and the
 * device's state) but not closed.  The controller's own accesses to what
 * is freed are what the test rigs look for (DMAR faults, iommu.strict=1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/iommu.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/suspend.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>

static bool guard = true;
module_param(guard, bool, 0644);
MODULE_PARM_DESC(guard, "abort when the stream's USB device or an interface of it is unbound, or a system sleep begins (default: yes)");

/* xHCI 1.2: capability (5.3), runtime (5.5) and doorbell (5.6) registers */
#define EMU_HCSPARAMS1		0x04
#define EMU_DBOFF		0x14
#define EMU_RTSOFF		0x18
#define EMU_IR_SET(i)		(0x20 + 0x20 * (i))
#define EMU_IR_IMAN		0x00
#define EMU_IR_ERSTSZ		0x08
#define EMU_IR_ERDP		0x18
#define EMU_IMAN_IP		BIT(0)
#define EMU_IMAN_IE		BIT(1)
#define EMU_ERDP_EHB		BIT(3)

/* TRBs (6.4) */
#define EMU_TRB_CYCLE		BIT(0)
#define EMU_TRB_TC		BIT(1)		/* link: toggle cycle */
#define EMU_TRB_CHAIN		BIT(4)
#define EMU_TRB_IOC		BIT(5)
#define EMU_TRB_SIA		BIT(31)
#define EMU_TRB_TYPE(c)		(((c) >> 10) & 0x3f)
#define EMU_TRB_TYPE_SET(t)	((t) << 10)
#define EMU_TRB_INTR(i)		((i) << 22)
#define EMU_TRB_ISOC		5
#define EMU_TRB_LINK		6
#define EMU_TRB_TRANSFER_EV	32
#define EMU_CC(status)		((status) >> 24)
#define EMU_CC_SUCCESS		1
#define EMU_CC_SHORT		13
#define EMU_CC_UNDERRUN		14
#define EMU_SEG_SIZE		4096		/* a ring segment */
#define EMU_SEG_TRBS		256U

#define EMU_PACKET		192		/* 48 frames x 2 x S16_LE = 1 ms */
#define EMU_MAX_SEGS		16
#define EMU_MAX_PAGES		32
#define EMU_MAX_IOC		1024		/* IOC TRBs in flight */

struct uob_emu_trb {
	__le64 param;
	__le32 status;
	__le32 control;
};

static_assert(EMU_SEG_TRBS * sizeof(struct uob_emu_trb) == EMU_SEG_SIZE);

struct uob_emu_region {
	u64 iova;
	u64 dma;
	u32 size;
};

enum uob_emu_state {
	EMU_IDLE, EMU_RUNNING, EMU_DRAINING, EMU_STOPPED, EMU_ABORTED, EMU_FAILED,
};

static const char * const uob_emu_state_name[] = {
	[EMU_IDLE] = "idle", [EMU_RUNNING] = "running", [EMU_DRAINING] = "draining",
	[EMU_STOPPED] = "stopped", [EMU_ABORTED] = "aborted", [EMU_FAILED] = "failed",
};

static struct {
	struct mutex lock;		/* control: start, stop, abort; the state */
	enum uob_emu_state state;
	char why[128];
	struct task_struct *task;
	struct dentry *dir;
	const struct bus_type *bus;	/* the USB bus, once its notifier is in */
	struct usb_device *udev;	/* referenced while a stream runs */
	struct usb_device *watch;	/* what the bus notifier watches */
	void __iomem *db;		/* the slot's doorbell */
	void __iomem *ir;		/* the interrupter's register set */
	struct iommu_domain *domain;
	struct device *dspdev;		/* referenced, or NULL */
	bool had_domain;		/* the last stream's, for ctl */
	unsigned int had_segs;
	bool closed;			/* the region ended before the ring */
	u32 slot, intr, dci, ioc, lead;
	struct uob_emu_region evt, data, xfer;

	/* the DSP's view, page by page */
	struct uob_emu_trb *evt_ring;
	struct uob_emu_trb *seg[EMU_MAX_SEGS];
	u64 seg_dma[EMU_MAX_SEGS];	/* the controller's address of each */
	unsigned int nsegs;
	void *page[EMU_MAX_PAGES];
	unsigned int npages, nslots;

	/* the thread's: producer, consumer, IOC TRBs in flight */
	unsigned int enq_seg, enq_idx, deq;
	u32 pcs, ccs;
	u64 ioc_ptr[EMU_MAX_IOC];
	u64 ioc_frames[EMU_MAX_IOC];
	unsigned int ioc_head, ioc_tail;
	bool drained_done;
	const char *thread_err;

	/* counts, written by the thread, read by ctl */
	u64 frames, completed, events, errors, bad_events, underruns, others;
	u32 last_cc;

	atomic_t abort;
	bool drain;
	struct completion drained;
} emu = {
	.lock = __MUTEX_INITIALIZER(emu.lock),
};

/* ---- the DSP's view of memory ---- */

/*
 * The @len bytes at @off of @r, as the DSP reaches them; memremap()ed.
 * They must start at a multiple of @len (a ring segment, a page of the
 * buffer) and so lie in one page of the DSP's view.
 */
static void *uob_emu_map(const struct uob_emu_region *r, u64 off, size_t len)
{
	phys_addr_t phys;
	void *va;

	if (emu.domain) {
		phys = iommu_iova_to_phys(emu.domain, lower_32_bits(r->iova) + off);
		if (!phys) {
			snprintf(emu.why, sizeof(emu.why), "IOVA %#llx does not translate",
				 lower_32_bits(r->iova) + off);
			return ERR_PTR(-EFAULT);
		}
	} else {
		phys = r->dma + off;	/* no IOMMU on the rigs: DMA = physical */
	}
	if (!IS_ALIGNED(phys, len)) {
		snprintf(emu.why, sizeof(emu.why), "%pap is not %zu-byte aligned", &phys, len);
		return ERR_PTR(-EPROTO);
	}
	va = memremap(phys, len, MEMREMAP_WB);
	if (!va) {
		snprintf(emu.why, sizeof(emu.why), "cannot map %pap", &phys);
		return ERR_PTR(-ENOMEM);
	}
	return va;
}

static void uob_emu_unmap_all(void)
{
	unsigned int i;

	if (emu.evt_ring)
		memunmap(emu.evt_ring);
	emu.evt_ring = NULL;
	for (i = 0; i < emu.nsegs; i++)
		memunmap(emu.seg[i]);
	emu.nsegs = 0;
	for (i = 0; i < emu.npages; i++)
		memunmap(emu.page[i]);
	emu.npages = 0;
}

/*
 * The region ends before the ring does: segment @last's link leads back to
 * segment 0, with toggle-cycle; the DSP's ring is what it was given.
 */
static int uob_emu_close_ring(unsigned int last)
{
	struct uob_emu_trb *link = &emu.seg[last][EMU_SEG_TRBS - 1];
	u32 ctrl = le32_to_cpu(link->control);

	if (ctrl & EMU_TRB_CYCLE) {
		snprintf(emu.why, sizeof(emu.why), "data ring: not a fresh ring");
		return -EPROTO;
	}
	WRITE_ONCE(link->param, cpu_to_le64(emu.data.dma));
	WRITE_ONCE(link->control, cpu_to_le32(ctrl | EMU_TRB_TC));
	emu.closed = true;
	return 0;
}

/*
 * The data ring: segment 0 at the response's address, then along the link
 * TRBs until the one with toggle-cycle, which must lead back to segment 0.
 */
static int uob_emu_map_ring(void)
{
	const struct uob_emu_region *r = &emu.data;
	phys_addr_t next_phys = 0;
	u64 next = r->dma;
	unsigned int k;

	for (k = 0; k < EMU_MAX_SEGS; k++) {
		struct uob_emu_trb *link;
		u32 ctrl;
		void *va;

		if ((u64)(k + 1) * EMU_SEG_SIZE > r->size) {
			if (!k) {
				snprintf(emu.why, sizeof(emu.why),
					 "data ring of %u bytes, not a segment", r->size);
				return -EPROTO;
			}
			return uob_emu_close_ring(k - 1);
		}
		if (emu.domain || !k)
			va = uob_emu_map(r, (u64)k * EMU_SEG_SIZE, EMU_SEG_SIZE);
		else	/* without a domain the link's address is the segment */
			va = uob_emu_map(&(struct uob_emu_region){ .dma = next_phys }, 0,
					 EMU_SEG_SIZE);
		if (IS_ERR(va))
			return PTR_ERR(va);
		emu.seg[k] = va;
		emu.seg_dma[k] = next;
		emu.nsegs = k + 1;
		link = &emu.seg[k][EMU_SEG_TRBS - 1];
		ctrl = le32_to_cpu(link->control);
		if (EMU_TRB_TYPE(ctrl) != EMU_TRB_LINK) {
			snprintf(emu.why, sizeof(emu.why),
				 "data ring: segment %u ends in TRB type %u, not a link", k,
				 EMU_TRB_TYPE(ctrl));
			return -EPROTO;
		}
		next = le64_to_cpu(link->param) & ~0xfULL;
		next_phys = next;
		if (ctrl & EMU_TRB_TC) {
			if (next != r->dma) {
				snprintf(emu.why, sizeof(emu.why),
					 "data ring: last link leads to %#llx, not %#llx", next,
					 r->dma);
				return -EPROTO;
			}
			return 0;
		}
	}
	snprintf(emu.why, sizeof(emu.why), "data ring: more than %d segments", EMU_MAX_SEGS);
	return -EPROTO;
}

static int uob_emu_map_memory(void)
{
	unsigned int i;
	void *va;
	int ret;

	if (emu.evt.size != EMU_SEG_SIZE) {
		snprintf(emu.why, sizeof(emu.why), "event ring of %u bytes, not one segment",
			 emu.evt.size);
		return -EPROTO;
	}
	va = uob_emu_map(&emu.evt, 0, EMU_SEG_SIZE);
	if (IS_ERR(va))
		return PTR_ERR(va);
	emu.evt_ring = va;

	ret = uob_emu_map_ring();
	if (ret)
		return ret;
	if (le32_to_cpu(emu.seg[0][0].control) & EMU_TRB_CYCLE) {
		snprintf(emu.why, sizeof(emu.why), "data ring: not a fresh ring");
		return -EPROTO;
	}

	if (emu.xfer.size < 4 * EMU_PACKET ||
	    DIV_ROUND_UP(emu.xfer.size, PAGE_SIZE) > EMU_MAX_PAGES) {
		snprintf(emu.why, sizeof(emu.why), "transfer buffer of %u bytes", emu.xfer.size);
		return -EINVAL;
	}
	for (i = 0; i < DIV_ROUND_UP(emu.xfer.size, PAGE_SIZE); i++) {
		va = uob_emu_map(&emu.xfer, (u64)i * PAGE_SIZE, PAGE_SIZE);
		if (IS_ERR(va))
			return PTR_ERR(va);
		emu.page[i] = va;
		emu.npages = i + 1;
	}
	emu.nslots = emu.xfer.size / EMU_PACKET;
	if (emu.nslots < 2 * emu.ioc) {
		snprintf(emu.why, sizeof(emu.why),
			 "transfer buffer of %u packets for events every %u", emu.nslots, emu.ioc);
		return -EINVAL;
	}
	return 0;
}

/* ---- streaming (the thread) ---- */

/* packet @p into its slot of the transfer buffer, frame by frame */
static void uob_emu_signal(u64 p)
{
	u64 off = (p % emu.nslots) * EMU_PACKET;
	unsigned int j;

	for (j = 0; j < EMU_PACKET / 4; j++, off += 4) {
		__le16 *f = emu.page[off >> PAGE_SHIFT] + offset_in_page(off);

		f[0] = cpu_to_le16(p & 0xffff);
		f[1] = cpu_to_le16(0x8000 | j << 8 | ((p >> 16) & 0xff));
	}
}

/* past the TRB just written; hand the link TRB over and follow it */
static void uob_emu_advance(void)
{
	struct uob_emu_trb *link;
	u32 ctrl;

	if (++emu.enq_idx < EMU_SEG_TRBS - 1)
		return;
	link = &emu.seg[emu.enq_seg][EMU_SEG_TRBS - 1];
	ctrl = le32_to_cpu(link->control);
	ctrl = (ctrl & ~(EMU_TRB_CYCLE | EMU_TRB_CHAIN)) | emu.pcs;
	dma_wmb();
	WRITE_ONCE(link->control, cpu_to_le32(ctrl));
	if (ctrl & EMU_TRB_TC) {
		emu.pcs ^= 1;
		emu.enq_seg = 0;
	} else {
		emu.enq_seg++;
	}
	emu.enq_idx = 0;
}

static void uob_emu_queue(u64 p, bool ioc)
{
	struct uob_emu_trb *trb = &emu.seg[emu.enq_seg][emu.enq_idx];
	u32 ctrl = EMU_TRB_TYPE_SET(EMU_TRB_ISOC) | EMU_TRB_SIA | emu.pcs;

	if (ioc) {
		unsigned int i = emu.ioc_tail++ % EMU_MAX_IOC;

		ctrl |= EMU_TRB_IOC;
		emu.ioc_ptr[i] = emu.seg_dma[emu.enq_seg] + emu.enq_idx * sizeof(*trb);
		emu.ioc_frames[i] = p + 1;
	}
	trb->param = cpu_to_le64(emu.xfer.dma + (p % emu.nslots) * EMU_PACKET);
	trb->status = cpu_to_le32(EMU_PACKET | EMU_TRB_INTR(emu.intr));
	dma_wmb();
	WRITE_ONCE(trb->control, cpu_to_le32(ctrl));
	uob_emu_advance();
}

/* keep @lead packets queued, in batches of @ioc; ring the doorbell */
static void uob_emu_fill(void)
{
	bool queued = false;
	unsigned int i;

	while (emu.frames - emu.completed + emu.ioc <= emu.lead &&
	       emu.ioc_tail - emu.ioc_head < EMU_MAX_IOC) {
		for (i = 0; i < emu.ioc; i++) {
			uob_emu_signal(emu.frames);
			uob_emu_queue(emu.frames, i == emu.ioc - 1);
			WRITE_ONCE(emu.frames, emu.frames + 1);
		}
		queued = true;
	}
	if (queued) {
		wmb();	/* the TRBs before the doorbell */
		writel(emu.dci, emu.db);
	}
}

static void uob_emu_event(u64 param, u32 status, u32 ctrl)
{
	unsigned int i;

	WRITE_ONCE(emu.events, emu.events + 1);
	if (EMU_TRB_TYPE(ctrl) != EMU_TRB_TRANSFER_EV) {
		WRITE_ONCE(emu.others, emu.others + 1);
		return;
	}
	if (ctrl >> 24 != emu.slot || ((ctrl >> 16) & 0x1f) != emu.dci) {
		WRITE_ONCE(emu.bad_events, emu.bad_events + 1);
		return;
	}
	if (EMU_CC(status) == EMU_CC_UNDERRUN) {
		WRITE_ONCE(emu.underruns, emu.underruns + 1);
		return;
	}
	if (EMU_CC(status) != EMU_CC_SUCCESS && EMU_CC(status) != EMU_CC_SHORT) {
		WRITE_ONCE(emu.errors, emu.errors + 1);
		WRITE_ONCE(emu.last_cc, EMU_CC(status));
	}
	/* in order: the oldest IOC TRB, or one after it (then those before are done) */
	for (i = emu.ioc_head; i != emu.ioc_tail; i++) {
		if (emu.ioc_ptr[i % EMU_MAX_IOC] == param) {
			WRITE_ONCE(emu.completed, emu.ioc_frames[i % EMU_MAX_IOC]);
			emu.ioc_head = i + 1;
			return;
		}
	}
	WRITE_ONCE(emu.bad_events, emu.bad_events + 1);
}

/* consume what the controller wrote; then ERDP (with EHB) and IMAN.IP */
static void uob_emu_events(void)
{
	unsigned int n = EMU_SEG_TRBS;
	bool any = false;
	u32 iman;

	while (n--) {
		struct uob_emu_trb *ev = &emu.evt_ring[emu.deq];
		u32 ctrl = le32_to_cpu(READ_ONCE(ev->control));

		if ((ctrl & EMU_TRB_CYCLE) != emu.ccs)
			break;
		dma_rmb();
		uob_emu_event(le64_to_cpu(ev->param), le32_to_cpu(ev->status), ctrl);
		if (++emu.deq == EMU_SEG_TRBS) {
			emu.deq = 0;
			emu.ccs ^= 1;
		}
		any = true;
	}
	if (!any)
		return;
	lo_hi_writeq((emu.evt.dma + emu.deq * sizeof(struct uob_emu_trb)) | EMU_ERDP_EHB,
		     emu.ir + EMU_IR_ERDP);
	iman = readl(emu.ir + EMU_IR_IMAN);
	if (iman & EMU_IMAN_IP)
		writel((iman & EMU_IMAN_IE) | EMU_IMAN_IP, emu.ir + EMU_IR_IMAN);
}

static bool uob_emu_may_touch(void)
{
	if (atomic_read(&emu.abort) || emu.thread_err)
		return false;
	if (READ_ONCE(emu.udev->state) == USB_STATE_NOTATTACHED) {
		emu.thread_err = "the USB device is gone";
		return false;
	}
	return true;
}

static int uob_emu_thread(void *unused)
{
	while (!kthread_should_stop()) {
		if (uob_emu_may_touch()) {
			uob_emu_events();
			if (!READ_ONCE(emu.drain) && uob_emu_may_touch())
				uob_emu_fill();
		}
		if (READ_ONCE(emu.drain) && !emu.drained_done &&
		    (emu.completed == emu.frames || !uob_emu_may_touch())) {
			emu.drained_done = true;
			complete(&emu.drained);
		}
		usleep_range(1000, 2000);
	}
	return 0;
}

/* ---- control ---- */

static void uob_emu_release(void)
{
	uob_emu_unmap_all();
	if (emu.dspdev)
		put_device(emu.dspdev);
	emu.dspdev = NULL;
	emu.domain = NULL;
	WRITE_ONCE(emu.watch, NULL);
	if (emu.udev)
		usb_put_dev(emu.udev);
	emu.udev = NULL;
}

/* Caller holds emu.lock.  @drain: let what is queued complete first. */
static void uob_emu_halt(bool drain, enum uob_emu_state state, const char *why)
{
	if (!emu.task)
		return;
	if (drain) {
		emu.state = EMU_DRAINING;
		WRITE_ONCE(emu.drain, true);
		if (!wait_for_completion_timeout(&emu.drained, 2 * HZ))
			why = "drain timed out";
	}
	atomic_set(&emu.abort, 1);
	kthread_stop(emu.task);
	emu.task = NULL;
	if (emu.thread_err) {
		state = EMU_FAILED;
		why = emu.thread_err;
	}
	emu.state = state;
	strscpy(emu.why, why, sizeof(emu.why));
	pr_info("stream stopped (%s: %s): %llu frames queued, %llu completed, %llu events, %llu errors\n",
		uob_emu_state_name[state], why, emu.frames, emu.completed, emu.events,
		emu.errors);
	uob_emu_release();
}

static int uob_emu_bus_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct usb_device *udev = READ_ONCE(emu.watch);
	struct device *dev = data;

	if (!guard || !udev ||
	    (action != BUS_NOTIFY_UNBIND_DRIVER && action != BUS_NOTIFY_DEL_DEVICE) ||
	    (dev != &udev->dev && dev->parent != &udev->dev))
		return NOTIFY_DONE;
	atomic_set(&emu.abort, 1);	/* the thread stops touching at its next step */
	mutex_lock(&emu.lock);
	if (emu.udev == udev)
		uob_emu_halt(false, EMU_ABORTED, "the device is being unbound");
	mutex_unlock(&emu.lock);
	return NOTIFY_OK;
}

static struct notifier_block uob_emu_nb = {
	.notifier_call = uob_emu_bus_notify,
	.priority = INT_MAX,	/* ahead of qc-audio-offload's teardown */
};

static int uob_emu_pm_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	if (!guard || (action != PM_SUSPEND_PREPARE && action != PM_HIBERNATION_PREPARE &&
		       action != PM_RESTORE_PREPARE))
		return NOTIFY_DONE;
	atomic_set(&emu.abort, 1);
	mutex_lock(&emu.lock);
	uob_emu_halt(false, EMU_ABORTED, "system sleep");
	mutex_unlock(&emu.lock);
	return NOTIFY_OK;
}

static struct notifier_block uob_emu_pm_nb = {
	.notifier_call = uob_emu_pm_notify,
	.priority = INT_MAX,	/* ahead of qc-audio-offload's sleep stop */
};

struct uob_emu_find {
	unsigned int bus, dev;
	struct usb_device *udev;
};

static int uob_emu_match(struct usb_device *udev, void *data)
{
	struct uob_emu_find *f = data;

	if (udev->bus->busnum != f->bus || udev->devnum != f->dev)
		return 0;
	f->udev = usb_get_dev(udev);
	return 1;
}

static struct device *uob_emu_named_dev(const char *name)
{
	if (!strncmp(name, "pci:", 4))
		return bus_find_device_by_name(&pci_bus_type, NULL, name + 4);
	if (!strncmp(name, "platform:", 9))
		return bus_find_device_by_name(&platform_bus_type, NULL, name + 9);
	return NULL;
}

/* IOVA,DMA,SIZE */
static bool uob_emu_parse_region(char *val, struct uob_emu_region *r)
{
	char *iova = strsep(&val, ","), *dma = strsep(&val, ",");

	return val && !kstrtou64(iova, 0, &r->iova) && dma && !kstrtou64(dma, 0, &r->dma) &&
	       !kstrtou32(val, 0, &r->size);
}

static int uob_emu_parse(char *args, struct uob_emu_find *f, char *iommu, size_t iommu_sz)
{
	u32 ep = 0x100;
	char *tok;

	f->bus = 0;
	f->dev = 0;
	emu.slot = 0;
	emu.intr = 0;
	emu.ioc = 8;
	emu.lead = 128;
	memset(&emu.evt, 0, sizeof(emu.evt));
	memset(&emu.data, 0, sizeof(emu.data));
	memset(&emu.xfer, 0, sizeof(emu.xfer));
	iommu[0] = 0;
	while ((tok = strsep(&args, " \t")) != NULL) {
		char *val = strchr(tok, '=');
		int ok;

		if (!*tok)
			continue;
		if (!val)
			return -EINVAL;
		*val++ = 0;
		if (!strcmp(tok, "usb"))
			ok = sscanf(val, "%u:%u", &f->bus, &f->dev) == 2;
		else if (!strcmp(tok, "slot"))
			ok = !kstrtou32(val, 0, &emu.slot);
		else if (!strcmp(tok, "intr"))
			ok = !kstrtou32(val, 0, &emu.intr);
		else if (!strcmp(tok, "ep"))
			ok = !kstrtou32(val, 0, &ep) && ep < 0x100 && (ep & 0xf);
		else if (!strcmp(tok, "ioc"))
			ok = !kstrtou32(val, 0, &emu.ioc) && emu.ioc && emu.ioc <= 64;
		else if (!strcmp(tok, "lead"))
			ok = !kstrtou32(val, 0, &emu.lead);
		else if (!strcmp(tok, "evt"))
			ok = uob_emu_parse_region(val, &emu.evt);
		else if (!strcmp(tok, "data"))
			ok = uob_emu_parse_region(val, &emu.data);
		else if (!strcmp(tok, "xfer"))
			ok = uob_emu_parse_region(val, &emu.xfer);
		else if (!strcmp(tok, "iommu_dev"))
			ok = strscpy(iommu, val, iommu_sz) >= 0;
		else
			ok = 0;
		if (!ok) {
			snprintf(emu.why, sizeof(emu.why), "bad argument %s=%s", tok, val);
			return -EINVAL;
		}
	}
	if (!f->dev || !emu.slot || !emu.intr || ep > 0xff || !emu.evt.size ||
	    !emu.data.size || !emu.xfer.size) {
		snprintf(emu.why, sizeof(emu.why),
			 "needs usb=, slot=, intr=, ep=, evt=, data= and xfer=");
		return -EINVAL;
	}
	emu.dci = (ep & 0xf) * 2 + !!(ep & USB_DIR_IN);
	return 0;
}

/* the registers of the device's controller: the slot's doorbell, the interrupter */
static int uob_emu_regs(void)
{
	struct usb_hcd *hcd = bus_to_hcd(emu.udev->bus);
	void __iomem *regs = hcd->regs;
	u64 erdp;

	if (!regs) {
		snprintf(emu.why, sizeof(emu.why), "the controller has no registers mapped");
		return -ENODEV;
	}
	if (emu.intr >= ((readl(regs + EMU_HCSPARAMS1) >> 8) & 0x7ff)) {
		snprintf(emu.why, sizeof(emu.why), "the controller has no interrupter %u",
			 emu.intr);
		return -EINVAL;
	}
	emu.db = regs + (readl(regs + EMU_DBOFF) & ~0x3U) + 4 * emu.slot;
	emu.ir = regs + (readl(regs + EMU_RTSOFF) & ~0x1fU) + EMU_IR_SET(emu.intr);
	erdp = lo_hi_readq(emu.ir + EMU_IR_ERDP) & ~0xfULL;
	if (!(readl(emu.ir + EMU_IR_ERSTSZ) & 0xffff) || erdp < emu.evt.dma ||
	    erdp >= emu.evt.dma + EMU_SEG_SIZE) {
		snprintf(emu.why, sizeof(emu.why),
			 "interrupter %u: ERDP %#llx, not in the response's event ring %#llx",
			 emu.intr, erdp, emu.evt.dma);
		return -EPROTO;
	}
	emu.deq = (erdp - emu.evt.dma) / sizeof(struct uob_emu_trb);
	return 0;
}

static int uob_emu_any(struct usb_device *udev, void *data)
{
	const struct bus_type **bus = data;

	*bus = udev->dev.bus;
	return 1;
}

/*
 * The notifier on the USB bus (usb_bus_type is not exported: the bus of
 * any USB device), once.  Not under emu.lock: the notifier takes it with
 * the bus' notifier lock held.
 */
static void uob_emu_register_bus(void)
{
	static DEFINE_MUTEX(reg_lock);
	const struct bus_type *bus = NULL;

	guard(mutex)(&reg_lock);
	if (READ_ONCE(emu.bus))
		return;
	usb_for_each_dev(&bus, uob_emu_any);
	if (bus && !bus_register_notifier(bus, &uob_emu_nb))
		WRITE_ONCE(emu.bus, bus);
}

static int uob_emu_start(char *args)
{
	struct uob_emu_find f = { };
	char iommu[64];
	int ret;

	if (emu.task) {
		snprintf(emu.why, sizeof(emu.why), "a stream is running");
		return -EBUSY;
	}
	ret = uob_emu_parse(args, &f, iommu, sizeof(iommu));
	if (ret)
		goto fail;

	usb_for_each_dev(&f, uob_emu_match);
	emu.udev = f.udev;
	if (!emu.udev) {
		snprintf(emu.why, sizeof(emu.why), "no USB device %u:%u", f.bus, f.dev);
		ret = -ENODEV;
		goto fail;
	}
	if (emu.udev->slot_id != emu.slot) {
		snprintf(emu.why, sizeof(emu.why), "device %u:%u has slot %d, not %u", f.bus,
			 f.dev, emu.udev->slot_id, emu.slot);
		ret = -EPROTO;
		goto fail;
	}
	if (iommu[0] && strcmp(iommu, "(null)")) {
		emu.dspdev = uob_emu_named_dev(iommu);
		emu.domain = emu.dspdev ? iommu_get_domain_for_dev(emu.dspdev) : NULL;
		if (!emu.domain) {
			snprintf(emu.why, sizeof(emu.why), "%s: %s", iommu,
				 emu.dspdev ? "no IOMMU domain" : "no such device");
			ret = -ENODEV;
			goto fail;
		}
	}
	emu.had_domain = emu.domain;
	ret = uob_emu_regs();
	if (ret)
		goto fail;
	emu.closed = false;
	ret = uob_emu_map_memory();
	if (ret)
		goto fail;
	/* queue no more than the buffer's slots and the ring can hold */
	emu.lead = min3(emu.lead, emu.nslots - emu.ioc, emu.nsegs * (EMU_SEG_TRBS - 1) - 2);
	emu.lead = max(rounddown(emu.lead, emu.ioc), emu.ioc);
	emu.had_segs = emu.nsegs;

	if (!emu.bus) {
		snprintf(emu.why, sizeof(emu.why), "no USB bus notifier");
		ret = -ENODEV;
		goto fail;
	}

	emu.enq_seg = 0;
	emu.enq_idx = 0;
	emu.pcs = 1;
	/* the consumer where the last stream left it (see the top), deq from ERDP */
	emu.ccs = !(le32_to_cpu(READ_ONCE(emu.evt_ring[emu.deq ? emu.deq - 1 :
						      EMU_SEG_TRBS - 1].control)) &
		    EMU_TRB_CYCLE);
	if (emu.deq)
		emu.ccs ^= 1;
	emu.ioc_head = 0;
	emu.ioc_tail = 0;
	emu.frames = 0;
	emu.completed = 0;
	emu.events = 0;
	emu.errors = 0;
	emu.bad_events = 0;
	emu.underruns = 0;
	emu.others = 0;
	emu.last_cc = 0;
	emu.thread_err = NULL;
	emu.drain = false;
	emu.drained_done = false;
	reinit_completion(&emu.drained);
	atomic_set(&emu.abort, 0);
	WRITE_ONCE(emu.watch, emu.udev);

	emu.task = kthread_run(uob_emu_thread, NULL, "uob-dsp-emu");
	if (IS_ERR(emu.task)) {
		ret = PTR_ERR(emu.task);
		emu.task = NULL;
		snprintf(emu.why, sizeof(emu.why), "no thread");
		goto fail;
	}
	emu.state = EMU_RUNNING;
	snprintf(emu.why, sizeof(emu.why), "streaming");
	pr_info("streaming to %u:%u slot %u ep %u interrupter %u: %s domain, %u ring segment(s)%s, %u slots, %u queued, event every %u, events from TRB %u cycle %u\n",
		f.bus, f.dev, emu.slot, emu.dci, emu.intr, emu.domain ? "DSP" : "no",
		emu.nsegs, emu.closed ? " (ring closed in the region)" : "", emu.nslots,
		emu.lead, emu.ioc, emu.deq, emu.ccs);
	return 0;

fail:
	pr_info("start refused: %s (%d)\n", emu.why, ret);
	uob_emu_release();
	emu.state = EMU_FAILED;
	return ret;
}

static ssize_t uob_emu_ctl_write(struct file *file, const char __user *ubuf, size_t len,
				 loff_t *ppos)
{
	char *buf, *cmd, *args;
	int ret;

	if (len > 1024)
		return -E2BIG;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	args = strim(buf);
	cmd = strsep(&args, " \t");
	if (!strcmp(cmd, "start"))
		uob_emu_register_bus();

	mutex_lock(&emu.lock);
	if (!strcmp(cmd, "start")) {
		ret = uob_emu_start(args ?: "");
	} else if (!strcmp(cmd, "stop")) {
		ret = emu.task ? 0 : -ESRCH;
		uob_emu_halt(true, EMU_STOPPED, "stopped");
	} else if (!strcmp(cmd, "abort")) {
		ret = emu.task ? 0 : -ESRCH;
		uob_emu_halt(false, EMU_ABORTED, "aborted");
	} else {
		ret = -EINVAL;
	}
	mutex_unlock(&emu.lock);
	kfree(buf);
	return ret ? ret : len;
}

static int uob_emu_ctl_show(struct seq_file *m, void *unused)
{
	enum uob_emu_state state = READ_ONCE(emu.state);

	if (emu.task && emu.thread_err)
		state = EMU_FAILED;
	seq_printf(m, "state=%s frames=%llu completed=%llu events=%llu errors=%llu last_cc=%u bad_events=%llu underruns=%llu other_events=%llu domain=%s segs=%u closed=%d slots=%u lead=%u ioc=%u why=%s\n",
		   uob_emu_state_name[state], READ_ONCE(emu.frames),
		   READ_ONCE(emu.completed), READ_ONCE(emu.events), READ_ONCE(emu.errors),
		   READ_ONCE(emu.last_cc), READ_ONCE(emu.bad_events),
		   READ_ONCE(emu.underruns), READ_ONCE(emu.others),
		   emu.had_domain ? "yes" : "no", emu.had_segs, emu.closed, emu.nslots,
		   emu.lead, emu.ioc,
		   emu.task && emu.thread_err ? emu.thread_err : emu.why);
	return 0;
}

static int uob_emu_ctl_open(struct inode *inode, struct file *file)
{
	return single_open(file, uob_emu_ctl_show, NULL);
}

static const struct file_operations uob_emu_ctl_fops = {
	.owner = THIS_MODULE,
	.open = uob_emu_ctl_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = uob_emu_ctl_write,
};

static int __init uob_emu_init(void)
{
	int ret;

	init_completion(&emu.drained);
	strscpy(emu.why, "no stream yet", sizeof(emu.why));
	emu.dir = debugfs_create_dir("uob-dsp-emu", NULL);
	debugfs_create_file("ctl", 0600, emu.dir, NULL, &uob_emu_ctl_fops);
	ret = register_pm_notifier(&uob_emu_pm_nb);
	if (ret)
		debugfs_remove_recursive(emu.dir);
	return ret;
}

static void __exit uob_emu_exit(void)
{
	unregister_pm_notifier(&uob_emu_pm_nb);
	debugfs_remove_recursive(emu.dir);
	mutex_lock(&emu.lock);
	uob_emu_halt(false, EMU_ABORTED, "module unload");
	mutex_unlock(&emu.lock);
	if (emu.bus)
		bus_unregister_notifier(emu.bus, &uob_emu_nb);
}

module_init(uob_emu_init);
module_exit(uob_emu_exit);
MODULE_DESCRIPTION("usb-offload-backport test rig: an emulated audio DSP that streams through a QMI stream response");
MODULE_LICENSE("GPL");
MODULE_AUTHOR("usb-offload-backport developers");
