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
 * uses public interfaces only: snd_pcm_notify() to follow USB PCMs (its
 * disconnect callback runs under the udev lock), snd_card_ref(), and a PCM
 * substream opened through a file of our own, configured with
 * SNDRV_PCM_IOCTL_HW_PARAMS and _PREPARE.
 *
 * Locking, one order on every path:
 *   udev device lock -> (ALSA's own locks) -> uob_qc.lock
 * The udev lock serialises everything that changes a device's streams:
 * requests and stop-session take it; the USB core holds it around the
 * disconnect path, which therefore never takes it and never waits for a
 * request handler (no 10 s stall).  uob_qc.lock is a leaf lock protecting
 * the lists and the client binding; nothing is called with it held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/anon_inodes.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pm_runtime.h>
#include <linux/of.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/suspend.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/soc/qcom/qmi.h>
#include <linux/usb.h>
#include <linux/usb/audio.h>
#include <linux/usb/audio-v2.h>
#include <linux/workqueue.h>
#include <sound/pcm_params.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <uob/usb_offload.h>
#include <uob_compat.h>
#include <uob/xhci-sideband.h>

#include "qc_offload.h"
#include "qmi_parse.h"

/* visible to the KUnit suite, which accepts its own local client */
VISIBLE_IF_KUNIT bool uob_qc_allow_local;
module_param_named(allow_local, uob_qc_allow_local, bool, 0644);
MODULE_PARM_DESC(allow_local, "accept QMI clients on the local QRTR node (test rigs; default: no)");

static int allowed_node = -1;
module_param(allowed_node, int, 0644);
MODULE_PARM_DESC(allowed_node, "QRTR node of the audio DSP; -1: any remote node (default)");

static int intr_num;
module_param(intr_num, int, 0444);
MODULE_PARM_DESC(intr_num, "xHCI interrupter to use for the DSP; 0: first free (default)");

/* mainline's MAX_XFER_BUFF_LEN: a larger transfer buffer is cut to this */
#define UOB_QC_XFER_MAX		(24 * PAGE_SIZE)
/* what qmi_handle_init() adds the QMI header to: the buffer is whole datagrams */
#define UOB_QC_RECV_MAX		(UOB_QC_RECV_BUF - sizeof(struct qmi_header))

struct uob_qc_counters uob_qc_counters;

/*
 * PM notifier priority: above usb-offload's (0), so that at PREPARE every
 * stream is stopped and its usage put before usb-offload marks the devices
 * at-suspend (a put in that window is refused with -EBUSY).
 */
#define UOB_QC_PM_PRIORITY	10

static void uob_qc_put_work_fn(struct work_struct *work);
static int uob_qc_watch_bus(const struct bus_type *bus);

static struct {
	struct qmi_handle qmi;
	struct rw_semaphore qmi_sem;	/* qmi_up; read-held across an indication */
	bool qmi_up;
	struct mutex lock;		/* leaf: the lists, client binding, sleeping */
	struct list_head streams;
	struct list_head devs;
	struct list_head pcms;
	struct list_head pending_puts;
	bool bound;
	/* written under .lock; read without it only as an early refusal */
	bool sleeping;			/* system sleep: no new stream */
	struct sockaddr_qrtr client;
	struct dentry *debugfs;
	struct mutex watch_lock;	/* usb_bus */
	const struct bus_type *usb_bus;	/* bus_nb registered on it */
	struct notifier_block bus_nb;
	struct notifier_block pm_nb;
	struct delayed_work put_work;
} uob_qc = {
	.lock = __MUTEX_INITIALIZER(uob_qc.lock),
	.qmi_sem = __RWSEM_INITIALIZER(uob_qc.qmi_sem),
	.streams = LIST_HEAD_INIT(uob_qc.streams),
	.devs = LIST_HEAD_INIT(uob_qc.devs),
	.pcms = LIST_HEAD_INIT(uob_qc.pcms),
	.pending_puts = LIST_HEAD_INIT(uob_qc.pending_puts),
	.watch_lock = __MUTEX_INITIALIZER(uob_qc.watch_lock),
	.put_work = __DELAYED_WORK_INITIALIZER(uob_qc.put_work, uob_qc_put_work_fn, 0),
};

/**
 * struct uob_qc_pending_put - an offload usage reference still to be put
 * @node: in uob_qc.pending_puts
 * @udev: the device (referenced)
 *
 * On uob_qc.pending_puts, under uob_qc.lock.  Allocated with the device's
 * state, so that a put refused at teardown (-EBUSY in usb-offload's
 * at-suspend window) is kept without allocating.
 */
struct uob_qc_pending_put {
	struct list_head node;
	struct usb_device *udev;
};

struct uob_qc_pcm {
	struct list_head node;
	struct snd_pcm *pcm;
};

/* DSP format enum -> ALSA format */
static const snd_pcm_format_t uob_qc_formats[UOB_UAUDIO_FMT_COUNT] = {
	[UOB_UAUDIO_FMT_S8] = SNDRV_PCM_FORMAT_S8,
	[UOB_UAUDIO_FMT_U8] = SNDRV_PCM_FORMAT_U8,
	[UOB_UAUDIO_FMT_S16_LE] = SNDRV_PCM_FORMAT_S16_LE,
	[UOB_UAUDIO_FMT_S16_BE] = SNDRV_PCM_FORMAT_S16_BE,
	[UOB_UAUDIO_FMT_U16_LE] = SNDRV_PCM_FORMAT_U16_LE,
	[UOB_UAUDIO_FMT_U16_BE] = SNDRV_PCM_FORMAT_U16_BE,
	[UOB_UAUDIO_FMT_S24_LE] = SNDRV_PCM_FORMAT_S24_LE,
	[UOB_UAUDIO_FMT_S24_BE] = SNDRV_PCM_FORMAT_S24_BE,
	[UOB_UAUDIO_FMT_U24_LE] = SNDRV_PCM_FORMAT_U24_LE,
	[UOB_UAUDIO_FMT_U24_BE] = SNDRV_PCM_FORMAT_U24_BE,
	[UOB_UAUDIO_FMT_S24_3LE] = SNDRV_PCM_FORMAT_S24_3LE,
	[UOB_UAUDIO_FMT_S24_3BE] = SNDRV_PCM_FORMAT_S24_3BE,
	[UOB_UAUDIO_FMT_U24_3LE] = SNDRV_PCM_FORMAT_U24_3LE,
	[UOB_UAUDIO_FMT_U24_3BE] = SNDRV_PCM_FORMAT_U24_3BE,
	[UOB_UAUDIO_FMT_S32_LE] = SNDRV_PCM_FORMAT_S32_LE,
	[UOB_UAUDIO_FMT_S32_BE] = SNDRV_PCM_FORMAT_S32_BE,
	[UOB_UAUDIO_FMT_U32_LE] = SNDRV_PCM_FORMAT_U32_LE,
	[UOB_UAUDIO_FMT_U32_BE] = SNDRV_PCM_FORMAT_U32_BE,
};

/* ---- memory handed to the DSP (dsp_mem.c) ------------------------------ */

static struct device *uob_qc_sysdev(struct usb_device *udev)
{
	return udev->bus->sysdev;
}

/*
 * A ring given as the sideband's sg_table (one entry per segment).  Caller
 * holds the udev lock: mappings change only with it (uob_qc_dsp_map()).
 */
static int uob_qc_map_ring(struct uob_qc_map *m, enum uob_qc_mem type,
			   struct usb_device *udev, struct sg_table *sgt)
{
	int ret;

	device_lock_assert(&udev->dev);
	ret = uob_qc_dsp_map(m, type, uob_qc_sysdev(udev), sgt, sg_dma_address(sgt->sgl));
	sg_free_table(sgt);
	kfree(sgt);
	return ret;
}

/* The transfer buffer: coherent memory of whole pages.  Caller holds the udev lock. */
static int uob_qc_map_buf(struct uob_qc_map *m, struct usb_device *udev,
			  void *cpu, dma_addr_t dma, size_t size)
{
	struct sg_table *sgt;
	int ret;

	device_lock_assert(&udev->dev);
	sgt = kzalloc_obj(*sgt, GFP_KERNEL);
	if (!sgt)
		return -ENOMEM;
	ret = dma_get_sgtable(uob_qc_sysdev(udev), sgt, cpu, dma, PAGE_ALIGN(size));
	if (ret) {
		kfree(sgt);
		return ret;
	}
	ret = uob_qc_dsp_map(m, UOB_QC_MEM_XFER_BUF, uob_qc_sysdev(udev), sgt, dma);
	sg_free_table(sgt);
	kfree(sgt);
	if (!ret)
		m->size = size;	/* the DSP is told the size it asked for */
	return ret;
}

static void uob_qc_mem_info(struct uob_uaudio_mem_info *mi, const struct uob_qc_map *m)
{
	mi->iova = m->iova;
	mi->dma = m->dma;
	mi->size = m->size;
}

/* ---- PCMs of USB audio cards ------------------------------------------- */

static struct snd_pcm *uob_qc_find_pcm(int card, int device)
{
	struct uob_qc_pcm *p;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(p, &uob_qc.pcms, node)
		if (p->pcm->card->number == card && p->pcm->device == device)
			return p->pcm;
	return NULL;
}

static bool uob_qc_is_usb_card(struct snd_card *card)
{
	return !strcmp(card->driver, "USB-Audio") && card->dev;
}

static struct usb_device *uob_qc_card_udev(struct snd_card *card)
{
	return interface_to_usbdev(to_usb_interface(card->dev));
}

/* ---- device (sideband + interrupter + usage) --------------------------- */

/*
 * The calls a stream setup makes that can fail, each a KUnit static stub
 * (KUNIT_STATIC_STUB_REDIRECT is nothing without CONFIG_KUNIT): the suite
 * fails any one of them and checks that everything is given back.
 */
VISIBLE_IF_KUNIT struct xhci_sideband *uob_qc_sb_register(struct usb_interface *intf)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_register, intf);
	return xhci_sideband_register(intf, XHCI_SIDEBAND_VENDOR, NULL);
}

