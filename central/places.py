"""Names and representative points of the city's administrative codes (for warnings' areas)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from kernel import geo


@dataclass(frozen=True)
class Place:
    adcode: str
    name: str  # as shown on a warning: county towns carry their county's name
    lon: float
    lat: float


@cache
def places() -> dict[str, Place]:
    def point(geometry) -> tuple[float, float]:
        p = geometry.representative_point()
        return round(p.x, 6), round(p.y, 6)

    found = {geo.CITY["adcode"]: Place(geo.CITY["adcode"], geo.CITY["name"], *point(geo.city_outline()))}
    counties = geo.county_by_adcode()
    for county in counties.values():
        found[county.adcode] = Place(county.adcode, county.name, *point(county.geometry))
    for town in geo.towns():
        found[town.adcode] = Place(town.adcode, counties[town.county_adcode].name + town.name, town.lon, town.lat)
    for zone in geo.FUNCTIONAL_ZONES:
        host = found[zone["host_county"]]
        found[zone["code"]] = Place(zone["code"], zone["name"], host.lon, host.lat)
    return found


def place(adcode: str | None) -> Place | None:
    return places().get(adcode) if adcode else None
