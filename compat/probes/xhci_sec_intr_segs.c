// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: xhci_create_secondary_interrupter(hcd, segs), the first form.
 * Upstream: c99b38c41234 "xhci: add support to allocate several
 * interrupters" (v6.8-rc1); 9c0c11bb87b0 (v6.12-rc1) added imod_interval
 * (see xhci_sec_intr_imod.c).  Ubuntu 24.04's 6.8 kernels have this form.
 */
#include "xhci.h"

struct xhci_interrupter *uob_probe(struct usb_hcd *hcd);
struct xhci_interrupter *uob_probe(struct usb_hcd *hcd)
{
	return xhci_create_secondary_interrupter(hcd, 1);
}
