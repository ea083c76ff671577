#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS lifecycle with the real dkms, in a staging tree (dkms tree,
# source tree and install tree all under the cache): add, build, install,
# uninstall, remove; a build for the 6.1 headers (usb-offload alone, not a
# failed build); a failed install (broken source), then the fix and the
# same install again, which must recover.
set -euo pipefail
UOB_STEP=dkms-lifecycle
. "$(dirname "$0")/lib.sh"

uob_provision base
name=usb-offload-backport
ver=$(cat "$UOB_TOP/VERSION")
st=$UOB_CACHE/dkms-lifecycle
rm -rf "$st"
mkdir -p "$st"/{tree,source,install}
for kk in "$UOB_REF_KVER" $(ls -d /lib/modules/6.1.*/build 2>/dev/null | sed "s|/lib/modules/||;s|/build||"); do
	mkdir -p "$st/install/$kk"	# dkms installs only onto an existing kernel dir
done
src=$st/source/$name-$ver
mkdir -p "$src"
uob_copy_tree "$src" "${UOB_DKMS_FILES[@]}"
d() { dkms --dkmstree "$st/tree" --sourcetree "$st/source" --installtree "$st/install" "$@"; }
status() { d status -m "$name" -v "$ver" -k "$1" 2>/dev/null; }
k=$UOB_REF_KVER

d add -m "$name" -v "$ver" >"$st/log" 2>&1 || { cat "$st/log"; uob_die "dkms add"; }
status "$k" | grep -q added || uob_die "not 'added' after dkms add"
d build -m "$name" -v "$ver" -k "$k" >>"$st/log" 2>&1 || { tail -20 "$st/log"; uob_die "dkms build"; }
status "$k" | grep -q built || uob_die "not 'built' after dkms build"
d install -m "$name" -v "$ver" -k "$k" >>"$st/log" 2>&1 || { tail -20 "$st/log"; uob_die "dkms install"; }
status "$k" | grep -q installed || uob_die "not 'installed' after dkms install"
n=$(find "$st/install/$k" -name '*.ko*' | wc -l)
[ "$n" -eq 3 ] || uob_die "$n modules installed for $k, expected 3"
uob_log "$k: add, build, install: $(find "$st/install/$k" -name '*.ko*' -printf '%f ')"
d uninstall -m "$name" -v "$ver" -k "$k" >>"$st/log" 2>&1 || uob_die "dkms uninstall"
[ "$(find "$st/install/$k" -name '*.ko*' | wc -l)" -eq 0 ] || uob_die "modules left after uninstall"
status "$k" | grep -q built || uob_die "not back to 'built' after uninstall"

# a second kernel: the 6.1 headers
k61=$(ls -d /lib/modules/6.1.*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||' | sort -V | tail -1)
if [ -n "$k61" ]; then
	d build -m "$name" -v "$ver" -k "$k61" >>"$st/log" 2>&1 || { tail -20 "$st/log"; uob_die "dkms build for $k61"; }
	mods=$(find "$st/tree/$name/$ver/$k61" -name '*.ko*' -printf '%f ')
	case $mods in *xhci-sideband*) uob_die "$k61 got xhci-sideband: $mods" ;; esac
	case $mods in *usb-offload*) ;; *) uob_die "$k61 has no usb-offload" ;; esac
	grep -q "xhci-sideband: skipped" "$st/tree/$name/$ver/$k61/"*/log/make.log ||
		uob_die "$k61: the skip is not explained in make.log"
	uob_log "$k61: $mods(the make.log says why xhci-sideband is skipped)"
fi

# a failed install, then the fix, then the same install again
echo '#error injected failure' >>"$src/usb-offload/offload.c"
d remove -m "$name" -v "$ver" --all >>"$st/log" 2>&1 || true
d add -m "$name" -v "$ver" >>"$st/log" 2>&1 || uob_die "dkms add (broken source)"
if d install -m "$name" -v "$ver" -k "$k" >>"$st/log" 2>&1; then
	uob_die "install of a broken source succeeded"
fi
sed -i '/#error injected failure/d' "$src/usb-offload/offload.c"
d install -m "$name" -v "$ver" -k "$k" >>"$st/log" 2>&1 || { tail -20 "$st/log"; uob_die "install after the fix did not recover"; }
status "$k" | grep -q installed || uob_die "not 'installed' after recovery"
uob_log "failed install (injected #error) then fixed: the same 'dkms install' recovered"

d remove -m "$name" -v "$ver" --all >>"$st/log" 2>&1 || uob_die "dkms remove --all"
[ -z "$(d status -m "$name" 2>/dev/null)" ] || uob_die "dkms status not empty after remove"
[ "$(find "$st/install" -name '*.ko*' | wc -l)" -eq 0 ] || uob_die "modules left after remove"
uob_log "remove --all: dkms status empty, nothing installed"
