#!/bin/sh
# /init of the remote-DSP guest (make e2e, third boot; scripts/e2e.sh):
# Debian's stock 6.12.111, our modules, and the DSP as a REMOTE QRTR node
# (uob-tun-dsp on /dev/qrtr-tun; the kernel's net/qrtr/tun.c built as a
# test-only module, tests/qrtr-tun/build.sh).  QRTR flow-controls remote
# nodes only: 6.12's qrtr_tx_wait() sleeps once 10 data packets to a
# remote port are unconfirmed, whatever the send flags (SPEC section 7).
#
# Each scenario starts a stream from the remote DSP, which then fills the
# kernel's tx window to it and stops reading ("stuck"), and drives one
# event that must tell the DSP (DISCONNECT) and end the stream.  Asserted:
#   - the event completes within a bound (uob_tun_bound=5 s; sleep:
#     uob_tun_sleep_bound=30 s, wall clock), with an unrelated PCM open
#     (snd-dummy's card 7, through alsa-lib), ALSA's PCM list and another
#     (local) QMI client's request each done within the same bound
#     meanwhile (userspace is frozen while the system sleeps); if not,
#     the tasks in QRTR's send path or in D state are named with their
#     stacks,
#   - the DISCONNECT that could not be sent is dropped and counted (debugfs
#     qmi ind_dropped), the teardown ran once in < 1 s, nothing is left,
#     usage is back to 0, the DSP is answered again once it reads, and a
#     new session works.
# uob_tun_hold=S keeps a DSP that something waits on stuck S seconds
# longer, for the hung-task detector (hung_task_timeout_secs=20).
. /lib/uob/guest-lib.sh
. /lib/uob/lifecycle.sh

uob_load_stock
insmod /lib/uob/qrtr-tun.ko || fail "qrtr-tun: the test-only module does not load"
# an unrelated card, at index 7 (the USB card stays card 0)
insmod /lib/uob/snd-dummy.ko index=7 || fail "snd-dummy: does not load"
uob_load_ours
uob_wait_for 300 lc_card_ready || fail "card: no USB-Audio card"

