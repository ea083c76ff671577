// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": lock orders lockdep cannot see (device
 * mutexes are novalidate), each interleaving forced deterministically,
 * with a bounded wait that fails the case instead of hanging the run; the
 * PCM lookup on request (no snd_pcm_notify()); and the choice of the
 * streaming interface on devices the emulated board cannot present.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/notifier.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/suspend.h>
#include <linux/usb/audio.h>
#include <sound/core.h>
#include <sound/pcm.h>

#include "../pcm.h"
#include "../qc_audio_offload.h"
#include "../qmi_svc.h"
#include "../qmi_transport.h"
#include "../stream.h"
#include "qc_kunit.h"

/* a wait this long for a lock that is free once the other side runs: a deadlock */
#define UOB_QC_HANG_MS		2000

/*
 * A call run in a thread the case can abandon.  The thread holds its own
 * reference to everything it uses (this structure, with the notifier
 * chain it may be inside): if it is still stuck when the case gives up,
 * nothing it touches is freed under it.
 */
struct uob_qc_bg {
	refcount_t ref;
	struct completion done;
	struct task_struct *task;	/* referenced */
	void (*fn)(struct uob_qc_bg *bg);
	/* a request */
	struct uob_uaudio_req req;
	struct sockaddr_qrtr sq;
	int ret;
	/* a PM notifier chain with the driver's notifier on it */
	struct blocking_notifier_head chain;
	struct notifier_block nb;
};

static void uob_qc_bg_put(struct uob_qc_bg *bg)
{
	if (refcount_dec_and_test(&bg->ref))
		kfree(bg);
}

static int uob_qc_bg_thread(void *data)
{
	struct uob_qc_bg *bg = data;

	bg->fn(bg);
	complete(&bg->done);
	uob_qc_bg_put(bg);
	return 0;
}

/* Created, not started (uob_qc_bg_go()), so nothing is asserted with a lock held. */
static struct uob_qc_bg *uob_qc_bg_new(struct kunit *test, void (*fn)(struct uob_qc_bg *bg))
{
	struct uob_qc_bg *bg = kzalloc(sizeof(*bg), GFP_KERNEL);
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, bg);
	refcount_set(&bg->ref, 2);	/* the case's and the thread's */
	init_completion(&bg->done);
	bg->fn = fn;
	t = kthread_create(uob_qc_bg_thread, bg, "uob-qc-order");
	if (IS_ERR(t))
		kfree(bg);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(t), "kthread_create: %ld", PTR_ERR(t));
	bg->task = get_task_struct(t);
	return bg;
}

static void uob_qc_bg_go(struct uob_qc_bg *bg)
{
	wake_up_process(bg->task);
}

/* The case is done with @bg; the thread may still be running (abandoned). */
static void uob_qc_bg_release(struct uob_qc_bg *bg)
{
	put_task_struct(bg->task);
	uob_qc_bg_put(bg);
}

/*
 * Is @bg's thread asleep waiting for @lock?  Lockdep records a mutex in
 * its waiter's held locks before it sleeps (mutex_acquire() comes first in
 * __mutex_lock_common()), device mutexes too (novalidate is only not
 * ordered); without lockdep, asleep uninterruptibly is all we can tell.
 */
static bool uob_qc_bg_waits_on(struct uob_qc_bg *bg, struct mutex *lock)
{
	struct task_struct *t = bg->task;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	int i;
#endif

	if (READ_ONCE(t->__state) != TASK_UNINTERRUPTIBLE)
		return false;
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	for (i = 0; i < READ_ONCE(t->lockdep_depth) && i < MAX_LOCK_DEPTH; i++)
		if (READ_ONCE(t->held_locks[i].instance) == &lock->dep_map)
			return true;
	return false;
#else
	return true;
#endif
}

/*
 * Issue 20 item 5a.  Our PM notifier runs with the PM chain's rwsem held
 * for reading.  btusb registers a PM notifier from its probe, under its
 * udev lock (hci_register_dev()), which takes that rwsem for writing; on a
 * combined audio + BT device, a notifier of ours that waited for the same
 * udev lock would deadlock against a suspend.  Here the case holds the
 * udev lock as that probe does, and a thread runs the driver's notifier
 * through a chain of its own, with a stream to stop: the notifier must
 * return without that lock, and the chain be free for a registration.
 * The stop itself, from the freezable work the notifier queued, waits for
 * the lock and finishes once it is released.
 */
static int uob_qc_bg_pm_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	uob_qc_pm_event(action);
	return NOTIFY_DONE;
}

