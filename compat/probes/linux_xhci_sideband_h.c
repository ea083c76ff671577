// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: the kernel has its own <linux/usb/xhci-sideband.h>.
 * Upstream: de66754e9f80 "xhci: sideband: add initial api to register a
 * secondary interrupter entity" (v6.16-rc1; xhci-sideband.o is linked into
 * xhci-hcd under CONFIG_USB_XHCI_SIDEBAND).  Where it exists, our header
 * takes the client-visible types (event, enums) from it, so a class driver
 * written for mainline sees one set of types.
 */
#include <linux/usb/xhci-sideband.h>

int uob_probe(struct xhci_sideband_event *evt);
int uob_probe(struct xhci_sideband_event *evt)
{
	return evt->type == XHCI_SIDEBAND_XFER_RING_FREE &&
	       XHCI_SIDEBAND_VENDOR != XHCI_SIDEBAND_AUDIO;
}
