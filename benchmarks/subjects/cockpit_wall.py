"""The 2×2 wall of 4K screens (examples/wall-2x2-4k.toml) in one process, against a real embedded central API.

Four offscreen screens DP-1..DP-4 of the given size (3840x2160 each: an offscreen screen config
for Qt, written before QApplication is made), one Wall (one store, one binder, one window per screen).

wall_frame      every endpoint gets a new payload at once (a simulated day newer, as panels_frame),
                every view of the wall takes it (on shown and hidden carousel pages alike), then Qt
                paints what that made dirty, one screen after another. One sample per screen and
                frame: the time its own views took the new data plus its own paint; p50 / p95
wall_frame_all  the same frame whole, on the one GUI thread: the payloads put, every view of the four
                screens taking its data, the layouts and the four paints; p50 / p95
wall_soak_rss   the wall's RSS over many simulated hours (cockpit_soak.py driving the same manifest,
                every carousel turning every second), in MB; judged by its growth over 72 h:
                100 s (about 88 simulated hours after the start-up), 25 s with --quick, or
                $COCKPIT_WALL_SOAK_S seconds (the smoke test's short soak)
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import sys
import tempfile
import time
from pathlib import Path

# cockpit_app's helpers: it only sets QT_QPA_PLATFORM by default, which run() overrides before Qt starts.
from benchmarks.subjects import cockpit_app
from benchmarks.subjects.cockpit_soak import soak
from benchmarks.timing import Plan, Record, sample, subject_main

SUBJECT = "cockpit"  # the wall's records are the cockpit's, at the size "2x2 3840x2160"
ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "examples" / "wall-2x2-4k.toml"
SCREEN_NAMES = ("DP-1", "DP-2", "DP-3", "DP-4")
SOAK_TURN_S = 1.0  # the soak's carousels: the wall's tick, and every carousel turns on every tick
SOAK_SETTLE_S = 12.0  # four 4K screens take longer to build than one window
READY_TIMEOUT_S = 120.0
SOAK_S_ENV = "COCKPIT_WALL_SOAK_S"


def screens_config(size: tuple[int, int]) -> dict:
    """Qt's offscreen screens: a 2×2 of `size` each, named as the manifest names them."""
    width, height = size
    return {
        "screens": [
            {
                "name": name,
                "x": width * (n % 2),
                "y": height * (n // 2),
                "width": width,
                "height": height,
                "logicalDpi": 96,
                "dpr": 1,
            }
            for n, name in enumerate(SCREEN_NAMES)
        ]
    }


def qpa_for(config: Path) -> str:
    return f"offscreen:configfile={config}"


def label_of(size: tuple[int, int]) -> str:
    return f"2x2 {size[0]}x{size[1]}"


def run(size: tuple[int, int], plan: Plan) -> list[Record]:
    from cockpit.core.embedded import EmbeddedCentral

    label = label_of(size)
    with tempfile.TemporaryDirectory(prefix="cockpit-wall-bench-") as folder:
        folder = Path(folder)
        config = folder / "screens.json"
        config.write_text(json.dumps(screens_config(size)), encoding="utf-8")
        os.environ["QT_QPA_PLATFORM"] = qpa_for(config)  # before QApplication: this process's four screens
        central = EmbeddedCentral(
            folder / "central.sqlite", seed=2026, speed=cockpit_app.SPEED, admin_token=cockpit_app.ADMIN_TOKEN
        )
        url = central.start()
        try:
            records = wall_frame(url, size, label, folder, plan)
        finally:
            central.stop()
        # ≥ 72 simulated hours after the settling in full; the smoke test asks for less
        duration_s = float(os.environ.get(SOAK_S_ENV) or (25.0 if plan.runs <= 7 else 100.0))
        records += soak(
            size,
            label,
            folder,
            plan,
            subject=SUBJECT,
            admin_token=cockpit_app.ADMIN_TOKEN,
            measure="wall_soak_rss",
            wall=MANIFEST,
            turn_s=SOAK_TURN_S,
            settle_s=SOAK_SETTLE_S,
            duration_s=duration_s,
            env={"QT_QPA_PLATFORM": qpa_for(config)},
        )
    return records


def steady_manifest(catalogue, path: Path = MANIFEST, *, turn_s: float | None = None):
    """The manifest at `path`, undimmed (the veil over every screen at night would make the figures depend on
    the hour); with `turn_s`, a wall whose every carousel turns on every tick of `turn_s`."""
    from cockpit.core.wall import load_manifest

    manifest = load_manifest(path, domains=catalogue.domains, panels=[p.id for p in catalogue.panels])
    manifest = dataclasses.replace(manifest, dimming=None)
    if turn_s is None:
        return manifest
    return dataclasses.replace(
        manifest,
        tick_s=turn_s,
        screens=tuple(
            dataclasses.replace(
                s, regions=tuple(dataclasses.replace(r, interval_s=turn_s) for r in s.regions)
            )
            for s in manifest.screens
        ),
    )


# -- wall_frame ------------------------------------------------------------------------------
def wall_frame(url: str, size: tuple[int, int], label: str, folder: Path, plan: Plan) -> list[Record]:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from cockpit.charts import CHART_KINDS, block_is_empty
    from cockpit.core.catalogue import load_catalogue
    from cockpit.core.store import Store, stale_after_for
    from cockpit.views.fonts import install_fonts
    from cockpit.views.theme import apply_theme
    from cockpit.views.wall import Wall

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    names = [screen.name() for screen in QGuiApplication.screens()]
    if names != list(SCREEN_NAMES):
        raise RuntimeError(
            f"Qt did not take the 2×2 offscreen screens (it has {names}); "
            f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}"
        )
    install_fonts(app)
    apply_theme(app)
    catalogue = load_catalogue(chart_kinds=CHART_KINDS)
    endpoints = list(catalogue.endpoints())
    rounds = cockpit_app.two_rounds(url, endpoints)

    store = Store(None, stale_after=stale_after_for(catalogue.endpoints()), block_is_empty=block_is_empty)
    for result in rounds[1]:
        store.put_fetch(result)
    manifest = steady_manifest(catalogue)
    at = first_pages_at(manifest)  # the wall's clock on a beat where every carousel shows its first page
    wall = Wall(
        manifest, catalogue, store, state_path=folder / "wall-state.json", on_screen=True, now=lambda: at
    )
    wall.start()
    wall.beat_timer.stop()  # the carousels hold their first pages while the frames are timed
    wall.check_timer.stop()
    surfaces = list(wall.surfaces.values())
    names = {
        surface: f"{surface.spec.match.name or surface.spec.id} {_shows(surface)}" for surface in surfaces
    }
    watch = SurfaceWatch(surfaces)
    app.installEventFilter(watch)
    wall.binder.flush(complete=True)
    _until_every_screen_shows_data(app, wall, watch)

    taking = {surface: 0.0 for surface in surfaces}  # seconds the surface's own views spent taking data
    views = wall.binder.all_views()
    for view in views:
        view.set_entry = _timed(view.set_entry, taking, view.window())
    per_screen: dict = {surface: [] for surface in surfaces}
    split: dict = {surface: ([], []) for surface in surfaces}  # its views taking the data, its paint (ms)
    shared: list[float] = []  # the payloads put and the posted layouts: the wall's, not one screen's
    turn = iter(range(10**9))

    def frame(index: int) -> None:
        started = time.perf_counter()
        for surface in surfaces:
            taking[surface] = 0.0
        for result in rounds[next(turn) % 2]:  # each frame has the other snapshot: every view gets new data
            store.put_fetch(result)
        put = time.perf_counter()
        wall.binder.flush(complete=True)  # every view of the four screens takes its new data now
        flushed = time.perf_counter()
        app.sendPostedEvents(None, QEvent.Type.LayoutRequest)  # the layouts the new data asked for, if any
        laid_out = time.perf_counter()
        paints = {}
        for surface in surfaces:  # then each screen paints what became dirty on it: its posted update request
            before = time.perf_counter()
            app.sendPostedEvents(surface, QEvent.Type.UpdateRequest)
            paints[surface] = time.perf_counter() - before
        watch.late = True
        app.sendPostedEvents(None, 0)  # whatever else the frame posted (inside the whole frame's time)
        watch.late = False
        if index >= 0:
            untimed_take = (flushed - put) - sum(taking.values())  # the binder's own work, shared
            shared.append((put - started + laid_out - flushed + untimed_take) * 1000)
            for surface in surfaces:
                per_screen[surface].append((taking[surface] + paints[surface]) * 1000)
                split[surface][0].append(taking[surface] * 1000)
                split[surface][1].append(paints[surface] * 1000)

    whole = sample(frame, max(plan.runs, 10), plan.warmup, lambda: (gc.collect(), watch.reset()))
    app.removeEventFilter(watch)
    for view in views:
        del view.set_entry  # the class's own method again
    unpainted = [names[s] for s in surfaces if not watch.painted.get(s)]
    wall.close()
    app.processEvents()
    if unpainted:
        raise RuntimeError(
            f"wall_frame painted nothing on {', '.join(unpainted)}: it would time an empty frame"
        )
    samples = [ms for surface in surfaces for ms in per_screen[surface]]
    figures = ", ".join(
        f"{names[s]} {_p(per_screen[s], 0.5):.1f}/{_p(per_screen[s], 0.95):.1f} "
        f"(data {_p(split[s][0], 0.5):.1f} + paint {_p(split[s][1], 0.5):.1f})"
        for s in surfaces
    )
    widgets = ", ".join(f"{watch.widgets.get(s, 0)}" for s in surfaces)
    return [
        Record.of(
            "wall_frame",
            SUBJECT,
            label,
            samples,
            note=f"one sample per screen and frame: its views taking the new data + its own paint; "
            f"p50/p95 ms {figures}; shared by the wall (payloads put, binder, layouts) p50 "
            f"{_p(shared, 0.5):.1f} ms; the last frame painted {widgets} widgets on the four screens "
            f"({watch.late_widgets} outside their own update requests)",
        ),
        Record.of(
            "wall_frame_all",
            SUBJECT,
            label,
            whole,
            note=f"{len(endpoints)} endpoints updated at once, {len(views)} views on the four screens "
            "took the data, then all four screens painted, one after another on the GUI thread",
        ),
    ]


