"""政务服务: its panels' builders (each declares its id, title and blocks where it is written)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from central.sim import blocks as b
from central.sim import city
from central.sim.bodies import View, rate, town_name
from central.sim.panels.registry import panel

DOMAIN = "政务服务"


@panel(DOMAIN, "12345政务热线",
       kpis="kpis", calls_24h="series", channels="shares", latest_requests="table", open_requests="points")
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
            b.point(r[0], _label(r[1]), r[2], r[3], "orange" if r[5] <= view.now_text else "blue", adcode=r[4])
            for r in open_rows]),
    }


def _label(description: str | None) -> str:
    """A request's description as a point's name: one line of at most 200 characters (a request taken
    over Open311 may hold 4,000, line breaks among them)."""
    text = " ".join((description or "").split())
    return text if len(text) <= 200 else text[:199] + "…"


_APP_SERVICES = (("社保查询", 0.16), ("公积金查询", 0.13), ("医保电子凭证", 0.12), ("不动产登记查询", 0.07),
                 ("交通违法处理", 0.08), ("水电气缴费", 0.11), ("预约挂号", 0.1), ("新生儿出生一件事", 0.02),
                 ("企业开办", 0.03), ("个税查询", 0.05), ("居住证办理", 0.04), ("12345随手拍", 0.09))


@panel(DOMAIN, "南通百通App",
       kpis="kpis", active_users_30d="series", top_services="ranking", service_halls="points")
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


@panel(DOMAIN, "行政问效",
       kpis="kpis", work_order_loop="funnel", department_overdue="ranking", overdue_orders="table", overdue_sites="points")
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
