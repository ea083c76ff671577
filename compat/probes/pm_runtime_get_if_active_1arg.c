// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: pm_runtime_get_if_active(dev) with one argument.
 * Upstream: c0ef3df8dbae "PM: runtime: Simplify pm_runtime_get_if_active()
 * usage" (v6.9-rc1) dropped the second one, ign_usage_count; before it,
 * compat/uob_compat.h passes true (the same meaning).
 */
#include <linux/pm_runtime.h>

int uob_probe(struct device *dev);
int uob_probe(struct device *dev)
{
	return pm_runtime_get_if_active(dev);
}
