// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: every way a stream ends.
 *
 * Every event that ends or disturbs a stream goes into one teardown,
 * uob_qc_teardown(): tell the DSP if asked (a DISCONNECT indication), then
 * end each stream in mainline's order (stream.c): the endpoint stopped and
 * dropped, then the mappings and the transfer buffer, then the interrupter
 * and the usage -- never waiting for the DSP: the indication is only
 * queued here, and sent by qmi_transport.c's thread, which drops it if the
 * DSP's QRTR window stays full (a remote DSP that stops reading would
 * otherwise hold this teardown, and the udev and ALSA locks above it, in
 * qrtr_tx_wait()).  A device's share kept idle after its last stream
 * (device.c) goes with the same events, at once.  The events: an unbind on
 * the USB bus (the bus notifier here: it comes before snd-usb-audio's
 * disconnect, on every path that runs it), the client going away, system
 * sleep and module unload (uob_qc_stop_streams()).
 *
 * Locking, one order on every path (the driver's lock order; each lock's
 * declaration names its place in it):
 *
 *   udev device lock (usbcore's; novalidate for lockdep)
 *     -> an ALSA card reference (snd_card_ref(), pcm.c)
 *       -> ALSA's own locks (pcm->open_mutex, ...)
 *         -> the driver's leaf mutexes, none held across a call:
 *            uob_watch.lock (here), uob_qc.lock (stream.c),
 *            uob_qc_devs_list.lock (device.c), uob_usage.lock (usage.c),
 *            uob_svc.lock (qmi_svc.c), uob_dsp.lock (dsp_mem.c)
 *
 * and, outside it, what must never wait for a udev lock:
 *   - a card reference: never held while waiting for a udev lock
 *     (snd-usb-audio's probe error path frees its card under that lock
 *     and waits for every reference): take the lock, then the card;
 *   - the PM notifier chain (its rwsem, held for reading around our
 *     notifier): the notifier takes no udev lock, the stop runs from a
 *     freezable work item (qc_audio_offload.c), since a driver may
 *     register a PM notifier under its udev lock;
 *   - the bus notifier chain (its rwsem, held for reading): on an unbind
 *     it runs under the udev lock the USB core holds and takes only leaf
 *     mutexes; on BUS_NOTIFY_DEL_DEVICE, and only for a device with parked
 *     streams or an idle share, it takes the deleted device's lock to
 *     release them
 *     (uob_qc_device_deleted() below says why that cannot deadlock, and
 *     how module unload keeps it so).
 *
 * The udev lock serialises everything that changes a device's streams:
 * requests and stop-session take it; the USB core holds it around the
 * disconnect and unbind paths, which therefore never take it and never
 * wait for a request handler (no 10 s stall).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/usb.h>
#include <linux/wait_bit.h>

#include "device.h"
#include "qmi_transport.h"
#include "response.h"
#include "stream.h"
#include "teardown.h"

static struct {
	struct mutex lock;		/* leaf (order: above): usb_bus */
	const struct bus_type *usb_bus;	/* nb registered on it */
	struct notifier_block nb;
	atomic_t deleting;		/* DEL_DEVICE handlers running */
} uob_watch = {
	.lock = __MUTEX_INITIALIZER(uob_watch.lock),
};

/*
 * mainline's DISCONNECT: dev_event, slot_id, controller_num; no token.
 * Queued behind what is queued for the DSP already (its enable response).
 */
static void uob_qc_send_disconnect(struct uob_qc_stream *s, struct usb_device *udev)
{
	struct uob_uaudio_ind ind = {
		.dev_event = UOB_UAUDIO_DEV_DISCONNECT,
		.slot_id = udev->slot_id,
		/* mainline: its last response's controller_num, 0 without an alias */
		.controller_num_valid = 1,
		.controller_num = max(uob_qc_controller_id(udev), 0),
	};
	int ret;

	ret = uob_qc_qmi_send_ind(&s->client, &ind);
	if (ret < 0 && ret != -ESHUTDOWN)
		dev_warn(&udev->dev, "disconnect indication not queued: %d\n", ret);
}

/**
 * uob_qc_teardown() - end the streams of a device
 * @udev: the device
 * @client: only that client's streams (NULL: all)
 * @tell: send the DSP a DISCONNECT indication first, as mainline does on
 *	disconnect and on suspend (its disable is then answered as mainline
 *	answers it, see uob_qc_ended_disable())
 * @why: for the log line
 *
 * The one teardown of everything a stream holds (docs/design.md "Every
 * way a stream ends").  For an event of the device (@client NULL), the
 * device's idle share goes too, after its streams.
 *
 * Context: the caller holds @udev's lock (the USB core does on its
 * disconnect and unbind paths).
 *
 * Return: the number of streams torn down.
 */
unsigned int uob_qc_teardown(struct usb_device *udev, const struct sockaddr_qrtr *client,
			     bool tell, const char *why)
	__must_hold(&udev->dev.mutex)
{
	struct uob_qc_stream *s;
	ktime_t t0 = ktime_get();
	unsigned int n = 0;

	device_lock_assert(&udev->dev);
	while ((s = uob_qc_find_match(udev, client))) {
		if (tell)
			uob_qc_send_disconnect(s, udev);
		uob_qc_stream_stop(s, tell);
		n++;
	}
	if (!client && uob_qc_dev_release_idle(udev, false))
		dev_dbg(&udev->dev, "%s: idle offload share given back\n", why);
	if (n) {
		atomic_add(n, &uob_qc_counters.teardowns);
		dev_info(&udev->dev, "%s: %u offloaded stream(s) torn down in %lld us\n",
			 why, n, ktime_us_delta(ktime_get(), t0));
	}
	return n;
}

/**
 * uob_qc_stop_streams() - end the streams of a client, or all
 * @client: the client (NULL: all; port 0: any port of its node)
 * @tell: send DISCONNECT indications
 * @why: for the log line
 *
 * For contexts that hold no udev lock: stop-session, system sleep, module
 * unload.  Takes each device's lock first, then tears down what is still
 * there.
 *
 * Context: process context; the caller holds no udev lock.
 */
void uob_qc_stop_streams(const struct sockaddr_qrtr *client, bool tell, const char *why)
{
	struct usb_device *udev;

	while ((udev = uob_qc_match_udev_get(client))) {
		usb_lock_device(udev);
		uob_qc_teardown(udev, client, tell, why);
		usb_unlock_device(udev);
		usb_put_dev(udev);
	}
}

/*
 * A USB device is deleted (unplug, controller removal): usb_disconnect()
 * has dropped its endpoints and released its lock; xhci-hcd frees its slot
 * next, and on controller removal every interrupter soon after.  Streams
 * parked on it are released now, before either (the release work may not
 * have had the lock yet); so is an idle share the unbinds did not end
 * (there should be none: every path here unbinds its interfaces first).
 * The driver core holds no lock of the device here; we take it as
 * usbcore's own paths do.
 *
 * Taking a udev lock inside the USB bus notifier chain: why it cannot
 * deadlock.  device_del() of a usb_device runs the chain (its rwsem held
 * for reading) from usb_disconnect(), with the device itself unlocked and
 * its ancestors locked (hub_wq, hub_disconnect_children(), the port's
 * "disable" attribute), or usb_bus_idr_lock held (usb_remove_hcd(): the
 * root hub), or the controller's PCI device lock (its removal); the
 * usb_new_device() error path deletes a device that never streamed, so
 * no lock is taken there.  Whoever holds the deleted device's lock while
 * we wait for it (a request of ours, usbfs, a sysfs attribute, the
 * release or idle work) must not wait for any of those:
 *   - an ancestor's udev lock: usbcore's order is parent before child,
 *     and no path takes a parent's lock under a child's;
 *   - usb_bus_idr_lock, the PCI device lock: taken before udev locks
 *     (usb_device_dump(), the PCI core), never under one;
 *   - the chain's rwsem: a reader under the device's lock (an unbind or
 *     device_add() on the USB bus) waits only if a writer is queued, and
 *     the USB bus chain has two writers: usbcore's registration at init
 *     (before any device) and ours, uob_qc_watch_bus() (with no udev
 *     lock held, before any stream exists on the bus, so before this can
 *     wait) and uob_qc_unwatch_bus() at module exit.
 * At module exit the writer is queued only when no handler can wait for a
 * udev lock: every parked stream and idle share is released first (and
 * nothing parks or lingers any more), then uob_qc_unwatch_bus() waits for
 * the handlers that are running (they may still wait for a lock whose
 * holder needs the rwsem, which no writer holds back yet); a handler that
 * starts after that finds nothing parked or idle and takes no lock.
 */
static int uob_qc_device_deleted(struct device *dev)
{
	struct usb_device *udev;

	atomic_inc(&uob_watch.deleting);
	/* counted before the parked list is read: see uob_qc_unwatch_bus() */
	smp_mb__after_atomic();
	/*
	 * the usb_device itself only: an interface is deleted (before its
	 * unbind) with the udev lock held by usbcore
	 */
	udev = uob_qc_parked_udev(dev) ?: uob_qc_dev_idle_udev(dev, false);
	if (udev) {
		usb_lock_device(udev);
		uob_qc_release_parked(udev, false);
		if (uob_qc_dev_release_idle(udev, false))
			dev_warn(&udev->dev, "idle offload share given back only at deletion\n");
		usb_unlock_device(udev);
	}
	if (atomic_dec_and_test(&uob_watch.deleting))
		wake_up_var(&uob_watch.deleting);
	return udev ? NOTIFY_OK : NOTIFY_DONE;
}

/*
 * The driver core tells a bus's notifiers BUS_NOTIFY_UNBIND_DRIVER before
 * any device of the bus loses its driver, on every path: sysfs unbind,
 * rmmod of the driver, usb_driver_release_interface() (forced unbind before
 * a reset, usbfs), configuration changes (authorized=0, unbind of the whole
 * device) and removal -- and in each the USB core holds the udev lock.
 * snd-usb-audio's disconnect returns early for the streaming interfaces it
 * claimed, so ALSA never hears of those; this does.  Streams of
 * a device are torn down when the device itself, or any interface bound to
 * its card's driver, is about to be unbound: before xhci-hcd drops the
 * endpoint (altsetting 0) or frees anything the DSP points at.
 *
 * It is also the only news of a card's end the driver needs (no
 * snd_pcm_notify(), see pcm.c): snd-usb-audio's disconnect runs only from
 * usb_unbind_interface() of the interface its card hangs on, i.e. after
 * this notifier saw that interface's BUS_NOTIFY_UNBIND_DRIVER, under the
 * same udev lock.  A card that goes without a stream of ours is looked
 * up afresh by the next request.
 *
 * A device with an idle share and no stream gives it back when it, or
 * any of its interfaces, is about to be unbound (whatever the driver: the
 * share is only a head start for the next enable).
 */
static int uob_qc_bus_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct device *dev = data;
	struct usb_device *udev;

	if (action == BUS_NOTIFY_DEL_DEVICE)
		return uob_qc_device_deleted(dev);
	if (action != BUS_NOTIFY_UNBIND_DRIVER)
		return NOTIFY_DONE;
	udev = uob_qc_stream_unbinding(dev) ?: uob_qc_dev_idle_udev(dev, true);
	if (!udev)
		return NOTIFY_DONE;

	uob_qc_teardown(udev, NULL, true,
			dev == &udev->dev ? "device unbind" : "interface unbind");
	return NOTIFY_OK;
}

