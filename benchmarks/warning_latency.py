"""Time from publishing a warning on the central API to its popup painted, with the cockpit busy.

The real pieces: the embedded central API (a child process), the main window
with every panel polling and drawing, the warning long poll, the popup. Each
round publishes a red warning over HTTP (the clock starts before the POST is
sent) and stops when the popup's headline with that warning is painted.

    python benchmarks/warning_latency.py --count 60 [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ADMIN = "benchmark-admin"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout


def publish(url: str, headline: str) -> None:
    response = requests.post(f"{url}/api/v1/sim/warnings", headers={"Authorization": f"Bearer {ADMIN}"},
                             json={"severity": "red", "headline": headline, "adcode": "320612"}, timeout=10)
    response.raise_for_status()


def _painted(painted: dict[str, float], headline: str) -> float | None:
    """When the headline was first painted (the popup may prefix it, e.g. 【演练】)."""
    return next((moment for text, moment in painted.items() if text.endswith(headline)), None)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(count: int, folder: Path) -> list[float]:
    from PySide6.QtCore import QEvent, QObject

    from cockpit.charts import CHART_KINDS, block_is_empty
    from cockpit.core.cache import DiskCache
    from cockpit.core.catalogue import load_catalogue
    from cockpit.core.client import ApiClient
    from cockpit.core.embedded import EmbeddedCentral
    from cockpit.core.poller import Poller
    from cockpit.core.store import Store, stale_after_for
    from cockpit.core.warning import CentralFeed, Inbox, WarningService
    from cockpit.views.main_window import MainWindow
    from cockpit.views.warning import WarningCenter

    loop = asyncio.get_running_loop()
    central = EmbeddedCentral(folder / "central.sqlite", seed=2026, admin_token=ADMIN)
    url = await loop.run_in_executor(None, central.start)
    catalogue = load_catalogue(chart_kinds=CHART_KINDS)
    store = Store(DiskCache(folder / "cache.sqlite", url), stale_after=stale_after_for(catalogue.endpoints()),
                  block_is_empty=block_is_empty)
    window = MainWindow(catalogue, store, source=url)
    window.resize(1920, 1080)
    window.show()
    client = ApiClient(url)
    poller = Poller(client, store, catalogue.endpoints())
    poller.start()
    service = WarningService(Inbox(folder / "warnings.sqlite"), central=CentralFeed(url, wait_s=20))
    center = WarningCenter(window, service, sounds=False)
    window.set_warning_list(center.history)
    center.fly_to_requested.connect(window.locate)
    center.changed.connect(window.set_warning_count)
    center.start()

    painted: dict[str, float] = {}

    class PaintWatch(QObject):
        def eventFilter(self, watched, event):  # noqa: N802 (Qt's name)
            if event.type() == QEvent.Type.Paint:
                painted.setdefault(center.popup.headline.text(), time.perf_counter())
            return False

    watch = PaintWatch()
    center.popup.headline.installEventFilter(watch)
    latencies = []
    try:
        await asyncio.sleep(5)  # first polls and first paints done: the cockpit is busy, not starting
        for n in range(count):
            headline = f"基准测试预警 #{n}#"
            started = time.perf_counter()
            await loop.run_in_executor(None, publish, url, headline)
            deadline = started + 10
            while (shown := _painted(painted, headline)) is None and time.perf_counter() < deadline:
                await asyncio.sleep(0.002)
            if shown is None:
                raise RuntimeError(f"warning {n} was not painted within 10 s")
            latencies.append(shown - started)
            for record in service.inbox.needing_attention():  # clear the popup for the next round
                service.acknowledge(record.local_id, "基准测试", "benchmark")
            await asyncio.sleep(random.uniform(0.2, 0.8))
    finally:
        await center.stop()
        await poller.stop()
        client.close()
        window.close()
        await loop.run_in_executor(None, central.stop)
    return latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    import qasync
    from PySide6.QtWidgets import QApplication

    from cockpit.views.fonts import install_fonts
    from cockpit.views.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)  # as the cockpit does: the coroutine decides when to stop
    install_fonts(app)
    apply_theme(app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as folder, loop:
        latencies = loop.run_until_complete(measure(args.count, Path(folder)))
    ms = [value * 1000 for value in latencies]
    figures = {"count": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1),
               "p99_ms": round(percentile(ms, 0.99), 1), "max_ms": round(max(ms), 1)}
    print(json.dumps(figures, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
