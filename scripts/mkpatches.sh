#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The in-tree series: usb-offload-backport as drivers/usb/offload-backport
# of a kernel tree, `git am`-able onto the pinned reference source.
#
#  - patches/*.patch are written by hand (the drivers/usb Kconfig/Makefile
#    hook-up) and copied into the series as they are;
#  - the next patch is generated here from the project's files: the module
#    sources, compat/, include/, kunit/, VERSION, intree/Kconfig as
#    Kconfig and ./Kbuild as Makefile.  It is never committed: the checkout
#    holds the sources once.
#
#   mkpatches.sh [DIR]      write the series into DIR (default:
#                           $UOB_CACHE/patches); prints DIR
#   mkpatches.sh --check    generate it into a scratch directory and check
#                           that the whole series applies to the pinned
#                           source (drivers/usb staged as the KUnit rig does)
#
# Nothing in the checkout is written.
set -euo pipefail
UOB_STEP=patches
. "$(dirname "$0")/lib.sh"

check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
out=${1:-$UOB_CACHE/patches}

uob_provision base

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repo=$work/tree
mkdir -p "$repo/drivers/usb"
cp "$UOB_REF_SRC/drivers/usb/Kconfig" "$UOB_REF_SRC/drivers/usb/Makefile" "$repo/drivers/usb/"

export GIT_AUTHOR_NAME="usb-offload-backport developers"
export GIT_AUTHOR_EMAIL="usb-offload-backport@invalid"
export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
g() { git -C "$repo" -c core.autocrlf=false -c init.defaultBranch=main "$@"; }
g init -q
g add -A && g commit -qm base

# the hand-written patches, as they are
mkdir -p "$work/series"
hand=("$UOB_TOP"/patches/*.patch)
[ -e "${hand[0]}" ] || uob_die "no hand-written patches in $UOB_TOP/patches"
for p in "${hand[@]}"; do
	g am -q --keep-cr "$p" >"$work/am.log" 2>&1 ||
		{ cat "$work/am.log" >&2; uob_die "$(basename "$p") does not apply to $UOB_REF_UPSTREAM"; }
	cp "$p" "$work/series/"
done

# the sources, as the project has them (tracked and new files, not ignored)
dst=$repo/drivers/usb/offload-backport
mkdir -p "$dst"
(cd "$UOB_TOP" && git ls-files --cached --others --exclude-standard -- \
	VERSION compat include usb-offload xhci-sideband qc-audio-offload kunit) |
	grep -v '^compat/generated/' |
	while read -r f; do
		[ -f "$UOB_TOP/$f" ] || continue
		mkdir -p "$dst/$(dirname "$f")"
		cp "$UOB_TOP/$f" "$dst/$f"
	done
cp "$UOB_TOP/Kbuild" "$dst/Makefile"
cp "$UOB_TOP/intree/Kconfig" "$dst/Kconfig"
g add -A
g commit -qm "usb: add usb-offload-backport $(cat "$UOB_TOP/VERSION")

usb-offload (usb_offload_get/put/check, caller holds the USB device
lock), xhci-sideband (the sideband API without offload counting),
qc-audio-offload (the QMI USB audio offload service), the compat layer
and the KUnit suites, as generated from the usb-offload-backport
project by scripts/mkpatches.sh."
g format-patch -q -n --zero-commit --no-signature --start-number $((${#hand[@]} + 1)) \
	-o "$work/series" HEAD~1

if [ $check = 1 ]; then
	uob_stage_series "$work/series" "$UOB_REF_SRC" "$work/stage"
	uob_log "the series ($(ls "$work/series" | wc -l) patches: $(ls "$work/series" | tr '\n' ' '))applies to $UOB_REF_UPSTREAM"
	echo "ok - in-tree series applies to $UOB_REF_UPSTREAM ($(ls "$work/series" | wc -l) patches)"
else
	mkdir -p "$out"
	rm -f "$out"/*.patch
	cp "$work/series"/*.patch "$out/"
	uob_log "wrote $(ls "$out" | wc -l) patches to $out"
	echo "$out"
fi
