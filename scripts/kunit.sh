#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make kunit: stage the project into the cached 6.12.111 tree through the
# in-tree series (scripts/mkpatches.sh: patches/ + the generated sources
# patch, exactly what integrators get), run kunit.py in QEMU with the
# emulated board (kunit/qemu-args), and judge results + kernel log.
# Staging copies only files whose content changed, so a warm run rebuilds
# nothing that did not change.
#
# kunit.sh newer: the same on the newer kernel (scripts/newer-source.sh,
# 7.2), with its in-tree xHCI sideband and usb_offload_*() built in
# (kunit/newer.kunitconfig), so the suites run beside them.
set -euo pipefail
UOB_STEP=kunit
. "$(dirname "$0")/lib.sh"

uob_provision guest ${1:+newer}

src=$UOB_REF_SRC
version=$UOB_REF_UPSTREAM
extra_config=()
extra_suites=()
if [ "${1:-ref}" = newer ]; then
	# mainline's usb_offload_get/put raced against ours (usb-offload, 7.0+)
	extra_suites=(usb_offload_mainline:1)
	UOB_STEP=kunit-newer
	src=$("$UOB_TOP/scripts/newer-source.sh")
	version=$(make -s -C "$src" kernelversion)
	extra_config=(--kunitconfig="$UOB_TOP/kunit/newer.kunitconfig")
fi

# one run at a time per cache: the staging tree and build dir are shared
exec 9>"$UOB_CACHE/kunit.lock"
flock -w 3600 9 || uob_die "another make kunit holds $UOB_CACHE/kunit.lock"

tree=$UOB_CACHE/kunit-tree-$version
build=$UOB_CACHE/kunit-build-$version

if [ ! -f "$tree/.uob-pristine" ]; then
	uob_log "creating the staging tree $tree"
	rm -rf "$tree"
	cp -a "$src" "$tree"
	touch "$tree/.uob-pristine"
fi

# the series, generated for this run (never into the checkout), applied
# to drivers/usb of the pristine source in a small stage; then only what
# differs is copied into the tree: an unchanged file keeps its mtime, so
# kbuild does not recompile it (rsync -c compares contents)
mkdir -p "$build"
series=$("$UOB_TOP/scripts/mkpatches.sh" "$build/series")
uob_stage_series "$series" "$src" "$build/stage"
rm -f "$tree/.uob-series"	# an older rig's stamp: it re-patches, we compare
rsync -rci --delete "$build/stage/drivers/usb/offload-backport/" \
	"$tree/drivers/usb/offload-backport/" >"$build/staged.log"
rsync -ci "$build/stage/drivers/usb/Kconfig" "$build/stage/drivers/usb/Makefile" \
	"$tree/drivers/usb/" >>"$build/staged.log"
uob_log "the series applies to $version; staged into the tree: $(grep -c '^[<>c*]' "$build/staged.log") changed file(s)"

qemu_args=$(grep -v '^#' "$UOB_TOP/kunit/qemu-args" | tr '\n' ' ')
rm -f "$build/results.json" "$build/test.log"

# our accelerator, not kunit.py's generic list (scripts/qemu-tcg-wrapper.sh)
bindir=$build/uob-bin
mkdir -p "$bindir"
ln -sf "$UOB_TOP/scripts/qemu-tcg-wrapper.sh" "$bindir/qemu-system-x86_64"
export UOB_REAL_QEMU
UOB_REAL_QEMU=$(command -v qemu-system-x86_64)

start=$(date +%s)
set +e
(cd "$tree" && PATH="$bindir:$PATH" python3 tools/testing/kunit/kunit.py run \
	--arch=x86_64 \
	--build_dir="$build" \
	--kunitconfig="$tree/drivers/usb/offload-backport/kunit" "${extra_config[@]}" \
	--jobs="$(nproc)" \
	--timeout=1500 \
	--json="$build/results.json" \
	--qemu_args="-accel tcg,thread=single -smp 2 $qemu_args") >"$build/kunit.out" 2>&1
rc=$?
set -e
end=$(date +%s)
grep -E "^\[|Testing complete|Elapsed time|passed|failed|ERROR|Error" "$build/kunit.out" | tail -25 >&2 || true
[ $rc -eq 0 ] || tail -40 "$build/kunit.out" >&2
uob_log "kunit.py exited $rc after $((end - start)) s (log: $build/test.log, output: $build/kunit.out)"

# The build used what the probes found: usb-offload's backend follows
# UOB_HAVE_USB_DEVICE_OFFLOAD_{FIELDS,LOCK} (a cold in-tree build once
# silently lost the probe results; see compat/Kbuild.common).
gen=$build/drivers/usb/offload-backport
if [ -f "$gen/usb-offload/built-in.a" ]; then
	want=state_table.o
	grep -qE 'UOB_HAVE_USB_DEVICE_OFFLOAD_(FIELDS|LOCK) 1' \
		"$gen/compat/generated/uob_autoconf.h" && want=state_udev.o
	if ar t "$gen/usb-offload/built-in.a" | grep -q "$want\$"; then
		echo "ok - usb-offload backend: $want, as the probes say"
	else
		echo "not ok - usb-offload backend is not $want, which the probes call for"
		exit 1
	fi
fi

python3 "$UOB_TOP/scripts/check-kunit-log.py" "$build/results.json" "$build/test.log" \
	usb_offload:10 xhci_sideband:10 qc_audio_offload:15 "${extra_suites[@]}"
