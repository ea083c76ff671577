// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: memory as the audio DSP sees it.
 *
 * The DSP reaches the event ring, the transfer rings and the transfer
 * buffer through its own IOMMU context.  When the platform gives us that
 * context's domain -- the QDSP6 USB backend (q6usb) on kernels that have
 * it, or the device an integrator names with iommu_dev= -- every region is
 * mapped into it at an IOVA of ours and the DSP is told that IOVA, with the
 * stream ID in bits 32 and up, as upstream does.  The IOVA space is split
 * as upstream splits it: event rings at 0x1000, then transfer rings, then
 * transfer buffers.
 *
 * Without a domain (the reference rig; boards whose DSP sees the
 * controller's DMA space) the DSP is told the DMA address.
 *
 * Locking: uob_dsp.lock protects the choice of domain and the IOVA lists.
 * It is a leaf: taken with the udev device lock held (stream setup and
 * teardown), never together with another lock of the driver.  The domain is chosen again
 * only while nothing is mapped, so a mapping is always undone in the domain
 * it was made in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/iommu.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <sound/core.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <uob_compat.h>
#include <uob_q6usb_compat.h>

#include "dsp_mem.h"

static char *iommu_dev;
module_param(iommu_dev, charp, 0444);
MODULE_PARM_DESC(iommu_dev,
		 "device whose IOMMU domain the DSP uses, as platform:<name> or pci:<name> (default: q6usb's, else none: DMA addresses)");

static int sid = -1;
module_param(sid, int, 0444);
MODULE_PARM_DESC(sid, "stream ID put in bits 32+ of every IOVA; -1: q6usb's, or the iommu_dev's DT iommus cell (default)");

/* Upstream's layout of the DSP's IOVA space (sound/usb/qcom). */
#define UOB_IOVA_BASE		0x1000UL
#define UOB_IOVA_XFER_RING	(UOB_IOVA_BASE + PAGE_SIZE * (SNDRV_CARDS + 1))
#define UOB_IOVA_XFER_BUF	(UOB_IOVA_XFER_RING + PAGE_SIZE * SNDRV_CARDS * 32)
#define UOB_IOVA_END		(0xfffff000UL - PAGE_SIZE)

static const struct {
	unsigned long start, end;
} uob_iova_region[UOB_QC_MEM_COUNT] = {
	[UOB_QC_MEM_EVENT_RING] = { UOB_IOVA_BASE, UOB_IOVA_XFER_RING },
	[UOB_QC_MEM_XFER_RING] = { UOB_IOVA_XFER_RING, UOB_IOVA_XFER_BUF },
	[UOB_QC_MEM_XFER_BUF] = { UOB_IOVA_XFER_BUF, UOB_IOVA_END },
};

struct uob_iova {
	struct list_head node;
	unsigned long start;	/* the mapping: whole pages */
	size_t size;
	size_t off;		/* the region's first byte in the first page */
	struct device *sysdev;	/* the controller, for debugfs */
	dma_addr_t dma;		/* the same memory as the controller sees it */
};

static struct {
	struct mutex lock;	/* leaf (order: teardown.c): the fields below */
	struct iommu_domain *domain;
	struct device *dev;	/* referenced, or NULL */
	const char *source;
	u8 sid;
	u16 intr_num;
	struct list_head iovas[UOB_QC_MEM_COUNT];
	unsigned int in_use;
} uob_dsp = {
	.lock = __MUTEX_INITIALIZER(uob_dsp.lock),
	.source = "none",
	.iovas = {
		LIST_HEAD_INIT(uob_dsp.iovas[0]),
		LIST_HEAD_INIT(uob_dsp.iovas[1]),
		LIST_HEAD_INIT(uob_dsp.iovas[2]),
	},
};

static_assert(UOB_QC_MEM_COUNT == 3, "one IOVA list per kind of memory");

/*
 * First fit in the region; 0 if it is full.  Mappings are whole pages at
 * page-aligned IOVAs: upstream's region bounds (0x1000, ...) are pages of
 * a 4K-page kernel only, so a region starts at its first page boundary
 * (the same address with 4K pages; 0x4000 for the event rings with 16K).
 */
static unsigned long uob_iova_get(enum uob_qc_mem type, size_t size, size_t off,
				  struct device *sysdev, dma_addr_t dma)
	__must_hold(&uob_dsp.lock)
{
	unsigned long start = PAGE_ALIGN(uob_iova_region[type].start);
	struct uob_iova *a, *n;

	lockdep_assert_held(&uob_dsp.lock);
	list_for_each_entry(a, &uob_dsp.iovas[type], node) {
		if (a->start - start >= size)
			break;
		start = a->start + a->size;
	}
	if (size > uob_iova_region[type].end - start)
		return 0;

	n = kzalloc_obj(*n, GFP_KERNEL);
	if (!n)
		return 0;
	n->start = start;
	n->size = size;
	n->off = off;
	n->sysdev = sysdev;
	n->dma = dma;
	/* before the first range above the hole, or at the end */
	list_add_tail(&n->node, &a->node);
	uob_dsp.in_use++;
	return start;
}

static void uob_iova_put(enum uob_qc_mem type, unsigned long start)
	__must_hold(&uob_dsp.lock)
{
	struct uob_iova *a;

	lockdep_assert_held(&uob_dsp.lock);
	list_for_each_entry(a, &uob_dsp.iovas[type], node) {
		if (a->start == start) {
			list_del(&a->node);
			kfree(a);
			uob_dsp.in_use--;
			return;
		}
	}
	WARN(1, "IOVA %#lx was not handed out\n", start);
}

/* The DT stream ID of @dev's first "iommus" entry, as q6usb reads it. */
static u8 uob_dsp_dt_sid(struct device *dev)
{
	struct of_phandle_args args;
	u8 ret = 0;

	if (!dev->of_node)
		return 0;
	if (!of_parse_phandle_with_args(dev->of_node, "iommus", "#iommu-cells", 0, &args)) {
		if (args.args_count)
			ret = args.args[0] & 0xf;
		of_node_put(args.np);
	}
	return ret;
}

/* The device named by iommu_dev=, referenced; NULL if there is none. */
static struct device *uob_dsp_named_dev(void)
{
	const char *name;

	if (!iommu_dev || !*iommu_dev)
		return NULL;
	name = strchr(iommu_dev, ':');
	if (!name)
		return NULL;
	name++;
	if (!strncmp(iommu_dev, "platform:", 9))
		return bus_find_device_by_name(&platform_bus_type, NULL, name);
	if (!strncmp(iommu_dev, "pci:", 4))
		return uob_pci_find_dev(name);
	return NULL;
}

static void uob_dsp_forget(void)
	__must_hold(&uob_dsp.lock)
{
	lockdep_assert_held(&uob_dsp.lock);
	if (uob_dsp.dev)
		put_device(uob_dsp.dev);
	uob_dsp.dev = NULL;
	uob_dsp.domain = NULL;
	uob_dsp.source = "none";
	uob_dsp.sid = 0;
	uob_dsp.intr_num = 0;
}

/*
 * The platform's choice, each time: q6usb's domain, else iommu_dev='s.
 * Returns the domain (NULL: none) and, in *@dev, the device it belongs to
 * (referenced; NULL if none), with its stream ID, interrupter and a name
 * for debugfs.  A KUnit static stub: the suite hands its own domain.
 */
VISIBLE_IF_KUNIT struct iommu_domain *uob_qc_dsp_platform(struct device **dev, u8 *sid,
							  u16 *intr, const char **source)
{
	struct iommu_domain *domain = NULL;

	KUNIT_STATIC_STUB_REDIRECT(uob_qc_dsp_platform, dev, sid, intr, source);
	*dev = uob_q6usb_find(&domain, sid, intr);
	if (*dev) {
		*source = "q6usb";
		return domain;
	}
	*dev = uob_dsp_named_dev();
	if (!*dev) {
		if (iommu_dev && *iommu_dev)
			pr_warn_once("iommu_dev=%s: no such device; handing DMA addresses to the DSP\n",
				     iommu_dev);
		return NULL;
	}
	*sid = uob_dsp_dt_sid(*dev);
	*source = "iommu_dev";
	return iommu_get_domain_for_dev(*dev);
}

/*
 * Choose the DSP's domain again, if nothing is mapped.  Platform devices
 * may come and go between sessions, so this is redone for every first
 * mapping.
 */
static void uob_dsp_resolve(void)
	__must_hold(&uob_dsp.lock)
{
	struct iommu_domain *domain;
	struct device *dev = NULL;
	const char *source = "none";
	u16 intr = 0;
	u8 s = 0;

	lockdep_assert_held(&uob_dsp.lock);
	if (uob_dsp.in_use)
		return;
	uob_dsp_forget();

	domain = uob_qc_dsp_platform(&dev, &s, &intr, &source);
	if (!domain) {
		if (dev) {
			dev_warn_once(dev, "no IOMMU domain; handing DMA addresses to the DSP\n");
			put_device(dev);
		}
		return;
	}
	uob_dsp.dev = dev;
	uob_dsp.domain = domain;
	uob_dsp.source = source;
	if (sid > U8_MAX)
		pr_warn_once("sid=%d is not a stream ID; using %u\n", sid, s);
	uob_dsp.sid = sid >= 0 && sid <= U8_MAX ? sid : s;
	uob_dsp.intr_num = intr;
}

/**
 * uob_qc_dsp_intr_num() - the interrupter the platform wants for the DSP
 *
 * Context: process context; takes uob_dsp.lock (a leaf lock).
 *
 * Return: q6usb's interrupter number, or 0 (the driver's own choice).
 */
u16 uob_qc_dsp_intr_num(void)
{
	guard(mutex)(&uob_dsp.lock);
	uob_dsp_resolve();
	return uob_dsp.intr_num;
}

/*
 * An IOMMU maps whole pages.  A ring segment (4 KiB) may sit inside a
 * larger page on a 16K- or 64K-page kernel, at the offset the sideband's
 * sg entry gives.  The DSP reads a ring's segments one after the other
 * from the IOVA it is given (segment k at k * 4 KiB), which sub-page
 * entries can give only while they lie back to back in memory.  The rule
 * (docs/design.md, "Memory as the DSP sees it"): the DSP gets the run of
 * segments that are physically contiguous from the first -- the pages
 * around them are mapped, the DSP gets the IOVA of the first byte and the
 * run's size -- and at least the first segment, which is what mainline
 * hands over (one page of the first segment).  Entries of whole pages (a
 * 4K-page kernel, the transfer buffer) are all mapped as they come.
 */
static bool uob_dsp_sub_page(struct sg_table *sgt)
{
	struct scatterlist *sg;
	unsigned int i;

	for_each_sgtable_sg(sgt, sg, i)
		if (!PAGE_ALIGNED(sg->offset) || !PAGE_ALIGNED(sg->length))
			return true;
	return false;
}

/* The entries of @sgt contiguous in memory from the first: start, bytes. */
static size_t uob_dsp_span(struct sg_table *sgt, phys_addr_t *start)
{
	struct scatterlist *sg;
	phys_addr_t end;
	unsigned int i;

	*start = sg_phys(sgt->sgl);
	end = *start;
	for_each_sgtable_sg(sgt, sg, i) {
		if (sg_phys(sg) != end)
			break;
		end += sg->length;
	}
	return end - *start;
}

/* Map @sgt into the DSP's domain, if there is one.  Fills @m. */
static int __uob_qc_dsp_map(struct uob_qc_map *m, enum uob_qc_mem type,
			    struct device *sysdev, struct sg_table *sgt,
			    dma_addr_t dma, size_t size)
	__must_hold(&uob_dsp.lock)
{
	bool span = uob_dsp_sub_page(sgt);
	phys_addr_t start = 0;
	unsigned long iova;
	size_t off = 0, len;
	ssize_t mapped;
	int prot, ret;

	lockdep_assert_held(&uob_dsp.lock);
	uob_dsp_resolve();
	*m = (struct uob_qc_map) { .dma = dma, .iova = dma, .size = size, .type = type };
	if (!uob_dsp.domain) {
		uob_dsp.in_use++;
		return 0;
	}

	prot = IOMMU_READ | IOMMU_WRITE;
	if (dev_is_dma_coherent(sysdev))
		prot |= IOMMU_CACHE;
	if (span) {
		/* what the DSP can follow from the first segment on */
		size = uob_dsp_span(sgt, &start);
		off = offset_in_page(start);
		m->size = size;
	}
	len = PAGE_ALIGN(off + size);
	iova = uob_iova_get(type, len, off, sysdev, dma);
	if (!iova)
		return -ENOMEM;
	if (span) {
		ret = iommu_map(uob_dsp.domain, iova, start - off, len, prot, GFP_KERNEL);
		mapped = ret ? ret : len;
	} else {
		mapped = iommu_map_sgtable(uob_dsp.domain, iova, sgt, prot);
	}
	if (mapped != len) {
		/* iommu_map() and iommu_map_sg() undo a partial mapping themselves */
		uob_iova_put(type, iova);
		return mapped < 0 ? mapped : -ENOMEM;
	}
	m->domain = uob_dsp.domain;
	m->iova = (u64)uob_dsp.sid << 32 | (iova + off);
	return 0;
}

/**
 * uob_qc_dsp_map() - hand a memory region to the DSP
 * @m: the mapping to fill
 * @type: which kind of region (decides the IOVA range)
 * @sysdev: the controller's DMA device
 * @sgt: the region's pages (the caller frees it)
 * @dma: the region's DMA address as the controller sees it
 *
 * With a DSP domain, maps every entry of @sgt at consecutive IOVAs, or,
 * when the entries are smaller than a page (4 KiB ring segments on a 16K-
 * or 64K-page kernel), the entries contiguous in memory from the first
 * (at least the first); otherwise the DSP gets @dma.  The size handed
 * over (@m->size) is what the DSP can reach from its address: the sum of
 * the entries mapped, or of all of them without a domain.
 *
 * Context: process context; the caller holds the udev device lock of the
 * device the region belongs to.  Takes uob_dsp.lock (a leaf lock).
 *
 * Return: 0 or a negative error; on error nothing is mapped and @m is
 * empty.
 */
int uob_qc_dsp_map(struct uob_qc_map *m, enum uob_qc_mem type,
		   struct device *sysdev, struct sg_table *sgt, dma_addr_t dma)
{
	struct scatterlist *sg;
	size_t size = 0;
	unsigned int i;
	int ret;

	KUNIT_STATIC_STUB_REDIRECT(uob_qc_dsp_map, m, type, sysdev, sgt, dma);
	for_each_sgtable_sg(sgt, sg, i)
		size += sg->length;

	scoped_guard(mutex, &uob_dsp.lock)
		ret = __uob_qc_dsp_map(m, type, sysdev, sgt, dma, size);
	if (ret)
		memset(m, 0, sizeof(*m));
	return ret;
}

/* the unmap itself; uob_qc_dsp_unmap() is its KUnit stub point */
VISIBLE_IF_KUNIT void __uob_qc_dsp_unmap(struct uob_qc_map *m)
{
	unsigned long iova = lower_32_bits(m->iova);

	if (!m->size)
		return;
	scoped_guard(mutex, &uob_dsp.lock) {
		if (m->domain) {
			/* the whole pages mapped, from the page of the first byte */
			size_t len = PAGE_ALIGN(offset_in_page(iova) + m->size);

			iova &= PAGE_MASK;
			WARN_ON(iommu_unmap(m->domain, iova, len) != len);
			uob_iova_put(m->type, iova);
		} else {
			uob_dsp.in_use--;
		}
	}
	memset(m, 0, sizeof(*m));
}

/**
 * uob_qc_dsp_unmap() - take a region back from the DSP
 * @m: a mapping made by uob_qc_dsp_map(), or an empty one (no-op)
 *
 * Context: process context; as uob_qc_dsp_map().
 */
void uob_qc_dsp_unmap(struct uob_qc_map *m)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_dsp_unmap, m);
	__uob_qc_dsp_unmap(m);
}

