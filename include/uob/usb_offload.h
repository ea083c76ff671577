/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport: USB offload usage tracking (seed patch 1 contract).
 *
 * Lock rule for every function below: the caller holds @udev's device lock
 * (usb_lock_device()/device_lock()); the functions assert it and never take
 * it themselves, so they are safe to call from a USB interface driver's
 * disconnect path, which the USB core runs with that lock already held.
 */
#ifndef _UOB_USB_OFFLOAD_H
#define _UOB_USB_OFFLOAD_H

#include <linux/usb.h>
#include <uob/backport.h>

/* Same names as upstream; different symbols (see UOB_BACKPORT()). */
#define usb_offload_get		UOB_BACKPORT(usb_offload_get)
#define usb_offload_put		UOB_BACKPORT(usb_offload_put)
#define usb_offload_check	UOB_BACKPORT(usb_offload_check)
#define usb_offload_usage	UOB_BACKPORT(usb_offload_usage)
#define usb_offload_debugfs_root UOB_BACKPORT(usb_offload_debugfs_root)

int usb_offload_get(struct usb_device *udev);
int usb_offload_put(struct usb_device *udev);
bool usb_offload_check(struct usb_device *udev);
int usb_offload_usage(struct usb_device *udev);
struct dentry *usb_offload_debugfs_root(void);

#endif /* _UOB_USB_OFFLOAD_H */
