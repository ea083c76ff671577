/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: transfer buffers kept until their controller is gone
 * (kept.c).
 */
#ifndef _UOB_QC_KEPT_H
#define _UOB_QC_KEPT_H

#include <linux/device.h>
#include <linux/notifier.h>
#include <linux/usb.h>

int uob_qc_kept_watch(struct usb_device *udev);
void uob_qc_keep_until_unbound(struct usb_device *udev, struct device *dev, void *buf,
			       dma_addr_t dma, size_t size);
int uob_qc_kept_count(int *total);
void uob_qc_kept_exit(void);

#if IS_ENABLED(CONFIG_KUNIT)
int uob_qc_kept_notify(struct notifier_block *nb, unsigned long action, void *data);
void uob_qc_kept_add(struct device *controller, struct device *dev, void *buf,
		     dma_addr_t dma, size_t size);
#endif

#endif /* _UOB_QC_KEPT_H */
