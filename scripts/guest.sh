# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Guest helpers for a 6.12.111 kernel in QEMU (sourced): Debian's stock
# kernel by default, or the debug kernel of make e2e-debug.
#
#   uob_guest_kernel IMAGE KVER [MODROOT]
#       the kernel the guests boot and whose modules they get (KVER's
#       modules under MODROOT/lib/modules; default: Debian's, under /).
#   uob_guest_initramfs OUT.cpio.gz INIT_SCRIPT KO... [-- FILE=DEST...]
#       busybox initramfs with the kernel's modules the rig needs (and their
#       dependencies, decompressed, in load order in /lib/uob/stock.list),
#       our modules in /lib/uob/, INIT_SCRIPT as /init.
#   uob_guest_boot INITRAMFS LOG TIMEOUT [QEMU ARGS...]
#       boots it with qemu-xhci + usb-audio, console to LOG.
#       UOB_GUEST_IOMMU=1: with the IOMMU rig (UOB_GUEST_IOMMU_* below).
#       UOB_GUEST_APPEND: more kernel command line; the guest's parameters
#       go there as lowercase uob_*=VALUE words, which the kernel hands to
#       /init as environment variables (tests/e2e/e2e.py: UOB_E2E_APPEND).
#   UOB_GUEST_BUSYBOX, UOB_GUEST_MODROOT, UOB_GUEST_KVER: another
#       architecture's busybox and stock modules (scripts/arm64-guest.sh).

UOB_GUEST_STOCK_MODULES=(xhci-pci snd-usb-audio qrtr qmi_helpers)

UOB_GUEST_IMAGE=$UOB_REF_IMAGE
UOB_GUEST_KVER=$UOB_REF_KVER
UOB_GUEST_MODROOT=/

uob_guest_kernel() {
	UOB_GUEST_IMAGE=$1 UOB_GUEST_KVER=$2 UOB_GUEST_MODROOT=${3:-/}
	[ -f "$UOB_GUEST_IMAGE" ] || uob_die "no kernel image $UOB_GUEST_IMAGE"
	[ -f "$UOB_GUEST_MODROOT/lib/modules/$UOB_GUEST_KVER/modules.dep" ] ||
		uob_die "no modules of $UOB_GUEST_KVER under $UOB_GUEST_MODROOT"
}

# The IOMMU rig (make e2e, make bench): QEMU's Intel VT-d in front of the
# devices (it must come before them), a spare PCI device at 00:10.0 whose
# domain stands in for the DSP's, and the kernel told to use the IOMMU.
UOB_GUEST_IOMMU_QEMU="-device intel-iommu -device pci-testdev,addr=10.0"
UOB_GUEST_IOMMU_APPEND="intel_iommu=on iommu.strict=1"

