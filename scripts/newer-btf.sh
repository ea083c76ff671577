#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# xhci-sideband's xHCI layouts and qc-audio-offload's snd-usb-audio layouts
# on the newer kernel (7.2.11), from the BTF of Debian's own build of it:
# vmlinux's BTF from linux-headers-<kver> (Debian ships it there),
# xhci-hcd.ko.xz and snd-usb-audio.ko.xz from linux-modules-<kver>, all of
# the version of the linux-source that scripts/newer-source.sh unpacked,
# fetched from $UOB_NEW_SUITE and verified (InRelease signature ->
# Packages.xz -> .deb SHA256).  No kernel is built: a prepared tree has no
# vmlinux, but Debian's kernel has the BTF.
#  1. the source's xhci.h and sound/usb/*.h (the tree
#     scripts/newer-build.sh prepared), cross-checked against that BTF;
#  2. the layouts from the BTF alone;
# both W=1 -Werror; sideband.o and pcm_direct.o must be the same code in
# both.
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
	if [ ! -e "$deb.verified" ] || [ ! -f "$deb" ]; then
		uob_log "downloading $file"
		curl -fsS --retry 3 --max-time 900 -o "$deb.part" "$UOB_DEBIAN_MIRROR/$file" ||
			uob_die "cannot fetch $file"
		echo "$sum  $deb.part" | sha256sum -c --quiet || uob_die "$file does not match Packages"
		mv "$deb.part" "$deb"; touch "$deb.verified"
	fi
	echo "$deb"
}
vmlinux=$out/usr/src/linux-headers-$kver/vmlinux
mods=$out/usr/lib/modules/$kver/kernel
xko=$mods/drivers/usb/host/xhci-hcd.ko.xz
sko=$mods/sound/usb/snd-usb-audio.ko.xz
if [ ! -f "$vmlinux" ] || [ ! -f "$xko" ] || [ ! -f "$sko" ]; then
	rm -rf "$out"; mkdir -p "$out"
	dpkg-deb --fsys-tarfile "$(fetch_pkg "linux-headers-$kver")" |
		tar -x -C "$out" "./usr/src/linux-headers-$kver/vmlinux"
	# linux-modules is large (every module): keep only the two
	deb=$(fetch_pkg "linux-modules-$kver")
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$out" ".${xko#"$out"}" ".${sko#"$out"}"
	rm -f "$deb" "$deb.verified"
fi
export UOB_BTF_VMLINUX=$vmlinux UOB_BTF_XHCI=$xko UOB_BTF_SND=$sko

uob_build_prepared newer-btf-src "$obj" "$src"
s=$UOB_SCRATCH
grep -F "cross-checked against the BTF of $xko" "$s/build.log" >&2 ||
	uob_die "the source build was not cross-checked against $kver's BTF"
grep -F "qc-audio-offload: snd-usb-audio's layouts: headers of $(cd "$src" && pwd)/sound/usb, cross-checked against the BTF of $sko" "$s/build.log" >&2 ||
	uob_die "the source build's snd-usb-audio layouts were not cross-checked against $kver's BTF"
grep -Fx "qc-audio-offload: streams through snd-usb-audio's exports" "$s/build.log" >&2 ||
	uob_die "the source build did not take snd-usb-audio's exports"
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
grep -F "qc-audio-offload: snd-usb-audio's layouts: from the BTF of $sko" "$b/build.log" >&2 ||
	uob_die "the build without source did not take snd-usb-audio's layouts from $kver's BTF"
grep -Fx "qc-audio-offload: streams through snd-usb-audio's exports" "$b/build.log" >&2 ||
	uob_die "the build without source did not take snd-usb-audio's exports"
"$UOB_TOP/scripts/probe-expect.sh" "$b/compat/generated/uob_autoconf.h" "$UOB_NEW_COLUMN"
dis() { objdump -d --no-show-raw-insn -r "$1" | sed 1,3d; }
for o in xhci-sideband/sideband.o qc-audio-offload/pcm_direct.o; do
	if ! cmp -s <(dis "$s/$o") <(dis "$b/$o"); then
		diff <(dis "$s/$o") <(dis "$b/$o") | head -20 >&2
		uob_die "$o differs between the source and the BTF build"
	fi
done
uob_log "linux $upstream: xhci.h and sound/usb/*.h agree with the BTF of Debian's $kver; the build from that BTF alone gives the same sideband.o and pcm_direct.o code"
grep -hE '^static_assert\(offsetof' "$b/compat/generated/uob_xhci_btf_check.h" \
	"$b/compat/generated/uob_snd_btf_check.h" |
	sed 's/^static_assert(offsetof(struct /  /; s/, /./; s/) == / @ /; s/);$//' >&2
rm -rf "$bare"

# 3. a vendor tree of the same version whose struct snd_usb_substream has
#    one more bit field just before "opened" (every offset is the same;
#    only that bit moves): the build must stop at the cross-check instead
#    of building on the wrong bit
vend=$UOB_CACHE/scratch/newer-btf-vendor-src
rm -rf "$vend"; mkdir -p "$vend/drivers/usb/host" "$vend/sound/usb"
cp "$src/Makefile" "$vend/"
cp "$src"/drivers/usb/host/*.h "$vend/drivers/usb/host/"
cp "$src"/sound/usb/*.h "$vend/sound/usb/"
sed -i 's/^\tunsigned int opened:1;/\tunsigned int vendor_bit:1;\n&/' "$vend/sound/usb/card.h"
grep -q 'vendor_bit:1;' "$vend/sound/usb/card.h" || uob_die "cannot make the vendor tree"
v=$UOB_CACHE/scratch/newer-btf-vendor
rm -rf "$v"; mkdir -p "$v"; uob_copy_tree "$v"
if make -C "$v" KDIR="$obj" KSRC="$vend" KBUILD_MODPOST_WARN=1 modules >"$v/build.log" 2>&1; then
	uob_die "a tree with another snd_usb_substream.opened bit built: the BTF cross-check did not stop it"
fi
# (gcc quotes the function's name in the locale's quotes)
grep -m1 -E "In function .uob_btf_bits_snd_usb_substream_opened.:" "$v/build.log" >&2 &&
	grep -m1 -o 'BUILD_BUG_ON failed: u\.b\[[0-9]*\] != 0x[0-9a-f]*' "$v/build.log" >&2 || {
	tail -20 "$v/build.log" >&2
	uob_die "the vendor tree's build failed, but not at the snd_usb_substream.opened cross-check"
}
uob_log "a tree with snd_usb_substream.opened one bit off does not build (BUILD_BUG_ON against the BTF)"
rm -rf "$vend" "$v"
