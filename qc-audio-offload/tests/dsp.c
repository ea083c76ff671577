// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": the DSP behind an IOMMU domain.
 */
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-direct.h>
#include <linux/gfp.h>
#include <linux/iommu.h>
#include <linux/scatterlist.h>
#include <linux/xarray.h>

#include "../dsp_mem.h"
#include "qc_kunit.h"

/*
 * The emulated board has no DSP and no IOMMU in front of it, so these cases
 * hand the driver a paging domain of their own: the IOMMU core's real
 * iommu_map_sg()/iommu_unmap()/iommu_iova_to_phys() run, over a page table
 * kept in an xarray (IOVA pfn -> physical pfn) that also counts pages and
 * can fail on demand.
 */
struct uob_fake_iommu {
	struct iommu_domain domain;
	struct xarray pages;
	atomic_t mapped;
	int fail_at;	/* map_pages fails once this many pages are mapped; -1: never */
	u8 sid;
};

static struct uob_fake_iommu *to_fake(struct iommu_domain *d)
{
	return container_of(d, struct uob_fake_iommu, domain);
}

static int uob_fake_map_pages(struct iommu_domain *d, unsigned long iova,
			      phys_addr_t paddr, size_t pgsize, size_t pgcount,
			      int prot, gfp_t gfp, size_t *mapped)
{
	struct uob_fake_iommu *f = to_fake(d);
	size_t i, n = pgsize >> PAGE_SHIFT;

	for (i = 0; i < pgcount * n; i++) {
		if (f->fail_at >= 0 && atomic_read(&f->mapped) >= f->fail_at)
			return -ENOMEM;
		/* xa_insert() refuses an IOVA that is mapped already */
		if (xa_insert(&f->pages, (iova >> PAGE_SHIFT) + i,
			      xa_mk_value((paddr >> PAGE_SHIFT) + i), gfp))
			return -EEXIST;
		atomic_inc(&f->mapped);
		*mapped += PAGE_SIZE;
	}
	return 0;
}

static size_t uob_fake_unmap_pages(struct iommu_domain *d, unsigned long iova,
				   size_t pgsize, size_t pgcount,
				   struct iommu_iotlb_gather *gather)
{
	struct uob_fake_iommu *f = to_fake(d);
	size_t i, done = 0, n = pgsize >> PAGE_SHIFT;

	for (i = 0; i < pgcount * n; i++) {
		if (!xa_erase(&f->pages, (iova >> PAGE_SHIFT) + i))
			break;
		atomic_dec(&f->mapped);
		done += PAGE_SIZE;
	}
	return done;
}

static phys_addr_t uob_fake_iova_to_phys(struct iommu_domain *d, dma_addr_t iova)
{
	void *e = xa_load(&to_fake(d)->pages, iova >> PAGE_SHIFT);

	return e ? PFN_PHYS(xa_to_value(e)) | (iova & ~PAGE_MASK) : 0;
}

static const struct iommu_domain_ops uob_fake_iommu_ops = {
	.map_pages = uob_fake_map_pages,
	.unmap_pages = uob_fake_unmap_pages,
	.iova_to_phys = uob_fake_iova_to_phys,
};

/* The platform's choice of DSP domain, as this case's stub: our domain. */
static struct iommu_domain *uob_fake_platform(struct device **dev, u8 *sid, u16 *intr,
					      const char **source)
{
	struct uob_fake_iommu *f = kunit_get_current_test()->priv;

	*dev = NULL;
	*sid = f->sid;
	*source = "test";
	return &f->domain;
}

/* After the stub is gone: the driver chooses again (nothing is mapped). */
static void uob_fake_iommu_drop(void *data)
{
	struct uob_fake_iommu *f = data;

	uob_qc_dsp_intr_num();
	xa_destroy(&f->pages);
}

/*
 * Requests that must see this domain run in the test's thread
 * (uob_qc_call()): the stub acts there only.
 */
static struct uob_fake_iommu *uob_fake_iommu(struct kunit *test, u8 sid)
{
	struct uob_fake_iommu *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_TRUE_MSG(test, IS_ENABLED(CONFIG_IOMMU_API),
			      "the rig's kernel needs CONFIG_IOMMU_API");
	KUNIT_ASSERT_NOT_NULL(test, f);
	f->domain.type = IOMMU_DOMAIN_UNMANAGED;
	f->domain.ops = &uob_fake_iommu_ops;
	f->domain.pgsize_bitmap = PAGE_SIZE;
	xa_init(&f->pages);
	f->fail_at = -1;
	f->sid = sid;
	/* cleaned up in reverse: the stub goes first, then the drop */
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_fake_iommu_drop, f));
	test->priv = f;
	kunit_activate_static_stub(test, uob_qc_dsp_platform, uob_fake_platform);
	return f;
}

