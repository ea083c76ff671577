#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: figures, reported (not asserted): QMI enable/disable round
# trip (median, p99 over N cycles) next to its floor in the same guest;
# usb_offload_get/put against a bare lock+counter (same KUnit run); DKMS
# build time; module sizes.  Prints a table and writes bench/RESULTS.md.
set -euo pipefail
UOB_STEP=bench
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

n=${UOB_BENCH_N:-200}
"$UOB_TOP/scripts/provision.sh"

"$UOB_TOP/scripts/dkms-build.sh" "$UOB_REF_KVER"
dkms_s=$(cat "$UOB_CACHE/dkms/build-seconds")
ko=$UOB_CACHE/dkms/ko

out=$UOB_CACHE/bench
sed "s/\${UOB_BENCH_N:-200}/$n/" "$UOB_TOP/tests/guest/bench-init.sh" >"$out.init" 2>/dev/null ||
	{ mkdir -p "$out"; sed "s/\${UOB_BENCH_N:-200}/$n/" "$UOB_TOP/tests/guest/bench-init.sh" >"$out.init"; }
uob_guest_rig "$out" "$out.init" "$ko"
uob_log "guest: $n enable/disable cycles and $n plain-ALSA cycles"
uob_guest_boot "$out/initrd.gz" "$out/console.log" 900 || true
grep -aq 'uob-bench: done' "$out/console.log" || uob_die "bench guest did not finish ($out/console.log)"
guest=$(grep -a 'uob-bench: bench:' "$out/console.log" | sed 's/^.*uob-bench: bench: //')

uob_log "guest with QEMU's VT-d: $n enable/disable cycles, regions mapped into the DSP's domain"
UOB_GUEST_IOMMU=1 uob_guest_boot "$out/initrd.gz" "$out/console-iommu.log" 900 || true
grep -aq 'bench-iommu: DSP domain in use' "$out/console-iommu.log" ||
	uob_die "VT-d bench guest did not map through a domain ($out/console-iommu.log)"
iommu=$(grep -a 'uob-bench: bench-iommu:' "$out/console-iommu.log" | grep -v 'DSP domain' |
	sed 's/^.*uob-bench: bench-iommu: //')

"$UOB_TOP/scripts/kunit.sh" >"$out/kunit.log" 2>&1 || uob_die "make kunit failed ($out/kunit.log)"
getput=$(grep -a 'uob-bench: get+put' "$UOB_CACHE/kunit-build-$UOB_REF_UPSTREAM/test.log" |
	 sed 's/^.*uob-bench: //')

sizes=$(cd "$ko" && size -d *.ko | awk 'NR > 1 { printf "| %s | %d | %d | %d | %d |\n", $6, $1, $2, $3, $4 }')
med() { echo "$guest" | grep "$1" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p'; }
ratio_en=$(awk -v a="$(med 'QMI enable')" -v b="$(med 'HW_PARAMS+PREPARE')" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }')
ratio_dis=$(awk -v a="$(med 'QMI disable')" -v b="$(med 'HW_FREE+close')" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }')

mkdir -p "$UOB_TOP/bench"
{
	echo "# usb-offload-backport benchmark results"
	echo
	echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- kernel: Debian $UOB_REF_KVER (stock image) in QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}') (TCG, 2 vCPUs, no KVM) with qemu-xhci + usb-audio; KUnit figures from the lockdep+KASAN KUnit kernel"
	echo "- command: \`make bench\` (UOB_BENCH_N=$n)"
	echo "- host: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB"
	echo
	echo "## QMI stream round trip, seen by the DSP client, and its floor"
	echo
	echo '```'
	echo "$guest"
	echo '```'
	echo
	echo "Overhead against the floor (medians): enable/(open+HW_PARAMS+PREPARE) = $ratio_en, disable/(HW_FREE+close) = $ratio_dis."
	echo "The enable does the floor's work (through the kernel PCM API) plus sideband, interrupter, rings, buffer and the QMI round trip."
	echo "A ratio below 1 is possible: the userspace floor pays for alsa-lib (device-name parsing at open, its own HW_REFINE loop of several ioctls),"
	echo "while the kernel path issues one HW_PARAMS and one PREPARE on an already known substream."
	echo
	echo "## The same round trip with an IOMMU domain for the DSP"
	echo
	echo "Second boot of the same guest with QEMU's Intel VT-d (intel_iommu=on iommu.strict=1; the controller's"
	echo "DMA translated too) and iommu_dev=pci:0000:00:10.0: every enable maps the event ring, the data ring and the"
	echo "transfer buffer into that domain, every disable unmaps them (strict mode: with an IOTLB flush)."
	echo
	echo '```'
	echo "$iommu"
	echo '```'
	echo
	echo "## usb_offload_get/put against a bare lock+counter (same KUnit run)"
	echo
	echo "    $getput"
	echo
	echo "## DKMS"
	echo
	echo "- \`dkms build\` of the three modules (staging tree): $dkms_s s"
	echo
	echo "| module | text | data | bss | total (bytes) |"
	echo "|---|---|---|---|---|"
	echo "$sizes"
} >"$UOB_TOP/bench/RESULTS.md"
cat "$UOB_TOP/bench/RESULTS.md"
