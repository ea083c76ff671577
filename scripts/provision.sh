#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Provision the pinned reference kernel: Debian's linux-source, headers and
# image of the same version; unpack the source once into the cache; check
# that all three really are the same kernel.  Used by every target that
# needs the reference kernel.  Idempotent; quiet when all is in place.
set -euo pipefail
UOB_STEP=provision
. "$(dirname "$0")/lib.sh"

tools=(make gcc bc flex bison libelf-dev libssl-dev cpio xz-utils python3
       perl rsync kmod qemu-system-x86 busybox-static sparse libqrtr-dev qrtr-tools libasound2-dev dkms)
uob_need_pkgs "${tools[@]}" \
	"linux-source-6.12=$UOB_REF_DEBVER" \
	"linux-headers-$UOB_REF_KVER=$UOB_REF_DEBVER" \
	"linux-image-$UOB_REF_KVER=$UOB_REF_DEBVER"

for p in linux-source-6.12 "linux-headers-$UOB_REF_KVER" "linux-image-$UOB_REF_KVER"; do
	v=$(dpkg-query -W -f='${Version}' "$p")
	[ "$v" = "$UOB_REF_DEBVER" ] ||
		uob_die "$p is $v, the reference is $UOB_REF_DEBVER; run: apt-get install $p=$UOB_REF_DEBVER"
done

[ -f "$UOB_REF_KDIR/Makefile" ] || uob_die "no headers at $UOB_REF_KDIR"
rel=$(cat "$UOB_REF_KDIR/include/config/kernel.release")
[ "$rel" = "$UOB_REF_KVER" ] || uob_die "headers at $UOB_REF_KDIR are $rel, not $UOB_REF_KVER"
[ -f "$UOB_REF_IMAGE" ] || uob_die "no kernel image $UOB_REF_IMAGE"

stamp=$UOB_REF_SRC/.uob-unpacked
if [ "$(cat "$stamp" 2>/dev/null)" != "$UOB_REF_DEBVER" ]; then
	uob_log "unpacking linux-source $UOB_REF_DEBVER into $UOB_REF_SRC"
	rm -rf "$UOB_REF_SRC" "$UOB_REF_SRC.tmp"
	mkdir -p "$UOB_REF_SRC.tmp"
	tar -xf /usr/src/linux-source-6.12.tar.xz -C "$UOB_REF_SRC.tmp" --strip-components=1
	mv "$UOB_REF_SRC.tmp" "$UOB_REF_SRC"
	echo "$UOB_REF_DEBVER" >"$stamp"
fi

srcver=$(make -s -C "$UOB_REF_SRC" kernelversion 2>/dev/null)
[ "$srcver" = "$UOB_REF_UPSTREAM" ] ||
	uob_die "source at $UOB_REF_SRC is $srcver, not $UOB_REF_UPSTREAM"
exit 0
