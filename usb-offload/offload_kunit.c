// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite for usb-offload, run on the emulated board (qemu-xhci with a
 * usb-audio device on a root port and another behind a usb-hub).
 *
 * Real devices are used wherever the rule needs one; a detached usb_device
 * from usb_alloc_dev() (never registered) stands in where the test must put
 * a device into a state the emulated hardware cannot reach on demand
 * (NOTATTACHED, SUSPENDED).
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/debug_locks.h>
#include <linux/kthread.h>
#include <linux/pm_runtime.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>

#include <uob/kunit_usb.h>
#include <uob/usb_offload.h>
#include <uob_compat.h>

#include "offload_internal.h"
#include "offload_state.h"

static void uob_kunit_put_usb(void *udev)
{
	usb_put_dev(udev);
}

static struct usb_device *uob_kunit_usb(struct kunit *test,
					enum uob_kunit_where where)
{
	struct usb_device *udev = uob_kunit_get_usb(test, where);

	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, uob_kunit_put_usb, udev));
	return udev;
}

static void uob_kunit_pm_suspended(void *udev)
{
	/* gives back the parent's child_count taken by pm_runtime_set_active() */
	pm_runtime_set_suspended(&((struct usb_device *)udev)->dev);
}

/* A usb_device that is never registered: its state is ours to set. */
static struct usb_device *uob_kunit_detached_udev(struct kunit *test)
{
	struct usb_device *real = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	struct usb_device *udev;

	udev = usb_alloc_dev(NULL, real->bus, 0);
	KUNIT_ASSERT_NOT_NULL(test, udev);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, uob_kunit_put_usb, udev));
	/*
	 * Runtime PM of an unregistered device is disabled and "suspended".
	 * Make it "active while disabled" (what rpm_resume() accepts), without
	 * ever letting it reach the USB bus's real runtime-PM callbacks.
	 */
	KUNIT_ASSERT_EQ(test, 0, pm_runtime_set_active(&udev->dev));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, uob_kunit_pm_suspended, udev));
	pm_runtime_enable(&udev->dev);
	pm_runtime_disable(&udev->dev);
	return udev;
}

static void uob_get_put_changes_count(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	int base;

	usb_lock_device(udev);
	base = usb_offload_usage(udev);
	KUNIT_EXPECT_EQ(test, 0, usb_offload_get(udev));
	KUNIT_EXPECT_EQ(test, base + 1, usb_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_get(udev));
	KUNIT_EXPECT_EQ(test, base + 2, usb_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, base + 1, usb_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, base, usb_offload_usage(udev));
	usb_unlock_device(udev);
}

static void uob_put_at_zero_stays_zero(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	unsigned int entries = uob_state_entries();
	bool had = uob_state_tracked(udev);

	usb_lock_device(udev);
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	/* a put creates no state */
	KUNIT_EXPECT_EQ(test, entries, uob_state_entries());
	/* and the count really starts from 0 again */
	KUNIT_EXPECT_EQ(test, 0, usb_offload_get(udev));
	KUNIT_EXPECT_EQ(test, 1, usb_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	usb_unlock_device(udev);
	/* an enumerated device keeps its entry until it goes away */
	KUNIT_EXPECT_EQ(test, entries + (uob_state_is_private() && !had),
			uob_state_entries());
	KUNIT_EXPECT_EQ(test, uob_state_is_private(), uob_state_tracked(udev));
}

/*
 * A stream's 0 -> 1 -> 0 cycles on an enumerated device reuse one state:
 * no allocation per cycle, the same handle, the entry count unchanged.
 */
static void uob_cycle_reuses_state(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	struct uob_state *first;
	unsigned int entries;
	int i;

	usb_lock_device(udev);
	KUNIT_ASSERT_EQ(test, 0, usb_offload_get(udev));
	KUNIT_ASSERT_EQ(test, 0, usb_offload_put(udev));
	first = uob_state_lookup(udev, false);
	entries = uob_state_entries();
	KUNIT_EXPECT_NOT_ERR_OR_NULL(test, first);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, 0, usb_offload_get(udev));
		KUNIT_EXPECT_PTR_EQ(test, first, uob_state_lookup(udev, false));
		KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
		KUNIT_EXPECT_PTR_EQ(test, first, uob_state_lookup(udev, false));
		KUNIT_EXPECT_EQ(test, entries, uob_state_entries());
	}
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	usb_unlock_device(udev);
}

