# shellcheck shell=dash
# Sourced by the e2e, IOMMU and soak guests (installed as
# /lib/uob/lifecycle.sh, after guest-lib.sh): every event that ends or
# disturbs a stream, each driven with a stream active (docs/design.md "Every way
# a stream ends").  Each scenario asserts, by name:
#   - the DSP client got the DISCONNECT indication within a bound,
#   - the kernel's teardown for that event ran once and took < 1 s
#     (its "<why>: N offloaded stream(s) torn down in T us" line),
#   - nothing is left (streams, devices, mappings, buffers), the usage of
#     the device is back to 0, and a new session works afterwards.
# The log judge (log_clean at the end of each guest, and the host's
# e2e.py) fails on any kernel report.

LC_PFX=${LC_PFX:-}
LC_DSP_PID=

# the xHCI controller's PCI address, and the audio device's interfaces
lc_xhci_pci() { basename "$(readlink -f /sys/bus/usb/devices/usb1/..)"; }
lc_teardowns() { dmesg | grep -c "$1: [0-9]* offloaded stream(s) torn down in"; }
lc_teardown_us() {
	dmesg | grep "$1: [0-9]* offloaded stream(s) torn down in" | tail -1 |
		sed 's/.*torn down in \([0-9]*\) us.*/\1/'
}
lc_uptime_ms() { awk '{printf "%d", $1 * 1000}' /proc/uptime; }

# lc_stream LOG: start a stream that waits (up to 120 s) for an indication
lc_stream() {
	uob-dsp enable-wait 0 120000 >"$1" 2>&1 &
	LC_DSP_PID=$!
	uob_wait_for 150 grep -q streaming "$1"
}

# lc_wait_client TENTHS: the client exits (it got an indication) in time
lc_wait_client() {
	n=$1
	while [ "$n" -gt 0 ] && kill -0 "$LC_DSP_PID" 2>/dev/null; do
		sleep 0.1; n=$((n - 1))
	done
	if kill -0 "$LC_DSP_PID" 2>/dev/null; then
		kill "$LC_DSP_PID"; wait "$LC_DSP_PID"
		return 1
	fi
	wait "$LC_DSP_PID"
}

# lc_event NAME WHY BOUND_TENTHS TRIGGER RESTORE: one event with a stream
# active.  TRIGGER and RESTORE are shell functions.
# (ok_if sets the global "name": lifecycle's own variables are lc_*)
lc_event() {
	lc_name=$LC_PFX$1 lc_why=$2 lc_bound=$3 lc_trigger=$4 lc_restore=$5
	lc_log=/tmp/lc.$$.log
	if ! lc_stream "$lc_log"; then
		fail "$lc_name: stream not started"; sed 's/^/uob-e2e:   /' "$lc_log"
		kill "$LC_DSP_PID" 2>/dev/null
		return
	fi
	lc_n0=$(lc_teardowns "$lc_why")
	lc_u0=$(usage_of 1-1)
	lc_t0=$(lc_uptime_ms)
	LC_SLEEP_DEV=
	$lc_trigger
	if lc_wait_client "$lc_bound" && grep -q 'event 1 ' "$lc_log"; then
		pass "$lc_name: DISCONNECT indication within $((lc_bound / 10)) s ($(( $(lc_uptime_ms) - lc_t0 )) ms)"
	else
		fail "$lc_name: no DISCONNECT indication within $((lc_bound / 10)) s"
		sed 's/^/uob-e2e:   /' "$lc_log"
	fi
	lc_n1=$(lc_teardowns "$lc_why")
	lc_us=$(lc_teardown_us "$lc_why")
	ok_if "$lc_name: one '$lc_why' teardown, ${lc_us:-?} us < 1 s" \
		sh -c "[ $lc_n1 -eq $((lc_n0 + 1)) ] && [ -n '$lc_us' ] && [ '$lc_us' -lt 1000000 ]"
	ok_if "$lc_name: usage was 1 while streaming" [ "$lc_u0" = 1 ]
	# a stream whose endpoint usbcore drops after the unbind (unplug,
	# authorized=0, device unbind, controller removal) is released once
	# it has: within 2 s (uob_wait_for sets n: not inside ok_if)
	if uob_wait_for 20 idle_now; then
		pass "$lc_name: nothing left"
	else
		fail "$lc_name: nothing left"; cat $QC_STATE | sed 's/^/uob-e2e:   /'
	fi
	$lc_restore
	if ! uob_wait_for 300 lc_card_ready; then
		fail "$lc_name: the card did not come back"
		return
	fi
	[ -z "$LC_SLEEP_DEV" ] || lc_sleep_check
	# a system sleep's stop puts the usage inside usb-offload's at-suspend
	# window: refused, kept, and put just after resume (usage.c)
	uob_wait_for 30 lc_usage_is 0
	ok_if "$lc_name: usage back to 0" [ "$(usage_of 1-1)" = 0 ]
	uob-dsp session 0 >"$lc_log" 2>&1
	ok_if "$lc_name: a new session works" [ $? -eq 0 ]
}

