#!/bin/sh
# /init of the soak guest: N (uob_soak_n) enable -> hot-unplug -> re-plug cycles
# (host acts on "uob-e2e: host: ..."), N S3 cycles and N
# streaming-interface unbind/rebind cycles with a stream, then N
# load/unload cycles.
. /lib/uob/guest-lib.sh
N=${uob_soak_n:-100}	# uob_soak_n= on the kernel command line
wait_for() { uob_wait_for "$@"; }
have_card() { uob_have_card; }
load() { uob_load_ours; }
unload() { rmmod qc_audio_offload && rmmod xhci_sideband && rmmod usb_offload; }

uob_load_stock
load
wait_for 300 have_card

t0=$(cut -d' ' -f1 /proc/uptime)
ok=0
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	uob-dsp enable-wait 0 20000 >/tmp/c.$i.log 2>&1 &
	pid=$!
	wait_for 200 grep -q streaming /tmp/c.$i.log || { say "cycle $i: no stream"; cat /tmp/c.$i.log; }
	say "host: unplug"
	if ! wait $pid; then
		say "cycle $i: client failed:"; sed 's/^/uob-e2e:   /' /tmp/c.$i.log
	elif ! wait_for 100 no_card; then
		say "cycle $i: card still there"
	elif ! idle; then
		say "cycle $i: not idle:"; sed 's/^/uob-e2e:   /' $QC_STATE
	else
		ok=$((ok + 1))
	fi
	say "host: replug"
	wait_for 300 have_card || say "cycle $i: card did not come back"
done
t1=$(cut -d' ' -f1 /proc/uptime)
say "unplug cycles: $ok/$N in $(echo "$t0 $t1" | awk '{printf "%d", $2-$1}') s; usage of 1-1: $(grep '^1-1 ' /sys/kernel/debug/usb-offload-backport/offload | grep -o 'usage=[0-9]*')"
if [ $ok -eq "$N" ] && grep -q '^1-1 .*usage=0' /sys/kernel/debug/usb-offload-backport/offload; then
	say "PASS soak: $N enable/unplug/replug cycles, usage back to 0"
else
	say "FAIL soak: $ok/$N enable/unplug/replug cycles"
fi

# N S3 cycles with a stream, and N unbind/rebind cycles of the streaming
# interface (tests/guest/lifecycle.sh; only failures are printed)
. /lib/uob/lifecycle.sh
soak_events() {	# soak_events WHAT WHY BOUND TRIGGER RESTORE
	LC_FAILS=0
	pass() { :; }
	fail() { say "FAIL $*"; LC_FAILS=$((LC_FAILS + 1)); }
	t0=$(cut -d' ' -f1 /proc/uptime)
	i=1
	while [ $i -le "$N" ]; do
		lc_event "$1 $i" "$2" "$3" "$4" "$5"
		i=$((i + 1))
	done
	t1=$(cut -d' ' -f1 /proc/uptime)
	pass() { say "PASS $*"; }
	fail() { say "FAIL $*"; }
	ok_if "soak: $N $1 cycles with a stream, $LC_FAILS failed checks, usage $(usage_of 1-1), $(echo "$t0 $t1" | awk '{printf "%d", $2-$1}') s" \
		sh -c "[ $LC_FAILS -eq 0 ] && [ '$(usage_of 1-1)' = 0 ]"
}
soak_events "S3" "system sleep" 600 lc_s3 lc_nothing
soak_events "streaming interface unbind/rebind" "interface unbind" 50 \
	lc_unbind_stream_intf lc_rebind_card
say "S3: $(dmesg | grep -c 'Reinit') controller reinit(s) on resume seen"
# 100,000 fuzzed QMI messages, each as the model says (tests/dsp/uob-fuzz.c)
uob-fuzz run 0 100000 >/tmp/fz.log 2>&1; r=$?
grep 'uob-fuzz:' /tmp/fz.log | sed 's/^/uob-e2e:   /'
ok_if "soak: 100000 fuzzed QMI messages" [ $r -eq 0 ]
ok_if "soak: idle after fuzzing" idle

unload
t0=$(cut -d' ' -f1 /proc/uptime)
ok=0
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	load && unload && ok=$((ok + 1))
done
t1=$(cut -d' ' -f1 /proc/uptime)
say "load/unload cycles: $ok/$N in $(echo "$t0 $t1" | awk '{printf "%d", $2-$1}') s"
[ $ok -eq "$N" ] && say "PASS soak: $N load/unload cycles" || say "FAIL soak: $ok/$N load/unload cycles"
log_clean "kernel log clean"
say "done"
poweroff -f
