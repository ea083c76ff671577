// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: offloaded streams.
 *
 * A stream enable (usb_token = card << 16 | pcm << 8 | direction) opens
 * the PCM substream so that snd-usb-audio selects the altsetting and rate
 * (pcm.c), finds the endpoint it activated, takes the device's share
 * (device.c: sideband, usage, interrupter, event ring), hands the
 * endpoint's ring(s) and a transfer buffer to the DSP and describes all
 * of it in the response.  A stream ends only through uob_qc_stream_stop()
 * (from the teardown, teardown.c, or a disable request).
 *
 * The order a stream ends in is mainline's, against a DSP that has TRBs
 * queued: first the endpoint is stopped and dropped, then what it could
 * reach is unmapped and freed (rings' DSP mappings, the transfer buffer,
 * which a stream its client ended leaves, still mapped, to the device's
 * idle share for the next enable: device.c), then the interrupter is
 * removed (its event ring freed), then the usage put.  6.12 has no
 * xhci_stop_endpoint_sync(), so the sideband cannot stop an endpoint;
 * what stops it is the altsetting change snd-usb-audio makes
 * when the PCM is closed: usb_set_interface(intf, 0) drops the endpoint
 * with a Configure Endpoint command, which the controller completes only
 * once the endpoint is stopped.  When usbcore refuses that (the interface
 * is being unregistered: unplug, authorized=0, unbind of the whole device,
 * controller removal), usbcore drops every endpoint itself a little later,
 * still under the udev lock it holds now.  The stream is then *parked*:
 * off the list of streams, told and closed, but what the endpoint can
 * reach is kept until usbcore's endpoint table no longer holds the
 * endpoint -- checked once the udev lock is free again (a work item takes
 * it), when the device is deleted (before xhci-hcd frees its slot or the
 * controller goes), and at module unload.
 *
 * Controller removal is the one event where usbcore clears its endpoint
 * table without the controller having dropped anything: xhci-hcd refuses
 * the drop once its removal has begun, and the endpoint runs until
 * remove() halts the controller.  Then the transfer buffer is kept until
 * the controller's driver has unbound (kept.c) and the event ring is left
 * to xhci-hcd, which frees it after the halt (both decided on xhci-hcd's
 * own state: uob_xhci_sideband_host_removing()); everything else is given
 * back as usual.
 *
 * A stream the driver ends itself and tells the DSP of (a DISCONNECT
 * indication: unbind, reset, unplug, system sleep, module unload) is
 * remembered as *ended* until its client disables it, as the DSP does
 * after a DISCONNECT: mainline's disconnect and suspend paths wait (up to
 * 10 s) for that disable, with the card still there, and answer it
 * SUCCESS.  This driver never waits for the DSP (its stream is gone
 * already, and often its card), so it answers that disable from the
 * record instead, without touching anything: same answer, no wait.  A
 * record goes with that disable, a new enable of its token, its client
 * going away, or module unload; at most UOB_QC_ENDED_MAX are kept (the
 * oldest goes first).
 *
 * Locking: a stream is set up and given back with its udev device lock
 * held.  uob_qc.lock protects the lists of streams and parked streams, the
 * ended records and the sleep flag; a leaf lock, never held across a call.
 * A token is either listed as a stream or recorded as ended, never both:
 * a stream leaves the list and its record is made in one uob_qc.lock
 * section, and an enable's commit drops the record of its token in the
 * section that lists it.
 */
#include <linux/dma-mapping.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include <linux/usb/audio.h>
#include <linux/workqueue.h>
#include <sound/core.h>
#include <kunit/static_stub.h>
#include <kunit/visibility.h>

#include <uob/xhci-sideband.h>
#include <uob_compat.h>

#include "device.h"
#include "kept.h"
#include "response.h"
#include "stream.h"

struct uob_qc_counters uob_qc_counters;

static void uob_qc_release_work_fn(struct work_struct *work);

/* ended streams remembered at most: one per card's playback and capture */
#define UOB_QC_ENDED_MAX	(2 * SNDRV_CARDS)

/**
 * struct uob_qc_ended - a stream the driver ended, not yet disabled by the DSP
 * @client: the client that enabled it
 * @token: its usb_token
 * @speed: its device's speed (a disable's service interval is checked with it)
 * @used: the slot holds a record
 */
struct uob_qc_ended {
	struct sockaddr_qrtr client;
	u32 token;
	enum usb_device_speed speed;
	bool used;
};

