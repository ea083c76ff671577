/* SPDX-License-Identifier: GPL-2.0 */
/*
 * make bench's get/put module: usbcore's own usb_offload_get()/put(),
 * reached from a file that does not include <uob/usb_offload.h> (which
 * maps those names to ours).  intree.c on kernels that have them (7.0+:
 * offload_lock), intree-none.c elsewhere; Kbuild chooses from the compile
 * probes.  Context as usbcore documents them (process context; they take
 * no device lock).
 */
#ifndef _UOB_BENCH_H
#define _UOB_BENCH_H

#include <linux/types.h>

struct usb_device;

extern const bool uob_bench_have_intree;
int uob_bench_intree_get(struct usb_device *udev);
int uob_bench_intree_put(struct usb_device *udev);

#endif /* _UOB_BENCH_H */