VISIBLE_IF_KUNIT int uob_qc_sb_create_interrupter(struct xhci_sideband *sb, int intr)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_create_interrupter, sb, intr);
	return xhci_sideband_create_interrupter(sb, 1, false, 0, intr);
}

VISIBLE_IF_KUNIT struct sg_table *uob_qc_sb_event_buffer(struct xhci_sideband *sb)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_event_buffer, sb);
	return xhci_sideband_get_event_buffer(sb);
}

VISIBLE_IF_KUNIT int uob_qc_sb_add_endpoint(struct xhci_sideband *sb,
					    struct usb_host_endpoint *ep)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_add_endpoint, sb, ep);
	return xhci_sideband_add_endpoint(sb, ep);
}

VISIBLE_IF_KUNIT struct sg_table *uob_qc_sb_endpoint_buffer(struct xhci_sideband *sb,
							    struct usb_host_endpoint *ep)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_sb_endpoint_buffer, sb, ep);
	return xhci_sideband_get_endpoint_buffer(sb, ep);
}

/* whole pages: nothing else may share a page the DSP can reach */
VISIBLE_IF_KUNIT void *uob_qc_xfer_alloc(struct usb_device *udev, size_t size,
					 dma_addr_t *dma)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_xfer_alloc, udev, size, dma);
	return usb_alloc_coherent(udev, PAGE_ALIGN(size), GFP_KERNEL, dma);
}

/*
 * The entry stays valid after uob_qc.lock is dropped only because a device's
 * state is created and freed under its udev lock, which the caller holds.
 */
static struct uob_qc_dev *uob_qc_find_dev(struct usb_device *udev)
{
	struct uob_qc_dev *d;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(d, &uob_qc.devs, node)
		if (d->udev == udev)
			return d;
	return NULL;
}

/*
 * Put the device's offload usage, right after its interrupter is removed.
 * -ENODEV: the device is gone and the count with it.  Any other refusal
 * (-EBUSY inside usb-offload's at-suspend window, a runtime-PM error) must
 * not lose the reference: it is queued, with the record allocated at setup,
 * and put again from a work item once the device can take it.  Caller holds
 * the udev lock.
 */
static void uob_qc_usage_put(struct uob_qc_dev *d)
	__must_hold(&d->udev->dev.mutex)
{
	int ret;

	device_lock_assert(&d->udev->dev);
	ret = usb_offload_put(d->udev);
	if (!ret || ret == -ENODEV)
		return;

	dev_warn(&d->udev->dev, "offload usage put refused (%d): retried later\n", ret);
	d->pending->udev = usb_get_dev(d->udev);
	scoped_guard(mutex, &uob_qc.lock)
		list_add_tail(&d->pending->node, &uob_qc.pending_puts);
	d->pending = NULL;
	atomic_inc(&uob_qc_counters.pending_puts);
	mod_delayed_work(system_wq, &uob_qc.put_work, HZ / 10);
}

/*
 * One retry of a refused put.  usb_offload_put() refuses a suspended
 * device without waking it, and the device may have runtime-suspended once
 * the stream's PCM was closed: wake it first.  Takes the udev lock.
 */
static int uob_qc_retry_put(struct usb_device *udev)
{
	int ret;

	usb_lock_device(udev);
	ret = pm_runtime_resume_and_get(&udev->dev);
	if (!ret) {
		ret = usb_offload_put(udev);
		pm_runtime_put_autosuspend(&udev->dev);
	} else if (udev->state == USB_STATE_NOTATTACHED) {
		ret = -ENODEV;
	}
	usb_unlock_device(udev);
	return ret;
}

/*
 * Retry the puts that were refused.  Takes each device's lock (nothing of
 * ours is held then); what is still refused waits for the next round.
 * @final: module unload, no next round.
 */
static void uob_qc_put_pending(bool final)
{
	struct uob_qc_pending_put *p;
	LIST_HEAD(todo);
	int ret;

	scoped_guard(mutex, &uob_qc.lock) {
		if (uob_qc.sleeping && !final)
			return;		/* PM_POST_* schedules us again */
		list_splice_init(&uob_qc.pending_puts, &todo);
	}
	while ((p = list_first_entry_or_null(&todo, struct uob_qc_pending_put, node))) {
		list_del(&p->node);
		ret = uob_qc_retry_put(p->udev);
		if (ret && ret != -ENODEV && !final) {
			scoped_guard(mutex, &uob_qc.lock)
				list_add_tail(&p->node, &uob_qc.pending_puts);
			continue;
		}
		if (ret && ret != -ENODEV)
			dev_err(&p->udev->dev, "offload usage put still refused at unload: %d\n",
				ret);
		atomic_dec(&uob_qc_counters.pending_puts);
		usb_put_dev(p->udev);
		kfree(p);
	}
	scoped_guard(mutex, &uob_qc.lock)
		if (!list_empty(&uob_qc.pending_puts) && !final)
			mod_delayed_work(system_wq, &uob_qc.put_work, HZ / 10);
}

static void uob_qc_put_work_fn(struct work_struct *work)
{
	uob_qc_put_pending(false);
}

/*
 * Undo uob_qc_dev_get() when the last stream goes.  The offload usage is
 * dropped right after the interrupter is removed (seed patch 2).  Caller
 * holds the udev lock; on the disconnect path usbcore holds it for us.
 */
static void uob_qc_dev_put(struct uob_qc_dev *d)
{
	device_lock_assert(&d->udev->dev);
	if (--d->streams)
		return;

	if (d->evt_mapped) {
		uob_qc_dsp_unmap(&d->evt);
		d->evt_mapped = false;
	}
	xhci_sideband_remove_interrupter(d->sb);
	if (d->usage_taken) {
		uob_qc_usage_put(d);
		d->usage_taken = false;
	}
	xhci_sideband_unregister(d->sb);

	scoped_guard(mutex, &uob_qc.lock)
		list_del(&d->node);
	atomic_dec(&uob_qc_counters.devs);
	usb_put_dev(d->udev);
	kfree(d->pending);
	kfree(d);
}

