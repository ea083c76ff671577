#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A step of make check: sparse (C=2) over every file of the three modules
# against the reference 6.12.111 headers; any sparse finding fails.
set -euo pipefail
UOB_STEP=sparse
. "$(dirname "$0")/lib.sh"

uob_provision base
uob_scratch_build sparse "$UOB_REF_KVER" C=2 CHECK=sparse
# every line sparse prints names a file:line; kbuild's own are "  CHECK"
! grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error):' "$UOB_SCRATCH/build.log" ||
	uob_die "sparse findings"
n=$(grep -c '  CHECK ' "$UOB_SCRATCH/build.log" || true)
[ "$n" -gt 0 ] || uob_die "sparse checked no file"
echo "files checked by sparse: $n"
