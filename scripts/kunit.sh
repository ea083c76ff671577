#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make kunit: stage the project into the cached 6.12.111 tree through
# patches/ (exactly the series users get), run kunit.py in QEMU with the
# emulated board (kunit/qemu-args), and judge results + kernel log.
set -euo pipefail
UOB_STEP=kunit
. "$(dirname "$0")/lib.sh"

"$UOB_TOP/scripts/provision.sh"
"$UOB_TOP/scripts/mkpatches.sh" "$UOB_TOP/patches"

# one run at a time per cache: the staging tree and build dir are shared
exec 9>"$UOB_CACHE/kunit.lock"
flock -w 3600 9 || uob_die "another make kunit holds $UOB_CACHE/kunit.lock"

tree=$UOB_CACHE/kunit-tree-$UOB_REF_UPSTREAM
build=$UOB_CACHE/kunit-build-$UOB_REF_UPSTREAM

if [ ! -f "$tree/.uob-pristine" ]; then
	uob_log "creating the staging tree $tree"
	rm -rf "$tree"
	cp -a "$UOB_REF_SRC" "$tree"
	touch "$tree/.uob-pristine"
fi

series_sum=$(cat "$UOB_TOP"/patches/*.patch | sha256sum | cut -d' ' -f1)
if [ "$(cat "$tree/.uob-series" 2>/dev/null)" != "$series_sum" ]; then
	uob_log "applying patches/ to the staging tree"
	rm -f "$tree/.uob-series"
	rm -rf "$tree/drivers/usb/offload-backport"
	cp -p "$UOB_REF_SRC/drivers/usb/Kconfig" "$UOB_REF_SRC/drivers/usb/Makefile" \
		"$tree/drivers/usb/"
	for p in "$UOB_TOP"/patches/*.patch; do
		patch -d "$tree" -p1 --batch --forward --quiet <"$p" ||
			uob_die "$(basename "$p") does not apply to $UOB_REF_UPSTREAM"
	done
	echo "$series_sum" >"$tree/.uob-series"
fi

mkdir -p "$build"
qemu_args=$(grep -v '^#' "$UOB_TOP/kunit/qemu-args" | tr '\n' ' ')
rm -f "$build/results.json" "$build/test.log"

start=$(date +%s)
set +e
(cd "$tree" && python3 tools/testing/kunit/kunit.py run \
	--arch=x86_64 \
	--build_dir="$build" \
	--kunitconfig="$tree/drivers/usb/offload-backport/kunit" \
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

python3 "$UOB_TOP/scripts/check-kunit-log.py" "$build/results.json" "$build/test.log" \
	usb_offload:10 xhci_sideband:10 qc_audio_offload:15
