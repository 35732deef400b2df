"""党建引领: its panels' builders (each declares its id, title and blocks where it is written)."""

from __future__ import annotations

from typing import Any

from central.sim import blocks as b
from central.sim import city
from central.sim.bodies import View, attrs, county_names
from central.sim.panels.common import by_county, event_points, top_towns
from central.sim.panels.registry import panel
from kernel import geo

DOMAIN = "党建引领"


@panel(DOMAIN, "党建引领网格", kpis="kpis", county_grids="ranking", grid_kinds="shares", party_posts="points")
def party_grid(view: View) -> dict[str, Any]:
    alloc = geo.grid_allocation()
    posts = view.entities("party_post")
    members = sum(attrs(p)["members"] for p in posts)
    county_grids = by_county({code: float(n) for code, n in alloc.items()})
    today = view.by_town("grid_reported")
    return {
        "kpis": b.kpis(b.kpi("grids_comprehensive", "综合网格", sum(alloc.values()), "个"),
                       b.kpi("grids_special", "专属网格", geo.SPECIAL_GRIDS, "个"),
                       b.kpi("party_branches", "网格党组织", 3_126, "个"),
                       b.kpi("party_members", "在册党员", members, "人"),
                       b.kpi("grid_workers", "专职网格员", sum(alloc.values()) + geo.SPECIAL_GRIDS, "人")),
        "county_grids": b.ranking("各县（市、区）综合网格", "个",
                                  [{"name": county_names()[c], "value": int(v), "adcode": c} for c, v in county_grids.items()]),
        "grid_kinds": b.shares("网格类型", "个", [("综合网格", sum(alloc.values())), *city.SPECIAL_GRID_KINDS]),
        "party_posts": b.points("党群服务中心", [
            b.point(p["id"], p["name"], p["lon"], p["lat"], "normal", value=today.get(p["town"], 0), adcode=p["town"])
            for p in posts]),
    }


@panel(DOMAIN, "党员志愿服务", kpis="kpis", activities_30d="series", town_hours="ranking", activities="points")
def party_volunteer(view: View) -> dict[str, Any]:
    hours = view.by_town("volunteer_hours", view.window_first)
    return {
        "kpis": b.kpis(b.kpi("volunteers", "注册党员志愿者", 186_420 + view.minute // 1440 % 1000, "人"),
                       b.kpi("activities_today", "今日志愿活动", int(view.total("volunteer")), "场"),
                       b.kpi("hours_30d", "近30日服务时长", round(sum(hours.values())), "小时"),
                       b.kpi("ongoing", "正在开展", len(view.open_events("volunteer", 1000)), "场")),
        "activities_30d": b.series("近30日志愿活动", "场", view.days_x(), {"志愿活动": view.daily("volunteer")}),
        "town_hours": b.ranking("镇街服务时长（近30日）", "小时", top_towns(hours)),
        "activities": b.points("正在开展的志愿活动", event_points(view, "volunteer", lambda r: "normal")),
    }
