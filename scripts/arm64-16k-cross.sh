#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The machine the 16K-page arm64 kernel's modules are cross-built on: a
# Debian trixie (amd64) chroot, because that kernel was built by trixie's
# gcc-14 (its config enables what bookworm's gcc-12 lacks, e.g.
# -fmin-function-alignment) and its headers' kbuild (trixie's
# linux-kbuild, unpacked by scripts/arm64-fetch.sh 16k) needs trixie's
# libc.  Built once by debootstrap from Debian's archive (signed Release,
# apt inside verifies every package) and cached in
# $UOB_CACHE/arm64-16k-chroot/root; the machine's dpkg is not touched.
#
#   arm64-16k-cross.sh                  build it (once); print its path
#   arm64-16k-cross.sh run DIR... -- CMD...
#       run CMD in the chroot, in the first DIR, with each DIR (and the
#       16K root) bind-mounted at its own path, in a private mount
#       namespace (nothing stays mounted when CMD ends).  Environment:
#       PATH, HOME, LC_ALL and the UOB_BTF_* words of the caller.
set -euo pipefail
UOB_STEP=${UOB_STEP:-arm64-16k-cross}
. "$(dirname "$0")/lib.sh"

dir=$UOB_CACHE/arm64-16k-chroot
suite=$UOB_ARM64_16K_SUITE
# the cross compiler (trixie: gcc-14), make, what kbuild's programs link
# (libelf, libssl, zlib; pahole), perl (W=1 runs kernel-doc), bpftool and
# unpackers for the BTF
pkgs=(make gcc-aarch64-linux-gnu libc6-dev libelf1t64 libssl3t64 zlib1g pahole perl
      bpftool xz-utils zstd kmod)
key=$(printf '%s\n' "$suite" "$UOB_DEBIAN_MIRROR" "${pkgs[@]}" | sha256sum | cut -d' ' -f1)

build() {
	uob_provision arm64
	local tmp=$dir/root.tmp
	uob_log "building the trixie cross-build chroot (once) in $dir/root"
	rm -rf --one-file-system "$dir/root" "$tmp"
	mkdir -p "$dir/debs" "$tmp"
	debootstrap --variant=minbase --cache-dir="$dir/debs" "$suite" "$tmp" "$UOB_DEBIAN_MIRROR" \
		>"$dir/debootstrap.log" 2>&1 ||
		{ tail -20 "$dir/debootstrap.log" >&2; uob_die "debootstrap $suite failed"; }
	echo "deb $UOB_DEBIAN_MIRROR $suite main" >"$tmp/etc/apt/sources.list"
	find "$dir/debs" -maxdepth 1 -name '*.deb' -exec ln -f -t "$tmp/var/cache/apt/archives" {} + 2>/dev/null || true
	in_chroot "$tmp" / -- apt-get update -q >"$dir/apt.log" 2>&1 ||
		{ tail -20 "$dir/apt.log" >&2; uob_die "apt-get update in the chroot failed"; }
	in_chroot "$tmp" / -- apt-get install -y -q --no-install-recommends "${pkgs[@]}" \
		>>"$dir/apt.log" 2>&1 ||
		{ tail -30 "$dir/apt.log" >&2; uob_die "apt-get install in the chroot failed"; }
	find "$tmp/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec ln -f -t "$dir/debs" {} + 2>/dev/null || true
	in_chroot "$tmp" / -- apt-get clean
	echo "$key" >"$tmp/.uob-chroot"
	mv "$tmp" "$dir/root"
	uob_log "chroot ready: $(du -sh "$dir/root" | cut -f1) ($(in_chroot "$dir/root" / -- aarch64-linux-gnu-gcc --version | head -1))"
}

# in_chroot ROOT DIR... -- CMD...: CMD in ROOT, each DIR bound at its path
in_chroot() {
	local root=$1; shift
	local dirs=()
	while [ "$1" != -- ]; do dirs+=("$1"); shift; done
	shift
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private bash -euc '
		root=$1; shift; n=$1; shift
		mount -t proc proc "$root/proc"
		mount --bind /dev "$root/dev"
		for i in $(seq "$n"); do
			[ "$1" = / ] || { mkdir -p "$root$1"; mount --bind "$1" "$root$1"; }
			shift
		done
		exec chroot "$root" "$@"' in_chroot "$root" "${#dirs[@]}" "${dirs[@]}" \
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive \
		${UOB_BTF_VMLINUX:+UOB_BTF_VMLINUX="$UOB_BTF_VMLINUX"} \
		${UOB_BTF_XHCI:+UOB_BTF_XHCI="$UOB_BTF_XHCI"} UOB_CACHE="$UOB_CACHE" \
		bash -c 'cd "$1" && shift && exec "$@"' in_dir "${dirs[0]}" "$@"
}

[ "$(cat "$dir/root/.uob-chroot" 2>/dev/null)" = "$key" ] || build
case ${1:-} in
'') echo "$dir/root" ;;
run)
	shift
	args=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
	[ "${1:-}" = -- ] && [ ${#args[@]} -gt 0 ] || uob_die "usage: $0 run DIR... -- CMD..."
	shift
	in_chroot "$dir/root" "${args[@]}" "$UOB_ARM64_16K_ROOT" -- "$@"
	;;
*) uob_die "usage: $0 [run DIR... -- CMD...]" ;;
esac
