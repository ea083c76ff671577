// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the Qualcomm QMI "UAUDIO stream" service.
 *
 * The audio DSP asks over QMI (service 0x41D) for a USB audio stream; this
 * driver makes snd-usb-audio pick the altsetting and rate, hands the
 * endpoint's transfer ring, a secondary interrupter's event ring and a
 * transfer buffer to the DSP through the xHCI sideband, and takes the
 * device's offload usage reference itself (seed patch 2).
 *
 * 6.12 has no snd-usb-audio offload hooks, soc-usb or q6usb, so the driver
 * uses public interfaces only (pcm.c).  The files, from the top:
 *   qc_audio_offload.c  module init/exit, system sleep, debugfs
 *   qmi_svc.c           the service: clients, request checks, answers
 *   teardown.c          every way a stream ends, the USB bus notifier
 *   stream.c            a stream's setup, response and release
 *   device.c            a USB device's sideband, usage, interrupter
 *   usage.c             offload usage puts, retried when refused
 *   response.c          what the response says of the USB device
 *   pcm.c               the ALSA side (the seam for 6.16+ platform ops)
 *   dsp_mem.c           memory as the DSP sees it (IOMMU)
 *   qmi_transport.c     the QMI handle: responses, indications
 *   qmi_parse.c         the request parser and the QMI counters
 *   usb_audio_qmi_v01.c the message element tables (mainline's name)
 * Each calls only files below it.
 *
 * Locking, one order on every path:
 *   udev device lock -> card reference -> (ALSA's own locks) -> the files'
 *   leaf mutexes
 * (see teardown.c).  No leaf mutex is held across a call into another file;
 * no card reference and no PM notifier waits for a udev lock.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/seq_file.h>
#include <linux/suspend.h>
#include <linux/workqueue.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <uob/usb_offload.h>
#include <uob_compat.h>

#include "device.h"
#include "dsp_mem.h"
#include "kept.h"
#include "qc_audio_offload.h"
#include "qmi_parse.h"
#include "qmi_svc.h"
#include "qmi_transport.h"
#include "stream.h"
#include "teardown.h"
#include "usage.h"

/*
 * PM notifier priority: above usb-offload's (0), so that new streams are
 * refused before usb-offload marks the devices at-suspend.  A notifier
 * chain is walked in the same order for every event, so at PM_POST_* ours
 * runs first too, while usb-offload's marks are still set.
 */
#define UOB_QC_PM_PRIORITY	10

static struct dentry *uob_qc_debugfs;

/*
 * System sleep stops every stream from a work item on a freezable
 * workqueue, never from the PM notifier itself.
 *
 * The notifier runs with the PM chain's rwsem held for reading.  A driver
 * that registers a PM notifier while holding its own udev lock (btusb,
 * through hci_register_dev() from its probe, on a combined audio + BT
 * device) waits for that rwsem for writing; a notifier that waited for the
 * same udev lock would never return: a deadlock lockdep cannot see (device
 * mutexes are novalidate).  Nor may the notifier wait for a DSP that stops
 * reading (QRTR flow control), which the DISCONNECT indication can.  So
 * the notifier only refuses new streams and queues this work.
 *
 * What orders the stop before any device suspends is the freezer: between
 * the PREPARE notifiers and the first device callback, suspend and
 * hibernation freeze kernel threads (suspend_freeze_processes(),
 * hibernation_snapshot()), and freeze_kernel_threads() waits until every
 * freezable workqueue has no active work (freeze_workqueues_busy()).  The
 * work is queued, hence active, before that freeze begins, so devices
 * suspend only after it ran.  If it cannot finish (a udev lock held for
 * longer than the freeze timeout, 20 s by default), the freeze fails and
 * the sleep is aborted -- bounded, and nothing suspends with a stream.
 *
 * Against xhci-hcd's reinit on resume, which frees every interrupter: no
 * stream lives across a sleep that happened (they are all stopped before
 * the devices suspend, and none is enabled until PM_POST_*), nor any idle
 * share (given back by the same work; none lingers from PREPARE on), so
 * nothing of ours points at a freed interrupter.  A sleep that is aborted keeps no
 * stale work: the work stops nothing once the sleep is over.
 *
 * The usage puts of these stops come after usb-offload marked the devices
 * at-suspend (its notifier ran): they are refused and kept, and put after
 * resume (usage.c), never lost.
 *
 * Limit: a kernel built with CONFIG_SUSPEND_FREEZER=n (EXPERT only; Debian
 * and GKI have it) does not freeze for suspend-to-RAM, so nothing orders
 * this work before the devices suspend there.
 */
static struct workqueue_struct *uob_qc_sleep_wq;

/*
 * The stop itself: nothing once the sleep is over (an aborted one).  The
 * idle shares go too: no interrupter of ours may outlive the sleep.
 */
VISIBLE_IF_KUNIT void uob_qc_sleep_stop(void)
{
	if (uob_qc_sleeping()) {
		uob_qc_stop_streams(NULL, true, "system sleep");
		uob_qc_dev_release_all_idle();
	}
}

static void uob_qc_sleep_work_fn(struct work_struct *work)
{
	uob_qc_sleep_stop();
}

static DECLARE_WORK(uob_qc_sleep_work, uob_qc_sleep_work_fn);

/*
 * A KUnit static stub: the suite can run the stop in its own thread, where
 * its other stubs act (nothing without CONFIG_KUNIT).
 */
VISIBLE_IF_KUNIT void uob_qc_sleep_queue(void)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sleep_queue);
	queue_work(uob_qc_sleep_wq, &uob_qc_sleep_work);
}

