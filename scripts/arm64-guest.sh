# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Guest helpers for Debian's stock arm64 6.12.111 kernel in
# qemu-system-aarch64 (sourced after lib.sh).  What is the same as on x86
# (the initramfs layout, the /init scripts, the stock module list) comes
# from scripts/guest.sh; what differs is here:
#
#   uob_arm64_kernel stock|16k
#       which kernel the functions below build for and boot: Debian's stock
#       arm64 6.12.111 (bookworm; the default), or trixie's 16K-page
#       linux-image-6.12.*-arm64-16k (UOB_ARM64_KROOT: its unpacked
#       packages; the guests' userspace stays bookworm's, UOB_ARM64_ROOT).
#   uob_arm64_prepare
#       packages, the reference source (xhci.h) and the arm64 .debs
#       (scripts/arm64-fetch.sh); for 16k also trixie's and the trixie
#       build chroot (scripts/arm64-16k-cross.sh).
#   uob_arm64_build BASE
#       the modules and the emulated DSP (tests/dsp-emu) cross-built
#       against Debian's arm64 headers (vermagic and every symbol CRC
#       checked against that kernel) in BASE/ko, the
#       DSP client and tools cross-built against Debian's arm64
#       libqrtr/libasound in BASE.
#   uob_arm64_rig BASE OUTDIR INIT_SCRIPT
#       an initramfs OUTDIR/initrd.gz with BASE's modules and tools, the
#       arm64 busybox, the stock arm64 modules from the unpacked image
#       (modprobe -d) and INIT_SCRIPT as /init; more modules for /lib/uob/
#       in UOB_GUEST_EXTRA_KO (BASE/ko/uob-dsp-emu.ko: the emulated DSP).
#   uob_arm64_qemu [iommu]
#       prints the QEMU command's start: virt, Cortex-A57 (16k: max, the
#       CPU QEMU has with the 16K translation granule), single-threaded
#       TCG; "iommu" adds an SMMUv3 in front of the PCI host bridge.
#   uob_arm64_boot INITRAMFS LOG TIMEOUT [QEMU ARGS...]
#       boots it with qemu-xhci + usb-audio, console to LOG.

. "$UOB_TOP/scripts/guest.sh"

# pci-stub: on the IOMMU rig the DSP stand-in is bound to it (on a
# device-tree system a PCI device joins its SMMU's group only when a driver
# binds).  The SMMUv3 driver is built into Debian's arm64 kernel.
UOB_GUEST_STOCK_MODULES+=(pci-stub)

# arm64 virt: PL011 console; the SMMUv3 QEMU puts at 0x09050000 (sysfs
# names it by address) in front of the PCI host bridge; the spare PCI
# device standing in for the DSP at 00:10.0, as on q35.  The uob_* words
# reach the guest's /init as environment (tests/guest/iommu-init.sh).
UOB_ARM64_APPEND="console=ttyAMA0 panic=-1 loglevel=4 hung_task_timeout_secs=20"
UOB_ARM64_IOMMU_QEMU="-device pci-testdev,addr=10.0"
UOB_ARM64_IOMMU_APPEND="iommu.strict=1 uob_iommu_name=SMMUv3 uob_iommu_sysfs=smmu3.0x0000000009050000 uob_dsp_driver=pci-stub"

UOB_ARM64_LIBDIRS=("$UOB_ARM64_ROOT/lib/aarch64-linux-gnu" "$UOB_ARM64_ROOT/usr/lib/aarch64-linux-gnu")

