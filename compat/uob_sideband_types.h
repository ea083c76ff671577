/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport compat: the client-visible types of the xHCI
 * sideband API (enum xhci_sideband_type, enum xhci_sideband_notify_type,
 * struct xhci_sideband_event).
 *
 * Since v6.16 (de66754e9f80 "xhci: sideband: add initial api to register a
 * secondary interrupter entity") the kernel has them in
 * <linux/usb/xhci-sideband.h> (probe linux_xhci_sideband_h.c): take them
 * from there, so a client sees one set of types whichever sideband it uses.
 * Only the structure tag and the functions are renamed (uob/xhci-sideband.h
 * defines the renaming after this file, so the kernel's declarations keep
 * their names).  Older kernels get the same definitions here.
 */
#ifndef _UOB_SIDEBAND_TYPES_H
#define _UOB_SIDEBAND_TYPES_H

#include <uob_autoconf.h>

#ifdef UOB_HAVE_LINUX_XHCI_SIDEBAND_H
#include <linux/usb/xhci-sideband.h>
#else
enum xhci_sideband_type {
	XHCI_SIDEBAND_AUDIO,
	XHCI_SIDEBAND_VENDOR,
};

enum xhci_sideband_notify_type {
	XHCI_SIDEBAND_XFER_RING_FREE,
};

/**
 * struct xhci_sideband_event - event delivered to a sideband client
 * @type: what happened
 * @evt_data: for XHCI_SIDEBAND_XFER_RING_FREE, a pointer to the xHCI
 *	endpoint index (unsigned int) whose transfer ring is being freed
 */
struct xhci_sideband_event {
	enum xhci_sideband_notify_type type;
	void *evt_data;
};
#endif

#endif /* _UOB_SIDEBAND_TYPES_H */
