#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make check's step docs-links: the documents' links resolve.

    docs-links.py [TOP]

Reads README.md and docs/*.md under TOP (default: the checkout) and checks:
  - every relative Markdown link [text](path) names a file or directory
    that exists, and its #anchor (if any) is a heading of that document;
  - every in-document link [text](#anchor) is a heading of the document;
  - every path written as code that starts with scripts/, tests/, docs/,
    kunit/, compat/, debian/ or patches/ (a file the reader is sent to)
    exists in the checkout (globs, placeholders such as <x> or …, and
    build outputs (*.ko, compat/generated/) are left alone).
  - the README's short table of supported kernels agrees with the one in
    docs/kernels.md: the same kernels, in the same order, with the same
    verdict (the first bold words of the last column: **tested**, ...).
Anchors are made as GitHub makes them: lower case, punctuation other than
'-' and '_' dropped, spaces to '-', a repeated heading gets -1, -2, ...
Prints one TAP line per document and one per broken reference (so the
runner counts them), and exits 1 if anything is broken.
"""
import os
import re
import sys

TOP = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                      os.path.join(os.path.dirname(__file__), ".."))
CODE_DIRS = ("scripts/", "tests/", "docs/", "kunit/", "compat/", "debian/", "patches/")


def anchors(text):
    """The anchors of a Markdown document's headings (outside code blocks)."""
    seen, out = {}, set()
    fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        m = None if fence else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not m:
            continue
        title = re.sub(r"`([^`]*)`", r"\1", m.group(1))
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)
        slug = re.sub(r"[^\w\- ]", "", title.lower(), flags=re.UNICODE).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def strip_code_blocks(text):
    """The text without fenced code blocks (links there are not links)."""
    out, fence = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
            out.append("")
            continue
        out.append("" if fence else line)
    return "\n".join(out)


def check(path, cache):
    """The broken references of one document, as (line, message)."""
    text = open(path, encoding="utf-8").read()
    body = strip_code_blocks(text)
    own = anchors(text)
    bad = []
    for no, line in enumerate(body.splitlines(), 1):
        # links, but not the contents of inline code spans
        plain = re.sub(r"`[^`]*`", "", line)
        for target in re.findall(r"\]\(([^)\s]+)\)", plain):
            if re.match(r"^[a-z]+:", target):  # http:, mailto: ...
                continue
            file_part, _, anchor = target.partition("#")
            if file_part:
                dest = os.path.normpath(os.path.join(os.path.dirname(path), file_part))
                if not os.path.exists(dest):
                    bad.append((no, f"link to missing {file_part}"))
                    continue
                if anchor:
                    if not dest.endswith(".md"):
                        bad.append((no, f"anchor #{anchor} into non-Markdown {file_part}"))
                    else:
                        if dest not in cache:
                            cache[dest] = anchors(open(dest, encoding="utf-8").read())
                        if anchor not in cache[dest]:
                            bad.append((no, f"no heading #{anchor} in {file_part}"))
            elif anchor and anchor not in own:
                bad.append((no, f"no heading #{anchor} here"))
        for code in re.findall(r"`([^`]+)`", line):
            word = code.split()[0] if code.split() else ""
            if not word.startswith(CODE_DIRS):
                continue
            if re.search(r"[*?<>{}\[\]…$]|\.\.\.", word) or word.endswith(".ko") \
                    or word.startswith("compat/generated/"):
                continue  # patterns, placeholders, build outputs
            word = word.rstrip(".,:;)")
            if not os.path.exists(os.path.join(TOP, word)):
                bad.append((no, f"names missing path {word}"))
    return bad


def kernel_table(path):
    """(kernel, verdict) rows of the "Supported kernels" table of a document."""
    rows, inside = [], False
    for line in open(path, encoding="utf-8").read().splitlines():
        if line.startswith("#"):
            inside = line.lstrip("#").strip().startswith("Supported kernels")
            continue
        if inside and line.startswith("| ") and not line.startswith("| kernel |"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            verdict = re.findall(r"\*\*([^*]+)\*\*", cells[-1])
            rows.append((cells[0], verdict[0] if verdict else ""))
    return rows


def kernels_agree():
    """Broken agreements between the README's and docs/kernels.md's tables."""
    short = kernel_table(os.path.join(TOP, "README.md"))
    full = kernel_table(os.path.join(TOP, "docs", "kernels.md"))
    if not short or not full:
        return ["a \"Supported kernels\" table is missing"]
    bad = [f"README says {s}, docs/kernels.md says {f}"
           for s, f in zip(short, full) if s != f]
    if len(short) != len(full):
        bad.append(f"README lists {len(short)} kernels, docs/kernels.md {len(full)}")
    return bad


def main():
    docs = [os.path.join(TOP, "README.md")]
    ddir = os.path.join(TOP, "docs")
    if os.path.isdir(ddir):
        docs += sorted(os.path.join(ddir, f) for f in os.listdir(ddir) if f.endswith(".md"))
    cache, failed = {}, 0
    for d in docs:
        rel = os.path.relpath(d, TOP)
        bad = check(d, cache)
        for no, msg in bad:
            print(f"not ok - {rel}:{no}: {msg}")
        print(f"{'not ok' if bad else 'ok'} - {rel}: links, anchors and named paths resolve")
        failed += bool(bad)
    if os.path.exists(os.path.join(TOP, "docs", "kernels.md")):
        bad = kernels_agree()
        for msg in bad:
            print(f"not ok - supported kernels: {msg}")
        print(f"{'not ok' if bad else 'ok'} - README.md and docs/kernels.md: "
              "supported-kernels tables agree")
        failed += bool(bad)
    print(f"docs-links: {len(docs)} document(s), {failed} with broken references")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
