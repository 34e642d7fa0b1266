#!/usr/bin/python3
"""The kiosk side by side with a browser kiosk showing the same catalog.

Generates a static HTML/CSS storefront of the kiosk's demo catalog (same products, same
pictures, a grid of cards, lazy pictures below the first screen), serves it from a loopback
HTTP server and measures Debian's headless Chromium loading it against the release kiosk
(embedded backend, Xvfb, software Vulkan), the same way for both:

* launch → first paint with products: Chromium's first-contentful-paint from the DevTools
  protocol (performance.timeOrigin + the paint entry, an absolute time); the kiosk's log line
  written once the first gallery frame with product cards has been presented;
* peak memory: PSS summed over the whole process tree (/proc/PID/smaps_rollup), sampled every
  100 ms from launch to the end of the idle period;
* idle CPU: user + system time of the process tree over 20 s, starting 2 s after the paint,
  nothing touched;
* peak RSS: VmHWM of each process of the tree at the end (for the kiosk, one process, what
  `/usr/bin/time -v` reports; summed over Chromium's processes it counts shared pages again).

Usage: scripts/bench/versus_browser.py [--products N] [--runs R]
Needs: chromium, python3-websocket, xvfb (scripts/bench/all.sh installs them) and the
release binaries (`cargo build --release --bin customerclient --bin customerclient-backend`).
"""

import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from html import escape
from pathlib import Path

import websocket  # Debian: python3-websocket

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
KIOSK = TARGET / "release" / "customerclient"
BACKEND = TARGET / "release" / "customerclient-backend"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1920,1080",
]
IDLE_AFTER_PAINT_S = 2.0
IDLE_S = 20.0
TICKS = os.sysconf("SC_CLK_TCK")
PAINT_LINE = "gallery: first frame with products presented"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.load(r)


def wait_for(what, check, limit=60.0, step=0.01):
    deadline = time.monotonic() + limit
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(step)


