#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A step of make check: the build against the newest installed 6.1 headers
# (W=1): usb-offload is built, xhci-sideband and qc-audio-offload are
# skipped with their one line (6.1 has no secondary interrupters), and the
# probes find what 6.1 has.
set -euo pipefail
UOB_STEP=build-6.1
. "$(dirname "$0")/lib.sh"

uob_provision base
kdir=$(ls -d /lib/modules/6.1.*/build 2>/dev/null | sort -V | tail -1)
[ -n "$kdir" ] || uob_die "no 6.1 headers (apt-get install linux-headers-amd64)"
kver=$(basename "$(dirname "$kdir")")
uob_scratch_build b61 "$kver" W=1
[ -f "$UOB_SCRATCH/usb-offload/usb-offload.ko" ] || uob_die "usb-offload.ko was not built for $kver"
"$UOB_TOP/scripts/probe-expect.sh" "$UOB_SCRATCH/compat/generated/uob_autoconf.h" 6.1
