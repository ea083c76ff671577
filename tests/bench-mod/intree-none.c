// SPDX-License-Identifier: GPL-2.0
/*
 * make bench on kernels whose usbcore has no usb_offload_get()/put() of
 * its own under offload_lock (before v7.0): the "intree" variant is not run.
 */
#include <linux/errno.h>

#include "uob-bench.h"

const bool uob_bench_have_intree;

int uob_bench_intree_get(struct usb_device *udev)
{
	return -EOPNOTSUPP;
}

int uob_bench_intree_put(struct usb_device *udev)
{
	return -EOPNOTSUPP;
}