/**
 * uob_qc_watch_bus() - see every unbind on the USB bus
 * @bus: the bus of a device about to stream (usb_bus_type is not exported)
 *
 * Registers the bus notifier once, before any stream exists on the bus.
 *
 * Context: process context; the caller holds no udev lock.
 *
 * Return: 0 or a negative error.
 */
int uob_qc_watch_bus(const struct bus_type *bus)
{
	int ret;

	guard(mutex)(&uob_watch.lock);
	if (uob_watch.usb_bus)
		return 0;
	uob_watch.nb.notifier_call = uob_qc_bus_notify;
	ret = bus_register_notifier(bus, &uob_watch.nb);
	if (ret) {
		pr_err("cannot watch the USB bus for unbinds: %d\n", ret);
		return ret;
	}
	uob_watch.usb_bus = bus;
	return 0;
}

/**
 * uob_qc_unwatch_bus() - stop watching the USB bus
 *
 * Waits for the BUS_NOTIFY_DEL_DEVICE handlers that are running before it
 * unregisters: they may wait for a udev lock, and a queued writer of the
 * chain's rwsem would hold back a reader under that lock (see
 * uob_qc_device_deleted()).
 *
 * Context: module exit, after every stream is stopped and every parked one
 * and idle share released (uob_qc_release_all_parked(), uob_qc_dev_exit()).
 */
void uob_qc_unwatch_bus(void)
{
	if (!uob_watch.usb_bus)
		return;
	wait_var_event(&uob_watch.deleting, !atomic_read(&uob_watch.deleting));
	bus_unregister_notifier(uob_watch.usb_bus, &uob_watch.nb);
}
