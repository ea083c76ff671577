#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make soak (not part of make check): UOB_SOAK_N (100) enable -> hot-unplug
# -> re-plug cycles, UOB_SOAK_N S3 and streaming-interface unbind/rebind
# cycles with a stream, and UOB_SOAK_N load/unload cycles of the dkms-built
# modules in Debian's stock kernel.
set -euo pipefail
UOB_STEP=soak
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

n=${UOB_SOAK_N:-100}
uob_provision guest
"$UOB_TOP/scripts/dkms-build.sh" "$UOB_REF_KVER"
out=$UOB_CACHE/soak
mkdir -p "$out"
uob_guest_rig "$out" "$UOB_TOP/tests/guest/soak-init.sh" "$UOB_CACHE/dkms/ko"
start=$(date +%s)
# log_buf_len: the scenarios count their teardown lines in dmesg, and some
# 400 streams ended overflow the default log buffer (seen: from S3 cycle 83)
UOB_E2E_APPEND="uob_soak_n=$n log_buf_len=16M" python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_REF_IMAGE" "$out/initrd.gz" "$out/console.log" 7200 |
	grep -v 'host: \(un\|re\)plug\|host: wake'
rc=${PIPESTATUS[0]}
uob_log "soak took $(( $(date +%s) - start )) s; console log: $out/console.log"
exit "$rc"
