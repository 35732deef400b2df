"""The overall situation map (总体态势图): headline figures, the map, a figure chooser, the zones.

The map widget is given (NantongMap in the app); this view feeds it the
chosen figure as a choropleth, the open events and active warnings as
points, and handles drill-down: click a county to see its towns, Esc back.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cockpit.charts import palette
from cockpit.charts.kpi import KpiTiles
from cockpit.core.formats import format_value
from cockpit.core.store import Entry, State
from cockpit.views.map import NantongMap
from cockpit.views.widgets import (
    LinesLabel,
    SteadyLabel,
    fixed_by_the_grid,
    loosen,
    opaque_on,
    show_as_of,
    show_badge,
    stale_banner,
)
from kernel import geo

log = logging.getLogger(__name__)

DEFAULT_FIGURE = "hotline_today"
HEADLINE_COUNT = 6
MAX_ZONES = 6
# Thousands of events are open at any time: the overview marks the ones that need a leader's eye.
EVENT_LEVELS = {"escalated": "orange", "overdue": "red"}


class ZoneTile(QFrame):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("zoneTile")
        self.name = QLabel(name, self)
        self.name.setObjectName("zoneName")
        self.value = SteadyLabel("—", self)
        self.value.setObjectName("zoneValue")
        loosen(self.name)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.setSpacing(0)
        layout.addWidget(self.name)
        layout.addWidget(self.value)


class SituationView(QFrame):
    def __init__(self, map_widget: NantongMap, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mapFrame")
        fixed_by_the_grid(self)
        self.map = map_widget
        self.entry: Entry | None = None
        self.figure_id = DEFAULT_FIGURE
        self.drilled: str | None = None  # the county adcode shown town by town

        self.title = QLabel("总体态势图", self)
        self.title.setObjectName("sectionTitle")
        self.as_of = SteadyLabel(self)
        self.as_of.setObjectName("asOf")
        opaque_on(self.as_of, palette.SURFACE)  # the panel's flat ground (theme: #panel, #mapFrame)
        self.badge = QLabel(self)
        self.badge.setObjectName("stateBadge")
        self.banner = LinesLabel(self)
        self.banner.setObjectName("banner")
        self.banner.setProperty("level", "stale")
        self.banner.hide()
        self.headline = KpiTiles(self)
        self.chooser = QComboBox(self)
        self.chooser.setObjectName("figureChooser")
        self.chooser.setToolTip("地图着色指标")
        self.chooser.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.chooser.currentIndexChanged.connect(self._figure_chosen)
        self.where = QLabel("南通市 · 各县（市、区）", self)
        self.where.setObjectName("sectionTitle")
        self.back_button = QPushButton("返回全市", self)
        self.back_button.setObjectName("navTab")
        self.back_button.setToolTip("回到全市各县（快捷键 Esc）")
        self.back_button.clicked.connect(self.back)
        self.back_button.hide()
        self.points_note = SteadyLabel(self)
        self.points_note.setObjectName("note")
        self.zones_row = QHBoxLayout()
        self.zones_row.setSpacing(6)
        self.zone_tiles: dict[str, ZoneTile] = {}
        self.zones_name_the_figure = True  # a zone says "今日热线受理 26件", or "26件" where the legend says it

        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.as_of)
        top.addWidget(self.badge)
        controls = QHBoxLayout()
        controls.addWidget(self.where)
        controls.addWidget(self.back_button)
        controls.addStretch(1)
        self.chooser_label = QLabel("着色指标", self)
        controls.addWidget(self.chooser_label)
        controls.addWidget(self.chooser)
        self._top, self._controls = top, controls
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(6)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.headline, 2)
        layout.addLayout(controls)
        layout.addWidget(self.map, 9)
        layout.addWidget(self.points_note)
        zone_caption = QLabel("功能区（无法定边界，仅列指标）", self)
        zone_caption.setObjectName("note")
        layout.addWidget(zone_caption)
        layout.addLayout(self.zones_row)

        self.map.region_clicked.connect(self._region_clicked)
        self.map.drill_changed.connect(self._drill_changed)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False  # the grid gives its cell's height; a word-wrapped text inside must not ask for more

    # -- what the window calls ---------------------------------------------
    def set_entry(self, entry: Entry | None, server_now: datetime | None = None) -> None:
        self.entry = entry
        state = entry.state if entry is not None else State.LOADING
        show_badge(self.badge, state)
        show_as_of(self.as_of, entry, "数据时间 %m-%d %H:%M")
        self.refresh_age(server_now)
        payload = entry.payload if entry is not None else None
        if not isinstance(payload, dict):
            self.headline.set_block(None)
            return
        headline = payload.get("headline") or []
        self.headline.set_block({"type": "kpis", "items": headline[:HEADLINE_COUNT]})
        self._fill_chooser(payload.get("figures") or [])
        self._recolour()
        self._show_zones(payload.get("zones") or [])
        self._show_points(payload)

    def refresh_age(self, server_now: datetime | None) -> None:
        """A stale map says how old it is and why, as the panels do (the window's shared timer)."""
        stale_banner(self.banner, self.entry, server_now)

    def without_chooser(self) -> None:
        """For a display-only wall, where nobody picks the figure (the legend names it) and the wall's
        bar names the page: the place takes the title's place, and the map the controls' row."""
        self.title.hide()
        for widget in (self.chooser_label, self.chooser):
            widget.hide()
        for widget in (self.where, self.back_button):
            self._controls.removeWidget(widget)
        self._top.insertWidget(0, self.where)
        self._top.insertWidget(1, self.back_button)
        self.layout().removeItem(self._controls)
        self.zones_name_the_figure = False

    def set_scale(self, scale: float) -> None:
        self.headline.set_scale(scale)
        self.map.set_scale(scale)

    def back(self) -> bool:
        """Leave the drill-down; False when already at the city level."""
        if self.drilled is None:
            return False
        self._drill(None)
        return True

    def drill(self, county_adcode: str | None) -> None:
        self._drill(county_adcode)

    # -- internals --------------------------------------------------------
    def _figure(self) -> dict:
        payload = self.entry.payload if self.entry is not None else None
        for figure in (payload or {}).get("figures") or []:
            if figure.get("id") == self.figure_id:
                return figure
        return {"id": self.figure_id, "label": self.figure_id, "unit": ""}

    def _fill_chooser(self, figures: list[dict]) -> None:
        wanted = [(str(f.get("id")), str(f.get("label", f.get("id")))) for f in figures]
        present = [(self.chooser.itemData(i), self.chooser.itemText(i)) for i in range(self.chooser.count())]
        if wanted == present:
            return
        self.chooser.blockSignals(True)
        self.chooser.clear()
        for figure_id, label in wanted:
            self.chooser.addItem(label, figure_id)
        index = self.chooser.findData(self.figure_id)
        self.chooser.setCurrentIndex(max(0, index))
        self.chooser.blockSignals(False)
        if wanted and index < 0:
            self.figure_id = wanted[0][0]

    def _figure_chosen(self, index: int) -> None:
        figure_id = self.chooser.itemData(index)
        if figure_id:
            self.figure_id = figure_id
            self._recolour()
            payload = self.entry.payload if self.entry is not None else None
            if isinstance(payload, dict):
                self._show_zones(payload.get("zones") or [])

    def _recolour(self) -> None:
        self.colour(self.map, self.drilled)

    def colour(self, target: NantongMap, county: str | None = None) -> None:
        """Colour `target` by the chosen figure: the counties, or the towns of `county`."""
        payload = self.entry.payload if self.entry is not None else None
        if not isinstance(payload, dict):
            return
        level = "town" if county else "county"
        values = {str(region.get("adcode")): (region.get("figures") or {}).get(self.figure_id)
                  for region in payload.get("regions") or []
                  if region.get("level") == level and (county is None or region.get("parent") == county)}
        figure = self._figure()
        target.set_choropleth(values, label=str(figure.get("label", "")), unit=str(figure.get("unit", "")),
                              level=level)

    def _show_zones(self, zones: list[dict]) -> None:
        figure = self._figure()
        # One tile per code (a code sent twice is one zone); the row has room for a few, the contract
        # allows a hundred.
        zones = list({str(zone.get("code")): zone for zone in zones}.values())[:MAX_ZONES]
        if [str(zone.get("code")) for zone in zones] != list(self.zone_tiles):
            for tile in self.zone_tiles.values():
                tile.deleteLater()
            self.zone_tiles = {}
            for zone in zones:
                code = str(zone.get("code"))
                self.zone_tiles[code] = ZoneTile(str(zone.get("name", code)), self)
                self.zones_row.addWidget(self.zone_tiles[code], 1)
        for zone, tile in zip(zones, self.zone_tiles.values(), strict=True):
            value = (zone.get("figures") or {}).get(self.figure_id)
            shown = format_value(value, str(figure.get("unit", "")))
            tile.value.setText(f"{figure.get('label', '')} {shown}" if self.zones_name_the_figure else shown)

    def _show_points(self, payload: dict) -> None:
        # Only what the map reads (place and level): thousands of events, copied whole, cost a frame.
        events = [{"lon": event.get("lon"), "lat": event.get("lat"), "level": EVENT_LEVELS[state]}
                  for event in payload.get("events") or [] if (state := str(event.get("state"))) in EVENT_LEVELS]
        warnings = [{"lon": warning.get("lon"), "lat": warning.get("lat"), "level": warning.get("severity")}
                    for warning in payload.get("warnings") or []]
        for layer, items in (("events", events), ("warnings", warnings)):
            try:
                self.map.set_points(layer, items)
            except ValueError as exc:  # a bad point must not take the map down; say so instead
                log.warning("situation %s not drawn: %s", layer, exc)
                self.map.clear_points(layer)
        self.points_note.setText(f"点位：生效预警 {len(warnings)} 条 · 升级/超期事件 {len(events)} 件"
                                 f"（共 {len(payload.get('events') or [])} 件在办）")

    def _region_clicked(self, adcode: str) -> None:
        if self.drilled is None and len(adcode) == 6:
            self._drill(adcode)

    def _drill(self, adcode: str | None) -> None:
        self.map.drill(adcode)  # the map answers with drill_changed

    def _drill_changed(self, adcode: object) -> None:
        self.drilled = str(adcode) if adcode else None
        county = geo.county_by_adcode().get(self.drilled or "")  # known before any data arrives
        self.where.setText(f"{county.name if county else adcode} · 各镇（街道）" if self.drilled
                           else "南通市 · 各县（市、区）")
        self.back_button.setVisible(self.drilled is not None)
        self._recolour()

