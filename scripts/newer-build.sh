#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile the three modules against a newer kernel than Debian bookworm
# packages: $UOB_NEW_PKG from Debian $UOB_NEW_SUITE (7.2: in-tree sideband,
# usb_offload_* with offload_lock, snd-usb-audio platform ops, soc-usb,
# q6usboffload.h, string symbol namespaces, kzalloc_obj).  x86_64 defconfig +
# kunit/newer.config, modules_prepare once (cached), then the project's own
# out-of-tree build with W=1 -Werror.  Also checks that nothing we export
# or build clashes with the kernel's own symbols and module names.
# Compiled, not booted: modpost has no vmlinux to resolve symbols against.
set -euo pipefail
UOB_STEP=newer
. "$(dirname "$0")/lib.sh"

uob_provision newer

src=$("$UOB_TOP/scripts/newer-source.sh")
upstream=$(cat "$src/.uob-unpacked"); upstream=${upstream%%-*}
obj=$UOB_CACHE/newer-build-$upstream
uob_prepare_tree "$src" "$obj" "$UOB_TOP/kunit/newer.config" defconfig
uob_build_prepared newer "$obj" "$src"
scratch=$UOB_SCRATCH
mods=(usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload)

"$UOB_TOP/scripts/probe-expect.sh" "$scratch/compat/generated/uob_autoconf.h" "$UOB_NEW_COLUMN"

# No clash with the kernel: none of our exports is exported by the kernel
# source, none of our module names is one of its modules.
grep -rhoE --include='*.c' 'EXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\([A-Za-z0-9_]+' \
	"$src/drivers" "$src/sound" "$src/kernel" "$src/lib" "$src/mm" "$src/net" |
	sed 's/.*(//' | sort -u >"$scratch/kernel-exports"
awk '{print $2}' "$scratch/Module.symvers" | sort -u >"$scratch/our-exports"
[ -s "$scratch/our-exports" ] || uob_die "no exports in our Module.symvers"
# The lists must be able to show a clash: this kernel exports the upstream
# names we rename (uob_ prefix), so without the renaming they would collide.
for s in usb_offload_get xhci_sideband_register; do
	grep -qx "$s" "$scratch/kernel-exports" ||
		uob_die "the kernel's export list lacks $s: the clash check would see nothing"
done
clash=$(comm -12 "$scratch/kernel-exports" "$scratch/our-exports")
[ -z "$clash" ] || uob_die "exports clash with linux $upstream: $clash"
find "$src" \( -name Makefile -o -name Kbuild \) -print0 | xargs -0 grep -hoE 'obj-[^+]*\+= *[a-z0-9_-]+\.o' |
	sed 's/.*= *//; s/\.o$//; s/-/_/g' | sort -u >"$scratch/kernel-modules"
for n in xhci_hcd snd_usb_audio_qmi; do
	grep -qx "$n" "$scratch/kernel-modules" ||
		uob_die "the kernel's module list lacks $n: the name check would see nothing"
done
for m in "${mods[@]}"; do
	n=$(basename "$m" | tr - _)
	! grep -qx "$n" "$scratch/kernel-modules" || uob_die "module name $n exists in linux $upstream"
done
uob_log "linux $upstream: built $(cd "$scratch" && ls */*.ko | tr '\n' ' ');" \
	"$(wc -l <"$scratch/our-exports") exports, none clashes with the kernel's $(wc -l <"$scratch/kernel-exports")"
