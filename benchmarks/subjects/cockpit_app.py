"""The whole cockpit, end to end against a real embedded central API (clock at 600x).

panels_frame  every endpoint gets a new payload at once (every panel and the situation
              map update together), then the window paints: p50 and p95
poll_stall    the running app (qasync loop, poller, window) polls every endpoint at its
              catalogue interval; a 5 ms GUI timer records the longest gaps: p99 and max
warning_latency  a warning published on the central API (simulation control) to the
              warning popup painted with it in its queue, in the same running app
startup_cold  process start to the main window's first painted frame, empty payload cache
startup_cache the same with a cache filled by an earlier run (the cached picture shows at once)
soak_rss      the cockpit's RSS over many simulated hours (see cockpit_soak.py), in MB
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.subjects.cockpit_soak import close_cockpit, soak  # noqa: E402
from benchmarks.timing import Plan, Record, sample, subject_main  # noqa: E402

SUBJECT = "cockpit"
ROOT = Path(__file__).resolve().parents[2]
SPEED = 600.0  # simulated seconds per real second: the data really changes between rounds
DAY_PER_SECOND = 86400.0
STALL_TICK_MS = 5
ADMIN_TOKEN = "benchmark-admin-token"


def run(size: tuple[int, int], plan: Plan) -> list[Record]:
    from cockpit.core.embedded import EmbeddedCentral

    label = f"{size[0]}x{size[1]}"
    with tempfile.TemporaryDirectory(prefix="cockpit-app-bench-") as folder:
        folder = Path(folder)
        central = EmbeddedCentral(folder / "central.sqlite", seed=2026, speed=SPEED, admin_token=ADMIN_TOKEN)
        url = central.start()
        try:
            records = startup(url, size, label, folder, plan)
            records += panels_frame(url, size, label, plan)
            records += poll_stall(url, size, label, folder, plan)
        finally:
            central.stop()
        records += soak(size, label, folder, plan, subject=SUBJECT, admin_token=ADMIN_TOKEN)
    return records


# -- startup -----------------------------------------------------------------------
def startup(url: str, size: tuple[int, int], label: str, folder: Path, plan: Plan) -> list[Record]:
    runs = max(1, min(plan.full_runs, 5))
    filled = folder / "filled.sqlite"
    shot = folder / "shot.png"
    done = _child([sys.executable, "-m", "cockpit", "--api", url, "--cache", str(filled), "--screenshot",
                   str(shot), "--size", f"{size[0]}x{size[1]}", "--timeout", "120"], timeout=180)
    if done.returncode != 0:
        raise RuntimeError(f"filling the cache failed: {done.stderr.strip()[-300:]}")
    cold, cached = [], []
    for index in range(runs):
        cold.append(_first_frame_ms(url, size, folder / f"empty-{index}.sqlite"))
        copy = folder / f"cache-{index}.sqlite"
        shutil.copyfile(filled, copy)
        cached.append(_first_frame_ms(url, size, copy))
    return [Record.of("startup_cold", SUBJECT, label, cold, note="process start to first frame, no cache"),
            Record.of("startup_cache", SUBJECT, label, cached, note="process start to first frame, from cache")]


def _first_frame_ms(url: str, size: tuple[int, int], cache: Path) -> float:
    started = time.time()
    done = _child([sys.executable, "-m", "benchmarks.subjects.cockpit_app", "--first-frame", "--api", url,
                   "--cache", str(cache), "--size", f"{size[0]}x{size[1]}"], timeout=120)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"the cockpit did not paint a first frame: {done.stderr.strip()[-300:]}")
    return (json.loads(lines[-1])["first_frame_at"] - started) * 1000


def _child(command: list[str], timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


def first_frame_child(argv: list[str]) -> int:
    """Run the real cockpit; at the main window's first painted frame print the time and close it."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])

    class FirstFrame(QObject):
        seen = False

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
            if (not self.seen and event.type() == QEvent.Type.UpdateRequest and watched.isWidgetType()
                    and type(watched).__name__ == "MainWindow"):
                self.seen = True
                QTimer.singleShot(0, lambda: self._done(watched))  # after this frame's paint
            return False

        def _done(self, window) -> None:
            print(json.dumps({"first_frame_at": time.time()}), flush=True)
            window.close()

    watcher = FirstFrame()
    app.installEventFilter(watcher)
    from cockpit.app import main

    return main(argv)