/**
 * uob_qc_dsp_in_use() - regions currently handed to the DSP
 *
 * Context: any; a snapshot.
 *
 * Return: the number of IOVA ranges (domain) or DMA regions handed out:
 * every mapping uob_qc_dsp_map() made and uob_qc_dsp_unmap() has not undone.
 */
unsigned int uob_qc_dsp_in_use(void)
{
	guard(mutex)(&uob_dsp.lock);
	return uob_dsp.in_use;
}

/* Where the controller's @dma lands, through its own IOMMU domain if any. */
static phys_addr_t uob_ctrl_phys(struct device *sysdev, dma_addr_t dma)
{
	struct iommu_domain *d = iommu_get_domain_for_dev(sysdev);

	return d ? iommu_iova_to_phys(d, dma) : dma_to_phys(sysdev, dma);
}

/**
 * uob_qc_dsp_show() - debugfs: the DSP's view of memory
 * @m: the seq_file
 *
 * Context: process context; takes uob_dsp.lock.
 */
void uob_qc_dsp_show(struct seq_file *m)
{
	static const char * const names[UOB_QC_MEM_COUNT] = {
		"event-ring", "xfer-ring", "xfer-buf",
	};
	phys_addr_t phys, ctrl;
	struct uob_iova *a;
	int t;

	guard(mutex)(&uob_dsp.lock);
	seq_printf(m, "dsp: domain=%s source=%s device=%s sid=%u intr_num=%u regions=%u\n",
		   uob_dsp.domain ? "yes" : "no", uob_dsp.source,
		   uob_dsp.dev ? dev_name(uob_dsp.dev) : "-", uob_dsp.sid,
		   uob_dsp.intr_num, uob_dsp.in_use);
	for (t = 0; t < UOB_QC_MEM_COUNT; t++)
		list_for_each_entry(a, &uob_dsp.iovas[t], node) {
			/*
			 * The IOVA the DSP was given (its first byte, inside
			 * the first mapped page) and where that byte lands;
			 * both translations walk the IOMMUs' page tables now,
			 * to the byte.
			 */
			unsigned long iova = a->start + a->off;

			phys = iommu_iova_to_phys(uob_dsp.domain, iova);
			ctrl = uob_ctrl_phys(a->sysdev, a->dma);
			seq_printf(m, "iova %s %#lx+%#zx dma=%pad phys=%pa ctrl_phys=%pa\n",
				   names[t], iova, a->size - a->off, &a->dma, &phys, &ctrl);
		}
}

/**
 * uob_qc_dsp_exit() - drop the platform device reference at unload
 *
 * Context: module exit, after every stream is gone.
 */
void uob_qc_dsp_exit(void)
{
	guard(mutex)(&uob_dsp.lock);
	WARN_ON(uob_dsp.in_use);
	uob_dsp_forget();
}
