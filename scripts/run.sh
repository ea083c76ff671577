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

uob_provision guest

out=$UOB_CACHE/run
uob_guest_rig "$out" "$UOB_TOP/tests/guest/run-init.sh"
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