static struct {
	struct mutex lock;		/* leaf (order: teardown.c): all below */
	struct list_head streams;
	struct list_head parked;	/* stopped, endpoint not dropped yet */
	struct uob_qc_ended ended[UOB_QC_ENDED_MAX];
	unsigned int ended_next;	/* the slot a full table gives up next */
	/* written under .lock; read without it only as an early refusal */
	bool sleeping;			/* system sleep: no new stream */
	struct work_struct release_work; /* looks at the parked streams */
} uob_qc = {
	.lock = __MUTEX_INITIALIZER(uob_qc.lock),
	.streams = LIST_HEAD_INIT(uob_qc.streams),
	.parked = LIST_HEAD_INIT(uob_qc.parked),
	.release_work = __WORK_INITIALIZER(uob_qc.release_work, uob_qc_release_work_fn),
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

/*
 * The calls a stream setup makes that can fail, each a KUnit static stub
 * (see device.c).
 */
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

/*
 * Whole pages: nothing else may share a page the DSP can reach.  Managed
 * (dmam) on the controller's sysdev: what a controller's removal keeps is
 * freed by devres at the latest (kept.c).
 */
VISIBLE_IF_KUNIT void *uob_qc_xfer_alloc(struct usb_device *udev, size_t size,
					 dma_addr_t *dma)
{
	KUNIT_STATIC_STUB_REDIRECT(uob_qc_xfer_alloc, udev, size, dma);
	return dmam_alloc_coherent(udev->bus->sysdev, PAGE_ALIGN(size), dma, GFP_KERNEL);
}

/**
 * uob_qc_find_stream() - the stream of a usb_token
 * @token: the token
 *
 * Context: process context; takes uob_qc.lock.  The stream stays valid
 * after it is dropped only while the caller holds the udev lock of the
 * stream's device (streams are added and removed under it); callers
 * re-check that the stream is on the device they locked.
 *
 * Return: the stream, or NULL.
 */
struct uob_qc_stream *uob_qc_find_stream(u32 token)
{
	struct uob_qc_stream *s;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(s, &uob_qc.streams, node)
		if (s->token == token)
			return s;
	return NULL;
}

/* Forget the ended record of @token, if any.  Caller holds uob_qc.lock. */
static void uob_qc_ended_drop_locked(u32 token)
{
	unsigned int i;

	lockdep_assert_held(&uob_qc.lock);
	for (i = 0; i < UOB_QC_ENDED_MAX; i++)
		if (uob_qc.ended[i].used && uob_qc.ended[i].token == token)
			uob_qc.ended[i].used = false;
}

/* Record @s as ended by the driver.  Caller holds uob_qc.lock. */
static void uob_qc_ended_add_locked(const struct uob_qc_stream *s)
{
	struct uob_qc_ended *e = NULL;
	unsigned int i;

	lockdep_assert_held(&uob_qc.lock);
	uob_qc_ended_drop_locked(s->token);
	for (i = 0; i < UOB_QC_ENDED_MAX && !e; i++)
		if (!uob_qc.ended[i].used)
			e = &uob_qc.ended[i];
	if (!e) {
		/* full: the oldest record goes (its disable gets today's answer) */
		e = &uob_qc.ended[uob_qc.ended_next];
		uob_qc.ended_next = (uob_qc.ended_next + 1) % UOB_QC_ENDED_MAX;
	}
	*e = (struct uob_qc_ended){
		.client = s->client,
		.token = s->token,
		.speed = s->dev->udev->speed,
		.used = true,
	};
}

/**
 * uob_qc_ended_disable() - the DSP's disable of a stream the driver ended
 * @req: a checked disable request
 * @client: the client asking
 *
 * Answers as mainline answers the disable its disconnect or suspend path
 * waits for (see the top of this file), from the record alone: nothing is
 * looked up or touched, so it answers during system sleep and after the
 * card is gone too.
 *
 * Context: any process context; takes uob_qc.lock.
 *
 * Return: -ENOENT if @client has no ended stream of this token (the
 * request goes on as any other); else its answer: 0, the record forgotten,
 * or -EINVAL for a service interval that is no interval (mainline refuses
 * that before it disables; the record is kept).
 */
int uob_qc_ended_disable(const struct uob_uaudio_req *req, const struct sockaddr_qrtr *client)
{
	unsigned int i;

	guard(mutex)(&uob_qc.lock);
	for (i = 0; i < UOB_QC_ENDED_MAX; i++) {
		struct uob_qc_ended *e = &uob_qc.ended[i];

		if (!e->used || e->token != req->usb_token ||
		    e->client.sq_node != client->sq_node || e->client.sq_port != client->sq_port)
			continue;
		if (req->service_interval_valid &&
		    uob_qc_data_interval(e->speed, req->service_interval) < 0)
			return -EINVAL;
		e->used = false;
		return 0;
	}
	return -ENOENT;
}

/**
 * uob_qc_ended_forget() - forget the ended streams of a client, or all
 * @client: the client (NULL: every client; port 0: any port of its node)
 *
 * The client went away, or the service does (module unload).
 *
 * Context: any process context; takes uob_qc.lock.
 */
void uob_qc_ended_forget(const struct sockaddr_qrtr *client)
{
	unsigned int i;

	guard(mutex)(&uob_qc.lock);
	for (i = 0; i < UOB_QC_ENDED_MAX; i++) {
		struct uob_qc_ended *e = &uob_qc.ended[i];

		if (!client || (e->client.sq_node == client->sq_node &&
				(!client->sq_port || e->client.sq_port == client->sq_port)))
			e->used = false;
	}
}

/* An audio streaming interface's data endpoint in direction @out, or NULL. */
static struct usb_host_endpoint *uob_qc_as_data_ep(struct usb_host_interface *alt, bool out)
{
	int e;

	if (alt->desc.bInterfaceClass != USB_CLASS_AUDIO ||
	    alt->desc.bInterfaceSubClass != USB_SUBCLASS_AUDIOSTREAMING ||
	    !alt->desc.bAlternateSetting)
		return NULL;
	for (e = 0; e < alt->desc.bNumEndpoints; e++) {
		struct usb_host_endpoint *ep = &alt->endpoint[e];
		u8 usage = ep->desc.bmAttributes & USB_ENDPOINT_USAGE_MASK;

		if (usb_endpoint_xfer_isoc(&ep->desc) && usb_endpoint_dir_out(&ep->desc) == out &&
		    usage != USB_ENDPOINT_USAGE_FEEDBACK)
			return ep;
	}
	return NULL;
}

/**
 * uob_qc_as_snapshot() - every interface's current altsetting
 * @udev: the device, whose lock the caller holds
 * @cur: USB_MAXINTERFACES entries, filled by position in the active
 *	configuration (NULL past its last interface)
 *
 * Taken before a stream's PCM is opened, for uob_qc_find_stream_ep().
 *
 * Context: the caller holds @udev's lock (the configuration cannot change).
 */
VISIBLE_IF_KUNIT void uob_qc_as_snapshot(struct usb_device *udev,
					 struct usb_host_interface **cur)
{
	struct usb_host_config *cfg = udev->actconfig;
	int i;

	for (i = 0; i < USB_MAXINTERFACES; i++)
		cur[i] = cfg && i < cfg->desc.bNumInterfaces ?
			 READ_ONCE(cfg->interface[i]->cur_altsetting) : NULL;
}

/*
 * Is @intf the interface of a listed stream?  Such an interface is that
 * stream's, whatever else is asked.
 */
static bool uob_qc_intf_taken(struct usb_interface *intf)
{
	struct uob_qc_stream *o;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(o, &uob_qc.streams, node)
		if (o->intf == intf)
			return true;
	return false;
}

/**
 * uob_qc_find_stream_ep() - the streaming interface this PCM's open selected
 * @s: the stream (its direction from its token); @intf, @data_ep and
 *	@sync_ep are set on success
 * @udev: the device, whose lock the caller holds
 * @before: uob_qc_as_snapshot() taken before the PCM was opened
 *
 * snd-usb-audio's private structures (mainline: subs->data_endpoint) are
 * not ours to read, so the interface is told from what usbcore shows.
 * After HW_PARAMS + PREPARE this PCM's streaming interface is at a
 * non-zero altsetting with a data endpoint in the stream's direction.
 * The candidates are the interfaces in that state that no offloaded
 * stream has already; another PCM that the host itself plays on (aplay on
 * the device's other playback interface) is one too.  One candidate: it
 * is this PCM's.  Several: the one whose altsetting this open changed,
 * if exactly one did.  Otherwise the request is refused rather than the
 * DSP given another PCM's ring.
 *
 * Limits: an interface that was at this altsetting before the open
 * (snd-usb-audio leaves it so with QUIRK_FLAG_IFACE_SKIP_CLOSE) is
 * recognised only while it is the only candidate; and if, during
 * the open, the host opens another PCM of the device in the same
 * direction, that change is seen too: with this PCM's own change, the
 * request is refused (-EBUSY); without it (the case above), the other
 * interface would be taken.
 *
 * Context: the caller holds @udev's lock.
 *
 * Return: 0, -ENODEV (no candidate) or -EBUSY (cannot tell which).
 */
VISIBLE_IF_KUNIT int uob_qc_find_stream_ep(struct uob_qc_stream *s, struct usb_device *udev,
					   struct usb_host_interface *const *before)
{
	bool out = UOB_TOKEN_DIR(s->token) == SNDRV_PCM_STREAM_PLAYBACK;
	struct usb_host_config *cfg = udev->actconfig;
	struct usb_interface *only = NULL, *changed = NULL;
	unsigned int candidates = 0, changes = 0;
	struct usb_host_interface *alt;
	int i, e;

	for (i = 0; cfg && i < cfg->desc.bNumInterfaces; i++) {
		struct usb_interface *intf = cfg->interface[i];

		alt = READ_ONCE(intf->cur_altsetting);
		if (!uob_qc_as_data_ep(alt, out) || uob_qc_intf_taken(intf))
			continue;
		candidates++;
		only = intf;
		if (alt != before[i]) {
			changes++;
			changed = intf;
		}
	}
	if (!candidates)
		return -ENODEV;
	if (candidates > 1) {
		if (changes != 1)
			return -EBUSY;
		only = changed;
	}

	alt = READ_ONCE(only->cur_altsetting);
	s->intf = only;
	s->data_ep = uob_qc_as_data_ep(alt, out);
	s->sync_ep = NULL;
	for (e = 0; e < alt->desc.bNumEndpoints; e++) {
		struct usb_host_endpoint *ep = &alt->endpoint[e];

		if (ep != s->data_ep && usb_endpoint_xfer_isoc(&ep->desc) &&
		    usb_endpoint_dir_out(&ep->desc) != out)
			s->sync_ep = ep;
	}
	return 0;
}

/* The transfer buffer: coherent memory of whole pages.  Caller holds the udev lock. */
static int uob_qc_map_buf(struct uob_qc_map *m, struct usb_device *udev,
			  void *cpu, dma_addr_t dma, size_t size)
{
	struct device *sysdev = udev->bus->sysdev;
	struct sg_table *sgt;
	int ret;

	device_lock_assert(&udev->dev);
	sgt = kzalloc_obj(*sgt, GFP_KERNEL);
	if (!sgt)
		return -ENOMEM;
	ret = dma_get_sgtable(sysdev, sgt, cpu, dma, PAGE_ALIGN(size));
	if (ret) {
		kfree(sgt);
		return ret;
	}
	ret = uob_qc_dsp_map(m, UOB_QC_MEM_XFER_BUF, sysdev, sgt, dma);
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

static void uob_qc_fill_resp(struct uob_qc_stream *s, struct usb_device *udev,
			     struct uob_uaudio_resp *r)
{
	uob_qc_resp_usb(r, udev, s->intf->cur_altsetting, s->data_ep, s->sync_ep);
	r->xhci_mem_info_valid = 1;
	uob_qc_mem_info(&r->xhci_mem_info.evt_ring, &s->dev->evt);
	uob_qc_mem_info(&r->xhci_mem_info.tr_data, &s->data_ring);
	uob_qc_mem_info(&r->xhci_mem_info.tr_sync, &s->sync_ring);
	uob_qc_mem_info(&r->xhci_mem_info.xfer_buff, &s->xfer);
	r->interrupter_num_valid = 1;
	r->interrupter_num = xhci_sideband_interrupter_id(s->dev->sb);
}

/* An endpoint's ring, handed to the DSP.  @ep NULL: no such endpoint. */
static int uob_qc_add_ep(struct uob_qc_dev *d, struct usb_host_endpoint *ep,
			 struct uob_qc_map *m)
{
	struct sg_table *sgt;
	int ret;

	if (!ep)
		return 0;
	ret = uob_qc_sb_add_endpoint(d->sb, ep);
	if (ret)
		return ret;

	sgt = uob_qc_sb_endpoint_buffer(d->sb, ep);
	if (!sgt)
		ret = -ENOMEM;
	else
		ret = uob_qc_dev_map_ring(d, m, UOB_QC_MEM_XFER_RING, sgt);
	if (ret)
		xhci_sideband_remove_endpoint(d->sb, ep);
	return ret;
}

/* Enable's error path: the DSP was never told of the ring. */
static void uob_qc_remove_ep(struct uob_qc_dev *d, struct usb_host_endpoint *ep,
			     struct uob_qc_map *m)
{
	if (!ep)
		return;
	uob_qc_dsp_unmap(m);
	xhci_sideband_remove_endpoint(d->sb, ep);
}

/*
 * Give back a transfer buffer: the DSP's view now; the buffer too, unless
 * its endpoint may still read it (@dropped false) while the controller is
 * being removed: then it is freed once the controller's driver has
 * unbound (kept.c), after the controller halted.
 */
static void uob_qc_xfer_buf_free(struct uob_qc_dev *d, struct uob_qc_xfer_buf *x, bool dropped)
	__must_hold(&d->udev->dev.mutex)
{
	struct usb_device *udev = d->udev;
	struct device *sysdev = udev->bus->sysdev;
	size_t size = PAGE_ALIGN(x->size);

	uob_qc_dsp_unmap(&x->map);
	atomic_dec(&uob_qc_counters.xfer_bufs);
	if (!dropped && uob_xhci_sideband_host_removing(d->sb)) {
		dev_info(&udev->dev,
			 "offload: transfer buffer kept until the controller being removed is gone\n");
		uob_qc_keep_until_unbound(udev, sysdev, x->buf, x->dma, size);
	} else {
		dmam_free_coherent(sysdev, size, x->buf, x->dma);
	}
}

/**
 * uob_qc_xfer_spare_free() - give back the transfer buffer a share keeps
 * @d: the device's share
 *
 * The DSP's view, then the buffer: its endpoint was dropped before it was
 * kept (uob_qc_xfer_free()).
 *
 * Context: the caller holds @d's udev lock.
 */
void uob_qc_xfer_spare_free(struct uob_qc_dev *d)
	__must_hold(&d->udev->dev.mutex)
{
	struct uob_qc_xfer_buf x;

	if (uob_qc_dev_spare_take(d, 0, &x))
		uob_qc_xfer_buf_free(d, &x, true);
}

/*
 * The transfer buffer (mainline: uaudio_transfer_buffer_setup()), or the
 * one the device's share kept from its last stream (uob_qc_xfer_free())
 * if that has the size asked for: then nothing is allocated, mapped or,
 * later, unmapped and freed on a disable/enable cycle (each unmap is an
 * IOTLB invalidation, and the free another, in the controller's domain).
 * Cleared as a new one is: it held the last stream's audio.  A spare of
 * another size is given back first: the new buffer then takes the IOVAs
 * from the bottom again, where the spare's were, as without a spare
 * (docs/mainline.md, row 13; a failed allocation leaves none kept).
 */
static int uob_qc_xfer_setup(struct uob_qc_stream *s, struct usb_device *udev, u32 size)
{
	struct uob_qc_xfer_buf x;
	int ret;

	if (uob_qc_dev_spare_take(s->dev, size, &x)) {
		s->xfer = x.map;
		s->xfer_buf = x.buf;
		s->xfer_dma = x.dma;
		s->xfer_size = size;
		memset(s->xfer_buf, 0, PAGE_ALIGN(size));
		return 0;
	}
	uob_qc_xfer_spare_free(s->dev);

	s->xfer_buf = uob_qc_xfer_alloc(udev, size, &s->xfer_dma);
	if (!s->xfer_buf)
		return -ENOMEM;
	s->xfer_size = size;
	ret = uob_qc_map_buf(&s->xfer, udev, s->xfer_buf, s->xfer_dma, size);
	if (ret) {
		dmam_free_coherent(udev->bus->sysdev, PAGE_ALIGN(size), s->xfer_buf,
				   s->xfer_dma);
		return ret;
	}
	atomic_inc(&uob_qc_counters.xfer_bufs);
	return 0;
}

/*
 * A stream's transfer buffer, given back: kept, still mapped, as the
 * share's spare if its endpoints are dropped (@keep: the release of a
 * stream its client ended) and the share may stay idle with it as its
 * last stream (uob_qc_dev_spare_keep()); else freed.  A share that does
 * not stay after all gives its spare back first (uob_qc_dev_release()).
 */
static void uob_qc_xfer_free(struct uob_qc_stream *s, bool keep)
	__must_hold(&s->dev->udev->dev.mutex)
{
	struct uob_qc_xfer_buf x = {
		.map = s->xfer, .buf = s->xfer_buf, .dma = s->xfer_dma, .size = s->xfer_size,
	};

	memset(&s->xfer, 0, sizeof(s->xfer));
	s->xfer_buf = NULL;
	if (keep && !uob_xhci_sideband_host_removing(s->dev->sb) &&
	    uob_qc_dev_spare_keep(s->dev, &x))
		return;
	uob_qc_xfer_buf_free(s->dev, &x, false);
}

/**
 * uob_qc_enable() - enable one stream
 * @req: the (checked) request
 * @pcm: its PCM
 * @udev: its device
 * @client: the QMI client asking
 * @resp: filled for the client on success, untouched otherwise
 *
 * Context: the caller holds @udev's lock.
 *
 * Return: 0, or a negative errno with nothing taken: -EBUSY (enabled
 * already, or the system is going to sleep), -ENODEV (no active streaming
 * interface), -EINVAL (not the endpoint's service interval), or the error
 * of ALSA, the sideband, the offload usage, the DSP mapping or an
 * allocation.
 */
int uob_qc_enable(const struct uob_uaudio_req *req, struct snd_pcm *pcm,
		  struct usb_device *udev, const struct sockaddr_qrtr *client,
		  struct uob_uaudio_resp *resp)
{
	struct usb_host_interface *before[USB_MAXINTERFACES];
	struct uob_qc_stream *s;
	int ret;

	device_lock_assert(&udev->dev);
	if (uob_qc_find_stream(req->usb_token))
		return -EBUSY;

	s = kzalloc_obj(*s, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->token = req->usb_token;
	s->client = *client;

	/* which interface this open selects: see uob_qc_find_stream_ep() */
	uob_qc_as_snapshot(udev, before);
	ret = uob_qc_pcm_open(&s->alsa, pcm, UOB_TOKEN_DIR(req->usb_token),
			      uob_qc_formats[req->audio_format], req->number_of_ch,
			      req->bit_rate);
	if (ret)
		goto free;
	ret = uob_qc_find_stream_ep(s, udev, before);
	if (ret)
		goto close;
	if (req->service_interval_valid &&
	    uob_qc_data_interval(udev->speed, req->service_interval) !=
	    s->data_ep->desc.bInterval) {
		ret = -EINVAL;
		goto close;
	}
	s->dev = uob_qc_dev_get(udev, s->intf);
	if (IS_ERR(s->dev)) {
		ret = PTR_ERR(s->dev);
		goto close;
	}
	ret = uob_qc_add_ep(s->dev, s->data_ep, &s->data_ring);
	if (ret)
		goto put_dev;
	ret = uob_qc_add_ep(s->dev, s->sync_ep, &s->sync_ring);
	if (ret)
		goto remove_data;
	ret = uob_qc_xfer_setup(s, udev, req->xfer_buff_size);
	if (ret)
		goto remove_sync;

	uob_qc_fill_resp(s, udev, &s->resp);
	/*
	 * The commit point: the sleep notifier sets ->sleeping under the same
	 * lock and then stops what is listed, so a stream is either listed
	 * before (and stopped) or refused here.
	 */
	scoped_guard(mutex, &uob_qc.lock) {
		if (!uob_qc.sleeping) {
			list_add_tail(&s->node, &uob_qc.streams);
			uob_qc_ended_drop_locked(s->token);
		} else {
			ret = -EBUSY;
		}
	}
	if (ret)
		goto free_xfer;
	atomic_inc(&uob_qc_counters.streams);
	*resp = s->resp;
	dev_dbg(&udev->dev, "offload stream %06x enabled: interrupter %u, slot %u\n",
		s->token, resp->interrupter_num, resp->slot_id);
	return 0;

free_xfer:
	uob_qc_xfer_free(s, false);
remove_sync:
	uob_qc_remove_ep(s->dev, s->sync_ep, &s->sync_ring);
remove_data:
	uob_qc_remove_ep(s->dev, s->data_ep, &s->data_ring);
put_dev:
	uob_qc_dev_put(s->dev, true);
close:
	uob_qc_pcm_close(&s->alsa);
free:
	kfree(s);
	return ret;
}

/*
 * Does usbcore still have @ep enabled on @udev?  usbcore clears its
 * endpoint table only after the host controller has dropped the endpoint
 * (usb_set_interface(), usb_disable_device()), so "no" means the
 * controller can no longer run it.
 */
static bool uob_qc_ep_enabled(struct usb_device *udev, struct usb_host_endpoint *ep)
{
	unsigned int n;

	if (!ep)
		return false;
	n = usb_endpoint_num(&ep->desc);
	return (usb_endpoint_dir_in(&ep->desc) ? udev->ep_in[n] : udev->ep_out[n]) == ep;
}

static bool uob_qc_stream_quiet(struct uob_qc_stream *s)
{
	struct usb_device *udev = s->dev->udev;

	return !uob_qc_ep_enabled(udev, s->data_ep) && !uob_qc_ep_enabled(udev, s->sync_ep);
}

/*
 * What the stream's endpoints could reach, given back once they are
 * dropped: the DSP's view of the rings (xhci-hcd has freed the rings with
 * the drop), the transfer buffer, then the device's share -- the
 * interrupter, whose event ring the controller wrote, and the usage --
 * kept idle for the next enable if @linger (device.c).
 */
static void uob_qc_stream_release(struct uob_qc_stream *s, bool linger)
	__must_hold(&s->dev->udev->dev.mutex)
{
	struct uob_qc_dev *d = s->dev;

	device_lock_assert(&d->udev->dev);
	if (s->sync_ep)
		uob_qc_dsp_unmap(&s->sync_ring);
	uob_qc_dsp_unmap(&s->data_ring);
	uob_qc_xfer_free(s, linger);
	uob_qc_dev_put(d, linger);
	atomic_dec(&uob_qc_counters.streams);
	kfree(s);
}

/**
 * uob_qc_stream_stop() - end one stream
 * @s: a listed stream
 * @told: the driver ends it and has told its client (DISCONNECT): the
 *	client's disable of it is answered from a record (see the top of
 *	this file); false for the client's own disable and when the client
 *	is gone
 *
 * In mainline's order (see the top of this file): the endpoints are given
 * back and dropped (the PCM's close makes snd-usb-audio select altsetting
 * 0), then what they could reach is released -- now if usbcore has
 * dropped them, else once it has (the stream is parked).  The device's
 * share is kept idle for the next enable only after a client's own end
 * (!@told); an event that ends the device's streams gives it back.
 *
 * Context: the caller holds the stream's udev lock (or usbcore does).
 */
void uob_qc_stream_stop(struct uob_qc_stream *s, bool told)
	__must_hold(&s->dev->udev->dev.mutex)
{
	struct uob_qc_dev *d = s->dev;

	device_lock_assert(&d->udev->dev);
	scoped_guard(mutex, &uob_qc.lock) {
		list_del(&s->node);
		if (told)
			uob_qc_ended_add_locked(s);
	}
	/* stopped here where xhci_stop_endpoint_sync() exists (6.13+) */
	if (s->sync_ep)
		xhci_sideband_remove_endpoint(d->sb, s->sync_ep);
	xhci_sideband_remove_endpoint(d->sb, s->data_ep);
	/* altsetting 0: the controller stops and drops the endpoints */
	uob_qc_pcm_close(&s->alsa);

	if (uob_qc_stream_quiet(s)) {
		uob_qc_stream_release(s, !told);
		return;
	}
	dev_dbg(&d->udev->dev, "offload stream %06x parked until its endpoint is dropped\n",
		s->token);
	scoped_guard(mutex, &uob_qc.lock)
		list_add_tail(&s->node, &uob_qc.parked);
	queue_work(system_dfl_wq, &uob_qc.release_work);
}

/**
 * uob_qc_release_parked() - release the parked streams of a device
 * @udev: the device, whose lock the caller holds
 * @force: release them even if an endpoint is still enabled (module
 *	unload: nothing else will)
 *
 * Context: the caller holds @udev's lock.
 *
 * Return: the number of streams released.
 */
unsigned int uob_qc_release_parked(struct usb_device *udev, bool force)
	__must_hold(&udev->dev.mutex)
{
	struct uob_qc_stream *s, *tmp;
	LIST_HEAD(done);
	unsigned int n = 0;

	device_lock_assert(&udev->dev);
	scoped_guard(mutex, &uob_qc.lock) {
		list_for_each_entry_safe(s, tmp, &uob_qc.parked, node) {
			if (s->dev->udev != udev)
				continue;
			s->park_seen = true;
			if (!uob_qc_stream_quiet(s)) {
				if (!force)
					continue;
				dev_warn(&udev->dev, "offload stream %06x: endpoint still enabled, released anyway\n",
					 s->token);
			}
			list_move_tail(&s->node, &done);
		}
	}
	list_for_each_entry_safe(s, tmp, &done, node) {
		list_del(&s->node);
		/* parked: its device's streams were ended, the share goes too */
		uob_qc_stream_release(s, false);
		n++;
	}
	return n;
}

/* A device with parked streams not looked at yet, referenced; or NULL. */
static struct usb_device *uob_qc_parked_udev_get(bool all)
{
	struct uob_qc_stream *s;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(s, &uob_qc.parked, node)
		if (all || !s->park_seen)
			return usb_get_dev(s->dev->udev);
	return NULL;
}

/*
 * A parked stream waits for usbcore, which drops the endpoints under the
 * udev lock it holds while the stream is parked: by the time this gets the
 * lock, it has.  A stream whose endpoint is still enabled then (a device
 * whose altsetting snd-usb-audio keeps on close, QUIRK_FLAG_IFACE_SKIP_CLOSE,
 * or a failed usb_set_interface()) stays parked, looked at again when the
 * device is deleted and at module unload.
 */
static void uob_qc_release_work_fn(struct work_struct *work)
{
	struct usb_device *udev;

	while ((udev = uob_qc_parked_udev_get(false))) {
		usb_lock_device(udev);
		uob_qc_release_parked(udev, false);
		usb_unlock_device(udev);
		usb_put_dev(udev);
	}
}

/**
 * uob_qc_parked_udev() - the device @dev is, if it has parked streams
 * @dev: a device of the USB bus
 *
 * Context: process context; takes uob_qc.lock.
 *
 * Return: the USB device (not referenced: the caller's @dev is), or NULL.
 */
struct usb_device *uob_qc_parked_udev(struct device *dev)
{
	struct uob_qc_stream *s;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(s, &uob_qc.parked, node)
		if (&s->dev->udev->dev == dev)
			return s->dev->udev;
	return NULL;
}

/**
 * uob_qc_release_all_parked() - module unload: release every parked stream
 *
 * Context: process context; the caller holds no udev lock and has stopped
 * every stream (nothing parks any more).
 */
void uob_qc_release_all_parked(void)
{
	struct usb_device *udev;

	flush_work(&uob_qc.release_work);
	while ((udev = uob_qc_parked_udev_get(true))) {
		usb_lock_device(udev);
		uob_qc_release_parked(udev, true);
		usb_unlock_device(udev);
		usb_put_dev(udev);
	}
}

/*
 * Which streams an event ends: those of @udev (NULL: any device), enabled
 * by @client (NULL: any; port 0: any port of its node).
 */
static bool uob_qc_stream_matches(const struct uob_qc_stream *s,
				  const struct usb_device *udev,
				  const struct sockaddr_qrtr *client)
{
	if (udev && s->dev->udev != udev)
		return false;
	return !client || (s->client.sq_node == client->sq_node &&
			   (!client->sq_port || s->client.sq_port == client->sq_port));
}

/**
 * uob_qc_find_match() - the first stream of @udev an event ends
 * @udev: the device, whose lock the caller holds
 * @client: only this client's (NULL: any; port 0: any port of its node)
 *
 * Context: the caller holds @udev's lock, which keeps the stream valid.
 *
 * Return: the stream, or NULL.
 */
struct uob_qc_stream *uob_qc_find_match(struct usb_device *udev,
					const struct sockaddr_qrtr *client)
{
	struct uob_qc_stream *s;

	device_lock_assert(&udev->dev);
	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(s, &uob_qc.streams, node)
		if (uob_qc_stream_matches(s, udev, client))
			return s;
	return NULL;
}

/**
 * uob_qc_match_udev_get() - the device of a stream of @client
 * @client: the client (NULL: any; port 0: any port of its node)
 *
 * Context: process context, no udev lock needed.
 *
 * Return: the device of the first such stream, referenced, or NULL.
 */
struct usb_device *uob_qc_match_udev_get(const struct sockaddr_qrtr *client)
{
	struct uob_qc_stream *s;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(s, &uob_qc.streams, node)
		if (uob_qc_stream_matches(s, NULL, client))
			return usb_get_dev(s->dev->udev);
	return NULL;
}

/**
 * uob_qc_stream_unbinding() - whose streams end when @dev loses its driver
 * @dev: a device of the USB bus about to be unbound
 *
 * Streams of a device end when the device itself, or any interface bound
 * to its card's driver, is about to be unbound.
 *
 * Context: the bus notifier; the USB core holds the udev lock.
 *
 * Return: the USB device whose streams end (not referenced: its lock is
 * held), or NULL.
 */
struct usb_device *uob_qc_stream_unbinding(struct device *dev)
{
	struct uob_qc_stream *s;

	guard(mutex)(&uob_qc.lock);
	list_for_each_entry(s, &uob_qc.streams, node) {
		struct device *own = &s->dev->udev->dev;

		if (dev == own || (dev->parent == own &&
				   dev->driver == s->alsa.pcm->card->dev->driver))
			return s->dev->udev;
	}
	return NULL;
}

/**
 * uob_qc_sleeping() - is the system going to sleep?
 *
 * Context: any; an early refusal only (uob_qc_enable() checks again at its
 * commit point, under uob_qc.lock).
 *
 * Return: true between PM_*_PREPARE and PM_POST_*.
 */
bool uob_qc_sleeping(void)
{
	return READ_ONCE(uob_qc.sleeping);
}

/**
 * uob_qc_set_sleeping() - no new stream from now on, or again
 * @sleeping: true at PM_*_PREPARE, false at PM_POST_*
 *
 * Context: process context; takes uob_qc.lock, then the device list's.
 * Set before the streams are stopped, so a stream is either listed before
 * (and stopped) or refused at its commit point; and a share is either
 * idle before (and given back by uob_qc_dev_release_all_idle()) or given
 * back when its last stream ends.
 */
void uob_qc_set_sleeping(bool sleeping)
{
	scoped_guard(mutex, &uob_qc.lock)
		WRITE_ONCE(uob_qc.sleeping, sleeping);
	/* and no idle share from now on (the caller gives back those there are) */
	uob_qc_dev_set_linger(!sleeping);
}

/**
 * uob_qc_stream_show() - debugfs: the streams
 * @m: the seq_file
 *
 * Context: process context; takes uob_qc.lock.
 */
void uob_qc_stream_show(struct seq_file *m)
{
	struct uob_qc_stream *s;

	unsigned int i;

	guard(mutex)(&uob_qc.lock);
	for (i = 0; i < UOB_QC_ENDED_MAX; i++)
		if (uob_qc.ended[i].used)
			seq_printf(m, "ended %06x client=%u:%u (not disabled yet)\n",
				   uob_qc.ended[i].token, uob_qc.ended[i].client.sq_node,
				   uob_qc.ended[i].client.sq_port);
	list_for_each_entry(s, &uob_qc.parked, node)
		seq_printf(m, "parked %06x ep=%02x\n", s->token,
			   s->data_ep->desc.bEndpointAddress);
	list_for_each_entry(s, &uob_qc.streams, node)
		seq_printf(m, "stream %06x card=%u pcm=%u dir=%u client=%u:%u intf=%u alt=%u ep=%02x data_iova=%#llx data_dma=%pad xfer_iova=%#llx xfer_dma=%pad xfer_size=%u\n",
			   s->token, UOB_TOKEN_CARD(s->token), UOB_TOKEN_PCM(s->token),
			   UOB_TOKEN_DIR(s->token), s->client.sq_node, s->client.sq_port,
			   s->resp.std_as_opr_intf_desc.bInterfaceNumber,
			   s->resp.std_as_opr_intf_desc.bAlternateSetting,
			   s->data_ep->desc.bEndpointAddress, s->data_ring.iova,
			   &s->data_ring.dma, s->xfer.iova, &s->xfer.dma, s->xfer.size);
}
