#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compare the parity guests' QMI messages field by field.

usage: compare.py MAINLINE.log OURS.log docs/mainline.md [--tsv FILE]

Each console log holds "uob-parity: {json}" lines, one per QMI message the
client script (tests/guest/parity-init.sh) sent, got or waited for in vain
(tests/dsp/uob-dsp.c, run).  Messages are paired by scenario, step, client
and position; every field is compared (DMA addresses only as zero/non-zero:
they are allocation-dependent; IOVAs, sizes and all else exactly).

A scenario whose messages differ must be named by a row of README's table
of deliberate differences ("Where we answer differently from mainline, on
purpose"), in its "parity scenarios" column; and every scenario a row names
must differ (a row nothing shows is stale).  Rows whose kind is "mainline
bug" are kept and reported as such; rows whose kind is "ours to fix" name a
known difference that still fails the step.  The first row naming a
scenario gives its verdict.  Prints the comparison table (scenario,
field, mainline, ours, verdict), TAP lines, and exits non-zero on any
undocumented difference or stale row.
"""
import fnmatch
import json
import re
import sys

PREFIX = "uob-parity: "
# TLVs "f" decodes (libqrtr); the rest of an indication is compared raw
DECODED = {"resp": None, "ind": {"01", "02", "10", "19"}}


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


def readme_rows(path):
    """The deliberate-differences table: [{case, kind, scenarios}]."""
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
            if len(cells) < 6:
                sys.exit(f"compare.py: README row without kind and scenarios: {line.strip()}")
            rows.append({"case": cells[0], "kind": cells[3],
                         "scenarios": re.findall(r"`([^`]+)`", cells[5])})
    if not rows:
        sys.exit("compare.py: README has no deliberate-differences table")
    return rows


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

    def row_of(scn):
        for n, r in enumerate(rows, 1):
            if any(fnmatch.fnmatchcase(scn, p) for p in r["scenarios"]):
                return n, r
        return None, None

    order = ml_order + [s for s in ours_order if s not in ml_order]
    table, diff_scn, failed, nfields, nmsgs = [], {}, 0, 0, 0
    all_rows = []
    keys = sorted(set(ml) | set(ours), key=lambda k: (order.index(k[0]), k[1], k[2]))
    for key in keys:
        a, b = ml.get(key, []), ours.get(key, [])
        for i in range(max(len(a), len(b))):
            fa = fields(a[i]) if i < len(a) else {"msg": "(absent)"}
            fb = fields(b[i]) if i < len(b) else {"msg": "(absent)"}
            nmsgs += 1
            diffs = []
            for f in sorted(set(fa) | set(fb), key=lambda x: (x != "msg", x)):
                va, vb = fa.get(f, "-"), fb.get(f, "-")
                nfields += 1
                all_rows.append((key[0], key[1], key[2], i, f, va, vb, va == vb))
                if va != vb:
                    diffs.append((f, va, vb))
            where = f"{key[0]} #{key[1]}{'/c2' if key[2] == 2 else ''}"
            cmd = (a[i] if i < len(a) else b[i]).get("cmd", "")
            if not diffs:
                table.append((where, f"{cmd} {fa['msg']}: {len(fa)} fields", "=", "=", "same"))
                continue
            n, r = row_of(key[0])
            if r is None:
                verdict = "DIFFERENT: not in README"
            elif r["kind"].startswith("ours to fix"):
                verdict = f"KNOWN, ours to fix (row {n})"
            elif r["kind"].startswith("mainline bug"):
                verdict = f"mainline bug, ours kept (row {n})"
            else:
                verdict = f"deliberate (row {n})"
            diff_scn.setdefault(key[0], verdict)
            for f, va, vb in diffs:
                table.append((where, f"{cmd} {f}", str(va), str(vb), verdict))

    w = [max(len(str(r[c])) for r in table + [("scenario", "field", "mainline", "ours", "verdict")])
         for c in range(5)]
    w = [min(x, m) for x, m in zip(w, (34, 44, 26, 26, 40))]
    fmt = "  ".join("{:%d}" % x for x in w)
    print(fmt.format("scenario", "field", "mainline", "ours", "verdict"))
    print(fmt.format(*("-" * x for x in w)))
    for r in table:
        print(fmt.format(*(str(c)[:x] for c, x in zip(r, w))))
    print(f"# {nmsgs} message pair(s), {nfields} field(s) compared; "
          f"{len(diff_scn)} scenario(s) differ")

    if not ml or not ours:
        print("not ok - parity: both boots produced messages"
              f" (mainline {len(ml)}, ours {len(ours)} step(s))")
        failed += 1
    for scn in order:
        v = diff_scn.get(scn)
        if v is None:
            print(f"ok - parity: {scn}: same answers")
        elif v.startswith("DIFFERENT"):
            print(f"not ok - parity: {scn}: differs, and README's table does not list it")
            failed += 1
        elif v.startswith("KNOWN"):
            print(f"not ok - parity: {scn}: differs; README's table lists it as ours to fix")
            failed += 1
        else:
            print(f"ok - parity: {scn}: differs as README's table says ({v})")
    for n, r in enumerate(rows, 1):
        if not r["scenarios"]:
            print(f"not ok - parity: README row {n} ({r['case'][:50]}) names no scenario")
            failed += 1
            continue
        for p in r["scenarios"]:
            hit = [s for s in order if fnmatch.fnmatchcase(s, p)]
            if not hit:
                print(f"not ok - parity: README row {n}: no scenario {p} ran")
                failed += 1
            elif not all(s in diff_scn for s in hit):
                same = [s for s in hit if s not in diff_scn]
                print(f"not ok - parity: README row {n}: {', '.join(same)} show(s) no difference")
                failed += 1
            else:
                print(f"ok - parity: README row {n} ({r['kind']}) shown by {p}")
    if tsv:
        with open(tsv, "w") as f:
            f.write("scenario\tstep\tclient\tmessage\tfield\tmainline\tours\tsame\n")
            for r in all_rows:
                f.write("\t".join(str(c) for c in r) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