lc_usage_is() { [ "$(usage_of 1-1)" = "$1" ]; }

# ---- triggers and restores ----------------------------------------------

SND=/sys/bus/usb/drivers/snd-usb-audio
lc_unbind_stream_intf() { echo 1-1:1.1 >$SND/unbind; }
lc_rebind_card() {
	# every interface the old card still claims is let go (a streaming
	# interface stays claimed after its control interface is unbound, and
	# a new probe skips claimed ones), then the control interface probes
	# a new card that claims its streaming interfaces again
	# (lc_i: a plain "i" would be the caller's loop counter; seen: the
	# soak's unbind/rebind loop ended with "arithmetic syntax error")
	for lc_i in $SND/1-1:1.*; do
		[ -e "$lc_i" ] && echo "${lc_i##*/}" >$SND/unbind
	done
	echo 1-1:1.0 >$SND/bind
}
# the card is back with a playback PCM, and the device with it
lc_card_ready() {
	uob_have_card && [ -e /sys/bus/usb/devices/1-1 ] &&
		ls /dev/snd/pcmC*D0p >/dev/null 2>&1
}
lc_unbind_ctrl_intf() { echo 1-1:1.0 >$SND/unbind; }
lc_unbind_device() { echo 1-1 >/sys/bus/usb/drivers/usb/unbind; }
lc_bind_device() { echo 1-1 >/sys/bus/usb/drivers/usb/bind; }
lc_deauthorize() { echo 0 >/sys/bus/usb/devices/1-1/authorized; }
lc_authorize() { echo 1 >/sys/bus/usb/devices/1-1/authorized; }
lc_rmmod_snd() { rmmod snd_usb_audio; }
lc_insmod_snd() { insmod /lib/uob/snd-usb-audio.ko; }
lc_remove_controller() {
	LC_XHCI=$(lc_xhci_pci)
	echo 1 >"/sys/bus/pci/devices/$LC_XHCI/remove"
}
lc_rescan() { echo 1 >/sys/bus/pci/rescan; }
lc_usbreset() { uob-usbreset "$(usb_node)" >/dev/null; }
lc_nothing() { :; }
# ---- before every sleep: QEMU's stray write on reset-resume ---------------
# qemu-xhci keeps each slot's output context address across a controller
# reset and uses it for Evaluate Context without checking that the slot
# was addressed since (hw/usb/hcd-xhci.c: xhci_evaluate_slot() reads
# slots[].ctx, set only by xhci_address_slot()).  Every sleep here ends in
# xhci-hcd reinitialising the controller (xhci_mem_cleanup() frees the old
# contexts), and a full-speed device's reset-resume then sends exactly
# that command: usb_reset_and_verify_device() -> usb_ep0_reinit() on the
# slot xhci_alloc_dev() has just enabled.  QEMU rewrites 20 bytes of the
# freed page, and now and then what reused it breaks (docs/testing.md,
# "QEMU's stray write").  So a sleep re-enumerates the device
# (power/persist=0) unless the caller keeps its reset-resume path
# (LC_PERSIST=1: one S3 cycle per guest).  The device that comes back has
# persist=1 again: set before each sleep.
# The kernel log gets a mark first: lc_sleep_check reads what usbcore said
# about 1-1 after it.
LC_SLEEP_N=0
lc_sleep_persist() {
	LC_SLEEP_N=$((LC_SLEEP_N + 1))
	echo "uob-sleep-mark $LC_SLEEP_N" >/dev/kmsg
	LC_SLEEP_DEV=$(cat /sys/bus/usb/devices/1-1/devnum 2>/dev/null)
	LC_SLEEP_DEV=${LC_SLEEP_DEV:-none}
	echo "${LC_PERSIST:-0}" >/sys/bus/usb/devices/1-1/power/persist ||
		fail "sleep: power/persist of 1-1 not set to ${LC_PERSIST:-0}"
}
lc_devnum_moved() { [ "$(cat /sys/bus/usb/devices/1-1/devnum 2>/dev/null)" != "$LC_SLEEP_DEV" ]; }
# what usbcore logged after the last sleep's mark when the emulated
# controller refused the reset-resume of 1-1 (seen after "xHC error in
# resume, USBSTS 0x401, Reinit": "hub failed to enable device, error -22"
# and "device not accepting address 3, error -22"); usbcore then
# enumerates the device again, as it must
lc_resume_refused() {
	dmesg | sed -n "/uob-sleep-mark $LC_SLEEP_N\$/,\$p" |
		grep -E 'usb 1-1: (hub failed to enable device|device not accepting address|device descriptor read.*error)'
}
# after a sleep lc_event ran: the device kept its number through its
# reset-resume (LC_PERSIST=1), or came back as a new one.  A reset-resume
# the controller refused is the rig's, not ours: reported as not run,
# with usbcore's lines; without them a new number fails (persist ignored,
# or the device dropped for another reason).
lc_sleep_check() {
	lc_dev1=$(cat /sys/bus/usb/devices/1-1/devnum)
	if [ "${LC_PERSIST:-0}" = 1 ]; then
		if [ "$lc_dev1" != "$LC_SLEEP_DEV" ] && lc_refused=$(lc_resume_refused); then
			say "SKIP $lc_name: the device was reset-resumed: the emulated controller refused it (devnum $LC_SLEEP_DEV -> $lc_dev1)"
			echo "$lc_refused" | sed 's/^/uob-e2e:   kmsg: /'
			return
		fi
		ok_if "$lc_name: the device was reset-resumed (devnum $LC_SLEEP_DEV -> $lc_dev1)" \
			[ "$lc_dev1" = "$LC_SLEEP_DEV" ]
	else
		# the old device may still be on its way out (uob_wait_for sets n:
		# not inside ok_if)
		uob_wait_for 50 lc_devnum_moved
		lc_dev1=$(cat /sys/bus/usb/devices/1-1/devnum)
		ok_if "$lc_name: the device was enumerated again (devnum $LC_SLEEP_DEV -> $lc_dev1)" \
			[ "$lc_dev1" != "$LC_SLEEP_DEV" ]
	fi
}
# S3: the host wakes the guest (system_wakeup) once QEMU says it is
# suspended; xhci-hcd may reinitialise the controller on resume
lc_s3() {
	lc_sleep_persist
	say "host: wake"
	echo mem >/sys/power/state || say "S3: echo mem failed"
}
# s2idle cannot be woken on this rig (QEMU 7.2: no RTC alarm or key wakes
# it), so its path is driven to pm_test's "devices" level: the PM
# notifiers, every device's suspend and resume, then back after 5 s.
lc_s2idle_test() {
	lc_sleep_persist
	echo devices >/sys/power/pm_test &&
		echo freeze >/sys/power/state
	echo none >/sys/power/pm_test
}

