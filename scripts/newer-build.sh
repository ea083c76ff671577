#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Compile the three modules against a newer kernel than Debian bookworm
# packages: $UOB_NEW_PKG from Debian $UOB_NEW_SUITE (7.2: in-tree sideband,
# usb_offload_* with offload_lock, snd-usb-audio platform ops, soc-usb,
# q6usboffload.h, string symbol namespaces, kzalloc_obj).  x86_64 defconfig +
# kunit/newer.config, modules_prepare once (cached), then the project's own
# out-of-tree build with W=1 -Werror.  Also checks that nothing we export
# or build clashes with the kernel's own symbols and module names.
# Compiled, not booted: modpost has no vmlinux to resolve symbols against.
set -euo pipefail
UOB_STEP=newer
. "$(dirname "$0")/lib.sh"

uob_need_pkgs gcc make bc flex bison libelf-dev libssl-dev xz-utils curl gpgv \
	debian-archive-keyring

dl=$UOB_CACHE/debs
mkdir -p "$dl"

# fetch URL FILE: download to FILE (via FILE.part).
fetch() {
	curl -fsS --retry 3 --max-time 900 -o "$2.part" "$1" || uob_die "cannot fetch $1"
	mv "$2.part" "$2"
}

deb=
for f in "$dl/${UOB_NEW_PKG}_"*_all.deb; do
	[ -e "$f" ] && [ -e "$f.verified" ] && deb=$f
done
want=$dl/${UOB_NEW_PKG}_${UOB_NEW_DEBVER}_all.deb
[ -e "$want.verified" ] && deb=$want
if [ -z "$deb" ]; then
	rel=$dl/$UOB_NEW_SUITE.InRelease
	fetch "$UOB_DEBIAN_MIRROR/dists/$UOB_NEW_SUITE/InRelease" "$rel"
	gpgv --keyring /usr/share/keyrings/debian-archive-keyring.gpg "$rel" 2>"$rel.gpgv" ||
		uob_die "bad signature on $UOB_NEW_SUITE/InRelease: $(cat "$rel.gpgv")"
	psum=$(awk '/^SHA256:/{s=1;next} /^[A-Za-z]/{s=0} s && $3=="main/binary-amd64/Packages.xz"{print $1}' "$rel")
	[ -n "$psum" ] || uob_die "InRelease lists no main/binary-amd64/Packages.xz"
	# by-hash, as apt does: the file that belongs to this InRelease
	fetch "$UOB_DEBIAN_MIRROR/dists/$UOB_NEW_SUITE/main/binary-amd64/by-hash/SHA256/$psum" "$dl/Packages.xz"
	echo "$psum  $dl/Packages.xz" | sha256sum -c --quiet || uob_die "Packages.xz does not match InRelease"
	# Stanzas of $UOB_NEW_PKG: version, file name, SHA256.
	xz -dc "$dl/Packages.xz" | awk -v p="$UOB_NEW_PKG" '
		/^Package: /{pk=$2} /^Version: /{v=$2} /^Filename: /{f=$2} /^SHA256: /{s=$2}
		/^$/{ if (pk==p) print v, f, s; pk="" } END{ if (pk==p) print v, f, s }' >"$dl/candidates"
	line=$(awk -v v="$UOB_NEW_DEBVER" '$1==v' "$dl/candidates")
	if [ -z "$line" ]; then
		line=$(sort -V "$dl/candidates" | tail -1)
		[ -n "$line" ] || uob_die "$UOB_NEW_SUITE has no $UOB_NEW_PKG"
		uob_log "$UOB_NEW_PKG $UOB_NEW_DEBVER is gone from the archive; using ${line%% *}"
	fi
	read -r ver file sum <<<"$line"
	deb=$dl/${UOB_NEW_PKG}_${ver}_all.deb
	uob_log "downloading $file"
	fetch "$UOB_DEBIAN_MIRROR/$file" "$deb"
	echo "$sum  $deb" | sha256sum -c --quiet || uob_die "$deb does not match Packages"
	touch "$deb.verified"
