/* SPDX-License-Identifier: GPL-2.0 */
/* qc-audio-offload: internals shared with the KUnit suite. */
#ifndef _UOB_QC_OFFLOAD_H
#define _UOB_QC_OFFLOAD_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/qrtr.h>
#include <linux/usb.h>
#include <sound/core.h>
#include <sound/pcm.h>

#include <uob/xhci-sideband.h>
#include "usb_audio_qmi_v01.h"

/* Kinds of memory handed to the DSP; each has its own IOVA range. */
enum uob_qc_mem {
	UOB_QC_MEM_EVENT_RING,
	UOB_QC_MEM_XFER_RING,
	UOB_QC_MEM_XFER_BUF,
	UOB_QC_MEM_COUNT
};

struct iommu_domain;
struct seq_file;
struct uob_qc_pending_put;

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

/**
 * struct uob_qc_dev - a USB device with offloaded streams
 * @node: in uob_qc.devs
 * @udev: the device (referenced)
 * @sb: its xHCI sideband
 * @streams: offloaded streams on it
 * @usage_taken: we hold one offload usage reference on @udev
 * @evt: the event ring as handed to the DSP
 * @evt_mapped: @evt is mapped
 * @pending: record for a usage put that is refused at teardown (see
 *	uob_qc_usage_put()); allocated here so that teardown never allocates
 *
 * Everything but @node is changed only with @udev's device lock held.
 */
struct uob_qc_dev {
	struct list_head node;
	struct usb_device *udev;
	struct xhci_sideband *sb;
	unsigned int streams;
	bool usage_taken;
	struct uob_qc_map evt;
	bool evt_mapped;
	struct uob_qc_pending_put *pending;
};

/**
 * struct uob_qc_stream - one offloaded PCM stream (one usb_token)
 * @node: in uob_qc.streams
 * @token: card << 16 | pcm device << 8 | direction
 * @dev: its device
 * @pcm: the ALSA PCM
 * @file: the file the substream is opened through
 * @substream: the open substream (altsetting and rate chosen by snd-usb-audio)
 * @intf: the active audio streaming interface
 * @data_ep: its data endpoint, owned by the sideband
 * @sync_ep: its sync endpoint (may be NULL)
 * @data_ring: the data endpoint's transfer ring as mapped
 * @sync_ring: the sync endpoint's transfer ring as mapped
 * @xfer: the transfer buffer as mapped
 * @xfer_buf: CPU address of the transfer buffer
 * @xfer_dma: its DMA address
 * @xfer_size: its size
 * @client: the QMI client that enabled it
 * @resp: the response it was enabled with (debugfs)
 */
struct uob_qc_stream {
	struct list_head node;
	u32 token;
	struct uob_qc_dev *dev;
	struct snd_pcm *pcm;
	struct file *file;
	struct snd_pcm_substream *substream;
	struct usb_interface *intf;
	struct usb_host_endpoint *data_ep;
	struct usb_host_endpoint *sync_ep;
	struct uob_qc_map data_ring;
	struct uob_qc_map sync_ring;
	struct uob_qc_map xfer;
	void *xfer_buf;
	dma_addr_t xfer_dma;
	u32 xfer_size;
	struct sockaddr_qrtr client;
	struct uob_uaudio_resp resp;
};

/* Counters of everything a session holds: must return to 0. */
struct uob_qc_counters {
	atomic_t mappings;
	atomic_t xfer_bufs;
	atomic_t streams;
	atomic_t devs;
	atomic_t indications;
	atomic_t pending_puts;
	atomic_t teardowns;
};

extern struct uob_qc_counters uob_qc_counters;

void uob_qc_pm_event(unsigned long action);

#if IS_ENABLED(CONFIG_KUNIT)
/* visible to the KUnit suite only: its stub points and entry points */
extern bool uob_qc_allow_local;
struct xhci_sideband *uob_qc_sb_register(struct usb_interface *intf);
int uob_qc_sb_create_interrupter(struct xhci_sideband *sb, int intr);
struct sg_table *uob_qc_sb_event_buffer(struct xhci_sideband *sb);
int uob_qc_sb_add_endpoint(struct xhci_sideband *sb, struct usb_host_endpoint *ep);
struct sg_table *uob_qc_sb_endpoint_buffer(struct xhci_sideband *sb,
					   struct usb_host_endpoint *ep);
void *uob_qc_xfer_alloc(struct usb_device *udev, size_t size, dma_addr_t *dma);
void uob_qc_handle_req(struct uob_uaudio_req *req, const struct sockaddr_qrtr *sq,
		       struct uob_uaudio_resp *resp);
struct iommu_domain *uob_qc_dsp_platform(struct device **dev, u8 *sid, u16 *intr,
					 const char **source);
#endif

/* dsp_mem.c: memory as the DSP sees it */
int uob_qc_dsp_map(struct uob_qc_map *m, enum uob_qc_mem type,
		   struct device *sysdev, struct sg_table *sgt, dma_addr_t dma);
void uob_qc_dsp_unmap(struct uob_qc_map *m);
u16 uob_qc_dsp_intr_num(void);
unsigned int uob_qc_dsp_in_use(void);
void uob_qc_dsp_show(struct seq_file *m);
void uob_qc_dsp_exit(void);

#endif /* _UOB_QC_OFFLOAD_H */