/*
 * A device state that refuses both get and put, with its errno, and leaves
 * the count alone.  Set on a detached usb_device (the emulated hardware
 * cannot be put into these states on demand).
 */
struct uob_refused_state_param {
	const char *name;
	enum usb_device_state state;
	int err;
};

static const struct uob_refused_state_param uob_refused_state_params[] = {
	{ "notattached_is_enodev", USB_STATE_NOTATTACHED, -ENODEV },
	{ "suspended_is_ebusy", USB_STATE_SUSPENDED, -EBUSY },
};

KUNIT_ARRAY_PARAM_DESC(uob_refused_state, uob_refused_state_params, name);

static void uob_refused_state(struct kunit *test)
{
	const struct uob_refused_state_param *p = test->param_value;
	struct usb_device *udev = uob_kunit_detached_udev(test);
	unsigned int entries = uob_state_entries();

	usb_lock_device(udev);
	/* control: the same device works while attached */
	KUNIT_EXPECT_EQ(test, 0, usb_offload_get(udev));
	KUNIT_EXPECT_EQ(test, 1, usb_offload_usage(udev));

	if (p->state == USB_STATE_NOTATTACHED)
		usb_set_device_state(udev, p->state);
	else
		udev->state = p->state;
	KUNIT_EXPECT_EQ(test, p->err, usb_offload_get(udev));
	KUNIT_EXPECT_EQ(test, 1, usb_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, p->err, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, 1, usb_offload_usage(udev));

	/* back to a live state, drop what we took */
	udev->state = USB_STATE_ATTACHED;
	KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	usb_unlock_device(udev);
	KUNIT_EXPECT_EQ(test, entries, uob_state_entries());
}

static void uob_at_suspend_is_ebusy(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);

	usb_lock_device(udev);
	KUNIT_EXPECT_EQ(test, 0, usb_offload_get(udev));

	/* what system sleep does (our PM notifier, or usbcore) */
	uob_state_mark_sleep(udev, true);
	KUNIT_EXPECT_TRUE(test, uob_state_at_suspend(udev));
	KUNIT_EXPECT_EQ(test, -EBUSY, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, 1, usb_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, -EBUSY, usb_offload_get(udev));
	KUNIT_EXPECT_EQ(test, 1, usb_offload_usage(udev));

	/* and on resume */
	uob_state_mark_sleep(udev, false);
	KUNIT_EXPECT_FALSE(test, uob_state_at_suspend(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	usb_unlock_device(udev);
}

static void uob_resume_failure_changes_nothing(struct kunit *test)
{
	struct usb_device *real = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	unsigned int entries = uob_state_entries();
	struct usb_device *udev;

	/* runtime PM disabled and suspended: resume fails with -EACCES */
	udev = usb_alloc_dev(NULL, real->bus, 0);
	KUNIT_ASSERT_NOT_NULL(test, udev);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, uob_kunit_put_usb, udev));

	usb_lock_device(udev);
	KUNIT_EXPECT_EQ(test, -EACCES, usb_offload_get(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	usb_unlock_device(udev);
	KUNIT_EXPECT_EQ(test, entries, uob_state_entries());
}

static void uob_unlocked_call_is_refused(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	int violations = uob_offload_lock_violations();

	/* the check the code relies on */
	KUNIT_EXPECT_FALSE(test, uob_device_locked(&udev->dev));
	usb_lock_device(udev);
	KUNIT_EXPECT_TRUE(test, uob_device_locked(&udev->dev));
	usb_unlock_device(udev);

	/* and the code acts on it: refused, counted, nothing changed */
	UOB_KUNIT_EXPECT_SPLAT_BEGIN(test, "usb_offload_get/put without the device lock");
	KUNIT_EXPECT_EQ(test, -ENOLCK, usb_offload_get(udev));
	KUNIT_EXPECT_EQ(test, -ENOLCK, usb_offload_put(udev));
	UOB_KUNIT_EXPECT_SPLAT_END(test);

	KUNIT_EXPECT_EQ(test, violations + 2, uob_offload_lock_violations());
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(udev));
}

