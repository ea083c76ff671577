#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make sign: sign the modules built here (make KVER=...) with the key DKMS
# uses, so non-DKMS builds load under Secure Boot once that key is
# enrolled (mokutil --import /var/lib/dkms/mok.pub).  The key comes from
# /etc/dkms/framework.conf (mok_signing_key / mok_certificate) or DKMS'
# default /var/lib/dkms/mok.{key,pub}; it is never generated here.
set -euo pipefail
UOB_STEP=sign
. "$(dirname "$0")/lib.sh"

kver=${KVER:-$(uname -r)}
kdir=${KDIR:-/lib/modules/$kver/build}
key=/var/lib/dkms/mok.key
cert=/var/lib/dkms/mok.pub
for f in /etc/dkms/framework.conf /etc/dkms/framework.conf.d/*.conf; do
	[ -f "$f" ] || continue
	v=$(sed -n 's/^[[:space:]]*mok_signing_key=["]\{0,1\}\([^"]*\)["]\{0,1\}.*/\1/p' "$f" | tail -1)
	[ -n "$v" ] && key=$v
	v=$(sed -n 's/^[[:space:]]*mok_certificate=["]\{0,1\}\([^"]*\)["]\{0,1\}.*/\1/p' "$f" | tail -1)
	[ -n "$v" ] && cert=$v
done
[ -r "$key" ] && [ -r "$cert" ] ||
	uob_die "no signing key ($key, $cert): install dkms and build once with it (it creates them), or set mok_signing_key/mok_certificate in /etc/dkms/framework.conf"
signer=$kdir/scripts/sign-file
[ -x "$signer" ] || uob_die "no $signer (kernel headers for $kver)"
hash=$(sed -n 's/^CONFIG_MODULE_SIG_HASH="\(.*\)"/\1/p' "$kdir/.config" 2>/dev/null)
hash=${hash:-sha256}
n=0
for ko in "$UOB_TOP"/usb-offload/*.ko "$UOB_TOP"/xhci-sideband/*.ko "$UOB_TOP"/qc-audio-offload/*.ko; do
	[ -f "$ko" ] || continue
	"$signer" "$hash" "$key" "$cert" "$ko"
	echo "signed $(basename "$ko"): signer $(modinfo -F signer "$ko")"
	n=$((n + 1))
done
[ $n -gt 0 ] || uob_die "no modules: run make KVER=$kver first"
