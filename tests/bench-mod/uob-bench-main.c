// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: the cost of usb_offload_get()+put() on a real USB device of
 * the stock kernel, next to what the seed itself had to do and the floors
 * below that.  Loaded in the bench guest (tests/guest/bench-init.sh); runs
 * at load, prints one line per round, and stays loaded until rmmod.
 *
 * Every variant runs @pairs "get+put"-like pairs on the device named @dev
 * with its device lock held for the whole round (as a class driver holds
 * it), one after the other; the order rotates each round, so drift and
 * warm-up fall on every variant alike.  Variants (per pair):
 *
 *   counter   a counter incremented and decremented (the bare floor)
 *   noresume  + pm_runtime_get_noresume()/put_noidle() around each change
 *   mutex     a mutex around each change (the floor make bench used to use)
 *   seed      the seed's own work: autoresume, counter, autosuspend
 *             (pm_runtime_resume_and_get, usb_mark_last_busy,
 *             pm_runtime_put_sync_autosuspend: usbcore's helpers, inlined)
 *   mainline  mainline v7.0's sequence: usb_get_dev,
 *             pm_runtime_get_if_active, spinlock + pm-locked check +
 *             counter, pm_runtime_put_autosuspend, usb_put_dev
 *   ours      usb_offload_get() + usb_offload_put(), usage 0 -> 1 -> 0
 *   held      the same with the usage held at 1 by an outer get
 *   intree    usbcore's own usb_offload_get() + usb_offload_put() (7.0+,
 *             offload_lock; intree.c): the kernel's, called as a driver
 *             calls them.  Only on kernels that have them (make bench's
 *             7.2 guest); elsewhere the variant is not run nor printed.
 */
#define pr_fmt(fmt) "uob-bench: " fmt

#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pm_runtime.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/usb.h>

#include <uob/usb_offload.h>
#include <uob_compat.h>

#include "uob-bench.h"

static char *dev = "1-1";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "USB device to measure on (bus-port name)");
static int pairs = 20000;
module_param(pairs, int, 0444);
MODULE_PARM_DESC(pairs, "get+put pairs per variant and round");
static int rounds = 11;
module_param(rounds, int, 0444);
MODULE_PARM_DESC(rounds, "interleaved rounds");

enum { V_COUNTER, V_NORESUME, V_MUTEX, V_SEED, V_MAINLINE, V_OURS, V_HELD, V_INTREE, V_NR };
static const char * const uob_bench_names[V_NR] = {
	"counter", "noresume", "mutex", "seed", "mainline", "ours", "held", "intree",
};

static int uob_bench_counter;
static DEFINE_MUTEX(uob_bench_mutex);
static DEFINE_SPINLOCK(uob_bench_spin);
static bool uob_bench_pm_locked;
static int uob_bench_errors;

static void uob_bench_seed_one(struct usb_device *udev, int delta)
{
	if (pm_runtime_resume_and_get(&udev->dev) < 0) {
		uob_bench_errors++;
		return;
	}
	WRITE_ONCE(uob_bench_counter, uob_bench_counter + delta);
	usb_mark_last_busy(udev);
	pm_runtime_put_sync_autosuspend(&udev->dev);
}

static void uob_bench_mainline_one(struct usb_device *udev, int delta)
{
	udev = usb_get_dev(udev);
	if (pm_runtime_get_if_active(&udev->dev) != 1) {
		uob_bench_errors++;
		goto out;
	}
	spin_lock(&uob_bench_spin);
	if (uob_bench_pm_locked)
		uob_bench_errors++;
	else
		uob_bench_counter += delta;
	spin_unlock(&uob_bench_spin);
	pm_runtime_put_autosuspend(&udev->dev);
out:
	usb_put_dev(udev);
}

