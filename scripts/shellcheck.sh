#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# A step of make check: shellcheck (warnings and errors) over the shell
# scripts of the tooling: scripts/, tests/ (the guests' /init scripts and
# libraries included) and .ci/run.  (compat/conftest.sh, which kbuild runs,
# is not covered: shellcheck takes "$sym[,)]" in its grep pattern for an
# array.)  Not reported: SC2034 (a variable such as UOB_STEP
# set for scripts/lib.sh, which shellcheck cannot follow through
# "$(dirname "$0")/lib.sh") and SC1091 (not following sourced files).
set -euo pipefail
UOB_STEP=shellcheck
. "$(dirname "$0")/lib.sh"

uob_provision base
cd "$UOB_TOP"
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- 'scripts/*.sh' 'tests/*.sh' .ci/run)
[ ${#files[@]} -gt 0 ] || uob_die "no shell scripts"
shellcheck --version | sed -n 's/^version: /shellcheck /p'
shellcheck -S warning -e SC2034,SC1091 "${files[@]}" || uob_die "shellcheck findings"
echo "shellcheck: ${#files[@]} scripts, no warning"
