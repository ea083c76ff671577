#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The project's guests on arm64: Debian's arm64 6.12 kernels in
# qemu-system-aarch64 (virt, TCG) with qemu-xhci + usb-audio, the modules
# cross-built against Debian's arm64 headers, the DSP client and tools
# cross-built against Debian's arm64 libqrtr and libasound.
#
#   arm64-e2e.sh run [KERNEL...]  make run's session (tests/guest/run-init.sh)
#   arm64-e2e.sh iommu [KERNEL...]  the IOMMU scenarios alone
#   arm64-e2e.sh dsp [KERNEL...]    the emulated DSP's guests alone
#   arm64-e2e.sh [all [KERNEL...]]
#                       that, the e2e scenarios (tests/guest/e2e-init.sh)
#                       and the IOMMU scenarios (tests/guest/iommu-init.sh)
#                       on virt,iommu=smmuv3, judged like the x86 ones by
#                       tests/e2e/e2e.py, then the emulated DSP streaming
#                       through the SMMUv3 (tests/guest/dsp-stream-init.sh,
#                       as scripts/dsp-stream.sh's VT-d guests: two plays
#                       recorded by QEMU and checked on the host, then the
#                       stream-end events).  Results are TAP lines, counted
#                       by make check's runner.
# UOB_ARM64_PLAY_S: seconds per play (default 5).
#
# KERNEL (scripts/arm64-guest.sh: uob_arm64_kernel), default stock:
#   stock   bookworm's linux-image-6.12.111+deb12-arm64 on a Cortex-A57
#   16k     trixie's linux-image-6.12.*-arm64-16k (16K pages) on QEMU's
#           "max" CPU; its results are named "arm64-16k: ..."
#
# arm64 virt has no S3 (its mem_sleep is s2idle only, which nothing wakes
# on this rig): the S3 scenarios print SKIP there ("ok - ... # SKIP"), and
# are counted as neither passed nor failed.
set -euo pipefail
UOB_STEP=arm64-e2e
. "$(dirname "$0")/lib.sh"
. "$UOB_TOP/scripts/arm64-guest.sh"

