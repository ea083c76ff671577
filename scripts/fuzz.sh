#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make fuzz: the QMI service against a hostile DSP.  Debian's stock 6.12.111
# kernel in QEMU (qemu-xhci + usb-audio), our modules, and tests/dsp/uob-fuzz.c
# (libqrtr) sending UOB_FUZZ_N (10000) generated messages, each answered as
# its rules model predicts or dropped on purpose and counted; then a flood
# whose answers are never read; then a normal session, idle state, usage 0,
# slab stable, kernel log clean.  UOB_FUZZ_SEED reproduces a run (the seed
# is printed); UOB_E2E_KO=<dir> uses modules built elsewhere.
set -euo pipefail
UOB_STEP=fuzz
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

n=${UOB_FUZZ_N:-10000}
seed=${UOB_FUZZ_SEED:-0}
uob_provision guest

out=$UOB_CACHE/fuzz
mkdir -p "$out"
uob_guest_rig "$out" "$UOB_TOP/tests/guest/fuzz-init.sh" "${UOB_E2E_KO:-}"
uob_log "booting $UOB_REF_IMAGE: $n fuzzed QMI messages"
start=$(date +%s)
set +e
# the guest's parameters: on its kernel command line (/init's environment)
UOB_E2E_APPEND="uob_fuzz_n=$n uob_fuzz_seed=$seed" \
	python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_REF_IMAGE" "$out/initrd.gz" "$out/console.log" \
	"${UOB_FUZZ_TIMEOUT:-1200}" | tee "$out/result"
rc=${PIPESTATUS[0]}
set -e
uob_log "fuzz took $(( $(date +%s) - start )) s; console log: $out/console.log"
grep -E 'uob-fuzz:|flood:|fuzz:' "$out/result" | sed 's/^ *//' >&2 || true
exit "$rc"