# the kernel: stock (lib.sh's UOB_ARM64_KVER, _KDIR, _IMAGE) or 16k
UOB_ARM64_FLAVOUR=stock
UOB_ARM64_KROOT=$UOB_ARM64_ROOT
UOB_ARM64_CPU=cortex-a57
# the page size the guests must see (tests/guest/lib.sh: uob_page_sizes)
UOB_ARM64_PAGE_SIZE=4096
uob_arm64_kernel() {
	UOB_ARM64_FLAVOUR=$1
	case $1 in
	stock) ;;
	16k)
		UOB_ARM64_KROOT=$UOB_ARM64_16K_ROOT
		# QEMU's own pointer-authentication hash: the architected one
		# (QARMA) is what makes TCG with "max" slow
		UOB_ARM64_CPU=max,pauth-impdef=on
		UOB_ARM64_PAGE_SIZE=16384
		# the version arm64-fetch.sh picked (unknown before it ran)
		if [ -f "$UOB_ARM64_KROOT/.uob-kver" ]; then
			UOB_ARM64_KVER=$(cat "$UOB_ARM64_KROOT/.uob-kver")
			UOB_ARM64_KDIR=$UOB_ARM64_KROOT/usr/src/linux-headers-$UOB_ARM64_KVER
			UOB_ARM64_IMAGE=$UOB_ARM64_KROOT/boot/vmlinuz-$UOB_ARM64_KVER
		fi
		;;
	*) uob_die "arm64 kernel '$1': stock or 16k" ;;
	esac
}

uob_arm64_prepare() {
	uob_provision guest arm64
	"$UOB_TOP/scripts/arm64-fetch.sh"
	if [ "$UOB_ARM64_FLAVOUR" = 16k ]; then
		"$UOB_TOP/scripts/arm64-fetch.sh" 16k
		"$UOB_TOP/scripts/arm64-16k-cross.sh" >/dev/null
		uob_arm64_kernel 16k
	fi
}

# shellcheck disable=SC2120 # called with "iommu" from scripts/arm64-e2e.sh
uob_arm64_qemu() {
	local m=virt
	[ "${1:-}" = iommu ] && m=virt,iommu=smmuv3
	# thread=single: see scripts/guest.sh
	echo "qemu-system-aarch64 -machine $m -cpu $UOB_ARM64_CPU -accel tcg,thread=single"
}

