#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The machine the Debian package test (scripts/deb-test.sh) installs on: a
# Debian bookworm chroot, built once by debootstrap from Debian's archive
# and cached in $UOB_CACHE/deb-chroot/root, with what a user of the package
# has: the reference kernel's image and headers (pinned version), the
# newest 6.1 headers (linux-headers-amd64), gcc, make, dkms, bpftool, and
# no kernel source -- and no openssl, as on a minimal Debian 13: the
# package must bring what DKMS needs to make its signing key.  Rebuilt when this list or the mirror changes.  Prints
# the chroot's path.  The test never changes it: it runs on a copy
# (overlayfs, or cp -a where overlayfs cannot be mounted).
#
# Packages already in the host's apt cache are hard-linked into the
# chroot's download cache (apt checks them as any download); the host's
# own cache is not written.
set -euo pipefail
UOB_STEP=deb-chroot
. "$(dirname "$0")/lib.sh"

uob_provision deb
dir=$UOB_CACHE/deb-chroot
suite=bookworm
pkgs=(dkms bpftool zstd xz-utils make gcc libc6-dev kmod
      "linux-image-$UOB_REF_KVER=$UOB_REF_DEBVER" "linux-headers-$UOB_REF_KVER=$UOB_REF_DEBVER"
      linux-headers-amd64)
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
# the host's downloads, as a seed (hard links; a copy across filesystems)
find /var/cache/apt/archives -maxdepth 1 -name '*.deb' -exec ln -f -t "$dir/debs" {} + 2>/dev/null ||
	find /var/cache/apt/archives -maxdepth 1 -name '*.deb' -exec cp -n -t "$dir/debs" {} +
debootstrap --variant=minbase --cache-dir="$dir/debs" "$suite" "$tmp" "$UOB_DEBIAN_MIRROR" \
	>"$dir/debootstrap.log" 2>&1 || { tail -20 "$dir/debootstrap.log" >&2; uob_die "debootstrap failed"; }
cat >"$tmp/etc/apt/sources.list" <<EOF
deb $UOB_DEBIAN_MIRROR $suite main
deb $UOB_DEBIAN_MIRROR $suite-updates main
deb $UOB_DEBIAN_SECURITY_MIRROR $suite-security main
EOF
mount -t proc proc "$tmp/proc" && mounted=("$tmp/proc" "${mounted[@]}")
mount --bind /dev "$tmp/dev" && mounted=("$tmp/dev" "${mounted[@]}")
find "$dir/debs" -maxdepth 1 -name '*.deb' -exec ln -f -t "$tmp/var/cache/apt/archives" {} + 2>/dev/null || true
in_root() { chroot "$tmp" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
in_root apt-get update -q >"$dir/apt.log" 2>&1 ||
	{ tail -20 "$dir/apt.log" >&2; uob_die "apt-get update in the chroot failed"; }
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
