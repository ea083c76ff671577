# shellcheck shell=dash
# Sourced by the guests that stream with the emulated DSP (installed as
# /lib/uob/dsp-stream-lib.sh, after guest-lib.sh and lifecycle.sh): the
# checked play and the stream-end events while the emulator streams
# (docs/testing.md "The emulated DSP that streams").  Interface, kept
# stable for every guest that calls it (x86 plain, VT-d, debug; arm64):
#   P           prefix of every result name (e.g. "IOMMU: "), may be empty
#   QC_ARGS     qc-audio-offload's parameters (v_insmod_qc reloads with them)
#   SECS        seconds of a checked play (default 6)
#   play_once N            one checked play of SECS s; says "wav-run: F"
#   variant TAG NAME TRIGGER RESTORE [BOUND]
#                          one event while streaming (BOUND: tenths of a
#                          second for the indication, default 50)
#   dsp_variants_usb       USB reset, streaming-interface unbind, rmmod
#                          qc-audio-offload, hot-unplug
#   dsp_variants_more      authorized=0, unbind of the whole device, rmmod
#                          snd-usb-audio, controller removal
#   dsp_variants_sleep     S3 (where the rig has it), s2idle and
#                          hibernation at pm_test levels
# The host judges when the audio stopped from the recording's size at the
# "host: wavsize TAG-before|told|after1s|after2s" lines (before the event,
# once the client got the indication, 1 and 2 s later:
# uob_dsp_audio_stopped, scripts/guest.sh).  "new-play: TAG FRAMES": the
# packets of the play after each event.

SECS=${SECS:-6}
P=${P:-}
QC_ARGS=${QC_ARGS:-}
EMU=/sys/kernel/debug/uob-dsp-emu/ctl
# DMA remapping faults (QEMU's VT-d) and SMMUv3 events, as iommu-init.sh
# (6.12: "event 0x10 received"; newer kernels name them, F_TRANSLATION ...)
dmar_faults() { dmesg | grep -cE 'DMAR: DRHD: handling fault|DMAR: \[DMA|arm-smmu-v3.*(: event 0x|F_[A-Z_]+)'; }
# any kernel report: KASAN, SLUB poison/redzone, WARN, BUG, ... (lib.sh)
v_reports() { dmesg | grep -cE "$UOB_REPORTS"; }
field() { tr ' ' '\n' <$EMU | sed -n "s/^$1=//p"; }
uptime_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }

# play_once N [kept]: one play of SECS seconds, checked; kept: the next
# play starts within qc-audio-offload's idle_ms, on the share left idle
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
	if [ "${2:-}" = kept ]; then
		# the next play starts on the device's share kept idle: the same
		# interrupter, its event ring where this play's consumer left it,
		# and this play's transfer buffer as its spare
		ok_if "${P}play $pn: only the device's idle share left" sh -c \
			"grep -q 'counters: streams=0 devs=1 .* xfer_bufs=1 ' $QC_STATE && grep -q '^device 1-1 .* spare_xfer_iova=.* spare_xfer_size=[0-9]* idle' $QC_STATE"
		ok_if "${P}play $pn: usage 1 while the share is idle" [ "$(usage_of 1-1)" = 1 ]
	else
		# idle waits for the share qc-audio-offload keeps idle_ms after the disable
		ok_if "${P}play $pn: nothing left (qc-audio-offload idle)" idle
		ok_if "${P}play $pn: usage back to 0" [ "$(usage_of 1-1)" = 0 ]
	fi
	ok_if "${P}play $pn: no DMA remapping fault" [ "$(dmar_faults)" -eq 0 ]
}

