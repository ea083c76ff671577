#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make s3-baseline (not part of make check): the debug 6.12.111 kernel of
# make e2e-debug with Debian's modules only, none of ours, through
# UOB_S3_N (20) S3 cycles, each after a plain ALSA open of the USB audio
# PCM.  It shows what the kernel itself reports when xhci-hcd
# reinitialises QEMU's controller on resume (scripts/known-kernel-bug.py,
# README "The debug kernel").  Prints TAP lines, as the e2e guests do.
set -euo pipefail
UOB_STEP=s3-baseline
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

uob_provision guest
"$UOB_TOP/scripts/debug-kernel.sh"
rel=$(cat "$UOB_DEBUG_OBJ/include/config/kernel.release")
uob_guest_kernel "$UOB_DEBUG_IMAGE" "$rel" "$UOB_DEBUG_MODROOT"

# the rig wants our modules in the initramfs; this guest never loads them
scratch=$UOB_CACHE/scratch/debug
[ -f "$scratch/ko/qc-audio-offload.ko" ] || "$UOB_TOP/scripts/e2e-debug.sh" --build-only
out=$UOB_CACHE/s3-baseline
uob_guest_rig "$out" "$UOB_TOP/tests/guest/s3-baseline-init.sh" "$scratch/ko"
UOB_E2E_MEM=2048 UOB_E2E_APPEND="loglevel=5 log_buf_len=4M uob_n=${UOB_S3_N:-20}" \
	python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_DEBUG_IMAGE" "$out/initrd.gz" \
	"$out/console.log" 1800 | tee "$out/result" || true
"$UOB_TOP/scripts/known-kernel-bug.py" "$out/console.log" || true
uob_log "console log: $out/console.log"
