"""soak_rss: the real cockpit's memory over many simulated hours, in a few real minutes.

A central API of its own runs its clock at SOAK_SPEED (an hour per second); the cockpit, a
process of its own, polls it ten times as often as the catalogue says, so every poll brings
new data. This process samples the cockpit's RSS (psutil) once a second and reports it at
the start (after the first full round), at the end, and its growth per simulated hour (the
least-squares slope of every sample after the start).

With `wall=` the cockpit runs that wall manifest instead of its window (`--wall`), every carousel
turning every `turn_s` seconds, on the screens that `env` gives Qt (cockpit_wall.py: a 2×2 of 4K).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.timing import Plan, Record

SOAK_SPEED = 3600.0  # simulated seconds per real second
POLL_FASTER = 10  # the catalogue's refresh intervals divided by this (never under a second)
SETTLE_S = 8.0  # start-up and the first full round of polls are not the steady state
SAMPLE_S = 1.0


def soak(size: tuple[int, int], label: str, folder: Path, plan: Plan, *, subject: str,
         admin_token: str, measure: str = "soak_rss", wall: Path | None = None, turn_s: float | None = None,
         settle_s: float = SETTLE_S, duration_s: float | None = None, env: dict[str, str] | None = None
         ) -> list[Record]:
    """The soak of one cockpit window (the defaults), or of the wall of the manifest `wall`."""
    try:
        import psutil
    except ImportError:
        raise RuntimeError(f"{measure} needs psutil: pip install -e '.[bench]'") from None
    from cockpit.core.embedded import EmbeddedCentral

    if duration_s is None:
        duration_s = 25.0 if plan.runs <= 7 else 100.0
    central = EmbeddedCentral(folder / "soak.sqlite", seed=2026, speed=SOAK_SPEED, admin_token=admin_token)
    url = central.start()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_DATA_HOME": str(folder / "data"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])), **(env or {})}
    account = folder / f"{measure}-account.jsonl"
    command = [sys.executable, "-m", "benchmarks.subjects.cockpit_soak", str(duration_s), "--account", str(account)]
    if turn_s is not None:
        command += ["--turn-s", str(turn_s)]
    command += ["--api", url, "--cache", str(folder / "soak-cache.sqlite"), "--size", f"{size[0]}x{size[1]}"]
    if wall is not None:
        command += ["--wall", str(wall)]
    samples: list[tuple[float, float]] = []  # (seconds since the cockpit started, RSS in MB)
    try:
        child = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True)
        process = psutil.Process(child.pid)
        started = time.monotonic()
        while child.poll() is None:
            try:
                samples.append((time.monotonic() - started, process.memory_info().rss / 2**20))
            except psutil.NoSuchProcess:
                break
            time.sleep(SAMPLE_S)
        _, errors = child.communicate(timeout=60)
    finally:
        central.stop()
    if child.returncode != 0:
        raise RuntimeError(f"the soaked cockpit failed: {errors.strip()[-300:]}")
    steady = [(t, mb) for t, mb in samples if settle_s <= t <= duration_s]  # not its start-up or closing
    if len(steady) < 3:
        raise RuntimeError(f"the soak gave too few samples ({len(samples)}) to judge")
    hours_per_s = SOAK_SPEED / 3600
    slope = _slope(steady) / hours_per_s
    sim_hours = (steady[-1][0] - steady[0][0]) * hours_per_s
    values = [mb for _, mb in steady]
    what = "the running cockpit"
    where = _where_it_grew(account, settle_s, duration_s, hours_per_s)
    if wall is not None:
        turning = f"every carousel turning every {turn_s:g} s" if turn_s else "its carousels at the manifest's pace"
        what = (f"the running wall ({wall.name}, {turning}; "
                f"{steady[-1][1] - steady[0][1]:+.1f} MB from the first sample to the last, "
                f"{slope * 72:+.1f} MB over 72 h at the fitted slope)")
    return [Record(measure, subject, label, round(sorted(values)[len(values) // 2], 1), round(min(values), 1),
                   len(values), max_ms=round(max(values), 1), unit="MB", start_mb=round(steady[0][1], 1),
                   end_mb=round(steady[-1][1], 1), growth_mb_per_sim_hour=round(slope, 3),
                   sim_hours=round(sim_hours, 1),
                   note=f"RSS of {what}, sampled every {SAMPLE_S:g} s over {sim_hours:.0f} simulated "
                        f"hours (clock at {SOAK_SPEED:g}x, polls {POLL_FASTER}x the catalogue's pace){where}")]


ACCOUNT_S = 5.0  # how often the soaked cockpit writes down where its memory is
ACCOUNTED = {"in_use": ("malloc in use", " MB"), "free": ("malloc's free pages", " MB"),
             "glyphs": ("glyph images", " MB"), "python_k": ("Python's allocated blocks", "k")}


def _where_it_grew(account: Path, settle_s: float, duration_s: float, hours_per_s: float) -> str:
    """'; over 72 h: malloc in use +a MB, ...' from the child's account, the fitted slope of each."""
    import json

    try:
        rows = [json.loads(line) for line in account.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError):
        return ""
    rows = [row for row in rows if settle_s <= row["t"] <= duration_s]
    if len(rows) < 3:
        return ""
    parts = [f"{words} {_slope([(row['t'], row[key]) for row in rows]) / hours_per_s * 72:+.1f}{unit}"
             for key, (words, unit) in ACCOUNTED.items() if all(row.get(key) is not None for row in rows)]
    return "; over 72 h at the fitted slopes: " + ", ".join(parts) if parts else ""


