#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A step of make check: the modules built against the reference 6.12.111
# headers with W=1 and -Werror (no warning at all in the log), the probe
# results the reference kernel calls for (scripts/probe-expect.sh), and
# usb-offload.ko's modinfo fields.  Built in a scratch copy.
set -euo pipefail
UOB_STEP=build-ref
. "$(dirname "$0")/lib.sh"

uob_provision base
uob_scratch_build w1 "$UOB_REF_KVER" W=1 KCFLAGS=-Werror
! grep -E 'warning:|error:' "$UOB_SCRATCH/build.log" || uob_die "the build has warnings"
"$UOB_TOP/scripts/probe-expect.sh" "$UOB_SCRATCH/compat/generated/uob_autoconf.h" "$UOB_REF_UPSTREAM"
ko=$UOB_SCRATCH/usb-offload/usb-offload.ko
modinfo "$ko" | grep -E '^(version|license|description|author):'
for f in license version description author; do
	modinfo -F "$f" "$ko" | grep -q . || uob_die "usb-offload.ko: modinfo $f missing"
done
