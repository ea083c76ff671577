/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the offload usage reference a device's streams hold
 * (usage.c), and the puts usb-offload refuses for a while.  Calls
 * usb-offload only.
 */
#ifndef _UOB_QC_USAGE_H
#define _UOB_QC_USAGE_H

#include <linux/atomic.h>
#include <linux/types.h>

struct usb_device;
struct uob_qc_pending_put;

/* refused puts waiting for a retry (debugfs, KUnit) */
extern atomic_t uob_qc_pending_puts;

struct uob_qc_pending_put *uob_qc_usage_alloc(void);
void uob_qc_usage_free(struct uob_qc_pending_put *p);
void uob_qc_usage_put(struct usb_device *udev, struct uob_qc_pending_put **pending);
void uob_qc_usage_sleep(bool sleeping);
void uob_qc_usage_exit(void);

#endif /* _UOB_QC_USAGE_H */