# --- process tree sampling -------------------------------------------------------------


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def tree(root):
    kids = children_map()
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def proc_kib(path, key):
    """A `Key: N kB` line of a /proc file, 0 once the process is gone."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kib(pid):
    return proc_kib(f"/proc/{pid}/smaps_rollup", "Pss:")


def hwm_kib(pid):
    """Peak resident set of one process (what `/usr/bin/time -v` reports as maximum RSS)."""
    return proc_kib(f"/proc/{pid}/status", "VmHWM:")


def peak_rss_mib(root):
    """Peak RSS summed over the tree: counts shared pages once per process (Chromium's)."""
    return sum(hwm_kib(p) for p in tree(root)) / 1024


def cpu_ticks(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except OSError:
        return None


class Sampler:
    """Peak PSS of a process tree, sampled every 100 ms on a thread."""

    def __init__(self, root):
        self.root, self.peak_kib, self.stop = root, 0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            total = sum(pss_kib(p) for p in tree(self.root))
            self.peak_kib = max(self.peak_kib, total)
            self.stop.wait(0.1)

    def finish(self):
        self.stop.set()
        self.thread.join()
        return self.peak_kib / 1024


def idle_cpu_percent(root):
    """CPU of the tree over IDLE_S as a percentage of one core."""
    before = {p: cpu_ticks(p) for p in tree(root)}
    time.sleep(IDLE_S)
    used = 0
    for p in tree(root):
        now = cpu_ticks(p)
        if now is not None:
            used += now - (before.get(p) or 0)
    return used / TICKS / IDLE_S * 100


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- the static storefront ---------------------------------------------------------------

PAGE_CSS = """
*{box-sizing:border-box}body{margin:0;font:18px/1.3 "Inter","DejaVu Sans",sans-serif;background:#fdf6f0;color:#2b2118}
header{display:flex;align-items:center;gap:24px;padding:12px 40px;background:#fff;position:sticky;top:0}
header h1{color:#e85d1c;font-size:34px;margin:0}header p{color:#8a7a6d;flex:1}
header button,.tabs button{border:0;border-radius:14px;padding:22px 28px;font-size:24px;background:#f2e6da}
header .cart{background:#e85d1c;color:#fff;font-weight:700}
.tabs{display:flex;gap:12px;padding:16px 40px}.tabs button:first-child{background:#e85d1c;color:#fff}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:28px;padding:20px 40px}
.card{background:#fff;border-radius:16px;overflow:hidden}
.card img{width:100%;aspect-ratio:1/0.68;object-fit:cover;display:block;background:#eee}
.card h2{font-size:24px;margin:16px 22px}.row{display:flex;justify-content:space-between;align-items:center;padding:0 22px 18px}
.price{color:#e85d1c;font-size:28px;font-weight:700}.add{border:0;border-radius:14px;background:#e85d1c;color:#fff;font-size:24px;font-weight:700;padding:22px 28px}
"""


def export_storefront(db_url, products, out):
    """Reads the catalog through the backend's own API and writes index.html + pictures."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    backend = subprocess.Popen(
        [str(BACKEND), "--listen", f"127.0.0.1:{port}", "--database-url", db_url,
         "--catalog-size", str(products), "--simulator-speed", "0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def ready():
            try:
                return get_json(f"{base}/api/v1/categories")
            except OSError:
                return None
        categories = wait_for("the backend", ready, limit=120, step=0.1)
        items, page = [], 1
        while True:
            got = get_json(f"{base}/api/v1/products?page={page}&per_page=200")
            items += got["items"]
            if page * got["per_page"] >= got["total"]:
                break
            page += 1
        (out / "img").mkdir(parents=True)
        pictures = {}
        for p in items:
            if p["image_ids"] and p["image_ids"][0] not in pictures:
                pid = p["image_ids"][0]
                with urllib.request.urlopen(f"{base}/api/v1/files/{pid}") as r:
                    ext = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}.get(
                        r.headers.get_content_type(), "bin")
                    name = f"img/{pid}.{ext}"
                    (out / name).write_bytes(r.read())
                pictures[pid] = name
    finally:
        stop(backend)

    cards = []
    for i, p in enumerate(items):
        picture = pictures.get(p["image_ids"][0]) if p["image_ids"] else None
        # The first screens load at once; the rest only when scrolled near, as a browser kiosk would.
        lazy = ' loading="lazy"' if i >= 24 else ""
        img = f'<img src="{picture}" alt=""{lazy}>' if picture else "<img alt=\"\">"
        minor = p["price"]["minor"]
        cards.append(
            f'<div class="card">{img}<h2>{escape(p["name"])}</h2><div class="row">'
            f'<span class="price">${minor // 100}.{minor % 100:02}</span><button class="add">+ Add</button></div></div>')
    tabs = "".join(f"<button>{escape(c['name'])}</button>" for c in [{"name": "All"}] + categories)
    html = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width'><title>Fresh Kitchen</title>"
        f"<style>{PAGE_CSS}</style><header><h1>Fresh Kitchen</h1><p>Tap a dish to see it, or + to add it</p>"
        "<button>Русский</button><button>Sign in</button><button>Settings</button>"
        "<button class=cart>Cart is empty</button></header>"
        f"<nav class=tabs>{tabs}</nav><main class=grid>{''.join(cards)}</main></html>")
    (out / "index.html").write_text(html)
    return len(items), len(pictures)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    handler = lambda *a, **k: QuietHandler(*a, directory=str(directory), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- one launch each -------------------------------------------------------------------------

FCP_JS = ("(() => { const e = performance.getEntriesByName('first-contentful-paint')[0];"
          " return e ? performance.timeOrigin + e.startTime : null })()")


def chromium_run(url, work):
    profile = Path(tempfile.mkdtemp(dir=work, prefix="chromium-"))
    t0 = time.time()
    proc = subprocess.Popen(
        [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sampler = Sampler(proc.pid)
    try:
        port_file = profile / "DevToolsActivePort"
        port = wait_for("DevTools", lambda: port_file.exists() and port_file.read_text().split("\n")[0])

        def page():
            try:
                pages = get_json(f"http://127.0.0.1:{port}/json/list")
            except OSError:
                return None
            return next((p["webSocketDebuggerUrl"] for p in pages
                         if p.get("type") == "page" and p.get("url") == url), None)

        ws = websocket.create_connection(wait_for("the page target", page), timeout=30)
        ids = iter(range(1, 1 << 30))

        def fcp():
            msg_id = next(ids)
            ws.send(json.dumps({"id": msg_id, "method": "Runtime.evaluate",
                                "params": {"expression": FCP_JS, "returnByValue": True}}))
            while True:
                reply = json.loads(ws.recv())
                if reply.get("id") == msg_id:
                    return reply.get("result", {}).get("result", {}).get("value")

        painted_ms = wait_for("first contentful paint", fcp, step=0.02)
        ws.close()
        seconds = painted_ms / 1000 - t0
        time.sleep(IDLE_AFTER_PAINT_S)
        cpu = idle_cpu_percent(proc.pid)
        rss = peak_rss_mib(proc.pid)
    finally:
        stop(proc)
        pss = sampler.finish()
        shutil.rmtree(profile, ignore_errors=True)
    return seconds, pss, cpu, rss


def kiosk_run(db_url, products, display, work):
    log = work / "kiosk.log"
    env = dict(os.environ, DISPLAY=display, XDG_RUNTIME_DIR=str(work), NO_COLOR="1")
    with open(log, "w") as out:
        t0 = time.time()
        proc = subprocess.Popen(
            [str(KIOSK), "--windowed", "--start-in-gallery", "--catalog-size", str(products),
             "--database-url", db_url, "--simulator-speed", "0"],
            stdout=out, stderr=subprocess.STDOUT, env=env)
    sampler = Sampler(proc.pid)
    try:
        def painted():
            if proc.poll() is not None:
                raise SystemExit(f"the kiosk exited; log:\n{log.read_text()[-3000:]}")
            return PAINT_LINE in log.read_text(errors="replace") and time.time()

        seconds = wait_for("the kiosk's first gallery frame", painted, limit=120) - t0
        time.sleep(IDLE_AFTER_PAINT_S)
        cpu = idle_cpu_percent(proc.pid)
        rss = peak_rss_mib(proc.pid)
    finally:
        stop(proc)
        pss = sampler.finish()
    return seconds, pss, cpu, rss


def start_xvfb(work):
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for("Xvfb", lambda: Path(f"/tmp/.X11-unix/X{n}").exists(), limit=20)
    return proc, f":{n}"


# --- report -------------------------------------------------------------------------------------


def summary(values, fmt):
    med = statistics.median(values)
    return med, f"{fmt.format(med)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--products", type=int, default=56)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    for binary in (KIOSK, BACKEND):
        if not binary.exists():
            raise SystemExit(f"{binary} missing: cargo build --release --bin {binary.name}")

    work = Path(tempfile.mkdtemp(prefix="versus-browser-"))
    xvfb, display = start_xvfb(work)
    db_url = f"sqlite://{work}/kiosk.sqlite"
    try:
        # The first kiosk start seeds the database (catalog, pictures, videos, history) and warms
        # the file cache; the first Chromium start does the same for the browser. Neither counts.
        kiosk_run(db_url, args.products, display, work)
        site = work / "site"
        count, pictures = export_storefront(db_url, args.products, site)
        server = serve(site)
        url = f"http://127.0.0.1:{server.server_address[1]}/index.html"
        chromium_run(url, work)

        results = {"chromium": [], "kiosk": []}
        for run in range(args.runs):
            results["chromium"].append(chromium_run(url, work))
            results["kiosk"].append(kiosk_run(db_url, args.products, display, work))
            for who in results:
                s, p, c, r = results[who][-1]
                print(f"run {run + 1} {who:8} paint {s:.3f} s  PSS {p:.0f} MiB  idle CPU {c:.2f} %"
                      f"  peak RSS {r:.0f} MiB", file=sys.stderr)
        xvfb_pss = pss_kib(xvfb.pid) / 1024
        server.shutdown()

        version = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"## {count} products ({pictures} distinct pictures), {args.runs} runs each, median (min–max)")
        print(f"{version}; kiosk {KIOSK}\n")
        print("| | launch → first paint with products (s) | peak PSS, process tree (MiB) "
              "| idle CPU, 20 s (% of a core) | peak RSS, summed over the tree (MiB) |")
        print("|---|---|---|---|---|")
        med = {}
        for who in ("chromium", "kiosk"):
            cols = list(zip(*results[who]))
            cells = []
            for values, fmt in zip(cols, ("{:.3f}", "{:.0f}", "{:.2f}", "{:.0f}")):
                m, text = summary(values, fmt)
                med.setdefault(who, []).append(m)
                cells.append(text)
            print(f"| {who} | " + " | ".join(cells) + " |")
        ratios = [k / c if c else float("inf") for k, c in zip(med["kiosk"], med["chromium"])]
        print("| kiosk ÷ chromium | " + " | ".join(f"{r:.2f}×" for r in ratios) + " |")
        print(f"\nXvfb (the kiosk's display server, not in its tree) PSS at the end: {xvfb_pss:.0f} MiB")
    finally:
        stop(xvfb)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
