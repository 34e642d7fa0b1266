#!/usr/bin/python3
"""How long the kiosk takes from launch to its first gallery frame with products, started
three ways against a standalone backend:

* online, no saved menu: every dish and the profile come from the backend;
* online, with the saved menu (menu_copy.rs): the copy at once, the backend's behind it;
* backend away, with the saved menu: the copy, offline.

The time is launch → the kiosk's log line written once the first gallery frame with product
cards has been presented (as scripts/bench/versus_browser.py measures it), under Xvfb with
software Vulkan; the median of R runs, with the range.

Each is measured over loopback and through a proxy that adds a round-trip time (RTT) to the
backend, as a store's link to a backend in a data centre has: every byte arrives RTT/2 late
in each direction and every connection takes one RTT to open (latency only, no bandwidth
limit).

Usage: scripts/bench/start_offline.py [--runs R] [--profile release|debug] [--rtt-ms MS ...]
Needs: xvfb and the binaries (`cargo build [--release] --bin customerclient --bin
customerclient-backend`).
"""

import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
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


def latency_proxy(listen_port, upstream_port, rtt_s):
    """A TCP proxy on loopback adding `rtt_s` of round trip, on a thread of its own."""

    async def pipe(reader, writer, delay):
        # Each chunk is written `delay` after it arrived, in order: latency, not bandwidth.
        queue = asyncio.Queue()

        async def read():
            try:
                while data := await reader.read(65536):
                    queue.put_nowait((time.monotonic() + delay, data))
            except (ConnectionError, OSError):
                pass
            finally:
                queue.put_nowait((0.0, b""))

        reading = asyncio.create_task(read())
        try:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            reading.cancel()
            writer.close()

    async def serve(client_r, client_w):
        await asyncio.sleep(rtt_s)  # the TCP handshake's round trip
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(pipe(client_r, up_w, rtt_s / 2), pipe(up_r, client_w, rtt_s / 2),
                             return_exceptions=True)

    loop = asyncio.new_event_loop()

    def run():
        asyncio.set_event_loop(loop)
        server = loop.run_until_complete(asyncio.start_server(serve, "127.0.0.1", listen_port))
        loop.run_until_complete(server.serve_forever())

    threading.Thread(target=run, daemon=True).start()


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
    ap.add_argument("--rtt-ms", type=int, nargs="+", default=[0, 150],
                    help="round-trip times to the backend to measure at (0: loopback)")
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
    db = f"sqlite://{work}/shop.sqlite"
    report = []
    try:
        for rtt in args.rtt_ms:
            url = f"http://127.0.0.1:{port}"
            if rtt:
                proxy_port = free_port()
                latency_proxy(proxy_port, port, rtt / 1000)
                url = f"http://127.0.0.1:{proxy_port}"
            copies = work / f"copies-{rtt}"
            results = {"online, no saved menu": [], "online, saved menu": [],
                       "backend away, saved menu": []}
            server = backend(backend_bin, db, port, work)
            # A first run warms the disk cache and writes the copy (menu and pictures).
            kiosk_start(kiosk_bin, url, copies, display, work)
            for _ in range(args.runs):
                empty = work / "no-copy"
                shutil.rmtree(empty, ignore_errors=True)
                results["online, no saved menu"].append(
                    kiosk_start(kiosk_bin, url, empty, display, work))
                results["online, saved menu"].append(
                    kiosk_start(kiosk_bin, url, copies, display, work))
            stop(server)
            for _ in range(args.runs):
                results["backend away, saved menu"].append(
                    kiosk_start(kiosk_bin, url, copies, display, work))
            report.append((rtt, results))
    finally:
        stop(xvfb)
    print(f"launch → first gallery frame with products ({args.profile} build, "
          f"median of {args.runs}, range):")
    for rtt, results in report:
        print(f"  backend {'on loopback' if not rtt else f'at {rtt} ms round trip'}:")
        for name, values in results.items():
            print(f"    {name:26} {statistics.median(values):.2f} s "
                  f"({min(values):.2f}–{max(values):.2f})")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