what=${1:-all}
case $what in
run|all|iommu|dsp) [ $# -eq 0 ] || shift ;;
stock|16k) what=all ;;
*) uob_die "usage: $0 [run|all|iommu|dsp] [stock|16k...]" ;;
esac
kernels=("$@")
[ ${#kernels[@]} -gt 0 ] || kernels=(stock)

# one kernel's guests: in its own subshell (uob_arm64_kernel sets globals)
run_kernel() (
	set -euo pipefail
	local flavour=$1 rc=0 base out dt start pfx=arm64
	uob_arm64_kernel "$flavour"
	uob_arm64_prepare
	base=$UOB_CACHE/arm64
	if [ "$flavour" != stock ]; then
		base=$UOB_CACHE/arm64-$flavour pfx=arm64-$flavour
	fi
	mkdir -p "$base"
	uob_arm64_build "$base"
	# the results of this kernel's guests, named after it (not the stock's)
	name() {
		if [ "$flavour" = stock ]; then cat
		else sed -u -E "s/^((not )?ok - )/\1$pfx: /"
		fi
	}
	local pg="uob_page_size=$UOB_ARM64_PAGE_SIZE"

	rm -f "$base"/{run,e2e,iommu}/result "$base"/dsp/*.result
	# 1. make run's session
	[ "$what" != iommu ] || { run_iommu; return; }
	[ "$what" != dsp ] || { run_dsp; return; }
	out=$base/run
	uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/run-init.sh"
	uob_log "booting $UOB_ARM64_KVER in qemu-system-aarch64 (TCG, -cpu $UOB_ARM64_CPU) with make run's session"
	start=$(date +%s)
	uob_arm64_boot "$out/initrd.gz" "$out/console.log" 300 || true
	dt=$(( $(date +%s) - start ))
	grep -a 'uob-run:' "$out/console.log" | sed 's/^.*uob-run: //' || true
	{
		ok=1
		if ! grep -aq 'uob-run: done' "$out/console.log"; then
			tail -30 "$out/console.log" | sed 's/^/# /'; echo "# $pfx run: the guest did not finish"; ok=0
		elif ! grep -aq 'uob-run: uob-dsp session: ok' "$out/console.log"; then
			echo "# $pfx run: the offload session failed"; ok=0
		fi
		if grep -aE 'WARNING:|BUG:|Oops|blocked for more than' "$out/console.log" | sed 's/^/# /' | grep .; then
			echo "# $pfx run: kernel reported a problem"; ok=0
		fi
		[ $ok = 1 ] && echo "ok - $pfx: make run's session" || echo "not ok - $pfx: make run's session"
	} >"$out/result" 2>&1
	cat "$out/result"
	grep -q '^ok - ' "$out/result" || rc=1
	uob_log "$pfx run guest took $dt s; console log: $out/console.log"
	[ "$what" = all ] || return "$rc"

	# 2. the e2e scenarios
	out=$base/e2e
	uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/e2e-init.sh"
	uob_log "booting $UOB_ARM64_KVER with the e2e scenarios"
	start=$(date +%s)
	UOB_E2E_QEMU=$(uob_arm64_qemu) UOB_E2E_CONSOLE=ttyAMA0 UOB_E2E_APPEND=$pg \
		python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_ARM64_IMAGE" "$out/initrd.gz" \
		"$out/console.log" 600 | name | tee "$out/result" || rc=1
	uob_log "$pfx e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"

	run_iommu || rc=1
	run_dsp || rc=1
	return "$rc"
)

# 3. the IOMMU scenarios: an SMMUv3 in front of the PCI host bridge, the
#    stand-in DSP device bound to pci-stub so that it has a group
#    (run_kernel's variables)
run_iommu() {
	local rc=0
	out=$base/iommu
	uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/iommu-init.sh"
	uob_log "booting $UOB_ARM64_KVER on virt,iommu=smmuv3 (the DSP's domain)"
	start=$(date +%s)
	UOB_E2E_QEMU=$(uob_arm64_qemu iommu) UOB_E2E_CONSOLE=ttyAMA0 \
	UOB_E2E_QEMU_ARGS=$UOB_ARM64_IOMMU_QEMU UOB_E2E_APPEND="$UOB_ARM64_IOMMU_APPEND $pg" \
		python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_ARM64_IMAGE" "$out/initrd.gz" \
		"$out/console.log" 600 | name | tee "$out/result" || rc=1
	uob_log "$pfx IOMMU e2e took $(( $(date +%s) - start )) s; console log: $out/console.log"

	# not run is not passed: say which, and why (the guest's own words)
	local skipped
	skipped=$(cat "$base"/{run,e2e,iommu}/result 2>/dev/null | grep -c '^ok - .* # SKIP' || true)
	[ "$skipped" -eq 0 ] || uob_log "$pfx: $skipped scenario group(s) not run: $(cat "$base"/{run,e2e,iommu}/result 2>/dev/null |
		sed -n 's/^ok - \(.*\) # SKIP$/\1/p' | sort -u | paste -sd';')"
	return "$rc"
}

# 4. the emulated DSP (tests/dsp-emu) streaming through the SMMUv3: the
#    DSP's domain is the stand-in's, as in the IOMMU guest; QEMU's
#    usb-audio records into a wav (settings: scripts/dsp-stream.sh).  Two
#    guests: the plays, whose recording must be exactly the emulator's
#    packets (tests/dsp-emu/wavcheck.py), and the stream-end events while
#    it streams, after each of which the audio must stop
#    (run_kernel's variables)
run_dsp() {
	local rc=0 g wav res append runs secs=${UOB_ARM64_PLAY_S:-5}
	out=$base/dsp
	UOB_GUEST_EXTRA_KO=$base/ko/uob-dsp-emu.ko \
		uob_arm64_rig "$base" "$out" "$UOB_TOP/tests/guest/dsp-stream-init.sh"
	for g in plays variants; do
		wav=$out/$g.wav res=$out/$g.result
		rm -f "$wav" "$out/wavcheck"
		append="$UOB_ARM64_IOMMU_APPEND $pg uob_dsp_iommu=1 uob_play_s=$secs"
		[ "$g" = plays ] || append="$append uob_dsp_mode=variants"
		uob_log "booting $UOB_ARM64_KVER on virt,iommu=smmuv3 with the emulated DSP ($g)"
		start=$(date +%s)
		# the DSP keeps 128 ms queued against QEMU's virtual clock: a TCG
		# vCPU that other work on the machine holds off longer underruns
		# it (seen here: 4664 packets in 5 s), so QEMU runs ahead of it
		UOB_E2E_QEMU="nice -n -10 $(uob_arm64_qemu iommu)" UOB_E2E_CONSOLE=ttyAMA0 \
		UOB_E2E_QEMU_ARGS=$UOB_ARM64_IOMMU_QEMU UOB_E2E_APPEND=$append \
		UOB_E2E_WAV=$wav UOB_E2E_AUDIODEV="wav,id=snd0,path=$wav,out.mixing-engine=off" \
		UOB_E2E_AUDIO_PROPS=buffer=$((1024 * 192)) \
			python3 "$UOB_TOP/tests/e2e/e2e.py" "$UOB_ARM64_IMAGE" "$out/initrd.gz" \
			"$out/$g.console.log" 600 | name | tee "$res" || rc=1
		uob_log "$pfx DSP stream ($g) took $(( $(date +%s) - start )) s; console log: $out/$g.console.log"
		if [ "$g" = variants ]; then
			dsp_stopped "$res" | name || rc=1
			continue
		fi
		mapfile -t runs < <(sed -n 's/^# wav-run: \([0-9]*\)$/\1/p' "$res")
		{
			if [ ${#runs[@]} -ne 2 ]; then
				echo "not ok - SMMUv3 DSP wav: the guest reported ${#runs[@]} play(s), not 2"
			else
				[ "${runs[0]}" -ge $((secs * 1000)) ] ||
					echo "not ok - SMMUv3 DSP wav: play 1 queued ${runs[0]} packets, less than $secs s"
				if python3 "$UOB_TOP/tests/dsp-emu/wavcheck.py" "$wav" "${runs[@]}" >"$out/wavcheck" 2>&1; then
					echo "ok - SMMUv3 DSP wav holds exactly the emulator's signal (${runs[0]} + ${runs[1]} packets)"
				else
					echo "not ok - SMMUv3 DSP wav holds exactly the emulator's signal (${runs[0]} + ${runs[1]} packets)"
				fi
				sed 's/^/# /' "$out/wavcheck"
			fi
		} | name | tee -a "$res"
		! grep -q '^not ok - ' "$res" || rc=1
	done
	return "$rc"
}

# dsp_stopped RESULT: for every stream-end event the guest sampled the
# recording's size around ("# wavsize TAG-before|after1s|after2s BYTES",
# tests/e2e/e2e.py; 192 bytes a millisecond): at most 250 ms more audio in
# the second after it (the emulator had 400 packets queued: a teardown that
# lets the controller play on adds up to 400 ms), then none.
dsp_stopped() {
	local res=$1 tag b a1 a2 d1 d2 n=0 bad=0
	for tag in $(awk '$1 == "#" && $2 == "wavsize" { sub(/-[a-z0-9]*$/, "", $3); print $3 }' "$res" | uniq); do
		n=$((n + 1))
		b=$(awk -v l="$tag-before" '$1 == "#" && $2 == "wavsize" && $3 == l { print $4 }' "$res")
		a1=$(awk -v l="$tag-after1s" '$1 == "#" && $2 == "wavsize" && $3 == l { print $4 }' "$res")
		a2=$(awk -v l="$tag-after2s" '$1 == "#" && $2 == "wavsize" && $3 == l { print $4 }' "$res")
		if [ -z "$b" ] || [ -z "$a1" ] || [ -z "$a2" ]; then
			echo "not ok - IOMMU: $tag while streaming: the audio stopped (no recording sizes)"
			bad=1
			continue
		fi
		d1=$(( (a1 - b) / 192 )) d2=$(( (a2 - a1) / 192 ))
		if [ "$d1" -le 250 ] && [ "$d2" -eq 0 ]; then
			echo "ok - IOMMU: $tag while streaming: the audio stopped ($d1 ms more, then none)"
		else
			echo "not ok - IOMMU: $tag while streaming: the audio stopped ($d1 ms more in 1 s, then $d2 ms; at most 250, then 0)"
			bad=1
		fi
	done
	if [ "$n" -lt 4 ]; then
		echo "not ok - IOMMU: the stream-end events sampled the recording ($n of at least 4)"
		bad=1
	fi
	return "$bad"
}

rc=0
for k in "${kernels[@]}"; do
	case $k in stock|16k) ;; *) uob_die "usage: $0 [run|all] [stock|16k...]";; esac
	run_kernel "$k" || rc=1
done
if [ "$rc" -ne 0 ] && [ "$what" = run ]; then
	uob_die "the arm64 session failed (logs: $UOB_CACHE/arm64*/run/console.log)"
fi
exit "$rc"
