// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: the QMI "UAUDIO stream" service's handle.
 *
 * The service (0x41D, v1, instance 0) on the kernel's QMI helpers over
 * QRTR.  Requests arrive in the QMI core's worker and go to the ops given
 * at start (the service, qmi_svc.c); responses and indications leave here.
 *
 * Nothing that sends waits for a client.  The DSP is a remote QRTR node,
 * and QRTR flow-controls remote nodes: in 6.12 qrtr_tx_wait() sleeps once
 * 10 data packets to one remote port are unconfirmed, whatever the send
 * flags (MSG_DONTWAIT too), holding the handle's socket lock and the QMI
 * core's sock_lock.  Indications are sent by teardowns in hub_wq under the
 * udev lock, under ALSA's register_mutex and a PCM's open_mutex, and from
 * the PM notifier; responses from the QMI worker, under the udev lock.  So
 * both are only queued there (a copy, no lock but uob_qmi.lock) and sent
 * one at a time, in the order they were queued, by whoever holds
 * uob_qmi.tx_lock and no other lock: the request handler once it has
 * dropped the udev lock (uob_qc_qmi_flush(): one try each, so the answer
 * leaves without a thread's wake-up), or the thread uob-qc-tx, which gets
 * every indication and whatever a handler could not send at once.  Every
 * try is made with TIF_NOTIFY_SIGNAL set (what set_notify_signal() sets
 * to break a task out of interruptible waits: signal_pending() is true; a
 * kernel thread or worker ignores real signals), so that qrtr_tx_wait()
 * returns -ERESTARTSYS at once instead of sleeping when the window is
 * full.  The thread then
 * retries every UOB_QC_TX_RETRY_MS for up to UOB_QC_TX_PATIENCE_MS and
 * drops the message: counted in debugfs "qmi" (send_failed for a
 * response, ind_dropped for an indication, and tx_window_full for
 * either), logged once per interval.  A client it gave up on gets one try
 * per message until one goes through, so a stuck DSP delays the others by
 * one patience at most.  A full queue (UOB_QC_TX_MAX) or no memory drops
 * the new message, counted the same way.
 *
 * What the flag cannot cut short is a transport that blocks in a wait no
 * signal ends: over GLINK (the ADSP of Qualcomm SoCs) a send may wait
 * for room in the FIFO to the remote processor or for an intent.  The
 * thread could always be held there; the request handler, sending its
 * own answers, can now be too, as mainline's handler (which sends from
 * the same QMI worker) always could.  It holds no lock of ours, usbcore's
 * or ALSA's then: what waits with it is this service's next request.
 *
 * The order the DSP sees: messages leave in the order they were queued
 * and none overtakes another (later ones wait while an earlier one is
 * retried); a dropped message is never sent later.  A response queued
 * before its request handler drops the udev lock therefore reaches the
 * DSP before any indication that a teardown of that stream, which holds
 * the same lock, queues after it.
 *
 * Locking: uob_qmi.tx_lock (a mutex, taken with no other lock held; the
 * request handler only tries it) makes one sender at a time and guards the
 * stalled client; uob_qmi.lock (a leaf spinlock) guards "up" and the
 * queue.  Module exit clears "up" under it (nothing is queued from then
 * on), lets the thread send what is queued (one try each) and stop, and
 * only then releases the handle.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/visibility.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/soc/qcom/qmi.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include <uob_compat.h>

#include "qmi_parse.h"
#include "qmi_transport.h"

/* what qmi_handle_init() adds the QMI header to: the buffer is whole datagrams */
#define UOB_QC_RECV_MAX		(UOB_QC_RECV_BUF - sizeof(struct qmi_header))

/* messages queued at most; how long one may wait for a client's window */
#define UOB_QC_TX_MAX		256
#define UOB_QC_TX_PATIENCE_MS	500
#define UOB_QC_TX_RETRY_MS	10

atomic_t uob_qc_indications;

/* one queued message: a copy of the response or indication */
struct uob_qc_tx {
	struct list_head node;
	struct sockaddr_qrtr sq;
	bool is_ind;
	u16 txn_id;
	union {
		struct uob_uaudio_resp resp;
		struct uob_uaudio_ind ind;
	};
};

static struct {
	struct qmi_handle qmi;
	spinlock_t lock;		/* up, list, queued */
	bool up;
	struct list_head list;
	unsigned int queued;
	wait_queue_head_t wq;		/* the thread waits for work */
	struct task_struct *thread;
	struct mutex tx_lock;		/* the sender; stalled, is_stalled */
	/* the client the senders last gave up on */
	struct sockaddr_qrtr stalled;
	bool is_stalled;
} uob_qmi = {
	.lock = __SPIN_LOCK_UNLOCKED(uob_qmi.lock),
	.tx_lock = __MUTEX_INITIALIZER(uob_qmi.tx_lock),
	.list = LIST_HEAD_INIT(uob_qmi.list),
	.wq = __WAIT_QUEUE_HEAD_INITIALIZER(uob_qmi.wq),
};

