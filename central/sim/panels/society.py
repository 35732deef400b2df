"""社会治理: its panels' builders (each declares its id, title and blocks where it is written)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from central.sim import blocks as b
from central.sim.bodies import View, county_names, rate
from central.sim.panels.common import by_county, event_points, top_towns
from central.sim.panels.registry import panel
from central.sim.world import towns
from kernel import geo

DOMAIN = "社会治理"


@panel(DOMAIN, "网格化服务管理", kpis="kpis", events_24h="series", town_events="ranking", grid_events="points")
def grid_management(view: View) -> dict[str, Any]:
    rows = view.conn.execute("SELECT time, escalated_at FROM sim_events WHERE kind = 'grid_event' AND time >= ? "
                             "AND time <= ?", (view.since(25), view.now_text)).fetchall()
    keys = [k[:13] for k in view.hours_x()]
    reported, escalated = Counter(r[0][:13] for r in rows), Counter(
        r[1][:13] for r in rows if r[1] and r[1] <= view.now_text)
    today = view.total("grid_reported")
    escalated_today = view.total("grid_escalated")
    open_events = view.open_events("grid_event", 500)
    return {
        "kpis": b.kpis(b.kpi("reported_today", "今日上报事件", int(today), "件"),
                       b.kpi("self_handled", "网格自治率", rate(today - escalated_today, today, 1.0), "%"),
                       b.kpi("escalated_today", "吹哨派单", int(escalated_today), "件"),
                       b.kpi("open", "在办事件", len(open_events), "件"),
                       b.kpi("grids", "综合网格", sum(geo.grid_allocation().values()), "个")),
        "events_24h": b.series("近24小时网格事件", "件", view.hours_x(), {
            "上报": [reported[k] for k in keys], "吹哨派单": [escalated[k] for k in keys]}),
        "town_events": b.ranking("今日镇街事件", "件", top_towns(view.by_town("grid_reported"))),
        "grid_events": b.points("在办网格事件", [
            b.point(r["id"], r["title"], r["lon"], r["lat"],
                    "orange" if r["escalated_at"] and r["escalated_at"] <= view.now_text else "blue", adcode=r["town"])
            for r in open_events]),
    }


@panel(DOMAIN, "矛盾纠纷化解", kpis="kpis", dispute_types="shares", disputes_30d="series", disputes="points")
def dispute_resolution(view: View) -> dict[str, Any]:
    total = view.total("disputes", view.window_first)
    open_disputes = view.open_events("dispute", 500)
    old = view.since(7 * 24)
    return {
        "kpis": b.kpis(b.kpi("today", "今日受理纠纷", int(view.total("disputes")), "件"),
                       b.kpi("month", "近30日受理", int(total), "件"),
                       b.kpi("resolved", "化解率", view.settled_rate("disputes_resolved", "disputes"), "%"),
                       b.kpi("open", "调处中", len(open_disputes), "件")),
        "dispute_types": b.shares("纠纷类型（近30日）", "件", sorted(
            view.parts("dispute_type", view.window_first).items(), key=lambda kv: -kv[1])),
        "disputes_30d": b.series("近30日矛盾纠纷", "件", view.days_x(), {
            "受理": view.daily("disputes"), "化解": view.daily("disputes_resolved")}),
        "disputes": b.points("调处中的纠纷", [
            b.point(p["id"], p["name"], p["lon"], p["lat"], p["level"], adcode=p["adcode"])
            for p in event_points(view, "dispute", lambda r: "orange" if r["time"] < old else "yellow")]),
    }


@panel(DOMAIN, "群租房治理",
       kpis="kpis", county_rentals="ranking", signal_sources="shares", suspected_rentals="points")
def group_rental(view: View) -> dict[str, Any]:
    found_total = view.cumulative("rentals")
    closed = view.cumulative("rentals_closed")
    per_county = by_county(view.by_town("rentals", view.history_first))
    weights = {c: sum(t.weight for t in towns() if t.county == c) for c in county_names()}
    base = found_total - sum(per_county.values())
    suspects = view.open_events("rental", 500)
    return {
        "kpis": b.kpis(b.kpi("found", "累计发现群租风险", found_total, "处"),
                       b.kpi("closed", "已整治", closed, "处"),
                       b.kpi("open", "核查整治中", len(suspects), "处"),
                       b.kpi("month", "近30日新发现", int(view.total("rentals", view.window_first)), "处")),
        "county_rentals": b.ranking("各县（市、区）累计发现", "处", [
            {"name": county_names()[c], "value": round(base * weights[c] + per_county.get(c, 0)), "adcode": c}
            for c in county_names()]),
        "signal_sources": b.shares("预警信号来源（近30日）", "条", sorted(
            view.parts("rental_type", view.window_first).items(), key=lambda kv: -kv[1])),
        "suspected_rentals": b.points("疑似群租房", [
            b.point(r["id"], r["title"], r["lon"], r["lat"], "orange" if r["time"] < view.since(72) else "yellow",
                    adcode=r["town"]) for r in suspects]),
    }
