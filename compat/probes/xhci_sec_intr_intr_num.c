// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: xhci_create_secondary_interrupter(hcd, segs, imod, intr_num).
 * Upstream: fce57295497d "usb: host: xhci-mem: Allow for interrupter
 * clients to choose specific index" (v6.16-rc1).
 */
#include "xhci.h"

struct xhci_interrupter *uob_probe(struct usb_hcd *hcd);
struct xhci_interrupter *uob_probe(struct usb_hcd *hcd)
{
	return xhci_create_secondary_interrupter(hcd, 1, 0, 1);
}
