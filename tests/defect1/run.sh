#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# SPEC defect 1: RFC v2's guard(device) after "goto response" must not
# build with the project's flags, on gcc as on clang; the scoped form
# must.  Both are compiled through kbuild against the reference headers
# with compat/Kbuild.common, exactly as the modules are.
set -euo pipefail
UOB_STEP=defect1
. "$(dirname "$0")/../../scripts/lib.sh"

work=$UOB_CACHE/scratch/defect1
rm -rf "$work"; mkdir -p "$work"
uob_copy_tree "$work" compat VERSION
fail=0
for form in rfc scoped; do
	mkdir -p "$work/$form"
	cp "$UOB_TOP/tests/defect1/$form.c" "$work/$form/"
	printf 'include $(src)/../compat/Kbuild.common\nobj-m := %s.o\n' "$form" >"$work/$form/Kbuild"
	if make -C "$UOB_REF_KDIR" M="$work/$form" modules >"$work/$form.log" 2>&1; then
		built=yes
	else
		built=no
	fi
	case $form:$built in
	rfc:no)
		grep -q 'jump skips variable initialization' "$work/$form.log" ||
			{ echo "rfc form failed for another reason:"; cat "$work/$form.log"; fail=1; }
		echo "RFC form refused: $(grep -m1 'jump skips' "$work/$form.log" | sed 's|.*/||')";;
	scoped:yes) echo "scoped form builds";;
	*) echo "FAIL: $form form built=$built"; cat "$work/$form.log"; fail=1;;
	esac
done
exit $fail
