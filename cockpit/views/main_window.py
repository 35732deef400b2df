"""The cockpit's one window: header, the situation map amid the catalogue's panels, navigation.

Store callbacks only note what changed; one shared timer (once a second, a
pace people can read) applies the changes, moves the clock and the ages, and
re-checks staleness. Nothing here waits on the network.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cockpit.core.catalogue import Catalogue
from cockpit.core.store import Entry, State, Store
from cockpit.views.binder import ViewBinder
from cockpit.views.pages import domain_page, overview_page, panel_page
from cockpit.views.panel_view import PanelView
from cockpit.views.theme import scale_for, scale_layouts, stylesheet
from cockpit.views.widgets import LinesLabel, SteadyLabel, loosen, short_time
from kernel import geo
from kernel.clock import CITY_TZ

WALL_TITLE = "南通市域治理现代化指挥中心 · 领导驾驶舱"
TICK_MS = 1000
OVERVIEW = "总览"


class Header(QFrame):
    navigate = Signal(str)  # OVERVIEW or a domain

    def __init__(self, domains: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        title = QLabel(WALL_TITLE, self)
        title.setObjectName("wallTitle")
        loosen(title)  # on a small window the title gives way, never the figures
        self.tabs = QButtonGroup(self)
        self.tabs.setExclusive(True)
        self.tab_buttons: dict[str, QPushButton] = {}
        tab_row = QHBoxLayout()
        tab_row.setSpacing(6)
        for index, name in enumerate((OVERVIEW, *domains)):
            button = QPushButton(name, self)
            button.setObjectName("navTab")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(f"快捷键 {index}" if index else "快捷键 0 或 Home")
            button.clicked.connect(lambda _=False, n=name: self.navigate.emit(n))
            self.tabs.addButton(button)
            self.tab_buttons[name] = button
            tab_row.addWidget(button)
        self.tab_buttons[OVERVIEW].setChecked(True)
        self.warnings = QPushButton("预警 0", self)
        self.warnings.setObjectName("warningCount")
        self.warnings.setProperty("waiting", "false")
        self.warnings.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.warnings.setToolTip("预警列表（快捷键 W）")
        self.warnings.hide()  # until a warning list is attached
        self.as_of = SteadyLabel(self)
        self.as_of.setObjectName("headerInfo")
        self.connection = QLabel("● 连接中…", self)
        self.connection.setObjectName("connection")
        self.connection.setProperty("ok", "true")
        self.clock = SteadyLabel(self)
        self.clock.setObjectName("clock")
        info = QVBoxLayout()
        info.setSpacing(0)
        info.addWidget(self.connection, 0, Qt.AlignmentFlag.AlignRight)
        info.addWidget(self.as_of, 0, Qt.AlignmentFlag.AlignRight)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(16, 6, 16, 6)
        layout.setSpacing(18)
        layout.addWidget(title, 1)
        layout.addLayout(tab_row)
        layout.addWidget(self.warnings)
        layout.addLayout(info)
        layout.addWidget(self.clock)

    def select(self, name: str) -> None:
        self.tab_buttons[name].setChecked(True)

    def set_warning_count(self, waiting: int) -> None:
        self.warnings.setText(f"预警 {waiting}")
        if self.warnings.property("waiting") != ("true" if waiting else "false"):
            self.warnings.setProperty("waiting", "true" if waiting else "false")
            self.warnings.style().polish(self.warnings)

    def set_connection(self, ok: bool, text: str, detail: str = "") -> None:
        self.connection.setText(text)
        self.connection.setToolTip(detail)
        if self.connection.property("ok") != ("true" if ok else "false"):
            self.connection.setProperty("ok", "true" if ok else "false")
            self.connection.style().polish(self.connection)


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, catalogue: Catalogue, store: Store, *, source: str = "") -> None:
        super().__init__()
        self.catalogue, self.store, self.source = catalogue, store, source
        self.setWindowTitle(WALL_TITLE)
        self.scale = 1.0
        self.setStyleSheet(stylesheet(self.scale))
        self.binder = ViewBinder(store, self, on_applied=self._applied)
        self._page_views: list = []  # views of the domain or panel page, dropped when leaving it
        self.current: tuple[str, str | None] = ("overview", None)
        self.warning_list: QWidget | None = None
        self.wall_view: QWidget | None = None

        wall = QWidget(self)
        wall.setObjectName("wall")
        self.header = Header(catalogue.domains, wall)
        self.header.navigate.connect(self._navigate)
        self.fatal = QLabel(wall)
        self.fatal.setObjectName("fatal")
        self.fatal.setWordWrap(True)
        self.fatal.hide()
        # Over the wall, not in its layout: a passing notice (the embedded server restarting) never
        # moves a panel, and the connection check does not clear it.
        self.notice = LinesLabel(wall)
        self.notice.setObjectName("fatal")
        self.notice.hide()
        self.pages = QStackedWidget(wall)
        self.overview = self._build_overview()
        self.pages.addWidget(self.overview)
        self.detail_page = QWidget()  # replaced on each navigation to a domain or a panel
        self.pages.addWidget(self.detail_page)
        layout = QVBoxLayout(wall)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.fatal)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(wall)

        self._shortcuts()
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.tick(complete=False))
        self.timer.start()
        self.tick()

    # -- building ---------------------------------------------------------
    def _build_overview(self) -> QWidget:
        page, self.tiles, self.situation = overview_page(self.catalogue)
        self.map = self.situation.map
        for spec_id, view in self.tiles.items():
            view.activated.connect(self.show_panel)
            self.binder.register(self.catalogue.panel(spec_id).endpoint, view)
        self.binder.register(self.catalogue.map.endpoint, self.situation)
        return page

    def _shortcuts(self) -> None:
        def bind(key: QKeySequence | str, action: Callable[[], object]) -> None:
            QShortcut(QKeySequence(key), self, activated=action)

        bind(Qt.Key.Key_Escape, self.back)
        bind(Qt.Key.Key_Home, self.show_overview)
        bind("0", self.show_overview)
        for index, domain in enumerate(self.catalogue.domains[:9], start=1):
            bind(str(index), lambda d=domain: self.show_domain(d))
        bind(Qt.Key.Key_Right, lambda: self.step_panel(+1))
        bind(Qt.Key.Key_Left, lambda: self.step_panel(-1))
        bind(Qt.Key.Key_F11, self._toggle_fullscreen)
        bind("W", self.show_warnings)
        self.header.warnings.clicked.connect(self.show_warnings)

    # -- navigation -------------------------------------------------------
    def show_overview(self) -> None:
        self._drop_page()
        self.pages.setCurrentWidget(self.overview)
        self.current = ("overview", None)
        self.header.select(OVERVIEW)

    def show_domain(self, domain: str) -> None:
        self._show_page(domain_page(self.catalogue, domain), ("domain", domain))
        self.header.select(domain)

    def show_panel(self, panel_id: str) -> None:
        spec = self.catalogue.panel(panel_id)
        self._show_page(panel_page(self.catalogue, panel_id, self.situation), ("panel", panel_id))
        self.header.select(spec.domain)

    # -- warnings (the warning pipeline plugs in here) ---------------------------
    def set_warning_list(self, widget: QWidget) -> None:
        """Give the window the warning list; the header's 预警 button and W then show it."""
        self.warning_list = widget
        self.pages.addWidget(widget)
        self.header.warnings.show()

    def set_wall_view(self, widget: QWidget) -> None:
        """Give the window the wall's thumbnails (a desk beside a video wall); V shows them."""
        self.wall_view = widget
        self.pages.addWidget(widget)
        QShortcut(QKeySequence("V"), self, activated=self.show_wall)

    def show_wall(self) -> None:
        if self.wall_view is None:
            return
        self._drop_page()
        self.pages.setCurrentWidget(self.wall_view)
        self.current = ("wall", None)

    def set_warning_count(self, waiting: int) -> None:
        """How many warnings wait for acknowledgement (shown on the header's 预警 button)."""
        self.header.set_warning_count(waiting)

    def attach_warning_center(self, center: QObject) -> None:
        """The warning centre: the situation map draws the areas of the warnings in force, and a warning
        located is framed whole, every area of it (locate_warning)."""
        center.in_force_changed.connect(self.map.show_warning_areas)
        center.warning_located.connect(self.locate_warning)

    def locate_warning(self, message) -> None:
        """Show every area of a warning (a WarningMessage) on the situation map."""
        self.show_overview()
        self.map.fly_to_warning(message)

    def show_warnings(self) -> None:
        if self.warning_list is None:
            return
        self._drop_page()
        self.pages.setCurrentWidget(self.warning_list)
        self.current = ("warnings", None)
        self.header.tabs.setExclusive(False)
        for button in self.header.tab_buttons.values():
            button.setChecked(False)
        self.header.tabs.setExclusive(True)

    def locate(self, lon: float, lat: float, adcode: str = "") -> None:
        """Show a warning's place on the situation map (NaN lon/lat: its region only)."""
        self.show_overview()
        if math.isfinite(lon) and math.isfinite(lat):
            self.map.fly_to(lon, lat, adcode or None)
        elif adcode[:6] in {county.adcode for county in geo.counties()}:
            self.situation.drill(adcode[:6])

    def step_panel(self, step: int) -> None:
        """Left/Right: the previous or next panel, when one panel is shown full-size."""
        kind, which = self.current
        if kind != "panel":
            return
        ids = [panel.id for panel in self.catalogue.panels]
        self.show_panel(ids[(ids.index(which) + step) % len(ids)])

    def back(self) -> None:
        """Esc: out of a map drill-down, then from a panel to its domain, then to the overview."""
        kind, which = self.current
        if kind == "panel":
            self.show_domain(self.catalogue.panel(which).domain)
        elif kind in ("domain", "warnings", "wall"):
            self.show_overview()
        else:
            self.situation.back()

    def _navigate(self, name: str) -> None:
        if name == OVERVIEW:
            self.show_overview()
        else:
            self.show_domain(name)

    def _show_page(self, page: QWidget, current: tuple[str, str | None]) -> None:
        self._drop_page()
        views = page.findChildren(PanelView)
        scale_layouts(page, self.scale)
        for view in views:
            view.set_scale(self.scale)
            self.binder.register(view.spec.endpoint, view, show_now=True)
        self._page_views = views
        self.pages.insertWidget(1, page)
        self.pages.setCurrentWidget(page)
        self.detail_page = page
        self.current = current

    def _drop_page(self) -> None:
        for view in self._page_views:
            self.binder.unregister(view)
        self._page_views = []
        if self.detail_page is not None:
            self.pages.removeWidget(self.detail_page)
            self.detail_page.deleteLater()
            self.detail_page = None

    def _toggle_fullscreen(self) -> None:
        self.showNormal() if self.isFullScreen() else self.showFullScreen()

    # -- data -------------------------------------------------------------
    def tick(self, complete: bool = True) -> None:
        """The shared timer: apply new data, then clock, ages, staleness and connection.

        The timer passes complete=False: new data is then applied a few views per event-loop turn,
        so seventeen payloads arriving together never freeze the wall for one long repaint.
        """
        self.store.refresh_states()
        self.flush(complete)
        # The city's time from this machine's clock: a server whose clock is off never moves it.
        self.header.clock.setText(datetime.now(CITY_TZ).strftime("%Y-%m-%d  %H:%M:%S"))
        self.binder.refresh_ages(self.store.server_now())
        self._show_connection()

    def flush(self, complete: bool = True) -> None:
        """Apply the entries that changed since the last tick (see ViewBinder.flush)."""
        self.binder.flush(complete)

    def _applied(self, endpoint: str, entry: Entry) -> None:
        if endpoint == self.catalogue.map.endpoint:
            self.header.as_of.setText(f"态势数据时间 {short_time(entry.as_of)}")

    def _show_connection(self) -> None:
        wanted = set(self.binder.views)
        entries = [self.store.get(endpoint) for endpoint in sorted(wanted)]
        failing = [e for e in entries if e.state in (State.ERROR, State.STALE)]
        clock = self.store.clock.problem()
        if not failing and any(e.state in (State.OK, State.EMPTY) for e in entries):
            short = self.source.split()[0] if self.source else ""  # the address goes in the tooltip
            if clock:
                self.header.set_connection(False, f"● 已连接 · {clock}", f"{self.source}\n{clock}（数据时效不受影响）")
            else:
                self.header.set_connection(True, f"● 已连接 {short}".rstrip(), self.source)
            self.fatal.hide()
        elif not failing:
            self.header.set_connection(True, "● 连接中…")
        else:
            reasons = sorted({e.error for e in failing if e.error})
            refused = [e.error_kind == "bad_payload" for e in failing if e.error]
            what = "数据异常" if refused and all(refused) else "连接异常"  # bad answers, or no answers
            self.header.set_connection(False, f"● {what}：{len(failing)} 项数据未更新",
                                       "\n".join(reasons + ([clock] if clock else [])))
            if all(e.payload is None for e in entries) and all(e.state is State.ERROR for e in entries):
                self.show_fatal(f"中央接口 {self.source} 无法访问，也没有缓存的数据可显示。"
                                f"{reasons[0] if reasons else ''}　恢复后将自动刷新。")

    def set_notice(self, text: str | None) -> None:
        """A passing word over the top of the wall; None takes it away."""
        if not text:
            self.notice.hide()
            return
        self.notice.set_lines(text)
        self._place_notice()
        self.notice.show()
        self.notice.raise_()

    def _place_notice(self) -> None:
        width = self.centralWidget().width()
        self.notice.setGeometry(0, self.header.geometry().bottom() + 1, width, self.notice.sizeHint().height())

    def show_fatal(self, text: str) -> None:
        self.fatal.setText(text)
        self.fatal.show()

    # -- Qt events ----------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        scale = scale_for(event.size().width(), event.size().height())
        if scale != self.scale:
            self.scale = scale
            self.setStyleSheet(stylesheet(scale))
            scale_layouts(self, scale)
            for view in self.binder.all_views():
                view.set_scale(scale)
        super().resizeEvent(event)
        if self.notice.isVisible():
            self._place_notice()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        self.timer.stop()
        self.binder.close()
        super().closeEvent(event)
        self.closed.emit()
