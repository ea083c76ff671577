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
. /lib/uob/guest-lib.sh

SECS=${uob_play_s:-6}
P=
uob_load_stock
if [ "${uob_dsp_iommu:-0}" = 1 ]; then
	P="IOMMU: "
	uob_load_ours iommu_dev=pci:0000:00:10.0 sid=7
else
	uob_load_ours
fi
ok_if "${P}the emulated DSP loads with no parameters" insmod /lib/uob/uob-dsp-emu.ko
uob_wait_for 300 uob_have_card || fail "${P}card: no USB-Audio card"
EMU=/sys/kernel/debug/uob-dsp-emu/ctl
# DMA remapping faults (QEMU's VT-d) and SMMUv3 events, as iommu-init.sh
dmar_faults() { dmesg | grep -cE 'DMAR: DRHD: handling fault|DMAR: \[DMA|arm-smmu-v3.*: event 0x'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" $EMU; }
uptime_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }

# play_once N: one play of SECS seconds, checked
play_once() {
	pn=$1
	t0=$(uptime_ms)
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

play_once 1
play_once 2
say "guest time: $(uptime_ms) ms since boot"
log_clean "${P}kernel log clean (no DMA remapping faults)" \
	"DMAR: DRHD: handling fault|arm-smmu-v3.*: event 0x[0-9a-f]* received"
say "done"
poweroff -f
