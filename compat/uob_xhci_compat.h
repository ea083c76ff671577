/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport compat layer for xhci-hcd internals.  "xhci.h" is
 * either the target kernel's drivers/usb/host/xhci.h (a source tree) or the
 * one scripts/btf-layouts.sh generated from the kernel's BTF (only the members
 * compat/xhci-btf.list names, at their offsets; UOB_XHCI_FROM_BTF).  Where
 * both exist, UOB_XHCI_BTF_CHECK: the source's layouts and API forms are
 * asserted to be the BTF's (uob_xhci_btf_check.h).
 */
#ifndef _UOB_XHCI_COMPAT_H
#define _UOB_XHCI_COMPAT_H

#include <linux/bits.h>
#include <linux/err.h>
#include <uob_autoconf.h>
#include "xhci.h"

#ifdef UOB_XHCI_BTF_CHECK
#include <uob_xhci_btf_check.h>
#endif

/*
 * Two values of xhci.h that are macros, so BTF does not have them; the same
 * from v6.8 to v7.2 (TRB_SEGMENT_SIZE: 256 TRBs of 16 bytes), and asserted
 * against xhci.h wherever a source tree is used.
 */
#define UOB_XHCI_TRB_SEGMENT_SIZE	4096
#define UOB_XHCI_EP_HAS_STREAMS		BIT(4)
/*
 * And two bits of xhci->xhc_state: XHCI_STATE_DYING (bit 0, set by
 * xhci_hc_died()) and XHCI_STATE_REMOVING (bit 2, set by the glue drivers'
 * remove() before usb_remove_hcd()), the same in 6.12's and 7.2's xhci.h;
 * xhci_check_bandwidth() refuses every endpoint drop under either.
 */
#define UOB_XHCI_STATE_DYING		BIT(0)
#define UOB_XHCI_STATE_REMOVING		BIT(2)
#ifdef UOB_XHCI_FROM_BTF
#define TRB_SEGMENT_SIZE		UOB_XHCI_TRB_SEGMENT_SIZE
#define EP_HAS_STREAMS			UOB_XHCI_EP_HAS_STREAMS
#define XHCI_STATE_DYING		UOB_XHCI_STATE_DYING
#define XHCI_STATE_REMOVING		UOB_XHCI_STATE_REMOVING

/* the two helpers of xhci.h the module uses, which BTF cannot give */
static inline struct xhci_hcd *hcd_to_xhci(struct usb_hcd *hcd)
{
	if (!usb_hcd_is_primary_hcd(hcd))
		hcd = hcd->primary_hcd;
	return (struct xhci_hcd *)hcd->hcd_priv;
}

static inline struct usb_hcd *xhci_to_hcd(struct xhci_hcd *xhci)
{
	return xhci->main_hcd;
}
#else
static_assert(TRB_SEGMENT_SIZE == UOB_XHCI_TRB_SEGMENT_SIZE);
static_assert(EP_HAS_STREAMS == UOB_XHCI_EP_HAS_STREAMS);
static_assert(XHCI_STATE_DYING == UOB_XHCI_STATE_DYING);
static_assert(XHCI_STATE_REMOVING == UOB_XHCI_STATE_REMOVING);
#endif

/*
 * The form of xhci_create_secondary_interrupter() (compile probes): (hcd,
 * segs) v6.8-v6.11, (hcd, segs, imod_interval) v6.12-v6.15, (hcd, segs,
 * imod_interval, intr_num) since v6.16.
 */
#if defined(UOB_HAVE_XHCI_SEC_INTR_INTR_NUM)
#define UOB_XHCI_SEC_INTR_NARGS		4
#elif defined(UOB_HAVE_XHCI_SEC_INTR_IMOD)
#define UOB_XHCI_SEC_INTR_NARGS		3
#elif defined(UOB_HAVE_XHCI_SEC_INTR_SEGS)
#define UOB_XHCI_SEC_INTR_NARGS		2
#else
#error "no known xhci_create_secondary_interrupter() compiles (compat/probes/xhci_sec_intr_*.c)"
#endif

