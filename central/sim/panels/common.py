"""Helpers the panel builders share: rankings by town and county, and event points."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from central.sim import blocks as b
from central.sim.bodies import View, town_name, whole
from central.sim.world import town_index


def top_towns(values: dict[str, float], limit: int = 15) -> list[dict[str, Any]]:
    return [{"name": town_name(code), "value": whole(round(value, 1)), "adcode": code}
            for code, value in sorted(values.items(), key=lambda kv: kv[1], reverse=True)[:limit]]


def by_county(values: dict[str, float]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for code, value in values.items():
        if code in town_index():
            totals[town_index()[code].county] += value
    return totals


def event_points(view: View, kind: str, level_of, limit: int = 300) -> list[dict[str, Any]]:
    return [b.point(r["id"], r["title"], r["lon"], r["lat"], level_of(r), adcode=r["town"])
            for r in view.open_events(kind, limit)]
