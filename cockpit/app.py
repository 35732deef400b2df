"""Start the cockpit: settings, Qt + fonts + theme, the qasync loop, the data pipeline, the window.

With no --api the reference central API is started as a child process on a
free loopback port and stopped on exit. The cached picture shows at once
(marked stale) while the first polls run. --screenshot waits for every
panel's data, saves the window as PNG and exits.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import os
import signal
import sys
import time
from pathlib import Path

from cockpit.charts import BLOCK_TYPES, CHART_KINDS, block_is_empty
from cockpit.core.cache import DiskCache
from cockpit.core.catalogue import Catalogue, CatalogueError, load_catalogue
from cockpit.core.client import ApiClient
from cockpit.core.config import Settings, parse_settings
from cockpit.core.embedded import EmbeddedCentral, EmbeddedCentralError
from cockpit.core.paths import user_data_dir
from cockpit.core.rss import tune_allocator
from cockpit.core.store import State, Store, stale_after_for

DEFAULT_SIZE = (1920, 1080)
EMBEDDED_SOURCE = "内置模拟南通"
POLL_SCREENSHOT_S = 0.2


class StartupError(Exception):
    """Start-up cannot go on; the message says why in words a person understands."""


def main(argv: list[str] | None = None) -> int:
    tune_allocator()  # before any thread starts
    settings = parse_settings(argv)
    # A wall runs for days: what it did (screens lost and back, restarts, warnings pre-empting) is logged.
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("cockpit").setLevel(logging.INFO)
    if settings.screenshot and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a briefing job on a server with no screen
    try:
        catalogue = load_catalogue(settings.catalogue, chart_kinds=CHART_KINDS)
    except CatalogueError as exc:
        print(f"cockpit: the panel catalogue is broken: {exc}", file=sys.stderr)
        return 2
    manifest = None
    if settings.wall is not None:
        from cockpit.core.wall import ManifestError, load_manifest

        try:
            manifest = load_manifest(settings.wall, domains=catalogue.domains,
                                     panels=[panel.id for panel in catalogue.panels])
        except ManifestError as exc:
            print(f"cockpit: the wall manifest is wrong: {exc}", file=sys.stderr)
            return 2
    import qasync
    from PySide6.QtWidgets import QApplication

    from cockpit.views.collector import collect_on_the_gui_thread
    from cockpit.views.fonts import FontError, install_fonts
    from cockpit.views.theme import apply_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    collect_on_the_gui_thread(app)  # before the first fetch thread starts
    app.setApplicationName("nantong-cockpit")
    app.setQuitOnLastWindowClosed(False)  # the run coroutine decides when to stop
    try:
        install_fonts(app)
    except (FontError, FileNotFoundError) as exc:
        print(f"cockpit: {exc}", file=sys.stderr)
        return 2
    apply_theme(app)
    if settings.list_screens:
        return list_screens()
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with loop:
            return loop.run_until_complete(run(settings, catalogue, manifest))
    except StartupError as exc:
        print(f"cockpit: {exc}", file=sys.stderr)
        return 1
    finally:
        asyncio.set_event_loop(None)


async def run(settings: Settings, catalogue: Catalogue, manifest=None) -> int:
    from PySide6.QtCore import Qt, QTimer

    from cockpit.views.main_window import MainWindow

    loop = asyncio.get_running_loop()
    intervals = catalogue.endpoints()
    cache = DiskCache(settings.cache_path, settings.source)
    store = Store(cache, stale_after=stale_after_for(intervals), block_is_empty=block_is_empty,
                  data_now=lambda: warnings.service.clock.now() if warnings.service.clock.observed else None)
    store.load_from_cache()  # the last picture, at once, marked stale
    source = settings.api_url or EMBEDDED_SOURCE
    window = MainWindow(catalogue, store, source=source)
    window.resize(*(settings.size or DEFAULT_SIZE))
    wall = None
    if manifest is not None:
        wall = start_wall(manifest, catalogue, store, settings, window)
    elif settings.span_screens:
        span_screens(window, size_from_screens=settings.size is None)
    if wall is not None:
        pass  # the wall puts the operator's window on the operator's screen, or shows none
    elif settings.screenshot:
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        window.show()
    elif settings.fullscreen and not settings.span_screens:
        window.showFullScreen()
    else:
        window.show()
    closed = loop.create_future()
    window.closed.connect(lambda: closed.done() or closed.set_result(None))
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Runs on the next Python tick (the 1 s timer); a wall has no window of its own to close.
        signal.signal(signum, lambda *_: loop.call_soon_threadsafe(lambda: closed.done() or closed.set_result(None)))
    heartbeat = keep_beating(QTimer)

    central: EmbeddedCentral | None = None
    client: ApiClient | None = None
    poller = None
    warnings = start_warnings(settings, window, wall)
    try:
        if settings.api_url is None:
            db = user_data_dir() / settings.embedded_db_name
            if settings.sim_start and db.exists():
                print(f"cockpit: the simulated city started at {settings.sim_start.isoformat()} goes on from "
                      f"where it stopped; delete {db} to start it at that instant again", file=sys.stderr)

            def moved(new_url: str) -> None:  # restarted, but its old port was taken
                window.source = f"{EMBEDDED_SOURCE} {new_url}"
                if client is not None:
                    client.set_base_url(new_url)
                warnings.service.set_base_url(new_url)

            def restart_state(text: str | None) -> None:
                window.set_notice(text)
                if text:
                    return
                if poller is not None:  # back: every panel asks now, not at the end of its backoff
                    poller.poll_all_soon()
                warnings.service.wake()

            # The supervisor calls from its own thread: hand over to the GUI thread.
            central = EmbeddedCentral(db, seed=settings.seed, speed=settings.speed, start_at=settings.sim_start,
                                      on_state=lambda text: loop.call_soon_threadsafe(restart_state, text),
                                      on_url=lambda new_url: loop.call_soon_threadsafe(moved, new_url))
            try:
                url = await loop.run_in_executor(None, central.start)  # the GUI keeps painting meanwhile
            except EmbeddedCentralError as exc:
                window.show_fatal(f"内置中央接口（模拟南通）未能启动：{exc}")
                if settings.screenshot and not _has_all(store, intervals):
                    raise StartupError(f"the embedded central API did not start: {exc}") from None
                url = None
            window.source = f"{EMBEDDED_SOURCE} {url}" if url else EMBEDDED_SOURCE
        else:
            url = settings.api_url
        if url is not None:
            from cockpit.core.poller import Poller

            client = ApiClient(url, token=settings.token, ca_bundle=settings.ca_bundle)
            poller = Poller(client, store, intervals,
                            check=functools.partial(catalogue.check_answer, block_types=BLOCK_TYPES),
                            on_recovered=warnings.service.wake)
            poller.start()
            warnings.service.connect_central(url, token=settings.token, ca_bundle=settings.ca_bundle)
        if settings.screenshot:
            await until_ready(closed, store, intervals, settings, url or source, warnings)
            if wall is not None:
                return await save_wall_pngs(wall, settings.screenshot)
            return await save_png(window, settings.screenshot, settings.size or (window.width(), window.height()))
        await closed
        return 0
    finally:
        if heartbeat is not None:
            heartbeat.stop()
        if wall is not None:
            wall.close()
        await warnings.stop()
        warnings.service.inbox.close()
        window.close()
        if poller is not None:
            await poller.stop()
        if client is not None:
            client.close()
        if central is not None:
            await loop.run_in_executor(None, central.stop)
        cache.close()


def span_screens(window, *, size_from_screens: bool) -> None:
    """One frameless window over the whole virtual desktop: a wall of several 4K screens shows one
    cockpit, laid out for the wall's full size, with no mouse pointer in the middle of it."""
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QGuiApplication

    area = QRect()
    for screen in QGuiApplication.screens():
        area = area.united(screen.geometry())
    window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
    window.setCursor(Qt.CursorShape.BlankCursor)
    if size_from_screens:
        window.setGeometry(area)
    else:
        window.move(area.topLeft())