/**
 * uob_qc_pm_event() - system sleep (S3, s2idle, hibernation)
 * @action: the PM notifier event
 *
 * As mainline's driver does from snd-usb-audio's suspend, tell the DSP and
 * stop every stream, before any device suspends: from the freezable work
 * queued here (see above).  New streams are refused from PREPARE until
 * the resume is done; then refused puts are retried.
 *
 * Context: process context (the PM notifier chain, or a KUnit case).
 * Takes no udev lock and waits for nothing but the driver's leaf mutexes.
 */
void uob_qc_pm_event(unsigned long action)
{
	switch (action) {
	case PM_SUSPEND_PREPARE:
	case PM_HIBERNATION_PREPARE:
	case PM_RESTORE_PREPARE:
		uob_qc_set_sleeping(true);
		uob_qc_usage_sleep(true);
		uob_qc_sleep_queue();
		break;
	case PM_POST_SUSPEND:
	case PM_POST_HIBERNATION:
	case PM_POST_RESTORE:
		uob_qc_set_sleeping(false);
		/*
		 * Runs before usb-offload's own POST handler (lower priority),
		 * which clears its at-suspend marks: the refused puts are only
		 * scheduled here (a delayed work), and one refused again is
		 * queued for the next round, so the order does not matter.
		 */
		uob_qc_usage_sleep(false);
		break;
	}
}

/**
 * uob_qc_pm_sync() - wait for the stop that system sleep queued
 *
 * What the freezer waits for before devices suspend; for the KUnit cases
 * and module exit.
 *
 * Context: process context; holds no udev lock (the work takes them).
 */
void uob_qc_pm_sync(void)
{
	flush_work(&uob_qc_sleep_work);
}

static int uob_qc_pm_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	uob_qc_pm_event(action);
	return NOTIFY_DONE;
}

static struct notifier_block uob_qc_pm_nb = {
	.notifier_call = uob_qc_pm_notify,
	.priority = UOB_QC_PM_PRIORITY,
};

