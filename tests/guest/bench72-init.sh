#!/bin/sh
# /init of make bench's 7.2 guests (scripts/bench-7.2.sh): the parity
# kernel with mainline's snd-usb-audio-qmi and the q6usb stand-in
# (uob_impl=mainline) or our three modules (uob_impl=ours), both with the
# DSP's IOMMU domain = the spare pci-testdev's (VT-d), stream ID 7.  In both:
#  - tests/bench-mod/uob-bench.ko on device 1-1 (our usb_offload_get/put
#    next to usbcore's own, power/control on, then auto); our usb-offload
#    is loaded for it in the mainline boot too (it owns no QMI service);
#  - uob_bench_n QMI enable/disable round trips (uob-dsp bench).
# Every figure is a "uob-bench: ..." line on the console.
. /lib/uob/guest-lib.sh

impl=${uob_impl:-ours}
N=${uob_bench_n:-1000}
uob_load_stock
if [ "$impl" = mainline ]; then
	insmod /lib/uob/q6usb-standin.ko iommu_dev=0000:00:10.0 sid=7 &&
		insmod /lib/uob/snd-usb-audio-qmi.ko &&
		insmod /lib/uob/usb-offload.ko ||
		echo "uob-bench: $impl: loading failed"
else
	uob_load_ours iommu_dev=pci:0000:00:10.0 sid=7 ||
		echo "uob-bench: $impl: loading failed"
fi
uob_wait_for 300 uob_have_card || echo "uob-bench: $impl: no USB-Audio card"
echo "uob-bench: $impl: kernel $(uname -r), clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"

uob_bench_getput

uob-dsp bench 0 "$N" 2>&1 | grep '^bench' | sed 's/^/uob-bench: /'
echo "uob-bench: done"
poweroff -f
