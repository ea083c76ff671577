/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport: common definitions shared by all modules.
 *
 * Every function this project exports under a name that also exists (or
 * existed) in mainline is renamed through UOB_BACKPORT(), in the spirit of
 * the Linux backports project's LINUX_BACKPORT(): driver code keeps the
 * upstream spelling, the symbol table gets a "uob_" prefix, and nothing we
 * export can clash with usbcore/xhci-hcd on kernels that carry the in-tree
 * version (6.16+ sideband, 6.18+ usb_offload_*).
 */
#ifndef _UOB_BACKPORT_H
#define _UOB_BACKPORT_H

#define UOB_BACKPORT(sym)	uob_##sym

/* Name of the debugfs directory shared by the three modules. */
#define UOB_DEBUGFS_DIR		"usb-offload-backport"

#include <linux/usb.h>
#include <linux/usb/hcd.h>

/**
 * uob_usb_host_removing() - is @udev's host controller being removed?
 * @udev: a USB device (not a root hub's own state: any device below it)
 *
 * usb_remove_hcd() clears rh_registered before it disconnects the root
 * hub's devices, and xhci-hcd's remove() has set XHCI_STATE_REMOVING
 * before it calls usb_remove_hcd().  From then on xhci_check_bandwidth()
 * refuses every endpoint drop (-ENODEV) and 6.12 has no way to stop an
 * endpoint from outside xhci-hcd: an endpoint a DSP has TRBs queued on
 * runs until remove() halts the controller, after usbcore has cleared its
 * endpoint table.  What that endpoint can reach (its transfer buffer, the
 * event ring of its interrupter) must then outlive the removal: xhci-hcd
 * frees every interrupter itself once halted (xhci_stop() ->
 * xhci_mem_cleanup()); qc-audio-offload frees the transfer buffer once
 * the controller's driver has unbound (qc-audio-offload/kept.c).
 *
 * Context: any.  rh_registered goes from 1 to 0 once, under
 * hcd_root_hub_lock, before usbcore disconnects the devices this is asked
 * about; the disconnect path that asks is ordered after it, so no lock.
 *
 * Return: true once the removal of @udev's controller has begun.
 */
static inline bool uob_usb_host_removing(const struct usb_device *udev)
{
	return !bus_to_hcd(udev->bus)->rh_registered;
}

#endif /* _UOB_BACKPORT_H */