/*
 * The per-device part of a stream setup: sideband, offload usage,
 * interrupter, event ring.  Caller holds the udev lock.
 */
static struct uob_qc_dev *uob_qc_dev_get(struct usb_device *udev,
					 struct usb_interface *intf, u32 *status)
{
	struct uob_qc_dev *d = uob_qc_find_dev(udev);
	struct sg_table *sgt;
	int ret;

	device_lock_assert(&udev->dev);
	if (d) {
		d->streams++;
		return d;
	}

	*status = UOB_UAUDIO_MEMALLOC;
	d = kzalloc_obj(*d, GFP_KERNEL);
	if (!d)
		return ERR_PTR(-ENOMEM);
	d->pending = kzalloc_obj(*d->pending, GFP_KERNEL);
	if (!d->pending) {
		kfree(d);
		return ERR_PTR(-ENOMEM);
	}
	d->udev = usb_get_dev(udev);
	d->streams = 1;

	*status = UOB_UAUDIO_FAILURE;
	d->sb = uob_qc_sb_register(intf);
	if (!d->sb) {
		ret = -EBUSY;
		goto free;
	}

	/* seed patch 2: the usage reference, just before the interrupter */
	ret = usb_offload_get(udev);
	if (ret)
		goto unregister;
	d->usage_taken = true;

	ret = uob_qc_sb_create_interrupter(d->sb, intr_num ?: uob_qc_dsp_intr_num());
	if (ret)
		goto put_usage;

	sgt = uob_qc_sb_event_buffer(d->sb);
	if (!sgt) {
		ret = -ENOMEM;
		*status = UOB_UAUDIO_MEMALLOC;
		goto remove_interrupter;
	}
	ret = uob_qc_map_ring(&d->evt, UOB_QC_MEM_EVENT_RING, udev, sgt);
	if (ret) {
		*status = UOB_UAUDIO_MEMALLOC;
		goto remove_interrupter;
	}
	d->evt_mapped = true;

	scoped_guard(mutex, &uob_qc.lock)
		list_add_tail(&d->node, &uob_qc.devs);
	atomic_inc(&uob_qc_counters.devs);
	return d;

remove_interrupter:
	xhci_sideband_remove_interrupter(d->sb);
put_usage:
	uob_qc_usage_put(d);
unregister:
	xhci_sideband_unregister(d->sb);
free:
	usb_put_dev(d->udev);
	kfree(d->pending);
	kfree(d);
	return ERR_PTR(ret);
}

/* ---- streams ------------------------------------------------------------ */

/*
 * The stream stays valid after uob_qc.lock is dropped only while the caller
 * holds the udev lock of the stream's device (streams are added and removed
 * under it); callers re-check that the stream is on the device they locked.
 */
static struct uob_qc_stream *uob_qc_find_stream(u32 token)
{
	struct uob_qc_stream *s;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(s, &uob_qc.streams, node)
		if (s->token == token)
			return s;
	return NULL;
}

/*
 * The file a stream's substream is opened through.  Like ALSA's own PCM
 * files it is on the card's file list (snd_card_file_add()); after a
 * disconnect ALSA swaps its f_op and still calls this release, so the card
 * file is given back here and only here.
 */
static int uob_qc_pcm_file_release(struct inode *inode, struct file *file)
{
	struct snd_card *card = file->private_data;

	if (card)
		snd_card_file_remove(card, file);
	return 0;
}

/*
 * No .owner: the driver holds the only reference to each file and drops it
 * with __fput_sync(), so the release above has run before a session ends
 * and nothing of ours is left to run after module unload, which stops
 * every session first.  (With .owner every active session would pin the
 * module and rmmod would be refused until the DSP let go.)
 */
static const struct file_operations uob_qc_pcm_fops = {
	.release = uob_qc_pcm_file_release,
};

/*
 * @in_disconnect: ALSA's snd_pcm_dev_disconnect() holds pcm->open_mutex
 * around our callback; everywhere else we take it, as snd_pcm_release() does.
 */
static void uob_qc_pcm_close(struct uob_qc_stream *s, bool in_disconnect)
{
	if (s->substream) {
		if (in_disconnect) {
			lockdep_assert_held(&s->pcm->open_mutex);
			snd_pcm_release_substream(s->substream);
		} else {
			guard(mutex)(&s->pcm->open_mutex);
			snd_pcm_release_substream(s->substream);
		}
	}
	s->substream = NULL;
	__fput_sync(s->file);	/* release gives the card file back, now */
	s->file = NULL;
}

static void uob_hw_set(struct snd_pcm_hw_params *p, snd_pcm_hw_param_t var,
		       unsigned int val)
{
	struct snd_interval *i = hw_param_interval(p, var);

	i->min = val;
	i->max = val;
	i->openmin = 0;
	i->openmax = 0;
	i->integer = 1;
	i->empty = 0;
}

/* Open the PCM and let snd-usb-audio choose altsetting and rate. */
static int uob_qc_pcm_open(struct uob_qc_stream *s, const struct uob_uaudio_req *req)
{
	struct snd_pcm_hw_params *params;
	int stream = UOB_TOKEN_DIR(s->token);
	int ret;

	s->file = anon_inode_getfile("uob-qc-pcm", &uob_qc_pcm_fops, NULL, O_RDWR);
	if (IS_ERR(s->file)) {
		ret = PTR_ERR(s->file);
		s->file = NULL;
		return ret;
	}
	ret = snd_card_file_add(s->pcm->card, s->file);
	if (ret) {
		__fput_sync(s->file);
		s->file = NULL;
		return ret;
	}
	s->file->private_data = s->pcm->card;
	scoped_guard(mutex, &s->pcm->open_mutex)
		ret = snd_pcm_open_substream(s->pcm, stream, s->file, &s->substream);
	if (ret) {
		s->substream = NULL;
		goto close;
	}

	params = kzalloc_obj(*params, GFP_KERNEL);
	if (!params) {
		ret = -ENOMEM;
		goto close;
	}
	_snd_pcm_hw_params_any(params);
	snd_mask_leave(hw_param_mask(params, SNDRV_PCM_HW_PARAM_ACCESS),
		       (__force unsigned int)SNDRV_PCM_ACCESS_RW_INTERLEAVED);
	snd_mask_leave(hw_param_mask(params, SNDRV_PCM_HW_PARAM_FORMAT),
		       (__force unsigned int)uob_qc_formats[req->audio_format]);
	uob_hw_set(params, SNDRV_PCM_HW_PARAM_CHANNELS, req->number_of_ch);
	uob_hw_set(params, SNDRV_PCM_HW_PARAM_RATE, req->bit_rate);

	ret = snd_pcm_kernel_ioctl(s->substream, SNDRV_PCM_IOCTL_HW_PARAMS, params);
	kfree(params);
	if (ret)
		goto close;
	ret = snd_pcm_kernel_ioctl(s->substream, SNDRV_PCM_IOCTL_PREPARE, NULL);
	if (ret)
		goto close;
	return 0;

close:
	uob_qc_pcm_close(s, false);
	return ret;
}

