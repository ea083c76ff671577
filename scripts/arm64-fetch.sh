#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
#   arm64-fetch.sh        the stock arm64 kernel (bookworm)
#   arm64-fetch.sh 16k    Debian's 16K-page arm64 kernel (trixie)
#
# The arm64 pieces of the reference kernel and of the guests' userspace,
# as Debian ships them: the stock 6.12.111 arm64 kernel image and its
# modules, its headers (made for cross builds), busybox-static, libc,
# libqrtr (+ qrtr-lookup) and libasound.  Downloaded by apt itself through
# a private configuration in the cache (its own sources, lists, cache and
# APT::Architecture "arm64"; the machine's dpkg is not touched, no
# --add-architecture), so apt verifies them as it verifies any install:
# InRelease signed by debian-archive-keyring (signed-by=), Packages by the
# hashes in InRelease, each .deb by its SHA256 in Packages.  Those SHA256
# are kept beside the .debs and checked again on every later use of the
# cache.  Unpacked into $UOB_ARM64_ROOT, made usable for cross builds and
# modprobe -d.  Idempotent; quiet when all is in place.
#
# 16k: trixie's linux-image-6.12.*-arm64-16k (the version trixie's
# linux-image-arm64-16k depends on, picked once and kept with the cache),
# its headers, their common half and the amd64 linux-kbuild they need
# (trixie's: it runs in the trixie build chroot of scripts/arm64-16k-cross.sh,
# never on this machine's dpkg), the same way, into $UOB_ARM64_16K_ROOT.
# The guests' userspace stays bookworm's (the stock flavour's root).
set -euo pipefail
UOB_STEP=${UOB_STEP:-arm64-fetch}
. "$(dirname "$0")/lib.sh"

uob_provision arm64

flavour=${1:-stock}
case $flavour in
stock)
	suite=bookworm
	apt_dir=$UOB_CACHE/arm64-apt
	debs=$UOB_CACHE/arm64-debs
	root=$UOB_ARM64_ROOT
	# package=version (the kernel's pinned; the rest as bookworm has them)
	pkgs=("linux-image-$UOB_ARM64_KVER=$UOB_REF_DEBVER"
	      "linux-headers-$UOB_ARM64_KVER=$UOB_REF_DEBVER"
	      "linux-headers-${UOB_REF_UPSTREAM}+deb12-common=$UOB_REF_DEBVER"
	      busybox-static libc6 libqrtr1 libqrtr-dev qrtr-tools libasound2 libasound2-dev)
	;;
16k)
	suite=$UOB_ARM64_16K_SUITE
	apt_dir=$UOB_CACHE/arm64-16k-apt
	debs=$UOB_CACHE/arm64-16k-debs
	root=$UOB_ARM64_16K_ROOT
	# picked from the lists below (pick_16k), then kept in $debs/packages
	pkgs=()
	;;
*) uob_die "usage: $0 [stock|16k]" ;;
esac

# the package list, as one key for the cache
want=$(printf '%s\n' "${pkgs[@]}")

cached_ok() {
	[ -f "$debs/SHA256SUMS" ] && [ -s "$debs/packages" ] || return 1
	# 16k: the version picked the first time stays (a new pick: rm -r $debs)
	[ "$flavour" = 16k ] || [ "$(cat "$debs/packages")" = "$want" ] || return 1
	(cd "$debs" && sha256sum -c --quiet --strict SHA256SUMS) >/dev/null 2>&1
}