static u64 uob_bench_variant(struct usb_device *udev, int v)
{
	u64 t0 = ktime_get_ns();
	int i;

	for (i = 0; i < pairs; i++) {
		switch (v) {
		case V_COUNTER:
			WRITE_ONCE(uob_bench_counter, uob_bench_counter + 1);
			WRITE_ONCE(uob_bench_counter, uob_bench_counter - 1);
			break;
		case V_NORESUME:
			pm_runtime_get_noresume(&udev->dev);
			WRITE_ONCE(uob_bench_counter, uob_bench_counter + 1);
			pm_runtime_put_noidle(&udev->dev);
			pm_runtime_get_noresume(&udev->dev);
			WRITE_ONCE(uob_bench_counter, uob_bench_counter - 1);
			pm_runtime_put_noidle(&udev->dev);
			break;
		case V_MUTEX:
			mutex_lock(&uob_bench_mutex);
			uob_bench_counter++;
			mutex_unlock(&uob_bench_mutex);
			mutex_lock(&uob_bench_mutex);
			uob_bench_counter--;
			mutex_unlock(&uob_bench_mutex);
			break;
		case V_SEED:
			uob_bench_seed_one(udev, 1);
			uob_bench_seed_one(udev, -1);
			break;
		case V_MAINLINE:
			uob_bench_mainline_one(udev, 1);
			uob_bench_mainline_one(udev, -1);
			break;
		case V_OURS:
		case V_HELD:
			uob_bench_errors += !!usb_offload_get(udev);
			uob_bench_errors += !!usb_offload_put(udev);
			break;
		case V_INTREE:
			uob_bench_errors += !!uob_bench_intree_get(udev);
			uob_bench_errors += !!uob_bench_intree_put(udev);
			break;
		}
	}
	return ktime_get_ns() - t0;
}

static int uob_bench_match(struct usb_device *udev, void *data)
{
	struct usb_device **found = data;

	if (strcmp(dev_name(&udev->dev), dev))
		return 0;
	*found = usb_get_dev(udev);
	return 1;
}

static void uob_bench_round(struct usb_device *udev, int r)
{
	char line[256];
	int k, v, n = 0;
	u64 ns[V_NR];

	/* awake at the start (power/control=auto may have suspended it) */
	pm_runtime_resume(&udev->dev);
	for (k = 0; k < V_NR; k++) {
		v = (r + k) % V_NR;
		ns[v] = 0;
		if (v == V_INTREE && !uob_bench_have_intree)
			continue;
		if (v == V_HELD && usb_offload_get(udev)) {
			uob_bench_errors++;
			ns[v] = 0;
			continue;
		}
		ns[v] = uob_bench_variant(udev, v);
		if (v == V_HELD)
			uob_bench_errors += !!usb_offload_put(udev);
	}
	for (v = 0; v < V_NR; v++)
		if (v != V_INTREE || uob_bench_have_intree)
			n += scnprintf(line + n, sizeof(line) - n, " %s=%llu",
				       uob_bench_names[v], ns[v]);
	pr_info("round %d control=%s pairs=%d ns:%s\n", r,
		udev->dev.power.runtime_auto ? "auto" : "on", pairs, line);
}

static int __init uob_bench_init(void)
{
	struct usb_device *udev = NULL;
	int r, usage;

	if (pairs < 1 || rounds < 1)
		return -EINVAL;
	usb_for_each_dev(&udev, uob_bench_match);
	if (!udev) {
		pr_err("no USB device %s\n", dev);
		return -ENODEV;
	}

	usb_lock_device(udev);
	for (r = 0; r < rounds; r++)
		uob_bench_round(udev, r);
	usage = usb_offload_usage(udev);
	usb_unlock_device(udev);

	pr_info("done: %d rounds, errors=%d counter=%d usage=%d\n", rounds,
		uob_bench_errors, uob_bench_counter, usage);
	usb_put_dev(udev);
	return 0;
}

static void __exit uob_bench_exit(void)
{
}

module_init(uob_bench_init);
module_exit(uob_bench_exit);

MODULE_DESCRIPTION("make bench: usb_offload_get/put against the seed's work and floors");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(UOB_SYMBOL_NAMESPACE);