static bool uob_qc_tx_pending(void)
{
	bool pending;

	spin_lock(&uob_qmi.lock);
	pending = !list_empty(&uob_qmi.list);
	spin_unlock(&uob_qmi.lock);
	return pending;
}

static struct uob_qc_tx *uob_qc_tx_pop(void)
{
	struct uob_qc_tx *t;

	spin_lock(&uob_qmi.lock);
	t = list_first_entry_or_null(&uob_qmi.list, struct uob_qc_tx, node);
	if (t) {
		list_del(&t->node);
		uob_qmi.queued--;
	}
	spin_unlock(&uob_qmi.lock);
	return t;
}

/*
 * @t back at the head of the queue: the next message to send (the queue
 * may then hold one more than UOB_QC_TX_MAX, never more: one sender)
 */
static void uob_qc_tx_unpop(struct uob_qc_tx *t)
{
	spin_lock(&uob_qmi.lock);
	list_add(&t->node, &uob_qmi.list);
	uob_qmi.queued++;
	spin_unlock(&uob_qmi.lock);
}

/* -ERESTARTSYS: qrtr_tx_wait() with the window full; -ENOMEM: no send buffer */
static bool uob_qc_tx_busy(int ret)
{
	return ret == -ERESTARTSYS || ret == -EINTR || ret == -EAGAIN || ret == -ENOMEM;
}

/* one attempt that cannot sleep on the client (see the top of this file) */
static int uob_qc_tx_try(struct uob_qc_tx *t)
	__must_hold(&uob_qmi.tx_lock)
{
	struct qmi_txn txn = { .id = t->txn_id };
	bool mine;
	int ret;

	lockdep_assert_held(&uob_qmi.tx_lock);
	/*
	 * set_notify_signal() on ourselves: we run, so nothing to wake.  One
	 * set by someone else (kthread_stop() sets it on uob-qc-tx) is theirs
	 * and stays.
	 */
	mine = !test_and_set_thread_flag(TIF_NOTIFY_SIGNAL);
	if (t->is_ind)
		ret = qmi_send_indication(&uob_qmi.qmi, &t->sq, UOB_QMI_UAUDIO_STREAM_IND,
					  UOB_UAUDIO_IND_MAX_LEN, uob_uaudio_ind_ei, &t->ind);
	else
		ret = qmi_send_response(&uob_qmi.qmi, &t->sq, &txn, UOB_QMI_UAUDIO_STREAM_RESP,
					UOB_UAUDIO_RESP_MAX_LEN, uob_uaudio_resp_ei, &t->resp);
	if (mine)
		clear_notify_signal();
	return ret;
}

/* a message that is not sent: counted, logged once per interval */
static void uob_qc_tx_lost(const struct sockaddr_qrtr *sq, bool is_ind, int err)
{
	enum uob_qmi_count c = is_ind ? UOB_QMI_CNT_IND_DROPPED : UOB_QMI_CNT_SEND_FAILED;

	uob_qmi_count(c);
	if (err == -ESHUTDOWN || !uob_qmi_log_allowed(c, 0))
		return;
	pr_warn("QMI %s to %u:%u not sent: %d%s (%ld so far; debugfs qmi)\n",
		is_ind ? "indication" : "response", sq->sq_node, sq->sq_port, err,
		uob_qc_tx_busy(err) ? ", the client does not read" : "",
		atomic_long_read(&uob_qmi_stats.count[c]));
}

static bool uob_qc_tx_stalled(const struct sockaddr_qrtr *sq)
	__must_hold(&uob_qmi.tx_lock)
{
	return uob_qmi.is_stalled && uob_qmi.stalled.sq_node == sq->sq_node &&
	       uob_qmi.stalled.sq_port == sq->sq_port;
}

/* the outcome of @t's last try: @ret */
static void uob_qc_tx_done(struct uob_qc_tx *t, int ret)
	__must_hold(&uob_qmi.tx_lock)
{
	if (ret >= 0) {
		if (uob_qc_tx_stalled(&t->sq))
			uob_qmi.is_stalled = false;
		if (t->is_ind)
			atomic_inc(&uob_qc_indications);
		return;
	}
	if (uob_qc_tx_busy(ret)) {
		uob_qmi_count(UOB_QMI_CNT_TX_WINDOW_FULL);
		uob_qmi.stalled = t->sq;
		uob_qmi.is_stalled = true;
	}
	uob_qc_tx_lost(&t->sq, t->is_ind, ret);
}

