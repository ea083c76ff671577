#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The machines the Debian package test (scripts/deb-test.sh) installs on:
#
#   deb-chroot.sh [bookworm|trixie]     (default bookworm)
#
# a Debian chroot, built once by debootstrap from Debian's archive and
# cached in $UOB_CACHE/deb-chroot/root (bookworm) or
# $UOB_CACHE/deb-chroot-trixie/root, with what a user of the package has:
#   bookworm  the reference kernel's image and headers (pinned version),
#             the newest 6.1 headers (linux-headers-amd64);
#   trixie    a minimal Debian 13: the image and headers of its current
#             kernel (linux-image-amd64, from trixie-security), of the
#             point release's 6.12 and of trixie-backports' 7.2 and 7.3
#             (pinned versions, UOB_TRIXIE_KVERS in scripts/lib.sh;
#             apt-cache madison in the chroot lists what the archive has);
# and in both gcc, make, dkms, bpftool, no kernel source -- and no
# openssl: the package must bring what DKMS needs to make its signing
# key.  Rebuilt when this list or the mirror changes.  Prints the
# chroot's path.  The test never changes it: it runs on a copy
# (overlayfs, or cp -a where overlayfs cannot be mounted).
#
# Packages already in the host's apt cache are hard-linked into the
# chroot's download cache (apt checks them as any download); the host's
# own cache is not written.
set -euo pipefail
UOB_STEP=deb-chroot
. "$(dirname "$0")/lib.sh"

uob_provision deb
suite=${1:-bookworm}
pkgs=(dkms bpftool zstd xz-utils make gcc libc6-dev kmod)
case $suite in
bookworm)
	dir=$UOB_CACHE/deb-chroot
	pkgs+=("linux-image-$UOB_REF_KVER=$UOB_REF_DEBVER" "linux-headers-$UOB_REF_KVER=$UOB_REF_DEBVER"
	       linux-headers-amd64)
	;;
trixie)
	dir=$UOB_CACHE/deb-chroot-trixie
	# a Debian 13 user's kernel (linux-image-amd64: trixie-security's 6.12
	# now, which the package's Recommends would pull the headers of), and
	# the pinned ones, resolved below after apt-get update
	pkgs+=(linux-image-amd64 linux-headers-amd64 "kernels: $UOB_TRIXIE_KVERS")
	;;
*) uob_die "deb-chroot.sh: unknown suite '$suite' (bookworm, trixie)" ;;
esac
key=$(printf '%s\n' "$suite" "$UOB_DEBIAN_MIRROR" "$UOB_DEBIAN_SECURITY_MIRROR" "${pkgs[@]}" |
	sha256sum | cut -d' ' -f1)
if [ "$(cat "$dir/root/.uob-chroot" 2>/dev/null)" = "$key" ]; then
	echo "$dir/root"
	exit 0
fi

uob_log "building the package test's chroot ($suite, once) in $dir/root"
tmp=$dir/root.tmp
mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
}
trap cleanup EXIT
# a build that was killed may have left its mounts
umount -l "$tmp/proc" "$tmp/dev" 2>/dev/null || true
rm -rf --one-file-system "$dir/root" "$tmp"
mkdir -p "$dir/debs" "$tmp"
# the host's downloads (bookworm's), as a seed (hard links; a copy across
# filesystems)
if [ "$suite" = bookworm ]; then
	find /var/cache/apt/archives -maxdepth 1 -name '*.deb' -exec ln -f -t "$dir/debs" {} + 2>/dev/null ||
		find /var/cache/apt/archives -maxdepth 1 -name '*.deb' -exec cp -n -t "$dir/debs" {} +
fi
debootstrap --variant=minbase --cache-dir="$dir/debs" "$suite" "$tmp" "$UOB_DEBIAN_MIRROR" \
	>"$dir/debootstrap.log" 2>&1 || { tail -20 "$dir/debootstrap.log" >&2; uob_die "debootstrap failed"; }
cat >"$tmp/etc/apt/sources.list" <<EOF
deb $UOB_DEBIAN_MIRROR $suite main
deb $UOB_DEBIAN_MIRROR $suite-updates main
deb $UOB_DEBIAN_SECURITY_MIRROR $suite-security main
EOF
[ "$suite" = bookworm ] || echo "deb $UOB_DEBIAN_MIRROR $suite-backports main" >>"$tmp/etc/apt/sources.list"
mount -t proc proc "$tmp/proc" && mounted=("$tmp/proc" "${mounted[@]}")
mount --bind /dev "$tmp/dev" && mounted=("$tmp/dev" "${mounted[@]}")
find "$dir/debs" -maxdepth 1 -name '*.deb' -exec ln -f -t "$tmp/var/cache/apt/archives" {} + 2>/dev/null || true
in_root() { chroot "$tmp" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
in_root apt-get update -q >"$dir/apt.log" 2>&1 ||
	{ tail -20 "$dir/apt.log" >&2; uob_die "apt-get update in the chroot failed"; }
if [ "$suite" = trixie ]; then
	unset 'pkgs[-1]'
	for k in $UOB_TRIXIE_KVERS; do
		if ! in_root apt-cache show "linux-headers-$k" >/dev/null 2>&1; then
			series=${k%%+*}; series=${series%.*}
			n=$(in_root apt-cache pkgnames "linux-headers-$series." |
				grep -E "^linux-headers-${series//./\\.}\.[0-9]+\+deb13-amd64\$" |
				sed 's/^linux-headers-//' | sort -V | tail -1)
			[ -n "$n" ] || uob_die "trixie: no linux-headers-$k, nor any of $series"
			uob_log "trixie: linux-headers-$k is gone from the archive; using $n"
			k=$n
		fi
		in_root apt-cache madison "linux-headers-$k" | sed 's/^/[deb-chroot]   /' >&2
		pkgs+=("linux-image-$k" "linux-headers-$k")
	done
	# backports' kernels pre-depend on backports' linux-base
	pkgs+=("linux-base/$suite-backports")
fi
in_root apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$dir/apt.log" 2>&1 ||
	{ tail -30 "$dir/apt.log" >&2; uob_die "apt-get install in the chroot failed"; }
# what apt downloaded is kept for the next build; the chroot stays small
find "$tmp/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec ln -f -t "$dir/debs" {} + 2>/dev/null || true
in_root apt-get clean
cleanup
mounted=()
echo "$key" >"$tmp/.uob-chroot"
mv "$tmp" "$dir/root"
uob_log "chroot ready: $(du -sh "$dir/root" | cut -f1)"
echo "$dir/root"
