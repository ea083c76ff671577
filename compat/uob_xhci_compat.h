/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport compat layer for xhci-hcd internals.  Included only
 * by code built with the target kernel's drivers/usb/host/xhci.h.
 */
#ifndef _UOB_XHCI_COMPAT_H
#define _UOB_XHCI_COMPAT_H

#include <linux/err.h>
#include <uob_autoconf.h>
#include "xhci.h"

/*
 * The TR dequeue pointer bits of an endpoint context: SCTX_DEQ_MASK in
 * 6.12's xhci.h, TR_DEQ_PTR_MASK after a later xhci.h cleanup (seen in
 * 7.2's; the exact upstream commit is not pinned here).  Used by the KUnit
 * suites only.  A macro of xhci.h itself, so its presence is the test.
 */
#ifdef TR_DEQ_PTR_MASK
#define UOB_XHCI_DEQ_PTR_MASK	((u64)TR_DEQ_PTR_MASK)
#else
#define UOB_XHCI_DEQ_PTR_MASK	((u64)SCTX_DEQ_MASK)
#endif

/**
 * uob_xhci_create_secondary_interrupter() - secondary interrupter, by number
 * @hcd: the xHCI controller
 * @segs: event ring segments
 * @imod_interval: interrupt moderation interval (ns)
 * @intr_num: 0 for any free interrupter, otherwise exactly this one
 *
 * v6.16+ (fce57295497d) lets the caller choose the interrupter.  6.12 to
 * 6.15 only hand out the first free one: a specific request is honoured
 * when that happens to be the requested number and refused otherwise, never
 * silently answered with another number.
 *
 * Return: the interrupter, ERR_PTR(-ENOMEM) when the controller has none
 * left (or no memory), ERR_PTR(-EOPNOTSUPP) when @intr_num cannot be had.
 */
static inline struct xhci_interrupter *
uob_xhci_create_secondary_interrupter(struct usb_hcd *hcd, unsigned int segs,
				      u32 imod_interval, unsigned int intr_num)
{
	struct xhci_interrupter *ir;

#ifdef UOB_HAVE_XHCI_SEC_INTR_INTR_NUM
	ir = xhci_create_secondary_interrupter(hcd, segs, imod_interval, intr_num);
	return ir ?: ERR_PTR(-ENOMEM);
#else
	ir = xhci_create_secondary_interrupter(hcd, segs, imod_interval);
	if (!ir)
		return ERR_PTR(-ENOMEM);
	if (intr_num && ir->intr_num != intr_num) {
		dev_err(hcd->self.controller,
			"interrupter %u requested, this kernel can only allocate the first free one (%u)\n",
			intr_num, ir->intr_num);
		xhci_remove_secondary_interrupter(hcd, ir);
		return ERR_PTR(-EOPNOTSUPP);
	}
	return ir;
#endif
}

/**
 * uob_xhci_stop_endpoint_sync() - stop an endpoint and wait for it
 * @xhci: the controller
 * @ep: the endpoint
 *
 * xhci_stop_endpoint_sync() exists since v6.13 (07b887f8236e).  Before
 * that, xhci-hcd exports no way to queue a Stop Endpoint command from
 * outside, so this returns -EOPNOTSUPP and the endpoint keeps running until
 * its interface altsetting is changed (xhci drops it then).
 *
 * Return: 0 or the stop error; -EOPNOTSUPP on kernels before 6.13.
 */
static inline int uob_xhci_stop_endpoint_sync(struct xhci_hcd *xhci,
					      struct xhci_virt_ep *ep)
{
#ifdef UOB_HAVE_XHCI_STOP_ENDPOINT_SYNC
	return xhci_stop_endpoint_sync(xhci, ep, 0, GFP_KERNEL);
#else
	return -EOPNOTSUPP;
#endif
}

/* Whether xhci_sideband_stop_endpoint() can really stop an endpoint. */
#ifdef UOB_HAVE_XHCI_STOP_ENDPOINT_SYNC
#define UOB_XHCI_CAN_STOP_ENDPOINT	true
#else
#define UOB_XHCI_CAN_STOP_ENDPOINT	false
#endif

#endif /* _UOB_XHCI_COMPAT_H */
