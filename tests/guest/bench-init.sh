#!/bin/sh
# /init of the bench guest: the QMI round trip from the DSP client next to
# its floor (the same HW_PARAMS + PREPARE through plain ALSA), same guest.
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /tmp && mount -t tmpfs tmp /tmp
while read -r m; do insmod "/lib/uob/$m" 2>/dev/null; done </lib/uob/stock.list
insmod /lib/uob/usb-offload.ko
insmod /lib/uob/xhci-sideband.ko
insmod /lib/uob/qc-audio-offload.ko allow_local=1
i=0
while [ $i -lt 300 ] && ! grep -qs USB-Audio /proc/asound/cards; do sleep 0.1; i=$((i + 1)); done
N=${UOB_BENCH_N:-200}
uob-alsa-floor 0 $N 2>&1 | sed 's/^/uob-bench: /'
uob-dsp bench 0 $N 2>&1 | grep '^bench:' | sed 's/^/uob-bench: /'
echo "uob-bench: done"
poweroff -f