# The whole list, in an order that leaves the rig as it found it.
lc_all() {
	lc_event "interface unbind (1-1:1.1, streaming)" "interface unbind" 50 \
		lc_unbind_stream_intf lc_rebind_card
	lc_event "interface unbind (1-1:1.0, control)" "interface unbind" 50 \
		lc_unbind_ctrl_intf lc_rebind_card
	lc_event "device unbind (1-1 from usb)" "device unbind" 50 \
		lc_unbind_device lc_bind_device
	lc_event "authorized=0" "interface unbind" 50 lc_deauthorize lc_authorize
	lc_event "rmmod snd-usb-audio" "interface unbind" 50 lc_rmmod_snd lc_insmod_snd
	lc_event "usbfs reset" "interface unbind" 50 lc_usbreset lc_nothing
	lc_event "controller removal (PCI remove)" "interface unbind" 50 \
		lc_remove_controller lc_rescan
	lc_event "s2idle (pm_test=devices)" "system sleep" 150 lc_s2idle_test lc_nothing
}

# Can the rig sleep and be woken?  x86 q35: S3 ("deep"), woken by the host.
# Elsewhere (arm64 virt has no S3; its "mem" is s2idle, which nothing wakes
# here) the S3 scenarios are reported as not run, never as passed.
lc_can_s3() { grep -qs '\[deep\]\|deep' /sys/power/mem_sleep; }

