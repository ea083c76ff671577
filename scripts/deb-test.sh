#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package as users get it: build usb-offload-backport-dkms with
# dpkg-buildpackage, install it with apt-get on a machine without kernel
# source (linux-source hidden for the test): dkms builds and installs all
# three modules for the reference kernel from its BTF, usb-offload alone for
# 6.1, dpkg says ii; a second kernel's autoinstall the same; purge, check
# nothing is left.  Touches the host's dkms
# tree and /lib/modules/<reference>/updates/dkms, as the package does.
set -euo pipefail
UOB_STEP=deb
. "$(dirname "$0")/lib.sh"

uob_provision deb
ver=$(cat "$UOB_TOP/VERSION")
pkg=usb-offload-backport-dkms
mods=/lib/modules/$UOB_REF_KVER/updates/dkms

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src"
uob_copy_tree "$work/src"

uob_log "dpkg-buildpackage -b -us -uc"
(cd "$work/src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
	{ tail -30 "$work/build.log" >&2; uob_die "dpkg-buildpackage failed"; }
deb=$(ls "$work"/${pkg}_${ver}_all.deb)
dpkg-deb -I "$deb" | grep -E 'Package|Architecture|Section|Depends' >&2
dpkg-deb -c "$deb" >"$work/contents"
grep -q "usr/src/usb-offload-backport-$ver/dkms.conf" "$work/contents" ||
	uob_die "the package does not carry the dkms source"

# a previous failed run must not get in the way
apt-get purge -y -q "$pkg" >/dev/null 2>&1 || true

# As users have it: linux-image and linux-headers, no kernel source.  Hide
# linux-source's tarball and the cache of headers taken from it (restored
# on exit, also after a run that was killed: see the first lines).
hide=/usr/src/.uob-deb-test-hidden
restore() {
	local f
	for f in "$hide"/*; do
		[ -e "$f" ] || continue
		case $(basename "$f") in
		xhci-src) mv "$f" "$UOB_CACHE/xhci-src" ;;
		*) mv "$f" /usr/src/ ;;
		esac
	done
	rmdir "$hide" 2>/dev/null || true
}
restore
trap 'restore; rm -rf "$work"' EXIT
mkdir -p "$hide"
for f in /usr/src/linux-source-*.tar.*; do
	[ -e "$f" ] && mv "$f" "$hide/"
done
[ ! -e "$UOB_CACHE/xhci-src" ] || mv "$UOB_CACHE/xhci-src" "$hide/"
src=$(find /usr/src /lib/modules/"$UOB_REF_KVER"/build/ -path "$hide" -prune -o \
	-path '*/drivers/usb/host/xhci.h' -print 2>/dev/null | head -1)
[ -z "$src" ] || uob_die "a kernel source is still reachable: $src"
uob_log "no kernel source: linux-source hidden ($(ls "$hide" | tr '\n' ' '))"

# The postinst builds for every installed kernel with headers (the running
# one is the host's): here 6.12.111 (all three modules) and 6.1 (no
# secondary interrupters: usb-offload alone, and the log says why).
uob_log "apt-get install ./$(basename "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$work/install.log" 2>&1 ||
	{ tail -30 "$work/install.log" >&2; uob_die "apt-get install failed"; }
st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | tr -d ' ')
[ "$st" = ii ] || { tail -30 "$work/install.log" >&2; uob_die "dpkg -l $pkg: '$st', not ii"; }
dpkg -l "$pkg" | tail -1 >&2
if ! dkms status -m usb-offload-backport -v "$ver" -k "$UOB_REF_KVER" | grep -q installed; then
	dkms install -m usb-offload-backport -v "$ver" -k "$UOB_REF_KVER" >"$work/dkms.log" 2>&1 ||
		{ tail -30 "$work/dkms.log" >&2; uob_die "dkms install for $UOB_REF_KVER failed"; }
fi
dkms status -m usb-offload-backport >&2
for m in usb-offload xhci-sideband qc-audio-offload; do
	ls "$mods/$m.ko"* >/dev/null 2>&1 || uob_die "$m not installed under $mods"
done
modinfo -F version "$(ls "$mods"/usb-offload.ko* | head -1)" | grep -qx "$ver" ||
	uob_die "installed usb-offload is not version $ver"
mlog=/var/lib/dkms/usb-offload-backport/$ver/$UOB_REF_KVER/x86_64/log/make.log
grep -F "xhci-sideband: xHCI layouts from the BTF of" "$mlog" >&2 ||
	uob_die "$mlog does not say the layouts came from the BTF"
uob_log "installed for $UOB_REF_KVER without kernel source, dpkg: ii; $(cd "$mods" && ls | tr '\n' ' ')"

# A second kernel, as its postinst hook does it (dkms autoinstall), still
# without linux-source: the 6.1 headers get usb-offload alone, and the
# make.log says why the others are not built.
for k in $(ls -d /lib/modules/6.1.*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||'); do
	dkms remove -m usb-offload-backport -v "$ver" -k "$k" >/dev/null 2>&1 || true
	dkms autoinstall -k "$k" >"$work/dkms61.log" 2>&1 ||
		{ tail -20 "$work/dkms61.log" >&2; uob_die "dkms autoinstall for $k failed"; }
	ls /lib/modules/"$k"/updates/dkms/usb-offload.ko* >/dev/null 2>&1 ||
		uob_die "usb-offload not installed for $k"
	! ls /lib/modules/"$k"/updates/dkms/xhci-sideband.ko* 2>/dev/null ||
		uob_die "xhci-sideband installed for $k, which cannot run it"
	mlog=/var/lib/dkms/usb-offload-backport/$ver/$k/x86_64/log/make.log
	grep -E '^(xhci-sideband|qc-audio-offload): skipped' "$mlog" >&2 ||
		uob_die "$mlog does not say why xhci-sideband is skipped"
	uob_log "$k (dkms autoinstall): $(cd /lib/modules/"$k"/updates/dkms && ls | tr '\n' ' ')(usb-offload only, as intended)"
done
st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | tr -d ' ')
[ "$st" = ii ] || uob_die "dpkg -l $pkg: '$st' after the second kernel, not ii"
restore

uob_log "apt-get purge $pkg"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$pkg" >"$work/purge.log" 2>&1 ||
	{ tail -30 "$work/purge.log" >&2; uob_die "apt-get purge failed"; }
left=$(dkms status -m usb-offload-backport 2>/dev/null)
[ -z "$left" ] || uob_die "dkms still lists: $left"
! ls /lib/modules/*/updates/dkms/usb-offload.ko* "$mods"/xhci-sideband.ko* \
	"$mods"/qc-audio-offload.ko* 2>/dev/null || uob_die "modules left after purge"
[ ! -e "/usr/src/usb-offload-backport-$ver" ] || uob_die "/usr/src/usb-offload-backport-$ver left"
uob_log "purged: dkms status empty, modules and sources gone"