TUN_BOUND=${uob_tun_bound:-5}
TUN_SLEEP_BOUND=${uob_tun_sleep_bound:-30}
TUN_HOLD=${uob_tun_hold:-0}
QMI=$DBG/qc-audio-offload/qmi
qmi_cnt() { awk -v k="$1" '$1 == k { print $2 }' $QMI; }
# a process that has not exited (a zombie has)
alive() { [ -r "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat"; }
tun_wait_gone() {	# PID TENTHS (of wall-clock time)
	tw_end=$(( $(lc_uptime_ms) + $2 * 100 ))
	while alive "$1" && [ "$(lc_uptime_ms)" -lt "$tw_end" ]; do sleep 0.1; done
	! alive "$1"
}
# every task in QRTR's send path (qrtr_tx_wait() is inlined there) or in
# D state, with its kernel stack
tun_blocked() {
	tb_any=0
	for tb_s in /proc/[0-9]*/stack; do
		tb_d=${tb_s%/stack}
		grep -qs 'qrtr_' "$tb_s" || grep -qs '^[0-9]* ([^)]*) D ' "$tb_d/stat" || continue
		tb_any=1
		say "  blocked: pid ${tb_d#/proc/} ($(cat "$tb_d/comm" 2>/dev/null)): $(sed 's/^\[<[0-9a-f]*>\] //; s/+0x.*//' "$tb_s" | tr '\n' ' ')"
	done
	[ $tb_any = 1 ] || say "  no task in QRTR's send path or in D state"
}

# 1. a well-behaved remote DSP: more than a window of responses, every
#    confirm_rx answered with RESUME_TX
uob-tun-dsp session 0 10 >/tmp/tun-s.log 2>&1; r=$?
sed 's/^/uob-e2e:   /' /tmp/tun-s.log
ok_if "remote DSP (qrtr-tun node 5): 10 enable/disable cycles, flow control confirmed" [ $r -eq 0 ]
# (after qc-audio-offload's idle_ms: the device's share is kept that long)
uob_wait_for 30 lc_usage_is 0
ok_if "remote DSP: usage back to 0" [ "$(usage_of 1-1)" = 0 ]
uob_wait_for 50 grep -q "client: none" $QC_STATE

# tun_unrelated NAME BOUND_S: meanwhile, an unrelated PCM open, ALSA's PCM
# list and another QMI client, each within BOUND_S (5 s; a sleep's bound
# while the system sleeps: userspace is frozen until the resume)
tun_unrelated() {
	tu_t0=$(lc_uptime_ms)
	uob-alsa-floor 7 1 >/tmp/tun-pcm.log 2>&1 &
	tu_p=$!
	if tun_wait_gone $tu_p $(($2 * 10)) && wait $tu_p; then
		pass "$1: unrelated PCM open (hw:7,0) in $(( $(lc_uptime_ms) - tu_t0 )) ms (bound $2 s)"
	else
		fail "$1: unrelated PCM open (hw:7,0) not done within $2 s"
		sed 's/^/uob-e2e:   /' /tmp/tun-pcm.log
	fi
	tu_t0=$(lc_uptime_ms)
	cat /proc/asound/pcm >/dev/null &
	tu_p=$!
	if tun_wait_gone $tu_p $(($2 * 10)) && wait $tu_p; then
		pass "$1: /proc/asound/pcm read in $(( $(lc_uptime_ms) - tu_t0 )) ms (bound $2 s)"
	else
		fail "$1: /proc/asound/pcm not read within $2 s"
	fi
	# and the service still answers another (local) client
	tu_t0=$(lc_uptime_ms)
	uob-dsp malformed >/tmp/tun-q.log 2>&1 &
	tu_p=$!
	if tun_wait_gone $tu_p $(($2 * 10)) && wait $tu_p; then
		pass "$1: another QMI client answered in $(( $(lc_uptime_ms) - tu_t0 )) ms (bound $2 s)"
	else
		fail "$1: another QMI client not answered within $2 s"
		sed 's/^/uob-e2e:   /' /tmp/tun-q.log
	fi
}

tun_dropped_moved() { [ "$(qmi_cnt ind_dropped)" != "$te_d0" ]; }
tun_dropped_one() { [ -n "$te_d0" ] && [ "$te_d1" = "$((te_d0 + 1))" ]; }
tun_torn() { [ "$(lc_teardowns "$te_why")" -gt "$te_n0" ]; }
tun_torn_gone() { tun_torn && no_card; }
tun_unplug() { say "host: unplug"; }
tun_replug() { say "host: replug"; }

# tun_event NAME WHY BOUND_S TRIGGER DONE RESTORE: one event with a stuck
# DSP.  TRIGGER runs in the background; the event is done once it has
# returned and DONE is true.  (dash's local is dynamic: the variables
# here are te_*, set by nothing they call)
tun_event() {
	te_name="stuck DSP: $1" te_why=$2 te_bound=$3 te_trigger=$4 te_done=$5 te_restore=$6
	te_log=/tmp/tun.$$.log
	te_s0=$(qmi_cnt send_failed)
	uob-tun-dsp stuck 0 600000 >"$te_log" 2>&1 &
	te_dsp=$!
	if ! uob_wait_for 300 grep -q 'stuck: not reading' "$te_log"; then
		fail "$te_name: the remote DSP got no stream and full window"
		sed 's/^/uob-e2e:   /' "$te_log"
		kill "$te_dsp" 2>/dev/null; wait "$te_dsp"
		return
	fi
	te_n0=$(lc_teardowns "$te_why")
	te_d0=$(qmi_cnt ind_dropped)
	te_u0=$(usage_of 1-1)
	te_t0=$(lc_uptime_ms)
	$te_trigger &
	te_trig=$!
	tun_unrelated "$te_name" "$te_bound"
	te_end=$((te_t0 + te_bound * 1000))
	while ! { ! alive $te_trig && $te_done; } && [ "$(lc_uptime_ms)" -lt "$te_end" ]; do
		sleep 0.1
	done
	te_ms=$(( $(lc_uptime_ms) - te_t0 ))
	if ! alive $te_trig && $te_done; then
		pass "$te_name: done in $te_ms ms (bound $te_bound s)"
	else
		fail "$te_name: not done within $te_bound s: it waits on the stuck DSP"
		tun_blocked
		if [ "$TUN_HOLD" -gt 0 ]; then
			say "$te_name: the DSP stays stuck $TUN_HOLD s more"
			sleep "$TUN_HOLD"
			tun_blocked
		fi
	fi
	# what could not be sent is given up within the sender's patience
	uob_wait_for 30 tun_dropped_moved
	te_d1=$(qmi_cnt ind_dropped)
	# the DSP reads again: what was queued, RESUME_TX, one more request
	kill -USR1 "$te_dsp"
	tun_wait_gone "$te_dsp" 150 || kill "$te_dsp"
	wait "$te_dsp"; te_r=$?
	sed 's/^/uob-e2e:   /' "$te_log"
	ok_if "$te_name: the DSP is answered again once it reads" [ $te_r -eq 0 ]
	# whatever the trigger waited on ends now at the latest
	tun_wait_gone $te_trig 600 || fail "$te_name: the trigger never returned"
	wait $te_trig
	ok_if "$te_name: the DISCONNECT it could not take was dropped and counted (ind_dropped ${te_d0:-?} -> ${te_d1:-?})" \
		tun_dropped_one
	# the answer to the request sent into the full window: not waited on
	# by the request handler (tun_unrelated's other client got answered),
	# given up by uob-qc-tx after its patience
	te_s1=$(qmi_cnt send_failed)
	ok_if "$te_name: the answer that could not go through the full window was dropped and counted (send_failed ${te_s0:-?} -> ${te_s1:-?})" \
		sh -c "[ -n '$te_s0' ] && [ '$te_s1' = $((te_s0 + 1)) ]"
	te_n1=$(lc_teardowns "$te_why")
	te_us=$(lc_teardown_us "$te_why")
	ok_if "$te_name: one '$te_why' teardown, ${te_us:-?} us < 1 s" \
		sh -c "[ $te_n1 -eq $((te_n0 + 1)) ] && [ -n '$te_us' ] && [ '$te_us' -lt 1000000 ]"
	ok_if "$te_name: usage was 1 while streaming" [ "$te_u0" = 1 ]
	uob_wait_for 50 idle
	ok_if "$te_name: nothing left" idle
	$te_restore
	if ! uob_wait_for 300 lc_card_ready; then
		fail "$te_name: the card did not come back"
		return
	fi
	ok_if "$te_name: usage back to 0" [ "$(usage_of 1-1)" = 0 ]
	uob_wait_for 50 grep -q "client: none" $QC_STATE
	uob-dsp session 0 >"$te_log" 2>&1
	ok_if "$te_name: a new session works" [ $? -eq 0 ]
}

# 2. every event that must tell the DSP, each with the DSP stuck
tun_event "interface unbind (1-1:1.1, sysfs)" "interface unbind" "$TUN_BOUND" \
	lc_unbind_stream_intf tun_torn lc_rebind_card
tun_event "unplug (device_del)" "interface unbind" "$TUN_BOUND" \
	tun_unplug tun_torn_gone tun_replug
tun_event "USB reset (USBDEVFS_RESET)" "interface unbind" "$TUN_BOUND" \
	lc_usbreset tun_torn lc_nothing
tun_event "system sleep (s2idle, pm_test=devices)" "system sleep" "$TUN_SLEEP_BOUND" \
	lc_s2idle_test tun_torn lc_nothing
if lc_can_s3; then
	tun_event "system sleep (S3)" "system sleep" "$TUN_SLEEP_BOUND" lc_s3 tun_torn lc_nothing
else
	say "SKIP stuck DSP: S3: no S3 on this machine"
fi

# 3. module unload with a stream of a stuck DSP
uob-tun-dsp stuck 0 600000 >/tmp/tun-m.log 2>&1 &
te_dsp=$!
if uob_wait_for 300 grep -q 'stuck: not reading' /tmp/tun-m.log; then
	t0=$(lc_uptime_ms)
	rmmod qc_audio_offload &
	p=$!
	if tun_wait_gone $p $((TUN_BOUND * 10)) && wait $p; then
		pass "stuck DSP: rmmod qc-audio-offload in $(( $(lc_uptime_ms) - t0 )) ms (bound $TUN_BOUND s)"
	else
		fail "stuck DSP: rmmod qc-audio-offload not done within $TUN_BOUND s"
		tun_blocked
	fi
else
	fail "stuck DSP: rmmod: the remote DSP got no stream and full window"
fi
kill "$te_dsp" 2>/dev/null
wait "$te_dsp"
sed 's/^/uob-e2e:   /' /tmp/tun-m.log
tun_wait_gone "$p" 600
ok_if "stuck DSP: rmmod: altsetting back to 0" \
	sh -c '[ "$(cat /sys/bus/usb/devices/1-1:1.1/bAlternateSetting)" -eq 0 ]'
ok_if "stuck DSP: rmmod xhci-sideband, usb-offload" sh -c 'rmmod xhci_sideband && rmmod usb_offload'

# 4. the kernel said nothing bad (a hung task is a report too)
log_clean "kernel log clean"
say "done"
poweroff -f
