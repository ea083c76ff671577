#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
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
set -euo pipefail
UOB_STEP=${UOB_STEP:-arm64-fetch}
. "$(dirname "$0")/lib.sh"

uob_provision arm64

apt_dir=$UOB_CACHE/arm64-apt
debs=$UOB_CACHE/arm64-debs
root=$UOB_ARM64_ROOT
# package=version (the kernel's pinned; the rest as bookworm has them)
pkgs=("linux-image-$UOB_ARM64_KVER=$UOB_REF_DEBVER"
      "linux-headers-$UOB_ARM64_KVER=$UOB_REF_DEBVER"
      "linux-headers-${UOB_REF_UPSTREAM}+deb12-common=$UOB_REF_DEBVER"
      busybox-static libc6 libqrtr1 libqrtr-dev qrtr-tools libasound2 libasound2-dev)

# the package list, as one key for the cache
want=$(printf '%s\n' "${pkgs[@]}")

cached_ok() {
	[ -f "$debs/SHA256SUMS" ] && [ "$(cat "$debs/packages" 2>/dev/null)" = "$want" ] &&
		(cd "$debs" && sha256sum -c --quiet --strict SHA256SUMS) >/dev/null 2>&1
}

if ! cached_ok; then
	uob_log "downloading Debian's arm64 packages (private apt configuration in $apt_dir)"
	rm -rf "$apt_dir" "$debs"
	mkdir -p "$apt_dir"/{lists/partial,cache/archives/partial,parts,prefs,trusted} "$debs"
	: >"$apt_dir/status"
	kr=/usr/share/keyrings/debian-archive-keyring.gpg
	cat >"$apt_dir/sources.list" <<-EOF
	deb [signed-by=$kr] $UOB_DEBIAN_MIRROR bookworm main
	deb [signed-by=$kr] $UOB_DEBIAN_MIRROR bookworm-updates main
	deb [signed-by=$kr] $UOB_DEBIAN_SECURITY_MIRROR bookworm-security main
	EOF
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
	APT::Architectures { "arm64"; };
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
	# the SHA256 each .deb must have, from the verified Packages lists
	: >"$debs/SHA256SUMS"
	for p in "${pkgs[@]}"; do
		name=${p%%=*} ver=
		[ "$name" = "$p" ] || ver=${p#*=}
		[ -n "$ver" ] || ver=$(apt-cache -c "$apt_dir/apt.conf" policy "$name" |
			awk '/Candidate:/ { print $2 }')
		[ -n "$ver" ] && [ "$ver" != "(none)" ] || uob_die "no arm64 package $name in bookworm"
		rec=$(apt-cache -c "$apt_dir/apt.conf" show "$name=$ver") ||
			uob_die "no arm64 package $name=$ver (the reference kernel has left the archive?)"
		sum=$(echo "$rec" | awk '/^SHA256: / { print $2; exit }')
		arch=$(echo "$rec" | awk '/^Architecture: / { print $2; exit }')
		# the name apt-get download gives it (epoch's ':' as %3a)
		echo "$sum  ${name}_${ver//:/%3a}_$arch.deb" >>"$debs/SHA256SUMS"
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

key=$(sha256sum "$debs/SHA256SUMS" | cut -d' ' -f1)
if [ "$(cat "$root/.uob-unpacked" 2>/dev/null)" != "$key" ]; then
	uob_log "unpacking the arm64 packages into $root"
	rm -rf "$root"; mkdir -p "$root"
	for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$root"; done
	# usrmerge as on an installed system: /lib/modules, /bin
	[ -d "$root/lib/modules/$UOB_ARM64_KVER" ] || uob_die "no modules in the arm64 image package"
	hdr=$root/usr/src/linux-headers-$UOB_ARM64_KVER
	common=$root/usr/src/linux-headers-${UOB_REF_UPSTREAM}+deb12-common
	# the headers name their common half by absolute path, and kbuild's
	# scripts (linux-kbuild, Multi-Arch: foreign: the machine's serves)
	# by relative path: point both at what is here
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$hdr/Makefile"
	grep -q "^include $common/Makefile" "$hdr/Makefile" ||
		uob_die "unexpected $hdr/Makefile: $(head -1 "$hdr/Makefile")"
	mkdir -p "$root/usr/lib"
	ln -s "/usr/lib/linux-kbuild-${UOB_REF_UPSTREAM}+deb12" "$root/usr/lib/"
	grep -q '^override ARCH = arm64' "$hdr/.kernelvariables" ||
		uob_die "$hdr/.kernelvariables does not set ARCH=arm64"
	# what the image's postinst would do: modules.dep for modprobe -d
	depmod -b "$root" "$UOB_ARM64_KVER"
	echo "$key" >"$root/.uob-unpacked"
fi
[ -f "$UOB_ARM64_IMAGE" ] || uob_die "no arm64 kernel image at $UOB_ARM64_IMAGE"
exit 0
