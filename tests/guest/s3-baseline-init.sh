#!/bin/sh
# /init of the S3 baseline guest (scripts/e2e-debug.sh --s3-baseline): the
# debug kernel with Debian's modules only, none of ours.  Each cycle opens the USB audio
# PCM through plain ALSA (HW_PARAMS + PREPARE, as a session does) and then
# sleeps (S3, woken by the host), so xhci-hcd reinitialises the controller
# on resume.  What the kernel reports here is not ours.
. /lib/uob/guest-lib.sh
. /lib/uob/lifecycle.sh
uob_load_stock
uob_wait_for 300 uob_have_card || fail "card: no USB-Audio card"
n=${uob_n:-20}
# the device's reset-resume, where QEMU's stray write happens
# (lifecycle.sh, lc_sleep_persist); uob_persist=0: re-enumerated instead
LC_PERSIST=${uob_persist:-1}
i=1
while [ "$i" -le "$n" ]; do
	uob-alsa-floor 0 3 >/dev/null 2>&1 || say "cycle $i: ALSA open failed"
	lc_s3
	sleep 1
	i=$((i + 1))
done
ok_if "no module of ours was loaded" sh -c '! grep -q "usb_offload\|xhci_sideband\|qc_audio_offload" /proc/modules'
say "S3: $(dmesg | grep -c 'Reinit') controller reinit(s) on resume in $n cycles"
log_clean "kernel log clean"
say "done"
poweroff -f
