// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite usb_offload_mainline, built only on kernels whose usbcore has
 * its own usb_offload_get()/put() under udev->offload_lock (v7.0,
 * bd3d245b0fef): the race of those against ours on one device is in
 * offload_kunit.c (uob_kunit_mainline_race()); this file reaches mainline's
 * functions by their real names, so it must not include <uob/usb_offload.h>,
 * which maps those names to ours.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/spinlock.h>
#include <linux/usb.h>

#include "offload_internal.h"

static int uob_kunit_mainline_get(struct usb_device *udev)
{
	return usb_offload_get(udev);
}

static int uob_kunit_mainline_put(struct usb_device *udev)
{
	return usb_offload_put(udev);
}

static bool uob_kunit_mainline_hold_and_add(struct usb_device *udev, int delta,
					    struct completion *locked,
					    atomic_t *ready)
{
	ktime_t end = ktime_add_ms(ktime_get(), 5000);
	bool seen = !ready;

	spin_lock(&udev->offload_lock);
	if (locked)
		complete(locked);
	while (!seen && ktime_before(ktime_get(), end)) {
		cpu_relax();
		seen = atomic_read(ready);
	}
	if (ready && seen)
		mdelay(200);
	/* what mainline's usb_offload_get/put do inside the lock */
	udev->offload_usage += delta;
	spin_unlock(&udev->offload_lock);
	return seen;
}

static const struct uob_kunit_offload_ops uob_kunit_mainline_ops = {
	.get = uob_kunit_mainline_get,
	.put = uob_kunit_mainline_put,
	.hold_and_add = uob_kunit_mainline_hold_and_add,
};

static void uob_mainline_race_exact(struct kunit *test)
{
	/* without it, usb.h's stubs return 0 and count nothing */
	if (!IS_ENABLED(CONFIG_USB_XHCI_SIDEBAND))
		kunit_skip(test, "usbcore built without CONFIG_USB_XHCI_SIDEBAND");
	uob_kunit_mainline_race(test, &uob_kunit_mainline_ops);
}

static void uob_mainline_interleave_exact(struct kunit *test)
{
	uob_kunit_mainline_interleave(test, &uob_kunit_mainline_ops);
}

static struct kunit_case uob_mainline_cases[] = {
	KUNIT_CASE(uob_mainline_interleave_exact),
	KUNIT_CASE_SLOW(uob_mainline_race_exact),
	{}
};

static struct kunit_suite uob_mainline_suite = {
	.name = "usb_offload_mainline",
	.test_cases = uob_mainline_cases,
};

kunit_test_suite(uob_mainline_suite);
