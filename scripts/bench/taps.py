#!/usr/bin/env python3
"""Joins the taps sent (kind, Unix µs) with the kiosk's frame trace: for each tap, the first
frame after it whose visible state changed the way the tap should change it, and the end of
that frame's render (present). Prints p50/p99 per kind and where the time went."""
import sys

trace_path, taps_path = sys.argv[1], sys.argv[2]
frames, renders = {}, {}
for line in open(trace_path):
    p = line.split()
    if p[0] == "frame":
        f = dict(zip(p[2::2], p[3::2]))
        frames[int(p[1])] = {
            "start": int(f["start"]), "end": int(f["end"]),
            "layout": int(f["layout_us"]), "egui": int(f["egui_us"]),
            "changed": f["changed"] == "1", "shown": f["shown"].split("|"),
        }
    elif p[0] == "render" and p[2] == "end":
        renders[int(p[1])] = int(p[3])
taps = [(k, int(t)) for k, t in (l.split() for l in open(taps_path))]
order = sorted(frames)

def effect(kind, prev, now):
    if kind == "screen":
        return prev[0] != now[0]
    if kind == "cart":
        return prev[1] != now[1]
    if kind == "key":
        return prev[2] != now[2]
    return False

rows = {}
for kind, t0 in taps:
    if kind == "none":
        continue
    first = next((n for n in order if frames[n]["start"] >= t0), None)
    if first is None:
        continue
    hit = None
    for n in order:
        if n <= first - 1 or n - 1 not in frames:
            continue
        if effect(kind, frames[n - 1]["shown"], frames[n]["shown"]):
            hit = n
            break
        if frames[n]["start"] > t0 + 10_000_000:
            break
    if hit is None or hit not in renders:
        rows.setdefault(kind, []).append(None)
        continue
    span = [frames[n] for n in range(first, hit + 1) if n in frames]
    rows.setdefault(kind, []).append({
        "total": renders[hit] - t0,
        "wait": frames[first]["start"] - t0,
        "frames": hit - first + 1,
        "update": sum(f["end"] - f["start"] for f in span),
        "layout": sum(f["layout"] for f in span),
        "egui": sum(f["egui"] for f in span),
        "between": sum(span[i + 1]["start"] - span[i]["end"] for i in range(len(span) - 1)),
        "render": renders[hit] - frames[hit]["end"],
    })

def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round((len(xs) - 1) * p))]

names = {"cart": "gallery tap (+ Add)", "key": "keyboard key", "screen": "screen change"}
print("| tap | n | missed | p50 ms | p99 ms | frames | wait for frame | update (layout, egui) | between frames | render + present |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for kind in ("cart", "key", "screen"):
    got = [r for r in rows.get(kind, []) if r]
    missed = len(rows.get(kind, [])) - len(got)
    if not got:
        print(f"| {names[kind]} | 0 | {missed} | | | | | | | |")
        continue
    mean = lambda k: sum(r[k] for r in got) / len(got) / 1000
    tot = [r["total"] / 1000 for r in got]
    print(f"| {names[kind]} | {len(got)} | {missed} | {pct(tot, .5):.0f} | {pct(tot, .99):.0f} "
          f"| {sum(r['frames'] for r in got) / len(got):.1f} | {mean('wait'):.0f} "
          f"| {mean('update'):.0f} ({mean('layout'):.0f}, {mean('egui'):.0f}) "
          f"| {mean('between'):.0f} | {mean('render'):.0f} |")
