/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: offloaded streams (stream.c): setting one up, its
 * response, giving it back.
 */
#ifndef _UOB_QC_STREAM_H
#define _UOB_QC_STREAM_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/qrtr.h>

#include "dsp_mem.h"
#include "pcm.h"
#include "usb_audio_qmi_v01.h"

struct device;
struct seq_file;
struct usb_device;
struct usb_host_endpoint;
struct usb_host_interface;
struct usb_interface;
struct uob_qc_dev;
struct xhci_sideband;

/**
 * struct uob_qc_stream - one offloaded PCM stream (one usb_token)
 * @node: in uob_qc.streams
 * @token: card << 16 | pcm device << 8 | direction
 * @dev: its device
 * @alsa: the PCM substream opened for it
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
 * @park_seen: parked, and looked at once by the release work
 */
struct uob_qc_stream {
	struct list_head node;
	u32 token;
	struct uob_qc_dev *dev;
	struct uob_qc_pcm_stream alsa;
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
	bool park_seen;
};

/*
 * Counters of what streams hold: must return to 0 once no stream and no
 * idle share is left (an idle share keeps a transfer buffer, device.c).
 */
struct uob_qc_counters {
	atomic_t xfer_bufs;
	atomic_t streams;
	atomic_t teardowns;
};

extern struct uob_qc_counters uob_qc_counters;

int uob_qc_enable(const struct uob_uaudio_req *req, struct snd_pcm *pcm,
		  struct usb_device *udev, const struct sockaddr_qrtr *client,
		  struct uob_uaudio_resp *resp);
void uob_qc_stream_stop(struct uob_qc_stream *s, bool told);
int uob_qc_ended_disable(const struct uob_uaudio_req *req, const struct sockaddr_qrtr *client);
void uob_qc_ended_forget(const struct sockaddr_qrtr *client);
unsigned int uob_qc_release_parked(struct usb_device *udev, bool force);
struct usb_device *uob_qc_parked_udev(struct device *dev);
void uob_qc_release_all_parked(void);
struct uob_qc_stream *uob_qc_find_stream(u32 token);
struct uob_qc_stream *uob_qc_find_match(struct usb_device *udev,
					const struct sockaddr_qrtr *client);
struct usb_device *uob_qc_match_udev_get(const struct sockaddr_qrtr *client);
struct usb_device *uob_qc_stream_unbinding(struct device *dev);
bool uob_qc_sleeping(void);
void uob_qc_set_sleeping(bool sleeping);
void uob_qc_stream_show(struct seq_file *m);

#if IS_ENABLED(CONFIG_KUNIT)
/* KUnit static stubs: the setup steps that can fail */
int uob_qc_sb_add_endpoint(struct xhci_sideband *sb, struct usb_host_endpoint *ep);
struct sg_table *uob_qc_sb_endpoint_buffer(struct xhci_sideband *sb,
					   struct usb_host_endpoint *ep);
void *uob_qc_xfer_alloc(struct usb_device *udev, size_t size, dma_addr_t *dma);
/* the streaming interface selection, on devices the rig cannot present */
void uob_qc_as_snapshot(struct usb_device *udev, struct usb_host_interface **cur);
int uob_qc_find_stream_ep(struct uob_qc_stream *s, struct usb_device *udev,
			  struct usb_host_interface *const *before);
#endif

#endif /* _UOB_QC_STREAM_H */
