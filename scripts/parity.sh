#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check step parity-7.2 (SPEC 8, "Answer as mainline answers"): the
# same client script against mainline's snd-usb-audio-qmi and against ours,
# in two boots of the same 7.2 kernel (scripts/parity-kernel.sh), compared
# field by field on the host (tests/parity/compare.py: a verdict per
# scenario and field, from docs/mainline.md's table of differences).
#   boot 1: mainline's driver + the test-only q6usb stand-in
#           (tests/parity/standin), which gives it its auxiliary device and
#           a soc-usb port with a struct q6usb_offload;
#   boot 2: our three modules, built here against that kernel's build tree
#           (W=1 -Werror, modpost resolving every symbol), loaded beside the
#           in-tree sideband and usbcore offload code.
# Both on q35 with QEMU's VT-d: the DSP's IOMMU domain is a spare
# pci-testdev's (mainline maps into q6usb's domain unconditionally), stream
# ID 7, the first free interrupter.  Results are TAP lines; the table is in
# the output and in $UOB_CACHE/parity/table.txt, every field in fields.tsv.
# UOB_PARITY_ONLY=mainline|ours boots only that one (and compares nothing);
# UOB_PARITY_APPEND adds to both kernel command lines (uob_s3=1: a real S3
# cycle with a stream at the end, woken by the host).
set -euo pipefail
UOB_STEP=parity
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

uob_provision guest newer
t0=$(date +%s)

# the comparison's own rules first, on fixtures, no guest: a field that
# differs must be named by a row for that scenario and that field, and a
# row or field pattern nothing shows is stale (tests/parity/compare-selftest.py)
rc=0
python3 "$UOB_TOP/tests/parity/compare-selftest.py" || rc=1

obj=$("$UOB_TOP/scripts/parity-kernel.sh")
src=$("$UOB_TOP/scripts/newer-source.sh")
rel=$(cat "$obj/include/config/kernel.release")
uob_guest_kernel "$obj/arch/x86/boot/bzImage" "$rel" "$obj/staging"
out=$UOB_CACHE/parity
kodir=$out/ko
rm -rf "$kodir"; mkdir -p "$kodir"

# ours and the stand-in, out of tree against the parity kernel's build tree
UOB_SCRATCH=$UOB_CACHE/scratch/parity
rm -rf "$UOB_SCRATCH"; mkdir -p "$UOB_SCRATCH"
uob_copy_tree "$UOB_SCRATCH"
uob_log "building our modules and the q6usb stand-in against $rel"
if ! make -C "$UOB_SCRATCH" KDIR="$obj" KSRC="$src" W=1 KCFLAGS=-Werror modules \
	>"$UOB_SCRATCH/build.log" 2>&1 ||
   grep -E '(warning|error):' "$UOB_SCRATCH/build.log"; then
	cat "$UOB_SCRATCH/build.log" >&2
	uob_die "our modules do not build cleanly against $rel"
fi
# the backend mainline's driver has too (qc-audio-offload/pcm.h): snd-usb-audio's exports
grep -q "qc-audio-offload: streams through snd-usb-audio's exports" "$UOB_SCRATCH/build.log" ||
	uob_die "ours was built on ALSA's PCM core, not snd-usb-audio's exports (pcm_direct.c): $(
		grep 'qc-audio-offload: streams' "$UOB_SCRATCH/build.log")"
make -C "$obj" M="$UOB_SCRATCH/tests/parity/standin" W=1 KCFLAGS=-Werror modules \
	>"$UOB_SCRATCH/standin.log" 2>&1 || { cat "$UOB_SCRATCH/standin.log" >&2; uob_die "stand-in build failed"; }
cp "$UOB_SCRATCH"/usb-offload/usb-offload.ko "$UOB_SCRATCH"/xhci-sideband/xhci-sideband.ko \
	"$UOB_SCRATCH"/qc-audio-offload/qc-audio-offload.ko \
	"$UOB_SCRATCH"/tests/parity/standin/q6usb-standin.ko "$kodir/"
