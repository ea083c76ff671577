#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make e2e-debug: the e2e scenarios (tests/guest/e2e-init.sh, with every
# lifecycle event of tests/guest/lifecycle.sh) on a debug 6.12.111 kernel
# built from the pinned linux-source (scripts/debug-kernel.sh: KASAN,
# lockdep, kmemleak, debug objects, SLUB debugging, atomic-sleep and
# hung-task detection).  Our three modules are built out of tree (M=)
# against that build, W=1 -Werror, xhci.h from the same source (KSRC=),
# and loaded as modules.  The guest scans kmemleak at the end (any
# suspected leak fails); the log judges fail on any kernel report.
# Then a second guest on the same kernel streams with the emulated DSP
# (tests/dsp-emu, built against the debug build): a checked play and the
# stream-end events of tests/guest/dsp-stream-lib.sh's dsp_variants_usb,
# after controller removal (dsp_variant_hcremove).
#
# xhci-hcd's reinitialisation on resume sometimes corrupts memory on this
# kernel with or without our modules (--s3-baseline below;
# scripts/known-kernel-bug.py): the guest sleeps twice, S3 once and once at
# pm_test's devices level (the stock guest: nine times), and hibernates
# once to pm_test's freezer level (devices are not frozen there, so
# xhci-hcd does not reinitialise; the stock guest: to all five levels), and a
# run that fails with that report and nothing else is run again, at most
# three times, saying so (seen: it hit 2 of 5 debug runs with the two sleeps).
#
#   e2e-debug.sh --build-only    build the modules, no guest
#   e2e-debug.sh --stream-only   only the streaming guest
#   e2e-debug.sh --s3-baseline   (not in make check) the same kernel with
#       Debian's modules only, none of ours, through UOB_S3_N (20) S3
#       cycles, each after a plain ALSA open of the card: what the kernel
#       itself reports when xhci-hcd reinitialises QEMU's controller
#       (tests/guest/s3-baseline-init.sh)
set -euo pipefail
UOB_STEP=e2e-debug
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

uob_provision guest

"$UOB_TOP/scripts/debug-kernel.sh"
rel=$(cat "$UOB_DEBUG_OBJ/include/config/kernel.release")
uob_guest_kernel "$UOB_DEBUG_IMAGE" "$rel" "$UOB_DEBUG_MODROOT"

# our modules against the debug build: this kernel's Module.symvers, so
# modpost resolves every symbol (no KBUILD_MODPOST_WARN)
scratch=$UOB_CACHE/scratch/debug
rm -rf "$scratch"; mkdir -p "$scratch"
uob_copy_tree "$scratch"
uob_log "building the modules against $rel (M=, KSRC=$UOB_REF_SRC)"
make -C "$scratch" KDIR="$UOB_DEBUG_OBJ" KSRC="$UOB_REF_SRC" W=1 KCFLAGS=-Werror modules \
	>"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log" >&2; uob_die "module build failed"; }
! grep -E '(warning|error):' "$scratch/build.log" || uob_die "module build has warnings"
mkdir -p "$scratch/ko"
for m in usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload; do
	[ -f "$scratch/$m.ko" ] || uob_die "$m.ko was not built"
	modinfo -F vermagic "$scratch/$m.ko" | grep -q "^$rel " ||
		uob_die "$m.ko is not built for $rel: $(modinfo -F vermagic "$scratch/$m.ko")"
	cp "$scratch/$m.ko" "$scratch/ko/"
done
# the emulated DSP (tests/dsp-emu) for the streaming guest, the same way
emu=$scratch/emu
mkdir -p "$emu"
cp "$UOB_TOP/tests/dsp-emu/Kbuild" "$UOB_TOP/tests/dsp-emu/uob-dsp-emu.c" "$emu/"
make -C "$UOB_DEBUG_OBJ" M="$emu" W=1 KCFLAGS=-Werror modules >"$emu/build.log" 2>&1 ||
	{ tail -40 "$emu/build.log" >&2; uob_die "emulator build failed"; }
! grep -E '(warning|error):' "$emu/build.log" || uob_die "emulator build has warnings"
modinfo -F vermagic "$emu/uob-dsp-emu.ko" | grep -q "^$rel " ||
	uob_die "uob-dsp-emu.ko is not built for $rel"
[ "${1:-}" != --build-only ] || exit 0

if [ "${1:-}" = --s3-baseline ]; then
	out=$UOB_CACHE/s3-baseline
	uob_guest_rig "$out" "$UOB_TOP/tests/guest/s3-baseline-init.sh" "$scratch/ko"
	UOB_E2E_MEM=2048 UOB_E2E_APPEND="loglevel=5 log_buf_len=4M uob_n=${UOB_S3_N:-20}" \
		python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_DEBUG_IMAGE" "$out/initrd.gz" \
		"$out/console.log" 1800 | tee "$out/result" || true
	"$UOB_TOP/scripts/known-kernel-bug.py" "$out/console.log" || true
	uob_log "console log: $out/console.log"
	exit 0
fi

