/* SPDX-License-Identifier: GPL-2.0 */
/* xhci-sideband: module-internal definitions shared with the KUnit suite. */
#ifndef _UOB_SIDEBAND_INTERNAL_H
#define _UOB_SIDEBAND_INTERNAL_H

#include <linux/kref.h>
#include <linux/usb/hcd.h>
#include <uob/xhci-sideband.h>

/**
 * struct uob_sideband_priv - a sideband and its module-private state
 * @sb: what clients see
 * @kref: lets the device-removal notifier use @sb outside the registry lock
 * @detached_by_removal: the device went away while registered
 * @ir_num: the interrupter number of @sb.ir, kept apart from the
 *	interrupter because the controller may free that behind our back
 * @ir_lost: interrupters found freed by the controller (a reinit)
 *
 * @ir_num and @ir_lost are protected by @sb.mutex.
 */
struct uob_sideband_priv {
	struct xhci_sideband sb;
	struct kref kref;
	bool detached_by_removal;
	unsigned int ir_num;
	unsigned int ir_lost;
};

unsigned int uob_sideband_count(void);

#endif /* _UOB_SIDEBAND_INTERNAL_H */
