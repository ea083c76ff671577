#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Feed compat/conftest.sh both outcomes: against the reference kernel's
# headers, a probe that must compile (present), one that cannot (absent)
# and the real probes; check the generated header and make fragment say
# exactly that, and that an unchanged result leaves the files untouched.
set -euo pipefail
UOB_STEP=conftest
. "$(dirname "$0")/../../scripts/lib.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/probes" "$work/mod"
cat >"$work/probes/uob_test_present.c" <<'P'
#include <linux/usb.h>
int uob_probe(struct usb_device *udev);
int uob_probe(struct usb_device *udev) { return udev->devnum; }
P
cat >"$work/probes/uob_test_absent.c" <<'P'
#include <linux/usb.h>
int uob_probe(struct usb_device *udev);
int uob_probe(struct usb_device *udev) { return udev->no_such_member_anywhere; }
P
cp "$UOB_TOP"/compat/probes/*.c "$UOB_TOP"/compat/probes/*.sym "$work/probes/"
# symbol probes: one the headers' Module.symvers lists, one it does not
printf 'symbol usb_register_notify\nsource drivers/usb/core/notify.c\n' >"$work/probes/uob_test_sym_present.sym"
printf 'symbol uob_no_such_export\nsource drivers/usb/core/notify.c\n' >"$work/probes/uob_test_sym_absent.sym"

# run the probes through kbuild itself, as the real build does
cat >"$work/mod/Kbuild" <<P
\$(shell UOB_OBJTREE=\$(objtree) UOB_SRCTREE=\$(srctree) \
	\$(CONFIG_SHELL) $UOB_TOP/compat/conftest.sh $work/out.h $work/out.mk \\
	$work/probes "\$(CC)" \$(NOSTDINC_FLAGS) \$(LINUXINCLUDE) \\
	-I\$(UOB_XHCI_INC) -include \$(srctree)/include/linux/compiler_types.h \\
	\$(KBUILD_CPPFLAGS) \$(KBUILD_CFLAGS) >&2)
obj-m :=
P
# xhci.h as the build finds it (here: generated from the kernel's BTF)
"$UOB_TOP/scripts/xhci-source.sh" "$UOB_REF_KDIR" "" "$work/gen"
inc=$(sed -n 's/^UOB_XHCI_INC := //p' "$work/gen/uob_xhci.mk")
[ -n "$inc" ] || { cat "$work/gen/uob_xhci.mk"; echo "FAIL: no xhci.h for $UOB_REF_KVER"; exit 1; }
make -s -C "$UOB_REF_KDIR" M="$work/mod" UOB_XHCI_INC="$inc" modules >"$work/log" 2>&1 || true
cat "$work/out.h"

fail=0
expect() {	# expect NAME y|n
	if [ "$2" = y ]; then
		grep -q "^#define UOB_HAVE_$1 1$" "$work/out.h" && grep -q "^UOB_HAVE_$1 := y$" "$work/out.mk"
	else
		grep -q "UOB_HAVE_$1 is not set" "$work/out.h" && grep -q "^UOB_HAVE_$1 :=$" "$work/out.mk"
	fi || { echo "FAIL: UOB_HAVE_$1 should be $2"; fail=1; }
}
expect UOB_TEST_PRESENT y
expect UOB_TEST_ABSENT n
expect UOB_TEST_SYM_PRESENT y
expect UOB_TEST_SYM_ABSENT n
# the real probes: what 6.12.111 has (tests/conftest/expected.txt)
"$UOB_TOP/scripts/probe-expect.sh" "$work/out.h" "$UOB_REF_UPSTREAM" || fail=1

# symbol probes without Module.symvers (a prepared source tree): the
# EXPORT_SYMBOL line in the named source file decides
mkdir -p "$work/src/sound/usb" "$work/obj" "$work/sym"
cp "$work/probes/"*.sym "$work/sym/"
echo 'EXPORT_SYMBOL_GPL(snd_usb_register_platform_ops);' >"$work/src/sound/usb/card.c"
UOB_OBJTREE=$work/obj UOB_SRCTREE=$work/src "$UOB_TOP/compat/conftest.sh" \
	"$work/out.h" "$work/out.mk" "$work/sym" false
expect SND_USB_PLATFORM_OPS y
expect UOB_TEST_SYM_PRESENT n
: >"$work/src/sound/usb/card.c"
UOB_OBJTREE=$work/obj UOB_SRCTREE=$work/src "$UOB_TOP/compat/conftest.sh" \
	"$work/out.h" "$work/out.mk" "$work/sym" false
expect SND_USB_PLATFORM_OPS n

# unchanged results keep the files' mtime (no needless rebuilds)
make -s -C "$UOB_REF_KDIR" M="$work/mod" UOB_XHCI_INC="$inc" modules >"$work/log" 2>&1 || true
before=$(stat -c %Y "$work/out.h")
sleep 1
make -s -C "$UOB_REF_KDIR" M="$work/mod" UOB_XHCI_INC="$inc" modules >"$work/log" 2>&1 || true
[ "$(stat -c %Y "$work/out.h")" = "$before" ] || { echo "FAIL: out.h rewritten without a change"; fail=1; }
[ $fail -eq 0 ] && echo "conftest: both outcomes detected, real probes as expected on $UOB_REF_KVER"
exit $fail
