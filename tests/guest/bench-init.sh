#!/bin/sh
# /init of the bench guest (parameters on the kernel command line, from
# scripts/bench.sh: uob_bench_n, uob_bench_pairs, uob_bench_rounds):
#  - usb_offload_get/put against the seed's work, mainline's sequence and
#    the bare floors (tests/bench-mod/uob-bench.ko, on device 1-1 with
#    power/control=on, then auto);
#  - the QMI round trip from the DSP client next to its floor (the same
#    HW_PARAMS + PREPARE through plain ALSA), same guest, N cycles each.
. /lib/uob/guest-lib.sh
uob_load_stock
N=${uob_bench_n:-1000}
if grep -q intel_iommu=on /proc/cmdline; then
	# the same round trip with every region mapped into the DSP's domain
	uob_load_ours iommu_dev=pci:0000:00:10.0
	uob_wait_for 300 uob_have_card
	uob-dsp bench 0 $N 2>&1 | grep '^bench:' | sed 's/^bench:/uob-bench: bench-iommu:/'
	grep -q "domain=yes" /sys/kernel/debug/usb-offload-backport/qc-audio-offload/state &&
		echo "uob-bench: bench-iommu: DSP domain in use"
	echo "uob-bench: done"
	poweroff -f
fi
uob_load_ours
uob_wait_for 300 uob_have_card
uob_bench_getput
uob-alsa-floor 0 $N 2>&1 | sed 's/^/uob-bench: /'
uob-dsp bench 0 $N 2>&1 | grep '^bench:' | sed 's/^/uob-bench: /'
echo "uob-bench: done"
poweroff -f
