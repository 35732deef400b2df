"""One generic view for every thematic panel, built from its catalogue entry.

Modes: "tile" (the overview: the first `tile_charts` charts), "domain" (all
charts) and "full" (all charts plus the panel's own points on a map). The
five states look different: loading and error say so in the middle, empty
says there is nothing, stale keeps the picture under a loud banner with the
age on the server's clock and the reason.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from cockpit.charts import CHART_KINDS, Chart, palette
from cockpit.core.catalogue import PanelSpec
from cockpit.core.store import Entry, State
from cockpit.views.map import NantongMap
from cockpit.views.widgets import (
    STATE_COLOURS,
    LinesLabel,
    SteadyLabel,
    fixed_by_the_grid,
    loosen,
    opaque_on,
    show_as_of,
    show_badge,
    shows_stale,
    stale_banner,
)

MODES = ("tile", "domain", "full")
log = logging.getLogger(__name__)


class PanelView(QFrame):
    """A thematic panel; `set_entry` shows the store's entry for its endpoint."""

    activated = Signal(str)  # the panel id, when a tile is clicked

    def __init__(self, spec: PanelSpec, mode: str = "tile", *, map_widget: NantongMap | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if mode not in MODES:
            raise ValueError(f"unknown panel mode {mode!r} (one of {', '.join(MODES)})")
        self.spec, self.mode, self.map_widget = spec, mode, map_widget
        self.entry: Entry | None = None
        self.setObjectName("panel")
        self.setProperty("mode", mode)
        fixed_by_the_grid(self)
        if mode == "tile":
            self.setCursor(Qt.CursorShape.PointingHandCursor)
            self.setToolTip(f"{spec.title}：点击查看全屏")
        shown_specs = spec.charts[:spec.tile_charts] if mode == "tile" else spec.charts
        self.charts: list[tuple[str, Chart]] = [(c.block, CHART_KINDS[c.kind](self)) for c in shown_specs]
        if mode == "tile":  # domain and full-size views show every item
            for (_block, chart), chart_spec in zip(self.charts, shown_specs, strict=True):
                chart.set_max_items(chart_spec.tile_items)
        self._build()
        self.set_entry(None)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False  # the grid gives its cell's height; a word-wrapped text inside must not ask for more

    # -- building ---------------------------------------------------------
    def _build(self) -> None:
        self.domain_tag = QLabel(self.spec.domain, self)
        self.domain_tag.setObjectName("domainTag")
        colour = self.spec.domain_colour
        self.domain_tag.setStyleSheet(f"color: {colour}; border: 1px solid {colour};")
        self.title = QLabel(self.spec.title, self)
        self.title.setObjectName("panelTitle")
        loosen(self.title)
        self.badge = QLabel(self)
        self.badge.setObjectName("stateBadge")
        self.as_of = SteadyLabel(self)
        self.as_of.setObjectName("asOf")
        opaque_on(self.as_of, palette.SURFACE)  # the panel's flat ground (theme: #panel, #mapFrame)
        header = QHBoxLayout()
        header.setSpacing(8)
        header.addWidget(self.domain_tag)
        header.addWidget(self.title, 1)
        header.addWidget(self.as_of)
        header.addWidget(self.badge)

        self.banner = LinesLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setProperty("level", "stale")
        self.banner.hide()
        self.state_message = QLabel(self)
        self.state_message.setObjectName("stateMessage")
        self.state_message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_message.setWordWrap(True)

        self.chart_area = QWidget(self)
        self.chart_area.installEventFilter(self)  # its height decides which charts a hall can read
        self._legible_chart_height = 0
        self._grid = grid = QGridLayout(self.chart_area)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(8)
        for index, (_block, chart) in enumerate(self.charts):
            grid.addWidget(chart, index, 0)
            grid.setRowStretch(index, self._desk_stretch(index, chart))
        body = QHBoxLayout()
        body.addWidget(self.chart_area, 5)
        body.addWidget(self.state_message, 5)
        if self.map_widget is not None:
            body.addWidget(self.map_widget, 6)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 8)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)

    # -- what the window calls ---------------------------------------------
    def set_entry(self, entry: Entry | None, server_now: datetime | None = None) -> None:
        self.entry = entry
        state = entry.state if entry is not None else State.LOADING
        payload = entry.payload if entry is not None else None
        has_picture = isinstance(payload, dict) and state in (State.OK, State.STALE)
        self.chart_area.setVisible(has_picture)
        self.state_message.setVisible(not has_picture)
        if has_picture:
            self._show_payload(payload)
        else:
            self.state_message.setText(self._state_text(entry, state))
            colour = STATE_COLOURS[State.ERROR] if state is State.ERROR else "#8ea6c9"
            if self.state_message.property("colour") != colour:
                self.state_message.setProperty("colour", colour)
                self.state_message.setStyleSheet(f"color: {colour};")
        show_badge(self.badge, state)
        pattern = "%H:%M" if self.mode == "tile" else "数据时间 %m-%d %H:%M"  # a tile has room for the time only
        show_as_of(self.as_of, entry, pattern)
        self.refresh_age(server_now)

    def refresh_age(self, server_now: datetime | None) -> None:
        """Keep the stale banner's age current (the window calls this on its shared timer)."""
        stale = shows_stale(self.entry)
        if self.property("state") != ("stale" if stale else ""):
            self.setProperty("state", "stale" if stale else "")
            self.style().polish(self)
        stale_banner(self.banner, self.entry, server_now)

    def set_scale(self, scale: float) -> None:
        for _block, chart in self.charts:
            chart.set_scale(scale)

    def set_legible_chart_height(self, height: int) -> None:
        """On a wall: a chart shorter than `height` pixels is not read across the hall, so the panel
        shows the charts that fit at that height, in their order, and leaves the rest out (show less,
        never smaller). The first chart always stays; 0 (a desk) shows every chart."""
        self._legible_chart_height = height
        self._show_the_charts_that_fit()

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.chart_area and event.type() == QEvent.Type.Resize:
            self._show_the_charts_that_fit()
        return False

    def _show_the_charts_that_fit(self) -> None:
        room, spacing = self.chart_area.height(), self._grid.spacing()
        used, fits = 0, True
        for index, (_block, chart) in enumerate(self.charts):
            need = chart.minimumHeight() if chart.kind == "kpi" else self._legible_chart_height
            fits = index == 0 or (fits and used + need <= room)
            used += need + spacing
            if chart.isHidden() == fits:
                chart.setVisible(fits)
            # On a wall the rows share the height in proportion to what each needs, so each gets it.
            stretch = (max(1, need) if self._legible_chart_height else self._desk_stretch(index, chart)) if fits else 0
            if self._grid.rowStretch(index) != stretch:
                self._grid.setRowStretch(index, stretch)

    # -- internals --------------------------------------------------------
    @staticmethod
    def _desk_stretch(index: int, chart: Chart) -> int:
        return 2 if index == 0 and chart.kind == "kpi" else 4  # a first KPI row takes half a chart's share

    def _show_payload(self, payload: dict) -> None:
        blocks = payload.get("blocks")
        if not isinstance(blocks, dict):
            for _block, chart in self.charts:
                chart.show_problem("接口返回的数据没有 blocks")
            return
        for name, chart in self.charts:
            if name in blocks:
                chart.set_block(blocks[name])
            else:
                chart.show_problem(f"接口未提供数据块 “{name}”")
        if self.map_widget is not None:
            if self.spec.map_layer:
                self._show_points(blocks.get(self.spec.map_layer))
            self._colour_map(blocks)

    def _colour_map(self, blocks: dict) -> None:
        """Colour the map by the ranking the catalogue names for it (e.g. grids per county)."""
        colour = self.spec.map_colour
        block = blocks.get(colour.block) if colour else None
        if not isinstance(block, dict):
            return
        items = [item for item in block.get("items") or [] if isinstance(item, dict) and item.get("adcode")]
        if items:
            self.map_widget.set_choropleth({str(item["adcode"]): item.get("value") for item in items},
                                           label=str(block.get("label", "")), unit=str(block.get("unit", "")),
                                           level=colour.level)

    def _show_points(self, layer: object) -> None:
        items = layer.get("items") if isinstance(layer, dict) else None
        try:
            self.map_widget.set_points(self.spec.map_layer, items if isinstance(items, list) else [])
        except ValueError as exc:  # bad points must not take the panel down
            log.warning("panel %s: map layer %s not drawn: %s", self.spec.id, self.spec.map_layer, exc)
            self.map_widget.clear_points(self.spec.map_layer)

    @staticmethod
    def _state_text(entry: Entry | None, state: State) -> str:
        if state is State.ERROR:
            return f"无法获取数据\n{entry.error if entry and entry.error else ''}".strip()
        if state is State.EMPTY:
            return "暂无数据"
        return "正在加载…"

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.mode == "tile" and event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.spec.id)
        super().mouseReleaseEvent(event)
