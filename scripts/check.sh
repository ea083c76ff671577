#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: the one test runner.
#
#   check.sh [STEP...]    run these steps of scripts/steps.list (default:
#                         all, in the list's order); make check STEP=NAME
#   check.sh --list       the steps, with what they need and run
#
# First, once, the step "provision" (scripts/provision.sh with the groups
# the selected steps need); if it fails, nothing else runs.  Then each step
# with its output in $UOB_CACHE/check-logs/STEP.log (or $UOB_CHECK_LOGS).  A step is one check:
# it passes when it exits 0, prints no "not ok" line and leaves the
# checkout as it found it (git status).  Each TAP line it prints ("ok - ",
# "not ok - ", "# SKIP") is one more check: KUnit cases, guest scenarios.
# At the end: a table of steps, results, cases and seconds, and the line
# "N passed, N failed" (also written to $UOB_CHECK_SUMMARY if set).
set -uo pipefail
UOB_STEP=check
. "$(dirname "$0")/lib.sh"

list=$UOB_TOP/scripts/steps.list
logdir=${UOB_CHECK_LOGS:-$UOB_CACHE/check-logs}
mkdir -p "$logdir"

# the steps: names, provisioning groups and commands, in order
names=()
declare -A groups=() cmds=()
while read -r n g c; do
	case $n in ''|'#'*) continue ;; esac
	names+=("$n"); groups[$n]=$g; cmds[$n]=$c
done <"$list"

if [ "${1:-}" = --list ]; then
	for n in "${names[@]}"; do printf '%-24s %-12s %s\n' "$n" "${groups[$n]}" "${cmds[$n]}"; done
	exit 0
fi
sel=("$@")
[ ${#sel[@]} -gt 0 ] || sel=("${names[@]}")
for n in "${sel[@]}"; do
	[ -n "${cmds[$n]:-}" ] || uob_die "no step '$n' (scripts/check.sh --list)"
done

# fold LOG: "PASSED FAILED SKIPPED" of the TAP lines a step printed; the
# only place results are parsed
fold() {
	awk '
		/^(not )?ok( [0-9]+)? - / {
			if ($0 ~ /# [Ss][Kk][Ii][Pp]/) s++
			else if ($1 == "not") f++
			else p++
		}
		END { printf "%d %d %d\n", p, f, s }' "$1"
}

# the checkout's state: a step must leave it as it found it
checkout_state() {
	git -C "$UOB_TOP" status --porcelain=v1 --untracked-files=all 2>/dev/null
	git -C "$UOB_TOP" diff HEAD 2>/dev/null | sha256sum
}
in_git=0
git -C "$UOB_TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1 && in_git=1

passed=0 failed=0 failures=() rows=()
total_t0=$(date +%s)

# step NAME CMD...: run, judge, count, add a row to the table
step() {
	local name=$1; shift
	local log=$logdir/$name.log t0 rc dt before after p f s res=ok why=
	uob_log "== $name"
	[ $in_git = 0 ] || before=$(checkout_state)
	t0=$(date +%s)
	(cd "$UOB_TOP" && "$@") >"$log" 2>&1
	rc=$?
	dt=$(( $(date +%s) - t0 ))
	read -r p f s < <(fold "$log")
	[ $rc -eq 0 ] || { res="not ok"; why="exit $rc"; }
	[ "$f" -eq 0 ] || { res="not ok"; why="${why:+$why, }$f not ok"; }
	if [ $in_git = 1 ]; then
		after=$(checkout_state)
		if [ "$before" != "$after" ]; then
			res="not ok"; why="${why:+$why, }changed the checkout"
			echo "# check: $name changed the checkout:" >>"$log"
			git -C "$UOB_TOP" status --porcelain=v1 --untracked-files=all >>"$log" 2>&1
		fi
	fi
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$res" = ok ]; then
		passed=$((passed + 1))
		uob_log "PASS $name (${dt}s$([ $((p + s)) -eq 0 ] || echo "; $p ok, $s skipped"))"
	else
		failed=$((failed + 1)); failures+=("$name")
		grep -v '^ok - ' "$log" | tail -40 >&2
		uob_log "FAIL $name (${dt}s; $why; log: $log)"
	fi
	rows+=("$(printf '%-24s %-7s %6d %6d %6d %7d' "$name" "$res" "$p" "$f" "$s" "$dt")")
}

not_run() {	# not_run NAME WHY
	failed=$((failed + 1)); failures+=("$1")
	echo "# check: $1 not run: $2" >"$logdir/$1.log"
	rows+=("$(printf '%-24s %-7s %6s %6s %6s %7s' "$1" "not run" - - - -)")
}

# provisioning, once, for every selected step
mapfile -t need < <(for n in "${sel[@]}"; do echo "${groups[$n]}" | tr ',' '\n'; done | sort -u)
step provision "$UOB_TOP/scripts/provision.sh" "${need[@]}"
if [ ${#failures[@]} -gt 0 ]; then
	for n in "${sel[@]}"; do not_run "$n" "provisioning failed"; done
else
	export UOB_PROVISIONED=1
	for n in "${sel[@]}"; do
		read -r -a argv <<<"${cmds[$n]}"
		argv[0]=$UOB_TOP/${argv[0]}
		step "$n" "${argv[@]}"
	done
fi

# the fuzz figures (messages, answers by error, drops, time)
[ ! -f "$logdir/fuzz.log" ] || [[ " ${sel[*]} " != *" fuzz "* ]] ||
	grep -E 'uob-fuzz: (seed|[0-9]+ messages|dropped|answered|well-formed|[0-9]+ mismatch)' \
		"$logdir/fuzz.log" 2>/dev/null | sed -E 's/^(# |(not )?ok - )//; s/^ *//' >&2 || true

total=$(( $(date +%s) - total_t0 ))
{
	printf '%-24s %-7s %6s %6s %6s %7s\n' step result ok "not ok" skip seconds
	printf '%s\n' "${rows[@]}"
	printf '%-24s %-7s %6s %6s %6s %7d\n' total "" "" "" "" "$total"
} | tee "$logdir/times.txt" | sed 's/^/[check] /' >&2
[ ${#failures[@]} -eq 0 ] || uob_log "failed checks: ${failures[*]}"
summary="$passed passed, $failed failed"
[ -z "${UOB_CHECK_SUMMARY:-}" ] || echo "$summary" >"$UOB_CHECK_SUMMARY"
echo "$summary"
[ "$failed" -eq 0 ]
