"""公共安全: its panels' builders (each declares its id, title and blocks where it is written)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from central.sim import blocks as b
from central.sim import rates
from central.sim.bodies import View, attrs, county_names, rate
from central.sim.panels.registry import panel
from central.sim.world import CAMERAS_BY_COUNTY, TONGZHOU_SHARED_CAMERAS

DOMAIN = "公共安全"


@panel(DOMAIN, "危化品全流程监管", kpis="kpis", risk_types="shares", rectification="gauge", hazchem_firms="points")
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


@panel(DOMAIN, "雪亮工程视频监控", kpis="kpis", online_rate="gauge", county_cameras="ranking", cameras="points")
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


@panel(DOMAIN, "防汛防台应急", kpis="kpis", rainfall_24h="series", river_level="gauge", water_stations="points")
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
