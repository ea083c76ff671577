#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the parity guests' QMI messages field by field.

usage: compare.py MAINLINE.log OURS.log docs/mainline.md [--tsv FILE]

Each console log holds "uob-parity: {json}" lines, one per QMI message the
client script (tests/guest/parity-init.sh) sent, got or waited for in vain
(tests/dsp/uob-dsp.c, run).  Messages are paired by scenario, step, client
and position; every field is compared (DMA addresses only as zero/non-zero:
they are allocation-dependent; IOVAs, sizes and all else exactly).

The verdict is per (scenario, field).  A field is named MSG.FIELD: MSG is
the client's command without its arguments ("en", "dis", "bad", "ind",
"lookup"; a second client's "2/en", "2/dis"), FIELD the decoded field
("status", "mem.data.size", "hdr.len", "layout", "msg" for the kind of
answer, ...).  Every field that differs must be named by a row of the
table of deliberate differences (docs/mainline.md, "Where we answer
differently from mainline"): the row's "parity scenarios" column must name
the scenario and its "parity fields" column the field (shell patterns:
`en.mem.data.size`, `*.usb_token_valid`).  A pattern MSG.* names the whole
answer, and only where that answer's outcome differs (msg, result, error,
status or internal_status): it cannot cover a field that differs in an
answer both drivers gave alike.  The table is checked against the output
too: every scenario a row names must show a difference the row's fields
name, and every field pattern must name a difference in one of the row's
scenarios (a row or pattern nothing shows is stale).  Rows whose kind is
"mainline bug" are kept and reported as such; rows whose kind is "ours to
fix" name a known difference that still fails the step.

Prints the comparison table (scenario, field, mainline, ours, verdict; one
"same" row for a message whose fields all agree), a summary, TAP lines (one
per scenario, one per row's scenario and field pattern), and exits non-zero
on any difference no row names, on a stale row or pattern, or on a
difference of a row "ours to fix".
"""
import fnmatch
import json
import re
import sys

PREFIX = "uob-parity: "
# TLVs "f" decodes (libqrtr); the rest of an indication is compared raw
DECODED = {"resp": None, "ind": {"01", "02", "10", "19"}}
# the fields that say what came of a message; MSG.* needs one to differ
OUTCOME = {"msg", "found", "result", "error", "status", "internal_status"}


def load(path):
    """{(scn, step, client): [message, ...]} and the scenario order."""
    msgs, order = {}, []
    with open(path, errors="replace") as f:
        for line in f:
            i = line.find(PREFIX + "{")
            if i < 0:
                continue
            try:
                m = json.loads(line[i + len(PREFIX):].strip())
            except json.JSONDecodeError:
                m = {"scn": "?", "step": 0, "client": 0, "msg": "garbled",
                     "text": line.strip()[:120]}
            key = (m["scn"], m["step"], m["client"])
            if m["scn"] not in order:
                order.append(m["scn"])
            msgs.setdefault(key, []).append(m)
    return msgs, order


def fields(m):
    """A message as flat {field: comparable value}."""
    out = {"msg": m.get("msg"), "cmd": m.get("cmd")}
    for k in ("found", "service", "version", "instance", "waited_ms", "errno", "decode",
              "len", "text"):
        if k in m:
            out[k] = m[k]
    for k, v in m.get("hdr", {}).items():
        # an indication's transaction id is the sender's own counter (the
        # QMI helpers' idr): nothing the DSP answers or matches
        if m.get("msg") == "ind" and k == "txn":
            continue
        out["hdr." + k] = v
    if "layout" in m:
        out["layout"] = m["layout"]
    for k, v in m.get("f", {}).items():
        if k.startswith("mem.") and k.endswith(".dma"):
            v = "0" if v == 0 else "non-zero"
        out[k] = v
    dec = DECODED.get(m.get("msg"), set())
    if dec is not None:
        for t, v in m.get("raw", {}).items():
            if t not in dec:
                out["raw." + t] = v
    return out


def verb(cmd):
    """The message part of a field's name: the command without arguments."""
    return (cmd or "?").split(":")[0]


def readme_rows(path):
    """The deliberate-differences table: [{case, kind, scenarios, fields}]."""
    rows, on = [], False
    with open(path) as f:
        for line in f:
            if line.startswith("Where we answer differently from mainline"):
                on = True
                continue
            if not on:
                continue
            if not line.startswith("|"):
                if rows:
                    break
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0].startswith("field") or set(cells[0]) <= set("-: "):
                continue
            if len(cells) < 7:
                sys.exit("compare.py: table row without kind, scenarios and fields: "
                         f"{line.strip()}")
            rows.append({"case": cells[0], "kind": cells[3],
                         "scenarios": re.findall(r"`([^`]+)`", cells[5]),
                         "fields": re.findall(r"`([^`]+)`", cells[6])})
    if not rows:
        sys.exit("compare.py: no deliberate-differences table in " + path)
    return rows


