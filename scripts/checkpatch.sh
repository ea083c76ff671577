#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make checkpatch (a step of make check): checkpatch.pl --strict over every
# C file, in tree mode against the unpacked 6.12.111 source (--root), run
# from a scratch directory outside any git checkout.  That is how kernel
# names such as <linux/usb/ch9.h>'s descriptor fields (bLength,
# wMaxPacketSize, ...) are known: run inside our checkout, checkpatch seeds
# its CamelCase list from *our* include/ and reports every use of them.
# MACRO_ARG_REUSE is ignored: the only hits are the QMI element-table
# macros, whose arguments are a type and a member name.  Userspace test
# tools (tests/) get a documented userspace ignore list; the test rig's
# kernel module (tests/dsp-emu/) is kernel code and is checked as such.
#   checkpatch.sh [FILE...]   (default: every C file of the project)
set -uo pipefail
UOB_STEP=checkpatch
. "$(dirname "$0")/lib.sh"

uob_provision base >/dev/null || exit 1
cwd=$UOB_CACHE/scratch/checkpatch
mkdir -p "$cwd"
if [ $# -gt 0 ]; then
	files=$(for f in "$@"; do realpath --relative-to="$UOB_TOP" "$f"; done)
else
	files=$(git -C "$UOB_TOP" ls-files --cached --others --exclude-standard -- '*.c' '*.h' |
		grep -v '^compat/generated/')
fi
run() {	# run IGNORES FILES...
	local ign=$1; shift
	[ $# -gt 0 ] || return 0
	(cd "$cwd" && GIT_DIR=/nonexistent perl "$UOB_REF_SRC/scripts/checkpatch.pl" \
		--root="$UOB_REF_SRC" --strict --terse --show-types --ignore "$ign" \
		-f "${@/#/$UOB_TOP/}" 2>&1)
}
# the userspace test tools (the test rig's module is kernel code)
user=$(echo "$files" | grep '^tests/' | grep -v '^tests/dsp-emu/')
# shellcheck disable=SC2046 # one file name per line, no blanks (git ls-files)
out=$(run MACRO_ARG_REUSE $(echo "$files" | grep -vxF "$user")
      # userspace test tools: kernel style, but C99 types, and messages and
      # table macros as userspace writes them
      run MACRO_ARG_REUSE,PREFER_KERNEL_TYPES,EMBEDDED_FUNCTION_NAME,LONG_LINE_STRING,MACRO_ARG_PRECEDENCE \
	$user)
[ -n "$out" ] && echo "$out"
echo "checkpatch --strict: $(echo "$files" | grep -c .) file(s) checked"
! echo "$out" | grep -qE '(ERROR|WARNING|CHECK):'