/* The audio streaming interface snd-usb-audio just activated for @s. */
static int uob_qc_find_stream_ep(struct uob_qc_stream *s, struct usb_device *udev)
{
	bool out = UOB_TOKEN_DIR(s->token) == SNDRV_PCM_STREAM_PLAYBACK;
	struct usb_host_config *cfg = udev->actconfig;
	struct uob_qc_stream *o;
	int i, e;

	for (i = 0; cfg && i < cfg->desc.bNumInterfaces; i++) {
		struct usb_interface *intf = cfg->interface[i];
		struct usb_host_interface *alt = intf->cur_altsetting;

		if (alt->desc.bInterfaceClass != USB_CLASS_AUDIO ||
		    alt->desc.bInterfaceSubClass != USB_SUBCLASS_AUDIOSTREAMING ||
		    !alt->desc.bAlternateSetting)
			continue;
		scoped_guard(mutex, &uob_qc.lock) {
			list_for_each_entry(o, &uob_qc.streams, node)
				if (o->intf == intf)
					goto next;
		}
		for (e = 0; e < alt->desc.bNumEndpoints; e++) {
			struct usb_host_endpoint *ep = &alt->endpoint[e];

			if (!usb_endpoint_xfer_isoc(&ep->desc) ||
			    usb_endpoint_dir_out(&ep->desc) != out ||
			    (ep->desc.bmAttributes & USB_ENDPOINT_USAGE_MASK) ==
			    USB_ENDPOINT_USAGE_FEEDBACK)
				continue;
			s->intf = intf;
			s->data_ep = ep;
			break;
		}
		for (e = 0; s->data_ep && e < alt->desc.bNumEndpoints; e++) {
			struct usb_host_endpoint *ep = &alt->endpoint[e];

			if (ep != s->data_ep && usb_endpoint_xfer_isoc(&ep->desc) &&
			    usb_endpoint_dir_out(&ep->desc) != out)
				s->sync_ep = ep;
		}
		if (s->data_ep)
			return 0;
next:
		;
	}
	return -ENODEV;
}

/* service interval (us) -> bInterval of the data endpoint */
static int uob_qc_data_interval(struct usb_device *udev, u32 si)
{
	unsigned int unit = udev->speed >= USB_SPEED_HIGH ? 125 : 1000;
	unsigned int frames = si / unit;

	if (!si || si % unit || !is_power_of_2(frames) || frames > 1U << 15)
		return -EINVAL;
	/* full speed iso: bInterval 1..16 is 2^(bInterval-1) frames too */
	return ilog2(frames) + 1;
}

static u8 uob_qc_cs_byte(struct usb_host_interface *alt, u8 subtype,
			 unsigned int offset)
{
	const u8 *p = alt->extra;
	int left = alt->extralen;

	while (left >= 3 && p[0] >= 3 && p[0] <= left) {
		if (p[1] == USB_DT_CS_INTERFACE && p[2] == subtype && offset < p[0])
			return p[offset];
		left -= p[0];
		p += p[0];
	}
	return 0;
}

static u16 uob_qc_bcd_adc(struct usb_device *udev)
{
	struct usb_host_config *cfg = udev->actconfig;
	int i;

	for (i = 0; cfg && i < cfg->desc.bNumInterfaces; i++) {
		struct usb_host_interface *alt = &cfg->interface[i]->altsetting[0];

		if (alt->desc.bInterfaceClass == USB_CLASS_AUDIO &&
		    alt->desc.bInterfaceSubClass == USB_SUBCLASS_AUDIOCONTROL)
			return uob_qc_cs_byte(alt, UAC_HEADER, 3) |
			       uob_qc_cs_byte(alt, UAC_HEADER, 4) << 8;
	}
	return 0;
}

static u32 uob_qc_speed(struct usb_device *udev)
{
	switch (udev->speed) {
	case USB_SPEED_LOW:
		return UOB_UAUDIO_SPEED_LOW;
	case USB_SPEED_FULL:
		return UOB_UAUDIO_SPEED_FULL;
	case USB_SPEED_HIGH:
		return UOB_UAUDIO_SPEED_HIGH;
	case USB_SPEED_SUPER:
		return UOB_UAUDIO_SPEED_SUPER;
	case USB_SPEED_SUPER_PLUS:
		return UOB_UAUDIO_SPEED_SUPER_PLUS;
	default:
		return UOB_UAUDIO_SPEED_INVALID;
	}
}

static void uob_qc_ep_desc(struct uob_uaudio_ep_desc *d, struct usb_host_endpoint *ep)
{
	d->bLength = ep->desc.bLength;
	d->bDescriptorType = ep->desc.bDescriptorType;
	d->bEndpointAddress = ep->desc.bEndpointAddress;
	d->bmAttributes = ep->desc.bmAttributes;
	d->wMaxPacketSize = le16_to_cpu(ep->desc.wMaxPacketSize);
	d->bInterval = ep->desc.bInterval;
	d->bRefresh = ep->desc.bRefresh;
	d->bSynchAddress = ep->desc.bSynchAddress;
}

/*
 * controller_num as mainline reports it: the controller's device-tree "usb"
 * alias, -ENODEV without a device-tree node (x86) or without an alias.
 */
static int uob_qc_controller_id(struct usb_device *udev)
{
	struct device *sysdev = udev->bus->sysdev;

	if (sysdev && sysdev->of_node)
		return of_alias_get_id(sysdev->of_node, "usb");
	return -ENODEV;
}

static void uob_qc_fill_resp(struct uob_qc_stream *s, struct usb_device *udev,
			     struct uob_uaudio_resp *r)
{
	struct usb_host_interface *alt = s->intf->cur_altsetting;
	bool uac2 = alt->desc.bInterfaceProtocol == UAC_VERSION_2;
	int ctrl = uob_qc_controller_id(udev);

	r->slot_id_valid = 1;
	r->slot_id = udev->slot_id;
	r->std_as_opr_intf_desc_valid = 1;
	r->std_as_opr_intf_desc = (struct uob_uaudio_intf_desc) {
		.bLength = alt->desc.bLength,
		.bDescriptorType = alt->desc.bDescriptorType,
		.bInterfaceNumber = alt->desc.bInterfaceNumber,
		.bAlternateSetting = alt->desc.bAlternateSetting,
		.bNumEndpoints = alt->desc.bNumEndpoints,
		.bInterfaceClass = alt->desc.bInterfaceClass,
		.bInterfaceSubClass = alt->desc.bInterfaceSubClass,
		.bInterfaceProtocol = alt->desc.bInterfaceProtocol,
		.iInterface = alt->desc.iInterface,
	};
	r->std_as_data_ep_desc_valid = 1;
	uob_qc_ep_desc(&r->std_as_data_ep_desc, s->data_ep);
	if (s->sync_ep) {
		r->std_as_sync_ep_desc_valid = 1;
		uob_qc_ep_desc(&r->std_as_sync_ep_desc, s->sync_ep);
	}
	r->usb_audio_spec_revision_valid = 1;
	r->usb_audio_spec_revision = uob_qc_bcd_adc(udev);
	r->data_path_delay_valid = 1;
	r->data_path_delay = uac2 ? 0 : uob_qc_cs_byte(alt, UAC_AS_GENERAL, 4);
	r->usb_audio_subslot_size_valid = 1;
	r->usb_audio_subslot_size = uob_qc_cs_byte(alt, UAC_FORMAT_TYPE, uac2 ? 4 : 5);
	r->xhci_mem_info_valid = 1;
	uob_qc_mem_info(&r->xhci_mem_info.evt_ring, &s->dev->evt);
	uob_qc_mem_info(&r->xhci_mem_info.tr_data, &s->data_ring);
	uob_qc_mem_info(&r->xhci_mem_info.tr_sync, &s->sync_ring);
	uob_qc_mem_info(&r->xhci_mem_info.xfer_buff, &s->xfer);
	r->interrupter_num_valid = 1;
	r->interrupter_num = xhci_sideband_interrupter_id(s->dev->sb);
	r->speed_info_valid = 1;
	r->speed_info = uob_qc_speed(udev);
	r->controller_num_valid = ctrl >= 0;
	r->controller_num = ctrl >= 0 ? ctrl : 0;
}

/*
 * Give back what a stream holds, in reverse order of setup.  Caller holds
 * the udev lock (on disconnect, usbcore does).
 */
static void uob_qc_stream_release(struct uob_qc_stream *s, bool in_disconnect)
	__must_hold(&s->dev->udev->dev.mutex)
{
	struct uob_qc_dev *d = s->dev;

	device_lock_assert(&d->udev->dev);
	if (s->xfer_buf) {
		uob_qc_dsp_unmap(&s->xfer);
		usb_free_coherent(d->udev, PAGE_ALIGN(s->xfer_size), s->xfer_buf, s->xfer_dma);
		s->xfer_buf = NULL;
		atomic_dec(&uob_qc_counters.xfer_bufs);
	}
	if (s->sync_ep && s->sync_ring.size) {
		uob_qc_dsp_unmap(&s->sync_ring);
		xhci_sideband_remove_endpoint(d->sb, s->sync_ep);
	}
	if (s->data_ring.size) {
		uob_qc_dsp_unmap(&s->data_ring);
		xhci_sideband_remove_endpoint(d->sb, s->data_ep);
	}
	uob_qc_dev_put(d);
	s->dev = NULL;
	uob_qc_pcm_close(s, in_disconnect);
}

