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
#                     with the emulator streaming: USB reset, unbind of the
#                     streaming interface, rmmod qc-audio-offload,
#                     hot-unplug.  Each: the play ends by the indication,
#                     nothing left, no DMA remapping fault, usage back, a
#                     new play works; the host judges when the audio
#                     stopped from the recording's size ("host: wavsize").
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
EMU=/sys/kernel/debug/uob-dsp-emu/ctl
# DMA remapping faults (QEMU's VT-d) and SMMUv3 events (6.12: "event 0x10
# received"; newer kernels name them, F_TRANSLATION ...), as iommu-init.sh
dmar_faults() { dmesg | grep -cE 'DMAR: DRHD: handling fault|DMAR: \[DMA|arm-smmu-v3.*(: event 0x|F_[A-Z_]+)'; }
field() { tr ' ' '\n' <$EMU | sed -n "s/^$1=//p"; }
uptime_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }

# play_once N: one play of SECS seconds, checked
play_once() {
	pn=$1
	t0=$(uptime_ms)
	# QEMU's wav backend takes the device's packets at 44.1 kHz (see
	# scripts/dsp-stream.sh): what the device has buffered at the end of
	# a play (about 8% of it) plays out before the disable
	UOB_DSP_PLAYOUT_MS=$((SECS * 100 + 400)) \
		uob-dsp play 0 "$SECS" >/tmp/play$pn.out 2>/tmp/play$pn.err
	pr=$?
	pt=$(( $(uptime_ms) - t0 ))
	sed 's/^/uob-e2e:   /' /tmp/play$pn.err | grep -v '^uob-e2e:   *\(checks\|  \)' | tail -n 8
	line=$(cat /tmp/play$pn.out)
	say "play $pn: $line (${pt} ms of guest time)"
	# (ok_if judges one command: a compound test goes through sh -c)
	ok_if "${P}play $pn ran: exit 0 and one line" \
		sh -c "[ $pr -eq 0 ] && [ $(grep -c . /tmp/play$pn.out) -eq 1 ]"
	frames=$(echo "$line" | sed -n 's/^play: \([0-9]*\) frames, .*/\1/p')
	events=$(echo "$line" | sed -n 's/^play: [0-9]* frames, \([0-9]*\) events, .*/\1/p')
	ended=$(echo "$line" | sed -n 's/.*, ended by \([a-z]*\)$/\1/p')
	frames=${frames:-0} events=${events:-0}
	# SECS * 1000 packets of 1 ms, plus what was queued ahead when the time
	# was up (the emulator's lead, 128) and the client's 100 ms polling;
	# at most 5% short (an emulator that falls behind the virtual clock)
	lo=$((SECS * 950)) hi=$((SECS * 1000 + 128 + 200))
	ok_if "${P}play $pn: $frames frames within [$lo, $hi] for $SECS s" \
		sh -c "[ $frames -ge $lo ] && [ $frames -le $hi ]"
	ok_if "${P}play $pn: $events events (> 0)" [ "$events" -gt 0 ]
	ok_if "${P}play $pn: ended by disable (${ended:-?})" [ "$ended" = disable ]
	say "wav-run: $frames"
	say "emulator: $(cat $EMU)"
	ok_if "${P}play $pn: every queued packet completed" \
		sh -c "[ '$(field completed)' = '$frames' ] && [ '$(field state)' = stopped ]"
	ok_if "${P}play $pn: only our completions, no error event" \
		sh -c "[ '$(field errors)' = 0 ] && [ '$(field bad_events)' = 0 ]"
	ok_if "${P}play $pn: usage back to 0" [ "$(usage_of 1-1)" = 0 ]
	ok_if "${P}play $pn: nothing left (qc-audio-offload idle)" idle
	ok_if "${P}play $pn: no DMA remapping fault" [ "$(dmar_faults)" -eq 0 ]
}

# ---- the stream-end events, streaming ----
. /lib/uob/lifecycle.sh
# the events and their restores (lifecycle.sh has the others)
v_rmmod_qc() { rmmod qc_audio_offload; }
# shellcheck disable=SC2086 # the parameters are words
v_insmod_qc() { insmod /lib/uob/qc-audio-offload.ko allow_local=1 $QC_ARGS; }
v_unplug() { say "host: unplug"; }
v_replug() { say "host: replug"; }
emu_frames() { field frames; }
# (after rmmod qc-audio-offload its state went with it)
v_nothing_left() { [ ! -e $QC_STATE ] || idle; }
# (this play's: the ctl line of the last one stays until a new one starts)
enough_frames() { [ "$(field state)" = running ] && [ "$(emu_frames)" -ge 500 ] 2>/dev/null; }