# uob_arm64_check_ko KO SYMVERS...: built for the arm64 kernel: its vermagic
# is that of the kernel's own modules, and every symbol it imports has the
# CRC the kernel (or our own module, in SYMVERS) exports it with.
uob_arm64_check_ko() {
	local ko=$1; shift
	local want got bad
	want=$(modinfo -F vermagic "$UOB_ARM64_KROOT/lib/modules/$UOB_ARM64_KVER/kernel/sound/usb/snd-usb-audio.ko.xz")
	got=$(modinfo -F vermagic "$ko")
	[ "$got" = "$want" ] || uob_die "$(basename "$ko"): vermagic '$got', the kernel's modules have '$want'"
	bad=$(/sbin/modprobe --dump-modversions "$ko" | awk '
		FILENAME != "-" { crc[$2] = $1; next }
		!($2 in crc) { print $2 " (not exported)"; next }
		tolower(crc[$2]) != tolower($1) { print $2 " (" $1 ", the kernel has " crc[$2] ")" }' "$@" -)
	[ -z "$bad" ] || uob_die "$(basename "$ko"): symbol CRCs differ from the arm64 kernel's: $bad"
	echo "$(basename "$ko"): vermagic '$got', $(/sbin/modprobe --dump-modversions "$ko" | wc -l) symbol CRCs match"
}

# uob_arm64_modules OUTDIR: the three modules, W=1 -Werror, built against
# Debian's arm64 headers (their .kernelvariables set ARCH and
# CROSS_COMPILE) with xhci.h from the reference source; modpost resolves
# every symbol (no KBUILD_MODPOST_WARN).  Copies them to OUTDIR/ko.
# 16k: no source of that kernel here, so the xHCI layouts come from its
# BTF (the image's vmlinuz and xhci-hcd.ko, scripts/btf-layouts.sh), and the
# build runs in the trixie chroot (its gcc-14 and kbuild).
uob_arm64_modules() {
	local out=$1 dir=$UOB_CACHE/scratch/arm64-guest-$UOB_ARM64_FLAVOUR m
	rm -rf "$dir"; mkdir -p "$dir" "$out/ko"
	uob_copy_tree "$dir"
	uob_log "building the modules against Debian's $UOB_ARM64_KVER headers"
	if [ "$UOB_ARM64_FLAVOUR" = 16k ]; then
		UOB_BTF_VMLINUX=$UOB_ARM64_IMAGE \
		UOB_BTF_XHCI=$UOB_ARM64_KROOT/lib/modules/$UOB_ARM64_KVER/kernel/drivers/usb/host/xhci-hcd.ko.xz \
			"$UOB_TOP/scripts/arm64-16k-cross.sh" run "$dir" -- \
			make -C "$dir" KDIR="$UOB_ARM64_KDIR" W=1 KCFLAGS=-Werror modules \
			>"$out/build.log" 2>&1 ||
			{ cat "$out/build.log" >&2; uob_die "arm64 16k module build failed"; }
		grep -q "^xhci-sideband: xHCI layouts from the BTF of .*$UOB_ARM64_KVER" "$out/build.log" ||
			uob_die "arm64 16k: xhci-sideband's layouts are not from $UOB_ARM64_KVER's BTF"
	else
		make -C "$dir" KDIR="$UOB_ARM64_KDIR" KSRC="$UOB_REF_SRC" W=1 KCFLAGS=-Werror \
			modules >"$out/build.log" 2>&1 ||
			{ cat "$out/build.log" >&2; uob_die "arm64 module build failed"; }
	fi
	if grep -E '(warning|error):|undefined!|skipped' "$out/build.log"; then
		uob_die "arm64 module build has warnings, unresolved symbols or skipped modules"
	fi
	# the emulated DSP (test-only, tests/dsp-emu), the same way
	uob_log "building the emulated DSP against the same headers"
	if [ "$UOB_ARM64_FLAVOUR" = 16k ]; then
		"$UOB_TOP/scripts/arm64-16k-cross.sh" run "$dir" -- \
			make -C "$UOB_ARM64_KDIR" M="$dir/tests/dsp-emu" W=1 KCFLAGS=-Werror modules \
			>"$out/build-emu.log" 2>&1 ||
			{ cat "$out/build-emu.log" >&2; uob_die "arm64 16k emulator build failed"; }
	else
		make -C "$UOB_ARM64_KDIR" M="$dir/tests/dsp-emu" W=1 KCFLAGS=-Werror modules \
			>"$out/build-emu.log" 2>&1 ||
			{ cat "$out/build-emu.log" >&2; uob_die "arm64 emulator build failed"; }
	fi
	if grep -E '(warning|error):|undefined!' "$out/build-emu.log"; then
		uob_die "arm64 emulator build has warnings or unresolved symbols"
	fi
	for m in usb-offload/usb-offload xhci-sideband/xhci-sideband qc-audio-offload/qc-audio-offload \
		 tests/dsp-emu/uob-dsp-emu; do
		[ -f "$dir/$m.ko" ] || uob_die "arm64: $m.ko was not built"
		uob_arm64_check_ko "$dir/$m.ko" "$UOB_ARM64_KDIR/Module.symvers" "$dir/Module.symvers" |
			tee -a "$out/build.log" >&2
		cp "$dir/$m.ko" "$out/ko/"
	done
}

# uob_arm64_binary BIN DEST: FILE=DEST pairs for an arm64 program and every
# library it needs (DT_NEEDED, recursively, from the unpacked packages), and
# the dynamic loader.
uob_arm64_binary() {
	local bin=$1 dest=$2
	echo "$bin=$dest"
	echo "$UOB_ARM64_ROOT/lib/ld-linux-aarch64.so.1=/lib/ld-linux-aarch64.so.1"
	local todo=("$bin") seen=" " f lib d found
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}; todo=("${todo[@]:1}")
		for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $seen in *" $lib "*) continue;; esac
			seen="$seen$lib "
			found=
			for d in "${UOB_ARM64_LIBDIRS[@]}"; do
				[ -e "$d/$lib" ] && { found=$d/$lib; break; }
			done
			[ -n "$found" ] || uob_die "$(basename "$bin") needs $lib, which no arm64 package here has"
			echo "$found=/lib/aarch64-linux-gnu/$lib"
			todo+=("$found")
		done
	done
}