# ---- the stream-end events, streaming ----
# the events and their restores (lifecycle.sh has the others)
v_rmmod_qc() { rmmod qc_audio_offload; }
# shellcheck disable=SC2086 # the parameters are words
v_insmod_qc() { insmod /lib/uob/qc-audio-offload.ko allow_local=1 $QC_ARGS; }
v_unplug() { say "host: unplug"; }
v_replug() { say "host: replug"; }
v_modprobe_snd() {
	# snd-usb-audio's own dependencies stayed loaded: only it comes back
	insmod /lib/uob/snd-usb-audio.ko
}
# v_pm_test LEVEL STATE: a system sleep (STATE: freeze, disk) to
# pm_test's LEVEL, then back after 5 s; returns whether the sleep itself
# succeeded.  s2idle to "devices", as lifecycle.sh's (nothing wakes it
# here); hibernation to "platform": the PM notifiers, the freezer, every
# device's freeze and the platform's pre-snapshot (no image is written:
# the rig has no swap).
v_pm_test() {
	lc_sleep_persist
	echo "$1" >/sys/power/pm_test || return 1
	vs=0
	echo "$2" >/sys/power/state || vs=1
	echo none >/sys/power/pm_test
	return "$vs"
}
# S3: the host wakes the guest (system_wakeup) once QEMU says it is
# suspended (tests/e2e/e2e.py)
v_s3() {
	lc_sleep_persist
	say "host: wake"
	echo mem >/sys/power/state
}
emu_frames() { field frames; }
# transfer buffers qc-audio-offload's teardown left to a controller being
# removed (since load; none may stay on its list: on PCI the controller's
# devres frees them, elsewhere its unbind), and the sideband's line for an
# interrupter it left to such a controller
host_kept() { sed -n 's/.* kept_since_load=\([0-9]*\).*/\1/p' $QC_STATE; }
V_IR_LEFT='interrupter [0-9]* left to the controller being removed'
v_left_to_host() {
	[ "$(host_kept)" -gt "$1" ] && grep -q ' kept_bufs=0 ' $QC_STATE &&
		[ "$(dmesg | grep -c "$V_IR_LEFT")" -gt "$2" ]
}
# nothing of the stream: no stream, device, mapping or buffer, none parked
# (after rmmod qc-audio-offload its state went with it)
v_nothing_left() {
	[ ! -e $QC_STATE ] || { idle && ! grep -q parked $QC_STATE; }
}
# (this play's: the ctl line of the last one stays until a new one starts)
enough_frames() { [ "$(field state)" = running ] && [ "$(emu_frames)" -ge 500 ] 2>/dev/null; }

v_done() { ! kill -0 "$1" 2>/dev/null; }
V_WEDGED=0

