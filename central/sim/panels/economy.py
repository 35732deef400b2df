"""经济发展: its panels' builders (each declares its id, title and blocks where it is written)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from central.sim import blocks as b
from central.sim.bodies import View, attrs, county_names, town_name
from central.sim.panels.registry import panel

DOMAIN = "经济发展"


# Quarterly GDP (亿元): 2023 and 2024 sum to Nantong's reported 11,813 and 12,422; later years grow 5.5 %.
_GDP_2023 = (2_608, 2_924, 2_858, 3_423)
_GDP_2024 = (2_745, 3_080, 3_010, 3_587)
_COUNTY_GDP = {"320613": 2_486, "320612": 1_702, "320614": 1_748, "320685": 1_538, "320682": 1_626,
               "320623": 1_371, "320681": 1_595}


def gdp(year: int, quarter: int) -> int:
    if year <= 2023:
        return round(_GDP_2023[quarter] / 1.055 ** (2023 - year))
    if year == 2024:
        return _GDP_2024[quarter]
    return round(gdp(year - 1, quarter) * 1.055)


def published_quarters(today: str, count: int = 11) -> list[tuple[int, int]]:
    """The last `count` quarters (year, 0-3) whose figures are out: each is published once it has ended."""
    index = int(today[:4]) * 4 + (int(today[5:7]) - 1) // 3 - 1
    return [divmod(i, 4) for i in range(index - count + 1, index + 1)]


@panel(DOMAIN, "经济运行", kpis="kpis", gdp_quarterly="series", county_gdp="ranking", key_projects="points")
def economy(view: View) -> dict[str, Any]:
    quarters = published_quarters(view.today)
    projects = view.entities("project")
    latest = quarters[-1][0]
    ytd = sum(gdp(y, q) for y, q in quarters if y == latest)
    last_ytd = sum(gdp(y - 1, q) for y, q in quarters if y == latest)
    return {
        "kpis": b.kpis(b.kpi("gdp_ytd", f"{latest}年地区生产总值（累计）", ytd, "亿元"),
                       b.kpi("gdp_growth", "同比增长", round(ytd / last_ytd - 1, 4), "%"),
                       b.kpi("industry_growth", "规上工业增加值增长", 0.071, "%"),
                       b.kpi("key_projects", "在建重点项目", len(projects), "个")),
        "gdp_quarterly": b.series("地区生产总值（季度）", "亿元",
                                  [f"{y}-{3 * q + 1:02d}-01T00:00:00+08:00" for y, q in quarters], {
                                      "当季": [gdp(y, q) for y, q in quarters],
                                      "上年同季": [gdp(y - 1, q) for y, q in quarters]}),
        "county_gdp": b.ranking("各县（市、区）地区生产总值（上年）", "亿元",
                                [{"name": county_names()[c], "value": v, "adcode": c} for c, v in _COUNTY_GDP.items()]),
        "key_projects": b.points("重点项目", [
            b.point(p["id"], p["name"], p["lon"], p["lat"], "orange" if attrs(p)["lag"] else "normal",
                    value=attrs(p)["invest"], adcode=p["town"]) for p in projects]),
    }


@panel(DOMAIN, "楼宇经济", kpis="kpis", buildings_by_tax="ranking", buildings="table", building_sites="points")
def building_economy(view: View) -> dict[str, Any]:
    buildings = sorted(view.entities("building"), key=lambda r: attrs(r)["tax"], reverse=True)
    data = [(r, attrs(r)) for r in buildings]
    return {
        "kpis": b.kpis(b.kpi("buildings", "重点楼宇", len(buildings), "栋"),
                       b.kpi("billion_buildings", "亿元楼", sum(1 for _, a in data if a["tax"] >= 1), "栋"),
                       b.kpi("firms", "入驻企业", sum(a["firms"] for _, a in data), "家"),
                       b.kpi("occupancy", "平均入驻率", round(sum(a["occupancy"] for _, a in data) / len(data), 4), "%")),
        "buildings_by_tax": b.ranking("楼宇税收（上年）", "亿元", [
            {"name": r["name"], "value": a["tax"], "adcode": r["town"]} for r, a in data], limit=15),
        "buildings": b.table("重点楼宇", (("name", "楼宇", None), ("town", "镇街", None), ("tax", "税收", "亿元"),
                                       ("firms", "入驻企业", "家"), ("occupancy", "入驻率", "%")),
                             [{"name": r["name"], "town": town_name(r["town"]), "tax": a["tax"], "firms": a["firms"],
                               "occupancy": a["occupancy"]} for r, a in data]),
        "building_sites": b.points("重点楼宇", [
            b.point(r["id"], r["name"], r["lon"], r["lat"], "yellow" if a["occupancy"] < 0.7 else "normal",
                    value=a["tax"], adcode=r["town"]) for r, a in data]),
    }


@panel(DOMAIN, "企业服务\"一企来\"",
       kpis="kpis", request_types="shares", requests_30d="series", enterprises="points")
def enterprise_service(view: View) -> dict[str, Any]:
    open_requests = view.open_events("enterprise", 1000)
    by_firm = Counter(r["entity"] for r in open_requests)
    overdue = {r["entity"] for r in open_requests if r["time"] < view.since(72)}
    total = view.total("enterprise", view.window_first)
    return {
        "kpis": b.kpis(b.kpi("enterprises", "服务企业", len(view.entities("enterprise")), "家"),
                       b.kpi("requests_today", "今日诉求", int(view.total("enterprise")), "件"),
                       b.kpi("requests_30d", "近30日诉求", int(total), "件"),
                       b.kpi("closure", "办结率", view.settled_rate("enterprise_closed", "enterprise"), "%"),
                       b.kpi("open", "在办诉求", len(open_requests), "件")),
        "request_types": b.shares("诉求类型（近30日）", "件", sorted(
            view.parts("enterprise_type", view.window_first).items(), key=lambda kv: -kv[1])),
        "requests_30d": b.series("近30日企业诉求", "件", view.days_x(), {
            "受理": view.daily("enterprise"), "办结": view.daily("enterprise_closed")}),
        "enterprises": b.points("重点企业", [
            b.point(r["id"], r["name"], r["lon"], r["lat"],
                    "orange" if r["id"] in overdue else "yellow" if by_firm[r["id"]] else "normal",
                    value=by_firm[r["id"]], adcode=r["town"]) for r in view.entities("enterprise")]),
    }