# uob_arm64_tools OUTDIR: the DSP client, usbreset and ALSA floor tools,
# as tests/dsp/ has them, cross-built against Debian's arm64 libraries.
uob_arm64_tools() {
	local out=$1 t
	local cc=(aarch64-linux-gnu-gcc -O2 -Wall -Wextra -Wno-missing-field-initializers
		  -Wno-format-truncation -I"$UOB_ARM64_ROOT/usr/include")
	local d
	# shellcheck disable=SC2054 # -Wl, takes its arguments with commas
	for d in "${UOB_ARM64_LIBDIRS[@]}"; do cc+=(-L"$d" -Wl,-rpath-link,"$d"); done
	uob_log "cross-building the DSP client (libqrtr), usbreset and ALSA tools"
	"${cc[@]}" -o "$out/uob-dsp" "$UOB_TOP/tests/dsp/uob-dsp.c" -lqrtr ||
		uob_die "arm64 DSP client build failed"
	"${cc[@]}" -o "$out/uob-usbreset" "$UOB_TOP/tests/dsp/uob-usbreset.c" ||
		uob_die "arm64 usbreset build failed"
	"${cc[@]}" -o "$out/uob-alsa-floor" "$UOB_TOP/tests/dsp/uob-alsa-floor.c" -lasound ||
		uob_die "arm64 ALSA floor tool build failed"
	for t in uob-dsp uob-usbreset uob-alsa-floor; do
		file "$out/$t" | grep -q 'ARM aarch64' || uob_die "$t is not an arm64 program"
	done
}

uob_arm64_build() {
	uob_arm64_modules "$1"
	uob_arm64_tools "$1"
}

uob_arm64_rig() {
	local base=$1 out=$2 init=$3 extra more=()
	read -r -a more <<<"${UOB_GUEST_EXTRA_KO:-}"
	mkdir -p "$out"
	mapfile -t extra < <(uob_arm64_binary "$base/uob-dsp" /bin/uob-dsp;
			     uob_arm64_binary "$base/uob-usbreset" /bin/uob-usbreset;
			     uob_arm64_binary "$base/uob-alsa-floor" /bin/uob-alsa-floor;
			     echo /usr/share/alsa=/usr/share/alsa;
			     uob_arm64_binary "$UOB_ARM64_ROOT/usr/bin/qrtr-lookup" /bin/qrtr-lookup)
	# the arm64 busybox (its applet list is the machine's busybox-static's:
	# the same Debian version) and the stock modules of the arm64 image
	UOB_GUEST_BUSYBOX=$UOB_ARM64_ROOT/bin/busybox UOB_GUEST_MODROOT=$UOB_ARM64_KROOT \
	UOB_GUEST_KVER=$UOB_ARM64_KVER \
		uob_guest_initramfs "$out/initrd.gz" "$init" \
		"$base/ko/usb-offload.ko" "$base/ko/xhci-sideband.ko" \
		"$base/ko/qc-audio-offload.ko" "${more[@]}" -- "${extra[@]}"
}

uob_arm64_boot() {
	local initrd=$1 log=$2 timeout=$3; shift 3
	local qemu
	read -r -a qemu <<<"$(uob_arm64_qemu)"
	timeout --foreground -k 5 "$timeout" "${qemu[@]}" \
		-m 1024 -smp 2 -nographic -no-reboot \
		-kernel "$UOB_ARM64_IMAGE" -initrd "$initrd" -append "$UOB_ARM64_APPEND" \
		-device qemu-xhci,id=xhci \
		-audiodev none,id=snd0 \
		-device usb-audio,bus=xhci.0,port=1,audiodev=snd0 \
		"$@" </dev/null >"$log" 2>&1
}