/* the thread's send: retried while the client's window is full, for a while */
static void uob_qc_tx_send(struct uob_qc_tx *t)
	__must_hold(&uob_qmi.tx_lock)
{
	unsigned long end = jiffies + msecs_to_jiffies(UOB_QC_TX_PATIENCE_MS);
	bool stalled = uob_qc_tx_stalled(&t->sq);
	int ret;

	for (;;) {
		ret = uob_qc_tx_try(t);
		if (!uob_qc_tx_busy(ret) || stalled || kthread_should_stop() ||
		    time_after(jiffies, end))
			break;
		msleep(UOB_QC_TX_RETRY_MS);
	}
	uob_qc_tx_done(t, ret);
}

static void uob_qc_tx_set_up(bool up)
{
	spin_lock(&uob_qmi.lock);
	uob_qmi.up = up;
	spin_unlock(&uob_qmi.lock);
}

/* uob-qc-tx: sends what is queued, in order; on stop, what is left, then ends */
static int uob_qc_tx_thread(void *unused)
{
	struct uob_qc_tx *t;

	for (;;) {
		wait_event_idle(uob_qmi.wq, kthread_should_stop() || uob_qc_tx_pending());
		scoped_guard(mutex, &uob_qmi.tx_lock) {
			t = uob_qc_tx_pop();
			if (t) {
				uob_qc_tx_send(t);
				kfree(t);
			}
		}
		if (!t && kthread_should_stop())
			return 0;
	}
}

/* queue @t (freed here if it cannot be); @wake: the thread sends it */
static int uob_qc_tx_queue(struct uob_qc_tx *t, bool wake)
{
	int ret = 0;

	spin_lock(&uob_qmi.lock);
	if (!uob_qmi.up) {
		ret = -ESHUTDOWN;
	} else if (uob_qmi.queued >= UOB_QC_TX_MAX) {
		ret = -ENOBUFS;
	} else {
		list_add_tail(&t->node, &uob_qmi.list);
		uob_qmi.queued++;
	}
	spin_unlock(&uob_qmi.lock);
	if (ret) {
		kfree(t);
		return ret;
	}
	if (wake)
		wake_up(&uob_qmi.wq);
	return 0;
}

/**
 * uob_qc_qmi_start() - bring the service up
 * @ops: the service's message and client callbacks
 *
 * Context: module init.
 *
 * Return: 0 or a negative error, with nothing left.
 */
int uob_qc_qmi_start(const struct qmi_ops *ops)
{
	int ret;

	ret = qmi_handle_init(&uob_qmi.qmi, UOB_QC_RECV_MAX, ops, NULL);
	if (ret)
		return ret;
	uob_qmi.thread = kthread_run(uob_qc_tx_thread, NULL, "uob-qc-tx");
	if (IS_ERR(uob_qmi.thread)) {
		ret = PTR_ERR(uob_qmi.thread);
		goto release;
	}
	uob_qc_tx_set_up(true);
	ret = qmi_add_server(&uob_qmi.qmi, UOB_UAUDIO_SERVICE_ID,
			     UOB_UAUDIO_SERVICE_VERS, UOB_UAUDIO_SERVICE_INSTANCE);
	if (ret)
		goto stop;
	return 0;

stop:
	uob_qc_tx_set_up(false);
	kthread_stop(uob_qmi.thread);
release:
	qmi_handle_release(&uob_qmi.qmi);
	return ret;
}

/**
 * uob_qc_qmi_stop() - take the service down
 *
 * Nothing is queued from here on; what is queued is sent (one try each,
 * so a DSP that does not read delays this by one retry at most), then no
 * new requests: a request being handled is finished first
 * (qmi_handle_release() flushes the QMI worker), its answer dropped.
 *
 * Context: module exit; takes uob_qmi.lock.
 */
void uob_qc_qmi_stop(void)
{
	uob_qc_tx_set_up(false);
	kthread_stop(uob_qmi.thread);
	qmi_handle_release(&uob_qmi.qmi);
}

/**
 * uob_qc_qmi_local() - is @sq on our own QRTR node?
 * @sq: a client's address
 *
 * Context: any, while the service is up.
 *
 * Return: true for a client on the local node.
 */
bool uob_qc_qmi_local(const struct sockaddr_qrtr *sq)
{
	return sq->sq_node == uob_qmi.qmi.sq.sq_node;
}