def source_key(settings: Settings) -> str:
    """A short name for where the data comes from: warnings and their cursor belong to one source,
    so pointing the cockpit at another API never shows that other city's warnings."""
    return hashlib.sha256(settings.source.encode("utf-8")).hexdigest()[:16]


def start_wall(manifest, catalogue: Catalogue, store: Store, settings: Settings, window):
    """The video wall of the manifest; the desk window shows on the operator's screen, if there is one."""
    from cockpit.views.wall import Wall, WallThumbnails

    key = hashlib.sha256(f"{Path(manifest.path).resolve()}|{settings.source}".encode()).hexdigest()[:16]
    wall = Wall(manifest, catalogue, store, state_path=user_data_dir() / f"wall-{key}.json",
                operator=window if manifest.operator else None, on_screen=settings.screenshot is None)
    if manifest.operator:
        window.set_wall_view(WallThumbnails(wall))
    else:  # no desk here: the window stays hidden and need not follow the data
        window.timer.stop()
        window.binder.close()
    if manifest.rss_budget_mb:
        from cockpit.core.rss import RssBudget

        wall.rss_budget = RssBudget(manifest.rss_budget_mb)
    wall.start()
    return wall


def keep_beating(timer_class):
    """Beat the watchdog's heartbeat from the GUI thread each second: a stalled GUI stops the beats."""
    from cockpit.core.heartbeat import from_environment

    heartbeat = from_environment()
    if heartbeat is None:
        return None
    heartbeat.beat()
    timer = timer_class()
    timer.setInterval(1000)
    timer.heartbeat = heartbeat  # PySide holds a bound method's object weakly: the timer keeps it alive
    timer.timeout.connect(heartbeat.beat)
    timer.start()
    return timer


def list_screens() -> int:
    from cockpit.views.wall.wall import present_screens

    for screen in present_screens():
        x, y, width, height = screen.geometry
        print(f"index = {screen.index}  name = {screen.name!r}  manufacturer = {screen.manufacturer!r}  "
              f"model = {screen.model!r}  serial = {screen.serial!r}  {width}x{height}+{x}+{y}  "
              f"{screen.physical_mm[0]:g}x{screen.physical_mm[1]:g} mm  dpr {screen.dpr:g}")
    return 0


