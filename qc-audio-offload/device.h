/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the per-USB-device part of offloading (device.c):
 * sideband, offload usage, interrupter and event ring, shared by the
 * device's streams.
 */
#ifndef _UOB_QC_DEVICE_H
#define _UOB_QC_DEVICE_H

#include <linux/atomic.h>
#include <linux/list.h>

#include "dsp_mem.h"

struct device;
struct seq_file;
struct sg_table;
struct usb_device;
struct usb_interface;
struct uob_qc_pending_put;
struct xhci_sideband;

/**
 * struct uob_qc_xfer_buf - a transfer buffer, as allocated and handed to the DSP
 * @map: the DSP's mapping of it
 * @buf: its CPU address (NULL: none)
 * @dma: its DMA address
 * @size: the size asked for (whole pages are allocated)
 */
struct uob_qc_xfer_buf {
	struct uob_qc_map map;
	void *buf;
	dma_addr_t dma;
	u32 size;
};

/**
 * struct uob_qc_dev - a USB device with offloaded streams
 * @node: in uob_qc_devs_list.list
 * @udev: the device (referenced); we hold one offload usage reference on it
 * @sb: its xHCI sideband
 * @streams: offloaded streams on it
 * @idle: no stream, kept for the next enable until @idle_until (jiffies);
 *	then we hold a runtime-PM reference on @udev (see uob_qc_dev_linger())
 * @idle_until: when the idle work gives it back
 * @evt: the event ring as handed to the DSP
 * @spare: the transfer buffer of the last stream, ended by its client,
 *	kept mapped with the share for the next enable asking for the same
 *	size (stream.c); given back first when the share is
 *	(uob_qc_dev_release())
 * @pending: record for a usage put that is refused at teardown (see
 *	uob_qc_usage_put()); allocated here so that teardown never allocates
 *
 * Everything but @node is changed only with @udev's device lock held;
 * @node, @idle, @idle_until and @spare also under uob_qc_devs_list.lock.
 */
struct uob_qc_dev {
	struct list_head node;
	struct usb_device *udev;
	struct xhci_sideband *sb;
	unsigned int streams;
	bool idle;
	unsigned long idle_until;
	struct uob_qc_map evt;
	struct uob_qc_xfer_buf spare;
	struct uob_qc_pending_put *pending;
};

/* ms a share is kept idle (the idle_ms parameter; KUnit sets it) */
extern unsigned int uob_qc_idle_ms;

/* devices with streams or an idle share (debugfs, KUnit) */
extern atomic_t uob_qc_devs;

struct uob_qc_dev *uob_qc_dev_get(struct usb_device *udev, struct usb_interface *intf);
void uob_qc_dev_put(struct uob_qc_dev *d, bool linger);
bool uob_qc_dev_release_idle(struct usb_device *udev, bool expired);
void uob_qc_dev_set_linger(bool linger);
void uob_qc_dev_release_all_idle(void);
struct usb_device *uob_qc_dev_idle_udev(struct device *dev, bool intf);
void uob_qc_dev_exit(void);
int uob_qc_dev_map_ring(struct uob_qc_dev *d, struct uob_qc_map *m, enum uob_qc_mem type,
			struct sg_table *sgt);
void uob_qc_dev_show(struct seq_file *m);
bool uob_qc_dev_spare_keep(struct uob_qc_dev *d, const struct uob_qc_xfer_buf *x);
bool uob_qc_dev_spare_take(struct uob_qc_dev *d, u32 size, struct uob_qc_xfer_buf *x);
/* stream.c: gives back a share's spare transfer buffer, if it has one */
void uob_qc_xfer_spare_free(struct uob_qc_dev *d);

#if IS_ENABLED(CONFIG_KUNIT)
/* KUnit static stubs: the setup steps that can fail */
struct xhci_sideband *uob_qc_sb_register(struct usb_interface *intf);
int uob_qc_sb_create_interrupter(struct xhci_sideband *sb, int intr);
struct sg_table *uob_qc_sb_event_buffer(struct xhci_sideband *sb);
void uob_qc_sb_unregister(struct xhci_sideband *sb);
#endif

#endif /* _UOB_QC_DEVICE_H */
