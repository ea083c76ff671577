#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Cross-build the three modules for arm64 (Qualcomm boards) against the
# 6.12.111 source: arm64 defconfig + kunit/arm64.config, modules_prepare
# once (cached), then the project's own out-of-tree build with -Werror.
# No vmlinux is built, so modpost cannot resolve kernel symbols: it only
# warns (KBUILD_MODPOST_WARN=1); compile errors and warnings still fail.
set -euo pipefail
UOB_STEP=arm64
. "$(dirname "$0")/lib.sh"

"$UOB_TOP/scripts/provision.sh"
uob_need_pkgs gcc-aarch64-linux-gnu
cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
obj=$UOB_CACHE/arm64-build-$UOB_REF_UPSTREAM
sum=$(cat "$UOB_TOP/kunit/arm64.config" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$obj/.uob-config" 2>/dev/null)" != "$sum" ]; then
	uob_log "configuring and preparing $UOB_REF_SRC for arm64 (once)"
	rm -rf "$obj"
	mkdir -p "$obj"
	make -s -C "$UOB_REF_SRC" O="$obj" "${cross[@]}" defconfig >/dev/null
	"$UOB_REF_SRC/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$UOB_TOP/kunit/arm64.config" >/dev/null
	make -s -C "$UOB_REF_SRC" O="$obj" "${cross[@]}" olddefconfig >/dev/null
	for o in $(grep -o '^CONFIG_[A-Z0-9_]*' "$UOB_TOP/kunit/arm64.config"); do
		grep -q "^$o=" "$obj/.config" || uob_die "arm64 config lacks $o"
	done
	make -s -C "$UOB_REF_SRC" O="$obj" "${cross[@]}" -j"$(nproc)" modules_prepare
	echo "$sum" >"$obj/.uob-config"
fi

scratch=$UOB_CACHE/scratch/arm64
rm -rf "$scratch"; mkdir -p "$scratch"
uob_copy_tree "$scratch"
make -C "$scratch" KDIR="$obj" KSRC="$UOB_REF_SRC" "${cross[@]}" KBUILD_MODPOST_WARN=1 \
	W=1 KCFLAGS=-Werror modules 2>&1 | tee "$scratch/build.log" | grep -v 'undefined!$' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || uob_die "arm64 build failed"
if grep -E '(warning|error):' "$scratch/build.log" | grep -v 'modpost.*undefined'; then
	uob_die "arm64 build has warnings"
fi
for m in usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload; do
	file "$scratch/$m.ko" | grep -q 'ARM aarch64' || uob_die "$m.ko is not an arm64 module"
done
"$UOB_TOP/scripts/probe-expect.sh" "$scratch/compat/generated/uob_autoconf.h" "$UOB_REF_UPSTREAM"
uob_log "arm64: $(cd "$scratch" && ls */*.ko | tr '\n' ' ')"
