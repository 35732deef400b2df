"""Hostile answers a central API could give inside an HTTP 200, as mutations of a real answer (a panel
or the situation): the fault tests and the recovery benchmark feed them through the fault proxy."""

from __future__ import annotations

import json
from collections.abc import Callable


def _kpi(payload: dict, value: object) -> dict:
    payload["blocks"]["kpis"]["items"][0]["value"] = value
    return payload


def _region_figure(payload: dict, value: object) -> dict:
    payload["regions"][0]["figures"]["hotline_today"] = value
    return payload


def _nan_text(payload: dict) -> bytes:
    return json.dumps(_kpi(payload, float("nan")) if "blocks" in payload else _region_figure(payload, float("inf")),
                      ensure_ascii=False).encode()


# (name, mutation of a panel or the situation, what the refusal says: "panel's words|the situation's")
HOSTILE: dict[str, tuple[Callable[[str, dict], object], str]] = {
    "1e308": (lambda path, p: _kpi(p, 1e308) if "blocks" in p else _region_figure(p, -1e308), "数值超出约定范围"),
    "nan_and_infinity": (lambda path, p: _nan_text(p), "不是有效的 JSON"),
    "megabyte_strings": (lambda path, p: dict(p, title="x" * 1_000_000) if "blocks" in p
                         else dict(p, figures=[dict(p["figures"][0], label="x" * 1_000_000)]), "文本过长"),
    "string_for_number": (lambda path, p: _kpi(p, "1532") if "blocks" in p else _region_figure(p, "1532"),
                          "应为数值"),
    "null_block": (lambda path, p: dict(p, blocks=dict(p["blocks"], kpis=None)) if "blocks" in p
                   else dict(p, regions=None), "blocks.kpis：应为对象|regions：应为列表"),
    "wrong_block_type": (lambda path, p: dict(p, blocks=dict(p["blocks"], kpis={"type": "ranking", "items": []}))
                         if "blocks" in p else dict(p, zones=[dict(p["zones"][0], name="开发区\n" * 50)]),
                         "类型为 ranking，应为 kpis|含有换行"),
    "missing_keys": (lambda path, p: dict(p, blocks={k: v for k, v in p["blocks"].items() if k != "county_gdp"})
                     if "blocks" in p else {k: v for k, v in p.items() if k != "figures"}, "缺少"),
}
