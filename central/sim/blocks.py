"""The contract's block types (docs/api-contract.md), built with their exact fields."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from kernel import levels
from kernel.contract import MAX_TABLE_ROWS


def kpi(kpi_id: str, label: str, value: float | int, unit: str) -> dict[str, Any]:
    return {"id": kpi_id, "label": label, "value": value, "unit": unit}


def kpis(*items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "kpis", "items": list(items)}


def series(label: str, unit: str, x: Sequence[str], lines: dict[str, Sequence[float | None]]) -> dict[str, Any]:
    for name, values in lines.items():
        if len(values) != len(x):
            raise ValueError(f"series {label}: line {name} has {len(values)} values for {len(x)} times")
    return {"type": "series", "label": label, "unit": unit, "x": list(x),
            "lines": [{"name": name, "values": list(values)} for name, values in lines.items()]}


def ranking(label: str, unit: str, items: Iterable[dict[str, Any]], limit: int | None = None) -> dict[str, Any]:
    ordered = sorted(items, key=lambda item: item["value"], reverse=True)
    return {"type": "ranking", "label": label, "unit": unit, "items": ordered[:limit] if limit else ordered}


def shares(label: str, unit: str, items: Iterable[tuple[str, float]]) -> dict[str, Any]:
    return {"type": "shares", "label": label, "unit": unit,
            "items": [{"name": name, "value": value} for name, value in items]}


def gauge(label: str, value: float, low: float, high: float, unit: str, target: float | None = None) -> dict[str, Any]:
    block = {"type": "gauge", "label": label, "value": value, "min": low, "max": high, "unit": unit}
    if target is not None:
        block["target"] = target
    return block


def funnel(label: str, unit: str, stages: Iterable[tuple[str, float]]) -> dict[str, Any]:
    return {"type": "funnel", "label": label, "unit": unit,
            "stages": [{"name": name, "value": value} for name, value in stages]}


def table(label: str, columns: Sequence[tuple[str, str, str | None]], rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "table", "label": label,
            "columns": [{"id": cid, "label": clabel, **({"unit": unit} if unit else {})} for cid, clabel, unit in columns],
            "rows": list(rows)[:MAX_TABLE_ROWS]}


def point(point_id: str, name: str, lon: float, lat: float, level: str, value: float | None = None,
          adcode: str | None = None) -> dict[str, Any]:
    assert level in levels.POINT_CODES, level
    item: dict[str, Any] = {"id": point_id, "name": name, "lon": lon, "lat": lat, "level": level}
    if value is not None:
        item["value"] = value
    if adcode is not None:
        item["adcode"] = adcode
    return item


def points(label: str, items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "points", "label": label, "items": list(items)}