static int uob_qc_add_ep(struct uob_qc_dev *d, struct usb_host_endpoint *ep,
			 struct uob_qc_map *m)
{
	struct sg_table *sgt;
	int ret;

	ret = uob_qc_sb_add_endpoint(d->sb, ep);
	if (ret)
		return ret;

	sgt = uob_qc_sb_endpoint_buffer(d->sb, ep);
	if (!sgt)
		ret = -ENOMEM;
	else
		ret = uob_qc_map_ring(m, UOB_QC_MEM_XFER_RING, d->udev, sgt);
	if (ret)
		xhci_sideband_remove_endpoint(d->sb, ep);
	return ret;
}

/*
 * What mainline checks before it looks the stream up, in its order, with
 * its answers: format, channels, rate and buffer size are required for a
 * disable too.  A card number above 8 bits is refused (mainline truncates
 * it to 8 bits and may act on another card).
 */
static int uob_qc_check_req(const struct uob_uaudio_req *req)
{
	if (!req->audio_format_valid || !req->bit_rate_valid ||
	    !req->number_of_ch_valid || !req->xfer_buff_size_valid)
		return -EINVAL;
	if (UOB_TOKEN_CARD(req->usb_token) >= SNDRV_CARDS || req->usb_token >> 24)
		return -EINVAL;
	if (req->audio_format >= UOB_UAUDIO_FMT_COUNT)
		return -EINVAL;
	return 0;
}

/* Enable one stream.  Caller holds the udev lock. */
static u32 uob_qc_enable(const struct uob_uaudio_req *req, struct snd_pcm *pcm,
			 struct usb_device *udev, const struct sockaddr_qrtr *client,
			 struct uob_uaudio_resp *resp)
{
	struct uob_qc_stream *s;
	u32 status = UOB_UAUDIO_FAILURE;
	dma_addr_t dma;
	int ret, want;

	device_lock_assert(&udev->dev);
	if (uob_qc_find_stream(req->usb_token))
		return UOB_UAUDIO_FAILURE;	/* already enabled */

	s = kzalloc_obj(*s, GFP_KERNEL);
	if (!s)
		return UOB_UAUDIO_MEMALLOC;
	s->token = req->usb_token;
	s->pcm = pcm;
	s->client = *client;

	ret = uob_qc_pcm_open(s, req);
	if (ret) {
		status = ret == -EINVAL ? UOB_UAUDIO_INVALID_PARAM : UOB_UAUDIO_FAILURE;
		goto free;
	}
	ret = uob_qc_find_stream_ep(s, udev);
	if (ret)
		goto close;
	if (req->service_interval_valid) {
		want = uob_qc_data_interval(udev, req->service_interval);
		if (want != s->data_ep->desc.bInterval) {
			status = UOB_UAUDIO_INVALID_PARAM;
			ret = -EINVAL;
			goto close;
		}
	}

	s->dev = uob_qc_dev_get(udev, s->intf, &status);
	if (IS_ERR(s->dev)) {
		ret = PTR_ERR(s->dev);
		s->dev = NULL;
		goto close;
	}

	status = UOB_UAUDIO_FAILURE;
	ret = uob_qc_add_ep(s->dev, s->data_ep, &s->data_ring);
	if (ret)
		goto put_dev;
	if (s->sync_ep) {
		ret = uob_qc_add_ep(s->dev, s->sync_ep, &s->sync_ring);
		if (ret)
			goto put_dev;
	}

	status = UOB_UAUDIO_MEMALLOC;
	s->xfer_buf = uob_qc_xfer_alloc(udev, req->xfer_buff_size, &dma);
	if (!s->xfer_buf) {
		ret = -ENOMEM;
		goto put_dev;
	}
	atomic_inc(&uob_qc_counters.xfer_bufs);
	s->xfer_dma = dma;
	s->xfer_size = req->xfer_buff_size;
	ret = uob_qc_map_buf(&s->xfer, udev, s->xfer_buf, dma, req->xfer_buff_size);
	if (ret)
		goto put_dev;

	uob_qc_fill_resp(s, udev, resp);
	s->resp = *resp;
	/*
	 * The commit point: the sleep notifier sets ->sleeping under the same
	 * lock and then stops what is listed, so a stream is either listed
	 * before (and stopped) or refused here.
	 */
	scoped_guard(mutex, &uob_qc.lock) {
		if (!uob_qc.sleeping)
			list_add_tail(&s->node, &uob_qc.streams);
		else
			ret = -EBUSY;
	}
	if (ret) {
		memset(resp, 0, sizeof(*resp));	/* nothing of what is given back */
		status = UOB_UAUDIO_FAILURE;
		goto put_dev;
	}
	atomic_inc(&uob_qc_counters.streams);
	dev_dbg(&udev->dev, "offload stream %06x enabled: interrupter %u, slot %u\n",
		s->token, resp->interrupter_num, resp->slot_id);
	return UOB_UAUDIO_SUCCESS;

put_dev:
	uob_qc_stream_release(s, false);
	goto free;
close:
	uob_qc_pcm_close(s, false);
free:
	kfree(s);
	resp->internal_status_valid = 1;
	resp->internal_status = -ret;
	return status;
}

/* Disable one stream.  Caller holds the udev lock (or usbcore does). */
static void uob_qc_stream_stop(struct uob_qc_stream *s, bool in_disconnect)
	__must_hold(&s->dev->udev->dev.mutex)
{
	device_lock_assert(&s->dev->udev->dev);
	scoped_guard(mutex, &uob_qc.lock)
		list_del(&s->node);
	uob_qc_stream_release(s, in_disconnect);
	atomic_dec(&uob_qc_counters.streams);
	kfree(s);
}

/* ---- QMI ---------------------------------------------------------------- */

static void uob_qc_send_resp(struct qmi_handle *qmi, struct sockaddr_qrtr *sq,
			     u16 txn_id, struct uob_uaudio_resp *resp)
{
	struct qmi_txn txn = { .id = txn_id };
	int ret;

	ret = qmi_send_response(qmi, sq, &txn, UOB_QMI_UAUDIO_STREAM_RESP,
				UOB_UAUDIO_RESP_MAX_LEN, uob_uaudio_resp_ei, resp);
	if (ret >= 0)
		return;
	/* a client that does not read its answers: -ENOSPC, or gone: -ENODEV */
	uob_qmi_count(UOB_QMI_CNT_SEND_FAILED);
	if (uob_qmi_log_allowed(UOB_QMI_CNT_SEND_FAILED, 0))
		pr_warn("QMI response to %u:%u failed: %d (%ld so far; debugfs qmi)\n",
			sq->sq_node, sq->sq_port, ret,
			atomic_long_read(&uob_qmi_stats.count[UOB_QMI_CNT_SEND_FAILED]));
}

/*
 * A request the service does not run: a QMI error in resp (mainline's QMI
 * core would drop it unanswered, see the README), status FAILURE and an
 * errno in internal_status, as for every answer.
 */
static void uob_qc_send_error(struct qmi_handle *qmi, struct sockaddr_qrtr *sq,
			      u16 txn_id, u16 error, int err)
{
	struct uob_uaudio_resp resp = {
		.resp = { .result = QMI_RESULT_FAILURE_V01, .error = error },
		.status_valid = 1,
		.status = UOB_UAUDIO_FAILURE,
		.internal_status_valid = 1,
		.internal_status = err,
	};

	uob_qc_send_resp(qmi, sq, txn_id, &resp);
}

static bool uob_qc_client_allowed(struct qmi_handle *qmi, const struct sockaddr_qrtr *sq)
{
	if (sq->sq_node == qmi->sq.sq_node)
		return READ_ONCE(uob_qc_allow_local);
	return allowed_node < 0 || sq->sq_node == (u32)allowed_node;
}

