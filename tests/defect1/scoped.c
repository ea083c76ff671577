// SPDX-License-Identifier: GPL-2.0
/*
 * The corrected shape (what qc-audio-offload does): the device lock is a
 * scoped_guard() around the block that needs it, so no jump enters its
 * scope.  Must build with the project's flags.
 */
#include <linux/device.h>
#include <linux/module.h>

int uob_defect1_scoped(struct device *dev, int card);
int uob_defect1_scoped(struct device *dev, int card)
{
	int ret = 0;

	if (card < 0) {
		ret = -EINVAL;
		goto response;
	}

	scoped_guard(device, dev)
		ret = card;
response:
	return ret;
}

MODULE_LICENSE("GPL");