# variant TAG NAME TRIGGER RESTORE [BOUND]: TRIGGER ends the stream while
# the emulator streams with 400 packets queued; BOUND (tenths of a second,
# default 50) for the indication, the event itself completes within 15 s
# or BOUND, whichever is longer.  Then RESTORE, and the checks.
variant() {
	vt=$1 vn="$P$2 while streaming" vb=${5:-50}
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
	d0=$(dmar_faults) r0=$(v_reports)
	say "host: wavsize $vt-before"
	t0=$(uptime_ms)
	$3 &
	vtrig=$!
	LC_DSP_PID=$vpid
	lc_wait_client "$vb"; vr=$?
	tv=$(( $(uptime_ms) - t0 ))
	say "host: wavsize $vt-told"
	# the event itself must complete: a teardown that wedges the
	# controller leaves it hanging, and the rig with it
	if ! uob_wait_for $((vb > 150 ? vb : 150)) v_done "$vtrig"; then
		fail "$vn: the event did not complete within $(( (vb > 150 ? vb : 150) / 10 )) s (hung)"
		sed 's/^/uob-e2e:   /' /tmp/v.err | tail -n 4
		dmesg | grep -E 'DMAR|xhci|blocked|uob_dsp_emu' | tail -n 12 |
			sed 's/^/uob-e2e:   dmesg: /'
		V_WEDGED=1
		return
	fi
	wait "$vtrig"
	vte=$?
	sed 's/^/uob-e2e:   /' /tmp/v.err | grep -E 'indication|emulator: state' | tail -n 3
	say "$vt: $(cat /tmp/v.out) (${tv} ms after the event)"
	ok_if "$vn: the event itself succeeded" [ "$vte" -eq 0 ]
	ok_if "$vn: the play ended by the indication (${tv} ms)" \
		sh -c "[ $vr -eq 0 ] && grep -q 'ended by indication' /tmp/v.out"
	sleep 1
	say "host: wavsize $vt-after1s"
	sleep 1
	say "host: wavsize $vt-after2s"
	# a parked stream is released once usbcore dropped its endpoint
	uob_wait_for 20 v_nothing_left
	if v_nothing_left && [ "$(field state)" != running ]; then
		pass "$vn: nothing left (none parked, emulator $(field state))"
	else
		fail "$vn: nothing left (none parked, emulator $(field state))"
		sed 's/^/uob-e2e:   /' $QC_STATE 2>/dev/null
	fi
	ok_if "$vn: no DMA remapping fault" [ "$(dmar_faults)" -eq "$d0" ]
	if [ "$(v_reports)" -eq "$r0" ]; then
		pass "$vn: no kernel report (KASAN, slab poison, WARN, BUG)"
	else
		fail "$vn: no kernel report (KASAN, slab poison, WARN, BUG)"
		dmesg | grep -E "$UOB_REPORTS" | tail -n 4 | sed 's/^/uob-e2e:   dmesg: /'
	fi
	dmesg | grep -E 'DMAR|xhci|HC died|uob_dsp_emu|qc_audio_offload' | tail -n 8 |
		sed 's/^/uob-e2e:   dmesg: /'
	# whatever happened, the emulator touches nothing of it any more
	echo abort >$EMU 2>/dev/null
	$4
	if ! uob_wait_for 300 lc_card_ready; then
		fail "$vn: the card did not come back"
		return
	fi
	# a system sleep's stop puts the usage inside usb-offload's at-suspend
	# window: refused, kept, and put just after resume (usage.c)
	uob_wait_for 30 lc_usage_is 0
	ok_if "$vn: usage back to 0" [ "$(usage_of 1-1)" = 0 ]
	uob-dsp play 0 1 >/tmp/v2.out 2>/tmp/v2.err
	ok_if "$vn: a new play works ($(cat /tmp/v2.out))" grep -q 'ended by disable' /tmp/v2.out
	# (a whole run in the recording: after a hot-unplug QEMU's wav
	# backend starts a new file, which begins with this play)
	say "new-play: $vt $(sed -n 's/^play: \([0-9]*\) frames, .*/\1/p' /tmp/v2.out)"
}

dsp_variants_usb() {
	variant reset "USB reset (USBDEVFS_RESET)" lc_usbreset lc_nothing
	variant unbind "unbind of the streaming interface" lc_unbind_stream_intf lc_rebind_card
	variant rmmod "rmmod qc-audio-offload" v_rmmod_qc v_insmod_qc
	variant unplug "hot-unplug" v_unplug v_replug
}

dsp_variants_more() {
	variant authorized "authorized=0" lc_deauthorize lc_authorize
	variant devunbind "unbind of the whole device (1-1 from usb)" \
		lc_unbind_device lc_bind_device
	variant rmmodsnd "rmmod snd-usb-audio" lc_rmmod_snd v_modprobe_snd
	dsp_variant_hcremove
}

# While a controller is being removed, 6.12's xhci refuses the endpoint
# drop (xhci_check_bandwidth(): -ENODEV in XHCI_STATE_REMOVING) and runs
# the TRBs the DSP queued until it halts: the transfer buffer and the event
# ring must outlive our teardown (the arm64 SMMUv3 guests faulted on it,
# "event 0x10").
dsp_variant_hcremove() {
	k0=$(host_kept) i0=$(dmesg | grep -c "$V_IR_LEFT")
	variant hcremove "controller removal (PCI remove)" lc_remove_controller lc_rescan
	ok_if "${P}controller removal while streaming: buffer and interrupter left to the controller, none kept after" \
		v_left_to_host "$k0" "$i0"
}

dsp_variants_sleep() {
	if lc_can_s3; then
		variant s3 "S3" v_s3 lc_nothing 600
	else
		say "SKIP ${P}S3 while streaming: no S3 on this machine ($(cat /sys/power/mem_sleep 2>/dev/null))"
	fi
	variant s2idle "s2idle (pm_test=devices)" "v_pm_test devices freeze" lc_nothing 200
	variant hibernate "hibernation (pm_test=platform)" "v_pm_test platform disk" lc_nothing 200
}
