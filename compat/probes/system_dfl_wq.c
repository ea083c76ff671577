// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: system_dfl_wq (the unbound system workqueue under its new name).
 * Upstream: 128ea9f6ccfb "workqueue: Add system_percpu_wq and system_dfl_wq"
 * (v6.17; in 6.12.y stable).  7.2 marks system_wq and system_unbound_wq
 * deprecated and warns when work is queued on them; where system_dfl_wq is
 * missing, compat/uob_compat.h names system_unbound_wq so.
 */
#include <linux/workqueue.h>

bool uob_probe(struct work_struct *w);
bool uob_probe(struct work_struct *w)
{
	return queue_work(system_dfl_wq, w);
}