def first_pages_at(manifest) -> float:
    """A recent time on a beat of the wall's clock at which every carousel shows its first item."""
    from cockpit.core.wall import WallClock

    clock = WallClock(manifest.tick_s)
    at = time.time() // manifest.tick_s * manifest.tick_s
    regions = [region for screen in manifest.screens for region in screen.regions]
    for _ in range(100_000):
        if all(clock.item_index(region, at) == 0 for region in regions):
            return at
        at -= manifest.tick_s
    raise RuntimeError("no beat of the wall's clock shows every carousel's first item")


def _shows(surface) -> str:
    return "+".join(str(host.item) for host in surface.regions)


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def _timed(method, taking: dict, surface):
    def set_entry(*args, **kwargs):
        before = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            taking[surface] += time.perf_counter() - before

    return set_entry


def _until_every_screen_shows_data(app, wall, watch) -> None:
    """Every view of the wall has its payload and every screen has painted with it."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    watch.reset()
    while time.monotonic() < deadline:
        app.processEvents()
        missing = [
            view
            for view in wall.binder.all_views()
            if getattr(view, "entry", None) is None or view.entry.payload is None
        ]
        if not missing and all(watch.painted.get(s) for s in wall.surfaces.values()):
            for _ in range(3):  # and whatever that first paint posted
                app.processEvents()
                time.sleep(0.05)
            return
        time.sleep(0.02)
    raise RuntimeError(f"the wall did not show data on every screen within {READY_TIMEOUT_S:.0f} s")


def SurfaceWatch(surfaces):  # noqa: N802 (a class factory: QObject is only imported when Qt runs)
    from PySide6.QtCore import QEvent, QObject

    class Watch(QObject):
        """Counts paint events per wall screen: what the new data really made each screen draw."""

        def __init__(self) -> None:
            super().__init__()
            self.surfaces = set(surfaces)
            self.reset()

        def reset(self) -> None:
            self.painted: dict = {}
            self.widgets: dict = {}
            self.late = False  # after every screen's own update request: a paint the per-screen times miss
            self.late_widgets = 0

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
            if event.type() == QEvent.Type.Paint and watched.isWidgetType():
                window = watched.window()
                if window in self.surfaces:
                    self.painted[window] = True
                    self.widgets[window] = self.widgets.get(window, 0) + 1
                    self.late_widgets += self.late
            return False

    return Watch()


if __name__ == "__main__":
    raise SystemExit(subject_main(run))
