"""The video wall: one process, one window per screen, one clock, one poller and store for all.

The wall finds its screens by identity (core.wall.screens), notices within a second when one goes
or comes back, turns every carousel on the one clock (core.wall.clock), lets warnings pre-empt the
carousels (core.wall.preempt), sizes each screen by the hall (core.wall.sizing), and keeps what a
restart must keep (core.wall.state).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cockpit.core.catalogue import Catalogue
from cockpit.core.store import Store
from cockpit.core.wall import Manifest, Present, WallClock, assign, is_preview, sizing_for
from cockpit.core.wall.burnin import orbit_offset
from cockpit.core.wall.preempt import holding
from cockpit.core.wall.state import load_state, save_state
from cockpit.views.binder import ViewBinder
from cockpit.views.theme import scale_for, stylesheet
from cockpit.views.wall.surface import WallSurface
from kernel.clock import CITY_TZ

log = logging.getLogger(__name__)
CHECK_MS = 1000  # screens, ages, dimming, the orbit: a lost screen is noticed within this
NEXT = (Qt.Key.Key_PageDown, Qt.Key.Key_Right, Qt.Key.Key_Down)
PREVIOUS = (Qt.Key.Key_PageUp, Qt.Key.Key_Left, Qt.Key.Key_Up)
BLACKOUT = (Qt.Key.Key_B, Qt.Key.Key_Period)  # what presenter remotes send for "black screen"
PAUSE = (Qt.Key.Key_P, Qt.Key.Key_Pause, Qt.Key.Key_Space)


def present_screens() -> list[Present]:
    """The screens the system has now, as the manifest names them."""
    found = []
    for index, screen in enumerate(QGuiApplication.screens()):
        geometry, physical = screen.geometry(), screen.physicalSize()
        found.append(Present(index, screen.name(), screen.manufacturer(), screen.model(), screen.serialNumber(),
                             (geometry.x(), geometry.y(), geometry.width(), geometry.height()),
                             (physical.width(), physical.height()), screen.devicePixelRatio()))
    return found


class Wall(QObject):
    changed = Signal()  # a screen turned, was lost or came back (the operator's thumbnails follow)

    def __init__(self, manifest: Manifest, catalogue: Catalogue, store: Store, *, state_path: Path,
                 operator: QWidget | None = None, on_screen: bool = True,
                 now: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.manifest, self.catalogue, self.store = manifest, catalogue, store
        self.state_path, self.operator, self.on_screen, self.now = state_path, operator, on_screen, now
        self.clock = WallClock(manifest.tick_s, load_state(state_path))
        self._saved = self.clock.state
        self.binder = ViewBinder(store, self)
        self.surfaces = {spec.id: WallSurface(spec, manifest, catalogue, self.binder)
                         for spec in manifest.wall_screens}
        self.placed: dict[str, Present | None] = {}  # where each surface is now (None: its screen is gone)
        self.preview: PreviewWindow | None = None
        self.preview_declared = False  # screenshots of screens that are not here, at their declared size
        self.waiting: list = []
        self.held_by = None  # the warning holding the wall, if one does
        self._flown_to: set[int] = set()
        self.rss_budget = None  # a core.rss.RssBudget, checked once a minute
        self._next_rss_check = 0.0
        self.beat_timer = QTimer(self, singleShot=True)
        self.beat_timer.timeout.connect(self.turn)
        self.check_timer = QTimer(self, interval=CHECK_MS)
        self.check_timer.timeout.connect(self.tick)
        app = QGuiApplication.instance()
        app.screenAdded.connect(self._screens_changed)
        app.screenRemoved.connect(self._screens_changed)
        app.installEventFilter(self)

    # -- starting and stopping -------------------------------------------------
    def start(self) -> None:
        self.place()
        self.turn()
        self.tick()
        self.check_timer.start()
        for surface in self.surfaces.values():
            log.info("wall screen %s", surface.describe())

    def close(self) -> None:
        self.beat_timer.stop()
        self.check_timer.stop()
        QGuiApplication.instance().removeEventFilter(self)
        self.binder.close()
        for surface in self.surfaces.values():
            surface.close()
            surface.deleteLater()
        if self.preview is not None:
            self.preview.close()
            self.preview.deleteLater()

    # -- screens ---------------------------------------------------------------
    def _screens_changed(self, _screen: QScreen) -> None:
        QTimer.singleShot(0, self, self.place)  # Qt has finished with the screen list by then

    def place(self) -> None:
        """Put every surface on its screen; a surface whose screen is gone moves to the operator's
        screen, or waits hidden (never on the primary screen, where it would cover someone's work)."""
        present = present_screens()
        if self.preview is not None:
            return
        if not self.placed and is_preview(self.manifest.screens, present):
            if self.on_screen:
                self._start_preview(present)
            else:  # a screenshot on a machine without the wall: each screen as it would be there
                for screen_id, surface in self.surfaces.items():
                    self._show_declared(surface)
                    self.placed[screen_id] = None
                self.preview_declared = True
            return
        found = assign(self.manifest.screens, present)
        operator_screen = self.manifest.operator and found.get(self.manifest.operator.id)
        lost = []
        for screen_id, surface in self.surfaces.items():
            hit = found.get(screen_id)
            before = self.placed.get(screen_id, "new")
            if hit is not None:
                if before != hit:
                    self._show_on(surface, hit)
                    if before not in ("new", None):
                        log.info("wall screen %s moved to %s", screen_id, hit.describe())
                    elif before is None:
                        log.warning("wall screen %s is back on %s", screen_id, hit.describe())
            else:
                lost.append(surface)
                if before is not None:
                    self._lose(surface, operator_screen, before)
            self.placed[screen_id] = hit
        if self.operator is not None and operator_screen and self.on_screen:
            self._put_operator(operator_screen)
        words = None
        if lost:
            names = "、".join(f"「{s.spec.id}」" for s in lost)
            where = "已移到值班台显示" if operator_screen else "接回后自动恢复"
            words = f"屏幕{names}已断开或关闭，{where}。"
        for surface in self.surfaces.values():
            surface.set_notice(words if surface not in lost else None)
        if self.operator is not None and hasattr(self.operator, "set_notice"):
            self.operator.set_notice(words)
        self.changed.emit()

    def _show_on(self, surface: WallSurface, screen: Present) -> None:
        qscreen = QGuiApplication.screens()[screen.index]
        spec = surface.spec
        size_mm = spec.size_mm or (screen.physical_mm if min(screen.physical_mm) > 0 else None)
        pixels = screen.pixels
        pixel_scale = scale_for(*pixels)
        if size_mm is None:
            log.warning("wall screen %s: its physical size is unknown; give size_mm or diagonal_in to size "
                        "its text by the viewing distance", spec.id)
            surface.set_scale(pixel_scale)
        else:
            surface.set_scale(sizing_for(pixels, size_mm, self.manifest.viewing_distance_m, pixel_scale).scale
                              / screen.dpr)
        surface.setScreen(qscreen)
        surface.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        surface.setGeometry(qscreen.geometry())
        if self.on_screen:
            surface.showFullScreen()
        else:
            surface.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            surface.show()

    def _show_declared(self, surface: WallSurface) -> None:
        spec = surface.spec
        pixel_scale = scale_for(*spec.pixels)
        surface.set_scale(sizing_for(spec.pixels, spec.size_mm, self.manifest.viewing_distance_m, pixel_scale).scale
                          if spec.size_mm else pixel_scale)
        surface.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        surface.resize(*spec.pixels)
        surface.show()

    def _lose(self, surface: WallSurface, operator_screen: Present | None, before) -> None:
        what = before.describe() if isinstance(before, Present) else "not found at start-up"
        if operator_screen:
            log.warning("wall screen %s is gone (%s): its picture moves to the operator's screen", surface.spec.id,
                        what)
            qscreen = QGuiApplication.screens()[operator_screen.index]
            area = qscreen.availableGeometry()
            index = list(self.surfaces).index(surface.spec.id)
            width, height = area.width() // 2, area.height() // 2
            surface.setScreen(qscreen)
            if self.on_screen:
                surface.showNormal()
            surface.setGeometry(QRect(area.x() + (index % 2) * width, area.y() + (index // 2 % 2) * height,
                                      width, height))
            surface.set_scale(scale_for(width, height))
            surface.setWindowTitle(f"{self.manifest.name} · {surface.spec.id}（屏幕已断开，暂在值班台显示）")
            surface.show()
        else:
            log.warning("wall screen %s is gone (%s): its picture waits until the screen is back", surface.spec.id,
                        what)
            surface.hide()

    def _put_operator(self, screen: Present) -> None:
        window = self.operator
        qscreen = QGuiApplication.screens()[screen.index]
        if window.screen() is not qscreen or not window.isVisible():
            window.setScreen(qscreen)
            window.setGeometry(qscreen.availableGeometry())
            window.showMaximized()

    def _start_preview(self, present: list[Present]) -> None:
        log.warning("none of the wall's screens is here: previewing the wall %s in one window", self.manifest.name)
        self.preview = PreviewWindow(self)
        for screen_id in self.surfaces:
            self.placed[screen_id] = None
        if self.on_screen:
            primary = QGuiApplication.primaryScreen().availableGeometry()
            self.preview.setGeometry(primary.adjusted(40, 40, -40, -40))
            self.preview.show()

    # -- the one clock ------------------------------------------------------------
    def turn(self) -> None:
        """Every carousel to its page on this beat, all together; then wait for the next beat."""
        now = self.now()
        held = self.held_by
        any_changed = False
        for surface in self.surfaces.values():
            pre_empted = held is not None and (surface.spec.shows_map or surface.spec.shows_warnings)
            indices = []
            for host in surface.regions:
                region = host.region
                if pre_empted and region.is_carousel:
                    wanted = next((i for i, item in enumerate(region.items)
                                   if item.shows_map or item.kind == "warnings"), host.currentIndex())
                    indices.append(wanted)
                else:
                    indices.append(self.clock.item_index(region, now))
            any_changed |= surface.show_items(indices)
            surface.set_state(self._state_words(now, pre_empted))
        self._keep_state()
        self.beat_timer.start(max(10, round(self.clock.seconds_to_next_beat(now) * 1000) + 5))
        if any_changed:
            self.changed.emit()

    def _state_words(self, now: float, pre_empted: bool) -> str:
        if pre_empted:
            until = "确认" if self.held_by.level == "red" else "确认或到时"
            return f"{self.held_by.message.level_name} · 轮播暂停至{until}"
        if self.clock.paused(now):
            ends = datetime.fromtimestamp(self.clock.state.paused_until, CITY_TZ).strftime("%H:%M")
            return f"⏸ 暂停至 {ends}"
        return ""

    def step(self, pages: int) -> None:
        self.clock.step(pages, self.now())
        log.info("wall: stepped %+d page(s) by hand", pages)
        self.turn()

    def toggle_pause(self) -> None:
        paused = self.clock.toggle_pause(self.now(), self.manifest.pause_hold_s)
        log.info("wall: %s", f"paused for at most {self.manifest.pause_hold_s:g} s" if paused else "resumed")
        self.turn()

    def toggle_blackout(self) -> None:
        black = self.clock.toggle_blackout()
        log.info("wall: %s", "blacked out" if black else "shown again")
        self._keep_state()
        self.tick()

    def _keep_state(self) -> None:
        if self.clock.state != self._saved:
            save_state(self.state_path, self.clock.state)
            self._saved = self.clock.state

    # -- warnings -----------------------------------------------------------------
    def set_waiting(self, records: list) -> None:
        """The warnings waiting for acknowledgement (from the warning centre, at every change)."""
        self.waiting = records
        self._judge_hold()

    def set_in_force(self, records: list) -> None:
        for surface in self.surfaces.values():
            for strip in surface.strips:
                strip.set_records(records)
            for situation in surface.situations:
                situation.map.show_warning_areas(records)

    def _judge_hold(self) -> None:
        held = holding(self.waiting, datetime.fromtimestamp(self.now(), UTC), self.manifest.preempt_hold_s)
        first = held[0] if held else None
        changed = (first and first.local_id) != (self.held_by and self.held_by.local_id)
        self.held_by = first
        if first is not None and first.local_id not in self._flown_to:
            self._flown_to.add(first.local_id)
            log.warning("wall: %s %s pre-empts the carousels", first.message.level_name, first.id)
            for surface in self.surfaces.values():
                for situation in surface.situations:
                    situation.drill(None)
                    situation.map.fly_to_warning(first.message)
        if changed:
            if first is None:
                log.info("wall: no warning holds the wall any more; the carousels turn again")
            self.turn()

    # -- every second -------------------------------------------------------------
    def tick(self) -> None:
        now = self.now()
        self.store.refresh_states()
        self.binder.flush(complete=False)
        self.binder.refresh_ages(self.store.server_now())
        if self.placed and self.preview is None and not self.preview_declared:
            self.place_if_changed()
        if self.rss_budget is not None and now >= self._next_rss_check:
            self._next_rss_check = now + 60
            self.rss_budget.check()
        if self.held_by is not None:
            self._judge_hold()  # an orange warning's hold runs out
        veil = 255 if self.clock.state.blackout else 0
        dimming = self.manifest.dimming
        if not veil and dimming and dimming.active(datetime.now(CITY_TZ).time()):
            veil = round(255 * (1 - dimming.brightness))
        offset = orbit_offset(now, self.manifest.orbit_px)
        moment = datetime.fromtimestamp(now, UTC)
        for surface in self.surfaces.values():
            surface.set_veil(veil)
            surface.set_orbit(offset)
            surface.tick(moment)

    def place_if_changed(self) -> None:
        """Screens can vanish without a signal (a panel powered off on some drivers): compare each second."""
        found = assign(self.manifest.screens, present_screens())
        if any(found.get(screen_id) != where for screen_id, where in self.placed.items()):
            self.place()

    # -- keys: from any of the wall's windows, the operator's, or a presenter remote ------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.KeyPress or not watched.isWidgetType():
            return False
        window = watched.window()
        ours = window in self.surfaces.values() or window is self.preview
        if not (ours or window is self.operator):
            return False
        return self.key(event, from_wall=ours)

    def key(self, event: QKeyEvent, *, from_wall: bool = True) -> bool:
        key = event.key()
        if key in NEXT or key in PREVIOUS:
            if not from_wall and key not in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                return False  # on the desk the arrows keep their own meaning
            self.step(1 if key in NEXT else -1)
        elif key in BLACKOUT:
            self.toggle_blackout()
        elif key in PAUSE and (from_wall or key != Qt.Key.Key_Space):
            self.toggle_pause()
        else:
            return False
        return True

    # -- what the operator sees -----------------------------------------------------
    def status(self) -> list[tuple[str, str, str]]:
        """Per wall screen: its id, where it is, and what it shows."""
        rows = []
        for screen_id, surface in self.surfaces.items():
            where = self.placed.get(screen_id)
            place = "预览" if self.preview is not None else (where.describe() if where else "屏幕已断开")
            rows.append((screen_id, place, surface.showing.text()))
        return rows


class PreviewWindow(QWidget):
    """The whole wall, scaled down, in one window: the manifest tried on a laptop. Marked as a preview."""

    def __init__(self, wall: Wall) -> None:
        super().__init__()
        self.wall = wall
        self.setObjectName("wall")
        self.setWindowTitle(f"{wall.manifest.name} · 预览")
        self.setStyleSheet(stylesheet(1.0))
        self.mark = QLabel("预览：本机没有清单中的屏幕，墙面按比例缩小显示（文字大小不代表现场）", self)
        self.mark.setObjectName("fatal")
        self.canvas = QWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.mark)
        layout.addWidget(self.canvas, 1)
        for surface in wall.surfaces.values():
            surface.setParent(self.canvas)
            surface.setWindowFlags(Qt.WindowType.Widget)
            surface.show()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.lay_out()

    def lay_out(self) -> None:
        """Each screen where the manifest puts it, at one scale, so the wall's proportions hold."""
        rects = {}
        for screen_id, surface in self.wall.surfaces.items():
            spec = surface.spec
            size = spec.size_mm or (spec.pixels[0] * 0.3, spec.pixels[1] * 0.3)
            rects[screen_id] = (*spec.position_mm, *size)
        right = max(x + w for x, _, w, _ in rects.values())
        bottom = max(y + h for _, y, _, h in rects.values())
        room = self.canvas.size()
        factor = min(room.width() / right, room.height() / bottom) if right and bottom else 1.0
        for screen_id, (x, y, w, h) in rects.items():
            surface = self.wall.surfaces[screen_id]
            surface.setGeometry(round(x * factor), round(y * factor), max(1, round(w * factor)),
                                max(1, round(h * factor)))
            spec = surface.spec
            real = sizing_for(spec.pixels, spec.size_mm, self.wall.manifest.viewing_distance_m).scale \
                if spec.size_mm else scale_for(*spec.pixels)
            surface.set_scale(max(0.25, real * surface.width() / spec.pixels[0]))
