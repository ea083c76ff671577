#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: everything CI runs.  Each step is one check; the KUnit step
# also reports its cases.  Ends with "N passed, N failed".
set -uo pipefail
UOB_STEP=check
. "$(dirname "$0")/lib.sh"

passed=0 failed=0 failures=()
logdir=$UOB_CACHE/check-logs
mkdir -p "$logdir"

step() {	# step NAME CMD...
	local name=$1; shift
	local t0=$(date +%s) rc
	uob_log "== $name"
	"$@" >"$logdir/$name.log" 2>&1
	rc=$?
	local dt=$(( $(date +%s) - t0 ))
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		uob_log "PASS $name (${dt}s)"
	else
		failed=$((failed + 1)); failures+=("$name")
		tail -40 "$logdir/$name.log" >&2
		uob_log "FAIL $name (${dt}s; log: $logdir/$name.log)"
	fi
}

c_files() { git -C "$UOB_TOP" ls-files --cached --others --exclude-standard -- '*.c' '*.h' | grep -v '^compat/generated/'; }

# Build into a scratch copy so the checkout stays clean and C=2/W=1 always
# see every file.
scratch_build() {	# scratch_build NAME KVER MAKEARGS...
	local name=$1 kver=$2; shift 2
	local dir=$UOB_CACHE/scratch/$name
	rm -rf "$dir"; mkdir -p "$dir"
	uob_copy_tree "$dir"
	make -C "$dir" KVER="$kver" "$@" 2>&1 | tee "$dir/build.log"
	[ "${PIPESTATUS[0]}" -eq 0 ] || return 1
	SCRATCH_DIR=$dir
}

build_ref_w1() {
	scratch_build w1 "$UOB_REF_KVER" W=1 KCFLAGS=-Werror || return 1
	if grep -E 'warning:|error:' "$SCRATCH_DIR/build.log"; then return 1; fi
	"$UOB_TOP/scripts/probe-expect.sh" "$SCRATCH_DIR/compat/generated/uob_autoconf.h" \
		"$UOB_REF_UPSTREAM" || return 1
	modinfo "$SCRATCH_DIR/usb-offload/usb-offload.ko" | grep -E '^(version|license|description|author):'
	for f in license version description author; do
		modinfo -F "$f" "$SCRATCH_DIR/usb-offload/usb-offload.ko" | grep -q . ||
			{ echo "usb-offload.ko: modinfo $f missing"; return 1; }
	done
}

sparse_ref() {
	scratch_build sparse "$UOB_REF_KVER" C=2 CHECK=sparse || return 1
	# every line sparse prints names a file:line; kbuild's own are "  CHECK"
	if grep -E '^[^ ].*:[0-9]+:[0-9]+: (warning|error):' "$SCRATCH_DIR/build.log"; then
		return 1
	fi
	grep -c '  CHECK ' "$SCRATCH_DIR/build.log" | sed 's/^/files checked by sparse: /'
}

build_6_1() {
	local kdir
	kdir=$(ls -d /lib/modules/6.1.*/build 2>/dev/null | sort -V | tail -1)
	[ -n "$kdir" ] || { echo "no 6.1 headers"; return 1; }
	kver=$(basename "$(dirname "$kdir")")
	scratch_build b61 "$kver" W=1 || return 1
	test -f "$SCRATCH_DIR/usb-offload/usb-offload.ko" || return 1
	"$UOB_TOP/scripts/probe-expect.sh" "$SCRATCH_DIR/compat/generated/uob_autoconf.h" 6.1
}

kerneldoc() {
	local out
	out=$(cd "$UOB_TOP" && perl "$UOB_REF_SRC/scripts/kernel-doc" -none -Wall $(c_files) 2>&1)
	echo "$out"
	[ -z "$out" ] || return 1
	# every exported function has a kernel-doc comment stating its locking
	local f sym missing=0
	for f in $(cd "$UOB_TOP" && grep -l 'EXPORT_SYMBOL' $(c_files)); do
		for sym in $(sed -n 's/^EXPORT_SYMBOL[A-Z_]*(\([a-z0-9_]*\).*/\1/p' "$UOB_TOP/$f"); do
			if ! awk -v s="$sym" '
				/^\/\*\*/ { doc = ""; indoc = 1 }
				indoc { doc = doc $0 "\n" }
				/\*\// { indoc = 0 }
				$0 ~ "^ \\* " s "\\(\\) - " { want = 1 }
				want && !indoc { exit !(doc ~ /(Context|[Ll]ock)/) }
				' "$UOB_TOP/$f"; then
				echo "$f: $sym: no kernel-doc with a locking rule"; missing=1
			fi
		done
	done
	return $missing
}

kunit_step() {
	"$UOB_TOP/scripts/kunit.sh"
}

uob_need_pkgs linux-headers-amd64 >/dev/null
step provision "$UOB_TOP/scripts/provision.sh"
step patches-current "$UOB_TOP/scripts/mkpatches.sh" --check "$UOB_TOP/patches"
step build-6.12-W1-Werror build_ref_w1
step sparse-C2 sparse_ref
step build-6.1 build_6_1
step conftest-both-outcomes "$UOB_TOP/tests/conftest/run.sh"
step xhci-btf-and-forms "$UOB_TOP/scripts/xhci-forms.sh"
step defect1-guard-scope "$UOB_TOP/tests/defect1/run.sh"
step build-arm64-cross "$UOB_TOP/scripts/arm64-build.sh"
step build-7.2-newer "$UOB_TOP/scripts/newer-build.sh"
step xhci-btf-7.2 "$UOB_TOP/scripts/newer-btf.sh"
step checkpatch-strict "$UOB_TOP/scripts/checkpatch.sh"
step kernel-doc kerneldoc
step kunit kunit_step
step kunit-7.2-newer "$UOB_TOP/scripts/kunit.sh" newer
step e2e "$UOB_TOP/scripts/e2e.sh"
step fuzz "$UOB_TOP/scripts/fuzz.sh"
step e2e-debug-kernel "$UOB_TOP/scripts/e2e-debug.sh"
step arm64-guests "$UOB_TOP/scripts/arm64-e2e.sh"
step dkms-lifecycle "$UOB_TOP/scripts/dkms-lifecycle.sh"
step debian-package "$UOB_TOP/scripts/deb-test.sh"

# fold the KUnit case counts (6.12.111 and 7.2) into the total
for k in kunit kunit-7.2-newer; do
	if line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logdir/$k.log" | tail -1); then
		kp=${line%% passed*}; kf=${line#*, }; kf=${kf%% failed*}
		uob_log "$k cases: $kp passed, $kf failed"
		grep -E '^kunit suite|^kernel log' "$logdir/$k.log" >&2 || true
		passed=$((passed + kp)); failed=$((failed + kf))
	fi
done

# and the e2e scenarios (stock and debug kernel, arm64)
for e in e2e e2e-debug-kernel arm64-guests; do
	if line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$logdir/$e.log" | tail -1); then
		ep=${line%% passed*}; ef=${line#*, }; ef=${ef%% failed*}
		uob_log "$e scenarios: $ep passed, $ef failed"
		passed=$((passed + ep)); failed=$((failed + ef))
	fi
done

# the fuzz figures (messages, answers by error, drops, time)
grep -E 'uob-fuzz: (seed|[0-9]+ messages|dropped|answered|well-formed|[0-9]+ mismatch)' \
	"$logdir/fuzz.log" 2>/dev/null | sed 's/^ *//' >&2 || true

[ ${#failures[@]} -eq 0 ] || uob_log "failed checks: ${failures[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
