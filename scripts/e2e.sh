#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make e2e: the modules in Debian's stock 6.12.111 kernel under QEMU
# (qemu-xhci + usb-audio), driven by the libqrtr DSP client: lookup,
# session, malformed and disallowed requests, hot-unplug and re-plug via
# the QEMU monitor, USB reset from userspace, rmmod with a session active;
# the same with an IOMMU; then the DSP as a remote QRTR node (qrtr-tun)
# that stops reading: no event may wait on it (tests/guest/qrtr-tun-init.sh).
# The modules are built by the real dkms in a staging tree
# (scripts/dkms-build.sh); UOB_E2E_KO=<dir> uses modules from elsewhere.
set -euo pipefail
UOB_STEP=e2e
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

uob_provision guest

# the modules as users get them: built by the real dkms (staging tree)
if [ -z "${UOB_E2E_KO:-}" ]; then
	"$UOB_TOP/scripts/dkms-build.sh" "$UOB_REF_KVER"
	UOB_E2E_KO=$UOB_CACHE/dkms/ko
fi
out=$UOB_CACHE/e2e
uob_guest_rig "$out" "$UOB_TOP/tests/guest/e2e-init.sh" "$UOB_E2E_KO"
uob_log "booting $UOB_REF_IMAGE with the e2e scenarios"
start=$(date +%s)
# a failing boot must not stop the other one (set -e); the results of
# both are TAP lines (tests/e2e/e2e.py), counted by make check's runner
rc=0
python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_REF_IMAGE" "$out/initrd.gz" "$out/console.log" 600 |
	tee "$out/result" || rc=1
uob_log "e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"

# the same kernel with an IOMMU: QEMU's Intel VT-d in front of the
# controller, a spare PCI device's domain standing in for the DSP's
iout=$UOB_CACHE/e2e-iommu
uob_guest_rig "$iout" "$UOB_TOP/tests/guest/iommu-init.sh" "$UOB_E2E_KO"
uob_log "booting $UOB_REF_IMAGE with intel_iommu=on (the DSP's domain)"
start=$(date +%s)
UOB_E2E_QEMU_ARGS=$UOB_GUEST_IOMMU_QEMU UOB_E2E_APPEND=$UOB_GUEST_IOMMU_APPEND \
	python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_REF_IMAGE" "$iout/initrd.gz" \
	"$iout/console.log" 600 | tee "$iout/result" || rc=1
uob_log "IOMMU e2e took $(( $(date +%s) - start )) s; console log: $iout/console.log"

# the DSP as a remote QRTR node: the kernel's qrtr-tun (test-only, built
# from the pinned source), snd-dummy as an unrelated card
tout=$UOB_CACHE/e2e-qrtr-tun
mkdir -p "$tout"
"$UOB_TOP/tests/qrtr-tun/build.sh" "$tout"
dummy=$(modprobe -S "$UOB_REF_KVER" --show-depends snd-dummy | awk '$1 == "insmod" { ko = $2 } END { print ko }')
xz -dc "$dummy" >"$tout/snd-dummy.ko" 2>/dev/null || cp "$dummy" "$tout/snd-dummy.ko"
UOB_GUEST_RIG_EXTRA=("$tout/qrtr-tun.ko=/lib/uob/qrtr-tun.ko" "$tout/snd-dummy.ko=/lib/uob/snd-dummy.ko")
uob_guest_rig "$tout" "$UOB_TOP/tests/guest/qrtr-tun-init.sh" "$UOB_E2E_KO"
uob_log "booting $UOB_REF_IMAGE with a remote DSP that stops reading"
start=$(date +%s)
UOB_E2E_APPEND=${UOB_E2E_TUN_APPEND:-} \
	python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_REF_IMAGE" "$tout/initrd.gz" \
	"$tout/console.log" 900 | tee "$tout/result" || rc=1
uob_log "remote-DSP e2e took $(( $(date +%s) - start )) s; console log: $tout/console.log"
exit "$rc"
