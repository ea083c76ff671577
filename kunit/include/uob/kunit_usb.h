/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport: helpers shared by the KUnit suites.  Test-only: this
 * directory is on the include path only when a suite is built
 * (compat/Kbuild.common).
 *
 * The suites run on QEMU's qemu-xhci with two usb-audio devices: one on
 * root port 1, one behind a usb-hub on root port 2 (see kunit/qemu-args).
 * Enumeration is asynchronous (hub_wq), so lookups wait, bounded.
 */
#ifndef _UOB_KUNIT_USB_H
#define _UOB_KUNIT_USB_H

#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/string.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>
#include <uob/usb_offload.h>

/* Kernel-log markers read by scripts/check-kunit-log.py. */
#define UOB_KUNIT_EXPECT_SPLAT_BEGIN(test, why) \
	kunit_info(test, "uob-kunit: expect-splat begin: %s\n", why)
#define UOB_KUNIT_EXPECT_SPLAT_END(test) \
	kunit_info(test, "uob-kunit: expect-splat end\n")

#define UOB_KUNIT_ENUM_TIMEOUT_MS	60000

enum uob_kunit_where {
	UOB_KUNIT_ROOT_PORT,	/* audio device directly on a root hub port */
	UOB_KUNIT_BEHIND_HUB,	/* audio device behind an external hub */
	UOB_KUNIT_EXT_HUB,	/* the external hub itself */
};

struct uob_kunit_match {
	enum uob_kunit_where where;
	struct usb_device *found;
};

static inline bool uob_kunit_is_audio(struct usb_device *udev)
{
	struct usb_host_config *cfg = udev->actconfig;
	int i;

	if (!cfg || udev->state != USB_STATE_CONFIGURED)
		return false;
	for (i = 0; i < cfg->desc.bNumInterfaces; i++)
		if (cfg->intf_cache[i]->altsetting[0].desc.bInterfaceClass ==
		    USB_CLASS_AUDIO)
			return true;
	return false;
}

static inline int uob_kunit_match_one(struct usb_device *udev, void *data)
{
	struct uob_kunit_match *m = data;
	bool root_child = udev->parent && !udev->parent->parent;

	if (m->found)
		return 0;
	switch (m->where) {
	case UOB_KUNIT_ROOT_PORT:
		if (root_child && uob_kunit_is_audio(udev))
			m->found = usb_get_dev(udev);
		break;
	case UOB_KUNIT_BEHIND_HUB:
		if (udev->parent && !root_child && uob_kunit_is_audio(udev))
			m->found = usb_get_dev(udev);
		break;
	case UOB_KUNIT_EXT_HUB:
		if (root_child && udev->maxchild &&
		    udev->state == USB_STATE_CONFIGURED)
			m->found = usb_get_dev(udev);
		break;
	}
	return 0;
}

static inline int uob_kunit_match_xhci(struct usb_device *udev, void *data)
{
	const char *desc = bus_to_hcd(udev->bus)->driver->description;

	if (!udev->parent && desc && !strcmp(desc, "xhci-hcd"))
		*(bool *)data = true;
	return 0;
}

/**
 * uob_kunit_get_usb() - find one of the rig's USB devices, waiting for it
 * @test: the running test; skipped, with the reason, when the rig is absent
 * @where: which device
 *
 * Without an xHCI controller the case is skipped at once.  With one, the
 * device gets UOB_KUNIT_ENUM_TIMEOUT_MS to enumerate (hub_wq is
 * asynchronous, and slow under TCG); once a device has not shown up, later
 * cases are skipped at once.  The kernel log says "uob-kunit: rig-absent"
 * once, for scripts/check-kunit-log.py: a CI run without the rig fails.
 *
 * Return: the device with a reference held (drop it with usb_put_dev()).
 */
static inline struct usb_device *uob_kunit_get_usb(struct kunit *test,
						   enum uob_kunit_where where)
{
	static const char * const what[] = {
		[UOB_KUNIT_ROOT_PORT] = "USB audio device on an xHCI root port",
		[UOB_KUNIT_BEHIND_HUB] = "USB audio device behind a hub",
		[UOB_KUNIT_EXT_HUB] = "USB hub on an xHCI root port",
	};
	unsigned long end = jiffies + msecs_to_jiffies(UOB_KUNIT_ENUM_TIMEOUT_MS);
	struct uob_kunit_match m = { .where = where };
	bool xhci = false;

	/* once the rig has not shown up, later cases are skipped at once */
	static bool absent;

	/* xHCI probes synchronously: by the time suites run it is there */
	usb_for_each_dev(&xhci, uob_kunit_match_xhci);
	if (!xhci) {
		if (!absent)
			kunit_err(test, "uob-kunit: rig-absent: no xHCI controller\n");
		absent = true;
		kunit_skip(test, "no xHCI controller (the board of kunit/qemu-args)");
	}

	for (;;) {
		usb_for_each_dev(&m, uob_kunit_match_one);
		if (m.found || absent || time_after(jiffies, end))
			break;
		msleep(100);
	}
	if (!m.found) {
		if (!absent)
			kunit_err(test, "uob-kunit: rig-absent: no %s after %d ms\n",
				  what[where], UOB_KUNIT_ENUM_TIMEOUT_MS);
		absent = true;
		kunit_skip(test, "no %s (the board of kunit/qemu-args)", what[where]);
	}
	return m.found;
}

/* @udev's offload usage, read under its device lock (the API's rule). */
static inline int uob_kunit_offload_usage(struct usb_device *udev)
{
	int usage;

	usb_lock_device(udev);
	usage = usb_offload_usage(udev);
	usb_unlock_device(udev);
	return usage;
}

#endif /* _UOB_KUNIT_USB_H */