# lc_s3_cycles N: N system sleeps in a row, each with a stream active
lc_s3_cycles() {
	if ! lc_can_s3; then
		say "SKIP ${LC_PFX}S3: no S3 on this machine ($(cat /sys/power/mem_sleep 2>/dev/null))"
		return
	fi
	i=1
	while [ "$i" -le "$1" ]; do
		# the first cycle keeps the device's reset-resume path, with the
		# usage on the same usb_device (see lc_sleep_persist)
		LC_PERSIST=0
		[ "$i" -ne 1 ] || LC_PERSIST=1
		lc_event "S3 cycle $i" "system sleep" 600 lc_s3 lc_nothing
		i=$((i + 1))
	done
	LC_PERSIST=0
	say "S3: $(dmesg | grep -c 'Reinit') controller reinit(s) on resume seen"
}

# lc_s3_inflight N: N sleeps while a client sends enable/disable requests
# back to back; afterwards the count is exactly where it started.
lc_s3_inflight() {
	lc_name="${LC_PFX}S3 with requests in flight"
	if ! lc_can_s3; then
		say "SKIP $lc_name: no S3 on this machine"
		return
	fi
	lc_u0=$(usage_of 1-1)
	: >/tmp/lc.stop
	(while [ -e /tmp/lc.stop ]; do uob-dsp session 0 >/dev/null 2>&1; done) &
	loop=$!
	i=1
	while [ "$i" -le "$1" ]; do
		sleep 1
		lc_s3
		i=$((i + 1))
	done
	rm -f /tmp/lc.stop
	wait $loop
	uob_wait_for 100 idle
	ok_if "$lc_name: nothing left" idle
	uob_wait_for 30 grep -q "pending_puts=0 " $QC_STATE
	ok_if "$lc_name: no put pending" grep -q "pending_puts=0 " $QC_STATE
	# the last sleep re-enumerates the device (persist 0): it and its card
	# may still be on their way back (seen on trixie: usage empty, then
	# the new session's enable -ENODEV)
	uob_wait_for 300 lc_card_ready
	ok_if "$lc_name: usage back to $lc_u0" [ "$(usage_of 1-1)" = "$lc_u0" ]
	uob-dsp session 0 >/dev/null 2>&1
	ok_if "$lc_name: a new session works" [ $? -eq 0 ]
}

# ---- hibernation, to the pm_test levels ------------------------------------
# "echo disk > /sys/power/state" with /sys/power/pm_test at a level runs
# hibernate() up to that level and back, without writing an image (no swap
# or resume= needed; kernel/power/hibernate.c): PM_HIBERNATION_PREPARE,
# the freezer (which waits for our stop, qc_audio_offload.c), then at
#   freezer     back after the kernel threads are frozen;
#   devices     every device frozen (dpm_suspend(PMSG_FREEZE)), back with
#               PMSG_RESTORE: xhci-hcd reinitialises the controller;
#   platform    also the ACPI pre-snapshot;
#   processors  also the secondary CPUs taken down;
#   core        also syscore suspend, IRQs off: one step short of the image.
# Each level waits 5 s ("PM: hibernation: debug: Waiting for 5 seconds.") before
# it unwinds; that line proves the level was reached.
lc_pm_waits() { dmesg | grep -c 'hibernation: debug: Waiting for'; }
lc_pm_level_done() { [ "$lc_pm_rc" = 0 ] && [ "$(lc_pm_waits)" -gt "$lc_pm_w0" ]; }
lc_hibernate_test() {
	lc_pm_rc=1
	# "freezer" suspends no device: nothing is resumed or enumerated
	[ "$lc_pm_level" = freezer ] || lc_sleep_persist
	if echo "$lc_pm_level" >/sys/power/pm_test &&
		echo disk >/sys/power/state 2>/tmp/lc.pm.err; then
		lc_pm_rc=0
	else
		say "hibernation (pm_test=$lc_pm_level): $(cat /tmp/lc.pm.err)"
	fi
	echo none >/sys/power/pm_test
}

# lc_hibernate_levels "LEVEL...": one lc_event per level with a stream
# active, and the level reached and left without an error
lc_hibernate_levels() {
	if ! grep -qs disk /sys/power/state; then
		say "SKIP ${LC_PFX}hibernation: no 'disk' in /sys/power/state"
		return
	fi
	for lc_pm_level in $1; do
		lc_pm_w0=$(lc_pm_waits)
		lc_pm_rc=
		lc_event "hibernation (pm_test=$lc_pm_level)" "system sleep" 300 \
			lc_hibernate_test lc_nothing
		ok_if "${LC_PFX}hibernation (pm_test=$lc_pm_level): level reached, disk returned ${lc_pm_rc:-?}" \
			lc_pm_level_done
	done
}
