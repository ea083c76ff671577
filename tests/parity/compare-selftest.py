#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-test of tests/parity/compare.py, run by the parity-7.2 step first.

usage: compare-selftest.py

No guest: compare.py judges the records in tests/parity/fixtures/
(mainline.log, ours.log: three scenarios of a real parity-7.2 run; buf-0
differs in two fields of one answer, mem.data.size and mem.xfer.iova)
against fixtures/table.md and against copies of it broken one way each.
The table as it is must pass; each broken copy must fail with the line
it names.  Prints one TAP line per case, the caught line as a comment
under it, and exits 1 if compare.py missed or misjudged anything.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "fixtures")
ROW_IOVA = "| IOVA of a buffer of a new size |"
ROW_SI = "| interval not the endpoint's |"

# (case, edit of the table's text, the line compare.py must print; None: must pass)
CASES = [
    ("the table as it is", lambda t: t, None),
    ("two fields differ, a row names one",
     lambda t: drop(t, ROW_IOVA),
     "not ok - parity: buf-0: en.mem.xfer.iova (#1: 30065868800 vs 30065860608) differ(s),"
     " and no row of README's table names that field for buf-0"),
    ("a row's pattern names the field of another answer",
     lambda t: edit(t, "`en.mem.xfer.iova`", "`dis.mem.xfer.iova`"),
     "not ok - parity: buf-0: en.mem.xfer.iova (#1: 30065868800 vs 30065860608) differ(s),"),
    ("a whole-answer pattern where the outcome is alike",
     lambda t: edit(drop(t, ROW_IOVA), "`en.mem.data.size`", "`en.*`"),
     "not ok - parity: buf-0: en.mem.data.size (#1: 4096 vs 8192), en.mem.xfer.iova"),
    ("a scenario no row names",
     lambda t: drop(t, ROW_SI),
     "not ok - parity: si-not-endpoint: en.data_ep (#1: "),
    ("a row naming a scenario that answers alike",
     lambda t: edit(t, "| `buf-0` | `en.mem.data.size` |", "| `buf-0`, `format-0` | `en.mem.data.size` |"),
     "not ok - parity: README row 1: format-0 show(s) no difference in the row's fields"),
    ("a row naming a field that differs nowhere",
     lambda t: edit(t, "`en.mem.data.size` |", "`en.mem.data.size`, `en.mem.evt.size` |"),
     "not ok - parity: README row 1: field en.mem.evt.size differs in none of the row's scenarios"),
    ("a row naming a scenario that did not run",
     lambda t: edit(t, "| `si-not-endpoint` |", "| `si-not-endpoint`, `si-gone` |"),
     "not ok - parity: README row 3: no scenario si-gone ran"),
    ("a row of kind ours to fix",
     lambda t: edit(t, "| deliberate | the DSP takes", "| ours to fix | the DSP takes"),
     "not ok - parity: buf-0: en.mem.xfer.iova differ(s); README's table lists it as ours to fix"),
]


def drop(text, start):
    out = [ln for ln in text.splitlines(True) if not ln.startswith(start)]
    assert len(out) == len(text.splitlines()) - 1, start
    return "".join(out)


def edit(text, old, new):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def main():
    with open(os.path.join(FIX, "table.md")) as f:
        base = f.read()
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        table = os.path.join(tmp, "table.md")
        for name, change, want in CASES:
            with open(table, "w") as f:
                f.write(change(base))
            p = subprocess.run([sys.executable, os.path.join(HERE, "compare.py"),
                                os.path.join(FIX, "mainline.log"),
                                os.path.join(FIX, "ours.log"), table],
                               capture_output=True, text=True)
            out = p.stdout.splitlines()
            bad = [ln for ln in out if ln.startswith("not ok")]
            if want is None:
                good = p.returncode == 0 and not bad and p.stderr == ""
                caught = [] if good else (bad[:1] or [f"compare.py exited {p.returncode} {p.stderr.strip()}"])
            else:
                hit = [ln for ln in bad if ln.startswith(want)]
                good = p.returncode == 1 and bool(hit)
                caught = hit[:1] or bad[:3] or [f"compare.py exited {p.returncode} without that line"
                                                  f" {p.stderr.strip()}".rstrip()]
            verb = "passes" if want is None else "fails"
            print(f"{'ok' if good else 'not ok'} - parity compare self-test: {name}: {verb}")
            for ln in caught:
                print(f"#   {ln}")
            failed += not good
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
