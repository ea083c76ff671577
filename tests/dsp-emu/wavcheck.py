#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check what QEMU's usb-audio recorded (-audiodev wav) against the signal
of the emulated DSP (tests/dsp-emu/uob-dsp-emu.c).

usage: wavcheck.py WAV N [N...]
           the wav must hold, in order, one run per play of exactly N
           packets (the "N frames" of each "uob-dsp play" line): packets
           0..N-1, 48 stereo frames each, frame j of packet p being
           left = p & 0xffff, right = 0x8000 | j << 8 | (p >> 16 & 0xff).
           Silence (0, 0) is allowed before a run and after the last one;
           anything else is a failure, named: a lost packet (the number
           jumps ahead), a repeated one (it goes back by one), reordered
           ones (any other jump), a run cut short, silence or garbage
           inside a run, signal after the last run.
       wavcheck.py --doctor drop|repeat|swap IN OUT [PACKET]
           writes a copy of IN with packet PACKET (default 1000) of the
           first run dropped, repeated, or swapped with the next one: the
           check must then fail.

How gaps are judged: with out.mixing-engine=off QEMU's wav backend writes
exactly the bytes the device hands it, paced by the virtual clock, and
nothing while the device has none (an emulator that falls behind shows as
a delay, not as silence in the file).  So silence inside a run cannot come
from an underrun: it is judged a failure, like a lost packet.  The rate in
the header is not checked: without the mixing engine QEMU's wav backend
labels (and paces) the file at its own out.frequency, 44100 by default,
which cannot be set then; the samples are the device's 48 kHz ones.  The data
chunk is read to the end of the file (its size in the header is only
written when QEMU closes the file).  Exit status 0 if the wav is exactly
the signal.
"""
import struct
import sys
from array import array

FRAMES = 48             # per 1 ms packet at 48 kHz


def read_wav(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SystemExit(f"wavcheck: {path}: not a RIFF/WAVE file")
    pos, fmt = 12, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", data[pos + 8:pos + 24])
        elif cid == b"data":
            if fmt is None:
                raise SystemExit("wavcheck: data before fmt")
            tag, ch, rate, _, _, bits = fmt
            # the rate is the backend's label (QEMU's wav backend without
            # the mixing engine says 44100 whatever it is given): not checked
            if (tag, ch, bits) != (1, 2, 16):
                raise SystemExit(f"wavcheck: format {tag} {ch} ch {bits} bit, "
                                 "not PCM 2 ch 16 bit")
            body = data[pos + 8:]
            body = body[:len(body) - len(body) % 4]
            return data[:pos + 8], body
        pos += 8 + size + (size & 1)
    raise SystemExit(f"wavcheck: {path}: no data chunk")


def describe(left, right):
    if left == 0 and right == 0:
        return "silence"
    if right & 0xc000 != 0x8000 or (right >> 8) & 0x3f >= FRAMES:
        return f"garbage ({left:#06x}, {right:#06x})"
    return f"packet {(right & 0xff) << 16 | left} frame {(right >> 8) & 0x3f}"


def check(path, runs):
    _, body = read_wav(path)
    s = array("H")
    s.frombytes(body)
    if sys.byteorder != "little":
        s.byteswap()
    n = len(s) // 2
    print(f"wavcheck: {path}: {n} frames ({n / 48000:.3f} s), runs expected: "
          + ", ".join(str(r) for r in runs))
    i = 0
    for k, count in enumerate(runs):
        lead = i
        while i < n and s[2 * i] == 0 and s[2 * i + 1] == 0:
            i += 1
        if i > lead:
            print(f"wavcheck: run {k + 1}: {i - lead} frames of silence before it")
        start = i
        for p in range(count):
            want_l = p & 0xffff
            hi = 0x8000 | ((p >> 16) & 0xff)
            for j in range(FRAMES):
                if i >= n:
                    print(f"wavcheck: FAIL: run {k + 1} cut short: {p} of {count} packets "
                          f"(the file ends in packet {p} frame {j})")
                    return 1
                left, right = s[2 * i], s[2 * i + 1]
                if left != want_l or right != hi | j << 8:
                    got = describe(left, right)
                    why = "unexpected"
                    if got.startswith("packet "):
                        q = int(got.split()[1])
                        nxt = i + FRAMES
                        later = (describe(s[2 * nxt], s[2 * nxt + 1]) if nxt < n else "")
                        why = ("repeated packet" if q == p - 1 else
                               "reordered packets" if later == f"packet {p} frame 0" else
                               "lost packet(s)" if q > p else
                               "an earlier packet again (stale or reordered)")
                        if j:
                            why = "a packet cut or misaligned"
                    elif got == "silence":
                        why = "silence inside the signal"
                    print(f"wavcheck: FAIL: run {k + 1}, wav frame {i} "
                          f"({i / 48000:.4f} s): expected packet {p} frame {j}, "
                          f"got {got}: {why}")
                    return 1
                i += 1
        print(f"wavcheck: run {k + 1}: packets 0..{count - 1} in order, "
              f"{count * FRAMES / 48000:.3f} s of audio from {start / 48000:.3f} s")
    trail = i
    while i < n and s[2 * i] == 0 and s[2 * i + 1] == 0:
        i += 1
    if i < n:
        print(f"wavcheck: FAIL: after the last run, wav frame {i}: "
              f"{describe(s[2 * i], s[2 * i + 1])}")
        return 1
    if i > trail:
        print(f"wavcheck: {i - trail} frames of silence after the last run")
    print(f"wavcheck: OK: the recording is exactly the emulator's signal "
          f"({sum(runs)} packets in {len(runs)} run(s))")
    return 0


def doctor(mode, src, dst, packet):
    head, body = read_wav(src)
    i = 0
    while i < len(body) // 4 and body[4 * i:4 * i + 4] == b"\0\0\0\0":
        i += 1
    a = 4 * (i + packet * FRAMES)
    b = a + 4 * FRAMES
    c = b + 4 * FRAMES
    if c > len(body):
        raise SystemExit("wavcheck: the recording is too short to doctor")
    if mode == "drop":
        body = body[:a] + body[b:]
    elif mode == "repeat":
        body = body[:b] + body[a:b] + body[b:]
    elif mode == "swap":
        body = body[:a] + body[b:c] + body[a:b] + body[c:]
    else:
        raise SystemExit(f"wavcheck: no doctoring '{mode}'")
    with open(dst, "wb") as f:
        f.write(head + body)


def main(argv):
    if len(argv) >= 4 and argv[1] == "--doctor":
        doctor(argv[2], argv[3], argv[4], int(argv[5]) if len(argv) > 5 else 1000)
        return 0
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    return check(argv[1], [int(x) for x in argv[2:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