fi
ver=$(basename "$deb" _all.deb); ver=${ver#"${UOB_NEW_PKG}"_}
upstream=${ver%%-*}
src=$UOB_CACHE/linux-$upstream
if [ "$(cat "$src/.uob-unpacked" 2>/dev/null)" != "$ver" ]; then
	uob_log "unpacking $UOB_NEW_PKG $ver into $src"
	rm -rf "$src" "$src.tmp"; mkdir -p "$src.tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' |
		tar -xJ -C "$src.tmp" --strip-components=1
	mv "$src.tmp" "$src"
	echo "$ver" >"$src/.uob-unpacked"
fi

obj=$UOB_CACHE/newer-build-$upstream
sum=$(sha256sum <"$UOB_TOP/kunit/newer.config" | cut -d' ' -f1)
if [ "$(cat "$obj/.uob-config" 2>/dev/null)" != "$sum" ]; then
	uob_log "configuring and preparing linux $upstream for x86_64 (once)"
	rm -rf "$obj"; mkdir -p "$obj"
	make -s -C "$src" O="$obj" defconfig >/dev/null
	"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" \
		"$UOB_TOP/kunit/newer.config" >/dev/null
	make -s -C "$src" O="$obj" olddefconfig >/dev/null
	for o in $(grep -o '^CONFIG_[A-Z0-9_]*' "$UOB_TOP/kunit/newer.config"); do
		grep -q "^$o=" "$obj/.config" || uob_die "linux $upstream config lacks $o"
	done
	make -s -C "$src" O="$obj" -j"$(nproc)" modules_prepare
	echo "$sum" >"$obj/.uob-config"
fi

scratch=$UOB_CACHE/scratch/newer
rm -rf "$scratch"; mkdir -p "$scratch"
uob_copy_tree "$scratch"
make -C "$scratch" KDIR="$obj" KSRC="$src" KBUILD_MODPOST_WARN=1 \
	W=1 KCFLAGS=-Werror modules 2>&1 | tee "$scratch/build.log" | grep -v 'undefined!$' || true
[ "${PIPESTATUS[0]}" -eq 0 ] || uob_die "build against linux $upstream failed"
if grep -E '(warning|error):' "$scratch/build.log" | grep -v 'modpost.*undefined'; then
	uob_die "build against linux $upstream has warnings"
fi
mods=(usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload)
for m in "${mods[@]}"; do
	[ -f "$scratch/$m.ko" ] || uob_die "$m.ko was not built against linux $upstream"
done

"$UOB_TOP/scripts/probe-expect.sh" "$scratch/compat/generated/uob_autoconf.h" "${upstream%.*}"

# No clash with the kernel: none of our exports is exported by the kernel
# source, none of our module names is one of its modules.
grep -rhoE --include='*.c' 'EXPORT_SYMBOL(_GPL)?(_NS(_GPL)?)?\([A-Za-z0-9_]+' \
	"$src/drivers" "$src/sound" "$src/kernel" "$src/lib" "$src/mm" "$src/net" |
	sed 's/.*(//' | sort -u >"$scratch/kernel-exports"
awk '{print $2}' "$scratch/Module.symvers" | sort -u >"$scratch/our-exports"
[ -s "$scratch/our-exports" ] || uob_die "no exports in our Module.symvers"
clash=$(comm -12 "$scratch/kernel-exports" "$scratch/our-exports")
[ -z "$clash" ] || uob_die "exports clash with linux $upstream: $clash"
find "$src" -name Makefile -o -name Kbuild | xargs grep -hoE 'obj-[^+]*\+= *[a-z0-9_-]+\.o' |
	sed 's/.*= *//; s/\.o$//; s/-/_/g' | sort -u >"$scratch/kernel-modules"
for m in "${mods[@]}"; do
	n=$(basename "$m" | tr - _)
	! grep -qx "$n" "$scratch/kernel-modules" || uob_die "module name $n exists in linux $upstream"
done
uob_log "linux $upstream: built $(cd "$scratch" && ls */*.ko | tr '\n' ' ');" \
	"$(wc -l <"$scratch/our-exports") exports, none clashes with the kernel's $(wc -l <"$scratch/kernel-exports")"
