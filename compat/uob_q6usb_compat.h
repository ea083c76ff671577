/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport compat: what the QDSP6 USB backend (q6usb) tells the
 * offload driver about the DSP.
 *
 * Since v6.16 (72b0b8b29980 "ASoC: qcom: qdsp6: Add USB backend ASoC driver
 * for Q6" with the soc-usb layer) q6usb, a platform device compatible with
 * "qcom,q6usb", hands a struct q6usb_offload (IOMMU domain, stream ID,
 * interrupter number) to the offload driver as soc-usb private data
 * (probe sound_q6usboffload_h.c).  Older kernels have no q6usb: the domain
 * comes from the iommu_dev= parameter instead, or there is none.
 */
#ifndef _UOB_Q6USB_COMPAT_H
#define _UOB_Q6USB_COMPAT_H

#include <linux/device.h>
#include <linux/iommu.h>
#include <uob_autoconf.h>

#ifdef UOB_HAVE_SOUND_Q6USBOFFLOAD_H
#include <linux/of.h>
#include <linux/of_platform.h>
#include <sound/soc-usb.h>
#include <sound/q6usboffload.h>

/**
 * uob_q6usb_find() - the q6usb device and what it says about the DSP
 * @domain: set to the DSP's IOMMU domain (may be NULL)
 * @sid: set to the DSP's stream ID
 * @intr_num: set to the interrupter the DSP expects
 *
 * Context: process context.
 *
 * Return: the q6usb device, referenced (put_device() it), or NULL when
 * there is none or it has not registered its soc-usb port yet.
 */
static inline struct device *uob_q6usb_find(struct iommu_domain **domain,
					    u8 *sid, u16 *intr_num)
{
	struct device_node *np = of_find_compatible_node(NULL, NULL, "qcom,q6usb");
	struct platform_device *pdev;
	struct q6usb_offload *data;

	if (!np)
		return NULL;
	pdev = of_find_device_by_node(np);
	of_node_put(np);
	if (!pdev)
		return NULL;
	data = snd_soc_usb_find_priv_data(&pdev->dev);
	if (!data) {
		put_device(&pdev->dev);
		return NULL;
	}
	*domain = data->domain;
	*sid = data->sid;
	*intr_num = data->intr_num;
	return &pdev->dev;
}
#else
static inline struct device *uob_q6usb_find(struct iommu_domain **domain,
					    u8 *sid, u16 *intr_num)
{
	return NULL;
}
#endif

#endif /* _UOB_Q6USB_COMPAT_H */
