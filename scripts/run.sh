#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make run: build the modules for the reference kernel, boot Debian's own
# 6.12.111 kernel in QEMU (qemu-xhci + usb-audio), load them, and run one
# offload session from a userspace DSP client on libqrtr: service lookup,
# stream enable (every response field checked against the guest), usage
# 0 -> 1 -> 0, disable, unload.
set -euo pipefail
UOB_STEP=run
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

"$UOB_TOP/scripts/provision.sh"
uob_need_pkgs cpio busybox-static qemu-system-x86 xz-utils libqrtr-dev qrtr-tools

out=$UOB_CACHE/run
mkdir -p "$out"
uob_log "building the modules for $UOB_REF_KVER"
make -s -C "$UOB_TOP" KVER="$UOB_REF_KVER" modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; uob_die "module build failed"; }

uob_log "building the DSP client (libqrtr)"
gcc -O2 -Wall -Wextra -Wno-missing-field-initializers -Wno-format-truncation \
	-o "$out/uob-dsp" "$UOB_TOP/tests/dsp/uob-dsp.c" -lqrtr ||
	uob_die "DSP client build failed"

mapfile -t extra < <(uob_guest_binary "$out/uob-dsp" /bin/uob-dsp;
		     uob_guest_binary /usr/bin/qrtr-lookup /bin/qrtr-lookup)
uob_guest_initramfs "$out/initrd.gz" "$UOB_TOP/tests/guest/run-init.sh" \
	"$UOB_TOP/usb-offload/usb-offload.ko" "$UOB_TOP/xhci-sideband/xhci-sideband.ko" \
	"$UOB_TOP/qc-audio-offload/qc-audio-offload.ko" -- "${extra[@]}"
uob_log "booting $UOB_REF_IMAGE in QEMU (TCG; about a minute)"
start=$(date +%s)
uob_guest_boot "$out/initrd.gz" "$out/console.log" 300 || true
end=$(date +%s)

grep -a 'uob-run:' "$out/console.log" | sed 's/^.*uob-run: //' || true
grep -aq 'uob-run: done' "$out/console.log" ||
	{ tail -30 "$out/console.log" >&2; uob_die "guest did not finish (log: $out/console.log)"; }
grep -aq 'uob-run: uob-dsp session: ok' "$out/console.log" ||
	uob_die "the offload session failed (log: $out/console.log)"
if grep -aE 'WARNING:|BUG:|Oops|blocked for more than' "$out/console.log"; then
	uob_die "kernel reported a problem (log: $out/console.log)"
fi
uob_log "guest run took $((end - start)) s; console log: $out/console.log"