static int uob_qc_show(struct seq_file *m, void *unused)
{
	int kept_total, kept = uob_qc_kept_count(&kept_total);

	uob_qc_svc_show(m);
	uob_qc_dev_show(m);
	uob_qc_stream_show(m);
	uob_qc_dsp_show(m);
	seq_printf(m, "counters: streams=%d devs=%d mappings=%u xfer_bufs=%d indications=%d pending_puts=%d teardowns=%d sleeping=%d kept_bufs=%d kept_since_load=%d\n",
		   atomic_read(&uob_qc_counters.streams), atomic_read(&uob_qc_devs),
		   uob_qc_dsp_in_use(), atomic_read(&uob_qc_counters.xfer_bufs),
		   atomic_read(&uob_qc_indications), atomic_read(&uob_qc_pending_puts),
		   atomic_read(&uob_qc_counters.teardowns), uob_qc_sleeping(),
		   kept, kept_total);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(uob_qc);

static int __init uob_qc_init(void)
{
	struct dentry *dir;
	int ret;

	uob_qc_sleep_wq = alloc_workqueue("uob_qc_sleep", WQ_FREEZABLE | WQ_UNBOUND, 0);
	if (!uob_qc_sleep_wq)
		return -ENOMEM;
	ret = register_pm_notifier(&uob_qc_pm_nb);
	if (ret)
		goto destroy_wq;
	ret = uob_qc_qmi_start(&uob_qc_svc_ops);
	if (ret)
		goto unregister_pm;

	dir = debugfs_create_dir("qc-audio-offload", usb_offload_debugfs_root());
	debugfs_create_file("state", 0444, dir, NULL, &uob_qc_fops);
	uob_qmi_debugfs(dir);
	uob_qc_debugfs = dir;
	return 0;

unregister_pm:
	unregister_pm_notifier(&uob_qc_pm_nb);
destroy_wq:
	destroy_workqueue(uob_qc_sleep_wq);
	return ret;
}

/**
 * uob_qc_shutdown() - stop serving, and tell the DSP
 *
 * What module exit does before it gives anything else back: no new stream
 * from here on (an enable is refused at its commit point, as during system
 * sleep); every stream is stopped with a DISCONNECT indication to its
 * client while the QMI handle is still up, as on any other teardown; then
 * the handle is released, which waits for a request being handled (an
 * enable among them is refused) and sends nothing more.  No share is
 * kept idle from here on, and those idle are given back.
 *
 * Context: process context; takes udev locks, so the caller holds none.
 * The PM notifier must not run it concurrently (exit unregisters it first).
 */
VISIBLE_IF_KUNIT void uob_qc_shutdown(void)
{
	uob_qc_set_sleeping(true);
	uob_qc_stop_streams(NULL, true, "module unload");
	uob_qc_dev_release_all_idle();
	uob_qc_qmi_stop();
	/* no disable can come any more: the DSP's next client is new */
	uob_qc_ended_forget(NULL);
}

static void __exit uob_qc_exit(void)
{
	debugfs_remove_recursive(uob_qc_debugfs);
	/* no PM_POST_* may clear the "no new stream" flag from here on */
	unregister_pm_notifier(&uob_qc_pm_nb);
	destroy_workqueue(uob_qc_sleep_wq);	/* runs what system sleep queued */
	uob_qc_shutdown();
	/*
	 * Nothing parked before the bus notifier goes: its DEL_DEVICE handler
	 * then takes no udev lock once it is being unregistered (teardown.c).
	 */
	uob_qc_release_all_parked();
	uob_qc_dev_exit();
	uob_qc_unwatch_bus();
	/* a controller still being removed frees its streams' buffers */
	uob_qc_kept_exit();
	uob_qc_usage_exit();
	uob_qc_dsp_exit();
}

/* after QRTR (net/) and snd-usb-audio (sound/) when built in */
late_initcall(uob_qc_init);
module_exit(uob_qc_exit);

MODULE_DESCRIPTION("Qualcomm USB audio offload QMI service, taking the offload usage itself (backport)");
MODULE_AUTHOR("usb-offload-backport developers");
MODULE_LICENSE("GPL");
MODULE_VERSION(UOB_VERSION);
MODULE_IMPORT_NS(UOB_SYMBOL_NAMESPACE);
