#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# probe-expect.sh UOB_AUTOCONF_H KERNEL: check the probe results of a build
# against the KERNEL column of tests/conftest/expected.txt.  Every probe in
# compat/probes/ must have a row, and every row a result in the header.
set -euo pipefail
UOB_STEP=probes
. "$(dirname "$0")/lib.sh"

h=$1 kernel=$2
table=$UOB_TOP/tests/conftest/expected.txt
col=$(awk -v k="$kernel" '/^# probe/ { for (i = 3; i <= NF; i++) if ($i == k) print i - 1 }' "$table")
[ -n "$col" ] || uob_die "no column $kernel in $table"
fail=0
for p in "$UOB_TOP"/compat/probes/*.c "$UOB_TOP"/compat/probes/*.sym; do
	n=$(basename "${p%.*}" | tr 'a-z-' 'A-Z_')
	grep -q "^$n " "$table" || { echo "probe $n has no row in $table"; fail=1; }
done
while read -r name rest; do
	want=$(awk -v n="$name" -v c="$col" '$1 == n { print $c }' "$table")
	if grep -q "^#define UOB_HAVE_$name 1$" "$h"; then got=y
	elif grep -q "UOB_HAVE_$name is not set" "$h"; then got=n
	else got=missing; fi
	printf '%-38s %s\n' "$name" "$got"
	[ "$got" = "$want" ] || { echo "  expected $want on $kernel"; fail=1; }
done < <(grep -v '^#' "$table" | grep .)
[ $fail -eq 0 ] || uob_die "probe results on $kernel differ from $table"
uob_log "probe results on $kernel as expected"
