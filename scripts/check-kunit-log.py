#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge a kunit.py run: results JSON + raw kernel log.

Fails when
  - a required suite is missing, ran fewer cases than required, or any
    case did not pass (0 tests ran is a failure, never a success);
  - the kernel log holds a WARNING/BUG/Oops/lockdep/KASAN/hung-task report
    outside a region a test announced with "uob-kunit: expect-splat begin"
    ... "uob-kunit: expect-splat end";
  - the emulated USB devices did not enumerate ("uob-kunit: rig-absent"):
    then the log lines that say why (interrupt routing, controller errors)
    are printed.

Prints its results as TAP lines ("ok - ..." / "not ok - ..."; other
lines are "# " comments), which make check's runner counts: one per case,
one per required suite's minimum, one for the emulated devices, one for
the kernel log.  Exits non-zero on any failure.
"""
import json
import re
import sys

SPLAT = re.compile(
    r"(WARNING:|BUG:|Oops|kernel BUG at|general protection fault|"
    r"Kernel panic|KASAN:|UBSAN:|blocked for more than|cut here)")
# why an emulated device may not enumerate (interrupt routing, controller)
CAUSE = re.compile(
    r"(no GSI|AE_AML|HC died|xhci_hcd.*(error|fail)|nobody cared|"
    r"device descriptor read|unable to enumerate|xhci_alloc_dev)")
BEGIN = "uob-kunit: expect-splat begin"
END = "uob-kunit: expect-splat end"


def cases(group, suite=None, prefix=""):
    """(suite, case, status) of every case; a parameterised case's
    parameters are cases of its suite, named CASE/PARAM."""
    for tc in group.get("test_cases", []):
        yield (suite or group.get("name"), prefix + tc["name"], tc["status"])
    for sub in group.get("sub_groups", []):
        if suite is None:
            yield from cases(sub, sub.get("name"))
        else:
            yield from cases(sub, suite, prefix + sub.get("name", "") + "/")


def main():
    if len(sys.argv) < 3:
        print("usage: check-kunit-log.py results.json test.log SUITE:MIN...")
        return 2
    results, log = sys.argv[1], sys.argv[2]
    need = dict((s.split(":")[0], int(s.split(":")[1])) for s in sys.argv[3:])

    failed = 0

    def result(ok, name):
        nonlocal failed
        print(("ok - " if ok else "not ok - ") + name)
        if not ok:
            failed += 1

    try:
        with open(results) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        print(f"# kunit: no usable results ({e})")
        data = {}

    per_suite = {}
    for suite, case, status in cases(data):
        per_suite.setdefault(suite, []).append((case, status))
    for suite, lst in sorted(per_suite.items()):
        bad = [c for c, s in lst if s != "PASS"]
        for case, status in lst:
            result(status == "PASS", f"kunit {suite}.{case}"
                   + ("" if status == "PASS" else f" ({status})"))
        print(f"# kunit suite {suite}: {len(lst) - len(bad)}/{len(lst)} passed"
              + (f"; not passed: {', '.join(bad)}" if bad else ""))
    if not per_suite:
        result(False, "kunit: 0 tests ran")
    for suite, minimum in need.items():
        n = len(per_suite.get(suite, []))
        result(n >= minimum, f"kunit suite {suite}: {n} cases ran, at least {minimum} required")

    findings = []
    causes = []
    rig_absent = False
    expected = 0
    inside = False
    try:
        with open(log, errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                if "uob-kunit: rig-absent" in line:
                    rig_absent = True
                if CAUSE.search(line):
                    causes.append((lineno, line.rstrip()))
                if BEGIN in line:
                    inside = True
                    continue
                if END in line:
                    inside = False
                    continue
                # kunit's own messages may quote the words; only kernel
                # reports count
                if "uob-kunit:" in line or SPLAT.search(line) is None:
                    continue
                if inside:
                    expected += 1
                else:
                    findings.append((lineno, line.rstrip()))
    except OSError as e:
        findings.append((0, f"cannot read kernel log: {e}"))
    if rig_absent:
        print("# kunit: the emulated USB devices did not enumerate; the kernel log says:")
        for lineno, line in causes[:15]:
            print(f"# kernel log:{lineno}: {line}")
        if not causes:
            print("# kernel log: (no xHCI/ACPI/IRQ error line found)")
    result(not rig_absent, "kunit: the emulated USB devices enumerated")
    for lineno, line in findings[:20]:
        print(f"# kernel log:{lineno}: unexpected report: {line}")
    if findings:
        result(False, f"kernel log: {len(findings)} unexpected report line(s)")
    else:
        result(True, f"kernel log: clean ({expected} expected report line(s) inside "
               "announced regions)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