uob_guest_initramfs() {
	local out=$1 init=$2; shift 2
	local root; root=$(mktemp -d)
	mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,lib/uob,etc}
	cp "${UOB_GUEST_BUSYBOX:-/bin/busybox}" "$root/bin/busybox"
	local a
	for a in $(/bin/busybox --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	# the kernel's modules, in dependency order, decompressed on the host
	# (built-in ones are listed as "builtin" and need nothing)
	local m line ko deps=
	: >"$root/lib/uob/stock.list"
	for m in "${UOB_GUEST_STOCK_MODULES[@]}"; do
		deps+=$(modprobe -d "$UOB_GUEST_MODROOT" -S "$UOB_GUEST_KVER" --show-depends "$m") ||
			uob_die "$m: neither a module nor built into $UOB_GUEST_KVER"
		deps+=$'\n'
	done
	echo "$deps" | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
		local base; base=$(basename "$ko"); base=${base%.xz}
		xz -dc "$ko" >"$root/lib/uob/$base" 2>/dev/null || cp "$ko" "$root/lib/uob/$base"
		echo "$base" >>"$root/lib/uob/stock.list"
	done
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		cp "$1" "$root/lib/uob/"; shift
	done
	[ "${1:-}" = -- ] && shift
	for line in "$@"; do
		mkdir -p "$root/$(dirname "${line#*=}")"
		cp -rL "${line%%=*}" "$root/${line#*=}"
	done
	cp "$UOB_TOP/tests/guest/lib.sh" "$root/lib/uob/guest-lib.sh"
	cp "$UOB_TOP/tests/guest/lifecycle.sh" "$root/lib/uob/lifecycle.sh"
	cp "$UOB_TOP/tests/guest/dsp-stream-lib.sh" "$root/lib/uob/dsp-stream-lib.sh"
	cp "$init" "$root/init"
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
	rm -rf "$root"
}

# FILE=DEST pairs for a dynamically linked program and every library it
# needs (as ldd resolves them on the host, which is the guest's userspace).
uob_guest_binary() {
	local bin=$1 dest=$2 lib
	echo "$bin=$dest"
	for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
		echo "$lib=$lib"
	done
}

uob_guest_boot() {
	local initrd=$1 log=$2 timeout=$3; shift 3
	# thread=single: multi-threaded TCG races with the kernel's live code
	# patching (seen: "Oops: int3" in a static key at boot, before any
	# module of ours was loaded); 2 vCPUs run round-robin instead.
	local first=() append="console=ttyS0 panic=-1 loglevel=4 hung_task_timeout_secs=20"
	append="$append${UOB_GUEST_APPEND:+ $UOB_GUEST_APPEND}"
	if [ "${UOB_GUEST_IOMMU:-0}" = 1 ]; then
		read -r -a first <<<"$UOB_GUEST_IOMMU_QEMU"
		append="$append $UOB_GUEST_IOMMU_APPEND"
	fi
	timeout --foreground -k 5 "$timeout" qemu-system-x86_64 \
		-machine q35 -accel tcg,thread=single -m 1024 -smp 2 -nographic -no-reboot \
		-kernel "$UOB_GUEST_IMAGE" -initrd "$initrd" \
		-append "$append" "${first[@]}" \
		-device qemu-xhci,id=xhci \
		-audiodev none,id=snd0 \
		-device usb-audio,bus=xhci.0,port=1,audiodev=snd0 \
		"$@" </dev/null >"$log" 2>&1
}

# uob_guest_rig OUTDIR INIT_SCRIPT [KO_DIR [KO...]]: the modules (built
# here unless KO_DIR holds them already, e.g. from DKMS), the DSP clients
# (local and remote, tests/dsp/uob-tun-dsp.c), QMI fuzzer and usbreset
# tool, and an initramfs with INIT_SCRIPT as /init, in OUTDIR/initrd.gz.
# More modules for /lib/uob/: KO... and UOB_GUEST_EXTRA_KO (space-separated
# paths; e.g. the emulated DSP of scripts/dsp-stream.sh); more FILE=DEST
# pairs in the array UOB_GUEST_RIG_EXTRA.
UOB_GUEST_RIG_EXTRA=()
uob_guest_rig() {
	local out=$1 init=$2 kodir=${3:-}
	shift "$(( $# < 3 ? $# : 3 ))"
	mkdir -p "$out"
	if [ -z "$kodir" ]; then
		[ "$UOB_GUEST_KVER" = "$UOB_REF_KVER" ] ||
			uob_die "uob_guest_rig: pass the modules built for $UOB_GUEST_KVER"
		# in a copy of the tree: a test builds nothing in the checkout
		uob_log "building the modules for $UOB_REF_KVER"
		rm -rf "$out/src"
		uob_copy_tree "$out/src"
		make -s -C "$out/src" KVER="$UOB_REF_KVER" modules >"$out/build.log" 2>&1 ||
			{ cat "$out/build.log" >&2; uob_die "module build failed"; }
		kodir=$out/ko
		mkdir -p "$kodir"
		cp "$out/src"/usb-offload/usb-offload.ko "$out/src"/xhci-sideband/xhci-sideband.ko \
			"$out/src"/qc-audio-offload/qc-audio-offload.ko "$kodir/"
	fi
	uob_log "building the DSP client (libqrtr) and the usbreset tool"
	gcc -O2 -Wall -Wextra -Wno-missing-field-initializers -Wno-format-truncation \
		-o "$out/uob-dsp" "$UOB_TOP/tests/dsp/uob-dsp.c" -lqrtr ||
		uob_die "DSP client build failed"
	gcc -O2 -Wall -Wextra -Wno-missing-field-initializers \
		-o "$out/uob-fuzz" "$UOB_TOP/tests/dsp/uob-fuzz.c" -lqrtr ||
		uob_die "QMI fuzzer build failed"
	gcc -O2 -Wall -o "$out/uob-usbreset" "$UOB_TOP/tests/dsp/uob-usbreset.c" ||
		uob_die "usbreset build failed"
	gcc -O2 -Wall -Wextra -Wno-missing-field-initializers \
		-o "$out/uob-tun-dsp" "$UOB_TOP/tests/dsp/uob-tun-dsp.c" -lqrtr ||
		uob_die "remote DSP (qrtr-tun) build failed"
	local extra
	gcc -O2 -Wall -o "$out/uob-alsa-floor" "$UOB_TOP/tests/dsp/uob-alsa-floor.c" -lasound ||
		uob_die "ALSA floor tool build failed"
	mapfile -t extra < <(uob_guest_binary "$out/uob-dsp" /bin/uob-dsp;
			     uob_guest_binary "$out/uob-usbreset" /bin/uob-usbreset;
			     uob_guest_binary "$out/uob-fuzz" /bin/uob-fuzz;
			     uob_guest_binary "$out/uob-alsa-floor" /bin/uob-alsa-floor;
			     uob_guest_binary "$out/uob-tun-dsp" /bin/uob-tun-dsp;
			     echo /usr/share/alsa=/usr/share/alsa;
			     uob_guest_binary /usr/bin/qrtr-lookup /bin/qrtr-lookup)
	local more=()
	read -r -a more <<<"${UOB_GUEST_EXTRA_KO:-}"
	uob_guest_initramfs "$out/initrd.gz" "$init" \
		"$kodir/usb-offload.ko" "$kodir/xhci-sideband.ko" \
		"$kodir/qc-audio-offload.ko" "$@" "${more[@]}" -- "${extra[@]}" "${UOB_GUEST_RIG_EXTRA[@]}"
}

# uob_dsp_audio_stopped PREFIX RESULT [FROM]: for each stream-end event the guest
# drove while the emulated DSP streamed (tests/guest/dsp-stream-lib.sh),
# how much audio the recording gained after it ("# wavsize
# TAG-before|after1s|after2s BYTES" lines of tests/e2e/e2e.py; 192 bytes a
# millisecond).  The emulator had 400 packets queued: a teardown that
# stops the endpoint ends the audio within what QEMU's usb-audio has
# buffered and what the wav backend buffers, not 400 ms later; and nothing
# more after that.  FROM (default "before"): the recording's size the
# 250 ms count from, sampled just before the event, or "told": once the
# client got the indication (the debug kernel's teardown itself takes up to
# a second of guest time).  TAP lines; returns 1 if any event fails or
# none ran.
uob_dsp_audio_stopped() {
	local pfx=$1 res=$2 from=${3:-before} tag b a1 a2 d1 d2 ret=0 tags note=
	[ "$from" = before ] || note=" once $from"
	mapfile -t tags < <(awk '$1 == "#" && $2 == "wavsize" && $3 ~ /-before$/ { sub(/-before$/, "", $3); print $3 }' "$res")
	if [ ${#tags[@]} -eq 0 ]; then
		echo "not ok - ${pfx}the audio stopped after each event: no event ran"
		return 1
	fi
	for tag in "${tags[@]}"; do
		b=$(awk -v l="$tag-$from" '$1 == "#" && $2 == "wavsize" && $3 == l { print $4 }' "$res")
		a1=$(awk -v l="$tag-after1s" '$1 == "#" && $2 == "wavsize" && $3 == l { print $4 }' "$res")
		a2=$(awk -v l="$tag-after2s" '$1 == "#" && $2 == "wavsize" && $3 == l { print $4 }' "$res")
		if [ -z "$b" ] || [ -z "$a1" ] || [ -z "$a2" ]; then
			echo "not ok - ${pfx}$tag while streaming: the audio stopped (no recording sizes)"
			ret=1
			continue
		fi
		d1=$(( (a1 - b) / 192 )) d2=$(( (a2 - a1) / 192 ))
		if [ "$d1" -le 250 ] && [ "$d2" -eq 0 ]; then
			echo "ok - ${pfx}$tag while streaming: the audio stopped ($d1 ms more$note, then none)"
		else
			echo "not ok - ${pfx}$tag while streaming: the audio stopped ($d1 ms more$note in 1 s, then $d2 ms; at most 250, then 0)"
			ret=1
		fi
	done
	return "$ret"
}