/* Bind the first (allowed) client; refuse others while it is bound. */
static u16 uob_qc_bind_client(const struct sockaddr_qrtr *sq)
{
	guard(mutex)(&uob_qc.lock);
	if (!uob_qc.bound) {
		uob_qc.bound = true;
		uob_qc.client = *sq;
		return QMI_ERR_NONE_V01;
	}
	if (uob_qc.client.sq_node == sq->sq_node && uob_qc.client.sq_port == sq->sq_port)
		return QMI_ERR_NONE_V01;
	return QMI_ERR_CLIENT_IDS_EXHAUSTED_V01;
}

/* The errno of a failed uob_qc_enable(), as mainline's internal_status. */
static int uob_qc_enable_errno(u32 status, const struct uob_uaudio_resp *resp)
{
	int err = resp->internal_status_valid ? (int)resp->internal_status : 0;

	if (status == UOB_UAUDIO_SUCCESS)
		return 0;
	if (err)
		return err < 0 ? err : -err;
	switch (status) {
	case UOB_UAUDIO_MEMALLOC:
		return -ENOMEM;
	case UOB_UAUDIO_INVALID_PARAM:
		return -EINVAL;
	case UOB_UAUDIO_NOT_FOUND:
		return -ENODEV;
	default:
		return -EBUSY;
	}
}

/*
 * Run a well-formed request and answer as mainline does: resp.result stays
 * SUCCESS, status is SUCCESS or FAILURE, internal_status 0 or a negative
 * errno, the token echoed.  The refusals and their errnos follow mainline's
 * order: required TLVs, card, format (-EINVAL); no such stream (-ENODEV);
 * already enabled (-EBUSY); service interval (-EINVAL); then the enable
 * itself, or a disable of nothing (-EINVAL).
 */
VISIBLE_IF_KUNIT void uob_qc_handle_req(struct uob_uaudio_req *req,
				       const struct sockaddr_qrtr *sq,
				       struct uob_uaudio_resp *resp)
{
	int card = UOB_TOKEN_CARD(req->usb_token);
	int dir = UOB_TOKEN_DIR(req->usb_token);
	struct usb_device *udev = NULL;
	struct snd_card *sndcard;
	struct uob_qc_stream *s;
	struct snd_pcm *pcm;
	int ret;

	ret = uob_qc_check_req(req);
	if (ret)
		goto out;

	/*
	 * An early refusal only: the sleep notifier may set ->sleeping right
	 * after this; uob_qc_enable() checks it again under uob_qc.lock at its
	 * commit point, which is what keeps a stream from living across sleep.
	 */
	ret = -EBUSY;	/* as mainline while the system sleeps; back after resume */
	if (READ_ONCE(uob_qc.sleeping))
		goto out;

	ret = -ENODEV;
	if (dir > SNDRV_PCM_STREAM_CAPTURE)
		goto out;
	sndcard = snd_card_ref(card);
	if (!sndcard)
		goto out;
	if (uob_qc_is_usb_card(sndcard))
		udev = usb_get_dev(uob_qc_card_udev(sndcard));
	if (!udev)
		goto unref;
	/* before any stream exists on this bus, so every unbind is seen */
	if (req->enable) {
		ret = uob_qc_watch_bus(udev->dev.bus);
		if (ret) {
			usb_put_dev(udev);
			goto unref;
		}
		ret = -ENODEV;
	}

	/* udev lock first: the order of every path (see the file comment) */
	usb_lock_device(udev);
	pcm = uob_qc_find_pcm(card, UOB_TOKEN_PCM(req->usb_token));
	if (!pcm || sndcard->shutdown || udev->state == USB_STATE_NOTATTACHED ||
	    !pcm->streams[dir].substream_count)
		goto unlock;

	s = uob_qc_find_stream(req->usb_token);
	ret = -EBUSY;
	if (req->enable && s)
		goto unlock;
	ret = -EINVAL;
	if (req->service_interval_valid && uob_qc_data_interval(udev, req->service_interval) < 0)
		goto unlock;

	if (req->enable) {
		if (!req->number_of_ch || req->number_of_ch > 32 ||
		    req->bit_rate < 4000 || req->bit_rate > 768000)
			goto unlock;	/* -EINVAL, as ALSA's hw_params would say */
		/* mainline's transfer buffer: 0 is a page, whole pages, at most 24 */
		if (!req->xfer_buff_size)
			req->xfer_buff_size = PAGE_SIZE;
		else if (req->xfer_buff_size > UOB_QC_XFER_MAX)
			req->xfer_buff_size = UOB_QC_XFER_MAX;
		else
			req->xfer_buff_size = PAGE_ALIGN(req->xfer_buff_size);
		ret = uob_qc_enable_errno(uob_qc_enable(req, pcm, udev, sq, resp), resp);
	} else if (s) {
		uob_qc_stream_stop(s, false);
		ret = 0;
	}
unlock:
	usb_unlock_device(udev);
	usb_put_dev(udev);
unref:
	snd_card_unref(sndcard);
out:
	resp->usb_token_valid = 1;
	resp->usb_token = req->usb_token;
	resp->internal_status_valid = 1;
	resp->internal_status = ret;
	resp->status_valid = 1;
	resp->status = ret ? UOB_UAUDIO_FAILURE : UOB_UAUDIO_SUCCESS;
}

/* A client's mistake: counted always, logged once per kind per interval. */
static void uob_qc_log_bad(const struct sockaddr_qrtr *sq, enum uob_qmi_verdict v,
			   size_t len)
{
	if (uob_qmi_log_allowed(UOB_QMI_COUNTS, v))
		pr_warn("QRTR %u:%u: %zu-byte message %s: %s (%ld so far; debugfs qmi)\n",
			sq->sq_node, sq->sq_port, len,
			v == UOB_QMI_DROP_SHORT || v == UOB_QMI_DROP_TYPE ? "dropped" : "refused",
			uob_qmi_verdict_name(v), atomic_long_read(&uob_qmi_stats.verdict[v]));
}

static void uob_qc_msg(struct qmi_handle *qmi, struct sockaddr_qrtr *sq,
		       const void *buf, size_t len)
{
	struct uob_uaudio_resp *resp;
	struct uob_uaudio_req req;
	enum uob_qmi_verdict v;
	u16 txn_id = 0;

	atomic_long_inc(&uob_qmi_stats.received);
	v = uob_qc_parse_req(buf, len, &req, &txn_id);
	atomic_long_inc(&uob_qmi_stats.verdict[v]);
	if (v == UOB_QMI_DROP_SHORT || v == UOB_QMI_DROP_TYPE) {
		uob_qc_log_bad(sq, v, len);
		return;
	}
	if (!uob_qc_client_allowed(qmi, sq)) {
		uob_qmi_count(UOB_QMI_CNT_REFUSED_ID);
		if (uob_qmi_log_allowed(UOB_QMI_CNT_REFUSED_ID, 0))
			pr_warn("request from QRTR %u:%u refused: client not allowed (%ld so far)\n",
				sq->sq_node, sq->sq_port,
				atomic_long_read(&uob_qmi_stats.count[UOB_QMI_CNT_REFUSED_ID]));
		uob_qc_send_error(qmi, sq, txn_id, QMI_ERR_INVALID_ID_V01, -EPERM);
		return;
	}
	if (v == UOB_QMI_UNSUPPORTED) {
		uob_qc_log_bad(sq, v, len);
		uob_qc_send_error(qmi, sq, txn_id, QMI_ERR_NOT_SUPPORTED_V01, -EOPNOTSUPP);
		return;
	}
	if (v != UOB_QMI_OK) {
		uob_qc_log_bad(sq, v, len);
		uob_qc_send_error(qmi, sq, txn_id, QMI_ERR_MALFORMED_MSG_V01, -EBADMSG);
		return;
	}
	if (uob_qc_bind_client(sq)) {
		uob_qmi_count(UOB_QMI_CNT_REFUSED_BUSY);
		if (uob_qmi_log_allowed(UOB_QMI_CNT_REFUSED_BUSY, 0))
			pr_warn("request from QRTR %u:%u refused: another client is bound (%ld so far)\n",
				sq->sq_node, sq->sq_port,
				atomic_long_read(&uob_qmi_stats.count[UOB_QMI_CNT_REFUSED_BUSY]));
		uob_qc_send_error(qmi, sq, txn_id, QMI_ERR_CLIENT_IDS_EXHAUSTED_V01, -EBUSY);
		return;
	}

	resp = kzalloc_obj(*resp, GFP_KERNEL);
	if (!resp) {
		uob_qmi_count(UOB_QMI_CNT_NO_MEMORY);
		uob_qc_send_error(qmi, sq, txn_id, QMI_ERR_NO_MEMORY_V01, -ENOMEM);
		return;
	}
	uob_qc_handle_req(&req, sq, resp);
	uob_qmi_count(resp->status ? UOB_QMI_CNT_DONE_FAILED : UOB_QMI_CNT_DONE_OK);
	uob_qc_send_resp(qmi, sq, txn_id, resp);
	kfree(resp);
}

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

	/* module exit clears qmi_up under the write lock before the release */
	guard(rwsem_read)(&uob_qc.qmi_sem);
	if (!uob_qc.qmi_up)
		return;
	ret = qmi_send_indication(&uob_qc.qmi, &s->client, UOB_QMI_UAUDIO_STREAM_IND,
				  UOB_UAUDIO_IND_MAX_LEN, uob_uaudio_ind_ei, &ind);
	if (ret < 0)
		dev_warn(&udev->dev, "disconnect indication failed: %d\n", ret);
	else
		atomic_inc(&uob_qc_counters.indications);
}