static void uob_qc_bg_suspend(struct uob_qc_bg *bg)
{
	blocking_notifier_call_chain(&bg->chain, PM_SUSPEND_PREPARE, NULL);
}

void uob_qc_sleep_notifier_takes_no_udev_lock(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	bool returned, registrable, finished;
	struct uob_qc_bg *bg;

	uob_qc_enable_ok(test, r, &resp);
	reinit_completion(&r->cli->ind);
	bg = uob_qc_bg_new(test, uob_qc_bg_suspend);
	BLOCKING_INIT_NOTIFIER_HEAD(&bg->chain);
	bg->nb.notifier_call = uob_qc_bg_pm_notify;
	KUNIT_EXPECT_EQ(test, 0, blocking_notifier_chain_register(&bg->chain, &bg->nb));

	usb_lock_device(r->udev);	/* btusb's probe, about to register */
	uob_qc_bg_go(bg);
	returned = wait_for_completion_timeout(&bg->done, msecs_to_jiffies(UOB_QC_HANG_MS));
	/* what register_pm_notifier() does now: the chain's rwsem for writing */
	registrable = down_write_trylock(&bg->chain.rwsem);
	if (registrable)
		up_write(&bg->chain.rwsem);
	usb_unlock_device(r->udev);

	KUNIT_EXPECT_TRUE_MSG(test, returned,
			      "the PM notifier waited %d ms for a udev lock: a PM notifier registered under that lock (btusb) deadlocks against this suspend",
			      UOB_QC_HANG_MS);
	KUNIT_EXPECT_TRUE_MSG(test, registrable,
			      "the PM chain is held for reading while the notifier waits for the udev lock");
	finished = returned || wait_for_completion_timeout(&bg->done, UOB_QC_WAIT);
	KUNIT_EXPECT_TRUE(test, finished);
	uob_qc_bg_release(bg);

	/* the stop, which the freezer waits for before any device suspends */
	uob_qc_pm_sync();
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&uob_qc_counters.streams));
	KUNIT_EXPECT_NE(test, 0UL, wait_for_completion_timeout(&r->cli->ind, 2 * HZ));
	KUNIT_EXPECT_EQ(test, (u32)UOB_UAUDIO_DEV_DISCONNECT, r->cli->last_ind.dev_event);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(r->udev));
	KUNIT_EXPECT_NULL(test, uob_qc_active_as(r->udev));
	uob_qc_pm_event(PM_POST_SUSPEND);
}

/*
 * Issue 20 item 5b.  snd-usb-audio's probe error path frees its card
 * under the udev lock and waits for every reference to it (snd_card_free()
 * -> wait for the release).  A request that waited for that udev lock
 * while holding a card reference would never get it.  Here the case holds
 * the udev lock, as the probe does, lets a request block on it, and then
 * waits (bounded) as snd_card_free() would: for the card's references to
 * drop to what they were without the request.
 */
static void uob_qc_bg_request(struct uob_qc_bg *bg)
{
	bg->ret = uob_qc_serve(&bg->sq, 0, &bg->req);
}

/* Poll @cond for up to @ms; true if it came. */
#define uob_qc_poll(cond, ms) ({						\
	unsigned long __end = jiffies + msecs_to_jiffies(ms);			\
	bool __ok;								\
	while (!(__ok = (cond)) && time_before(jiffies, __end))		\
		msleep(20);							\
	__ok;									\
})

void uob_qc_request_waits_without_card_ref(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	bool waiting, released, finished;
	unsigned int base = 0, now = 0;
	struct snd_card *card;
	struct uob_qc_bg *bg;

	bg = uob_qc_bg_new(test, uob_qc_bg_request);
	uob_qc_req_disable(&bg->req, r->card);	/* of nothing: -EINVAL, nothing changes */
	bg->sq = r->cli->addr;

	usb_lock_device(r->udev);	/* snd-usb-audio's probe */
	/* the card stays while the case holds the lock: only a disconnect ends it */
	card = snd_card_ref(r->card);
	if (card) {
		base = kref_read(&card->card_dev.kobj.kref) - 1;	/* without ours */
		snd_card_unref(card);
	}
	uob_qc_bg_go(bg);
	waiting = uob_qc_poll(uob_qc_bg_waits_on(bg, &r->udev->dev.mutex), UOB_QC_HANG_MS);
	/* the probe's error path: snd_card_free() waits for every reference */
	released = card && uob_qc_poll(kref_read(&card->card_dev.kobj.kref) == base,
				       UOB_QC_HANG_MS);
	if (card)
		now = kref_read(&card->card_dev.kobj.kref);
	usb_unlock_device(r->udev);

	KUNIT_EXPECT_NOT_NULL(test, card);
	KUNIT_EXPECT_TRUE_MSG(test, waiting, "the request did not wait for the udev lock");
	KUNIT_EXPECT_TRUE_MSG(test, released,
			      "a request waiting for the udev lock holds %u card reference(s): snd_card_free() under that lock waits for it forever",
			      now - base);
	finished = wait_for_completion_timeout(&bg->done, UOB_QC_WAIT);
	KUNIT_EXPECT_TRUE(test, finished);
	if (finished)
		KUNIT_EXPECT_EQ(test, -EINVAL, bg->ret);
	uob_qc_bg_release(bg);
}

