#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, the 7.2 part (called by scripts/bench.sh; reported, never
# asserted): ours against mainline's own code on the same kernel, in the
# same boot setup -- the parity kernel (scripts/parity-kernel.sh: modular
# 7.2.11, no lockdep/KASAN) on q35 with QEMU's VT-d, the DSP's IOMMU domain
# a spare pci-testdev's, stream ID 7, as the parity-7.2 step boots it.
# Boots of one kernel and one initramfs (tests/guest/bench72-init.sh),
# UOB_BENCH_72_BOOTS (6, even: whole ABBA pairs) of each, in ABBA order:
#   mainline: mainline's snd-usb-audio-qmi (rebuilt with the one fix of
#             tests/parity/mainline-period.patch, as scripts/parity.sh does:
#             as shipped, its first enable divides by zero) and the
#             test-only q6usb stand-in (tests/parity/standin);
#   ours:     our three modules, built against that kernel.
# In each boot: tests/bench-mod/uob-bench.ko (our usb_offload_get+put next
# to usbcore's own, "intree", interleaved rounds, power/control on and
# auto), then UOB_BENCH_N QMI enable/disable round trips of the same client
# (uob-dsp bench).  Output in $UOB_CACHE/bench-7.2/ (console-<impl>-<boot>.log,
# RESULTS.md); the report goes to stdout.
#   UOB_BENCH_N (1000), UOB_BENCH_PAIRS (20000), UOB_BENCH_ROUNDS (11),
#   UOB_BENCH_72_BOOTS (6)
set -euo pipefail
UOB_STEP=bench-7.2
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

n=${UOB_BENCH_N:-1000}
pairs=${UOB_BENCH_PAIRS:-20000}
rounds=${UOB_BENCH_ROUNDS:-11}
boots=${UOB_BENCH_72_BOOTS:-6}
uob_provision guest newer >&2

obj=$("$UOB_TOP/scripts/parity-kernel.sh")
src=$("$UOB_TOP/scripts/newer-source.sh")
rel=$(cat "$obj/include/config/kernel.release")
uob_guest_kernel "$obj/arch/x86/boot/bzImage" "$rel" "$obj/staging"
out=$UOB_CACHE/bench-7.2
rm -rf "$out"
mkdir -p "$out"
kodir=$out/ko
mkdir -p "$kodir"

# ours, the get/put module and the stand-in, against the kernel's build tree
proj=$out/proj
uob_copy_tree "$proj"
uob_log "building our modules, uob-bench.ko and the q6usb stand-in against $rel"
make -C "$proj" KDIR="$obj" KSRC="$src" modules >"$out/build.log" 2>&1 ||
	{ cat "$out/build.log" >&2; uob_die "our modules do not build against $rel"; }
make -C "$obj" M="$proj/tests/bench-mod" UOB_TOP="$proj" \
	KBUILD_EXTRA_SYMBOLS="$proj/Module.symvers" modules >"$out/bench-mod.log" 2>&1 ||
	{ cat "$out/bench-mod.log" >&2; uob_die "uob-bench.ko does not build against $rel"; }
make -C "$obj" M="$proj/tests/parity/standin" modules >"$out/standin.log" 2>&1 ||
	{ cat "$out/standin.log" >&2; uob_die "stand-in build failed"; }
cp "$proj"/usb-offload/usb-offload.ko "$proj"/xhci-sideband/xhci-sideband.ko \
	"$proj"/qc-audio-offload/qc-audio-offload.ko "$proj"/tests/bench-mod/uob-bench.ko \
	"$proj"/tests/parity/standin/q6usb-standin.ko "$kodir/"
# mainline's driver from the same source with the period fix only
ml=$out/mainline/sound/usb
mkdir -p "$ml/qcom"
cp "$src"/sound/usb/*.h "$ml/"
cp "$src"/sound/usb/qcom/* "$ml/qcom/"
patch -d "$out/mainline" -p1 --quiet <"$UOB_TOP/tests/parity/mainline-period.patch" ||
	uob_die "mainline-period.patch does not apply to $rel"
make -C "$obj" M="$ml/qcom" modules >"$out/mainline.log" 2>&1 ||
	{ cat "$out/mainline.log" >&2; uob_die "mainline's driver does not build"; }
cp "$ml/qcom/snd-usb-audio-qmi.ko" "$kodir/"

# shellcheck disable=SC2034 # read by uob_guest_initramfs
UOB_GUEST_STOCK_MODULES=(qmi_helpers)
uob_guest_rig "$out" "$UOB_TOP/tests/guest/bench72-init.sh" "$kodir" \
	"$kodir/q6usb-standin.ko" "$kodir/snd-usb-audio-qmi.ko" "$kodir/uob-bench.ko" >&2

# Boots alternate in ABBA order (mainline, ours, ours, mainline, ...): one
# boot's figures move by 10-15% against the next one's on this TCG host,
# more than what is compared, so each driver gets several boots spread
# evenly over the run (a drift over the run favours neither), and the
# report pools their samples.
logs_mainline='' logs_ours=''
for b in $(seq 1 "$boots"); do
	order="mainline ours"
	[ $((b % 2)) = 1 ] || order="ours mainline"
	for impl in $order; do
		uob_log "boot $b/$boots: $rel with $impl's 0x41D service: get/put ($rounds rounds x $pairs pairs), $n QMI cycles"
		start=$(date +%s)
		log=$out/console-$impl-$b.log
		UOB_GUEST_IOMMU=1 \
		UOB_GUEST_APPEND="uob_impl=$impl uob_bench_n=$n uob_bench_pairs=$pairs uob_bench_rounds=$rounds" \
			uob_guest_boot "$out/initrd.gz" "$log" 1200 || true
		grep -aq 'uob-bench: done' "$log" ||
			uob_die "$impl bench guest did not finish ($log)"
		uob_log "$impl boot took $(( $(date +%s) - start )) s"
		if [ "$impl" = mainline ]; then
			logs_mainline=$logs_mainline${logs_mainline:+,}$log
		else
			logs_ours=$logs_ours${logs_ours:+,}$log
		fi
	done
done

python3 "$UOB_TOP/scripts/bench-stats.py" --parity \
	"$logs_mainline" "$logs_ours" >"$out/RESULTS.md" ||
	uob_die "incomplete figures ($out/console-*.log)"
cat "$out/RESULTS.md"
