/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport: xHCI sideband API.
 *
 * The API of mainline's include/linux/usb/xhci-sideband.h (v6.16+, in its
 * post-5abbe6ecc620 form: no offload usage counting), for kernels without
 * it.  Function symbols are renamed with UOB_BACKPORT() and the structure
 * tag with it too, so nothing clashes with xhci-hcd's in-tree sideband.
 *
 * Locking: nothing here takes a USB device lock; the teardown functions are
 * meant to be called from a class driver's disconnect path, which the USB
 * core runs with the device lock held.  Each sideband serialises its own
 * state with an internal mutex, which nests inside the device lock.
 */
#ifndef _UOB_XHCI_SIDEBAND_H
#define _UOB_XHCI_SIDEBAND_H

#include <linux/scatterlist.h>
#include <linux/usb.h>
#include <linux/usb/hcd.h>
#include <uob/backport.h>
#include <uob_sideband_types.h>

#define UOB_EP_CTX_PER_DEV	31

#define xhci_sideband				UOB_BACKPORT(xhci_sideband)
#define xhci_sideband_register			UOB_BACKPORT(xhci_sideband_register)
#define xhci_sideband_unregister		UOB_BACKPORT(xhci_sideband_unregister)
#define xhci_sideband_add_endpoint		UOB_BACKPORT(xhci_sideband_add_endpoint)
#define xhci_sideband_remove_endpoint		UOB_BACKPORT(xhci_sideband_remove_endpoint)
#define xhci_sideband_stop_endpoint		UOB_BACKPORT(xhci_sideband_stop_endpoint)
#define xhci_sideband_get_endpoint_buffer	UOB_BACKPORT(xhci_sideband_get_endpoint_buffer)
#define xhci_sideband_get_event_buffer		UOB_BACKPORT(xhci_sideband_get_event_buffer)
#define xhci_sideband_check			UOB_BACKPORT(xhci_sideband_check)
#define xhci_sideband_create_interrupter	UOB_BACKPORT(xhci_sideband_create_interrupter)
#define xhci_sideband_remove_interrupter	UOB_BACKPORT(xhci_sideband_remove_interrupter)
#define xhci_sideband_interrupter_id		UOB_BACKPORT(xhci_sideband_interrupter_id)
#define xhci_sideband_notify_ep_ring_free	UOB_BACKPORT(xhci_sideband_notify_ep_ring_free)

struct xhci_hcd;
struct xhci_virt_device;
struct xhci_virt_ep;
struct xhci_interrupter;

/**
 * struct xhci_sideband - one device's sideband (opaque to clients)
 * @xhci: the controller; NULL once unregistered
 * @vdev: the device's xHCI slot; NULL once the device is gone
 * @eps: endpoints handed to the sideband client, by xHCI endpoint index
 * @ir: the secondary interrupter, if created
 * @type: XHCI_SIDEBAND_VENDOR (the only type upstream accepts)
 * @mutex: serialises all of the above; nests inside the udev device lock
 * @intf: the interface the client registered for
 * @notify_client: the client's event callback (may be NULL)
 * @udev: the device (referenced while registered)
 * @node: entry in the module's registry (6.12 has no vdev->sideband)
 */
struct xhci_sideband {
	struct xhci_hcd *xhci;
	struct xhci_virt_device *vdev;
	struct xhci_virt_ep *eps[UOB_EP_CTX_PER_DEV];
	struct xhci_interrupter *ir;
	enum xhci_sideband_type type;
	struct mutex mutex;	/* see kernel-doc above */
	struct usb_interface *intf;
	int (*notify_client)(struct usb_interface *intf,
			     struct xhci_sideband_event *evt);
	struct usb_device *udev;
	struct list_head node;
};

struct xhci_sideband *
xhci_sideband_register(struct usb_interface *intf, enum xhci_sideband_type type,
		       int (*notify_client)(struct usb_interface *intf,
					    struct xhci_sideband_event *evt));
void xhci_sideband_unregister(struct xhci_sideband *sb);
int xhci_sideband_add_endpoint(struct xhci_sideband *sb,
			       struct usb_host_endpoint *host_ep);
int xhci_sideband_remove_endpoint(struct xhci_sideband *sb,
				  struct usb_host_endpoint *host_ep);
int xhci_sideband_stop_endpoint(struct xhci_sideband *sb,
				struct usb_host_endpoint *host_ep);
struct sg_table *
xhci_sideband_get_endpoint_buffer(struct xhci_sideband *sb,
				  struct usb_host_endpoint *host_ep);
struct sg_table *xhci_sideband_get_event_buffer(struct xhci_sideband *sb);
bool xhci_sideband_check(struct usb_hcd *hcd);
int xhci_sideband_create_interrupter(struct xhci_sideband *sb, int num_seg,
				     bool ip_autoclear, u32 imod_interval,
				     int intr_num);
void xhci_sideband_remove_interrupter(struct xhci_sideband *sb);
int xhci_sideband_interrupter_id(struct xhci_sideband *sb);
void xhci_sideband_notify_ep_ring_free(struct xhci_sideband *sb,
				       unsigned int ep_index);

/* Not in mainline (see xhci-sideband/sideband.c): its own name, no clash. */
bool uob_xhci_sideband_host_removing(struct xhci_sideband *sb);

#endif /* _UOB_XHCI_SIDEBAND_H */
