"""A real-time soak of the 2×2 wall: hours of wall-clock time, not simulated ones.

    python -m benchmarks.wall_soak [--hours 2] [--warmup-min 15] [--json FILE]

The cockpit runs the shipped 2×2 manifest (examples/wall-2x2-4k.toml) on four offscreen 4K screens,
in a process of its own, against a central API of its own whose clock runs at 10x, polling ten times
as often as the catalogue says, every carousel turning every 10 s, and a red or orange warning
published every few minutes (pre-empting the wall, and released after its hold). This process samples
the cockpit's RSS every 10 s; the cockpit reports its live Qt objects and widgets every minute.
The verdict: the RSS slope after the warm-up (least squares, MB per hour) and the spread of the
object counts after it.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "examples" / "wall-2x2-4k.toml"
SPEED = 10.0
POLL_FASTER = 10
TURN_S = 10.0
PUBLISH_EVERY_S = 300.0
SAMPLE_S = 10.0
ADMIN = "wall-soak-admin"
SCREENS = {"screens": [{"name": f"DP-{n + 1}", "x": 3840 * (n % 2), "y": 2160 * (n // 2), "width": 3840,
                        "height": 2160, "logicalDpi": 96, "dpr": 1} for n in range(4)]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.wall_soak")
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--warmup-min", type=float, default=15.0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        return child(args.child)
    import requests

    from cockpit.core.embedded import EmbeddedCentral

    with tempfile.TemporaryDirectory(prefix="wall-soak-") as folder:
        folder = Path(folder)
        screens = folder / "screens.json"
        screens.write_text(json.dumps(SCREENS), encoding="utf-8")
        counts = folder / "counts.jsonl"
        central = EmbeddedCentral(folder / "central.sqlite", seed=2026, speed=SPEED, admin_token=ADMIN)
        url = central.start()
        env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screens}", XDG_DATA_HOME=str(folder / "data"),
                   XDG_CACHE_HOME=str(folder / "cache"),
                   PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
        duration = args.hours * 3600
        command = [sys.executable, "-m", "benchmarks.wall_soak", "--child", str(duration), str(counts),
                   "--api", url, "--wall", str(MANIFEST), "--cache", str(folder / "cache.sqlite")]
        samples: list[tuple[float, float]] = []
        rng = random.Random(2026)
        published = 0
        try:
            # stderr goes to a file: a pipe nobody reads for hours fills up and stalls the wall
            log = (folder / "wall.log").open("w", encoding="utf-8")
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
            started = time.monotonic()
            next_publish = started + 60
            while process.poll() is None:
                elapsed = time.monotonic() - started
                rss = _rss_mb(process.pid)
                if rss is not None:
                    samples.append((elapsed, rss))
                if time.monotonic() >= next_publish:
                    next_publish += PUBLISH_EVERY_S
                    level = rng.choice(("red", "orange", "yellow"))
                    try:
                        requests.post(f"{url}/api/v1/sim/warnings", headers={"Authorization": f"Bearer {ADMIN}"},
                                      json={"severity": level, "headline": f"浸泡测试预警 {published}",
                                            "adcode": rng.choice(("320612", "320681", "320623"))}, timeout=10)
                        published += 1
                    except requests.RequestException as exc:
                        print(f"publish failed: {exc}", file=sys.stderr)
                if args.json and len(samples) % 6 == 0 and counts.exists():  # the verdict so far, each minute
                    seen = [json.loads(line) for line in counts.read_text(encoding="utf-8").splitlines() if line]
                    args.json.write_text(json.dumps(verdict(samples, seen, args.warmup_min * 60, published)),
                                         encoding="utf-8")
                time.sleep(SAMPLE_S)
            process.wait(timeout=120)
            log.close()
            errors = (folder / "wall.log").read_text(encoding="utf-8", errors="replace")
        finally:
            central.stop()
        if process.returncode != 0:
            print(f"the soaked wall failed ({process.returncode}): {errors[-2000:]}", file=sys.stderr)
            return 1
        objects = [json.loads(line) for line in counts.read_text(encoding="utf-8").splitlines() if line]
    report = verdict(samples, objects, args.warmup_min * 60, published)
    print(json.dumps(report, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps({**report, "samples": samples, "objects": objects}, ensure_ascii=False),
                             encoding="utf-8")
    return 0


def verdict(samples: list[tuple[float, float]], objects: list[dict], warmup_s: float, published: int) -> dict:
    steady = [(t, mb) for t, mb in samples if t >= warmup_s]
    later = [o for o in objects if o["t"] >= warmup_s]
    slope = _slope(steady) * 3600 if len(steady) > 2 else None
    return {
        "hours": round(samples[-1][0] / 3600, 2) if samples else 0, "warmup_min": warmup_s / 60,
        "rss_start_mb": round(steady[0][1], 1) if steady else None,
        "rss_end_mb": round(steady[-1][1], 1) if steady else None,
        "rss_max_mb": round(max(mb for _, mb in steady), 1) if steady else None,
        "rss_slope_mb_per_hour": round(slope, 2) if slope is not None else None,
        "qobjects_min_max": [min(o["qobjects"] for o in later), max(o["qobjects"] for o in later)] if later else None,
        "widgets_min_max": [min(o["widgets"] for o in later), max(o["widgets"] for o in later)] if later else None,
        "turns": objects[-1]["turns"] if objects else 0, "warnings_published": published,
    }


def child(argv: list[str]) -> int:
    """The real cockpit driving the wall, faster polls and carousels, counting its Qt objects."""
    import qasync
    from PySide6.QtCore import QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from benchmarks.subjects.cockpit_soak import close_cockpit
    from cockpit import app as cockpit_app
    from cockpit.charts import CHART_KINDS
    from cockpit.core.catalogue import load_catalogue
    from cockpit.core.config import parse_settings
    from cockpit.core.wall import load_manifest
    from cockpit.views.collector import collect_on_the_gui_thread

    duration_s, counts, rest = float(argv[0]), Path(argv[1]), argv[2:]
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    collect_on_the_gui_thread(qt_app)  # as cockpit.app.main does
    qt_app.setQuitOnLastWindowClosed(False)
    settings = parse_settings(rest, env={})
    catalogue = load_catalogue(chart_kinds=CHART_KINDS)
    catalogue = dataclasses.replace(
        catalogue, map=dataclasses.replace(catalogue.map, refresh_s=max(1.0, catalogue.map.refresh_s / POLL_FASTER)),
        panels=tuple(dataclasses.replace(p, refresh_s=max(1.0, p.refresh_s / POLL_FASTER)) for p in catalogue.panels))
    manifest = load_manifest(settings.wall, domains=catalogue.domains, panels=[p.id for p in catalogue.panels])
    manifest = dataclasses.replace(manifest, tick_s=TURN_S, preempt_hold_s=120.0, screens=tuple(
        dataclasses.replace(s, regions=tuple(dataclasses.replace(r, interval_s=TURN_S) for r in s.regions))
        for s in manifest.screens))
    started = time.monotonic()
    turns = [0, ""]

    def watch_turns() -> None:  # the carousels really turn: count the changes of what the wall shows
        shown = "|".join(w.showing.text() for w in qt_app.topLevelWidgets() if type(w).__name__ == "WallSurface")
        if shown != turns[1]:
            turns[0] += 1
            turns[1] = shown

    def count() -> None:
        objects = sum(len(w.findChildren(QObject)) for w in qt_app.topLevelWidgets()) + len(qt_app.children())
        with counts.open("a", encoding="utf-8") as out:
            out.write(json.dumps({"t": round(time.monotonic() - started, 1), "qobjects": objects,
                                  "widgets": len(qt_app.allWidgets()), "turns": turns[0]}) + "\n")

    from cockpit.views.fonts import install_fonts
    from cockpit.views.theme import apply_theme

    install_fonts(qt_app)
    apply_theme(qt_app)
    timer = QTimer()
    timer.setInterval(60_000)
    timer.timeout.connect(count)
    timer.start()
    turn_timer = QTimer()
    turn_timer.setInterval(2000)
    turn_timer.timeout.connect(watch_turns)
    turn_timer.start()

    async def session() -> int:
        task = asyncio.ensure_future(cockpit_app.run(settings, catalogue, manifest))
        await asyncio.sleep(duration_s)
        close_cockpit(qt_app)
        return await task

    loop = qasync.QEventLoop(qt_app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(session())


def _rss_mb(pid: int) -> float | None:
    try:
        pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _slope(points: list[tuple[float, float]]) -> float:
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


if __name__ == "__main__":
    raise SystemExit(main())