struct uob_kunit_lock_holder {
	struct usb_device *udev;
	struct completion locked, release, done;
};

static int uob_kunit_lock_holder_fn(void *data)
{
	struct uob_kunit_lock_holder *x = data;

	usb_lock_device(x->udev);
	complete(&x->locked);
	wait_for_completion(&x->release);
	usb_unlock_device(x->udev);
	complete(&x->done);
	return 0;
}

/*
 * What uob_device_locked() can tell: with lockdep, a lock another task
 * holds is not the caller's, and the call is refused.  (Without lockdep
 * the same call passes, the limit its kernel-doc states: there is no API
 * for a mutex's owner.)
 */
static void uob_lock_held_by_another_task(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	struct uob_kunit_lock_holder *x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	int violations = uob_offload_lock_violations();
	struct task_struct *t;
	bool held;
	int ret;

	if (!IS_ENABLED(CONFIG_LOCKDEP) || !debug_locks)
		kunit_skip(test, "without lockdep only \"held by some task\" can be told");
	KUNIT_ASSERT_NOT_NULL(test, x);
	x->udev = udev;
	init_completion(&x->locked);
	init_completion(&x->release);
	init_completion(&x->done);
	t = kthread_run(uob_kunit_lock_holder_fn, x, "uob-kunit-holder");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	KUNIT_ASSERT_NE(test, 0UL, wait_for_completion_timeout(&x->locked, 10 * HZ));

	held = uob_device_locked(&udev->dev);
	UOB_KUNIT_EXPECT_SPLAT_BEGIN(test, "usb_offload_get while another task holds the lock");
	ret = usb_offload_get(udev);
	UOB_KUNIT_EXPECT_SPLAT_END(test);
	complete(&x->release);
	wait_for_completion(&x->done);

	KUNIT_EXPECT_FALSE_MSG(test, held, "another task's lock was taken for the caller's");
	KUNIT_EXPECT_EQ(test, -ENOLCK, ret);
	KUNIT_EXPECT_EQ(test, violations + 1, uob_offload_lock_violations());
	if (!ret) {
		usb_lock_device(udev);
		usb_offload_put(udev);
		usb_unlock_device(udev);
	}
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(udev));
}

static void uob_check_sees_usage_below_hub(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_BEHIND_HUB);
	struct usb_device *hub = uob_kunit_usb(test, UOB_KUNIT_EXT_HUB);
	struct usb_device *root = udev->bus->root_hub;
	struct usb_device *other = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	int ret;

	KUNIT_ASSERT_PTR_EQ(test, udev->parent, hub);
	KUNIT_ASSERT_PTR_EQ(test, hub->parent, root);

	usb_lock_device(root);
	KUNIT_EXPECT_FALSE(test, usb_offload_check(root));
	usb_unlock_device(root);

	usb_lock_device(udev);
	ret = usb_offload_get(udev);
	usb_unlock_device(udev);
	KUNIT_ASSERT_EQ(test, 0, ret);

	usb_lock_device(root);
	KUNIT_EXPECT_TRUE(test, usb_offload_check(root));
	usb_unlock_device(root);
	usb_lock_device(hub);
	KUNIT_EXPECT_TRUE(test, usb_offload_check(hub));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(hub));
	usb_unlock_device(hub);
	usb_lock_device(other);
	KUNIT_EXPECT_FALSE(test, usb_offload_check(other));
	usb_unlock_device(other);

	usb_lock_device(udev);
	KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	usb_unlock_device(udev);

	usb_lock_device(root);
	KUNIT_EXPECT_FALSE(test, usb_offload_check(root));
	usb_unlock_device(root);
}

