// SPDX-License-Identifier: GPL-2.0
/*
 * The shape of RFC v2 2/2's handle_uaudio_stream_req(): early exits jump to
 * a label that lies in the scope of a guard(device) declared after them.
 * Must NOT build with the project's flags (compat/Kbuild.common).
 */
#include <linux/device.h>
#include <linux/module.h>

int uob_defect1_rfc(struct device *dev, int card);
int uob_defect1_rfc(struct device *dev, int card)
{
	int ret = 0;

	if (card < 0) {
		ret = -EINVAL;
		goto response;
	}

	guard(device)(dev);
	ret = card;
response:
	return ret;
}

MODULE_LICENSE("GPL");
