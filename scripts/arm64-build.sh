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

uob_provision arm64
cross=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-)
obj=$UOB_CACHE/arm64-build-$UOB_REF_UPSTREAM
uob_prepare_tree "$UOB_REF_SRC" "$obj" "$UOB_TOP/kunit/arm64.config" defconfig "${cross[@]}"
uob_build_prepared arm64 "$obj" "$UOB_REF_SRC" "${cross[@]}"
scratch=$UOB_SCRATCH
for m in usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload; do
	file "$scratch/$m.ko" | grep -q 'ARM aarch64' || uob_die "$m.ko is not an arm64 module"
done
"$UOB_TOP/scripts/probe-expect.sh" "$scratch/compat/generated/uob_autoconf.h" "$UOB_REF_UPSTREAM"
uob_log "arm64: $(cd "$scratch" && ls */*.ko | tr '\n' ' ')"
