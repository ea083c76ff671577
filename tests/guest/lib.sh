# shellcheck shell=dash
# Sourced by every guest /init (installed as /lib/uob/guest-lib.sh).
# It mounts over /proc, /sys, /dev and /tmp: only in a guest, as its /init
# (PID 1, with the initramfs' /lib/uob/stock.list), never on a host.
if [ "$$" != 1 ] || [ ! -f /lib/uob/stock.list ]; then
	echo "guest-lib.sh: not a test guest's /init (PID $$); refusing to run" >&2
	case $- in *i*) return 1 ;; esac
	exit 1
fi
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

# Every guest ends with "poweroff -f".  After an S3 cycle QEMU no longer
# powers off on the ACPI S5 request: the reboot syscall returns and exits
# the task with the system-transition mutex held, which the debug kernel
# reports ("WARNING: poweroff/N still has locks held!").  QEMU runs with
# -no-reboot, so a reset ends it just as well, S3 or not.
poweroff() { reboot -f; }

uob_wait_for() {	# uob_wait_for TENTHS CMD...
	n=$1; shift
	while [ "$n" -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
uob_have_card() { grep -qs USB-Audio /proc/asound/cards; }

# Scenario helpers of the e2e, IOMMU and soak guests: every result is a
# line "uob-e2e: PASS|FAIL <name>" that tests/e2e/e2e.py counts.
say() { echo "uob-e2e: $*"; }
pass() { say "PASS $*"; }
fail() { say "FAIL $*"; }
ok_if() { local n=$1; shift; if "$@"; then pass "$n"; else fail "$n"; fi; }
DBG=/sys/kernel/debug/usb-offload-backport
QC_STATE=$DBG/qc-audio-offload/state
# nothing held now (an event that ends a stream gives everything back at once)
idle_now() { grep -q "counters: streams=0 devs=0 mappings=0 xfer_bufs=0" $QC_STATE; }
# nothing held once the device's share kept after a disable is given back:
# qc-audio-offload's idle_ms (default 1 s) plus 2 s.  Its own loop: ok_if's
# local n is uob_wait_for's.
idle() {
	idle_t=$(($(cat /sys/module/qc_audio_offload/parameters/idle_ms 2>/dev/null || echo 0) / 100 + 20))
	while ! idle_now; do
		[ "$idle_t" -gt 0 ] || return 1
		sleep 0.1
		idle_t=$((idle_t - 1))
	done
}
no_card() { ! grep -qs USB-Audio /proc/asound/cards; }
usage_of() { grep "^$1 " $DBG/offload | grep -o 'usage=[0-9]*' | cut -d= -f2; }
# the usbfs node of the audio device on root port 1
usb_node() {
	printf '/dev/bus/usb/%03d/%03d' "$(cat /sys/bus/usb/devices/1-1/busnum)" \
		"$(cat /sys/bus/usb/devices/1-1/devnum)"
}
# uob_page_sizes PREFIX: where the kernel command line names the page size
# the guest must have (uob_page_size=, scripts/arm64-guest.sh), print and
# check it as userspace sees it (sysconf: what getconf PAGESIZE prints;
# busybox has no getconf) and as the kernel maps (KernelPageSize, smaps).
uob_page_sizes() {
	[ -n "${uob_page_size:-}" ] || return 0
	pg_user=$(uob-dsp pagesize)
	pg_kernel=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
	say "page size: getconf PAGESIZE $pg_user, kernel $pg_kernel (want $uob_page_size)"
	ok_if "${1}page size $uob_page_size" uob_page_sizes_are "$uob_page_size"
}
uob_page_sizes_are() { [ "$pg_user" = "$1" ] && [ "$pg_kernel" = "$1" ]; }

# Kernel reports, any of which fails a guest (the host's tests/e2e/e2e.py
# judges the console with the same list): WARN (lockdep and RCU report as
# WARNINGs), BUG (KASAN, sleeping in atomic context, ...), SLUB's
# "BUG <cache> (Not tainted): ...", oopses, panics, debug objects, hung
# tasks, RCU stalls, kmemleak.
UOB_REPORTS='WARNING:|(^|[^A-Z_])BUG:|kernel BUG at|BUG [^ ]+ \((Not t|T)ainted|Oops'
UOB_REPORTS="$UOB_REPORTS|general protection fault|Kernel panic|KASAN|UBSAN|ODEBUG:"
UOB_REPORTS="$UOB_REPORTS|DEBUG_LOCKS_WARN_ON|possible (circular|recursive) locking"
UOB_REPORTS="$UOB_REPORTS|inconsistent lock state|blocked for more than|detected stalls?"
UOB_REPORTS="$UOB_REPORTS|suspected memory leak|unreferenced object"

# uob_kmemleak NAME: on a kernel with kmemleak (the debug kernel), scan
# twice, a pause apart (an object is reported once it is older than 5 s
# and no scan found a reference to it), and fail with the report unless
# /sys/kernel/debug/kmemleak is empty.  Nothing on other kernels.
uob_kmemleak() {
	k=/sys/kernel/debug/kmemleak
	[ -e $k ] || return 0
	if ! echo scan >$k; then
		fail "$1: kmemleak refuses to scan: $(dmesg | grep -m1 'kmemleak:.*disabl')"
		return
	fi
	sleep 6
	echo scan >$k
	cat $k >/tmp/kmemleak.txt
	if [ -s /tmp/kmemleak.txt ]; then
		fail "$1: $(grep -c '^unreferenced object' /tmp/kmemleak.txt) suspected memory leak(s)"
		sed 's/^/uob-e2e:   /' /tmp/kmemleak.txt
	else
		pass "$1: no suspected memory leaks"
	fi
}

# log_clean NAME [EXTRA-PATTERN]: no kernel report in dmesg (kmemleak
# scanned first, where the kernel has it)
log_clean() {
	uob_kmemleak "$1: kmemleak"
	if dmesg | grep -E "$UOB_REPORTS${2:+|$2}"; then
		fail "$1"
	else
		pass "$1"
	fi
}

# make bench: tests/bench-mod/uob-bench.ko's get/put rounds on device 1-1,
# power/control "on" then "auto" (restored after); its lines as
# "uob-bench: getput: ..." on the console
uob_bench_getput() {
	ctl=/sys/bus/usb/devices/1-1/power/control
	was=$(cat $ctl)
	for mode in on auto; do
		echo $mode >$ctl
		dmesg -c >/dev/null
		if insmod /lib/uob/uob-bench.ko dev=1-1 pairs=${uob_bench_pairs:-20000} \
			rounds=${uob_bench_rounds:-11}; then
			rmmod uob-bench
		else
			echo "uob-bench: getput: insmod failed ($mode)"
		fi
		dmesg | grep -o 'uob-bench: .*' | sed 's/^uob-bench: /uob-bench: getput: /'
	done
	echo "$was" >$ctl
}