/*
 * Which streams an event ends: those of @udev (NULL: any device), of @pcm
 * (NULL: any), enabled by @client (NULL: any; port 0: any port of its node).
 */
static bool uob_qc_stream_matches(const struct uob_qc_stream *s,
				  const struct usb_device *udev,
				  const struct snd_pcm *pcm,
				  const struct sockaddr_qrtr *client)
{
	if (udev && s->dev->udev != udev)
		return false;
	if (pcm && s->pcm != pcm)
		return false;
	return !client || (s->client.sq_node == client->sq_node &&
			   (!client->sq_port || s->client.sq_port == client->sq_port));
}

/*
 * The one teardown of everything a stream holds, for every event that ends
 * streams (README: "Every way a stream ends"): tell the DSP if asked (a
 * DISCONNECT indication, as mainline sends on disconnect and on suspend),
 * then give back rings, mappings, interrupter, usage and the PCM -- never
 * waiting for the DSP.  Caller holds @udev's lock (the USB core does on its
 * disconnect and unbind paths).  @pcm: only that PCM's streams, with ALSA
 * holding its open_mutex (snd_pcm_notify's disconnect); NULL: every PCM,
 * open_mutex not held.  @client: only that client's streams (NULL: all).
 *
 * Return: the number of streams torn down.
 */
static unsigned int uob_qc_teardown(struct usb_device *udev, struct snd_pcm *pcm,
				    const struct sockaddr_qrtr *client, bool tell,
				    const char *why)
	__must_hold(&udev->dev.mutex)
{
	struct uob_qc_stream *s, *found;
	ktime_t t0 = ktime_get();
	unsigned int n = 0;

	device_lock_assert(&udev->dev);
	for (;;) {
		found = NULL;
		scoped_guard(mutex, &uob_qc.lock) {
			list_for_each_entry(s, &uob_qc.streams, node) {
				if (uob_qc_stream_matches(s, udev, pcm, client)) {
					found = s;
					break;
				}
			}
		}
		if (!found)
			break;
		if (tell)
			uob_qc_send_disconnect(found, udev);
		uob_qc_stream_stop(found, !!pcm);
		n++;
	}
	if (n) {
		atomic_add(n, &uob_qc_counters.teardowns);
		dev_info(&udev->dev, "%s: %u offloaded stream(s) torn down in %lld us\n",
			 why, n, ktime_us_delta(ktime_get(), t0));
	}
	return n;
}

/*
 * Stop every stream (of one client, or all) from contexts that hold no
 * udev lock: stop-session, system sleep, module unload.  Takes each
 * device's lock first, then tears down what is still there.
 */
static void uob_qc_stop_streams(const struct sockaddr_qrtr *client, bool tell,
				const char *why)
{
	struct uob_qc_stream *s;
	struct usb_device *udev;

	for (;;) {
		udev = NULL;
		scoped_guard(mutex, &uob_qc.lock) {
			list_for_each_entry(s, &uob_qc.streams, node) {
				if (uob_qc_stream_matches(s, NULL, NULL, client)) {
					udev = usb_get_dev(s->dev->udev);
					break;
				}
			}
		}
		if (!udev)
			return;

		usb_lock_device(udev);
		uob_qc_teardown(udev, NULL, client, tell, why);
		usb_unlock_device(udev);
		usb_put_dev(udev);
	}
}

static void uob_qc_unbind(unsigned int node, unsigned int port)
{
	struct sockaddr_qrtr sq = { .sq_node = node, .sq_port = port };
	bool was;

	scoped_guard(mutex, &uob_qc.lock) {
		was = uob_qc.bound && uob_qc.client.sq_node == node &&
		      (!port || uob_qc.client.sq_port == port);
		if (was)
			uob_qc.bound = false;
	}
	if (was)
		pr_info_ratelimited("QMI client %u:%u gone: stopping its streams\n", node, port);
	uob_qc_stop_streams(&sq, false, "client gone");
}

static void uob_qc_bye(struct qmi_handle *qmi, unsigned int node)
{
	uob_qc_unbind(node, 0);
}

static void uob_qc_del_client(struct qmi_handle *qmi, unsigned int node,
			      unsigned int port)
{
	uob_qc_unbind(node, port);
}

static const struct qmi_ops uob_qc_qmi_ops = {
	.msg_handler = uob_qc_msg,
	.bye = uob_qc_bye,
	.del_client = uob_qc_del_client,
};

/* ---- disconnect: the USB core holds the udev lock ------------------------ */

static int uob_qc_pcm_register(struct snd_pcm *pcm)
{
	struct uob_qc_pcm *p;

	if (!uob_qc_is_usb_card(pcm->card))
		return 0;
	p = kzalloc_obj(*p, GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->pcm = pcm;
	guard(mutex)(&uob_qc.lock);
	list_add_tail(&p->node, &uob_qc.pcms);
	return 0;
}

static void uob_qc_pcm_forget(struct snd_pcm *pcm)
{
	struct uob_qc_pcm *p, *tmp;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry_safe(p, tmp, &uob_qc.pcms, node) {
		if (p->pcm == pcm) {
			list_del(&p->node);
			kfree(p);
		}
	}
}

/*
 * snd-usb-audio's disconnect (unplug, reset, forced unbind, usbfs release)
 * reaches here from snd_card_disconnect() with the udev lock held by the USB
 * core.  Usually the bus notifier below has torn the streams down already
 * (it runs before the driver's disconnect); what is left goes here, the
 * same way: no lock of ours beyond the leaf one, no waiting for the DSP.
 */
static int uob_qc_pcm_disconnect(struct snd_pcm *pcm)
{
	struct usb_device *udev;

	if (!uob_qc_is_usb_card(pcm->card))
		return 0;
	udev = uob_qc_card_udev(pcm->card);
	uob_qc_teardown(udev, pcm, NULL, true, "disconnect");
	uob_qc_pcm_forget(pcm);
	return 0;
}

static int uob_qc_pcm_unregister(struct snd_pcm *pcm)
{
	uob_qc_pcm_forget(pcm);
	return 0;
}

static struct snd_pcm_notify uob_qc_pcm_notify = {
	.n_register = uob_qc_pcm_register,
	.n_disconnect = uob_qc_pcm_disconnect,
	.n_unregister = uob_qc_pcm_unregister,
};

/* ---- the driver core and system sleep ---------------------------------- */

/*
 * The driver core tells a bus's notifiers BUS_NOTIFY_UNBIND_DRIVER before
 * any device of the bus loses its driver, on every path: sysfs unbind,
 * rmmod of the driver, usb_driver_release_interface() (forced unbind before
 * a reset, usbfs), configuration changes (authorized=0, unbind of the whole
 * device) and removal -- and in each the USB core holds the udev lock.
 * snd-usb-audio's disconnect returns early for the streaming interfaces it
 * claimed, so snd_pcm_notify() never hears of those; this does.  Streams of
 * a device are torn down when the device itself, or any interface bound to
 * its card's driver, is about to be unbound: before xhci-hcd drops the
 * endpoint (altsetting 0) or frees anything the DSP points at.
 */
static int uob_qc_bus_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct device *dev = data;
	struct usb_device *udev = NULL;
	struct uob_qc_stream *s;

	if (action != BUS_NOTIFY_UNBIND_DRIVER)
		return NOTIFY_DONE;

	scoped_guard(mutex, &uob_qc.lock) {
		list_for_each_entry(s, &uob_qc.streams, node) {
			struct device *own = &s->dev->udev->dev;

			if (dev == own || (dev->parent == own &&
					   dev->driver == s->pcm->card->dev->driver)) {
				udev = s->dev->udev;
				break;
			}
		}
	}
	if (!udev)
		return NOTIFY_DONE;

	uob_qc_teardown(udev, NULL, NULL, true,
			dev == &udev->dev ? "device unbind" : "interface unbind");
	return NOTIFY_OK;
}

