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

#endif /* _UOB_BACKPORT_H */