/* Every page of @mi the DSP may touch leads to the controller's memory. */
static void uob_qc_expect_dsp_view(struct kunit *test, struct uob_fake_iommu *f,
				   struct device *sysdev, const struct uob_uaudio_mem_info *mi,
				   u8 sid, size_t pages, const char *what)
{
	unsigned long iova = lower_32_bits(mi->iova);
	size_t i;

	KUNIT_EXPECT_EQ_MSG(test, (u64)sid, mi->iova >> 32, "%s: stream ID", what);
	KUNIT_EXPECT_TRUE_MSG(test, iova && PAGE_ALIGNED(iova), "%s: IOVA %#lx", what, iova);
	KUNIT_EXPECT_NE_MSG(test, (u64)mi->dma, lower_32_bits(mi->iova),
			    "%s: the DSP got the DMA address, not an IOVA", what);
	for (i = 0; i < pages; i++)
		KUNIT_EXPECT_EQ_MSG(test, dma_to_phys(sysdev, mi->dma + i * PAGE_SIZE),
				    iommu_iova_to_phys(&f->domain, iova + i * PAGE_SIZE),
				    "%s: page %zu", what, i);
}

void uob_qc_dsp_domain_maps_every_region(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_fake_iommu *f = uob_fake_iommu(test, 5);
	struct device *sysdev = r->udev->bus->sysdev;
	const struct uob_uaudio_mem_info *evt, *ring, *buf;
	struct uob_uaudio_resp resp;
	struct uob_qc_snap snap;

	uob_qc_snap(r, &snap);
	uob_qc_enable_here(test, r, &resp);
	evt = &resp.xhci_mem_info.evt_ring;
	ring = &resp.xhci_mem_info.tr_data;
	buf = &resp.xhci_mem_info.xfer_buff;

	uob_qc_expect_dsp_view(test, f, sysdev, evt, 5, 1, "event ring");
	uob_qc_expect_dsp_view(test, f, sysdev, ring, 5, 1, "data ring");
	uob_qc_expect_dsp_view(test, f, sysdev, buf, 5, PAGE_ALIGN(buf->size) >> PAGE_SHIFT,
			       "transfer buffer");
	KUNIT_EXPECT_EQ(test, 8192U, buf->size);
	/* upstream's layout: event rings, then transfer rings, then buffers */
	KUNIT_EXPECT_LT(test, lower_32_bits(evt->iova), lower_32_bits(ring->iova));
	KUNIT_EXPECT_LT(test, lower_32_bits(ring->iova), lower_32_bits(buf->iova));
	KUNIT_EXPECT_EQ(test, (int)((evt->size + ring->size + PAGE_ALIGN(buf->size)) >> PAGE_SHIFT),
			atomic_read(&f->mapped));
	KUNIT_EXPECT_EQ(test, 3U, uob_qc_dsp_in_use());

	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&f->mapped));
	KUNIT_EXPECT_TRUE(test, xa_empty(&f->pages));
	KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());
	uob_qc_expect_same(test, r, &snap);
}

void uob_qc_dsp_domain_map_failure_unwinds(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_fake_iommu *f = uob_fake_iommu(test, 1);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct uob_qc_snap snap;
	int total, i;

	/* how many pages a session maps */
	uob_qc_enable_here(test, r, &resp);
	total = atomic_read(&f->mapped);
	uob_qc_disable_ok(test, r);
	KUNIT_ASSERT_GE(test, total, 4);

	/*
	 * The IOMMU refuses a page: the event ring's (mapped first), the data
	 * ring's (next), the transfer buffer's last (after its first pages).
	 */
	const int cases[] = { 0, 1, total - 1 };

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uob_qc_snap(r, &snap);
		f->fail_at = cases[i];
		uob_qc_req_enable(&req, r->card, 0);
		/* the IOMMU's -ENOMEM, or the short mapping's */
		KUNIT_EXPECT_EQ_MSG(test, -ENOMEM, uob_qc_call(r, &req, &resp),
				    "fail at page %d", cases[i]);
		KUNIT_EXPECT_EQ_MSG(test, 0, atomic_read(&f->mapped), "fail at page %d",
				    cases[i]);
		KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());
		uob_qc_expect_same(test, r, &snap);
		KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));
		f->fail_at = -1;
	}
	uob_qc_enable_here(test, r, &resp);
	uob_qc_disable_ok(test, r);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&f->mapped));
}

