"""One wall screen: a frameless window on its own screen, its regions, and the care a wall needs
(the burn-in orbit, night dimming, blackout, a pointer that never shows).

A carousel keeps every page it turns through (a QStackedWidget): turning is a page switch, with
nothing built or destroyed, so a wall that turns every few seconds for a week keeps the same objects.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLayout, QStackedWidget, QVBoxLayout, QWidget

from cockpit.charts.kpi import KpiTiles
from cockpit.core.catalogue import Catalogue
from cockpit.core.wall import Item, Manifest, Region, Screen
from cockpit.views.binder import ViewBinder
from cockpit.views.pages import domain_page, overview_page, panel_page, panels_page, situation_page
from cockpit.views.panel_view import PanelView
from cockpit.views.situation_view import SituationView
from cockpit.views.theme import scale_layouts, stylesheet
from cockpit.views.wall.strip import WarningStrip
from cockpit.views.widgets import LinesLabel, SteadyLabel, fixed_by_the_grid
from kernel.clock import CITY_TZ

HEADLINE_TILE_HEIGHT = 64  # a headline figure's least height, at scale 1: its label at the hall's body size
PANEL_TILE_HEIGHT = 44  # a panel's KPI tile's least height, at scale 1
LEGIBLE_CHART_HEIGHT = 120  # a chart's least height, at scale 1: a ranking's five rows or a gauge at body size


class Veil(QWidget):
    """A black layer over the whole screen: translucent to dim, opaque to black out."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.alpha = 0
        self.hide()

    def set_alpha(self, alpha: int) -> None:
        if alpha != self.alpha:
            self.alpha = alpha
            self.setVisible(alpha > 0)
            self.raise_()
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0, self.alpha))
        painter.end()


class RegionHost(QStackedWidget):
    """A region of a screen: its item, or every page of its carousel."""

    def __init__(self, region: Region, pages: list[QWidget], parent: QWidget) -> None:
        super().__init__(parent)
        self.region = region
        fixed_by_the_grid(self)  # a page never widens its screen
        for page in pages:
            fixed_by_the_grid(page)
            self.addWidget(page)

    @property
    def item(self) -> Item:
        return self.region.items[self.currentIndex()]

    def show_item(self, index: int) -> bool:
        """Turn to item `index`; True when that changed the page."""
        if index == self.currentIndex():
            return False
        self.setCurrentIndex(index)
        return True


