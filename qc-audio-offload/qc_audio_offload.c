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
 * Each calls only files below it (pcm.c's disconnect news goes to the
 * function given at init).
 *
 * Locking, one order on every path:
 *   udev device lock -> (ALSA's own locks) -> the files' leaf mutexes
 * (see teardown.c).  No leaf mutex is held across a call into another file.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/seq_file.h>
#include <linux/suspend.h>

#include <uob/usb_offload.h>
#include <uob_compat.h>

#include "device.h"
#include "dsp_mem.h"
#include "pcm.h"
#include "qc_audio_offload.h"
#include "qmi_parse.h"
#include "qmi_svc.h"
#include "qmi_transport.h"
#include "stream.h"
#include "teardown.h"
#include "usage.h"

/*
 * PM notifier priority: above usb-offload's (0), so that at PREPARE every
 * stream is stopped and its usage put before usb-offload marks the devices
 * at-suspend (a put in that window is refused with -EBUSY).
 */
#define UOB_QC_PM_PRIORITY	10

static struct dentry *uob_qc_debugfs;

/**
 * uob_qc_pm_event() - system sleep (S3, s2idle, hibernation)
 * @action: the PM notifier event
 *
 * As mainline's driver does from snd-usb-audio's suspend, tell the DSP and
 * stop every stream -- here before any device suspends, and before
 * usb-offload's at-suspend window (our notifier runs first), so every usage
 * put succeeds.  Nothing of a stream is kept across the resume, which may
 * reinitialise the controller and free every interrupter.  New streams are
 * refused until the resume is done; then refused puts are retried.
 *
 * Context: process context (the PM notifier chain, or a KUnit case); takes
 * udev locks, so the caller holds none.
 */
void uob_qc_pm_event(unsigned long action)
{
	switch (action) {
	case PM_SUSPEND_PREPARE:
	case PM_HIBERNATION_PREPARE:
	case PM_RESTORE_PREPARE:
		uob_qc_set_sleeping(true);
		uob_qc_usage_sleep(true);
		uob_qc_stop_streams(NULL, true, "system sleep");
		break;
	case PM_POST_SUSPEND:
	case PM_POST_HIBERNATION:
	case PM_POST_RESTORE:
		uob_qc_set_sleeping(false);
		/* after usb-offload's own POST handler (lower priority) has run */
		uob_qc_usage_sleep(false);
		break;
	}
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

/*
 * snd-usb-audio's disconnect (unplug, reset, forced unbind, usbfs release),
 * with the udev lock held by the USB core.  Usually the bus notifier has
 * torn the streams down already (it runs before the driver's disconnect);
 * what is left goes here, the same way: no lock of ours beyond the leaf
 * ones, no waiting for the DSP.
 */
static void uob_qc_pcm_disconnect(struct snd_pcm *pcm, struct usb_device *udev)
{
	uob_qc_teardown(udev, pcm, NULL, true, "disconnect");
}

static const struct uob_qc_pcm_ops uob_qc_pcm_ops = {
	.disconnect = uob_qc_pcm_disconnect,
};

static int uob_qc_show(struct seq_file *m, void *unused)
{
	uob_qc_svc_show(m);
	uob_qc_dev_show(m);
	uob_qc_stream_show(m);
	uob_qc_dsp_show(m);
	seq_printf(m, "counters: streams=%d devs=%d mappings=%u xfer_bufs=%d indications=%d pending_puts=%d teardowns=%d sleeping=%d\n",
		   atomic_read(&uob_qc_counters.streams), atomic_read(&uob_qc_devs),
		   uob_qc_dsp_in_use(), atomic_read(&uob_qc_counters.xfer_bufs),
		   atomic_read(&uob_qc_indications), atomic_read(&uob_qc_pending_puts),
		   atomic_read(&uob_qc_counters.teardowns), uob_qc_sleeping());
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(uob_qc);

static int __init uob_qc_init(void)
{
	struct dentry *dir;
	int ret;

	ret = uob_qc_pcm_init(&uob_qc_pcm_ops);
	if (ret)
		return ret;
	ret = register_pm_notifier(&uob_qc_pm_nb);
	if (ret)
		goto pcm_exit;
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
pcm_exit:
	uob_qc_pcm_exit();
	return ret;
}

static void __exit uob_qc_exit(void)
{
	debugfs_remove_recursive(uob_qc_debugfs);
	/*
	 * No indication from here on (a teardown may run from the bus or PM
	 * notifier until they are unregistered below), no new requests, then
	 * stop what is running (takes udev locks).
	 */
	uob_qc_qmi_stop();
	unregister_pm_notifier(&uob_qc_pm_nb);
	uob_qc_stop_streams(NULL, false, "module unload");
	uob_qc_unwatch_bus();
	uob_qc_release_all_parked();
	uob_qc_pcm_exit();
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
