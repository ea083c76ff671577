#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Provision what the project's tasks need, in one place:
#
#   provision.sh [GROUP...]
#
#   base   (always) build tools, sparse, dkms, bpftool, the 6.1 headers
#          (linux-headers-amd64) and the pinned reference kernel: Debian's
#          linux-source, headers and image of one version; the source is
#          unpacked once into the cache and all three are checked to be
#          the same kernel
#   guest  QEMU, busybox and the libraries of the guests' DSP client
#   arm64  the arm64 QEMU, cross compilers and what arm64-fetch.sh needs
#          (and debootstrap: the 16K kernel's trixie build chroot)
#   newer  what fetching and checking Debian's newer kernel source needs
#   deb    dpkg-buildpackage, debhelper, dh-dkms, debootstrap (deb-test)
#   all    every group (make check's runner, scripts/check.sh)
#
# Installs missing packages when run as root, otherwise prints the exact
# apt-get line.  Idempotent; quiet when all is in place.
set -euo pipefail
UOB_STEP=provision
. "$(dirname "$0")/lib.sh"

base=(make gcc bc flex bison libelf-dev libssl-dev cpio xz-utils zstd python3 perl
      rsync patch git kmod sparse dkms bpftool shellcheck linux-headers-amd64)
guest=(cpio busybox-static qemu-system-x86 xz-utils libqrtr-dev qrtr-tools libasound2-dev)
arm64=(qemu-system-arm gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu
       libasound2-data apt dpkg debian-archive-keyring "linux-kbuild-${UOB_REF_UPSTREAM}+deb12"
       debootstrap)
newer=(curl gpgv debian-archive-keyring xz-utils bpftool)
deb=(dpkg-dev debhelper dh-dkms dkms debootstrap)

pkgs=("${base[@]}")
for g in "$@"; do
	case $g in
	base) ;;
	guest) pkgs+=("${guest[@]}") ;;
	arm64) pkgs+=("${arm64[@]}") ;;
	newer) pkgs+=("${newer[@]}") ;;
	deb) pkgs+=("${deb[@]}") ;;
	all) pkgs+=("${guest[@]}" "${arm64[@]}" "${newer[@]}" "${deb[@]}") ;;
	*) uob_die "unknown group '$g' (base guest arm64 newer deb all)" ;;
	esac
done
mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | awk '!seen[$0]++')

uob_need_pkgs "${pkgs[@]}" \
	"linux-source-6.12=$UOB_REF_DEBVER" \
	"linux-headers-$UOB_REF_KVER=$UOB_REF_DEBVER" \
	"linux-image-$UOB_REF_KVER=$UOB_REF_DEBVER"

for p in linux-source-6.12 "linux-headers-$UOB_REF_KVER" "linux-image-$UOB_REF_KVER"; do
	v=$(dpkg-query -W -f='${Version}' "$p")
	[ "$v" = "$UOB_REF_DEBVER" ] ||
		uob_die "$p is $v, the reference is $UOB_REF_DEBVER; run: apt-get install $p=$UOB_REF_DEBVER"
done

[ -f "$UOB_REF_KDIR/Makefile" ] || uob_die "no headers at $UOB_REF_KDIR"
rel=$(cat "$UOB_REF_KDIR/include/config/kernel.release")
[ "$rel" = "$UOB_REF_KVER" ] || uob_die "headers at $UOB_REF_KDIR are $rel, not $UOB_REF_KVER"
[ -f "$UOB_REF_IMAGE" ] || uob_die "no kernel image $UOB_REF_IMAGE"

stamp=$UOB_REF_SRC/.uob-unpacked
if [ "$(cat "$stamp" 2>/dev/null)" != "$UOB_REF_DEBVER" ]; then
	uob_log "unpacking linux-source $UOB_REF_DEBVER into $UOB_REF_SRC"
	rm -rf "$UOB_REF_SRC" "$UOB_REF_SRC.tmp"
	mkdir -p "$UOB_REF_SRC.tmp"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$UOB_REF_SRC.tmp" --strip-components=1
	mv "$UOB_REF_SRC.tmp" "$UOB_REF_SRC"
	echo "$UOB_REF_DEBVER" >"$stamp"
fi

srcver=$(make -s -C "$UOB_REF_SRC" kernelversion 2>/dev/null)
[ "$srcver" = "$UOB_REF_UPSTREAM" ] ||
	uob_die "source at $UOB_REF_SRC is $srcver, not $UOB_REF_UPSTREAM"
exit 0