# mainline's driver: as 7.2.11 builds it, its first stream enable divides by
# zero (enable_audio_stream() hands snd-usb-audio unrefined hw_params: period
# size 0); so by default it is rebuilt here from the same source with that
# one fix (tests/parity/mainline-period.patch, test-only), nothing else.
# UOB_PARITY_MAINLINE=pristine boots the in-tree module as it is.
if [ "${UOB_PARITY_MAINLINE:-fixed}" = pristine ]; then
	qmi=$(modinfo -b "$obj/staging" -k "$rel" -n snd-usb-audio-qmi) ||
		uob_die "the parity kernel has no snd-usb-audio-qmi module"
	cp "$qmi" "$kodir/snd-usb-audio-qmi.ko"
else
	ml=$UOB_SCRATCH/mainline/sound/usb
	mkdir -p "$ml/qcom"
	cp "$src"/sound/usb/*.h "$ml/"
	cp "$src"/sound/usb/qcom/* "$ml/qcom/"
	patch -d "$UOB_SCRATCH/mainline" -p1 --quiet <"$UOB_TOP/tests/parity/mainline-period.patch" ||
		uob_die "mainline-period.patch does not apply to $rel"
	make -C "$obj" M="$ml/qcom" modules >"$UOB_SCRATCH/mainline.log" 2>&1 ||
		{ cat "$UOB_SCRATCH/mainline.log" >&2; uob_die "mainline's driver (fixed) does not build"; }
	cp "$ml/qcom/snd-usb-audio-qmi.ko" "$kodir/snd-usb-audio-qmi.ko"
fi

# the kernel's own modules both boots need: the QMI helpers (the rest is built in)
# shellcheck disable=SC2034 # read by uob_guest_initramfs
UOB_GUEST_STOCK_MODULES=(qmi_helpers)
uob_guest_rig "$out" "$UOB_TOP/tests/guest/parity-init.sh" "$kodir" \
	"$kodir/q6usb-standin.ko" "$kodir/snd-usb-audio-qmi.ko"

for impl in ${UOB_PARITY_ONLY:-mainline ours}; do
	uob_log "booting $rel with $impl's 0x41D service"
	start=$(date +%s)
	e2e=0
	UOB_E2E_QEMU_ARGS=$UOB_GUEST_IOMMU_QEMU \
	UOB_E2E_APPEND="$UOB_GUEST_IOMMU_APPEND uob_impl=$impl ${UOB_PARITY_APPEND:-}" \
		python3 "$UOB_TOP/tests/e2e/e2e.py" "$obj/arch/x86/boot/bzImage" "$out/initrd.gz" \
		"$out/console-$impl.log" "${UOB_PARITY_TIMEOUT:-900}" >"$out/result-$impl" || e2e=1
	# the one kernel report mainline's boot may show: its page fault on
	# token-high-bits (README row 6), judged in tests/parity/mainline-oops.py
	if [ $e2e -ne 0 ] && [ "$impl" = mainline ]; then
		python3 "$UOB_TOP/tests/parity/mainline-oops.py" "$out/console-$impl.log" \
			"$out/result-$impl" && e2e=0
	fi
	[ $e2e -eq 0 ] || rc=1
	sed -e "s/^ok - /ok - $impl: /" -e "s/^not ok - /not ok - $impl: /" "$out/result-$impl"
	uob_log "$impl boot took $(( $(date +%s) - start )) s; console: $out/console-$impl.log"
done
[ -n "${UOB_PARITY_ONLY:-}" ] && exit "$rc"

python3 "$UOB_TOP/tests/parity/compare.py" "$out/console-mainline.log" "$out/console-ours.log" \
	"$UOB_TOP/docs/mainline.md" --tsv "$out/fields.tsv" | tee "$out/table.txt" || rc=1
uob_log "parity-7.2 took $(( $(date +%s) - t0 )) s"
exit "$rc"