/*
 * Issue 20 item 8: a card's PCM is found when a request names it, on the
 * card's device list, under the udev lock; only that device's card is.
 */
void uob_qc_pcm_found_on_request(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct usb_device *other = uob_kunit_get_usb(test, UOB_KUNIT_BEHIND_HUB);
	int other_card = uob_qc_card_of(test, other);
	struct snd_pcm *pcm, *wrong, *absent;
	struct usb_device *udev;

	udev = uob_qc_pcm_card_udev_get(r->card);
	KUNIT_EXPECT_PTR_EQ(test, r->udev, udev);
	usb_put_dev(udev);
	KUNIT_EXPECT_NULL(test, uob_qc_pcm_card_udev_get(SNDRV_CARDS - 1));

	usb_lock_device(r->udev);
	pcm = uob_qc_pcm_get(r->udev, r->card, 0);
	absent = uob_qc_pcm_get(r->udev, r->card, 7);
	/* another device's card, though it has a PCM 0: not this device's */
	wrong = other_card >= 0 ? uob_qc_pcm_get(r->udev, other_card, 0) : NULL;
	if (pcm) {
		KUNIT_EXPECT_EQ(test, r->card, pcm->card->number);
		KUNIT_EXPECT_EQ(test, 0, pcm->device);
		KUNIT_EXPECT_GT(test, pcm->streams[SNDRV_PCM_STREAM_PLAYBACK].substream_count, 0U);
		uob_qc_pcm_put(pcm);
	}
	if (absent)
		uob_qc_pcm_put(absent);
	if (wrong)
		uob_qc_pcm_put(wrong);
	usb_unlock_device(r->udev);
	usb_put_dev(other);

	KUNIT_EXPECT_NOT_NULL(test, pcm);
	KUNIT_EXPECT_NULL(test, absent);
	KUNIT_EXPECT_NULL(test, wrong);
	kunit_info(test, "CONFIG_SND_PCM_OSS in this kernel: %s\n",
		   IS_ENABLED(CONFIG_SND_PCM_OSS) ? "yes" : "no (no snd_pcm_notify())");
}

/*
 * Issue 20 item 2.  A device with two playback streaming interfaces (a
 * PCM each): the host plays on one (aplay), the DSP asks for the other.
 * The stream must get the interface its own PCM's open selected, never
 * the one the host is playing on.  QEMU's usb-audio has one streaming
 * interface (its "multi" model adds altsettings, not interfaces), and the
 * gadget or usbip routes do not end on an xHCI, so the choice is tested
 * here on the descriptors of such a device, with usbcore's current
 * altsettings set as the host and snd-usb-audio would leave them.
 */

struct uob_fake_dev {
	struct usb_device udev;
	struct usb_host_config cfg;
	struct usb_interface intf[UOB_FAKE_IFS];
	struct usb_host_interface alt[UOB_FAKE_IFS][2];
	struct usb_host_endpoint ep[UOB_FAKE_IFS];
};

