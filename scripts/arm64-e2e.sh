#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's guests on arm64: Debian's stock arm64 6.12.111 kernel in
# qemu-system-aarch64 (virt, Cortex-A57, TCG) with qemu-xhci + usb-audio,
# the modules cross-built against Debian's arm64 headers, the DSP client
# and tools cross-built against Debian's arm64 libqrtr and libasound.
#
#   arm64-e2e.sh run    make run's session (tests/guest/run-init.sh), shown
#   arm64-e2e.sh        that, the e2e scenarios (tests/guest/e2e-init.sh)
#                       and the IOMMU scenarios (tests/guest/iommu-init.sh)
#                       on virt,iommu=smmuv3, judged like the x86 ones by
#                       tests/e2e/e2e.py.  Results are TAP lines, counted
#                       by make check's runner.
#
# arm64 virt has no S3 (its mem_sleep is s2idle only, which nothing wakes
# on this rig): the S3 scenarios print SKIP there ("ok - ... # SKIP"), and
# are counted as neither passed nor failed.
set -euo pipefail
UOB_STEP=arm64-e2e
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/arm64-guest.sh"

what=${1:-all}
case $what in run|all) ;; *) uob_die "usage: $0 [run|all]";; esac

uob_arm64_prepare
base=$UOB_CACHE/arm64
mkdir -p "$base"
uob_arm64_build "$base"

rc=0

# 1. make run's session
out=$base/run
uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/run-init.sh"
uob_log "booting $UOB_ARM64_KVER in qemu-system-aarch64 (TCG) with make run's session"
start=$(date +%s)
uob_arm64_boot "$out/initrd.gz" "$out/console.log" 300 || true
dt=$(( $(date +%s) - start ))
grep -a 'uob-run:' "$out/console.log" | sed 's/^.*uob-run: //' || true
{
	ok=1
	if ! grep -aq 'uob-run: done' "$out/console.log"; then
		tail -30 "$out/console.log" | sed 's/^/# /'; echo "# arm64 run: the guest did not finish"; ok=0
	elif ! grep -aq 'uob-run: uob-dsp session: ok' "$out/console.log"; then
		echo "# arm64 run: the offload session failed"; ok=0
	fi
	if grep -aE 'WARNING:|BUG:|Oops|blocked for more than' "$out/console.log" | sed 's/^/# /' | grep .; then
		echo "# arm64 run: kernel reported a problem"; ok=0
	fi
	[ $ok = 1 ] && echo "ok - arm64: make run's session" || echo "not ok - arm64: make run's session"
} >"$out/result" 2>&1
cat "$out/result"
grep -q '^ok - ' "$out/result" || rc=1
uob_log "arm64 run guest took $dt s; console log: $out/console.log"
if [ "$what" = run ]; then
	[ "$rc" -eq 0 ] || uob_die "the arm64 session failed (log: $out/console.log)"
	exit 0
fi

# 2. the e2e scenarios
out=$base/e2e
uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/e2e-init.sh"
uob_log "booting $UOB_ARM64_KVER with the e2e scenarios"
start=$(date +%s)
UOB_E2E_QEMU=$(uob_arm64_qemu) UOB_E2E_CONSOLE=ttyAMA0 \
	python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_ARM64_IMAGE" "$out/initrd.gz" \
	"$out/console.log" 600 | tee "$out/result" || rc=1
uob_log "arm64 e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"

# 3. the IOMMU scenarios: an SMMUv3 in front of the PCI host bridge, the
#    stand-in DSP device bound to pci-stub so that it has a group
out=$base/iommu
uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/iommu-init.sh"
uob_log "booting $UOB_ARM64_KVER on virt,iommu=smmuv3 (the DSP's domain)"
start=$(date +%s)
UOB_E2E_QEMU=$(uob_arm64_qemu iommu) UOB_E2E_CONSOLE=ttyAMA0 \
UOB_E2E_QEMU_ARGS=$UOB_ARM64_IOMMU_QEMU UOB_E2E_APPEND=$UOB_ARM64_IOMMU_APPEND \
	python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_ARM64_IMAGE" "$out/initrd.gz" \
	"$out/console.log" 600 | tee "$out/result" || rc=1
uob_log "arm64 IOMMU e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"

# not run is not passed: say which, and why (the guest's own words)
skipped=$(cat "$base"/{run,e2e,iommu}/result | grep -c '^ok - .* # SKIP' || true)
[ "$skipped" -eq 0 ] || uob_log "$skipped scenario group(s) not run: $(cat "$base"/{run,e2e,iommu}/result |
	sed -n 's/^ok - \(.*\) # SKIP$/\1/p' | sort -u | paste -sd';')"
exit "$rc"
