#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Drive the e2e guest: boot QEMU, relay console, act on the guest's
"uob-e2e: host: <cmd>" requests through the HMP monitor (hot-unplug and
re-plug of the usb-audio device, waking the guest from S3, reading the
controller's registers of an interrupter), judge the
"uob-e2e: PASS|FAIL" lines.

usage: e2e.py KERNEL INITRD LOG [TIMEOUT]
Prints the results as TAP lines, which make check's runner counts: "ok - "
or "not ok - " and the scenario for each PASS or FAIL line of the guest,
"ok - NAME # SKIP why" for its SKIP lines, then whether the guest finished
and whether the console held no kernel report; other guest lines as "# "
comments.  Exits non-zero on any failure.
"""
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import threading
import time

AUDIO = "usb-audio,id=audio0,bus=xhci.0,port=1,audiodev=snd0"
# an SMMUv3 translation fault (arm-smmu-v3's event queue), as DMAR's below;
# it is logged at KERN_INFO, so with loglevel=4 only the guest's own judge
# (log_clean, on dmesg) sees it
SMMU_FAULT = re.compile(r"arm-smmu-v3.*: event 0x[0-9a-f]+ received")

# Kernel reports, any of which fails the run (the guest's log_clean greps
# dmesg for the same, tests/guest/lib.sh): WARN (lockdep's and RCU's
# reports are WARNINGs too), BUG (KASAN, sleeping in atomic context, ...),
# SLUB's own "BUG <cache> (Not tainted): ..." consistency reports, oopses,
# panics, debug objects, hung tasks, RCU stalls, kmemleak, DMAR faults.
REPORT = re.compile(
    r"WARNING:|(^|[^A-Z_])BUG:|kernel BUG at|BUG [^ ]+ \((Not t|T)ainted|Oops|"
    r"general protection fault|Kernel panic|KASAN|UBSAN|ODEBUG:|DEBUG_LOCKS_WARN_ON|"
    r"possible (circular|recursive) locking|inconsistent lock state|"
    r"blocked for more than|detected stalls?|suspected memory leak|"
    r"unreferenced object|DMAR: DRHD: handling fault")


def hmp(path, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.settimeout(5)
    out = b""
    try:
        out += s.recv(4096)            # banner + prompt
        s.sendall(cmd.encode() + b"\n")
        time.sleep(0.5)
        out += s.recv(4096)
    except socket.timeout:
        pass
    s.close()
    return out.decode(errors="replace")


def xp32(path, addr):
    """A 32-bit read of guest physical memory or MMIO through the monitor."""
    m = re.search(r"[0-9a-f]{8,16}: (0x[0-9a-f]+)", hmp(path, f"xp /1wx {addr:#x}"))
    return int(m.group(1), 16) if m else None


def xhci_ir(path, args):
    """"host: xhci-ir BAR N DMA SIZE [NAME]": the controller's own view of
    its interrupter N, from its xHCI runtime registers (BAR: the MMIO base)
    read through the monitor: one event ring segment (ERSTSZ) and the
    dequeue pointer (ERDP) inside the event ring the DSP was given (DMA,
    SIZE).  A TAP line; True if it holds."""
    bar, n, dma, size = (int(a, 0) for a in args[:4])
    name = " ".join(args[4:]) or "the controller's interrupter"
    rtsoff = xp32(path, bar + 0x18)
    ir = bar + (rtsoff & ~0x1f) + 0x20 + 32 * n if rtsoff is not None else None
    regs = [xp32(path, ir + off) for off in (0x08, 0x18, 0x1c)] if ir else [None]
    if None in regs:
        print(f"not ok - {name} {n}: its registers could not be read", flush=True)
        return False
    erstsz, erdp = regs[0] & 0xffff, (regs[2] << 32 | regs[1]) & ~0xf
    ok = erstsz == 1 and dma <= erdp < dma + size
    print(f"{'ok' if ok else 'not ok'} - {name} {n}: ERSTSZ {erstsz} (1), "
          f"ERDP {erdp:#x} in the event ring {dma:#x}+{size:#x}", flush=True)
    return ok


def waker(path):
    """Wake the guest (system_wakeup) once QEMU reports it suspended (S3).
    A debug kernel under TCG takes long to suspend: wait up to 300 s."""
    end = time.time() + 300
    try:
        while time.time() < end:
            if "suspended" in hmp(path, "info status"):
                time.sleep(1)
                hmp(path, "system_wakeup")
                return
            time.sleep(0.5)
    except OSError:
        return                          # QEMU has exited: nothing to wake
    print("e2e: the guest did not suspend within 300 s", flush=True)


def main():
    kernel, initrd, log = sys.argv[1:4]
    timeout = int(sys.argv[4]) if len(sys.argv) > 4 else 600
    mon = os.path.join(tempfile.mkdtemp(), "mon.sock")
    # tcg thread=single: see scripts/guest.sh (multi-threaded TCG races with
    # the kernel's live code patching)
    # UOB_E2E_QEMU_ARGS: devices that must come first (an IOMMU);
    # UOB_E2E_APPEND: more kernel command line; UOB_E2E_MEM: guest MiB;
    # UOB_E2E_QEMU, UOB_E2E_CONSOLE: another machine (scripts/arm64-e2e.sh);
    # UOB_E2E_AUDIODEV: the usb-audio device's backend (-audiodev, id snd0;
    # scripts/dsp-stream.sh records into a wav)
    # UOB_E2E_WAV: the wav that backend writes ("host: wavsize LABEL");
    # UOB_E2E_AUDIO_PROPS: more usb-audio properties (e.g. buffer=)
    audio = ",".join(filter(None, [AUDIO, os.environ.get("UOB_E2E_AUDIO_PROPS")]))
    wav = os.environ.get("UOB_E2E_WAV")
    first = os.environ.get("UOB_E2E_QEMU_ARGS", "").split()
    console = os.environ.get("UOB_E2E_CONSOLE", "ttyS0")
    append = f"console={console} panic=-1 loglevel=4 hung_task_timeout_secs=20 " + \
        "no_console_suspend " + \
        os.environ.get("UOB_E2E_APPEND", "")
    machine = os.environ.get("UOB_E2E_QEMU",
                             "qemu-system-x86_64 -machine q35 -accel tcg,thread=single")
    qemu = machine.split() + [
            "-m", os.environ.get("UOB_E2E_MEM", "1024"), "-smp", "2",
            "-nographic", "-no-reboot", "-kernel", kernel, "-initrd", initrd,
            "-append", append.strip(),
            "-monitor", f"unix:{mon},server=on,wait=off"] + first + [
            "-device", "qemu-xhci,id=xhci",
            "-audiodev", os.environ.get("UOB_E2E_AUDIODEV", "none,id=snd0"),
            "-device", audio]
    p = subprocess.Popen(qemu, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    passed = failed = 0
    done = False
    bad = []
    end = time.time() + timeout
    with open(log, "w") as lf:
        buf = b""
        while time.time() < end:
            r, _, _ = select.select([p.stdout], [], [], 1.0)
            if not r:
                if p.poll() is not None:
                    break
                continue
            chunk = os.read(p.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode(errors="replace").rstrip("\r")
                lf.write(line + "\n")
                if (REPORT.search(line) or SMMU_FAULT.search(line)) and "uob-e2e:" not in line:
                    bad.append(line)
                if "uob-e2e:" not in line:
                    continue
                msg = line[line.index("uob-e2e:") + 8:].strip()
                if msg.startswith("PASS "):
                    passed += 1
                    print("ok - " + msg[5:], flush=True)
                elif msg.startswith("FAIL "):
                    failed += 1
                    print("not ok - " + msg[5:], flush=True)
                elif msg.startswith("SKIP "):
                    print(f"ok - {msg[5:]} # SKIP", flush=True)
                else:
                    print("# " + msg, flush=True)
                if msg == "host: unplug":
                    hmp(mon, "device_del audio0")
                elif msg == "host: replug":
                    hmp(mon, "device_add " + audio)
                elif msg.startswith("host: wavsize ") and wav:
                    # the recording's size now (the stream-end variants of
                    # scripts/dsp-stream.sh: when did the audio stop?)
                    size = os.path.getsize(wav) if os.path.exists(wav) else 0
                    print(f"# wavsize {msg.split()[2]} {size} {time.time():.3f}", flush=True)
                elif msg.startswith("host: xhci-ir "):
                    if xhci_ir(mon, msg.split()[2:]):
                        passed += 1
                    else:
                        failed += 1
                elif msg == "host: wake":
                    threading.Thread(target=waker, args=(mon,), daemon=True).start()
                elif msg == "done":
                    done = True
                    # after S3, poweroff -f may leave QEMU running
                    end = min(end, time.time() + 15)
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
    if done:
        print("ok - e2e: the guest finished")
    else:
        print("not ok - e2e: the guest did not finish (see %s)" % log)
        failed += 1
    for line in bad[:10]:
        print("# e2e: kernel report: " + line)
    if bad:
        print(f"not ok - e2e: {len(bad)} kernel report line(s) on the console")
        failed += 1
    else:
        print("ok - e2e: no kernel report on the console")
    print(f"# e2e: {passed} scenario(s) passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
