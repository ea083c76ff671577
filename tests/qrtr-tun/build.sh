#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/qrtr-tun/build.sh OUTDIR: qrtr-tun.ko for the reference kernel, a
# TEST-ONLY module (never in the package, the DKMS tree or patches/).
#
# Debian's stock 6.12 has CONFIG_QRTR_TUN unset, and the e2e needs a remote
# QRTR node (SPEC section 7: QRTR flow-controls remote nodes only).  The
# module is the kernel's own net/qrtr/tun.c (GPL-2.0, Copyright (c) 2018
# Linaro Ltd) with its private header net/qrtr/qrtr.h, both taken as they
# are from the pinned linux-source-6.12 ($UOB_REF_SRC, unpacked by
# scripts/provision.sh) at build time: nothing of them is copied into this
# repository.  It links against the stock qrtr.ko's exported
# qrtr_endpoint_register/post/unregister (the headers' Module.symvers).
# Output: OUTDIR/qrtr-tun.ko (build log OUTDIR/build.log).
set -euo pipefail
UOB_STEP=${UOB_STEP:-qrtr-tun}
. "$(dirname "$0")/../../scripts/lib.sh"

out=${1:?usage: build.sh OUTDIR}
src=$UOB_REF_SRC/net/qrtr
for f in tun.c qrtr.h; do
	[ -f "$src/$f" ] || uob_die "no $src/$f (scripts/provision.sh guest unpacks linux-source)"
done
[ -f "$UOB_REF_KDIR/Makefile" ] || uob_die "no headers at $UOB_REF_KDIR"
rm -rf "$out/src"
mkdir -p "$out/src"
cp "$src/tun.c" "$src/qrtr.h" "$UOB_TOP/tests/qrtr-tun/Kbuild" "$out/src/"
make -C "$UOB_REF_KDIR" M="$out/src" modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; uob_die "qrtr-tun.ko build failed"; }
cp "$out/src/qrtr-tun.ko" "$out/"
modinfo -F vermagic "$out/qrtr-tun.ko" | grep -q "^$UOB_REF_KVER " ||
	uob_die "qrtr-tun.ko is not built for $UOB_REF_KVER"
uob_log "built $out/qrtr-tun.ko from $src/tun.c (test-only)"
