/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport: KUnit helpers that fake xhci-hcd's own state on the
 * emulated controller.  Test-only, as kunit_usb.h; the includer has
 * xhci-hcd's private header (uob_xhci_compat.h).
 */
#ifndef _UOB_KUNIT_XHCI_H
#define _UOB_KUNIT_XHCI_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/spinlock.h>
#include <uob_xhci_compat.h>

static inline void uob_kunit_xhci_removing_clear(void *data)
{
	struct xhci_hcd *xhci = data;

	spin_lock_irq(&xhci->lock);
	xhci->xhc_state &= ~XHCI_STATE_REMOVING;
	spin_unlock_irq(&xhci->lock);
}

/**
 * uob_kunit_xhci_removing() - what xhci-hcd's remove() does first
 * @test: the running test: the state is given back when it ends, pass or fail
 * @xhci: the controller, which stays bound and running
 *
 * Sets XHCI_STATE_REMOVING, as remove() does before it removes the shared
 * HCD and then the primary one: from now on xhci_check_bandwidth() refuses
 * every endpoint drop (-ENODEV), while both root hubs are still
 * registered.  Under xhci->lock, as xhci_hc_died() changes the state.
 *
 * Context: process context.
 */
static inline void uob_kunit_xhci_removing(struct kunit *test, struct xhci_hcd *xhci)
{
	spin_lock_irq(&xhci->lock);
	xhci->xhc_state |= XHCI_STATE_REMOVING;
	spin_unlock_irq(&xhci->lock);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, uob_kunit_xhci_removing_clear, xhci));
}

/**
 * uob_kunit_xhci_removing_end() - the controller goes on after all
 * @test: the test that called uob_kunit_xhci_removing()
 * @xhci: the same controller
 *
 * Clears XHCI_STATE_REMOVING now rather than when @test ends.
 *
 * Context: process context.
 */
static inline void uob_kunit_xhci_removing_end(struct kunit *test, struct xhci_hcd *xhci)
{
	kunit_release_action(test, uob_kunit_xhci_removing_clear, xhci);
}

#endif /* _UOB_KUNIT_XHCI_H */