#define UOB_KUNIT_THREADS	4
#define UOB_KUNIT_ROUNDS	200
#define UOB_KUNIT_PUTS		150

struct uob_kunit_worker {
	struct usb_device *udev;
	struct completion done;
	int errors;
};

static int uob_kunit_worker_fn(void *data)
{
	struct uob_kunit_worker *w = data;
	int i;

	for (i = 0; i < UOB_KUNIT_ROUNDS; i++) {
		usb_lock_device(w->udev);
		if (usb_offload_get(w->udev))
			w->errors++;
		usb_unlock_device(w->udev);
		if (i >= UOB_KUNIT_PUTS)
			continue;
		usb_lock_device(w->udev);
		if (usb_offload_put(w->udev))
			w->errors++;
		usb_unlock_device(w->udev);
	}
	complete(&w->done);
	return 0;
}

static void uob_concurrent_get_put_exact(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	const int net = UOB_KUNIT_THREADS * (UOB_KUNIT_ROUNDS - UOB_KUNIT_PUTS);
	struct uob_kunit_worker *w;
	struct task_struct *t;
	int i, usage;

	w = kunit_kcalloc(test, UOB_KUNIT_THREADS, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	for (i = 0; i < UOB_KUNIT_THREADS; i++) {
		w[i].udev = udev;
		init_completion(&w[i].done);
		t = kthread_run(uob_kunit_worker_fn, &w[i], "uob-kunit/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	for (i = 0; i < UOB_KUNIT_THREADS; i++) {
		KUNIT_ASSERT_NE_MSG(test, 0,
				    wait_for_completion_timeout(&w[i].done, 120 * HZ),
				    "worker %d hung", i);
		KUNIT_EXPECT_EQ(test, 0, w[i].errors);
	}

	usb_lock_device(udev);
	usage = usb_offload_usage(udev);
	KUNIT_EXPECT_EQ(test, net, usage);
	for (i = 0; i < usage; i++)
		KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	usb_unlock_device(udev);
}

/*
 * 7.0+ (suite usb_offload_mainline, built there only): usbcore's own
 * usb_offload_get()/put() change the same counter
 * (udev->offload_usage) under udev->offload_lock, without the device lock.
 * Race them against ours (device lock held, as our contract says) on one
 * device: no update may be lost, the count ends exactly at what the
 * successful calls add up to.
 */
#define UOB_KUNIT_MIX_THREADS	4	/* even: ours, odd: mainline's */
#define UOB_KUNIT_MIX_ROUNDS	4000

struct uob_kunit_mixer {
	struct usb_device *udev;
	const struct uob_kunit_offload_ops *mainline;	/* NULL: ours */
	struct completion done;
	int net;	/* successful gets minus successful puts */
	int errors;
	int last_error;
};

static int uob_kunit_mix_one(struct uob_kunit_mixer *m, bool get)
{
	int ret;

	if (m->mainline)
		return get ? m->mainline->get(m->udev) : m->mainline->put(m->udev);

	usb_lock_device(m->udev);
	ret = get ? usb_offload_get(m->udev) : usb_offload_put(m->udev);
	usb_unlock_device(m->udev);
	return ret;
}

static int uob_kunit_mixer_fn(void *data)
{
	struct uob_kunit_mixer *m = data;
	int i, ret;

	for (i = 0; i < UOB_KUNIT_MIX_ROUNDS; i++) {
		ret = uob_kunit_mix_one(m, true);
		if (ret) {
			m->errors++;
			m->last_error = ret;
			continue;
		}
		m->net++;
		/* every fourth get is kept: the count climbs while racing */
		if (i % 4 == 3)
			continue;
		ret = uob_kunit_mix_one(m, false);
		if (ret) {
			m->errors++;
			m->last_error = ret;
			continue;
		}
		m->net--;
	}
	complete(&m->done);
	return 0;
}

static void uob_kunit_pm_put(void *udev)
{
	pm_runtime_put(&((struct usb_device *)udev)->dev);
}

/* The case of the usb_offload_mainline suite (offload_kunit_mainline.c). */
void uob_kunit_mainline_race(struct kunit *test,
			     const struct uob_kunit_offload_ops *mainline)
{
	struct usb_device *udev;
	struct uob_kunit_mixer *m;
	struct task_struct *t;
	int i, base, net = 0;

	udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	/* mainline's calls need the device active (pm_runtime_get_if_active) */
	KUNIT_ASSERT_GE(test, pm_runtime_resume_and_get(&udev->dev), 0);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_kunit_pm_put, udev));

	base = uob_kunit_offload_usage(udev);
	m = kunit_kcalloc(test, UOB_KUNIT_MIX_THREADS, sizeof(*m), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m);
	for (i = 0; i < UOB_KUNIT_MIX_THREADS; i++) {
		m[i].udev = udev;
		m[i].mainline = i & 1 ? mainline : NULL;
		init_completion(&m[i].done);
		t = kthread_run(uob_kunit_mixer_fn, &m[i], "uob-mix/%d", i);
		KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	}
	for (i = 0; i < UOB_KUNIT_MIX_THREADS; i++) {
		KUNIT_ASSERT_NE_MSG(test, 0,
				    wait_for_completion_timeout(&m[i].done, 600 * HZ),
				    "mixer %d hung", i);
		KUNIT_EXPECT_EQ_MSG(test, 0, m[i].errors, "%s thread %d: last error %d",
				    m[i].mainline ? "mainline" : "our", i,
				    m[i].last_error);
		net += m[i].net;
	}
	kunit_info(test, "raced %d x %d get/put, count %d -> %d\n",
		   UOB_KUNIT_MIX_THREADS, UOB_KUNIT_MIX_ROUNDS, base,
		   uob_kunit_offload_usage(udev));
	KUNIT_EXPECT_EQ(test, base + net, uob_kunit_offload_usage(udev));

	/* give back what the race left */
	usb_lock_device(udev);
	for (i = usb_offload_usage(udev); i > base; i--)
		KUNIT_EXPECT_EQ(test, 0, usb_offload_put(udev));
	KUNIT_EXPECT_EQ(test, base, usb_offload_usage(udev));
	usb_unlock_device(udev);
}

