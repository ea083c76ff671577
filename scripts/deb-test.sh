#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package as users get it: build usb-offload-backport-dkms with
# dpkg-buildpackage, install it with apt-get (dkms builds and installs the
# modules for the reference kernel's headers), check the modules are in
# updates/dkms, purge, check nothing is left.  Touches the host's dkms
# tree and /lib/modules/<reference>/updates/dkms, as the package does.
set -euo pipefail
UOB_STEP=deb
. "$(dirname "$0")/lib.sh"

"$UOB_TOP/scripts/provision.sh"
uob_need_pkgs dpkg-dev debhelper dh-dkms dkms
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

uob_log "apt-get install ./$(basename "$deb")"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$work/install.log" 2>&1 ||
	{ tail -30 "$work/install.log" >&2; uob_die "apt-get install failed"; }
# the postinst builds for the running kernel; the reference kernel is ours
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
uob_log "installed: $(cd "$mods" && ls | tr '\n' ' ')"
# a 6.1 kernel (no secondary interrupters) gets usb-offload alone, not a
# failed build
for k in $(ls -d /lib/modules/6.1.*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||'); do
	dkms status -m usb-offload-backport -v "$ver" -k "$k" | grep -q installed ||
		dkms install -m usb-offload-backport -v "$ver" -k "$k" >"$work/dkms61.log" 2>&1 ||
		{ tail -20 "$work/dkms61.log" >&2; uob_die "dkms install for $k failed"; }
	ls /lib/modules/"$k"/updates/dkms/usb-offload.ko* >/dev/null 2>&1 ||
		uob_die "usb-offload not installed for $k"
	! ls /lib/modules/"$k"/updates/dkms/xhci-sideband.ko* 2>/dev/null ||
		uob_die "xhci-sideband installed for $k, which cannot run it"
	uob_log "$k: $(cd /lib/modules/"$k"/updates/dkms && ls | tr '\n' ' ')(usb-offload only, as intended)"
done

uob_log "apt-get purge $pkg"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$pkg" >"$work/purge.log" 2>&1 ||
	{ tail -30 "$work/purge.log" >&2; uob_die "apt-get purge failed"; }
left=$(dkms status -m usb-offload-backport 2>/dev/null)
[ -z "$left" ] || uob_die "dkms still lists: $left"
! ls /lib/modules/*/updates/dkms/usb-offload.ko* "$mods"/xhci-sideband.ko* \
	"$mods"/qc-audio-offload.ko* 2>/dev/null || uob_die "modules left after purge"
[ ! -e "/usr/src/usb-offload-backport-$ver" ] || uob_die "/usr/src/usb-offload-backport-$ver left"
uob_log "purged: dkms status empty, modules and sources gone"
