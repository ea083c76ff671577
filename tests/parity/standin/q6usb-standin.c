// SPDX-License-Identifier: GPL-2.0
/*
 * q6usb-standin: a test-only stand-in for what the QDSP6 USB backend
 * (sound/soc/qcom/qdsp6/q6usb.c) provides mainline's snd-usb-audio-qmi, so
 * that mainline's driver runs on a board without a DSP (the parity guests,
 * scripts/parity.sh).  Never part of the package, DKMS tree or patches.
 *
 * What q6usb does and this does too:
 *  - the auxiliary device "q6usb.qc-usb-audio-offload", child of the q6usb
 *    device, which qc_usb_audio_probe() binds to;
 *  - a soc-usb port whose private data is a struct q6usb_offload (device,
 *    the DSP's IOMMU domain, stream ID, interrupter number), which
 *    snd_soc_usb_find_priv_data() finds for that device.
 * soc-usb finds a port by device-tree node (its component's device's
 * of_node), so the stand-in's device gets a node of its own; it is never
 * attached to the tree and has no properties (no "usb-soc-be" phandle).
 * The DSP's domain is a spare PCI device's (iommu_dev=), as q6usb hands
 * over its own device's; mainline maps into it unconditionally.
 */
#include <linux/auxiliary_bus.h>
#include <linux/device.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/pci.h>
#include <sound/soc.h>
#include <sound/soc-usb.h>
#include <sound/q6usboffload.h>

static char *iommu_dev = "";
module_param(iommu_dev, charp, 0444);
MODULE_PARM_DESC(iommu_dev, "PCI device whose IOMMU domain stands in for the DSP's (empty: none)");

static int sid;
module_param(sid, int, 0444);
MODULE_PARM_DESC(sid, "stream ID (q6usb: the DT iommus cell & 0xf)");

static int intr_num;
module_param(intr_num, int, 0444);
MODULE_PARM_DESC(intr_num, "xHCI interrupter (q6usb: qcom,usb-audio-intr-idx); 0: first free");

static struct device_node standin_node = {
	.name = "q6usb",
	.full_name = "q6usb-standin",
};

static struct device *standin_dev;
static struct device *dsp_dev;
static struct q6usb_offload standin_data;
static struct snd_soc_component standin_component;
static struct snd_soc_usb *standin_port;
static struct auxiliary_device standin_aux;

static void standin_aux_release(struct device *dev)
{
}

/* what q6usb answers when nothing is routed: no card, no PCM */
static int standin_route(struct snd_soc_component *component, int card, int pcm,
			 int direction, enum snd_soc_usb_kctl path, long *route)
{
	*route = -1;
	return 0;
}

static int __init standin_init(void)
{
	int ret;

	if (sid < 0 || sid > U8_MAX || intr_num < 0 || intr_num > U16_MAX)
		return -EINVAL;
	standin_dev = root_device_register("q6usb-standin");
	if (IS_ERR(standin_dev))
		return PTR_ERR(standin_dev);
	/* soc-usb compares nodes by pointer; nothing takes a reference */
	standin_dev->of_node = &standin_node;

	if (*iommu_dev) {
		dsp_dev = bus_find_device_by_name(&pci_bus_type, NULL, iommu_dev);
		if (!dsp_dev) {
			pr_err("q6usb-standin: no PCI device %s\n", iommu_dev);
			ret = -ENODEV;
			goto unregister;
		}
		standin_data.domain = iommu_get_domain_for_dev(dsp_dev);
	}
	standin_data.dev = standin_dev;
	standin_data.sid = sid;
	standin_data.intr_num = intr_num;

	/* as q6usb_component_probe(): the auxiliary device, then the port */
	standin_aux.name = "qc-usb-audio-offload";
	standin_aux.dev.parent = standin_dev;
	standin_aux.dev.release = standin_aux_release;
	ret = auxiliary_device_init(&standin_aux);
	if (ret)
		goto put_dsp;
	/* named as q6usb's, whatever this module is called */
	ret = __auxiliary_device_add(&standin_aux, "q6usb");
	if (ret) {
		auxiliary_device_uninit(&standin_aux);
		goto put_dsp;
	}

	standin_component.dev = standin_dev;
	standin_component.name = "q6usb-standin";
	standin_port = snd_soc_usb_allocate_port(&standin_component, &standin_data);
	if (IS_ERR(standin_port)) {
		ret = PTR_ERR(standin_port);
		goto del_aux;
	}
	standin_port->update_offload_route_info = standin_route;
	snd_soc_usb_add_port(standin_port);
	pr_info("q6usb-standin: q6usb.qc-usb-audio-offload and a soc-usb port (domain %s, sid %d, intr_num %d)\n",
		standin_data.domain ? iommu_dev : "none", sid, intr_num);
	return 0;

del_aux:
	auxiliary_device_delete(&standin_aux);
	auxiliary_device_uninit(&standin_aux);
put_dsp:
	if (dsp_dev)
		put_device(dsp_dev);
unregister:
	standin_dev->of_node = NULL;
	root_device_unregister(standin_dev);
	return ret;
}

static void __exit standin_exit(void)
{
	snd_soc_usb_remove_port(standin_port);
	auxiliary_device_delete(&standin_aux);
	auxiliary_device_uninit(&standin_aux);
	snd_soc_usb_free_port(standin_port);
	if (dsp_dev)
		put_device(dsp_dev);
	standin_dev->of_node = NULL;
	root_device_unregister(standin_dev);
}

module_init(standin_init);
module_exit(standin_exit);
MODULE_DESCRIPTION("Test-only stand-in for q6usb's auxiliary device and soc-usb port");
MODULE_AUTHOR("usb-offload-backport");
MODULE_LICENSE("GPL");
