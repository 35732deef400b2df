"""The pages the cockpit shows, built the same way on a desk and on a wall screen: the overview (the
situation map amid the catalogue's panels), one domain, a set of panels, one panel full size."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QWidget

from cockpit.core.catalogue import Catalogue
from cockpit.views.map import NantongMap
from cockpit.views.panel_view import PanelView
from cockpit.views.situation_view import SituationView


def overview_page(catalogue: Catalogue) -> tuple[QWidget, dict[str, PanelView], SituationView]:
    page = QWidget()
    grid = QGridLayout(page)
    grid.setContentsMargins(10, 10, 10, 10)
    grid.setSpacing(10)
    tiles: dict[str, PanelView] = {}
    for spec in catalogue.panels:
        view = PanelView(spec, "tile", parent=page)
        layout = spec.layout
        grid.addWidget(view, layout.row, layout.col, layout.rowspan, layout.colspan)
        tiles[spec.id] = view
    situation = SituationView(NantongMap(page), page)
    spot = catalogue.map.layout
    grid.addWidget(situation, spot.row, spot.col, spot.rowspan, spot.colspan)
    for row in range(catalogue.rows):
        grid.setRowStretch(row, 1)
    for column in range(catalogue.columns):
        grid.setColumnStretch(column, 1)
    return page, tiles, situation


def situation_page() -> tuple[QWidget, SituationView]:
    page = QWidget()
    row = QHBoxLayout(page)
    row.setContentsMargins(10, 10, 10, 10)
    situation = SituationView(NantongMap(page), page)
    row.addWidget(situation)
    return page, situation


def panels_page(catalogue: Catalogue, panel_ids: tuple[str, ...] | list[str], mode: str = "domain") -> QWidget:
    """Panels side by side: on a desk each shows every item; on a wall, where type is sized for the far
    end of the hall, each shows what its tile shows."""
    page = QWidget()
    row = QHBoxLayout(page)
    row.setContentsMargins(10, 10, 10, 10)
    row.setSpacing(10)
    for panel_id in panel_ids:
        row.addWidget(PanelView(catalogue.panel(panel_id), mode, parent=page), 1)
    return page


def domain_page(catalogue: Catalogue, domain: str, mode: str = "domain") -> QWidget:
    if domain not in catalogue.domains:
        raise KeyError(f"no domain {domain!r} in the catalogue")
    return panels_page(catalogue, [spec.id for spec in catalogue.by_domain(domain)], mode)


def panel_page(catalogue: Catalogue, panel_id: str, situation: SituationView | None = None) -> QWidget:
    """One panel full size, with its own map layer beside it when it has one (coloured like the
    situation map until the panel's own regional figures arrive)."""
    spec = catalogue.panel(panel_id)
    page = QWidget()
    row = QHBoxLayout(page)
    row.setContentsMargins(10, 10, 10, 10)
    map_widget = None
    if spec.map_layer or spec.map_colour:
        map_widget = NantongMap()
        if situation is not None:
            situation.colour(map_widget)
    row.addWidget(PanelView(spec, "full", map_widget=map_widget, parent=page))
    return page
