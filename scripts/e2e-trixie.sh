#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make e2e-trixie: the e2e scenarios (tests/guest/e2e-init.sh) on Debian
# 13's own 6.12 kernel: trixie's linux-image from the package test's chroot
# (scripts/deb-chroot.sh trixie, cached), with that kernel's xhci-pci,
# snd-usb-audio, qrtr and qmi_helpers, and our modules as dkms builds them
# there (trixie's gcc, the layouts from the kernel's BTF, no kernel
# source), in a throwaway overlay of the chroot.  The guest's userspace
# (busybox, the libqrtr DSP client) is the host's, as in every guest.
set -euo pipefail
UOB_STEP=e2e-trixie
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

uob_provision guest deb
name=usb-offload-backport
ver=$(cat "$UOB_TOP/VERSION")
base=$("$UOB_TOP/scripts/deb-chroot.sh" trixie)
# the point release's 6.12 (the first of UOB_TRIXIE_KVERS), else the newest
kver=${UOB_TRIXIE_KVERS%% *}
[ -d "$base/lib/modules/$kver/kernel" ] || kver=$(cd "$base/lib/modules" && ls -d 6.12.* | sort -V | tail -1)
[ -n "$kver" ] && [ -f "$base/boot/vmlinuz-$kver" ] || uob_die "no 6.12 kernel in $base"
out=$UOB_CACHE/e2e-trixie
rm -rf "$out"
mkdir -p "$out/ko"

work=$(mktemp -d)
mounted=()
cleanup() {
	local m
	for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root=$work/root
mkdir -p "$root" "$work/upper" "$work/ovl"
if mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/ovl" "$root" 2>/dev/null; then
	mounted=("$root")
else
	cp -a "$base/." "$root/"
fi
mount -t proc proc "$root/proc" && mounted=("$root/proc" "${mounted[@]}")
mount --bind /dev "$root/dev" && mounted=("$root/dev" "${mounted[@]}")
uob_copy_tree "$root/usr/src/$name-$ver" "${UOB_DKMS_FILES[@]}"

# no openssl in the chroot (the package brings it): dkms builds unsigned
# here, which this kernel loads (it enforces signatures only when locked
# down); the package test checks the signing
uob_log "dkms build for $kver in the trixie chroot"
start=$(date +%s)
if ! chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
	sh -c "dkms add -m $name -v $ver && dkms build -m $name -v $ver -k $kver" >"$out/dkms.log" 2>&1; then
	tail -30 "$out/dkms.log" >&2
	find "$root/var/lib/dkms" -name make.log -exec tail -30 {} \; >&2
	uob_die "dkms build for $kver failed"
fi
while read -r ko; do
	case $ko in
	*.xz) xz -dc "$ko" >"$out/ko/$(basename "${ko%.xz}")" ;;
	*.zst) zstd -q -dc "$ko" >"$out/ko/$(basename "${ko%.zst}")" ;;
	*) cp "$ko" "$out/ko/" ;;
	esac
done < <(find "$root/var/lib/dkms/$name/$ver/$kver" -name '*.ko*')
for m in usb-offload xhci-sideband qc-audio-offload; do
	[ -f "$out/ko/$m.ko" ] || uob_die "dkms built no $m for $kver"
	modinfo -F vermagic "$out/ko/$m.ko" | grep -q "^$kver " ||
		uob_die "$m.ko is not for $kver: $(modinfo -F vermagic "$out/ko/$m.ko")"
done
grep -F "xhci-sideband: xHCI layouts from the BTF of" \
	"$root/var/lib/dkms/$name/$ver/$kver/x86_64/log/make.log" >&2 ||
	uob_die "make.log does not say the layouts came from the BTF"
uob_log "dkms build took $(( $(date +%s) - start )) s"

uob_guest_kernel "$base/boot/vmlinuz-$kver" "$kver" "$base"
uob_guest_rig "$out" "$UOB_TOP/tests/guest/e2e-init.sh" "$out/ko"
for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
mounted=()
uob_log "booting Debian 13's $kver with the e2e scenarios"
start=$(date +%s)
rc=0
python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_GUEST_IMAGE" "$out/initrd.gz" "$out/console.log" 600 |
	sed "s/^\(\(not \)\?ok\( [0-9]*\)\? - \)/\1trixie $kver: /" | tee "$out/result" || rc=1
uob_log "trixie e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"
exit "$rc"