#define UOB_KUNIT_BUMP	10

struct uob_kunit_interleave {
	struct usb_device *udev;
	const struct uob_kunit_offload_ops *mainline;
	int delta;			/* ours: 1 get, -1 put */
	struct completion locked;	/* their lock is held */
	atomic_t ready;			/* we are about to call ours */
	struct completion holder_done, caller_done;
	bool seen;
	int ret;
};

static int uob_kunit_holder_fn(void *data)
{
	struct uob_kunit_interleave *x = data;

	x->seen = x->mainline->hold_and_add(x->udev, UOB_KUNIT_BUMP, &x->locked,
					    &x->ready);
	complete(&x->holder_done);
	return 0;
}

static int uob_kunit_caller_fn(void *data)
{
	struct uob_kunit_interleave *x = data;

	wait_for_completion(&x->locked);
	usb_lock_device(x->udev);
	atomic_set(&x->ready, 1);
	x->ret = x->delta > 0 ? usb_offload_get(x->udev) : usb_offload_put(x->udev);
	usb_unlock_device(x->udev);
	complete(&x->caller_done);
	return 0;
}

static struct task_struct *uob_kunit_thread_on(struct kunit *test,
					       int (*fn)(void *), void *data,
					       unsigned int cpu)
{
	struct task_struct *t = kthread_create(fn, data, "uob-il/%u", cpu);

	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	kthread_bind(t, cpu);
	return t;
}

/*
 * Their lock is held on one CPU; ours is called on another and must wait
 * for it; meanwhile the count changes by UOB_KUNIT_BUMP (what their get/put
 * do under that lock).  Ours must then see the changed count: a get or put
 * that read the count before taking the lock would store a stale value and
 * lose the bump.
 */
