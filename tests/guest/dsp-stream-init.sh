#!/bin/sh
# /init of the dsp-stream guest (scripts/dsp-stream.sh): Debian's stock
# 6.12.111 kernel, our modules and the emulated DSP (tests/dsp-emu), which
# streams through what the QMI enable response hands over while QEMU's
# usb-audio records it into a wav on the host.  Two plays, each checked;
# "uob-e2e: wav-run: N" tells the host how many packets each play queued
# (the host checks the wav against them).
#   uob_dsp_iommu=1   the VT-d guest: the DSP's domain is the spare PCI
#                     device's (iommu_dev=pci:0000:00:10.0 sid=7)
#   uob_play_s=S      seconds per play (default 6)
#   uob_dsp_mode=variants   instead of the two plays, the stream-end events
#                     with the emulator streaming (tests/guest/dsp-stream-
#                     lib.sh): USB reset, unbind of the streaming
#                     interface, rmmod qc-audio-offload, hot-unplug,
#                     authorized=0, unbind of the whole device, rmmod
#                     snd-usb-audio, controller removal, S3, s2idle and
#                     hibernation (pm_test).  Each: the play ends by the
#                     indication, nothing left, no DMA remapping fault or
#                     kernel report, usage back, a new play works; the
#                     host judges when the audio stopped from the
#                     recording's size ("host: wavsize").
#   uob_dsp_mode=debug      the debug kernel (scripts/e2e-debug.sh): the
#                     first four events, then one checked play
. /lib/uob/guest-lib.sh

SECS=${uob_play_s:-6}
P=
QC_ARGS=
uob_load_stock
if [ "${uob_dsp_iommu:-0}" = 1 ]; then
	P="IOMMU: "
	QC_ARGS="iommu_dev=pci:0000:00:10.0 sid=7"
	# arm64 (SMMUv3, scripts/arm64-e2e.sh): the stand-in joins its group
	# when a driver binds, as in iommu-init.sh
	if [ -n "${uob_dsp_driver:-}" ]; then
		echo "$uob_dsp_driver" >/sys/bus/pci/devices/0000:00:10.0/driver_override
		echo 0000:00:10.0 >/sys/bus/pci/drivers_probe
	fi
fi
# shellcheck disable=SC2086 # the parameters are words
uob_load_ours $QC_ARGS
ok_if "${P}the emulated DSP loads with no parameters" insmod /lib/uob/uob-dsp-emu.ko
uob_wait_for 300 uob_have_card || fail "${P}card: no USB-Audio card"
. /lib/uob/lifecycle.sh
. /lib/uob/dsp-stream-lib.sh

if [ "${uob_dsp_mode:-plays}" = variants ]; then
	dsp_variants_usb
	dsp_variants_more
	dsp_variants_sleep
elif [ "${uob_dsp_mode:-plays}" = debug ]; then
	# the checked play last: a hot-unplug (the last of these) starts a
	# new recording, which then holds the play after it and this one
	dsp_variant_hcremove
	dsp_variants_usb
	play_once 1
else
	# play 2 starts on the share play 1 leaves idle (idle_ms long enough
	# here that the guest's pace cannot matter), its event ring's consumer
	# going on where play 1's left it
	echo 10000 >/sys/module/qc_audio_offload/parameters/idle_ms
	play_once 1 kept
	echo 1000 >/sys/module/qc_audio_offload/parameters/idle_ms
	play_once 2
fi
say "guest time: $(uptime_ms) ms since boot"
log_clean "${P}kernel log clean (no DMA remapping faults)" \
	"DMAR: DRHD: handling fault|arm-smmu-v3.*(: event 0x[0-9a-f]* received|F_[A-Z_]+)"
say "done"
poweroff -f
