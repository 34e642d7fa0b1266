#!/usr/bin/python3
"""How long the kiosk takes from launch to its first gallery frame with products, started
three ways against a standalone backend on loopback:

* online, no saved menu: every dish and the profile come from the backend;
* online, with the saved menu (menu_copy.rs): the copy at once, the backend's behind it;
* backend away, with the saved menu: the copy, offline.

The time is launch → the kiosk's log line written once the first gallery frame with product
cards has been presented (as scripts/bench/versus_browser.py measures it), under Xvfb with
software Vulkan; the median of R runs, with the range.

Usage: scripts/bench/start_offline.py [--runs R] [--profile release|debug]
Needs: xvfb and the binaries (`cargo build [--release] --bin customerclient --bin
customerclient-backend`).
"""

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
PAINT_LINE = "gallery: first frame with products presented"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, limit=120.0):
    deadline = time.monotonic() + limit
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def backend(binary, db, port, work):
    log = open(work / "backend.log", "a")
    proc = subprocess.Popen(
        [str(binary), "--demo", "--no-videos", "--listen", f"127.0.0.1:{port}",
         "--database-url", db],
        stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, RUST_LOG="warn"))

    def up():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the backend exited; see backend.log")
            return False

    wait_for("the backend", up)
    return proc


def kiosk_start(binary, url, copies, display, work):
    """Seconds from launch to the first gallery frame with products."""
    log = work / "kiosk.log"
    env = dict(os.environ, DISPLAY=display, XDG_RUNTIME_DIR=str(work), NO_COLOR="1")
    with open(log, "w") as out:
        t0 = time.time()
        proc = subprocess.Popen(
            [str(binary), "--windowed", "--start-in-gallery", "--backend-url", url,
             "--menu-copy-dir", str(copies)],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        def painted():
            if proc.poll() is not None:
                raise SystemExit(f"the kiosk exited; log:\n{log.read_text()[-3000:]}")
            return PAINT_LINE in log.read_text(errors="replace") and time.time()

        seconds = wait_for("the first gallery frame", painted) - t0
        # Give the copy time to be written after a load from the backend.
        time.sleep(1.0)
        return seconds
    finally:
        stop(proc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", default="release", choices=["release", "debug"])
    args = ap.parse_args()
    kiosk_bin = TARGET / args.profile / "customerclient"
    backend_bin = TARGET / args.profile / "customerclient-backend"
    for binary in (kiosk_bin, backend_bin):
        if not binary.exists():
            raise SystemExit(f"{binary} missing: cargo build --{args.profile} --bin {binary.name}")
    work = Path(tempfile.mkdtemp(prefix="start-offline-"))
    n = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    display = f":{n}"
    wait_for("Xvfb", lambda: Path(f"/tmp/.X11-unix/X{n}").exists(), limit=20)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    db = f"sqlite://{work}/shop.sqlite"
    copies = work / "copies"
    results = {"online, no saved menu": [], "online, saved menu": [],
               "backend away, saved menu": []}
    try:
        server = backend(backend_bin, db, port, work)
        # A first run seeds nothing more (the backend did) but warms the disk cache and
        # writes the copy.
        kiosk_start(kiosk_bin, url, copies, display, work)
        for _ in range(args.runs):
            empty = work / "no-copy"
            shutil.rmtree(empty, ignore_errors=True)
            results["online, no saved menu"].append(
                kiosk_start(kiosk_bin, url, empty, display, work))
            results["online, saved menu"].append(kiosk_start(kiosk_bin, url, copies, display, work))
        stop(server)
        for _ in range(args.runs):
            results["backend away, saved menu"].append(
                kiosk_start(kiosk_bin, url, copies, display, work))
    finally:
        stop(xvfb)
    print(f"launch → first gallery frame with products ({args.profile} build, "
          f"median of {args.runs}, range):")
    for name, values in results.items():
        print(f"  {name:26} {statistics.median(values):.2f} s "
              f"({min(values):.2f}–{max(values):.2f})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