def start_warnings(settings: Settings, window, wall=None):
    """The urgent-warning pipeline: receive (central feed + CAP feeds), popup, list, sound, audit.

    It starts before the central API is known so that CAP feeds and the stored, unacknowledged
    warnings show even while the central API is away; the central feed joins when it answers."""
    from cockpit.core.warning import AuditLog, CapFeed, Inbox, WarningService
    from cockpit.core.warning.rules import ReminderPolicy
    from cockpit.views.warning import WarningCenter
    from kernel import levels
    from kernel.cap import TrustList

    trust = TrustList.load(settings.trusted_signers) if settings.trusted_signers else None  # checked at parse
    service = WarningService(
        Inbox(user_data_dir() / f"warnings-{source_key(settings)}.sqlite"),
        feeds=tuple(CapFeed(feed, ca_bundle=settings.ca_bundle, trust=trust,
                            lifetimes=levels.lifetimes(settings.default_lifetime)) for feed in settings.cap_feeds),
        audit=AuditLog(settings.audit_log) if settings.audit_log else None,
        policy=ReminderPolicy(popup_levels=levels.at_least(settings.popup_level)))
    host, display_only = window, settings.display_only
    if wall is not None and wall.operator is None:  # a wall alone: its warnings pop on a screen with the map
        host = next((s for s in wall.surfaces.values() if s.spec.shows_map), next(iter(wall.surfaces.values())))
        display_only = wall.manifest.display_only or settings.display_only
    center = WarningCenter(host, service, display_only=display_only, scale=host.scale,
                           sounds=settings.screenshot is None)
    window.set_warning_list(center.history)
    window.attach_warning_center(center)
    center.changed.connect(window.set_warning_count)
    if wall is not None:
        center.waiting_changed.connect(wall.set_waiting)
        center.in_force_changed.connect(wall.set_in_force)
    center.start()
    return center


def _has_all(store: Store, endpoints: dict[str, float]) -> bool:
    """Every endpoint has data: fresh, or cached when the server could not be asked."""
    return all(_ready(store.get(endpoint)) for endpoint in endpoints)


def _catching_up(service, store: Store, intervals: dict[str, float]) -> bool:
    reachable = any(not store.get(endpoint).error for endpoint in intervals)
    return service.central is not None and reachable and not service.caught_up


def _ready(entry) -> bool:
    """Data to show, or the server's final word that there is none (a 4xx: the panel shows why)."""
    refused = entry.state is State.ERROR and entry.error_status is not None and 400 <= entry.error_status < 500
    return refused or (entry.payload is not None and (not entry.from_cache or entry.error is not None))


async def until_ready(closed, store: Store, intervals: dict[str, float], settings: Settings, where: str,
                      warnings) -> None:
    """Wait until every panel has data (fresh or cached) and, when the central API answers, the
    warnings it holds are in."""
    deadline = time.monotonic() + settings.timeout_s
    while not _has_all(store, intervals) or _catching_up(warnings.service, store, intervals):
        entries = [store.get(endpoint) for endpoint in intervals]
        if all(entry.state is State.ERROR for entry in entries):  # tried everything, nothing, no cache
            reasons = sorted({entry.error for entry in entries if entry.error})
            raise StartupError(f"cannot reach the central API at {where} and there is no cached picture: "
                               + "; ".join(reasons))
        if time.monotonic() > deadline:
            missing = [endpoint for endpoint in intervals if not _ready(store.get(endpoint))]
            raise StartupError(f"no data after {settings.timeout_s:g} s for: {', '.join(missing)}")
        if closed.done():  # closed, or SIGTERM: a briefing job must be stoppable
            raise StartupError("stopped before the screenshot was taken")
        await asyncio.sleep(POLL_SCREENSHOT_S)
    warnings.tick()  # what has just arrived is on screen, as it would be a second later


async def save_wall_pngs(wall, folder: Path) -> int:
    """One PNG per wall screen at that screen's size (its declared pixels when it is not here)."""
    folder.mkdir(parents=True, exist_ok=True)
    wall.binder.flush()
    for _ in range(3):
        await asyncio.sleep(0.05)
    for number, (screen_id, surface) in enumerate(wall.surfaces.items(), start=1):
        image = surface.grab().toImage()
        path = folder / f"{number}-{screen_id}.png"
        if not image.save(str(path), "PNG"):
            raise StartupError(f"could not write the screenshot to {path}")
        print(f"cockpit: saved {image.width()}x{image.height()} screenshot of wall screen {screen_id} to {path}")
    return 0


async def save_png(window, path: Path, size: tuple[int, int]) -> int:
    window.resize(*size)
    window.tick()  # apply every pending entry now rather than at the next tick
    # Let the Qt loop (which qasync runs) lay the window out at its size; never re-enter it from here.
    for _ in range(3):
        await asyncio.sleep(0.05)
    image = window.grab().toImage()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path), "PNG"):
        raise StartupError(f"could not write the screenshot to {path}")
    print(f"cockpit: saved {image.width()}x{image.height()} screenshot to {path}")
    return 0

