# Sourced by every guest /init (installed as /lib/uob/guest-lib.sh).
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /tmp && mount -t tmpfs tmp /tmp

# Debian's stock modules, in dependency order
uob_load_stock() {
	while read -r m; do insmod "/lib/uob/$m" 2>/dev/null; done </lib/uob/stock.list
}

# ours; the DSP client runs on the guest's own QRTR node: allow_local=1;
# arguments are more qc-audio-offload parameters
uob_load_ours() {
	insmod /lib/uob/usb-offload.ko && insmod /lib/uob/xhci-sideband.ko &&
		insmod /lib/uob/qc-audio-offload.ko allow_local=1 "$@"
}

uob_wait_for() {	# uob_wait_for TENTHS CMD...
	n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
uob_have_card() { grep -qs USB-Audio /proc/asound/cards; }
