// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: kzalloc_obj() (typed allocation of one object).
 * Upstream: 2932ba8d9c99 "slab: Introduce kmalloc_obj() and family"
 * (v7.0-rc1).  Where it is missing, compat/uob_compat.h provides the
 * two-argument form our code uses.
 */
#include <linux/slab.h>

struct uob_probe_obj {
	int a;
};

struct uob_probe_obj *uob_probe(void);
struct uob_probe_obj *uob_probe(void)
{
	struct uob_probe_obj *p = kzalloc_obj(*p, GFP_KERNEL);

	return p;
}
