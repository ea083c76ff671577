#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Self-test of scripts/known-kernel-bug.py, run by the e2e-debug-kernel
step before its guest boots.

usage: selftest.py

No guest: known-kernel-bug.py judges two real debug-kernel console logs
(fixtures/: kmemleak's lock imbalance in __delete_object() under an RCU
callback's kfree(), and in kmemleak_scan()), as they are and broken one
way each.  As they are, each must be excused (exit 0); each broken copy
must not be (exit 1): a frame of ours in the report, a second report of
another kind, a KASAN double free in xhci_resume() (ours only in its free
stack), no reinit on resume in the log, and a lock imbalance of another
lock.  Prints one TAP line per case; exits 1 on any misjudgement.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
JUDGE = os.path.join(HERE, "..", "..", "scripts", "known-kernel-bug.py")
FIXTURES = ("kmemleak-delete-object.log", "kmemleak-scan.log")


def ours_in_trace(lines):
    """One of our frames in the report's backtrace."""
    i = next(n for n, ln in enumerate(lines) if "lock_release+" in ln)
    return lines[:i] + ["[   99.000000]  uob_qc_dev_release+0x42/0x90 [qc_audio_offload]"] + lines[i:]


def another_report(lines):
    """A second report, not this bug, after the first."""
    return lines + ["[  120.000000] BUG: KASAN: slab-use-after-free in snd_pcm_close+0x10/0x80",
                    "[  120.000001] Read of size 8 at addr ffff888001234560 by task uob-dsp/99"]


def no_reinit(lines):
    """The same report, in a log where xhci-hcd did not reinitialise."""
    return [ln for ln in lines if "xHC error in resume" not in ln]


def kasan_double_free(lines):
    """KASAN's report of a double free in xhci_mem_cleanup(): a CPU's, with
    our frames only in its free stacks, after the first </TASK>."""
    return lines + ["[  120.000000] BUG: KASAN: double-free in xhci_mem_cleanup+0x1a4/0x8c0 [xhci_hcd]",
                    "[  120.000001] Call Trace:", "[  120.000002]  <TASK>",
                    "[  120.000003]  xhci_mem_cleanup+0x1a4/0x8c0 [xhci_hcd]",
                    "[  120.000004]  xhci_resume+0x5d0/0x9b0 [xhci_hcd]",
                    "[  120.000005]  </TASK>", "[  120.000006] Freed by task 99:",
                    "[  120.000007]  xhci_remove_secondary_interrupter+0x80/0xd0 [xhci_hcd]",
                    "[  120.000008]  uob_qc_dev_release+0x42/0x90 [qc_audio_offload]"]


def another_lock(lines):
    """A lock imbalance of a lock that is not kmemleak's object lock."""
    return [ln.replace("(&object->lock)", "(&xhci->lock)") for ln in lines]


# (case, edit, excused?)
CASES = [
    ("as it is", lambda lines: lines, True),
    ("a frame of ours in the backtrace", ours_in_trace, False),
    ("another report after it", another_report, False),
    ("a KASAN double free in xhci_resume() after it", kasan_double_free, False),
    ("no reinit on resume in the log", no_reinit, False),
    ("another lock's imbalance", another_lock, False),
]


def judge(lines):
    with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    try:
        return subprocess.run([sys.executable, JUDGE, f.name], capture_output=True,
                              text=True).returncode == 0
    finally:
        os.unlink(f.name)


def main():
    bad = 0
    for fixture in FIXTURES:
        with open(os.path.join(HERE, "fixtures", fixture), errors="replace") as f:
            lines = f.read().splitlines()
        for name, edit, excused in CASES:
            got = judge(edit(lines))
            ok = got == excused
            bad += not ok
            print(f"{'ok' if ok else 'not ok'} - known-kernel-bug: {fixture}, {name}: "
                  f"{'excused' if got else 'not excused'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
