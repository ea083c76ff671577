#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make dsp-stream (step dsp-stream of make check): an emulated DSP
# (tests/dsp-emu/uob-dsp-emu.ko, built here W=1 -Werror in a scratch copy)
# streams through what the QMI enable response hands over, on Debian's
# stock 6.12.111 kernel in QEMU, with the dkms-built modules: `uob-dsp play`
# twice per guest (tests/guest/dsp-stream-init.sh), once in the plain guest
# and once in the VT-d guest (iommu.strict=1, iommu_dev=pci:0000:00:10.0
# sid=7).  QEMU's usb-audio records into a wav, which
# tests/dsp-emu/wavcheck.py checks against the packets each play queued;
# the checker is shown to fail on doctored copies of the recording.
# QEMU 7.2's audio settings: the mixing engine off, so the samples are
# written bit for bit (with it, usb-audio's volume, 240/255 at "0 dB",
# would scale them).  Without the mixing engine the wav backend cannot be
# given a rate: it labels the file and takes the device's packets at its
# default 44.1 kHz, 8% slower than the 1 ms packets come.  So the device
# gets a buffer of 1024 packets (usb-audio buffer=, default 32: it drops
# what does not fit) and each play waits for it to play out before it
# disables (UOB_DSP_PLAYOUT_MS); the check reads the samples, not the rate.
# Then the stream-end events with the emulator streaming, in both guests
# again (tests/guest/dsp-stream-init.sh, uob_dsp_mode=variants).
# UOB_E2E_KO=<dir>: modules from elsewhere.  UOB_PLAY_S: seconds per play.
# UOB_DSP_BOOTS: which guests (default "plain iommu variants iommu-variants").
set -euo pipefail
UOB_STEP=dsp-stream
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/guest.sh"

uob_provision guest

if [ -z "${UOB_E2E_KO:-}" ]; then
	"$UOB_TOP/scripts/dkms-build.sh" "$UOB_REF_KVER"
	UOB_E2E_KO=$UOB_CACHE/dkms/ko
fi
out=$UOB_CACHE/dsp-stream
secs=${UOB_PLAY_S:-6}
mkdir -p "$out"

# the emulator, in a scratch copy (a test builds nothing in the checkout)
emu=$out/emu
rm -rf "$emu"
mkdir -p "$emu"
cp "$UOB_TOP/tests/dsp-emu/Kbuild" "$UOB_TOP/tests/dsp-emu/uob-dsp-emu.c" "$emu/"
uob_log "building the emulated DSP for $UOB_REF_KVER (W=1 -Werror)"
make -C "$UOB_REF_KDIR" M="$emu" W=1 KCFLAGS=-Werror modules >"$emu/build.log" 2>&1 ||
	{ cat "$emu/build.log" >&2; uob_die "emulator build failed"; }
if grep -E '(warning|error):' "$emu/build.log"; then
	uob_die "emulator build has warnings"
fi

UOB_GUEST_EXTRA_KO="$emu/uob-dsp-emu.ko" \
	uob_guest_rig "$out" "$UOB_TOP/tests/guest/dsp-stream-init.sh" "$UOB_E2E_KO"

rc=0
# boot NAME: one guest (plain, iommu, variants, iommu-variants); its TAP
# lines, then what the recording says
boot() {
	local name=$1 pfx wav res t0 runs
	pfx=$([[ "$name" = iommu* ]] && echo "IOMMU: " || true)
	wav=$out/$name.wav
	res=$out/$name.result
	rm -f "$wav"
	uob_log "booting $UOB_REF_IMAGE ($name) with the emulated DSP"
	t0=$(date +%s)
	local qemu_args="" append="uob_play_s=$secs"
	if [[ "$name" = iommu* ]]; then
		qemu_args=$UOB_GUEST_IOMMU_QEMU
		append="$append $UOB_GUEST_IOMMU_APPEND uob_dsp_iommu=1"
	fi
	[[ "$name" != *variants ]] || append="$append uob_dsp_mode=variants"
	UOB_E2E_WAV=$wav UOB_E2E_AUDIODEV="wav,id=snd0,path=$wav,out.mixing-engine=off" \
		UOB_E2E_AUDIO_PROPS=buffer=$((1024 * 192)) \
		UOB_E2E_QEMU_ARGS=$qemu_args UOB_E2E_APPEND=$append \
		python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_REF_IMAGE" "$out/initrd.gz" \
		"$out/$name.console.log" "$([[ "$name" = *variants ]] && echo 400 || echo 150)" |
		tee "$res" || rc=1
	uob_log "$name guest took $(( $(date +%s) - t0 )) s; console log: $out/$name.console.log"

	if [[ "$name" = *variants ]]; then
		uob_dsp_audio_stopped "$pfx" "$res" || rc=1
		return
	fi
	mapfile -t runs < <(sed -n 's/^# wav-run: \([0-9]*\)$/\1/p' "$res")
	if [ ${#runs[@]} -ne 2 ]; then
		echo "not ok - ${pfx}wav: the guest reported ${#runs[@]} play(s), not 2"
		rc=1
		return
	fi
	if [ "${runs[0]}" -lt 5000 ]; then
		echo "not ok - ${pfx}wav: play 1 queued ${runs[0]} packets, less than 5 s"
		rc=1
	fi
	if python3 "$UOB_TOP/tests/dsp-emu/wavcheck.py" "$wav" "${runs[@]}" >"$out/$name.wavcheck" 2>&1; then
		echo "ok - ${pfx}wav holds exactly the emulator's signal (${runs[0]} + ${runs[1]} packets)"
	else
		echo "not ok - ${pfx}wav holds exactly the emulator's signal (${runs[0]} + ${runs[1]} packets)"
		rc=1
	fi
	sed 's/^/# /' "$out/$name.wavcheck"
	[ "$name" = plain ] || return 0
	# the checker can fail: one packet of the recording dropped, repeated,
	# or swapped with the next
	local m what
	for m in drop repeat swap; do
		what=${m/%p/pped}; what=${what/%t/ted}
		if ! python3 "$UOB_TOP/tests/dsp-emu/wavcheck.py" --doctor "$m" "$wav" "$out/doctored.wav" 2500 ||
		    python3 "$UOB_TOP/tests/dsp-emu/wavcheck.py" "$out/doctored.wav" "${runs[@]}" >"$out/doctored.log" 2>&1; then
			echo "not ok - wav check fails on the recording with a packet $what"
			rc=1
		else
			echo "ok - wav check fails on the recording with a packet $what: $(grep FAIL "$out/doctored.log" | sed 's/.*FAIL: //')"
		fi
	done
	rm -f "$out/doctored.wav"
}
for b in ${UOB_DSP_BOOTS:-plain iommu variants iommu-variants}; do
	boot "$b"
done
exit "$rc"
