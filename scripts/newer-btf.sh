#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# xhci-sideband's xHCI layouts on the newer kernel (7.2.11), from the BTF of
# Debian's own build of it: vmlinux's BTF from linux-headers-<kver> (Debian
# ships it there), xhci-hcd.ko.xz from linux-modules-<kver>, both of the
# version of the linux-source that scripts/newer-source.sh unpacked, fetched
# from $UOB_NEW_SUITE and verified (InRelease signature -> Packages.xz ->
# .deb SHA256).  No kernel is built: a prepared tree has no vmlinux, but
# Debian's kernel has the BTF.
#  1. the source's xhci.h (the tree scripts/newer-build.sh prepared),
#     cross-checked against that BTF;
#  2. the layouts from the BTF alone;
# both W=1 -Werror, and sideband.o must be the same code in both.
# The prepared tree's configuration is x86_64 defconfig + kunit/newer.config,
# not Debian's: the cross-check shows the layouts that matter agree anyway.
set -euo pipefail
UOB_STEP=newer-btf
. "$(dirname "$0")/lib.sh"

uob_provision newer
src=$("$UOB_TOP/scripts/newer-source.sh")
debver=$(cat "$src/.uob-unpacked"); upstream=${debver%%-*}
obj=$UOB_CACHE/newer-build-$upstream
[ -f "$obj/.uob-config" ] || "$UOB_TOP/scripts/newer-build.sh" >&2

dl=$UOB_CACHE/debs
rel=$dl/$UOB_NEW_SUITE.InRelease
gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$rel" 2>/dev/null ||
	uob_die "bad signature on $rel"
psum=$(awk '/^SHA256:/{s=1;next} /^[A-Za-z]/{s=0} s && $3=="main/binary-amd64/Packages.xz"{print $1}' "$rel")
echo "$psum  $dl/Packages.xz" | sha256sum -c --quiet || uob_die "Packages.xz does not match InRelease"

# the Debian kernel release of this source version (amd64 flavour)
kver=$(xz -dc "$dl/Packages.xz" | awk -v v="$debver" '
	/^Package: /{pk=$2} /^Version: /{ver=$2}
	/^$/{ if (ver == v && pk ~ /^linux-headers-[0-9.]+\+[a-z0-9]+-amd64$/) print substr(pk, 15); pk="" }' | head -1)
[ -n "$kver" ] || uob_die "$UOB_NEW_SUITE has no linux-headers-*-amd64 of $debver"

out=$UOB_CACHE/newer-btf-$kver
fetch_pkg() {	# fetch_pkg PACKAGE: the verified .deb's path
	local line file sum deb
	line=$(xz -dc "$dl/Packages.xz" | awk -v p="$1" -v v="$debver" '
		/^Package: /{pk=$2} /^Version: /{ver=$2} /^Filename: /{f=$2} /^SHA256: /{s=$2}
		/^$/{ if (pk == p && ver == v) print f, s; pk="" }' | head -1)
	[ -n "$line" ] || uob_die "$1 $debver is not in $UOB_NEW_SUITE"
	read -r file sum <<<"$line"
	deb=$dl/$(basename "$file")
	if [ ! -e "$deb.verified" ]; then
		uob_log "downloading $file"
		curl -fsS --retry 3 --max-time 900 -o "$deb.part" "$UOB_DEBIAN_MIRROR/$file" ||
			uob_die "cannot fetch $file"
		echo "$sum  $deb.part" | sha256sum -c --quiet || uob_die "$file does not match Packages"
		mv "$deb.part" "$deb"; touch "$deb.verified"
	fi
	echo "$deb"
}
vmlinux=$out/usr/src/linux-headers-$kver/vmlinux
xko=$out/usr/lib/modules/$kver/kernel/drivers/usb/host/xhci-hcd.ko.xz
if [ ! -f "$vmlinux" ] || [ ! -f "$xko" ]; then
	rm -rf "$out"; mkdir -p "$out"
	dpkg-deb --fsys-tarfile "$(fetch_pkg "linux-headers-$kver")" |
		tar -x -C "$out" "./usr/src/linux-headers-$kver/vmlinux"
	# linux-modules is large (every module): keep only xhci-hcd
	deb=$(fetch_pkg "linux-modules-$kver")
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out" "./usr/lib/modules/$kver/kernel/drivers/usb/host/xhci-hcd.ko.xz"
	rm -f "$deb"
fi
export UOB_BTF_VMLINUX=$vmlinux UOB_BTF_XHCI=$xko

uob_build_prepared newer-btf-src "$obj" "$src"
s=$UOB_SCRATCH
grep -F "cross-checked against the BTF of $xko" "$s/build.log" >&2 ||
	uob_die "the source build was not cross-checked against $kver's BTF"
"$UOB_TOP/scripts/probe-expect.sh" "$s/compat/generated/uob_autoconf.h" "$UOB_NEW_COLUMN"

# the same prepared tree without its "source" link, so nothing points
# the build at a source: a kernel with headers and BTF only
bare=$UOB_CACHE/scratch/newer-btf-kdir
rm -rf "$bare"; cp -al "$obj" "$bare"; rm -f "$bare/source"
sed -i "s|^export KBUILD_OUTPUT = .*|export KBUILD_OUTPUT = $bare|" "$bare/Makefile"
uob_build_prepared newer-btf-only "$bare" ""
b=$UOB_SCRATCH
grep -F "xhci-sideband: xHCI layouts from the BTF of $xko" "$b/build.log" >&2 ||
	uob_die "the build without source did not take the layouts from $kver's BTF"
"$UOB_TOP/scripts/probe-expect.sh" "$b/compat/generated/uob_autoconf.h" "$UOB_NEW_COLUMN"
dis() { objdump -d --no-show-raw-insn -r "$1" | sed 1,3d; }
if ! cmp -s <(dis "$s/xhci-sideband/sideband.o") <(dis "$b/xhci-sideband/sideband.o"); then
	diff <(dis "$s/xhci-sideband/sideband.o") <(dis "$b/xhci-sideband/sideband.o") | head -20 >&2
	uob_die "sideband.o differs between the source and the BTF build"
fi
uob_log "linux $upstream: xhci.h agrees with the BTF of Debian's $kver; the build from that BTF alone gives the same sideband.o code"
grep -E '^static_assert\(offsetof' "$b/compat/generated/uob_xhci_btf_check.h" |
	sed 's/^static_assert(offsetof(struct /  /; s/, /./; s/) == / @ /; s/);$//' >&2
rm -rf "$bare"
