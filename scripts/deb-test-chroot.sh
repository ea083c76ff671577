#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the package test's chroot (scripts/deb-test.sh copies it
# there; never on a host):
#
#   deb-test-chroot.sh PACKAGE.deb
#       environment: VER; KVERS, the kernels that must get all three
#       modules; OLD_KVERS=1: the chroot has 6.1 headers (bookworm)
#
# On a machine without kernel source: apt-get install the package; dkms
# builds and installs all three modules for each of KVERS from its BTF,
# dpkg says ii, and signs them with its key (made with the openssl the
# package depends on); the 6.1 headers' autoinstall gets usb-offload alone
# and make.log says why; purge leaves nothing.  Each result is a TAP line.
set -euo pipefail
deb=${1:?usage: deb-test-chroot.sh PACKAGE.deb}
: "${KVERS:?}" "${VER:?}"
pkg=usb-offload-backport-dkms
log=/tmp/deb-test.log
suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-?}")

[ -f /.uob-chroot ] || { echo "not ok - deb: not in the package test's chroot"; exit 1; }
say() { echo "# $*"; }
ok() { echo "ok - deb ($suite): $*"; }
die() { tail -30 "$log" | sed 's/^/# /'; echo "not ok - deb ($suite): $*"; exit 1; }

# as users have it: linux-image and linux-headers, no kernel source
for k in $KVERS; do
	src=$(find /usr/src /lib/modules/"$k"/build/ -path '*/drivers/usb/host/xhci.h' 2>/dev/null | head -1)
	[ -z "$src" ] || die "a kernel source is reachable: $src"
done
ok "no kernel source in the chroot"
! command -v openssl >/dev/null || die "openssl is installed before the package"

# The postinst builds for the installed kernels with headers (the running
# kernel is the host's, which has none here); a kernel it left out is
# installed as a user would, with dkms install.
apt-get install -y -q "$deb" >"$log" 2>&1 || die "apt-get install failed"
st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | tr -d ' ')
[ "$st" = ii ] || die "dpkg -l $pkg: '$st', not ii"
ok "apt-get install ./$(basename "$deb"): dpkg says ii"
dkms status -m usb-offload-backport | sed 's/^/# /'
for k in $KVERS; do
	mods=/lib/modules/$k/updates/dkms
	if ! dkms status -m usb-offload-backport -v "$VER" -k "$k" | grep -q installed; then
		say "$k: not built by the postinst; dkms install"
		dkms install -m usb-offload-backport -v "$VER" -k "$k" >"$log" 2>&1 ||
			die "dkms install for $k failed"
	fi
	for m in usb-offload xhci-sideband qc-audio-offload; do
		ls "$mods/$m.ko"* >/dev/null 2>&1 || die "$k: $m not installed under $mods"
	done
	modinfo -F version "$(ls "$mods"/usb-offload.ko* | head -1)" | grep -qx "$VER" ||
		die "$k: installed usb-offload is not version $VER"
	mlog=/var/lib/dkms/usb-offload-backport/$VER/$k/x86_64/log/make.log
	grep -F "xhci-sideband: xHCI layouts from the BTF of" "$mlog" | sed 's/^/# /' ||
		die "$mlog does not say the layouts came from the BTF"
	# 6.16+ exports what mainline's driver calls: qc-audio-offload drives
	# snd-usb-audio through it, on layouts from the same BTF
	case $k in
	6.1[6-9].*|6.[2-9][0-9].*|[7-9].*)
		how="qc-audio-offload: streams through snd-usb-audio's exports"
		grep -F "qc-audio-offload: snd-usb-audio's layouts: from the BTF of" "$mlog" | sed 's/^/# /' ||
			die "$mlog does not say snd-usb-audio's layouts came from the BTF" ;;
	*) how="qc-audio-offload: streams through ALSA's PCM core" ;;
	esac
	grep -F "$how" "$mlog" | sed 's/^/# /' || die "$mlog does not say '$how'"
	ok "$k without kernel source: $(cd "$mods" && ls | tr '\n' ' ')(layouts from BTF; ${how#*: })"
done

# Signed with DKMS' own key, which it makes with openssl: the chroot has no
# openssl of its own (scripts/deb-chroot.sh), so only the package's
# dependency brings it, as on a minimal Debian 13.
for k in $KVERS; do
	for m in usb-offload xhci-sideband qc-audio-offload; do
		signer=$(modinfo -F signer "$(ls "/lib/modules/$k/updates/dkms/$m.ko"* | head -1)" 2>/dev/null) ||
			signer=
		[ -n "$signer" ] || die "$k: $m is not signed (modinfo -F signer is empty)"
	done
done
command -v openssl >/dev/null || die "no openssl: the package did not bring it"
[ -s /var/lib/dkms/mok.key ] && [ -s /var/lib/dkms/mok.pub ] ||
	die "no DKMS signing key in /var/lib/dkms"
ok "the three modules are signed for $(echo "$KVERS" | wc -w) kernel(s) (signer: $signer), with DKMS' key"

# A second kernel, as its postinst hook does it (dkms autoinstall): the
# 6.1 headers get usb-offload alone, and make.log says why.
n61=0
for k in $(ls -d /lib/modules/6.1.*/build 2>/dev/null | sed 's|/lib/modules/||;s|/build||'); do
	dkms remove -m usb-offload-backport -v "$VER" -k "$k" >/dev/null 2>&1 || true
	dkms autoinstall -k "$k" >"$log" 2>&1 || die "dkms autoinstall for $k failed"
	ls /lib/modules/"$k"/updates/dkms/usb-offload.ko* >/dev/null 2>&1 ||
		die "usb-offload not installed for $k"
	! ls /lib/modules/"$k"/updates/dkms/xhci-sideband.ko* 2>/dev/null ||
		die "xhci-sideband installed for $k, which cannot run it"
	mlog=/var/lib/dkms/usb-offload-backport/$VER/$k/x86_64/log/make.log
	grep -E '^(xhci-sideband|qc-audio-offload): skipped' "$mlog" | sed 's/^/# /' ||
		die "$mlog does not say why xhci-sideband is skipped"
	ok "$k (dkms autoinstall): usb-offload only, make.log says why"
	n61=$((n61 + 1))
done
[ "$n61" -gt 0 ] || [ "${OLD_KVERS:-0}" = 0 ] || die "no 6.1 headers in the chroot"
st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null | tr -d ' ')
[ "$st" = ii ] || die "dpkg -l $pkg: '$st' after the second kernel, not ii"

apt-get purge -y -q "$pkg" >"$log" 2>&1 || die "apt-get purge failed"
left=$(dkms status -m usb-offload-backport 2>/dev/null)
[ -z "$left" ] || die "dkms still lists: $left"
! ls /lib/modules/*/updates/dkms/*.ko* 2>/dev/null || die "modules left after purge"
[ ! -e "/usr/src/usb-offload-backport-$VER" ] || die "/usr/src/usb-offload-backport-$VER left"
ok "apt-get purge: dkms status empty, modules and sources gone"