# The 16K kernel trixie has now: the one its metapackage depends on, which
# must be a 6.12 (the series this project's trixie support is about).
pick_16k() {
	local dep kver ver up
	dep=$(apt-cache -c "$apt_dir/apt.conf" show linux-image-arm64-16k 2>/dev/null |
		sed -n 's/^Depends: \(linux-image-[^ ,]*-arm64-16k\) (= \([^)]*\)).*/\1 \2/p' | sort -V | tail -1)
	[ -n "$dep" ] || uob_die "no linux-image-arm64-16k in $suite's arm64 Packages"
	kver=${dep%% *}; kver=${kver#linux-image-}; ver=${dep#* }
	case $kver in 6.12.*) ;; *) uob_die "$suite's 16K kernel is $kver, not a 6.12";; esac
	up=${kver%%+*}
	pkgs=("linux-image-$kver=$ver" "linux-headers-$kver=$ver"
	      "linux-headers-${kver%-arm64-16k}-common=$ver"
	      "linux-kbuild-${kver%-arm64-16k}:amd64=$ver")
	want=$(printf '%s\n' "${pkgs[@]}")
	uob_log "trixie's 16K-page kernel: $kver ($ver, Linux $up)"
}

if ! cached_ok; then
	uob_log "downloading Debian's arm64 packages (private apt configuration in $apt_dir)"
	rm -rf "$apt_dir" "$debs"
	mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,parts,prefs,trusted} "$debs"
	: >"$apt_dir/status"
	kr=/usr/share/keyrings/debian-archive-keyring.gpg
	if [ "$flavour" = stock ]; then
		cat >"$apt_dir/sources.list" <<-EOF
		deb [signed-by=$kr] $UOB_DEBIAN_MIRROR bookworm main
		deb [signed-by=$kr] $UOB_DEBIAN_MIRROR bookworm-updates main
		deb [signed-by=$kr] $UOB_DEBIAN_SECURITY_MIRROR bookworm-security main
		EOF
		archs='"arm64";'
	else
		# the point release's kernel (trixie itself; -security moves faster),
		# and the amd64 kbuild its headers need
		echo "deb [signed-by=$kr] $UOB_DEBIAN_MIRROR $suite main" >"$apt_dir/sources.list"
		archs='"arm64"; "amd64";'
	fi
	cat >"$apt_dir/apt.conf" <<-EOF
	Dir::Etc::SourceList "$apt_dir/sources.list";
	Dir::Etc::SourceParts "$apt_dir/parts";
	Dir::Etc::Preferences "$apt_dir/prefs/none";
	Dir::Etc::PreferencesParts "$apt_dir/prefs";
	Dir::Etc::Trusted "$apt_dir/trusted/none.gpg";
	Dir::Etc::TrustedParts "$apt_dir/trusted";
	Dir::State::Lists "$apt_dir/lists";
	Dir::State::status "$apt_dir/status";
	Dir::Cache "$apt_dir/cache";
	APT::Architecture "arm64";
	APT::Architectures { $archs };
	Acquire::Languages "none";
	// the cache is root's: apt's _apt sandbox user cannot write there
	APT::Sandbox::User "root";
	Acquire::AllowInsecureRepositories "false";
	Acquire::AllowDowngradeToInsecureRepositories "false";
	EOF
	apt=(apt-get -q -c "$apt_dir/apt.conf")
	"${apt[@]}" update >"$apt_dir/update.log" 2>&1 ||
		{ cat "$apt_dir/update.log" >&2; uob_die "apt-get update (arm64) failed"; }
	# apt-get update only warns about a list it could not verify; refuse it
	if grep -E '^(W|E):' "$apt_dir/update.log" >&2; then
		uob_die "apt-get update (arm64) was not clean (see $apt_dir/update.log)"
	fi
	[ "$flavour" = stock ] || pick_16k
	# the SHA256 each .deb must have, from the verified Packages lists
	: >"$debs/SHA256SUMS"
	for p in "${pkgs[@]}"; do
		name=${p%%=*} ver=
		[ "$name" = "$p" ] || ver=${p#*=}
		[ -n "$ver" ] || ver=$(apt-cache -c "$apt_dir/apt.conf" policy "$name" |
			awk '/Candidate:/ { print $2 }')
		[ -n "$ver" ] && [ "$ver" != "(none)" ] || uob_die "no arm64 package $name in $suite"
		rec=$(apt-cache -c "$apt_dir/apt.conf" show "$name=$ver") ||
			uob_die "no arm64 package $name=$ver (the reference kernel has left the archive?)"
		sum=$(echo "$rec" | awk '/^SHA256: / { print $2; exit }')
		arch=$(echo "$rec" | awk '/^Architecture: / { print $2; exit }')
		# the name apt-get download gives it (epoch's ':' as %3a)
		echo "$sum  ${name%:*}_${ver//:/%3a}_$arch.deb" >>"$debs/SHA256SUMS"
	done
	# apt-get download checks each file against those hashes itself
	(cd "$debs" && "${apt[@]}" download "${pkgs[@]}") >"$apt_dir/download.log" 2>&1 ||
		{ cat "$apt_dir/download.log" >&2; uob_die "apt-get download (arm64) failed"; }
	(cd "$debs" && sha256sum -c --quiet --strict SHA256SUMS) ||
		uob_die "arm64 .debs do not match the verified Packages lists"
	echo "$want" >"$debs/packages"
	uob_log "arm64 packages: $(du -cb "$debs"/*.deb | awk 'END { printf "%.1f MB", $1 / 1e6 }') of .debs; package lists: $(grep -o '^Fetched [0-9.]* [kMG]*B' "$apt_dir/update.log")"
	rm -f "$root/.uob-unpacked"
fi

# the kernel of this flavour, and its common headers' and kbuild's name
if [ "$flavour" = stock ]; then
	kver=$UOB_ARM64_KVER kbase=${UOB_REF_UPSTREAM}+deb12
else
	kver=$(sed -n '1s/^linux-image-\(.*\)=.*/\1/p' "$debs/packages")
	[ -n "$kver" ] || uob_die "$debs/packages names no kernel image"
	kbase=${kver%-arm64-16k}
fi

key=$(sha256sum "$debs/SHA256SUMS" | cut -d' ' -f1)
if [ "$(cat "$root/.uob-unpacked" 2>/dev/null)" != "$key" ]; then
	uob_log "unpacking the arm64 packages into $root"
	rm -rf "$root"; mkdir -p "$root"
	for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$root"; done
	# usrmerge as on an installed system: /lib/modules, /bin (trixie's
	# packages have their files in /usr/lib already)
	[ -e "$root/lib" ] || ln -s usr/lib "$root/lib"
	[ -d "$root/lib/modules/$kver" ] || uob_die "no modules in the arm64 image package"
	hdr=$root/usr/src/linux-headers-$kver
	common=$root/usr/src/linux-headers-$kbase-common
	# the headers name their common half by absolute path, and kbuild's
	# scripts (linux-kbuild) by relative path: point both at what is here.
	# stock: linux-kbuild is Multi-Arch: foreign, the machine's serves;
	# 16k: trixie's, unpacked here, runs in the trixie build chroot.
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdr/Makefile"
	grep -q "^include $common/Makefile" "$hdr/Makefile" ||
		uob_die "unexpected $hdr/Makefile: $(head -1 "$hdr/Makefile")"
	if [ "$flavour" = stock ]; then
		mkdir -p "$root/usr/lib"
		ln -s "/usr/lib/linux-kbuild-$kbase" "$root/usr/lib/"
	fi
	[ -x "$root/usr/lib/linux-kbuild-$kbase/scripts/basic/fixdep" ] ||
		uob_die "no linux-kbuild-$kbase for the headers"
	grep -q '^override ARCH = arm64' "$hdr/.kernelvariables" ||
		uob_die "$hdr/.kernelvariables does not set ARCH=arm64"
	# what the image's postinst would do: modules.dep for modprobe -d
	depmod -b "$root" "$kver"
	echo "$kver" >"$root/.uob-kver"
	echo "$key" >"$root/.uob-unpacked"
fi
[ -f "$root/boot/vmlinuz-$kver" ] || uob_die "no arm64 kernel image at $root/boot/vmlinuz-$kver"
exit 0
