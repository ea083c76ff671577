#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate patches/: the series that integrates usb-offload-backport into a
# kernel tree (drivers/usb/offload-backport), from the project's own files,
# against the pinned reference source.  The KUnit rig applies exactly this
# series, and `make check` fails when the committed series is stale.
#
#   mkpatches.sh DIR            write the series into DIR
#   mkpatches.sh --check DIR    fail if DIR differs from a fresh series
set -euo pipefail
UOB_STEP=patches
. "$(dirname "$0")/lib.sh"

check=0
if [ "${1:-}" = --check ]; then check=1; shift; fi
out=${1:?usage: mkpatches.sh [--check] DIR}

"$UOB_TOP/scripts/provision.sh"

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

# 1: hooks in drivers/usb
kc=$repo/drivers/usb/Kconfig mk=$repo/drivers/usb/Makefile
grep -q '^source "drivers/usb/atm/Kconfig"$' "$kc" || uob_die "drivers/usb/Kconfig: anchor not found"
sed -i 's|^source "drivers/usb/atm/Kconfig"$|&\n\nsource "drivers/usb/offload-backport/Kconfig"|' "$kc"
grep -q '^obj-$(CONFIG_USB)		+= storage/$' "$mk" || uob_die "drivers/usb/Makefile: anchor not found"
sed -i 's|^obj-$(CONFIG_USB)		+= storage/$|&\nobj-$(CONFIG_USB)		+= offload-backport/|' "$mk"
g commit -qam "usb: hook up usb-offload-backport

Source drivers/usb/offload-backport/Kconfig inside the USB menu and
descend into drivers/usb/offload-backport when USB is enabled."

# 2: the sources, as the project has them
dst=$repo/drivers/usb/offload-backport
mkdir -p "$dst"
cd "$UOB_TOP"
git ls-files --cached --others --exclude-standard -- \
	VERSION compat include usb-offload xhci-sideband qc-audio-offload kunit |
	while read -r f; do
		[ -f "$f" ] || continue
		mkdir -p "$dst/$(dirname "$f")"
		cp "$f" "$dst/$f"
	done
cp Kbuild "$dst/Makefile"
cp intree/Kconfig "$dst/Kconfig"
g add -A
g commit -qm "usb: add usb-offload-backport $(cat VERSION)

usb-offload (usb_offload_get/put/check, caller holds the USB device
lock), xhci-sideband (the sideband API without offload counting), the
compat layer and the KUnit suites, as generated from the
usb-offload-backport project by scripts/mkpatches.sh."

g format-patch -q --zero-commit --no-signature -o "$work/series" HEAD~2

if [ $check = 1 ]; then
	if ! diff -ru "$out" "$work/series" >"$work/diff"; then
		head -40 "$work/diff" >&2
		uob_die "patches/ is stale: run 'make patches' and commit the result"
	fi
	uob_log "patches/ is up to date ($(ls "$out" | wc -l) patches)"
else
	mkdir -p "$out"
	rm -f "$out"/*.patch
	cp "$work/series"/*.patch "$out/"
	uob_log "wrote $(ls "$out" | wc -l) patches to $out"
fi