/*
 * Register the bus notifier once, on the bus of the first device we stream
 * from (usb_bus_type is not exported).  Called with no udev lock held.
 */
static int uob_qc_watch_bus(const struct bus_type *bus)
{
	int ret;

	guard(mutex)(&uob_qc.watch_lock);
	if (uob_qc.usb_bus)
		return 0;
	uob_qc.bus_nb.notifier_call = uob_qc_bus_notify;
	ret = bus_register_notifier(bus, &uob_qc.bus_nb);
	if (ret) {
		pr_err("cannot watch the USB bus for unbinds: %d\n", ret);
		return ret;
	}
	uob_qc.usb_bus = bus;
	return 0;
}

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
		scoped_guard(mutex, &uob_qc.lock)
			WRITE_ONCE(uob_qc.sleeping, true);
		uob_qc_stop_streams(NULL, true, "system sleep");
		break;
	case PM_POST_SUSPEND:
	case PM_POST_HIBERNATION:
	case PM_POST_RESTORE:
		scoped_guard(mutex, &uob_qc.lock)
			WRITE_ONCE(uob_qc.sleeping, false);
		/* after usb-offload's own POST handler (lower priority) has run */
		mod_delayed_work(system_wq, &uob_qc.put_work, HZ / 10);
		break;
	}
}

static int uob_qc_pm_notify(struct notifier_block *nb, unsigned long action,
			    void *data)
{
	uob_qc_pm_event(action);
	return NOTIFY_DONE;
}

/* ---- debugfs ------------------------------------------------------------ */

static int uob_qc_show(struct seq_file *m, void *unused)
{
	struct uob_qc_stream *s;
	struct uob_qc_dev *d;

	guard(mutex)(&uob_qc.lock);
	seq_printf(m, "client: %s %u:%u (allow_local=%d allowed_node=%d)\n",
		   uob_qc.bound ? "bound" : "none", uob_qc.client.sq_node,
		   uob_qc.client.sq_port, uob_qc_allow_local, allowed_node);
	list_for_each_entry(d, &uob_qc.devs, node)
		seq_printf(m, "device %s slot=%d streams=%u interrupter=%d usage_taken=%d evt_iova=%#llx evt_dma=%pad size=%u\n",
			   dev_name(&d->udev->dev), d->udev->slot_id, d->streams,
			   xhci_sideband_interrupter_id(d->sb), d->usage_taken,
			   d->evt.iova, &d->evt.dma, d->evt.size);
	list_for_each_entry(s, &uob_qc.streams, node)
		seq_printf(m, "stream %06x card=%u pcm=%u dir=%u client=%u:%u intf=%u alt=%u ep=%02x data_iova=%#llx data_dma=%pad xfer_iova=%#llx xfer_dma=%pad xfer_size=%u\n",
			   s->token, UOB_TOKEN_CARD(s->token), UOB_TOKEN_PCM(s->token),
			   UOB_TOKEN_DIR(s->token), s->client.sq_node, s->client.sq_port,
			   s->resp.std_as_opr_intf_desc.bInterfaceNumber,
			   s->resp.std_as_opr_intf_desc.bAlternateSetting,
			   s->data_ep->desc.bEndpointAddress, s->data_ring.iova,
			   &s->data_ring.dma, s->xfer.iova, &s->xfer.dma, s->xfer.size);
	uob_qc_dsp_show(m);
	seq_printf(m, "counters: streams=%d devs=%d mappings=%d xfer_bufs=%d indications=%d pending_puts=%d teardowns=%d sleeping=%d\n",
		   atomic_read(&uob_qc_counters.streams), atomic_read(&uob_qc_counters.devs),
		   atomic_read(&uob_qc_counters.mappings),
		   atomic_read(&uob_qc_counters.xfer_bufs),
		   atomic_read(&uob_qc_counters.indications),
		   atomic_read(&uob_qc_counters.pending_puts),
		   atomic_read(&uob_qc_counters.teardowns), uob_qc.sleeping);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(uob_qc);

/* ---- module ------------------------------------------------------------- */

static int __init uob_qc_init(void)
{
	struct dentry *dir;
	int ret;

	ret = snd_pcm_notify(&uob_qc_pcm_notify, 0);
	if (ret)
		return ret;
	uob_qc.pm_nb.notifier_call = uob_qc_pm_notify;
	uob_qc.pm_nb.priority = UOB_QC_PM_PRIORITY;
	ret = register_pm_notifier(&uob_qc.pm_nb);
	if (ret)
		goto unnotify;

	ret = qmi_handle_init(&uob_qc.qmi, UOB_QC_RECV_MAX, &uob_qc_qmi_ops, NULL);
	if (ret)
		goto unregister_pm;
	ret = qmi_add_server(&uob_qc.qmi, UOB_UAUDIO_SERVICE_ID,
			     UOB_UAUDIO_SERVICE_VERS, UOB_UAUDIO_SERVICE_INSTANCE);
	if (ret)
		goto release;
	uob_qc.qmi_up = true;

	dir = debugfs_create_dir("qc-audio-offload", usb_offload_debugfs_root());
	debugfs_create_file("state", 0444, dir, NULL, &uob_qc_fops);
	uob_qmi_debugfs(dir);
	uob_qc.debugfs = dir;

	pr_info("QMI UAUDIO stream service 0x%x up (backport %s)\n",
		UOB_UAUDIO_SERVICE_ID, UOB_VERSION);
	return 0;

release:
	qmi_handle_release(&uob_qc.qmi);
unregister_pm:
	unregister_pm_notifier(&uob_qc.pm_nb);
unnotify:
	snd_pcm_notify(&uob_qc_pcm_notify, 1);
	return ret;
}

static void __exit uob_qc_exit(void)
{
	debugfs_remove_recursive(uob_qc.debugfs);
	/*
	 * No indication from here on (a teardown may run from the bus or PM
	 * notifier until they are unregistered below), no new requests, then
	 * stop what is running (takes udev locks).
	 */
	scoped_guard(rwsem_write, &uob_qc.qmi_sem)
		uob_qc.qmi_up = false;
	qmi_handle_release(&uob_qc.qmi);
	unregister_pm_notifier(&uob_qc.pm_nb);
	uob_qc_stop_streams(NULL, false, "module unload");
	if (uob_qc.usb_bus)
		bus_unregister_notifier(uob_qc.usb_bus, &uob_qc.bus_nb);
	snd_pcm_notify(&uob_qc_pcm_notify, 1);
	cancel_delayed_work_sync(&uob_qc.put_work);
	uob_qc_put_pending(true);
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