def names(pattern, name, outcome_differs):
    """Whether field pattern MSG.FIELD names field NAME (MSG.FIELD)."""
    vp, _, fp = pattern.partition(".")
    v, _, f = name.partition(".")
    if not fnmatch.fnmatchcase(v, vp):
        return False
    if fp == "*":
        return outcome_differs
    return fnmatch.fnmatchcase(f, fp)


def kind_of(r):
    if r["kind"].startswith("ours to fix"):
        return "ours to fix"
    if r["kind"].startswith("mainline bug"):
        return "mainline bug"
    return "deliberate"


def verdict_of(rows, hit):
    """A field's verdict from the rows that name it (their numbers)."""
    if not hit:
        return "DIFFERENT: no row names it"
    by = {}
    for n in hit:
        by.setdefault(kind_of(rows[n - 1]), []).append(str(n))
    parts = []
    for k in ("ours to fix", "mainline bug", "deliberate"):
        if k in by:
            parts.append(f"{k} (row{'s' if len(by[k]) > 1 else ''} {', '.join(by[k])})")
    v = " + ".join(parts)
    return ("KNOWN, " + v) if "ours to fix" in by else v


def short(v, n=24):
    s = str(v)
    return s if len(s) <= n else s[:n - 3] + "..."


def main():
    args = sys.argv[1:]
    tsv = None
    if "--tsv" in args:
        i = args.index("--tsv")
        tsv = args[i + 1]
        del args[i:i + 2]
    ml, ml_order = load(args[0])
    ours, ours_order = load(args[1])
    rows = readme_rows(args[2])

    def scn_rows(scn):
        return [n for n, r in enumerate(rows, 1)
                if any(fnmatch.fnmatchcase(scn, p) for p in r["scenarios"])]

    order = ml_order + [s for s in ours_order if s not in ml_order]
    table, all_rows, nfields, nmsgs = [], [], 0, 0
    diffs = {s: [] for s in order}      # scn -> [(where, name, mainline, ours, rows)]
    # row n -> {scenario: differences it names}, {pattern: differences it names}
    row_scn = {n: {} for n in range(1, len(rows) + 1)}
    row_pat = {n: {p: 0 for p in r["fields"]} for n, r in enumerate(rows, 1)}
    keys = sorted(set(ml) | set(ours), key=lambda k: (order.index(k[0]), k[1], k[2]))
    for key in keys:
        scn = key[0]
        a, b = ml.get(key, []), ours.get(key, [])
        for i in range(max(len(a), len(b))):
            fa = fields(a[i]) if i < len(a) else {"msg": "(absent)"}
            fb = fields(b[i]) if i < len(b) else {"msg": "(absent)"}
            nmsgs += 1
            cmd = (a[i] if i < len(a) else b[i]).get("cmd", "")
            v = verb(cmd)
            where = f"{scn} #{key[1]}"
            differ = [f for f in sorted(set(fa) | set(fb), key=lambda x: (x != "msg", x))
                      if fa.get(f, "-") != fb.get(f, "-")]
            outcome = any(f in OUTCOME for f in differ)
            for f in sorted(set(fa) | set(fb)):
                nfields += 1
                if f not in differ:
                    all_rows.append((scn, key[1], key[2], i, cmd, f"{v}.{f}",
                                     fa.get(f, "-"), fb.get(f, "-"), True, "same"))
            if not differ:
                table.append((where, f"{v}: {len(fa)} fields", "=", "=", "same"))
                continue
            for f in differ:
                name = f"{v}.{f}"
                hit = []
                for n in scn_rows(scn):
                    pats = [p for p in rows[n - 1]["fields"] if names(p, name, outcome)]
                    if pats:
                        hit.append(n)
                        row_scn[n][scn] = row_scn[n].get(scn, 0) + 1
                        for p in pats:
                            row_pat[n][p] += 1
                va, vb = fa.get(f, "-"), fb.get(f, "-")
                verdict = verdict_of(rows, hit)
                diffs[scn].append((where, name, va, vb, hit, verdict))
                table.append((where, name, str(va), str(vb), verdict))
                all_rows.append((scn, key[1], key[2], i, cmd, name, va, vb, False, verdict))

    head = ("scenario", "field", "mainline", "ours", "verdict")
    w = [max(len(str(r[c])) for r in table + [head]) for c in range(5)]
    w = [min(x, m) for x, m in zip(w, (30, 34, 26, 26, 44))]
    fmt = "  ".join("{:%d}" % x for x in w)
    print(fmt.format(*head).rstrip())
    print(fmt.format(*("-" * x for x in w)))
    for r in table:
        print(fmt.format(*(str(c)[:x] for c, x in zip(r, w))).rstrip())

    differing = [s for s in order if diffs[s]]
    ndiff = sum(len(diffs[s]) for s in order)
    print(f"# {len(order)} scenario(s), {nmsgs} message pair(s), {nfields} field(s) compared;"
          f" {len(order) - len(differing)} scenario(s) alike, {len(differing)} differ"
          f" in {ndiff} field(s)")
    unnamed = sum(1 for s in order for d in diffs[s] if not d[4])
    for n, r in enumerate(rows, 1):
        nd = sum(row_scn[n].values())
        print(f"# row {n} ({kind_of(r)}; {r['case'][:48]}): {nd} field difference(s)"
              f" in {len(row_scn[n])} scenario(s)")
    if unnamed:
        print(f"# {unnamed} field difference(s) that no row names")

    failed = 0
    if not ml or not ours:
        print("not ok - parity: both boots produced messages"
              f" (mainline {len(ml)}, ours {len(ours)} step(s))")
        failed += 1
    for scn in order:
        d = diffs[scn]
        bad = [x for x in d if not x[4]]
        known = [x for x in d if x[4] and x[5].startswith("KNOWN")]
        if not d:
            print(f"ok - parity: {scn}: same answers")
        elif bad:
            shown = ", ".join(f"{x[1]} ({x[0].split()[-1]}: {short(x[2])} vs {short(x[3])})"
                              for x in bad[:3])
            more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
            print(f"not ok - parity: {scn}: {shown}{more} differ(s), and no row of"
                  f" README's table names that field for {scn}")
            failed += 1
        elif known:
            print(f"not ok - parity: {scn}: {', '.join(x[1] for x in known[:3])} differ(s);"
                  f" README's table lists it as ours to fix")
            failed += 1
        else:
            hit = sorted({n for x in d for n in x[4]})
            print(f"ok - parity: {scn}: {len(d)} field(s) differ, each as a row says"
                  f" (row{'s' if len(hit) > 1 else ''} {', '.join(map(str, hit))})")
    for n, r in enumerate(rows, 1):
        if not r["scenarios"] or not r["fields"]:
            what = "scenario" if not r["scenarios"] else "field"
            print(f"not ok - parity: README row {n} ({r['case'][:50]}) names no {what}")
            failed += 1
            continue
        for p in r["scenarios"]:
            hit = [s for s in order if fnmatch.fnmatchcase(s, p)]
            if not hit:
                print(f"not ok - parity: README row {n}: no scenario {p} ran")
                failed += 1
                continue
            stale = [s for s in hit if s not in row_scn[n]]
            if stale:
                print(f"not ok - parity: README row {n}: {', '.join(stale)} show(s) no"
                      f" difference in the row's fields")
                failed += 1
            else:
                print(f"ok - parity: README row {n} ({kind_of(r)}) shown by {p}")
        for p in r["fields"]:
            if row_pat[n][p]:
                print(f"ok - parity: README row {n} field {p}: {row_pat[n][p]} difference(s)")
            else:
                print(f"not ok - parity: README row {n}: field {p} differs in none of"
                      f" the row's scenarios")
                failed += 1
    if tsv:
        with open(tsv, "w") as f:
            f.write("scenario\tstep\tclient\tmessage\tcmd\tfield\tmainline\tours\tsame\tverdict\n")
            for r in all_rows:
                f.write("\t".join(str(c) for c in r) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
