"""What a place on the map means: the region under a pixel, and the tooltip that names it."""

from __future__ import annotations

from cockpit.core.formats import format_value
from cockpit.core.mapraster import CellSet
from kernel import geo


def region_of(cells: CellSet, code: int, drilled: str | None) -> str:
    """A cell's county in the city view, its town in a county's view."""
    if drilled is None:
        return cells.county_codes[cells.county_of[code]]
    return cells.town_codes[cells.town_of[code]]


def describe(cells: CellSet, code: int, level: str, values: dict, label: str, unit: str) -> str:
    """The cell's place at the choropleth's level, and that region's value."""
    region_codes, region_of_cell = cells.index_at(level)
    region = region_codes[region_of_cell[code]]
    value = values.get(region)
    names = {t.adcode: t.name for t in geo.towns()} | {c.adcode: c.name for c in geo.counties()}
    county, town = cells.county_codes[cells.county_of[code]], cells.town_codes[cells.town_of[code]]
    place = names[county] if level == "county" else f"{names[county]} {names[town]}"
    if level == "grid":
        place += f" 网格 {region[-4:]}"
    if not label:  # no figure colours the map: the place is all there is to say
        return place
    shown = format_value(value if isinstance(value, int | float) else None, unit)
    return f"{place}\n{label}：{shown}"