rc=0
# the judge that may excuse a run, judged first (no guest): two real reports
# excused, each broken copy of them not (tests/known-bug/selftest.py)
python3 "$UOB_TOP/tests/known-bug/selftest.py" || rc=1
if [ "${1:-}" != --stream-only ]; then
out=$UOB_CACHE/e2e-debug
uob_guest_rig "$out" "$UOB_TOP/tests/guest/e2e-init.sh" "$scratch/ko"
uob_log "booting the debug kernel $rel with the e2e scenarios"
# 2 GiB: KASAN's shadow and SLUB's red zones; loglevel=5: warnings (lockdep,
# WARN) on the console too, for the host's judge; a log buffer that holds
# the whole run (the scenarios count their teardown lines in dmesg)
start=$(date +%s)
attempt=1
while :; do
	grc=0
	UOB_E2E_MEM=2048 UOB_E2E_APPEND="loglevel=5 log_buf_len=4M uob_s3_cycles=1 uob_s3_inflight=0 uob_hibernate=freezer" \
		python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_DEBUG_IMAGE" "$out/initrd.gz" \
		"$out/console.log" "${UOB_E2E_DEBUG_TIMEOUT:-1800}" >"$out/result" || grc=1
	[ "$grc" -eq 0 ] && ! grep -q '^not ok' "$out/result" && break
	# again only if what failed is what a kernel report fails: the log
	# checks, or the guest that did not finish (a functional check that
	# failed beside the report is never run away from)
	! grep '^not ok' "$out/result" |
		grep -qv 'kernel log clean\|kernel report line(s) on the console\|the guest did not finish' || break
	[ "$attempt" -lt 4 ] && known=$("$UOB_TOP/scripts/known-kernel-bug.py" "$out/console.log") || break
	cp "$out/console.log" "$out/console.attempt$attempt.log"
	uob_log "attempt $attempt: $(grep -c "^not ok" "$out/result") failed check(s), all from the $known; kept as $out/console.attempt$attempt.log; running again"
	attempt=$((attempt + 1))
done
cat "$out/result"
[ "$grc" -eq 0 ] || rc=1
uob_log "debug-kernel e2e took $(( $(date +%s) - start )) s of guest time ($attempt attempt(s)); console log: $out/console.log"

# kmemleak must really have scanned (the guest skips it on a kernel
# without kmemleak, so a lost config option would pass unseen)
if grep -qE '^(not )?ok - .*kmemleak' "$out/result"; then
	echo "ok - e2e-debug: the guest scanned with kmemleak"
else
	echo "not ok - e2e-debug: no kmemleak scan in the guest"; rc=1
fi
fi

# The emulated DSP streams on the debug kernel (tests/guest/dsp-stream-
# init.sh, uob_dsp_mode=debug): one play of 6 s checked against the wav
# QEMU's usb-audio records (as scripts/dsp-stream.sh), then USB reset,
# streaming-interface unbind, rmmod qc-audio-offload and hot-unplug while
# it streams; KASAN sees the emulator's accesses and slab debugging the
# frees, kmemleak scans at the end.
sout=$UOB_CACHE/e2e-debug-stream
UOB_GUEST_EXTRA_KO="$emu/uob-dsp-emu.ko" \
	uob_guest_rig "$sout" "$UOB_TOP/tests/guest/dsp-stream-init.sh" "$scratch/ko"
wav=$sout/stream.wav
rm -f "$wav"
uob_log "booting the debug kernel $rel with the emulated DSP streaming"
start=$(date +%s)
UOB_E2E_MEM=2048 UOB_E2E_APPEND="loglevel=5 log_buf_len=4M uob_dsp_mode=debug uob_play_s=6" \
	UOB_E2E_WAV=$wav UOB_E2E_AUDIODEV="wav,id=snd0,path=$wav,out.mixing-engine=off" \
	UOB_E2E_AUDIO_PROPS=buffer=$((1024 * 192)) \
	python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_DEBUG_IMAGE" "$sout/initrd.gz" \
	"$sout/console.log" 900 >"$sout/result" || rc=1
sed 's/^/debug: /;s/^debug: \(not \)\?ok - /\1ok - debug: /' "$sout/result"
uob_log "debug-kernel streaming guest took $(( $(date +%s) - start )) s; console log: $sout/console.log"
# the hot-unplug (the last event) started a new recording: the play
# after it, then the checked one
mapfile -t runs < <(sed -n 's/^# new-play: unplug \([0-9]*\)$/\1/p;s/^# wav-run: \([0-9]*\)$/\1/p' "$sout/result")
if [ ${#runs[@]} -ne 2 ] || [ "${runs[1]}" -lt 5000 ]; then
	echo "not ok - debug: wav: the guest reported ${#runs[@]} play(s) after the unplug (${runs[*]} packets), not 2, the second of 5 s or more"
	rc=1
elif python3 "$UOB_TOP/tests/dsp-emu/wavcheck.py" "$wav" "${runs[@]}" >"$sout/wavcheck" 2>&1; then
	echo "ok - debug: wav holds exactly the emulator's signal (${runs[0]} + ${runs[1]} packets)"
else
	echo "not ok - debug: wav holds exactly the emulator's signal (${runs[0]} + ${runs[1]} packets)"
	rc=1
fi
sed 's/^/# /' "$sout/wavcheck" 2>/dev/null || true
uob_dsp_audio_stopped "debug: " "$sout/result" told || rc=1
if grep -qE '^(not )?ok - .*kmemleak' "$sout/result"; then
	echo "ok - debug: the streaming guest scanned with kmemleak"
else
	echo "not ok - debug: no kmemleak scan in the streaming guest"; rc=1
fi
exit "$rc"
