// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: EXPORT_SYMBOL_NS*() and MODULE_IMPORT_NS() take the namespace as
 * an identifier and stringify it themselves.  True before v6.13;
 * cdd30ebb1b9f "module: Convert symbol namespace to string literal"
 * (v6.13-rc1) made the argument a string literal, and an identifier then
 * reaches the assembler as ".asciz UOB_PROBE_NS", which does not assemble.
 * (The string form cannot be probed directly: older kernels accept a
 * literal too, and silently record it with its quotes.)
 */
#include <linux/export.h>
#include <linux/module.h>

int uob_probe(void);
int uob_probe(void)
{
	return 0;
}
EXPORT_SYMBOL_NS_GPL(uob_probe, UOB_PROBE_NS);