def _write_account(path: Path, started: float) -> None:
    import json

    from cockpit.charts import painting
    from cockpit.core.rss import malloc_mb, rss_mb

    in_use, free = malloc_mb() or (None, None)
    row = {"t": round(time.monotonic() - started, 2), "rss": rss_mb(), "in_use": in_use, "free": free,
           "glyphs": painting.glyph_image_bytes() / 2**20, "python_k": sys.getallocatedblocks() / 1000}
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(row) + "\n")


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y over x."""
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def soak_child(argv: list[str]) -> int:
    """The real cockpit (its window, poller and warnings) for `argv[0]` seconds, polling faster.

    `argv[1:]` may start with `--account FILE` (where its memory is, written there every ACCOUNT_S seconds)
    and then `--turn-s S` (with `--wall`, every carousel then turns every S seconds)."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from cockpit import app as cockpit_app
    from cockpit.charts import CHART_KINDS
    from cockpit.core.catalogue import load_catalogue
    from cockpit.core.config import parse_settings
    from cockpit.core.rss import tune_allocator
    from cockpit.views.collector import collect_on_the_gui_thread

    duration_s, rest = float(argv[0]), argv[1:]
    account = turn_s = None
    if rest[:1] == ["--account"]:
        account, rest = Path(rest[1]), rest[2:]
    if rest[:1] == ["--turn-s"]:
        turn_s, rest = float(rest[1]), rest[2:]
    tune_allocator()  # as cockpit.app.main does
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    collect_on_the_gui_thread(qt_app)
    qt_app.setQuitOnLastWindowClosed(False)  # as the cockpit itself: its run coroutine decides when to stop
    settings = parse_settings(rest, env={})
    catalogue = load_catalogue(chart_kinds=CHART_KINDS)
    catalogue = dataclasses.replace(
        catalogue, map=dataclasses.replace(catalogue.map, refresh_s=_faster(catalogue.map.refresh_s)),
        panels=tuple(dataclasses.replace(panel, refresh_s=_faster(panel.refresh_s)) for panel in catalogue.panels))
    manifest = None
    if settings.wall is not None:  # as `cockpit --wall` starts: its fonts and theme, then the wall
        from benchmarks.subjects.cockpit_wall import steady_manifest
        from cockpit.views.fonts import install_fonts
        from cockpit.views.theme import apply_theme

        install_fonts(qt_app)
        apply_theme(qt_app)
        manifest = steady_manifest(catalogue, settings.wall, turn_s=turn_s)

    if account is not None:
        from PySide6.QtCore import QTimer

        started = time.monotonic()
        accountant = QTimer(qt_app)
        accountant.timeout.connect(lambda: _write_account(account, started))
        accountant.start(round(ACCOUNT_S * 1000))

    async def session() -> int:
        task = asyncio.ensure_future(cockpit_app.run(settings, catalogue, manifest))
        await asyncio.sleep(duration_s)
        close_cockpit(qt_app)
        return await task

    loop = qasync.QEventLoop(qt_app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(session())


def _faster(refresh_s: float) -> float:
    return max(1.0, refresh_s / POLL_FASTER)


def close_cockpit(qt_app) -> None:
    """End a cockpit started in this process with `cockpit.app.run`: closing its window ends the run."""
    for widget in qt_app.topLevelWidgets():
        if type(widget).__name__ == "MainWindow":
            widget.close()


if __name__ == "__main__":
    raise SystemExit(soak_child(sys.argv[1:]))