void uob_kunit_mainline_interleave(struct kunit *test,
				   const struct uob_kunit_offload_ops *mainline)
{
	unsigned int cpu_a = cpumask_first(cpu_online_mask);
	unsigned int cpu_b = cpumask_next(cpu_a, cpu_online_mask);
	struct uob_kunit_interleave *x;
	struct usb_device *udev;
	int i, base, want;

	KUNIT_ASSERT_LT_MSG(test, cpu_b, nr_cpu_ids, "needs two online CPUs");
	udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	KUNIT_ASSERT_GE(test, pm_runtime_resume_and_get(&udev->dev), 0);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, uob_kunit_pm_put, udev));
	x = kunit_kzalloc(test, sizeof(*x), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, x);

	base = uob_kunit_offload_usage(udev);
	want = base;
	for (i = 0; i < 4; i++) {
		x->udev = udev;
		x->mainline = mainline;
		x->delta = i % 2 ? -1 : 1;	/* get, put, get, put */
		init_completion(&x->locked);
		init_completion(&x->holder_done);
		init_completion(&x->caller_done);
		atomic_set(&x->ready, 0);
		wake_up_process(uob_kunit_thread_on(test, uob_kunit_holder_fn, x, cpu_a));
		wake_up_process(uob_kunit_thread_on(test, uob_kunit_caller_fn, x, cpu_b));
		KUNIT_ASSERT_NE(test, 0, wait_for_completion_timeout(&x->holder_done, 60 * HZ));
		KUNIT_ASSERT_NE(test, 0, wait_for_completion_timeout(&x->caller_done, 60 * HZ));
		KUNIT_EXPECT_TRUE_MSG(test, x->seen, "round %d: ours never ran", i);
		KUNIT_EXPECT_EQ(test, 0, x->ret);
		want += UOB_KUNIT_BUMP + x->delta;
		KUNIT_EXPECT_EQ_MSG(test, want, uob_kunit_offload_usage(udev),
				    "round %d: %s lost the concurrent change", i,
				    x->delta > 0 ? "get" : "put");
		/* what they added, taken back the same way */
		mainline->hold_and_add(udev, -UOB_KUNIT_BUMP, NULL, NULL);
		want -= UOB_KUNIT_BUMP;
	}
	KUNIT_EXPECT_EQ(test, base, uob_kunit_offload_usage(udev));
}

/*
 * Really remove a device that still has usage: deconfiguring the external
 * hub disconnects its children through usb_disconnect(), the same path as
 * an unplug.  Then configure the hub again and wait for the device to come
 * back, so later suites find the rig as it was.
 */
static void uob_removed_device_leaves_no_state(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_get_usb(test, UOB_KUNIT_BEHIND_HUB);
	struct usb_device *hub = uob_kunit_usb(test, UOB_KUNIT_EXT_HUB);
	unsigned int entries = uob_state_entries();
	unsigned int own = uob_state_is_private();	/* 0: the state is the udev */
	bool had = uob_state_tracked(udev);
	struct usb_device *back;
	int ret;

	usb_lock_device(udev);
	ret = usb_offload_get(udev);
	usb_unlock_device(udev);
	if (ret)
		usb_put_dev(udev);
	KUNIT_ASSERT_EQ(test, 0, ret);
	/* the entry may be there from an earlier cycle: it is kept */
	KUNIT_EXPECT_EQ(test, entries + (own && !had), uob_state_entries());
	KUNIT_EXPECT_EQ(test, own, uob_state_tracked(udev));
	entries = uob_state_entries();

	usb_lock_device(hub);
	ret = usb_set_configuration(hub, -1);
	usb_unlock_device(hub);
	KUNIT_EXPECT_EQ(test, 0, ret);

	KUNIT_EXPECT_EQ(test, USB_STATE_NOTATTACHED, udev->state);
	KUNIT_EXPECT_EQ(test, entries - own, uob_state_entries());
	KUNIT_EXPECT_FALSE(test, uob_state_tracked(udev));
	/*
	 * Our table forgets the device at USB_DEVICE_REMOVE; usbcore's own
	 * field (6.18+) keeps its value until the usb_device is freed, as
	 * mainline's does.  Either way the re-enumerated device starts at 0.
	 */
	if (own)
		KUNIT_EXPECT_EQ(test, 0, uob_state_peek(udev));
	usb_put_dev(udev);	/* the last reference: released now */

	usb_lock_device(hub);
	ret = usb_set_configuration(hub, 1);
	usb_unlock_device(hub);
	KUNIT_ASSERT_EQ(test, 0, ret);

	back = uob_kunit_usb(test, UOB_KUNIT_BEHIND_HUB);
	KUNIT_EXPECT_EQ(test, 0, uob_kunit_offload_usage(back));
}

