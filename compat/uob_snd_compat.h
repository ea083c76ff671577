/* SPDX-License-Identifier: GPL-2.0 */
/*
 * usb-offload-backport compat layer for snd-usb-audio internals, for
 * qc-audio-offload's direct backend (pcm_direct.c) only.  The structures
 * are either the target kernel's sound/usb headers (a source tree,
 * -I<tree>/sound) or the ones scripts/btf-layouts.sh generated from the
 * kernel's BTF (only the members compat/snd-btf.list names, at their
 * offsets; UOB_SND_BTF_ONLY).  Where there is BTF, UOB_SND_BTF_CHECK: the layouts
 * and the exports' forms are asserted to be the BTF's (uob_snd_btf_check.h),
 * so a tree of the same version with other sound/usb changes does not build
 * against the wrong layouts.  scripts/snd-source.sh decides.
 */
#ifndef _UOB_SND_COMPAT_H
#define _UOB_SND_COMPAT_H

#ifdef UOB_SND_BTF_ONLY
#include <uob_snd_btf.h>
#else
#include <usb/usbaudio.h>
#include <usb/card.h>
#include <usb/endpoint.h>
#include <usb/pcm.h>
#include <usb/power.h>
#endif

#ifdef UOB_SND_BTF_CHECK
#include <uob_snd_btf_check.h>
/* the forms pcm_direct.c calls, the same since v6.16 (5a49a6ba2214) */
static_assert(UOB_BTF_SND_USB_HW_PARAMS_NARGS == 2);
static_assert(UOB_BTF_SND_USB_HW_FREE_NARGS == 1);
static_assert(UOB_BTF_SND_USB_ENDPOINT_PREPARE_NARGS == 2);
static_assert(UOB_BTF_SND_USB_AUTORESUME_NARGS == 1);
static_assert(UOB_BTF_SND_USB_AUTOSUSPEND_NARGS == 1);
static_assert(UOB_BTF_SND_USB_LOCK_SHUTDOWN_NARGS == 1);
static_assert(UOB_BTF_SND_USB_UNLOCK_SHUTDOWN_NARGS == 1);
#endif

#endif /* _UOB_SND_COMPAT_H */