class WallSurface(QWidget):
    def __init__(self, screen: Screen, manifest: Manifest, catalogue: Catalogue, binder: ViewBinder,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.FramelessWindowHint if parent is None else Qt.WindowType.Widget)
        self.spec, self.manifest, self.catalogue, self.binder = screen, manifest, catalogue, binder
        self.setObjectName("wall")
        self.setWindowTitle(f"{manifest.name} · {screen.id}")
        self.setCursor(Qt.CursorShape.BlankCursor)  # nobody points at a wall
        self.setAutoFillBackground(True)
        self.scale = 1.0
        self.situations: list[SituationView] = []
        self.strips: list[WarningStrip] = []
        self.map_alone: list[SituationView] = []

        self.title = LinesLabel(self)  # a long name is cut with "…", never mid-glyph
        self.title.setObjectName("wallScreenTitle")
        self.title.set_lines(f"{manifest.name} · {screen.id}")
        self.showing = SteadyLabel(self)
        self.showing.setObjectName("wallShowing")
        self.state = SteadyLabel(self)
        self.state.setObjectName("wallState")
        self.clock = SteadyLabel(self)
        self.clock.setObjectName("clock")
        bar = QHBoxLayout()
        bar.setContentsMargins(12, 4, 12, 4)
        bar.setSpacing(18)
        bar.addWidget(self.title)
        bar.addWidget(self.showing, 1)
        bar.addWidget(self.state)
        bar.addWidget(self.clock)
        self.notice = QLabel(self)
        self.notice.setObjectName("fatal")
        self.notice.setWordWrap(True)
        self.notice.hide()

        body = QWidget(self)
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(10)
        self.regions: list[RegionHost] = []
        for region in screen.regions:
            host = RegionHost(region, [self._page(item) for item in region.items], body)
            column, row, columns, rows = region.cells
            grid.addWidget(host, row, column, rows, columns)
            self.regions.append(host)
        for column in range(screen.grid[0]):
            grid.setColumnStretch(column, 1)
        for row in range(screen.grid[1]):
            grid.setRowStretch(row, 1)
        if manifest.display_only:
            body.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # no clicks, no hover, no dialogs
        self.layout_ = QVBoxLayout(self)
        # The screen sizes the surface, never its content: a long title cannot widen it past its screen
        # or the corner of the desk it is moved to.
        self.layout_.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.layout_.setSpacing(6)
        self.layout_.addLayout(bar)
        self.layout_.addWidget(self.notice)
        self.layout_.addWidget(body, 1)
        self.orbit = (0, 0)
        self.veil = Veil(self)
        self.set_scale(1.0)
        self.show_what()

    # -- building -----------------------------------------------------------
    def _page(self, item: Item) -> QWidget:
        if item.kind == "warnings":
            strip = WarningStrip()
            self.strips.append(strip)
            return strip
        if item.kind == "overview":
            page, _tiles, situation = overview_page(self.catalogue)
        elif item.kind == "map":
            page, situation = situation_page()
        else:
            situation = None
            if item.kind == "domain":
                page = domain_page(self.catalogue, item.names[0], "tile")
            elif item.kind == "panel":
                page = panel_page(self.catalogue, item.names[0], self.situations[0] if self.situations else None)
            else:
                page = panels_page(self.catalogue, item.names, "tile")
        for view in page.findChildren(PanelView):
            self.binder.register(view.spec.endpoint, view, show_now=True)
        if situation is not None:
            if item.kind == "map":  # the map alone on a screen: the map, not the notes under it
                for note in (situation.points_note, *situation.findChildren(QLabel, "note")):
                    note.hide()
                _headline_beside_the_map(situation)
                if self.manifest.display_only:
                    situation.without_chooser()
                self.map_alone.append(situation)
            self.situations.append(situation)
            self.binder.register(self.catalogue.map.endpoint, situation, show_now=True)
        return page

    # -- what the wall calls --------------------------------------------------
    def set_scale(self, scale: float) -> None:
        """Type and lines for this screen's pixels, size and viewing distance (see core.wall.sizing)."""
        self.scale = scale
        self.setStyleSheet(stylesheet(scale) + _wall_style(scale))
        scale_layouts(self, scale)
        self._apply_orbit()
        for host in self.regions:
            for index in range(host.count()):
                page = host.widget(index)
                views = [page] if isinstance(page, WarningStrip) else [
                    *page.findChildren(PanelView), *page.findChildren(SituationView)]
                for view in views:
                    view.set_scale(scale)
                    if isinstance(view, PanelView):
                        _sized_for_the_hall(view, scale)
        for situation in self.map_alone:  # the headline's column, wide enough for its figures at this scale
            situation.headline.setMinimumWidth(round(150 * scale))

    def set_orbit(self, offset: tuple[int, int]) -> None:
        if offset != self.orbit:
            self.orbit = offset
            self._apply_orbit()

    def _apply_orbit(self) -> None:
        """The whole picture sits inside a margin as wide as the orbit, and moves within it."""
        travel = self.manifest.orbit_px
        half = travel // 2
        dx, dy = self.orbit
        base = round(6 * self.scale)
        self.layout_.setContentsMargins(base + half + dx, base + half + dy, base + half - dx, base + half - dy)

    def set_veil(self, alpha: int) -> None:
        self.veil.set_alpha(alpha)

    def show_items(self, indices: list[int]) -> bool:
        """Turn each region to its item; True when a page changed."""
        changed = [host.show_item(index) for host, index in zip(self.regions, indices, strict=True)]
        if any(changed):
            self.show_what()
        return any(changed)

    def show_what(self) -> None:
        parts = []
        for host in self.regions:
            label = self.label(host.item)
            parts.append(f"{label}（{host.currentIndex() + 1}/{host.count()}）" if host.region.is_carousel else label)
        self.showing.setText(" ｜ ".join(parts))

    def label(self, item: Item) -> str:
        """What the leaders read: the panels' titles, not their ids."""
        if item.kind in ("panel", "panels"):
            return "、".join(self.catalogue.panel(name).title for name in item.names)
        return item.label

    def describe(self) -> str:
        return f"{self.spec.id}: {self.showing.text()}"

    def set_state(self, text: str) -> None:
        self.state.setText(text)

    def set_notice(self, text: str | None) -> None:
        self.notice.setText(text or "")
        self.notice.setVisible(bool(text))

    def tick(self, now: datetime) -> None:
        self.clock.setText(now.astimezone(CITY_TZ).strftime("%H:%M:%S"))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self.veil.setGeometry(self.rect())


def _headline_beside_the_map(situation: SituationView) -> None:
    """A screen of its own is wide: the headline figures go in a column left of the map and the zones
    under it, and the map takes the screen's height (stacked, the city would get a third of it). The
    column shows as many figures as it holds at a size the hall reads."""
    layout = situation.layout()
    at = layout.indexOf(situation.headline)
    for widget in (situation.headline, situation.map):
        layout.removeWidget(widget)
    layout.removeItem(situation.zones_row)
    right = QVBoxLayout()
    right.setSpacing(layout.spacing())
    right.addWidget(situation.map, 1)
    right.addLayout(situation.zones_row)
    row = QHBoxLayout()
    row.setSpacing(layout.spacing())
    row.addWidget(situation.headline, 1)
    row.addLayout(right, 4)
    layout.insertLayout(at, row, 1)
    situation.headline.columns = 1
    situation.headline.min_tile_height = HEADLINE_TILE_HEIGHT


def _sized_for_the_hall(view: PanelView, scale: float) -> None:
    """A panel's map layer follows its size on a desk; on a wall it is sized for the hall. Its KPI
    tiles keep a row the hall reads, showing the figures that fit rather than all of them unread, and
    it shows the charts that fit at a height the hall reads."""
    if view.map_widget is not None:
        view.map_widget.set_scale(scale)
    for _block, chart in view.charts:
        if isinstance(chart, KpiTiles):
            chart.min_tile_height = PANEL_TILE_HEIGHT
            chart.setMinimumHeight(round(PANEL_TILE_HEIGHT * scale))
    view.set_legible_chart_height(round(LEGIBLE_CHART_HEIGHT * scale))


def _wall_style(scale: float) -> str:
    def px(size: float) -> str:
        return f"{max(1, round(size * scale))}px"

    return f"""
    #wallScreenTitle {{ font-size: {px(18)}; font-weight: bold; color: #ffffff; }}
    #wallShowing {{ font-size: {px(18)}; color: #39d0ff; font-weight: bold; }}
    #wallState {{ font-size: {px(16)}; color: #ffc53d; font-weight: bold; }}
    """