/**
 * uob_qc_qmi_send_resp() - answer a request
 * @sq: the client
 * @txn_id: the request's transaction id
 * @resp: the response (copied)
 *
 * Queues the response behind everything queued before it; it is sent in
 * that order, never waiting for the client, by the caller's
 * uob_qc_qmi_flush() (or by uob-qc-tx where that cannot send it at once).
 * One that is not sent (a client that does not read: its QRTR window full
 * or its socket's receive queue; gone; the queue full) is counted in
 * debugfs "qmi" as send_failed and logged at most once per interval.
 *
 * Context: process context, any lock held (the udev lock); takes
 * uob_qmi.lock.  The caller calls uob_qc_qmi_flush() once it holds no lock.
 */
void uob_qc_qmi_send_resp(struct sockaddr_qrtr *sq, u16 txn_id,
			  struct uob_uaudio_resp *resp)
{
	struct uob_qc_tx *t = kzalloc_obj(*t, GFP_KERNEL);
	int ret;

	if (!t) {
		uob_qc_tx_lost(sq, false, -ENOMEM);
		return;
	}
	t->sq = *sq;
	t->is_ind = false;
	t->txn_id = txn_id;
	t->resp = *resp;
	ret = uob_qc_tx_queue(t, false);
	if (ret)
		uob_qc_tx_lost(sq, false, ret);
}

/**
 * uob_qc_qmi_send_ind() - send an indication to a client
 * @sq: the client
 * @ind: the indication (copied)
 *
 * Queues the indication behind everything queued before it (a response
 * too); it is sent in that order, never waiting for the client, or
 * dropped and counted (debugfs "qmi" ind_dropped).
 *
 * Context: process context, any lock held (the udev lock, ALSA's); takes
 * uob_qmi.lock.  Never waits for the client.
 *
 * Return: 0 once queued, -ESHUTDOWN once the service is going down,
 * -ENOBUFS or -ENOMEM if it cannot be queued (then counted as dropped).
 */
int uob_qc_qmi_send_ind(struct sockaddr_qrtr *sq, const struct uob_uaudio_ind *ind)
{
	struct uob_qc_tx *t = kzalloc_obj(*t, GFP_KERNEL);
	int ret;

	if (!t) {
		uob_qc_tx_lost(sq, true, -ENOMEM);
		return -ENOMEM;
	}
	t->sq = *sq;
	t->is_ind = true;
	t->ind = *ind;
	ret = uob_qc_tx_queue(t, true);
	if (ret && ret != -ESHUTDOWN)
		uob_qc_tx_lost(sq, true, ret);
	return ret;
}

/*
 * For the KUnit suite (tests/order.c): how many messages are queued, and
 * the sender mutex taken and given back as another sender would.
 */
VISIBLE_IF_KUNIT __maybe_unused unsigned int uob_qc_qmi_queued(void)
{
	unsigned int queued;

	spin_lock(&uob_qmi.lock);
	queued = uob_qmi.queued;
	spin_unlock(&uob_qmi.lock);
	return queued;
}

VISIBLE_IF_KUNIT __maybe_unused void uob_qc_qmi_sender_lock(void)
{
	mutex_lock(&uob_qmi.tx_lock);
}

VISIBLE_IF_KUNIT __maybe_unused void uob_qc_qmi_sender_unlock(void)
{
	mutex_unlock(&uob_qmi.tx_lock);
}

/**
 * uob_qc_qmi_flush() - send what is queued, from the caller
 *
 * Sends the queued messages in their order, one try each, never waiting
 * for a client.  The first that cannot leave at once (its client's QRTR
 * window is full) goes back to the head of the queue, and it and all
 * behind it are left to uob-qc-tx, which retries it for a while (see the
 * top of this file); so is everything while another sender is at work.
 * A request handler calls this after its answer is queued, once it has
 * dropped the udev lock: the answer then leaves without waiting for the
 * thread to be woken and scheduled.
 *
 * Context: process context, no lock held; tries uob_qmi.tx_lock, takes
 * uob_qmi.lock.  Never waits on a client's QRTR window or for the thread
 * (a transport that blocks: see the top of this file).
 */
void uob_qc_qmi_flush(void)
{
	struct uob_qc_tx *t;
	int ret;

	if (!mutex_trylock(&uob_qmi.tx_lock)) {
		wake_up(&uob_qmi.wq);
		return;
	}
	while ((t = uob_qc_tx_pop())) {
		ret = uob_qc_tx_try(t);
		if (uob_qc_tx_busy(ret) && !uob_qc_tx_stalled(&t->sq)) {
			uob_qc_tx_unpop(t);
			wake_up(&uob_qmi.wq);
			break;
		}
		uob_qc_tx_done(t, ret);
		kfree(t);
	}
	mutex_unlock(&uob_qmi.tx_lock);
}
