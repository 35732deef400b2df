"""The panel catalogue: panels are data (resources/panels.json), validated at start-up.

The catalogue is the client's one home for panels: their domains and colours, their charts, what
an overview tile shows, which block colours the map and where each tile sits. A panel without a
`layout` is packed into the first free cell, row by row, and the grid grows to hold it.

A broken catalogue stops start-up with a `CatalogueError` naming the panel and
what is wrong, rather than a blank tile or a traceback later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from cockpit.core.client import KNOWN_ENDPOINTS, ApiError, is_known_endpoint
from kernel.paths import resource

SCHEMA_VERSION = 1
REFRESH_RANGE_S = (1.0, 3600.0)
_PANEL_ID = re.compile(r"[a-z][a-z0-9_]*")
_PANEL_KEYS = {"id", "domain", "title", "endpoint", "refresh_s", "charts", "tile_charts", "layout", "map_layer",
               "map_colour"}
_CHART_KEYS = {"kind", "block", "tile_items"}
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_DOMAIN_COLOUR = "#39d0ff"
MAP_COLOUR_LEVELS = ("county", "town")


class CatalogueError(ValueError):
    pass


@dataclass(frozen=True)
class Layout:
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1

    def cells(self) -> set[tuple[int, int]]:
        return {(r, c) for r in range(self.row, self.row + self.rowspan)
                for c in range(self.col, self.col + self.colspan)}


@dataclass(frozen=True)
class ChartSpec:
    kind: str
    block: str
    tile_items: int | None = None  # an overview tile shows at most this many of the block's items


@dataclass(frozen=True)
class MapColour:
    """The ranking block whose values colour the map while the panel is full-size."""

    block: str
    level: str  # "county" or "town": the regions its items' adcodes name


@dataclass(frozen=True)
class PanelSpec:
    id: str
    domain: str
    title: str
    endpoint: str
    refresh_s: float
    charts: tuple[ChartSpec, ...]
    tile_charts: int  # how many of `charts` the overview tile shows; full-size shows all
    layout: Layout | None  # None until packed: the loaded catalogue places every panel
    map_layer: str | None  # the points block drawn on the map when the panel is full-size
    map_colour: MapColour | None = None
    domain_colour: str = DEFAULT_DOMAIN_COLOUR


@dataclass(frozen=True)
class MapSpec:
    layout: Layout
    endpoint: str
    refresh_s: float


@dataclass(frozen=True)
class Catalogue:
    schema_version: int
    domains: tuple[str, ...]
    domain_colours: dict[str, str]
    rows: int
    columns: int
    map: MapSpec
    panels: tuple[PanelSpec, ...]

    def panel(self, panel_id: str) -> PanelSpec:
        for panel in self.panels:
            if panel.id == panel_id:
                return panel
        raise KeyError(f"no panel {panel_id!r} in the catalogue")

    def domain_colour(self, domain: str) -> str:
        return self.domain_colours.get(domain, DEFAULT_DOMAIN_COLOUR)

    def by_domain(self, domain: str) -> tuple[PanelSpec, ...]:
        return tuple(panel for panel in self.panels if panel.domain == domain)

    def check_answer(self, endpoint: str, payload: Any, block_types: Mapping[str, str] | None = None) -> None:
        """Raise ApiError when a panel answer lacks a block that a panel of this catalogue shows, or
        holds it as another type (`block_types`: chart kind -> the block type it reads). It is refused
        like a broken answer, so the last good picture stays rather than charts that cannot draw."""
        blocks = payload.get("blocks") if isinstance(payload, dict) else None
        if not isinstance(blocks, dict):
            return
        for panel in self.panels:
            if panel.endpoint != endpoint:
                continue
            needed = [(chart.block, (block_types or {}).get(chart.kind)) for chart in panel.charts]
            needed += [(panel.map_layer, "points")] if panel.map_layer else []
            for name, wanted in needed:
                block = blocks.get(name)
                if not isinstance(block, dict):
                    problem = f"缺少数据块 “{name}”"
                elif wanted and block.get("type") != wanted:
                    problem = f"数据块 “{name}” 的类型为 {str(block.get('type'))[:40]}，应为 {wanted}"
                else:
                    continue
                raise ApiError("bad_payload", f"中央接口 {endpoint} 数据格式错误：{problem}（专题 “{panel.title}” 需要它）")

    def endpoints(self) -> dict[str, float]:
        """Each distinct endpoint with the shortest refresh among its users (one poll serves them all)."""
        found = {self.map.endpoint: self.map.refresh_s}
        for panel in self.panels:
            found[panel.endpoint] = min(panel.refresh_s, found.get(panel.endpoint, panel.refresh_s))
        return found


def load_catalogue(path: Path | None = None, *, chart_kinds: Collection[str]) -> Catalogue:
    """Read and validate the catalogue; raise CatalogueError with a message a person can act on."""
    path = Path(path) if path is not None else resource("panels.json")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read the panel catalogue: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{path}: not valid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    try:
        return _parse(data, frozenset(chart_kinds))
    except CatalogueError as exc:
        raise CatalogueError(f"{path}: {exc}") from None


def _parse(data: Any, chart_kinds: frozenset[str]) -> Catalogue:
    top = _Where("catalogue")
    top.require(isinstance(data, dict), "must be a JSON object")
    version = data.get("schema_version")
    top.require(version == SCHEMA_VERSION,
                f"schema_version {version!r} is not supported (this cockpit reads {SCHEMA_VERSION})")
    colours = _domains(top, data.get("domains"))
    domains = list(colours)
    overview = top.field(data, "overview", dict)
    rows = _Where("overview").positive_int(overview, "rows")
    columns = _Where("overview").positive_int(overview, "columns")
    map_where = _Where("the map")
    map_data = map_where.field(overview, "map", dict)
    map_spec = MapSpec(_layout(map_where, map_data, rows, columns), _endpoint(map_where, map_data),
                       _refresh(map_where, map_data))
    panels_data = top.field(data, "panels", list)
    top.require(panels_data, "'panels' is empty")

    taken = {cell: "the map" for cell in map_spec.layout.cells()}
    panels: list[PanelSpec] = []
    for index, item in enumerate(panels_data):
        panel = _panel(index, item, domains, rows, columns, chart_kinds)
        where = _Where(f"panel {panel.id!r}")
        where.require(panel.id not in {p.id for p in panels}, "duplicate panel id")
        for cell in sorted(panel.layout.cells() if panel.layout else ()):
            where.require(cell not in taken, f"layout overlaps {taken.get(cell)} at row {cell[0]}, column {cell[1]}")
            taken[cell] = f"panel {panel.id!r}"
        panels.append(panel)
    packed = [replace(p, layout=p.layout or _first_free(taken, columns, p.id), domain_colour=colours[p.domain])
              for p in panels]
    rows = max(rows, *(p.layout.row + p.layout.rowspan for p in packed))
    return Catalogue(version, tuple(domains), colours, rows, columns, map_spec, tuple(packed))


def _domains(where: _Where, items: Any) -> dict[str, str]:
    """Domain name -> colour; a domain is a name, or {"name", "colour"}."""
    where.require(isinstance(items, list) and items, "'domains' must be a non-empty list")
    found: dict[str, str] = {}
    for item in items:
        name, colour = (item, DEFAULT_DOMAIN_COLOUR) if isinstance(item, str) else (
            (item.get("name"), item.get("colour", DEFAULT_DOMAIN_COLOUR)) if isinstance(item, dict) else (None, None))
        where.require(isinstance(name, str) and name, f"a domain is a name or {{\"name\", \"colour\"}}, got {item!r}")
        where.require(isinstance(colour, str) and _COLOUR.fullmatch(colour),
                      f"domain {name!r}: 'colour' must be #rrggbb, got {colour!r}")
        where.require(name not in found, f"'domains' lists {name!r} twice")
        found[name] = colour
    return found


def _first_free(taken: dict[tuple[int, int], str], columns: int, panel_id: str) -> Layout:
    """The first free cell, row by row (the grid grows downwards as far as it needs)."""
    cell = next((row, col) for row in range(len(taken) + 1) for col in range(columns) if (row, col) not in taken)
    taken[cell] = f"panel {panel_id!r}"
    return Layout(*cell)


def _panel(index: int, item: Any, domains: list[str], rows: int, columns: int,
           chart_kinds: frozenset[str]) -> PanelSpec:
    where = _Where(f"panel #{index + 1}")
    where.require(isinstance(item, dict), "must be a JSON object")
    panel_id = item.get("id")
    where.require(isinstance(panel_id, str) and _PANEL_ID.fullmatch(panel_id),
                  f"'id' must be lower-case letters, digits and '_', got {panel_id!r}")
    where = _Where(f"panel {panel_id!r}")
    unknown = sorted(set(item) - _PANEL_KEYS)
    where.require(not unknown, f"unknown field(s) {', '.join(unknown)} (known: {', '.join(sorted(_PANEL_KEYS))})")
    domain = where.field(item, "domain", str)
    where.require(domain in domains, f"unknown domain {domain!r} (known: {', '.join(domains)})")
    title = where.field(item, "title", str)
    where.require(title.strip(), "'title' is empty")
    charts_data = where.field(item, "charts", list)
    where.require(charts_data, "'charts' is empty")
    charts = []
    for chart in charts_data:
        where.require(isinstance(chart, dict) and isinstance(chart.get("kind"), str)
                      and isinstance(chart.get("block"), str) and chart["block"],
                      f"each chart needs a 'kind' and a 'block', got {chart!r}")
        unknown = sorted(set(chart) - _CHART_KEYS)
        where.require(not unknown, f"chart {chart['block']!r}: unknown field(s) {', '.join(unknown)}")
        where.require(chart["kind"] in chart_kinds,
                      f"unknown chart kind {chart['kind']!r} (known: {', '.join(sorted(chart_kinds))})")
        tile_items = where.int_at_least(chart, "tile_items", 1) if "tile_items" in chart else None
        charts.append(ChartSpec(chart["kind"], chart["block"], tile_items))
    tile_charts = where.positive_int(item, "tile_charts")
    where.require(tile_charts <= len(charts), f"'tile_charts' is {tile_charts} but there are {len(charts)} charts")
    map_layer = item.get("map_layer")
    where.require(map_layer is None or (isinstance(map_layer, str) and map_layer),
                  f"'map_layer' must be a block name or null, got {map_layer!r}")
    layout = _layout(where, item["layout"], rows, columns) if item.get("layout") is not None else None
    return PanelSpec(panel_id, domain, title, _endpoint(where, item), _refresh(where, item), tuple(charts),
                     tile_charts, layout, map_layer, _map_colour(where, item.get("map_colour")))


def _map_colour(where: _Where, item: Any) -> MapColour | None:
    if item is None:
        return None
    where.require(isinstance(item, dict) and isinstance(item.get("block"), str) and item["block"]
                  and item.get("level") in MAP_COLOUR_LEVELS,
                  f"'map_colour' must be {{\"block\": a ranking block, \"level\": one of "
                  f"{', '.join(MAP_COLOUR_LEVELS)}}}, got {item!r}")
    return MapColour(item["block"], item["level"])


def _endpoint(where: _Where, item: dict) -> str:
    endpoint = where.field(item, "endpoint", str)
    where.require(is_known_endpoint(endpoint),
                  f"endpoint {endpoint!r} is not one the client knows (known: {', '.join(KNOWN_ENDPOINTS)})")
    return endpoint


def _refresh(where: _Where, item: dict) -> float:
    value = item.get("refresh_s")
    low, high = REFRESH_RANGE_S
    where.require(isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high,
                  f"'refresh_s' must be a number of seconds from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _layout(where: _Where, item: Any, rows: int, columns: int) -> Layout:
    where.require(isinstance(item, dict), "needs a 'layout' object with row, col, rowspan, colspan")
    row, col = where.int_at_least(item, "row", 0), where.int_at_least(item, "col", 0)
    rowspan = where.int_at_least(item, "rowspan", 1, default=1)
    colspan = where.int_at_least(item, "colspan", 1, default=1)
    where.require(row + rowspan <= rows and col + colspan <= columns,
                  f"layout (row {row}, col {col}, {rowspan}x{colspan}) lies outside the {rows}x{columns} grid")
    return Layout(row, col, rowspan, colspan)


@dataclass(frozen=True)
class _Where:
    """Names the part of the catalogue being checked, so every message says where the problem is."""

    name: str

    def require(self, condition: Any, problem: str) -> None:
        if not condition:
            raise CatalogueError(f"{self.name}: {problem}")

    def field(self, item: dict, key: str, kind: type) -> Any:
        value = item.get(key)
        words = {str: "text", list: "a list", dict: "an object"}[kind]
        self.require(isinstance(value, kind), f"'{key}' must be {words}, got {value!r}")
        return value

    def positive_int(self, item: dict, key: str) -> int:
        return self.int_at_least(item, key, 1)

    def int_at_least(self, item: dict, key: str, low: int, default: int | None = None) -> int:
        value = item.get(key, default)
        self.require(isinstance(value, int) and not isinstance(value, bool) and value >= low,
                     f"'{key}' must be a whole number of at least {low}, got {value!r}")
        return value
