"""The 16 thematic panels: each builder returns the blocks docs/api-contract.md lists for it."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from typing import Any

from central.sim import blocks as b
from central.sim import city, rates
from central.sim.bodies import View, attrs, county_names, rate, town_name, whole
from central.sim.world import CAMERAS_BY_COUNTY, TONGZHOU_SHARED_CAMERAS, town_index, towns
from cockpit.core import geo


def _top_towns(values: dict[str, float], limit: int = 15) -> list[dict[str, Any]]:
    return [{"name": town_name(code), "value": whole(round(value, 1)), "adcode": code}
            for code, value in sorted(values.items(), key=lambda kv: kv[1], reverse=True)[:limit]]


def _by_county(values: dict[str, float]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for code, value in values.items():
        if code in town_index():
            totals[town_index()[code].county] += value
    return totals


def _event_points(view: View, kind: str, level_of, limit: int = 300) -> list[dict[str, Any]]:
    return [b.point(r["id"], r["title"], r["lon"], r["lat"], level_of(r), adcode=r["town"])
            for r in view.open_events(kind, limit)]


# ------------------------------------------------------------------ 党建引领

def party_grid(view: View) -> dict[str, Any]:
    alloc = geo.grid_allocation()
    posts = view.entities("party_post")
    members = sum(attrs(p)["members"] for p in posts)
    county_grids = _by_county({code: float(n) for code, n in alloc.items()})
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


def party_volunteer(view: View) -> dict[str, Any]:
    hours = view.by_town("volunteer_hours", view.window_first)
    return {
        "kpis": b.kpis(b.kpi("volunteers", "注册党员志愿者", 186_420 + view.minute // 1440 % 1000, "人"),
                       b.kpi("activities_today", "今日志愿活动", int(view.total("volunteer")), "场"),
                       b.kpi("hours_30d", "近30日服务时长", round(sum(hours.values())), "小时"),
                       b.kpi("ongoing", "正在开展", len(view.open_events("volunteer", 1000)), "场")),
        "activities_30d": b.series("近30日志愿活动", "场", view.days_x(), {"志愿活动": view.daily("volunteer")}),
        "town_hours": b.ranking("镇街服务时长（近30日）", "小时", _top_towns(hours)),
        "activities": b.points("正在开展的志愿活动", _event_points(view, "volunteer", lambda r: "normal")),
    }


# ------------------------------------------------------------------ 经济发展

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


# ------------------------------------------------------------------ 社会治理

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
        "town_events": b.ranking("今日镇街事件", "件", _top_towns(view.by_town("grid_reported"))),
        "grid_events": b.points("在办网格事件", [
            b.point(r["id"], r["title"], r["lon"], r["lat"],
                    "orange" if r["escalated_at"] and r["escalated_at"] <= view.now_text else "blue", adcode=r["town"])
            for r in open_events]),
    }


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
            for p in _event_points(view, "dispute", lambda r: "orange" if r["time"] < old else "yellow")]),
    }


def group_rental(view: View) -> dict[str, Any]:
    found_total = view.cumulative("rentals")
    closed = view.cumulative("rentals_closed")
    by_county = _by_county(view.by_town("rentals", view.history_first))
    weights = {c: sum(t.weight for t in towns() if t.county == c) for c in county_names()}
    base = found_total - sum(by_county.values())
    suspects = view.open_events("rental", 500)
    return {
        "kpis": b.kpis(b.kpi("found", "累计发现群租风险", found_total, "处"),
                       b.kpi("closed", "已整治", closed, "处"),
                       b.kpi("open", "核查整治中", len(suspects), "处"),
                       b.kpi("month", "近30日新发现", int(view.total("rentals", view.window_first)), "处")),
        "county_rentals": b.ranking("各县（市、区）累计发现", "处", [
            {"name": county_names()[c], "value": round(base * weights[c] + by_county.get(c, 0)), "adcode": c}
            for c in county_names()]),
        "signal_sources": b.shares("预警信号来源（近30日）", "条", sorted(
            view.parts("rental_type", view.window_first).items(), key=lambda kv: -kv[1])),
        "suspected_rentals": b.points("疑似群租房", [
            b.point(r["id"], r["title"], r["lon"], r["lat"], "orange" if r["time"] < view.since(72) else "yellow",
                    adcode=r["town"]) for r in suspects]),
    }


# ------------------------------------------------------------------ 政务服务

def hotline_12345(view: View) -> dict[str, Any]:
    calls = view.total("calls", view.window_first)
    in_time = view.conn.execute("SELECT COUNT(*) FROM service_requests WHERE status = 'open' AND expected_datetime > ?",
                                (view.now_text,)).fetchone()[0]
    latest = view.conn.execute(
        "SELECT r.*, s.service_name FROM service_requests r JOIN open311_services s USING (service_code) "
        "ORDER BY r.requested_datetime DESC LIMIT 50").fetchall()
    open_rows = view.conn.execute(
        "SELECT service_request_id, description, lon, lat, town_adcode, expected_datetime FROM service_requests "
        "WHERE status = 'open' ORDER BY requested_datetime DESC LIMIT 400").fetchall()
    overdue = view.conn.execute("SELECT COUNT(*) FROM service_requests WHERE status = 'open' AND expected_datetime <= ?",
                                (view.now_text,)).fetchone()[0]
    peak = max(view.hourly("calls_peak_min"))
    return {
        "kpis": b.kpis(b.kpi("today", "今日受理", int(view.total("calls")), "件"),
                       b.kpi("closure", "办结率（近30日）",
                             rate(view.total("closed", view.window_first), calls - in_time, 0.0), "%"),
                       b.kpi("satisfaction", "满意率（近30日）", rate(view.total("satisfied", view.window_first),
                                                                  view.total("rated", view.window_first), 0.0), "%"),
                       b.kpi("overdue", "超期未办结", overdue, "件"),
                       b.kpi("peak_per_min", "近24小时每分钟峰值", peak, "件"),
                       b.kpi("knowledge", "知识库条目", city.KNOWLEDGE_BASE_ENTRIES, "条"),
                       b.kpi("merged", "归并热线", city.MERGED_HOTLINES, "条")),
        "calls_24h": b.series("近24小时来电受理", "件", view.hours_x(), {"受理": view.hourly("calls")}),
        "channels": b.shares("今日受理渠道", "件", [(c, view.parts("channel").get(c, 0)) for c in city.CHANNELS]),
        "latest_requests": b.table("最新受理", (("id", "工单号", None), ("time", "受理时间", None),
                                            ("service", "类别", None), ("town", "镇街", None),
                                            ("channel", "渠道", None), ("status", "状态", None)),
                                   [{"id": r["service_request_id"], "time": r["requested_datetime"],
                                     "service": r["service_name"], "town": town_name(r["town_adcode"]),
                                     "channel": r["channel"], "status": "已办结" if r["status"] == "closed" else "办理中"}
                                    for r in latest]),
        "open_requests": b.points("在办诉求", [
            b.point(r[0], r[1], r[2], r[3], "orange" if r[5] <= view.now_text else "blue", adcode=r[4])
            for r in open_rows]),
    }


_APP_SERVICES = (("社保查询", 0.16), ("公积金查询", 0.13), ("医保电子凭证", 0.12), ("不动产登记查询", 0.07),
                 ("交通违法处理", 0.08), ("水电气缴费", 0.11), ("预约挂号", 0.1), ("新生儿出生一件事", 0.02),
                 ("企业开办", 0.03), ("个税查询", 0.05), ("居住证办理", 0.04), ("12345随手拍", 0.09))


def baitong_app(view: View) -> dict[str, Any]:
    today = view.total("app_active")
    days_since = (view.minute - view.day_starts[0]) // 1440
    users = 2_270_000 + 160 * days_since
    return {
        "kpis": b.kpis(b.kpi("users", "注册用户", users, "人"),
                       b.kpi("online_services", "在线服务事项", 606, "项"),
                       b.kpi("departments", "接入部门", 26, "个"),
                       b.kpi("mobile_services", "掌上服务", 9_516, "项"),
                       b.kpi("active_today", "今日活跃", int(today), "人")),
        "active_users_30d": b.series("近30日活跃用户", "人", view.days_x(), {"活跃用户": view.daily("app_active")}),
        "top_services": b.ranking("今日热门服务", "次", [
            {"name": name, "value": int(today * share * 1.8)} for name, share in _APP_SERVICES], limit=10),
        "service_halls": b.points("政务服务中心", [
            b.point(r["id"], r["name"], r["lon"], r["lat"], "normal", adcode=r["town"])
            for r in view.entities("service_hall")]),
    }


def accountability(view: View) -> dict[str, Any]:
    now = view.now_text
    window = view.since(48)
    stages = view.conn.execute(
        "SELECT COUNT(*), SUM(s2 <= ?), SUM(s3 <= ?), SUM(s4 <= ?), SUM(s5 <= ?), SUM(s6 <= ?) FROM sim_work_orders "
        "WHERE created > ? AND created <= ?", (now, now, now, now, now, window, now)).fetchone()
    overdue = view.conn.execute(
        "SELECT * FROM sim_work_orders WHERE s4 > ? AND due < ? AND +created <= ? ORDER BY due", (now, now, now)).fetchall()
    open_count = view.conn.execute("SELECT COUNT(*) FROM sim_work_orders WHERE s4 > ? AND +created <= ?",
                                   (now, now)).fetchone()[0]
    by_department = Counter(r["department"] for r in overdue)
    return {
        "kpis": b.kpis(b.kpi("orders_48h", "近48小时派单", stages[0] or 0, "件"),
                       b.kpi("in_progress", "在办工单", open_count, "件"),
                       b.kpi("overdue", "超期工单", len(overdue), "件"),
                       b.kpi("departments", "联动部门", len(city.DEPARTMENTS), "个")),
        "work_order_loop": b.funnel("近48小时工单闭环", "件",
                                    zip(city.WORK_ORDER_STAGES, [int(v or 0) for v in stages], strict=True)),
        "department_overdue": b.ranking("部门超期工单", "件",
                                        [{"name": d, "value": n} for d, n in by_department.items()], limit=15),
        "overdue_orders": b.table("超期工单", (("id", "工单号", None), ("title", "事项", None),
                                           ("department", "责任部门", None), ("town", "镇街", None),
                                           ("due", "办结时限", None)),
                                  [{"id": r["id"], "title": r["title"], "department": r["department"],
                                    "town": town_name(r["town"]), "due": r["due"]} for r in overdue]),
        "overdue_sites": b.points("超期工单位置", [
            b.point(r["id"], r["title"], r["lon"], r["lat"], "red" if r["due"] < view.since(72) else "orange",
                    adcode=r["town"]) for r in overdue[:500]]),
    }


# ------------------------------------------------------------------ 公共安全

def hazchem(view: View) -> dict[str, Any]:
    found, rectified = view.cumulative("hazchem"), view.cumulative("hazchem_rectified")
    open_risks = view.open_events("hazchem", 500)
    risky = Counter(r["entity"] for r in open_risks)
    firms = view.entities("hazchem_firm")
    return {
        "kpis": b.kpis(b.kpi("firms", "危化品企业", len(firms), "家"),
                       b.kpi("major_hazards", "重大危险源企业", sum(1 for f in firms if attrs(f)["major_hazard"]), "家"),
                       b.kpi("found", "累计发现风险", found, "处"),
                       b.kpi("rectified", "已整改", rectified, "处"),
                       b.kpi("open", "整改中", len(open_risks), "处")),
        "risk_types": b.shares("风险类型（近30日）", "处", sorted(
            view.parts("hazchem_type", view.window_first).items(), key=lambda kv: -kv[1])),
        "rectification": b.gauge("风险整改率", rate(rectified, found, 1.0), 0.0, 1.0, "%", target=0.95),
        "hazchem_firms": b.points("危化品企业", [
            b.point(f["id"], f["name"], f["lon"], f["lat"],
                    "red" if risky[f["id"]] > 1 else "orange" if risky[f["id"]] else
                    "yellow" if attrs(f)["major_hazard"] else "normal", value=risky[f["id"]], adcode=f["town"])
            for f in firms]),
    }


def video_surveillance(view: View) -> dict[str, Any]:
    online = view.latest_hourly("camera_online")
    cameras = view.entities("camera")
    hour = view.minute // 60
    total = sum(CAMERAS_BY_COUNTY.values())

    def offline(camera_id: str) -> bool:  # which cameras are down this hour follows the hour's online rate
        return random.Random(f"{view.seed}-{camera_id}-{hour}").random() > online

    return {
        "kpis": b.kpis(b.kpi("cameras", "雪亮工程接入点位", total, "个"),
                       b.kpi("online", "在线", round(total * online), "个"),
                       b.kpi("tongzhou_shared", "通州区共享至区指挥中心", TONGZHOU_SHARED_CAMERAS, "路"),
                       b.kpi("ai_alerts", "今日视频智能识别告警",
                             int(view.total("grid_reported") * 0.12), "条")),
        "online_rate": b.gauge("点位在线率", online, 0.9, 1.0, "%", target=0.98),
        "county_cameras": b.ranking("各县（市、区）接入点位", "个", [
            {"name": county_names()[c], "value": n, "adcode": c} for c, n in CAMERAS_BY_COUNTY.items()]),
        "cameras": b.points("重点点位", [
            b.point(c["id"], c["name"], c["lon"], c["lat"], "yellow" if offline(c["id"]) else "normal", adcode=c["town"])
            for c in cameras]),
    }


def flood_control(view: View) -> dict[str, Any]:
    rain = view.hourly("rain_mm")
    river = view.latest_hourly("river_m")
    stations = view.entities("water_station")
    warn = rates.WARNING_RIVER_M

    def level(station) -> tuple[str, float]:
        a = attrs(station)
        if a["kind"] == "雨量站":
            value = round(sum(rain) * random.Random(f"{view.seed}-{station['id']}").uniform(0.6, 1.4), 1)
            return ("orange" if value >= 50 else "yellow" if value >= 25 else "normal"), value
        value = round(river + a["offset"], 2)
        return ("red" if value >= warn + 0.3 else "orange" if value >= warn else
                "yellow" if value >= warn - 0.3 else "normal"), value

    readings = [(s, *level(s)) for s in stations]
    return {
        "kpis": b.kpis(b.kpi("rain_24h", "近24小时平均降雨", round(sum(rain), 1), "毫米"),
                       b.kpi("rain_max_h", "最大小时雨强", max(rain), "毫米"),
                       b.kpi("river", "长江南通段潮位", river, "米"),
                       b.kpi("over_warning", "超警戒站点", sum(1 for _, lv, _ in readings if lv in ("red", "orange")), "个"),
                       b.kpi("teams", "应急抢险队伍", 126, "支")),
        "rainfall_24h": b.series("近24小时降雨", "毫米", view.hours_x(), {"全市平均": rain}),
        "river_level": b.gauge("长江南通段潮位", river, 0.0, 6.0, "米", target=warn),
        "water_stations": b.points("水雨情站点", [
            b.point(s["id"], s["name"], s["lon"], s["lat"], lv, value=value, adcode=s["town"])
            for s, lv, value in readings]),
    }


# ------------------------------------------------------------------ 城市运行

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


BUILDERS = {
    "party_grid": party_grid, "party_volunteer": party_volunteer, "economy": economy,
    "building_economy": building_economy, "enterprise_service": enterprise_service,
    "grid_management": grid_management, "dispute_resolution": dispute_resolution, "group_rental": group_rental,
    "hotline_12345": hotline_12345, "baitong_app": baitong_app, "accountability": accountability,
    "hazchem": hazchem, "video_surveillance": video_surveillance, "flood_control": flood_control,
    "yangtze_eco": yangtze_eco, "data_exchange": data_exchange,
}