#define UOB_BENCH_PAIRS		2000

static DEFINE_MUTEX(uob_bench_lock);
static int uob_bench_counter;

/*
 * Cost of a get+put pair (device lock held once around the loop, as a
 * class driver holds it around its setup) against the bare baseline of a
 * mutex-protected counter incremented and decremented.  The figures are
 * reported for make bench; the case asserts that both loops balance.
 */
static void uob_bench_get_put_vs_lock_counter(struct kunit *test)
{
	struct usb_device *udev = uob_kunit_usb(test, UOB_KUNIT_ROOT_PORT);
	s64 t_api, t_base;
	int i, errors = 0;
	ktime_t t0;

	usb_lock_device(udev);
	t0 = ktime_get();
	for (i = 0; i < UOB_BENCH_PAIRS; i++) {
		errors += !!usb_offload_get(udev);
		errors += !!usb_offload_put(udev);
	}
	t_api = ktime_to_ns(ktime_sub(ktime_get(), t0));
	KUNIT_EXPECT_EQ(test, 0, usb_offload_usage(udev));
	usb_unlock_device(udev);
	KUNIT_EXPECT_EQ(test, 0, errors);

	t0 = ktime_get();
	for (i = 0; i < UOB_BENCH_PAIRS; i++) {
		mutex_lock(&uob_bench_lock);
		uob_bench_counter++;
		mutex_unlock(&uob_bench_lock);
		mutex_lock(&uob_bench_lock);
		uob_bench_counter--;
		mutex_unlock(&uob_bench_lock);
	}
	t_base = ktime_to_ns(ktime_sub(ktime_get(), t0));
	KUNIT_EXPECT_EQ(test, 0, uob_bench_counter);

	kunit_info(test, "uob-bench: get+put %lld ns/pair, lock+counter %lld ns/pair, ratio %lld (%d pairs, lockdep+KASAN kernel)\n",
		   t_api / UOB_BENCH_PAIRS, t_base / UOB_BENCH_PAIRS,
		   t_base ? t_api / t_base : 0, UOB_BENCH_PAIRS);
}

static struct kunit_case uob_offload_cases[] = {
	KUNIT_CASE(uob_get_put_changes_count),
	KUNIT_CASE(uob_put_at_zero_stays_zero),
	KUNIT_CASE(uob_cycle_reuses_state),
	KUNIT_CASE_PARAM(uob_refused_state, uob_refused_state_gen_params),
	KUNIT_CASE(uob_at_suspend_is_ebusy),
	KUNIT_CASE(uob_resume_failure_changes_nothing),
	KUNIT_CASE(uob_unlocked_call_is_refused),
	KUNIT_CASE(uob_lock_held_by_another_task),
	KUNIT_CASE(uob_check_sees_usage_below_hub),
	KUNIT_CASE_SLOW(uob_concurrent_get_put_exact),
	KUNIT_CASE(uob_bench_get_put_vs_lock_counter),
	KUNIT_CASE_SLOW(uob_removed_device_leaves_no_state),
	{}
};

static struct kunit_suite uob_offload_suite = {
	.name = "usb_offload",
	.test_cases = uob_offload_cases,
};

kunit_test_suite(uob_offload_suite);