/*
 * A 4 KiB ring segment inside a larger page (16K, 64K kernels) reaches
 * the DSP at its own place: the pages around it are mapped and the DSP
 * gets the IOVA of its first byte; segments one after the other in memory
 * stay one after the other for the DSP; segments apart in memory cannot
 * (the DSP reads segment k at k * 4 KiB): the DSP gets the run from the
 * first segment that lies back to back -- the first alone when the second
 * is elsewhere, as mainline hands over -- and its size says so.  Shown
 * here with sub-page entries of a 4K-page kernel.
 */
void uob_qc_dsp_domain_maps_sub_page_segments(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_fake_iommu *f = uob_fake_iommu(test, 3);
	struct device *sysdev = r->udev->bus->sysdev;
	const size_t seg = PAGE_SIZE / 4;
	struct page *page = alloc_page(GFP_KERNEL);
	struct scatterlist *sg;
	struct uob_qc_map m;
	struct sg_table sgt;
	unsigned long iova;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, 0, sg_alloc_table(&sgt, 2, GFP_KERNEL));
	for_each_sgtable_sg(&sgt, sg, i)
		sg_set_page(sg, page, seg, (1 + i) * seg);

	KUNIT_EXPECT_EQ(test, 0, uob_qc_dsp_map(&m, UOB_QC_MEM_XFER_RING, sysdev, &sgt, 0));
	iova = lower_32_bits(m.iova);
	KUNIT_EXPECT_EQ(test, (u64)3, m.iova >> 32);
	KUNIT_EXPECT_EQ(test, (u32)(2 * seg), m.size);
	KUNIT_EXPECT_EQ(test, seg, offset_in_page(iova));
	for (i = 0; i < 2; i++)
		KUNIT_EXPECT_EQ_MSG(test, page_to_phys(page) + (1 + i) * seg,
				    iommu_iova_to_phys(&f->domain, iova + i * seg),
				    "segment %u", i);
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&f->mapped));
	uob_qc_dsp_unmap(&m);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&f->mapped));
	KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());

	/* apart in memory (the second before the first): the first alone */
	sg_set_page(sg_next(sgt.sgl), page, seg, 0);
	KUNIT_EXPECT_EQ(test, 0, uob_qc_dsp_map(&m, UOB_QC_MEM_XFER_RING, sysdev, &sgt, 0));
	iova = lower_32_bits(m.iova);
	KUNIT_EXPECT_EQ(test, (u32)seg, m.size);
	KUNIT_EXPECT_EQ(test, seg, offset_in_page(iova));
	KUNIT_EXPECT_EQ(test, page_to_phys(page) + seg, iommu_iova_to_phys(&f->domain, iova));
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&f->mapped));
	KUNIT_EXPECT_EQ(test, 1U, uob_qc_dsp_in_use());
	uob_qc_dsp_unmap(&m);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&f->mapped));
	KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());

	/* three segments, the first two back to back: those two */
	sg_free_table(&sgt);
	KUNIT_ASSERT_EQ(test, 0, sg_alloc_table(&sgt, 3, GFP_KERNEL));
	for_each_sgtable_sg(&sgt, sg, i)
		sg_set_page(sg, page, seg, (i == 2 ? 0 : 2 + i) * seg);
	KUNIT_EXPECT_EQ(test, 0, uob_qc_dsp_map(&m, UOB_QC_MEM_XFER_RING, sysdev, &sgt, 0));
	iova = lower_32_bits(m.iova);
	KUNIT_EXPECT_EQ(test, (u32)(2 * seg), m.size);
	KUNIT_EXPECT_EQ(test, 2 * seg, offset_in_page(iova));
	KUNIT_EXPECT_EQ(test, page_to_phys(page) + 3 * seg,
			iommu_iova_to_phys(&f->domain, iova + seg));
	KUNIT_EXPECT_EQ(test, 1, atomic_read(&f->mapped));
	uob_qc_dsp_unmap(&m);
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&f->mapped));
	KUNIT_EXPECT_EQ(test, 0U, uob_qc_dsp_in_use());

	sg_free_table(&sgt);
	__free_page(page);
}
