"""Hotkey → quick-ticket window latency and idle memory of the desktop app (issue #5).

Run by `scripts/bench hotkey` under Xvfb with a session D-Bus, the app's identity already
confirmed in BELLHOP_HOME. For each memory choice it starts the app in the tray, waits for it to
settle, sums the PSS of the app and every process it started (WebKit's network and web content
processes), then presses Ctrl+F12 through XTest N times. The latency of one press is from the
fake key press to the X server mapping a window titled "New ticket" (MapNotify on the root);
the form being up is when its page asks the app for the screenshot (the app logs it); the window
is then closed with WM_DELETE_WINDOW, as a window manager's close button would.
"""

import os
import re
import datetime
import statistics
import subprocess
import sys
import threading
import time

from Xlib import X, XK, display
from Xlib.ext import xtest
from Xlib.protocol import event as xevent

TITLE = "New ticket"


def tree(pid):
    """The process and all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def pss_mb(pid):
    """Proportional set size of the process tree, in MB, and per process name."""
    total, parts = 0, []
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                kb = next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            with open(f"/proc/{p}/comm") as f:
                name = f.read().strip()
        except (OSError, StopIteration):
            continue
        total += kb
        parts.append(f"{name} {kb / 1024:.0f}")
    return total / 1024, parts


def by_mapping(pid, top=12):
    """The largest mappings of each process in the tree by PSS (BELLHOP_BENCH_SMAPS=1): where the
    idle memory is, file by file, with the anonymous and heap memory summed per process."""
    lines = []
    for p in tree(pid):
        sizes, name = {}, None
        try:
            with open(f"/proc/{p}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{p}/smaps") as f:
                for line in f:
                    head = line.split()
                    if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                        name = head[5] if len(head) > 5 else "[anonymous]"
                    elif head and head[0] == "Pss:":
                        sizes[name] = sizes.get(name, 0) + int(head[1])
        except OSError:
            continue
        biggest = sorted(sizes.items(), key=lambda kv: -kv[1])[:top]
        lines.append(f"  {comm} ({p}): " + ", ".join(f"{os.path.basename(n)} {kb / 1024:.1f}" for n, kb in biggest))
    return "\n".join(lines)


def name_of(d, window):
    try:
        net = window.get_full_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"))
        if net is not None:
            return net.value.decode() if isinstance(net.value, bytes) else str(net.value)
        return window.get_wm_name() or ""
    except Exception:  # noqa: BLE001 - a window may vanish between the event and the question
        return ""


def press(d, keys):
    codes = [d.keysym_to_keycode(XK.string_to_keysym(k)) for k in keys]
    for c in codes:
        xtest.fake_input(d, X.KeyPress, c)
    for c in reversed(codes):
        xtest.fake_input(d, X.KeyRelease, c)
    d.sync()


def wait_for(d, predicate, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        while d.pending_events():
            e = d.next_event()
            if predicate(e):
                return e
        time.sleep(0.001)
    return None


def close(d, window):
    wm_protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    msg = xevent.ClientMessage(window=window, client_type=wm_protocols, data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    window.send_event(msg)
    d.flush()


def form_asks(proc, asked):
    """Collects the wall-clock times at which the form asked for its screenshot (app log)."""
    for raw in proc.stdout:
        line = raw.decode(errors="replace")
        if "asked for its screenshot" in line:
            # "2026-11-22T14:55:01.123456Z DEBUG …" (tracing's format, no colours: NO_COLOR).
            stamp = line.split()[0].rstrip("Z")
            at = datetime.datetime.fromisoformat(stamp).replace(tzinfo=datetime.timezone.utc)
            asked.append(at.timestamp())


def run(app, server, presses, low_memory):
    env = dict(os.environ, BELLHOP_AUTOSTART="0", BELLHOP_LOW_MEMORY="1" if low_memory else "0",
               RUST_LOG="warn,bellhop_desktop::commands=debug", NO_COLOR="1")
    proc = subprocess.Popen([app, "--server", server, "--background"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    asked = []
    threading.Thread(target=form_asks, args=(proc, asked), daemon=True).start()
    try:
        time.sleep(10)  # started, synced, the hidden window (if any) loaded
        idle, parts = pss_mb(proc.pid)
        if os.environ.get("BELLHOP_BENCH_SMAPS") == "1":
            print(by_mapping(proc.pid), flush=True)
        d = display.Display()
        root = d.screen().root
        root.change_attributes(event_mask=X.SubstructureNotifyMask)
        d.sync()
        latencies, ready = [], []
        for _ in range(presses):
            while d.pending_events():
                d.next_event()
            start, wall = time.monotonic(), time.time()
            press(d, ["Control_L", "F12"])
            mapped = wait_for(d, lambda e: e.type == X.MapNotify and name_of(d, e.window) == TITLE, 10)
            if mapped is None:
                raise SystemExit("the quick-ticket window did not appear within 10 s")
            latencies.append((time.monotonic() - start) * 1000)
            end = time.monotonic() + 10
            while time.monotonic() < end and not any(a >= wall for a in asked):
                time.sleep(0.002)
            ready.extend((a - wall) * 1000 for a in asked if a >= wall)
            asked.clear()
            time.sleep(0.3)  # the form shows its screenshot; a person looks at it
            close(d, mapped.window)
            gone = X.DestroyNotify if low_memory else X.UnmapNotify
            wait_for(d, lambda e: e.type == gone and e.window.id == mapped.window.id, 10)
            time.sleep(0.5)
        return idle, parts, latencies, ready
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def main():
    app, server, presses = sys.argv[1], sys.argv[2], int(sys.argv[3])
    def spread(ms):
        ms = sorted(ms)
        if not ms:
            return "no samples"
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        return (f"median {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms, "
                f"min {ms[0]:.0f} ms, max {ms[-1]:.0f} ms over {len(ms)}")

    for low_memory, label in ((False, "kept ready (default)"), (True, "low memory")):
        idle, parts, shown, ready = run(app, server, presses, low_memory)
        print(f"{label}: idle PSS {idle:.0f} MB ({', '.join(parts)}); "
              f"key press → window mapped: {spread(shown)}; → form up and asking for its "
              f"screenshot: {spread(ready)}", flush=True)


if __name__ == "__main__":
    main()
