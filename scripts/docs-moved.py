#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every line of an old README is still somewhere in README.md + docs/*.md.

    docs-moved.py [REV]     (default: the last commit before docs/ existed)

Takes each non-empty line of README.md at REV (git show), strips leading
and trailing blanks (a line moved out of a list item loses its indent)
and a heading's '#'s (a section moved into docs/ may change level),
and looks for it, as a whole line, in today's README.md and docs/*.md.
Prints the lines not found verbatim, with their old line numbers, and
the count.  Not a make check step: a tool for moving text between the
documents (e.g. porting a branch's README additions into docs/), where
every line reported must be explained.
"""
import os
import subprocess
import sys

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def norm(line):
    """A line as compared: no surrounding blanks, no heading marks."""
    line = line.strip()
    return line.lstrip("#").strip() if line.startswith("#") else line


def main():
    rev = sys.argv[1] if len(sys.argv) > 1 else None
    if rev is None:
        # the newest commit whose tree has no docs/
        for c in subprocess.run(["git", "-C", TOP, "rev-list", "HEAD"],
                                capture_output=True, text=True, check=True).stdout.split():
            if subprocess.run(["git", "-C", TOP, "cat-file", "-e", f"{c}:docs"],
                              capture_output=True).returncode != 0:
                rev = c
                break
    old = subprocess.run(["git", "-C", TOP, "show", f"{rev}:README.md"],
                         capture_output=True, text=True, check=True).stdout
    new = set()
    files = [os.path.join(TOP, "README.md")]
    ddir = os.path.join(TOP, "docs")
    files += sorted(os.path.join(ddir, f) for f in os.listdir(ddir) if f.endswith(".md"))
    for f in files:
        new.update(norm(line) for line in open(f, encoding="utf-8"))
    lines = [(n, norm(line)) for n, line in enumerate(old.splitlines(), 1) if line.strip()]
    missing = [(n, line) for n, line in lines if line not in new]
    for n, line in missing:
        print(f"{n:5}: {line}")
    print(f"docs-moved: README.md at {rev[:12]}: {len(lines)} non-empty lines, "
          f"{len(missing)} not found verbatim in README.md + docs/*.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
