/* SPDX-License-Identifier: GPL-2.0 */
/* usb-offload: module-internal interfaces shared with the KUnit suite. */
#ifndef _UOB_OFFLOAD_INTERNAL_H
#define _UOB_OFFLOAD_INTERNAL_H

struct kunit;
struct usb_device;

int uob_offload_lock_violations(void);

/* KUnit: a get/put pair other than ours (mainline's, 7.0+). */
struct uob_kunit_offload_ops {
	int (*get)(struct usb_device *udev);
	int (*put)(struct usb_device *udev);
};

/*
 * KUnit (offload_kunit.c): race @mainline's get/put (no device lock) against
 * ours on one device; the count must end exact.  Run by the suite
 * usb_offload_mainline (offload_kunit_mainline.c, 7.0+ only).
 */
void uob_kunit_mainline_race(struct kunit *test,
			     const struct uob_kunit_offload_ops *mainline);

#endif /* _UOB_OFFLOAD_INTERNAL_H */
