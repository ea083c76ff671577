// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: xhci_create_secondary_interrupter(hcd, segs, imod_interval).
 * Upstream: 9c0c11bb87b0 "xhci: support setting interrupt moderation IMOD
 * for secondary interrupters" (v6.12-rc1); replaced by the intr_num form in
 * v6.16 (see xhci_sec_intr_intr_num.c).  Needs drivers/usb/host/xhci.h of
 * the target kernel on the include path (UOB_XHCI_INC).
 */
#include "xhci.h"

struct xhci_interrupter *uob_probe(struct usb_hcd *hcd);
struct xhci_interrupter *uob_probe(struct usb_hcd *hcd)
{
	return xhci_create_secondary_interrupter(hcd, 1, 0);
}
