#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench: turn the bench guests' console logs into the tables of
the bench report (~/.cache/usb-offload-backport/bench/RESULTS.md).

  bench-stats.py CONSOLE_LOG...      (one log per boot, in boot order)
  bench-stats.py --parity MAINLINE_LOG[,...] OURS_LOG[,...]
                                     (scripts/bench-7.2.sh: the boots of the
                                     7.2 parity kernel, per driver)

Reads the lines of tests/bench-mod/uob-bench.ko ("uob-bench: getput: round
R control=C pairs=P ns: counter=T ...", T = ns for P pairs) and of the QMI
round-trip tools ("uob-bench: bench: <what> over N cycles: median ..."), and
prints markdown: ns per pair per variant, the per-round ratios (median and
spread, per boot and over all boots) for power/control=on and auto, and the
round trips side by side with their floors.  With --parity: ours against
usbcore's own get/put ("intree") per round, and our QMI round trips against
mainline's driver's: median and p99 of all samples of a driver's boots
("uob-bench: bench-samples: <what>: us ..."), and each boot's median.  Each target of issue 21 (<= 1.0) is one line
"- target: <what> = <ratio> ...: met|NOT met", which scripts/bench.sh
collects.  Reports; asserts nothing except that every boot produced its
figures.
"""
import re
import statistics
import sys

ROUND = re.compile(r"uob-bench: getput: round (\d+) control=(\w+) pairs=(\d+) ns: (.*)")
DONE = re.compile(r"uob-bench: getput: done: .*errors=(\d+)")
QMI = re.compile(r"uob-bench: bench: (.*) over (\d+) cycles: median ([0-9.]+) ms "
                 r"p99 ([0-9.]+) ms min ([0-9.]+) ms max ([0-9.]+) ms")
SAMPLES = re.compile(r"uob-bench: bench-samples: (.*?):((?: \d+)+)\s*$")
VARIANTS = ["counter", "noresume", "mutex", "seed", "mainline", "ours", "held"]
RATIOS = [
    ("ours / seed", "ours", "seed", "get+put (0 -> 1 -> 0) against the seed's own work; target <= 1.0"),
    ("held / seed", "held", "seed", "get+put with usage held at 1, against the seed's work"),
    ("ours / held", "ours", "held", "a 0 -> 1 -> 0 pair against one with usage held; target <= 1.1"),
    ("mainline / seed", "mainline", "seed", "mainline v7.0's sequence against the seed's work"),
    ("seed / mutex", "seed", "mutex", "the seed's work against the mutex+counter floor"),
]


def med(v):
    return statistics.median(v) if v else float("nan")


def verdict(v, target):
    return f"met (<= {target})" if v <= target else f"NOT met (> {target})"


def parse(path, samples=None):
    """get/put rounds, QMI summaries and getput errors of one boot's log;
    @samples (a dict), if given, gets each QMI sample list (ms) by name."""
    rounds = {}     # control -> [ {variant: ns per pair} ]
    qmi = {}
    errors = []
    with open(path, errors="replace") as f:
        for line in f:
            m = ROUND.search(line)
            if m:
                pairs = int(m.group(3))
                vals = dict(kv.split("=") for kv in m.group(4).split())
                rounds.setdefault(m.group(2), []).append(
                    {k: int(v) / pairs for k, v in vals.items()})
                continue
            m = DONE.search(line)
            if m:
                errors.append(int(m.group(1)))
                continue
            m = QMI.search(line)
            if m:
                qmi[m.group(1)] = [int(m.group(2))] + [float(x) for x in m.group(3, 4, 5, 6)]
                continue
            m = SAMPLES.search(line)
            if m and samples is not None:
                samples[m.group(1)] = [int(x) / 1000 for x in m.group(2).split()]
    return rounds, qmi, errors


def main():
    boots = [parse(p) for p in sys.argv[1:]]
    bad = [i + 1 for i, (r, q, e) in enumerate(boots)
           if set(r) != {"on", "auto"} or len(e) != 2 or any(e)]
    if bad:
        print(f"bench-stats: boot(s) {bad} lack get/put rounds for on and auto, or had errors",
              file=sys.stderr)
        return 1

    n_rounds = len(boots[0][0]["auto"])
    pairs = None
    with open(sys.argv[1], errors="replace") as f:
        m = ROUND.search(f.read())
        pairs = m.group(3)
    print(f"{len(boots)} boots, {n_rounds} interleaved rounds per boot and power/control "
          f"setting, {pairs} pairs per variant and round; device lock held for the round.\n")

    for ctl in ("on", "auto"):
        print(f"### power/control={ctl}: ns per get+put pair (median over the rounds)\n")
        print("| variant | " + " | ".join(f"boot {i + 1}" for i in range(len(boots))) + " | all rounds |")
        print("|---|" + "---:|" * (len(boots) + 1))
        for v in [v for v in VARIANTS if all(v in r for b in boots for r in b[0][ctl])]:
            per = [med([r[v] for r in b[0][ctl]]) for b in boots]
            allr = med([r[v] for b in boots for r in b[0][ctl]])
            print(f"| {v} | " + " | ".join(f"{x:.0f}" for x in per) + f" | {allr:.0f} |")
        print()
        print(f"### power/control={ctl}: per-round ratios, median [min-max over the rounds]\n")
        print("| ratio | " + " | ".join(f"boot {i + 1}" for i in range(len(boots))) +
              " | all rounds | spread of the boot medians |")
        print("|---|" + "---:|" * (len(boots) + 2))
        for name, a, b_, _ in RATIOS:
            cells, meds, allv = [], [], []
            for b in boots:
                v = [r[a] / r[b_] for r in b[0][ctl]]
                allv += v
                meds.append(med(v))
                cells.append(f"{med(v):.2f} [{min(v):.2f}-{max(v):.2f}]")
            print(f"| {name} | " + " | ".join(cells) +
                  f" | {med(allv):.2f} [{min(allv):.2f}-{max(allv):.2f}] | {min(meds):.2f}-{max(meds):.2f} |")
        print()

    print("Ratios: " + "; ".join(f"*{n}*: {d}" for n, _, _, d in RATIOS) + ".\n")
    for ctl in ("on", "auto"):
        for name, a, b_, target in (("ours / seed", "ours", "seed", 1.0), ("ours / held", "ours", "held", 1.1)):
            v = med([r[a] / r[b_] for b in boots for r in b[0][ctl]])
            per = ", ".join(f"{med([r[a] / r[b_] for r in b[0][ctl]]):.2f}" for b in boots)
            print(f"- {'target: ' if target == 1.0 else ''}6.12 get+put {name}, control={ctl} = {v:.2f} "
                  f"over all rounds (per boot: {per}): {verdict(v, target)}")
    print()

    print("### QMI round trip and its plain-ALSA floor, per boot (ms)\n")
    print("| boot | path | cycles | median | p99 | p99/median | min | max |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    order = [("ALSA open+HW_PARAMS+PREPARE (floor for enable)", "floor: open+HW_PARAMS+PREPARE"),
             ("QMI enable round trip", "ours: QMI enable"),
             ("ALSA HW_FREE+close (floor for disable)", "floor: HW_FREE+close"),
             ("QMI disable round trip", "ours: QMI disable")]
    for i, (_, q, _) in enumerate(boots):
        for key, label in order:
            if key not in q:
                print(f"| {i + 1} | {label} | missing | | | | | |")
                continue
            n, md, p99, mn, mx = q[key]
            print(f"| {i + 1} | {label} | {n} | {md:.3f} | {p99:.3f} | {p99 / md:.2f} | {mn:.3f} | {mx:.3f} |")
    return 0


def pct(v, p):
    """The p-th percentile of @v as uob-stats.h takes it: sorted[n * p / 100]."""
    v = sorted(v)
    return v[min(len(v) - 1, len(v) * p // 100)]


def parity(mainline_logs, ours_logs):
    """The 7.2 part: get/put of ours against usbcore's own (all boots'
    rounds), QMI round trips of ours against mainline's driver (all boots'
    samples pooled; each boot's median beside)."""
    qmi_names = ["QMI enable round trip", "QMI disable round trip"]
    boots, pooled, per_boot, bad, missing = {}, {}, {}, [], []
    for impl, logs in (("mainline", mainline_logs), ("ours", ours_logs)):
        rounds, errors, pooled[impl], per_boot[impl] = {}, [], {q: [] for q in qmi_names}, []
        for path in logs.split(","):
            samples = {}
            r, q, e = parse(path, samples)
            if set(r) != {"on", "auto"} or len(e) != 2 or any(e) \
               or any("intree" not in x for c in r.values() for x in c):
                bad.append(path)
            if not set(qmi_names) <= set(q) or not set(qmi_names) <= set(samples):
                missing.append(path)
                continue
            for c, v in r.items():
                rounds.setdefault(c, []).extend(v)
            errors += e
            for name in qmi_names:
                pooled[impl][name] += samples[name]
            per_boot[impl].append({name: q[name][1] for name in qmi_names})
        boots[impl] = (rounds, None, errors)
    if bad or missing:
        print(f"bench-stats: get/put rounds (with intree, on and auto, no errors) missing in {bad}, "
              f"QMI round trips or their samples missing in {missing}", file=sys.stderr)
        return 1
    first = boots["mainline"][0]["auto"][0]
    n_rounds = len(boots["mainline"][0]["auto"]) // len(per_boot["mainline"])
    print("## 7.2: ours against mainline's own code, same kernel, same boot setup\n")
    print(f"The parity kernel (7.2.11, modular, no lockdep/KASAN), q35 + QEMU's VT-d, "
          f"{len(per_boot['mainline'])} boots each of one initramfs, alternating: *mainline* "
          f"(mainline's snd-usb-audio-qmi + the q6usb stand-in) and *ours* (our three modules).  "
          f"{n_rounds} interleaved rounds per boot and power/control setting; "
          f"*intree* is usbcore's own usb_offload_get()+usb_offload_put() (offload_lock, "
          f"pm_runtime_get_if_active, no device lock), *ours* our usb_offload_get()+put() with the "
          f"device lock held, both 0 -> 1 -> 0.\n")
    print("### get+put, ns per pair (median over the rounds)\n")
    cols = [(impl, ctl) for impl in boots for ctl in ("on", "auto")]
    print("| variant | " + " | ".join(f"{i} boot, {c}" for i, c in cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for v in [v for v in VARIANTS + ["intree"] if v in first]:
        print(f"| {v} | " + " | ".join(f"{med([r[v] for r in boots[i][0][c]]):.0f}" for i, c in cols) + " |")
    print()
    print("Per-round ratios, median [min-max]:\n")
    print("| ratio | " + " | ".join(f"{i} boot, {c}" for i, c in cols) + " |")
    print("|---|" + "---:|" * len(cols))
    for a, b_ in (("ours", "intree"), ("ours", "seed"), ("intree", "seed")):
        cells = []
        for i, c in cols:
            v = [r[a] / r[b_] for r in boots[i][0][c]]
            cells.append(f"{med(v):.2f} [{min(v):.2f}-{max(v):.2f}]")
        print(f"| {a} / {b_} | " + " | ".join(cells) + " |")
    print()
    print("### QMI enable/disable round trip from the same client (ms)\n")
    print("All samples of a driver's boots pooled; then each boot's own median, in boot order.\n")
    print("| driver | request | cycles | median | p99 | min | max | boots' medians |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for impl in pooled:
        for what in ("enable", "disable"):
            v = pooled[impl][f"QMI {what} round trip"]
            meds = " / ".join(f"{b[f'QMI {what} round trip']:.3f}" for b in per_boot[impl])
            print(f"| {impl} | {what} | {len(v)} | {pct(v, 50):.3f} | {pct(v, 99):.3f} | "
                  f"{min(v):.3f} | {max(v):.3f} | {meds} |")
    print()
    print("Targets (issue 21: ours <= 1.0x mainline's):\n")
    for ctl in ("on", "auto"):
        v = [r["ours"] / r["intree"] for i in boots for r in boots[i][0][ctl]]
        print(f"- target: 7.2 get+put ours / intree, control={ctl} = {med(v):.2f} over all boots' "
              f"rounds [{min(v):.2f}-{max(v):.2f}]: {verdict(med(v), 1.0)}")
    for what in ("enable", "disable"):
        q = f"QMI {what} round trip"
        o, m = pooled["ours"][q], pooled["mainline"][q]
        for k, p in (("median", 50), ("p99", 99)):
            r = pct(o, p) / pct(m, p)
            print(f"- target: 7.2 QMI {what} {k} ours / mainline = {r:.2f} "
                  f"({pct(o, p):.3f} / {pct(m, p):.3f} ms, N={len(o)}/{len(m)} over "
                  f"{len(per_boot['ours'])}/{len(per_boot['mainline'])} boots): {verdict(r, 1.0)}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--parity":
        sys.exit(parity(sys.argv[2], sys.argv[3]))
    sys.exit(main())