static struct uob_fake_dev *uob_fake_dev(struct kunit *test)
{
	struct uob_fake_dev *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i, a;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->cfg.desc.bNumInterfaces = UOB_FAKE_IFS;
	for (i = 0; i < UOB_FAKE_IFS; i++) {
		for (a = 0; a < 2; a++) {
			struct usb_interface_descriptor *d = &f->alt[i][a].desc;

			d->bInterfaceNumber = i;
			d->bAlternateSetting = a;
			d->bInterfaceClass = USB_CLASS_AUDIO;
			d->bInterfaceSubClass = i ? USB_SUBCLASS_AUDIOSTREAMING :
						    USB_SUBCLASS_AUDIOCONTROL;
		}
		f->intf[i].altsetting = f->alt[i];
		f->intf[i].num_altsetting = i ? 2 : 1;
		f->intf[i].cur_altsetting = &f->alt[i][0];
		f->cfg.interface[i] = &f->intf[i];
		if (!i)
			continue;
		/* altsetting 1: one isochronous OUT data endpoint (adaptive) */
		f->ep[i].desc.bLength = USB_DT_ENDPOINT_SIZE;
		f->ep[i].desc.bDescriptorType = USB_DT_ENDPOINT;
		f->ep[i].desc.bEndpointAddress = USB_DIR_OUT | i;
		f->ep[i].desc.bmAttributes = USB_ENDPOINT_XFER_ISOC | USB_ENDPOINT_SYNC_ADAPTIVE;
		f->ep[i].desc.wMaxPacketSize = cpu_to_le16(192);
		f->ep[i].desc.bInterval = 1;
		f->alt[i][1].desc.bNumEndpoints = 1;
		f->alt[i][1].endpoint = &f->ep[i];
	}
	f->udev.actconfig = &f->cfg;
	return f;
}

static void uob_fake_set(struct uob_fake_dev *f, const u8 *alts)
{
	int i;

	for (i = 1; i < UOB_FAKE_IFS; i++)
		WRITE_ONCE(f->intf[i].cur_altsetting, &f->alt[i][alts[i - 1]]);
}

void uob_qc_stream_intf_is_this_pcms(struct kunit *test)
{
	const struct uob_qc_pick *p = test->param_value;
	struct usb_host_interface *before[USB_MAXINTERFACES];
	struct uob_fake_dev *f = uob_fake_dev(test);
	struct uob_qc_stream *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->token = UOB_TOKEN(0, 0, p->dir);
	uob_fake_set(f, p->before);
	uob_qc_as_snapshot(&f->udev, before);
	uob_fake_set(f, p->after);	/* what the open + HW_PARAMS + PREPARE did */

	KUNIT_EXPECT_EQ(test, p->err, uob_qc_find_stream_ep(s, &f->udev, before));
	if (p->err)
		return;
	KUNIT_EXPECT_PTR_EQ_MSG(test, &f->intf[p->want], s->intf,
				"stream got interface %d, this PCM's is %d",
				s->intf ? s->intf->cur_altsetting->desc.bInterfaceNumber : -1,
				p->want);
	KUNIT_EXPECT_PTR_EQ(test, &f->ep[p->want], s->data_ep);
	KUNIT_EXPECT_NULL(test, s->sync_ep);
}

/*
 * A request's handler sends its own answer once it holds no lock
 * (uob_qc_qmi_flush()): nothing of it is left queued when it returns.
 * While another sender holds the sender mutex the handler does not wait
 * for it: the answer stays queued and arrives once the mutex is free.
 */
void uob_qc_answer_sent_by_its_handler(struct kunit *test)
{
	struct uob_qc_rig *r = uob_qc_rig(test, UOB_KUNIT_ROOT_PORT);
	struct uob_uaudio_resp resp;
	struct uob_uaudio_req req;
	struct qmi_txn txn;

	/* a disable of nothing: answered (-EINVAL), changes nothing */
	uob_qc_req_disable(&req, r->card);
	KUNIT_ASSERT_GE(test, qmi_txn_init(&r->cli->qmi, &txn, uob_uaudio_resp_ei, &resp), 0);
	uob_qc_serve(&r->cli->addr, txn.id, &req);
	KUNIT_EXPECT_EQ_MSG(test, 0U, uob_qc_qmi_queued(),
			    "the handler left its answer queued for the thread");
	KUNIT_EXPECT_GE(test, qmi_txn_wait(&txn, UOB_QC_WAIT), 0);
	KUNIT_EXPECT_EQ(test, -EINVAL, (int)resp.internal_status);

	uob_qc_req_disable(&req, r->card);
	KUNIT_ASSERT_GE(test, qmi_txn_init(&r->cli->qmi, &txn, uob_uaudio_resp_ei, &resp), 0);
	uob_qc_qmi_sender_lock();	/* another sender at work */
	uob_qc_serve(&r->cli->addr, txn.id, &req);
	KUNIT_EXPECT_EQ_MSG(test, 1U, uob_qc_qmi_queued(),
			    "the answer left while another sender held the mutex");
	uob_qc_qmi_sender_unlock();
	KUNIT_EXPECT_GE_MSG(test, qmi_txn_wait(&txn, UOB_QC_WAIT), 0,
			    "the answer left queued never arrived");
	KUNIT_EXPECT_EQ(test, -EINVAL, (int)resp.internal_status);
	KUNIT_EXPECT_EQ(test, 0U, uob_qc_qmi_queued());
}
