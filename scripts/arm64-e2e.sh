#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's guests on arm64: Debian's arm64 6.12 kernels in
# qemu-system-aarch64 (virt, TCG) with qemu-xhci + usb-audio, the modules
# cross-built against Debian's arm64 headers, the DSP client and tools
# cross-built against Debian's arm64 libqrtr and libasound.
#
#   arm64-e2e.sh run [KERNEL...]  make run's session (tests/guest/run-init.sh)
#   arm64-e2e.sh iommu [KERNEL...]  the IOMMU scenarios alone
#   arm64-e2e.sh [all [KERNEL...]]
#                       that, the e2e scenarios (tests/guest/e2e-init.sh)
#                       and the IOMMU scenarios (tests/guest/iommu-init.sh)
#                       on virt,iommu=smmuv3, judged like the x86 ones by
#                       tests/e2e/e2e.py.  Results are TAP lines, counted
#                       by make check's runner.
#
# KERNEL (scripts/arm64-guest.sh: uob_arm64_kernel), default stock:
#   stock   bookworm's linux-image-6.12.111+deb12-arm64 on a Cortex-A57
#   16k     trixie's linux-image-6.12.*-arm64-16k (16K pages) on QEMU's
#           "max" CPU; its results are named "arm64-16k: ..."
#
# arm64 virt has no S3 (its mem_sleep is s2idle only, which nothing wakes
# on this rig): the S3 scenarios print SKIP there ("ok - ... # SKIP"), and
# are counted as neither passed nor failed.
set -euo pipefail
UOB_STEP=arm64-e2e
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/arm64-guest.sh"

what=${1:-all}
case $what in
run|all|iommu) [ $# -eq 0 ] || shift ;;
stock|16k) what=all ;;
*) uob_die "usage: $0 [run|all|iommu] [stock|16k...]" ;;
esac
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(stock)

# one kernel's guests: in its own subshell (uob_arm64_kernel sets globals)
run_kernel() (
	set -euo pipefail
	local flavour=$1 rc=0 base out dt start pfx=arm64
	uob_arm64_kernel "$flavour"
	uob_arm64_prepare
	base=$UOB_CACHE/arm64
	if [ "$flavour" != stock ]; then
		base=$UOB_CACHE/arm64-$flavour pfx=arm64-$flavour
	fi
	mkdir -p "$base"
	uob_arm64_build "$base"
	# the results of this kernel's guests, named after it (not the stock's)
	name() {
		if [ "$flavour" = stock ]; then cat
		else sed -u -E "s/^((not )?ok - )/\1$pfx: /"
		fi
	}
	local pg="uob_page_size=$UOB_ARM64_PAGE_SIZE"

	rm -f "$base"/{run,e2e,iommu}/result
	# 1. make run's session
	[ "$what" != iommu ] || { run_iommu; return; }
	out=$base/run
	uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/run-init.sh"
	uob_log "booting $UOB_ARM64_KVER in qemu-system-aarch64 (TCG, -cpu $UOB_ARM64_CPU) with make run's session"
	start=$(date +%s)
	uob_arm64_boot "$out/initrd.gz" "$out/console.log" 300 || true
	dt=$(( $(date +%s) - start ))
	grep -a 'uob-run:' "$out/console.log" | sed 's/^.*uob-run: //' || true
	{
		ok=1
		if ! grep -aq 'uob-run: done' "$out/console.log"; then
			tail -30 "$out/console.log" | sed 's/^/# /'; echo "# $pfx run: the guest did not finish"; ok=0
		elif ! grep -aq 'uob-run: uob-dsp session: ok' "$out/console.log"; then
			echo "# $pfx run: the offload session failed"; ok=0
		fi
		if grep -aE 'WARNING:|BUG:|Oops|blocked for more than' "$out/console.log" | sed 's/^/# /' | grep .; then
			echo "# $pfx run: kernel reported a problem"; ok=0
		fi
		[ $ok = 1 ] && echo "ok - $pfx: make run's session" || echo "not ok - $pfx: make run's session"
	} >"$out/result" 2>&1
	cat "$out/result"
	grep -q '^ok - ' "$out/result" || rc=1
	uob_log "$pfx run guest took $dt s; console log: $out/console.log"
	[ "$what" = all ] || return "$rc"

	# 2. the e2e scenarios
	out=$base/e2e
	uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/e2e-init.sh"
	uob_log "booting $UOB_ARM64_KVER with the e2e scenarios"
	start=$(date +%s)
	UOB_E2E_QEMU=$(uob_arm64_qemu) UOB_E2E_CONSOLE=ttyAMA0 UOB_E2E_APPEND=$pg \
		python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_ARM64_IMAGE" "$out/initrd.gz" \
		"$out/console.log" 600 | name | tee "$out/result" || rc=1
	uob_log "$pfx e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"

	run_iommu || rc=1
	return "$rc"
)

# 3. the IOMMU scenarios: an SMMUv3 in front of the PCI host bridge, the
#    stand-in DSP device bound to pci-stub so that it has a group
#    (run_kernel's variables)
run_iommu() {
	local rc=0
	out=$base/iommu
	uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/iommu-init.sh"
	uob_log "booting $UOB_ARM64_KVER on virt,iommu=smmuv3 (the DSP's domain)"
	start=$(date +%s)
	UOB_E2E_QEMU=$(uob_arm64_qemu iommu) UOB_E2E_CONSOLE=ttyAMA0 \
	UOB_E2E_QEMU_ARGS=$UOB_ARM64_IOMMU_QEMU UOB_E2E_APPEND="$UOB_ARM64_IOMMU_APPEND $pg" \
		python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_ARM64_IMAGE" "$out/initrd.gz" \
		"$out/console.log" 600 | name | tee "$out/result" || rc=1
	uob_log "$pfx IOMMU e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"

	# not run is not passed: say which, and why (the guest's own words)
	local skipped
	skipped=$(cat "$base"/{run,e2e,iommu}/result 2>/dev/null | grep -c '^ok - .* # SKIP' || true)
	[ "$skipped" -eq 0 ] || uob_log "$pfx: $skipped scenario group(s) not run: $(cat "$base"/{run,e2e,iommu}/result 2>/dev/null |
		sed -n 's/^ok - \(.*\) # SKIP$/\1/p' | sort -u | paste -sd';')"
	return "$rc"
}

rc=0
for k in "${kernels[@]}"; do
	case $k in stock|16k) ;; *) uob_die "usage: $0 [run|all] [stock|16k...]";; esac
	run_kernel "$k" || rc=1
done
if [ "$rc" -ne 0 ] && [ "$what" = run ]; then
	uob_die "the arm64 session failed (logs: $UOB_CACHE/arm64*/run/console.log)"
fi
exit "$rc"