v_done() { ! kill -0 "$1" 2>/dev/null; }
V_WEDGED=0

# variant TAG NAME TRIGGER RESTORE
variant() {
	vt=$1 vn="$P$2 while streaming"
	if [ "$V_WEDGED" = 1 ]; then
		fail "$vn: not run, an earlier event left the rig hanging"
		return
	fi
	uob_wait_for 300 lc_card_ready || fail "$vn: no card"
	# a lead of 400 packets: a teardown that does not stop the endpoint
	# lets the controller play on for 400 ms
	UOB_DSP_LEAD=400 uob-dsp play 0 60 >/tmp/v.out 2>/tmp/v.err &
	vpid=$!
	if ! uob_wait_for 100 enough_frames; then
		fail "$vn: the emulator is not streaming"
		sed 's/^/uob-e2e:   /' /tmp/v.err | tail -n 8
		kill "$vpid"; wait "$vpid"
		echo abort >$EMU 2>/dev/null
		return
	fi
	d0=$(dmar_faults)
	say "host: wavsize $vt-before"
	t0=$(uptime_ms)
	$3 &
	vtrig=$!
	LC_DSP_PID=$vpid
	lc_wait_client 50; vr=$?
	tv=$(( $(uptime_ms) - t0 ))
	# the event itself must complete: a teardown that wedges the
	# controller leaves it hanging, and the rig with it
	if ! uob_wait_for 150 v_done "$vtrig"; then
		fail "$vn: the event did not complete within 15 s (hung)"
		sed 's/^/uob-e2e:   /' /tmp/v.err | tail -n 4
		dmesg | grep -E 'DMAR|xhci|blocked|uob_dsp_emu' | tail -n 12 |
			sed 's/^/uob-e2e:   dmesg: /'
		V_WEDGED=1
		return
	fi
	sed 's/^/uob-e2e:   /' /tmp/v.err | grep -E 'indication|emulator: state' | tail -n 3
	say "$vt: $(cat /tmp/v.out) (${tv} ms after the event)"
	ok_if "$vn: the play ended by the indication (${tv} ms)" \
		sh -c "[ $vr -eq 0 ] && grep -q 'ended by indication' /tmp/v.out"
	sleep 1
	say "host: wavsize $vt-after1s"
	sleep 1
	say "host: wavsize $vt-after2s"
	ok_if "$vn: nothing left" v_nothing_left
	ok_if "$vn: no DMA remapping fault" [ "$(dmar_faults)" -eq "$d0" ]
	dmesg | grep -E 'DMAR|xhci|HC died|uob_dsp_emu|qc_audio_offload' | tail -n 8 |
		sed 's/^/uob-e2e:   dmesg: /'
	# whatever happened, the emulator touches nothing of it any more
	echo abort >$EMU 2>/dev/null
	$4
	if ! uob_wait_for 300 lc_card_ready; then
		fail "$vn: the card did not come back"
		return
	fi
	ok_if "$vn: usage back to 0" [ "$(usage_of 1-1)" = 0 ]
	uob-dsp play 0 2 >/tmp/v2.out 2>/tmp/v2.err
	ok_if "$vn: a new play works ($(cat /tmp/v2.out))" grep -q 'ended by disable' /tmp/v2.out
}

if [ "${uob_dsp_mode:-plays}" = variants ]; then
	variant reset "USB reset (USBDEVFS_RESET)" lc_usbreset lc_nothing
	variant unbind "unbind of the streaming interface" lc_unbind_stream_intf lc_rebind_card
	variant rmmod "rmmod qc-audio-offload" v_rmmod_qc v_insmod_qc
	variant unplug "hot-unplug" v_unplug v_replug
else
	play_once 1
	play_once 2
fi
say "guest time: $(uptime_ms) ms since boot"
log_clean "${P}kernel log clean (no DMA remapping faults)" \
	"DMAR: DRHD: handling fault|arm-smmu-v3.*(: event 0x[0-9a-f]* received|F_[A-Z_]+)"
say "done"
poweroff -f
