/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport compat layer.
 *
 * All knowledge of kernel differences lives here and in compat/probes/:
 * driver .c files contain no version checks.  Each shim names the kernel
 * version / upstream change it papers over.  UOB_HAVE_* come from the
 * compile probes (compat/conftest.sh, run from the top-level Kbuild).
 */
#ifndef _UOB_COMPAT_H
#define _UOB_COMPAT_H

#include <linux/device.h>
#include <linux/lockdep.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pm_runtime.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/usb.h>
#include <uob_autoconf.h>

/*
 * The symbol namespace of our exports (compat/Kbuild.common puts them there
 * through DEFAULT_SYMBOL_NAMESPACE), as MODULE_IMPORT_NS() wants it: an
 * identifier before v6.13, a string literal since cdd30ebb1b9f "module:
 * Convert symbol namespace to string literal".
 */
#ifdef UOB_HAVE_EXPORT_SYMBOL_NS_IDENTIFIER
#define UOB_SYMBOL_NAMESPACE	USB_OFFLOAD_BACKPORT
#else
#define UOB_SYMBOL_NAMESPACE	"USB_OFFLOAD_BACKPORT"
#endif

/*
 * The PCI device called @name (referenced), for iommu_dev=pci:<name>.
 * pci_bus_type is only declared with CONFIG_PCI (a configuration, not a
 * version, difference; Qualcomm boards may have no PCI).
 */
static inline struct device *uob_pci_find_dev(const char *name)
{
#ifdef CONFIG_PCI
	return bus_find_device_by_name(&pci_bus_type, NULL, name);
#else
	return NULL;
#endif
}

/*
 * kzalloc_obj(): v7.0-rc1, 2932ba8d9c99 "slab: Introduce kmalloc_obj() and
 * family" (and 6.12.y stable, which took it for later backports).  Older
 * kernels get the two-argument form, the only one our code uses.
 */
#ifndef UOB_HAVE_KZALLOC_OBJ
#define kzalloc_obj(P, GFP)	({ typeof(P) *__uob_p = kzalloc(sizeof(P), GFP); __uob_p; })
#endif

/*
 * system_dfl_wq: v6.17, 128ea9f6ccfb "workqueue: Add system_percpu_wq and
 * system_dfl_wq" (and 6.12.y stable).  7.2 warns on work queued on
 * system_wq or system_unbound_wq; before system_dfl_wq existed,
 * system_unbound_wq was the same unbound workqueue.
 */
#ifndef UOB_HAVE_SYSTEM_DFL_WQ
#define system_dfl_wq		system_unbound_wq
#endif

/*
 * pm_runtime_get_if_active(dev): one argument since v6.9-rc1, c0ef3df8dbae
 * "PM: runtime: Simplify pm_runtime_get_if_active() usage"; before, the
 * second argument ign_usage_count = true meant the same.
 */
#ifdef UOB_HAVE_PM_RUNTIME_GET_IF_ACTIVE_1ARG
#define uob_pm_runtime_get_if_active(dev)	pm_runtime_get_if_active(dev)
#else
#define uob_pm_runtime_get_if_active(dev)	pm_runtime_get_if_active(dev, true)
#endif

/*
 * Offload state kept in struct usb_device (usb-offload's state_udev.c).
 *  - v7.0-rc7 / 6.18.22, bd3d245b0fef "usb: core: use dedicated spinlock for
 *    offload state": offload_usage is written under udev->offload_lock, and
 *    offload_pm_locked (set by usbcore around system sleep) replaced
 *    offload_at_suspend.
 *  - v6.18.0-6.18.21, 7f70b89b2be6 "usb: offload: add apis for offload usage
 *    tracking": offload_usage and offload_at_suspend, no lock of their own.
 */
#if defined(UOB_HAVE_USB_DEVICE_OFFLOAD_LOCK)
static inline bool uob_udev_offload_frozen(struct usb_device *udev)
{
	guard(spinlock)(&udev->offload_lock);
	return udev->offload_pm_locked;
}

/*
 * guard(uob_offload)(udev): the section in which usb-offload checks and
 * changes the count, the one lock mainline's usb_offload_get/put and
 * usbcore's usb_offload_set_pm_locked() take.
 */
DEFINE_LOCK_GUARD_1(uob_offload, struct usb_device,
		    spin_lock(&_T->lock->offload_lock),
		    spin_unlock(&_T->lock->offload_lock))

/* Inside guard(uob_offload). */
static inline bool uob_udev_offload_frozen_locked(struct usb_device *udev)
{
	lockdep_assert_held(&udev->offload_lock);
	return udev->offload_pm_locked;
}

/* What usbcore's usb_offload_set_pm_locked() does around system sleep. */
static inline void uob_udev_offload_set_frozen(struct usb_device *udev, bool frozen)
{
	guard(spinlock)(&udev->offload_lock);
	udev->offload_pm_locked = frozen;
}
#elif defined(UOB_HAVE_USB_DEVICE_OFFLOAD_FIELDS)
static inline bool uob_udev_offload_frozen(struct usb_device *udev)
{
	return udev->offload_at_suspend;
}

/*
 * 6.18.0-6.18.21: usbcore's own usb_offload_get/put take the device lock,
 * which our callers hold: there is nothing more to take.
 */
DEFINE_LOCK_GUARD_1(uob_offload, struct usb_device,
		    device_lock_assert(&_T->lock->dev), (void)_T)

static inline bool uob_udev_offload_frozen_locked(struct usb_device *udev)
{
	return udev->offload_at_suspend;
}

/* What usbcore's usb_suspend_both() / usb_resume_both() do. */
static inline void uob_udev_offload_set_frozen(struct usb_device *udev, bool frozen)
{
	udev->offload_at_suspend = frozen;
}
#endif

#endif /* _UOB_COMPAT_H */