# -- panels_frame ------------------------------------------------------------------------------
def panels_frame(url: str, size: tuple[int, int], label: str, plan: Plan) -> list[Record]:
    from PySide6.QtWidgets import QApplication

    from cockpit.charts import CHART_KINDS, block_is_empty
    from cockpit.core.catalogue import load_catalogue
    from cockpit.core.store import Store, stale_after_for
    from cockpit.views.fonts import install_fonts
    from cockpit.views.main_window import MainWindow
    from cockpit.views.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # as the cockpit itself: its run coroutine decides when to stop
    install_fonts(app)
    apply_theme(app)
    catalogue = load_catalogue(chart_kinds=CHART_KINDS)
    endpoints = list(catalogue.endpoints())
    rounds = two_rounds(url, endpoints)
    store = Store(None, stale_after=stale_after_for(catalogue.endpoints()), block_is_empty=block_is_empty)
    window = MainWindow(catalogue, store, source="benchmark")
    window.resize(*size)
    window.show()
    for result in rounds[1]:
        store.put_fetch(result)
    window.flush(complete=True)
    app.processEvents()

    painted = PaintCount()
    app.installEventFilter(painted)

    turn = iter(range(10**9))

    def frame(_: int) -> None:
        for result in rounds[next(turn) % 2]:  # each frame has the other snapshot: every view gets new data
            store.put_fetch(result)
        window.flush(complete=True)  # every view takes its new data now (the app spreads this over turns)
        # The next frame, as the event loop would make it: pending layouts, then one repaint of
        # every region the new data made dirty (not a repaint of the whole window regardless).
        app.sendPostedEvents(None, 0)

    samples = sample(frame, max(plan.runs, 10), plan.warmup, lambda: (gc.collect(), painted.reset()))
    app.removeEventFilter(painted)
    window.close()
    app.processEvents()
    if not painted.charts:
        raise RuntimeError("panels_frame painted no chart: the measure would time an empty frame")
    return [Record.of("panels_frame", SUBJECT, label, samples,
                      note=f"{len(endpoints)} endpoints, {len(catalogue.panels)} panels and the map updated together; the last "
                           f"frame painted {painted.charts} charts, {painted.widgets} widgets in all, "
                           f"{painted.window:.0%} of the window's area")]


def two_rounds(url: str, endpoints: list[str]) -> list[list]:
    """Every endpoint's payload now and a simulated day later, so every panel changes between them."""
    from cockpit.core.client import ApiClient

    with ApiClient(url) as client:
        rounds = [[client.fetch(endpoint) for endpoint in endpoints]]
        with _clock_speed(url, DAY_PER_SECOND):
            time.sleep(1.0)
        rounds.append([client.fetch(endpoint) for endpoint in endpoints])
    return rounds


