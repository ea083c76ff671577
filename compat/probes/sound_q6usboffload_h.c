// SPDX-License-Identifier: GPL-2.0
/*
 * Probe: <sound/q6usboffload.h> and the soc-usb layer are there, so the
 * QDSP6 USB backend (q6usb) can hand us its IOMMU domain, stream ID and
 * interrupter number.  Upstream: 72b0b8b29980 "ASoC: qcom: qdsp6: Add USB
 * backend ASoC driver for Q6" and the soc-usb layer (v6.16-rc1).  The
 * header alone is not enough: CONFIG_SND_SOC_USB must be on for
 * snd_soc_usb_find_priv_data().
 */
#include <linux/iommu.h>
#include <sound/soc-usb.h>
#include <sound/q6usboffload.h>

#if !IS_ENABLED(CONFIG_SND_SOC_USB)
#error "soc-usb is configured out"
#endif

struct iommu_domain *uob_probe(struct device *dev);
struct iommu_domain *uob_probe(struct device *dev)
{
	struct q6usb_offload *data = snd_soc_usb_find_priv_data(dev);

	return data ? data->domain : NULL;
}
