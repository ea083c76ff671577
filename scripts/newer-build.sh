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

uob_need_pkgs gcc make bc flex bison libelf-dev libssl-dev

src=$("$UOB_TOP/scripts/newer-source.sh")
upstream=$(cat "$src/.uob-unpacked"); upstream=${upstream%%-*}
obj=$UOB_CACHE/newer-build-$upstream
sum=$(sha256sum <"$UOB_TOP/kunit/newer.config" | cut -d' ' -f1)
if [ "$(cat "$obj/.uob-config" 2>/dev/null)" != "$sum" ]; then
	uob_log "configuring and preparing linux $upstream for x86_64 (once)"
	rm -rf "$obj"; mkdir -p "$obj"
	make -s -C "$src" O="$obj" defconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$UOB_TOP/kunit/newer.config" >/dev/null
	make -s -C "$src" O="$obj" olddefconfig >/dev/null
	for o in $(grep -o '^CONFIG_[A-Z0-9_]*' "$UOB_TOP/kunit/newer.config"); do
		grep -q "^$o=" "$obj/.config" || uob_die "linux $upstream config lacks $o"
	done
	make -s -C "$src" O="$obj" -j"$(nproc)" modules_prepare
	echo "$sum" >"$obj/.uob-config"
fi

scratch=$UOB_CACHE/scratch/newer
rm -rf "$scratch"; mkdir -p "$scratch"
uob_copy_tree "$scratch"
make -C "$scratch" KDIR="$obj" KSRC="$src" KBUILD_MODPOST_WARN=1 \
	W=1 KCFLAGS=-Werror modules 2>&1 | tee "$scratch/build.log" | grep -v 'undefined!$' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || uob_die "build against linux $upstream failed"
if grep -E '(warning|error):' "$scratch/build.log" | grep -v 'modpost.*undefined'; then
	uob_die "build against linux $upstream has warnings"
fi
mods=(usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload)
for m in "${mods[@]}"; do
	[ -f "$scratch/$m.ko" ] || uob_die "$m.ko was not built against linux $upstream"
done

"$UOB_TOP/scripts/probe-expect.sh" "$scratch/compat/generated/uob_autoconf.h" "$UOB_NEW_COLUMN"

# No clash with the kernel: none of our exports is exported by the kernel
# source, none of our module names is one of its modules.
grep -rhoE --include='*.c' 'EXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\([A-Za-z0-9_]+' \
	"$src/drivers" "$src/sound" "$src/kernel" "$src/lib" "$src/mm" "$src/net" |
	sed 's/.*(//' | sort -u >"$scratch/kernel-exports"
awk '{print $2}' "$scratch/Module.symvers" | sort -u >"$scratch/our-exports"
[ -s "$scratch/our-exports" ] || uob_die "no exports in our Module.symvers"
clash=$(comm -12 "$scratch/kernel-exports" "$scratch/our-exports")
[ -z "$clash" ] || uob_die "exports clash with linux $upstream: $clash"
find "$src" -name Makefile -o -name Kbuild | xargs grep -hoE 'obj-[^+]*\+= *[a-z0-9_-]+\.o' |
	sed 's/.*= *//; s/\.o$//; s/-/_/g' | sort -u >"$scratch/kernel-modules"
for m in "${mods[@]}"; do
	n=$(basename "$m" | tr - _)
	! grep -qx "$n" "$scratch/kernel-modules" || uob_die "module name $n exists in linux $upstream"
done
uob_log "linux $upstream: built $(cd "$scratch" && ls */*.ko | tr '\n' ' ');" \
	"$(wc -l <"$scratch/our-exports") exports, none clashes with the kernel's $(wc -l <"$scratch/kernel-exports")"