#ifdef UOB_XHCI_BTF_CHECK
/* the source tree's API forms must be the kernel's (its BTF) */
static_assert(UOB_XHCI_SEC_INTR_NARGS == UOB_BTF_XHCI_CREATE_SECONDARY_INTERRUPTER_NARGS,
	      "xhci.h and the kernel's BTF disagree on xhci_create_secondary_interrupter()");
#ifdef UOB_HAVE_XHCI_STOP_ENDPOINT_SYNC
static_assert(UOB_BTF_XHCI_STOP_ENDPOINT_SYNC_NARGS == 4,
	      "xhci.h has xhci_stop_endpoint_sync(), the kernel does not");
#else
static_assert(UOB_BTF_XHCI_STOP_ENDPOINT_SYNC_NARGS == -1,
	      "the kernel has xhci_stop_endpoint_sync(), xhci.h does not");
#endif
#ifdef UOB_HAVE_XHCI_INTERRUPTER_IP_AUTOCLEAR
static_assert(UOB_BTF_HAS_XHCI_INTERRUPTER_IP_AUTOCLEAR,
	      "xhci.h has xhci_interrupter.ip_autoclear, the kernel does not");
#else
static_assert(!UOB_BTF_HAS_XHCI_INTERRUPTER_IP_AUTOCLEAR,
	      "the kernel has xhci_interrupter.ip_autoclear, xhci.h does not");
#endif
#endif

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
 * @ip_autoclear: the controller clears the interrupt pending bit (MSI)
 * @imod_interval: interrupt moderation interval (ns)
 * @intr_num: 0 for any free interrupter, otherwise exactly this one
 *
 * v6.16+ (fce57295497d) lets the caller choose the interrupter.  6.8 to
 * 6.15 only hand out the first free one: a specific request is honoured
 * when that happens to be the requested number and refused otherwise, never
 * silently answered with another number.  6.8 to 6.11 have no
 * @imod_interval either (9c0c11bb87b0, v6.12): the interrupter keeps the
 * controller's moderation, and a non-zero request is refused.  6.8.0 and
 * 6.8.1 have no ip_autoclear (4f022aad80dc, v6.9, 6.8.2): there only false
 * can be had.  Each is a compile probe.
 *
 * Return: the interrupter, ERR_PTR(-ENOMEM) when the controller has none
 * left (or no memory), ERR_PTR(-EOPNOTSUPP) when @intr_num, @imod_interval
 * or @ip_autoclear cannot be had.
 */
static inline struct xhci_interrupter *
uob_xhci_create_secondary_interrupter(struct usb_hcd *hcd, unsigned int segs,
				      bool ip_autoclear, u32 imod_interval,
				      unsigned int intr_num)
{
	struct xhci_interrupter *ir;

#ifndef UOB_HAVE_XHCI_INTERRUPTER_IP_AUTOCLEAR
	if (ip_autoclear) {
		dev_err(hcd->self.controller,
			"interrupt pending autoclear requested, this kernel has none\n");
		return ERR_PTR(-EOPNOTSUPP);
	}
#endif
#if UOB_XHCI_SEC_INTR_NARGS == 4
	ir = xhci_create_secondary_interrupter(hcd, segs, imod_interval, intr_num);
	if (!ir)
		return ERR_PTR(-ENOMEM);
#else
#if UOB_XHCI_SEC_INTR_NARGS == 3
	ir = xhci_create_secondary_interrupter(hcd, segs, imod_interval);
#else
	if (imod_interval) {
		dev_err(hcd->self.controller,
			"interrupt moderation %u ns requested, this kernel cannot set it for a secondary interrupter\n",
			imod_interval);
		return ERR_PTR(-EOPNOTSUPP);
	}
	ir = xhci_create_secondary_interrupter(hcd, segs);
#endif
	if (!ir)
		return ERR_PTR(-ENOMEM);
	if (intr_num && ir->intr_num != intr_num) {
		dev_err(hcd->self.controller,
			"interrupter %u requested, this kernel can only allocate the first free one (%u)\n",
			intr_num, ir->intr_num);
		xhci_remove_secondary_interrupter(hcd, ir);
		return ERR_PTR(-EOPNOTSUPP);
	}
#endif
#ifdef UOB_HAVE_XHCI_INTERRUPTER_IP_AUTOCLEAR
	ir->ip_autoclear = ip_autoclear;
#endif
	return ir;
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
