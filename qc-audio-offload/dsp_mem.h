/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: memory as the audio DSP sees it (dsp_mem.c).
 *
 * Calls nothing else of the driver; used by the device and stream setup.
 */
#ifndef _UOB_QC_DSP_MEM_H
#define _UOB_QC_DSP_MEM_H

#include <linux/types.h>

struct device;
struct iommu_domain;
struct seq_file;
struct sg_table;

/* Kinds of memory handed to the DSP; each has its own IOVA range. */
enum uob_qc_mem {
	UOB_QC_MEM_EVENT_RING,
	UOB_QC_MEM_XFER_RING,
	UOB_QC_MEM_XFER_BUF,
	UOB_QC_MEM_COUNT
};

/**
 * struct uob_qc_map - one region handed to the DSP
 * @iova: the address the DSP uses: stream ID << 32 | IOVA in the DSP's
 *	domain, or the DMA address without a domain
 * @dma: the controller's DMA address
 * @size: bytes
 * @type: the kind of region
 * @domain: the domain it is mapped in (NULL: none)
 */
struct uob_qc_map {
	u64 iova;
	dma_addr_t dma;
	u32 size;
	enum uob_qc_mem type;
	struct iommu_domain *domain;
};

int uob_qc_dsp_map(struct uob_qc_map *m, enum uob_qc_mem type,
		   struct device *sysdev, struct sg_table *sgt, dma_addr_t dma);
void uob_qc_dsp_unmap(struct uob_qc_map *m);
u16 uob_qc_dsp_intr_num(void);
unsigned int uob_qc_dsp_in_use(void);
void uob_qc_dsp_show(struct seq_file *m);
void uob_qc_dsp_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
/* a KUnit static stub: the platform's choice of the DSP's domain */
struct iommu_domain *uob_qc_dsp_platform(struct device **dev, u8 *sid, u16 *intr,
					 const char **source);
/* and the unmap behind uob_qc_dsp_unmap(), for a stub that watches it */
void __uob_qc_dsp_unmap(struct uob_qc_map *m);
#endif

#endif /* _UOB_QC_DSP_MEM_H */
