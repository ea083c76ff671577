/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: every way a stream ends (teardown.c).
 */
#ifndef _UOB_QC_TEARDOWN_H
#define _UOB_QC_TEARDOWN_H

#include <linux/device/bus.h>
#include <linux/qrtr.h>
#include <linux/types.h>

struct usb_device;

unsigned int uob_qc_teardown(struct usb_device *udev, const struct sockaddr_qrtr *client,
			     bool tell, const char *why);
void uob_qc_stop_streams(const struct sockaddr_qrtr *client, bool tell, const char *why);
int uob_qc_watch_bus(const struct bus_type *bus);
void uob_qc_unwatch_bus(void);

#endif /* _UOB_QC_TEARDOWN_H */
