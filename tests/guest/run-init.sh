#!/bin/sh
# /init of the `make run` guest (stock Debian 6.12.111 kernel, busybox).
. /lib/uob/guest-lib.sh

say() { echo "uob-run: $*"; }

say "kernel $(uname -r)"
uob_load_stock

# wait (bounded) for the usb-audio device to enumerate and get a sound card
i=0
while [ $i -lt 300 ] && ! grep -qs USB-Audio /proc/asound/cards; do
	sleep 0.1; i=$((i + 1))
done
for d in /sys/bus/usb/devices/*; do
	[ -f "$d/idVendor" ] || continue
	say "usb $(basename "$d"): $(cat "$d/idVendor"):$(cat "$d/idProduct") $(cat "$d/product" 2>/dev/null) speed=$(cat "$d/speed")"
done
say "sound cards:"
sed 's/^/uob-run:   /' /proc/asound/cards

insmod /lib/uob/usb-offload.ko && say "usb-offload loaded: version $(cat /sys/module/usb_offload/version)"
say "offload state (debugfs usb-offload-backport/offload):"
sed 's/^/uob-run:   /' /sys/kernel/debug/usb-offload-backport/offload

insmod /lib/uob/xhci-sideband.ko && say "xhci-sideband loaded: version $(cat /sys/module/xhci_sideband/version)"
say "sideband registry (debugfs usb-offload-backport/sideband): $(wc -l </sys/kernel/debug/usb-offload-backport/sideband) sideband(s)"
sed 's/^/uob-run:   /' /sys/kernel/debug/usb-offload-backport/sideband

# the DSP client runs on the guest's own QRTR node: allow local clients
insmod /lib/uob/qc-audio-offload.ko allow_local=1 &&
	say "qc-audio-offload loaded: version $(cat /sys/module/qc_audio_offload/version) (allow_local=1)"
say "qrtr-lookup:"
qrtr-lookup 2>&1 | sed 's/^/uob-run:   /'
say "offload usage before: $(grep '^1-1 ' /sys/kernel/debug/usb-offload-backport/offload | grep -o 'usage=[0-9]*')"
say "--- DSP client session (uob-dsp session 0) ---"
uob-dsp session 0 2>&1 | sed 's/^/uob-run: /'
say "--- end of session ---"
say "offload usage after: $(grep '^1-1 ' /sys/kernel/debug/usb-offload-backport/offload | grep -o 'usage=[0-9]*')"
say "QMI service state (debugfs usb-offload-backport/qc-audio-offload/state):"
sed 's/^/uob-run:   /' /sys/kernel/debug/usb-offload-backport/qc-audio-offload/state
dmesg | grep -E "qc_audio_offload|usb_offload|xhci_sideband" | sed 's/^\[[^]]*\] /uob-run: kernel: /' 

rmmod qc_audio_offload && say "qc-audio-offload unloaded"
rmmod xhci_sideband && say "xhci-sideband unloaded"
rmmod usb_offload && say "usb-offload unloaded"
say "done"
poweroff -f