@contextlib.contextmanager
def _clock_speed(url: str, speed: float):
    """Run the central API's simulated clock at `speed` for a while, then back at the benchmark's."""
    import requests

    def set_speed(value: float) -> None:
        answer = requests.post(f"{url}/api/v1/sim/speed", json={"speed": value}, timeout=10,
                               headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        answer.raise_for_status()

    set_speed(speed)
    try:
        yield
    finally:
        set_speed(SPEED)


def PaintCount():  # noqa: N802 (a class factory: QObject is only imported when Qt runs)
    from PySide6.QtCore import QEvent, QObject

    from cockpit.charts import Chart

    class Count(QObject):
        """Counts the paint events of one frame: what the new data really made Qt draw."""

        def __init__(self) -> None:
            super().__init__()
            self.reset()

        def reset(self) -> None:
            self.painted: set[int] = set()  # the charts with anything repainted
            self.widgets = 0
            self.window = 0.0  # the share of the window's area repainted

        @property
        def charts(self) -> int:
            return len(self.painted)

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
            if event.type() == QEvent.Type.Paint and watched.isWidgetType():
                self.widgets += 1
                chart = watched
                while chart is not None and not isinstance(chart, Chart):
                    chart = chart.parentWidget()
                if chart is not None:
                    self.painted.add(id(chart))
                if watched.isWindow():
                    rects = event.region()
                    area = sum(rect.width() * rect.height() for rect in rects)
                    self.window = max(self.window, area / max(1, watched.width() * watched.height()))
            return False

    return Count()


# -- poll_stall --------------------------------------------------------------------------------
def poll_stall(url: str, size: tuple[int, int], label: str, folder: Path, plan: Plan) -> list[Record]:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from cockpit import app as cockpit_app
    from cockpit.charts import CHART_KINDS
    from cockpit.core.catalogue import load_catalogue
    from cockpit.core.config import parse_settings

    duration_s = 10.0 if plan.runs <= 7 else 30.0
    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = parse_settings(["--api", url, "--cache", str(folder / "stall.sqlite"),
                               "--size", f"{size[0]}x{size[1]}"], env={})
    catalogue = load_catalogue(chart_kinds=CHART_KINDS)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000 - STALL_TICK_MS)
        last[0] = now

    monitor = QTimer()
    monitor.setInterval(STALL_TICK_MS)
    monitor.timeout.connect(tick)
    painted = PopupWatch()
    qt_app.installEventFilter(painted)
    latencies: list[float] = []

    async def session() -> int:
        task = asyncio.ensure_future(cockpit_app.run(settings, catalogue))
        await asyncio.sleep(3.0)  # start-up and the first full round are not the steady state
        gaps.clear()
        last[0] = time.perf_counter()
        monitor.start()
        await asyncio.sleep(duration_s)
        monitor.stop()
        for index in range(max(3, min(plan.runs, 10))):
            latencies.append(await warning_latency_ms(url, painted, index))
        close_cockpit(qt_app)
        return await task

    loop = qasync.QEventLoop(qt_app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            loop.run_until_complete(session())
    finally:
        asyncio.set_event_loop(None)
    qt_app.removeEventFilter(painted)
    stalls = [max(0.0, gap) for gap in gaps]
    return [Record.of("poll_stall", SUBJECT, label, stalls,
                      note=f"GUI stalls beyond a {STALL_TICK_MS} ms timer over {duration_s:.0f} s of polling "
                           "every endpoint at its catalogue interval"),
            Record.of("warning_latency", SUBJECT, label, latencies,
                      note="POST /api/v1/sim/warnings to the popup painted with it")]


def PopupWatch():  # noqa: N802 (a class factory: QObject is only imported when Qt runs)
    from PySide6.QtCore import QEvent, QObject

    class Watch(QObject):
        """Notes when a warning popup paints with a given headline in its queue."""

        def __init__(self) -> None:
            super().__init__()
            self.wanted: str | None = None
            self.seen: asyncio.Future | None = None

        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API)
            if (self.wanted and event.type() == QEvent.Type.Paint and type(watched).__name__ == "WarningPopup"
                    and any(r.message.headline == self.wanted for r in getattr(watched, "queue", []))
                    and self.seen is not None and not self.seen.done()):
                self.seen.set_result(time.perf_counter())
            return False

    return Watch()


async def warning_latency_ms(url: str, watch, index: int) -> float:
    """Publish one warning and wait for the popup to paint it (the time is taken at its paint event)."""
    import requests

    loop = asyncio.get_running_loop()
    headline = f"基准测试预警 {index} {time.time_ns()}"
    watch.wanted, watch.seen = headline, loop.create_future()
    started = time.perf_counter()
    answer = await loop.run_in_executor(None, lambda: requests.post(
        f"{url}/api/v1/sim/warnings", timeout=10, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        json={"severity": "red", "headline": headline, "adcode": "320612"}))
    if answer.status_code != 201:
        raise RuntimeError(f"publishing a warning failed: HTTP {answer.status_code} {answer.text[:200]}")
    painted_at = await asyncio.wait_for(watch.seen, timeout=30)
    watch.wanted = None
    await asyncio.sleep(0.5)
    return (painted_at - started) * 1000

if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--first-frame":
        raise SystemExit(first_frame_child(sys.argv[2:]))
    raise SystemExit(subject_main(run))
