// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: struct xhci_interrupter has ip_autoclear.
 * Upstream: 4f022aad80dc "xhci: Add interrupt pending autoclear flag to each
 * interrupter" (v6.9-rc1; in 6.8.y since 6.8.2), so 6.8.0 and 6.8.1 have
 * secondary interrupters without it.
 */
#include "xhci.h"

void uob_probe(struct xhci_interrupter *ir);
void uob_probe(struct xhci_interrupter *ir)
{
	ir->ip_autoclear = true;
}
