#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian package as users get it, on a machine of its own: build
# usb-offload-backport-dkms with dpkg-buildpackage (on the host, in a scratch
# copy), then install, check and purge it in a throwaway copy of a cached
# Debian chroot (scripts/deb-chroot.sh), by scripts/deb-test-chroot.sh
# inside it: bookworm (the reference kernel's image and headers, the 6.1
# headers) and a minimal trixie (its 6.12 and backports' 7.2 and 7.3), no
# kernel source in either.  The host's packages, dkms tree and
# /lib/modules are not touched (checked before and after).
set -euo pipefail
UOB_STEP=deb
. "$(dirname "$0")/lib.sh"

uob_provision deb
ver=$(cat "$UOB_TOP/VERSION")
pkg=usb-offload-backport-dkms

work=$(mktemp -d)
mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
mkdir -p "$work/src"
uob_copy_tree "$work/src"

uob_log "dpkg-buildpackage -b -us -uc"
(cd "$work/src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1 ||
	{ tail -30 "$work/build.log" >&2; uob_die "dpkg-buildpackage failed"; }
deb=$(ls "$work"/${pkg}_${ver}_all.deb)
dpkg-deb -I "$deb" | grep -E 'Package|Architecture|Section|Depends' >&2
dpkg-deb -c "$deb" >"$work/contents"
grep -q "usr/src/usb-offload-backport-$ver/dkms.conf" "$work/contents" ||
	uob_die "the package does not carry the dkms source"
echo "ok - deb: dpkg-buildpackage builds $(basename "$deb") with the dkms source"

# the host, before
host_state() {
	dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' | sort
	ls -R /var/lib/dkms 2>/dev/null || true
	ls -d /lib/modules/*/updates/dkms/* 2>/dev/null || true
}
before=$(host_state)

# each suite in a throwaway copy of its cached chroot
rc=0
for suite in bookworm trixie; do
	t0=$(date +%s)
	base=$("$UOB_TOP/scripts/deb-chroot.sh" "$suite")
	uob_log "$suite chroot ready in $(( $(date +%s) - t0 )) s"
	t0=$(date +%s)
	root=$work/$suite/root
	mkdir -p "$root" "$work/$suite/upper" "$work/$suite/ovl"
	if mount -t overlay overlay \
		-o "lowerdir=$base,upperdir=$work/$suite/upper,workdir=$work/$suite/ovl" "$root" 2>/dev/null; then
		mounted=("$root")
		uob_log "chroot: an overlay over $base"
	else
		uob_log "chroot: a copy of $base (no overlayfs here)"
		cp -a "$base/." "$root/"
	fi
	mount -t proc proc "$root/proc" && mounted=("$root/proc" "${mounted[@]}")
	mount --bind /dev "$root/dev" && mounted=("$root/dev" "${mounted[@]}")
	cp "$deb" "$root/tmp/"
	cp "$UOB_TOP/scripts/deb-test-chroot.sh" "$root/tmp/"
	if [ "$suite" = bookworm ]; then
		kvers=$UOB_REF_KVER old=1
	else
		# every kernel of the chroot (scripts/deb-chroot.sh: trixie's
		# current 6.12, the pinned 6.12, 7.2 and 7.3)
		kvers=$(cd "$base/lib/modules" && ls -d -- */build | sed 's|/build||' | sort -V | tr '\n' ' ')
		old=0
		for k in 6.12 7.2 7.3; do
			[[ " $kvers" = *" $k."* ]] ||
				{ echo "not ok - deb ($suite): no $k kernel in the chroot ($kvers)"; rc=1; }
		done
	fi
	chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
		DEBIAN_FRONTEND=noninteractive KVERS="$kvers" OLD_KVERS="$old" VER="$ver" \
		bash /tmp/deb-test-chroot.sh "/tmp/$(basename "$deb")" || rc=1
	for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
	mounted=()
	uob_log "$suite: the package test took $(( $(date +%s) - t0 )) s"
done

after=$(host_state)
if [ "$before" = "$after" ]; then
	echo "ok - deb: the host's packages, dkms tree and /lib/modules are unchanged"
else
	diff <(echo "$before") <(echo "$after") | head -20 | sed 's/^/# /'
	echo "not ok - deb: the test changed the host"; rc=1
fi
exit "$rc"
