// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: DEFAULT_SYMBOL_NAMESPACE is an identifier that EXPORT_SYMBOL*()
 * stringifies.  True before v6.13: "module: Convert default symbol
 * namespace to string literal" (v6.13-rc1) made it a string literal, and an
 * identifier then reaches the assembler as ".asciz UOB_PROBE_NS", which does
 * not assemble.  That change went to 6.12.y stable on its own (Debian's
 * 6.12.111 has it while its EXPORT_SYMBOL_NS() still stringifies, see
 * export_symbol_ns_identifier.c): one probe per macro, not per version.
 */
#define DEFAULT_SYMBOL_NAMESPACE UOB_PROBE_NS
#include <linux/export.h>
#include <linux/module.h>

int uob_probe(void);

int uob_probe(void)
{
	return 0;
}
EXPORT_SYMBOL_GPL(uob_probe);
