// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: xhci_stop_endpoint_sync(xhci, ep, suspend, gfp).
 * Upstream: 07b887f8236e "xhci: add helper to stop endpoint and wait for
 * completion" (v6.13-rc1; an earlier version was reverted in the 6.9 cycle).
 */
#include "xhci.h"

int uob_probe(struct xhci_hcd *xhci, struct xhci_virt_ep *ep);
int uob_probe(struct xhci_hcd *xhci, struct xhci_virt_ep *ep)
{
	return xhci_stop_endpoint_sync(xhci, ep, 0, GFP_KERNEL);
}
