"""城市运行: its panels' builders (each declares its id, title and blocks where it is written)."""

from __future__ import annotations

import random
from typing import Any

from central.sim import blocks as b
from central.sim import city
from central.sim.bodies import View, attrs
from central.sim.panels.registry import panel

DOMAIN = "城市运行"


@panel(DOMAIN, "长江生态眼", kpis="kpis", water_quality_30d="series", shoreline="gauge", monitoring_sites="points")
def yangtze_eco(view: View) -> dict[str, Any]:
    names = ("溶解氧", "高锰酸盐指数", "氨氮")
    lines = {name: view.daily(f"wq:{name}") for name in names}
    latest = {name: next((v for v in reversed(values) if v), 0.0) for name, values in lines.items()}
    return {
        "kpis": b.kpis(b.kpi("belt", "沿江生态带", 22, "平方公里"),
                       b.kpi("firms_removed", "关停取缔污染企业", 203, "家"),
                       b.kpi("shoreline", "腾退生产岸线", 5.5, "公里"),
                       b.kpi("forest", "新增造林", 6, "平方公里"),
                       b.kpi("dissolved_oxygen", "长江断面溶解氧", latest["溶解氧"], "mg/L")),
        "water_quality_30d": b.series("近30日长江南通段水质", "mg/L", view.days_x(), lines),
        "shoreline": b.gauge("腾退生产岸线", 5.5, 0.0, 6.0, "公里", target=5.5),
        "monitoring_sites": b.points("生态监测点", [
            b.point(s["id"], s["name"], s["lon"], s["lat"],
                    "yellow" if attrs(s)["kind"] == "排口监测" and latest["氨氮"] > 0.25 else "normal", adcode=s["town"])
            for s in view.entities("monitoring_site")]),
    }


def _department_shares(seed: int) -> list[tuple[str, float]]:
    rng = random.Random(f"exchange-{seed}")
    raw = [(d, rng.lognormvariate(0.0, 0.9)) for d in city.DEPARTMENTS]
    total = sum(w for _, w in raw)
    return [(d, w / total) for d, w in raw]


@panel(DOMAIN, "数据共享交换", kpis="kpis", exchange_24h="series", department_exchange="ranking")
def data_exchange(view: View) -> dict[str, Any]:
    today = view.total("exchange")
    stored = view.cumulative("exchange")
    return {
        "kpis": b.kpis(b.kpi("departments", "接入市级部门", len(city.DEPARTMENTS), "个"),
                       b.kpi("counties", "接入县级平台", 10, "个"),
                       b.kpi("resources", "数据资源", 5_126, "项"),
                       b.kpi("stored", "累计归集数据", round(stored / 1e8, 1), "亿条"),
                       b.kpi("today", "今日交换", round(today / 1e4), "万条")),
        "exchange_24h": b.series("近24小时数据交换", "万条", view.hours_x(), {
            "交换量": [round(v / 1e4, 1) for v in view.hourly("exchange")]}),
        "department_exchange": b.ranking("今日部门数据交换", "万条", [
            {"name": d, "value": round(today * share / 1e4, 1)} for d, share in _department_shares(view.seed)], limit=15),
    }
