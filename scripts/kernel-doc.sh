#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A step of make check: scripts/kernel-doc -none -Wall of the reference
# source over every C file and header of the project (no output allowed),
# and every exported function has a kernel-doc comment that states its
# locking rule (a "Context:" line or the word lock).
set -euo pipefail
UOB_STEP=kernel-doc
. "$(dirname "$0")/lib.sh"

uob_provision base
cd "$UOB_TOP"
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.c' '*.h' |
	grep -v '^compat/generated/')
[ ${#files[@]} -gt 0 ] || uob_die "no C files"
out=$(perl "$UOB_REF_SRC/scripts/kernel-doc" -none -Wall "${files[@]}" 2>&1) || true
[ -z "$out" ] || { echo "$out"; uob_die "kernel-doc findings"; }

missing=0
for f in $(grep -l 'EXPORT_SYMBOL' "${files[@]}"); do
	for sym in $(sed -n 's/^EXPORT_SYMBOL[A-Z_]*(\([a-z0-9_]*\).*/\1/p' "$f"); do
		if ! awk -v s="$sym" '
			/^\/\*\*/ { doc = ""; indoc = 1 }
			indoc { doc = doc $0 "\n" }
			/\*\// { indoc = 0 }
			$0 ~ "^ \\* " s "\\(\\) - " { want = 1 }
			want && !indoc { exit !(doc ~ /(Context|[Ll]ock)/) }
			' "$f"; then
			echo "$f: $sym: no kernel-doc with a locking rule"; missing=1
		fi
	done
done
[ "$missing" -eq 0 ] || uob_die "exported functions without a locking rule"
echo "kernel-doc: ${#files[@]} files, exports documented with their locking"
