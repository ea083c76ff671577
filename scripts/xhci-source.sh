#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Find drivers/usb/host/xhci.h of exactly the kernel in KDIR, for the
# xhci-sideband module.  Prints one line for the Makefile:
#   inc=<dir>        use this include directory
#   skip=<reason>    this kernel cannot have xhci-sideband (the build goes on)
#   error=<reason>   it could, but the matching source is missing/mismatched
#
# Order: KSRC=<tree>; a full build tree in KDIR; Debian's linux-source-X.Y
# package (the needed headers are extracted once into the cache).
set -u
kdir=$1 ksrc=${2:-}
cache=${UOB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/usb-offload-backport}

rel=$(cat "$kdir/include/config/kernel.release" 2>/dev/null) ||
	{ echo "error=cannot read $kdir/include/config/kernel.release"; exit 0; }
ver=$(echo "$rel" | sed -E 's/^([0-9]+\.[0-9]+(\.[0-9]+)?).*/\1/')
case $ver in *.*.*) ;; *) ver=$ver.0 ;; esac
majmin=${ver%.*}

# xhci_create_secondary_interrupter() is exported since v6.8 (c99b38c41234)
if [ -f "$kdir/Module.symvers" ] &&
   ! grep -qw xhci_create_secondary_interrupter "$kdir/Module.symvers"; then
	echo "skip=kernel $rel has no xHCI secondary-interrupter API (xhci_create_secondary_interrupter, v6.8+)"
	exit 0
fi

srcver() {	# version of the kernel source tree $1
	local mk=$1/Makefile v p s
	[ -f "$mk" ] || return 1
	v=$(sed -n 's/^VERSION = //p' "$mk"); p=$(sed -n 's/^PATCHLEVEL = //p' "$mk")
	s=$(sed -n 's/^SUBLEVEL = //p' "$mk")
	echo "$v.$p.${s:-0}"
}

check_tree() {	# check_tree DIR WHAT
	local sv
	[ -f "$1/drivers/usb/host/xhci.h" ] || { echo "error=$2 $1 has no drivers/usb/host/xhci.h"; return 1; }
	sv=$(srcver "$1") || { echo "error=$2 $1 has no top-level Makefile"; return 1; }
	if [ "$sv" != "$ver" ]; then
		echo "error=$2 $1 is Linux $sv but the target kernel $rel is $ver: xhci.h must match exactly"
		return 1
	fi
	echo "inc=$(cd "$1" && pwd)/drivers/usb/host"
}

if [ -n "$ksrc" ]; then
	check_tree "$ksrc" "KSRC"; exit 0
fi
if [ -f "$kdir/drivers/usb/host/xhci.h" ]; then
	check_tree "$kdir" "kernel tree"; exit 0
fi
for d in $(readlink -f "$kdir/source" 2>/dev/null); do
	if [ -f "$d/drivers/usb/host/xhci.h" ]; then check_tree "$d" "kernel source"; exit 0; fi
done

tarball=/usr/src/linux-source-$majmin.tar.xz
if [ ! -f "$tarball" ]; then
	echo "error=xhci-sideband needs drivers/usb/host/xhci.h of Linux $ver (headers packages do not ship it): apt-get install linux-source-$majmin, or pass KSRC=/path/to/linux-$ver, or build without it: make XHCI_SIDEBAND=n"
	exit 0
fi
# Debian: the source package must be the headers' package version too.
hpkg=$(dpkg-query -S "$(readlink -f "$kdir")" 2>/dev/null | head -1 | cut -d: -f1)
if [ -n "$hpkg" ]; then
	hv=$(dpkg-query -W -f='${Version}' "$hpkg" 2>/dev/null)
	sv=$(dpkg-query -W -f='${Version}' "linux-source-$majmin" 2>/dev/null)
	if [ -n "$hv" ] && [ -n "$sv" ] && [ "$hv" != "$sv" ]; then
		echo "error=linux-source-$majmin is $sv but $hpkg is $hv: install linux-source-$majmin=$hv"
		exit 0
	fi
fi
key=$(stat -c '%s-%Y' "$tarball")
dest=$cache/xhci-src/$rel
if [ "$(cat "$dest/.uob-key" 2>/dev/null)" != "$key" ]; then
	rm -rf "$dest"; mkdir -p "$dest"
	top=$(tar -tJf "$tarball" 2>/dev/null | head -1 | cut -d/ -f1)
	tar -xJf "$tarball" -C "$dest" --strip-components=1 \
		"$top/Makefile" --wildcards "$top/drivers/usb/host/*.h" 2>/dev/null ||
		{ echo "error=cannot extract xhci headers from $tarball"; exit 0; }
	echo "$key" >"$dest/.uob-key"
fi
check_tree "$dest" "$tarball"
exit 0
