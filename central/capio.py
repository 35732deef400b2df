"""CAP 1.2 in and out of the warnings feed (the parsing and writing live in kernel.cap)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from shapely.geometry import Polygon

from central import warning_feed
from central.places import place
from kernel import levels
from kernel.cap import CapAlert, CapArea, CapInfo, CapReference, build_cap
from kernel.clock import city_text

# How our own messages carry what CAP has no element for (read back on ingestion).
ITEM_CODE = "nantong:item"
ITEM_NAME = "nantong:item_name"
DOMAIN = "nantong:domain"
ADCODE_NAMES = ("adcode", "gb/t 2260", "gb2260")  # geocode valueNames taken as a Chinese adcode
DOMAIN_BY_CATEGORY = {"Security": "社会治理", "Infra": "城市运行", "Transport": "城市运行", "Env": "城市运行"}
INGESTED = ("Actual", "Exercise")


class IngestError(ValueError):
    """A well-formed CAP message the cockpit cannot show; the text says why."""


def ingest(conn: sqlite3.Connection, alert: CapAlert, *, now: datetime) -> tuple[dict[str, Any], bool]:
    """Add an external CAP message to the feed: (the warning, True) or (the existing one, False)."""
    if alert.status not in INGESTED:
        raise IngestError(f"only Actual and Exercise messages are shown on the cockpit; this one is "
                          f"{alert.status}")
    if alert.msg_type not in ("Alert", "Update", "Cancel"):
        raise IngestError(f"a CAP {alert.msg_type} message is not a warning; send Alert, Update or Cancel")
    refs = [{"sender": r.sender, "identifier": r.identifier, "sent": r.sent} for r in alert.references]
    with warning_feed.transaction(conn):
        existing = conn.execute("SELECT seq FROM warnings WHERE identifier = ? AND sender = ? AND sent = ?",
                                (alert.identifier, alert.sender, city_text(alert.sent))).fetchone()
        if existing is not None:
            return warning_feed.get_warning(conn, existing["seq"], now=now), False  # type: ignore[return-value]
        referenced = [row for ref in refs if (row := warning_feed.find_message(conn, **ref)) is not None]
        fields = _fields(alert, referenced)
        seq = warning_feed.insert_warning(conn, fields)
        warning_feed.apply_references(conn, alert.msg_type, refs)
    warning_feed.BELL.ring()
    return warning_feed.get_warning(conn, seq, now=now), True  # type: ignore[return-value]


def _fields(alert: CapAlert, referenced: list[sqlite3.Row]) -> dict[str, Any]:
    info = alert.info_for()
    base: dict[str, Any]
    if info is not None:
        base = _from_info(info)
    elif alert.msg_type != "Alert" and referenced:
        # A bare Update/Cancel (CAP allows it) is shown with the details of what it replaces.
        base = {key: referenced[0][key] for key in (
            "severity", "cap_severity", "urgency", "certainty", "language", "category", "event", "headline",
            "description", "instruction", "item_code", "item_name", "domain", "expires", "area_name",
            "adcode", "lon", "lat")}
        base["polygon"] = json.loads(referenced[0]["polygon"]) if referenced[0]["polygon"] else None
        base["circle"] = json.loads(referenced[0]["circle"]) if referenced[0]["circle"] else None
    elif alert.msg_type == "Alert":
        raise IngestError("the alert has no <info> block, so there is nothing to show")
    else:
        raise IngestError(f"the {alert.msg_type} has no <info> block and references no warning known "
                          "here, so there is nothing to show")
    return {
        **base,
        "identifier": alert.identifier, "sender": alert.sender, "sent": city_text(alert.sent),
        "cap_sent": alert.sent_text or city_text(alert.sent), "status": alert.status,
        "msg_type": alert.msg_type,
        "refs": [{"sender": r.sender, "identifier": r.identifier, "sent": r.sent} for r in alert.references],
        "source": "cap", "state": "cancelled" if alert.msg_type == "Cancel" else "active",
    }


def _from_info(info: CapInfo) -> dict[str, Any]:
    params = dict(info.parameters)
    codes = dict(info.event_codes)
    area = info.areas[0] if info.areas else None
    adcode = next((value for name, value in area.geocodes if name.lower() in ADCODE_NAMES), None) if area else None
    polygon = [list(point) for point in area.polygons[0]] if area and area.polygons else None
    circle = ({"lon": area.circles[0][0], "lat": area.circles[0][1], "radius_km": area.circles[0][2]}
              if area and area.circles else None)
    lon, lat = _position(polygon, circle, adcode)
    category = info.category[0] if info.category else "Other"
    known = place(adcode)
    return {
        "severity": levels.from_severity(info.severity) or "blue",  # Unknown is shown at the lowest level
        "cap_severity": info.severity, "urgency": info.urgency, "certainty": info.certainty,
        "language": info.language, "category": category, "event": info.event,
        "headline": info.headline or info.event, "description": info.description,
        "instruction": info.instruction,
        "item_code": codes.get(ITEM_CODE, ""), "item_name": params.get(ITEM_NAME, info.event),
        "domain": params.get(DOMAIN, DOMAIN_BY_CATEGORY.get(category, "公共安全")),
        "expires": city_text(info.expires) if info.expires else None,
        "area_name": area.description if area else (known.name if known else ""),
        "adcode": adcode, "polygon": polygon, "circle": circle, "lon": lon, "lat": lat,
    }


def _position(polygon: list[list[float]] | None, circle: dict[str, float] | None,
              adcode: str | None) -> tuple[float | None, float | None]:
    if polygon:
        point = Polygon(polygon).representative_point()
        return round(point.x, 6), round(point.y, 6)
    if circle:
        return circle["lon"], circle["lat"]
    known = place(adcode)
    return (known.lon, known.lat) if known else (None, None)


def to_cap(row: sqlite3.Row) -> bytes:
    """A stored message as CAP 1.2 XML."""
    polygon = json.loads(row["polygon"]) if row["polygon"] else None
    ring = tuple((float(lon), float(lat)) for lon, lat in polygon) if polygon else ()
    if ring and ring[0] != ring[-1]:
        ring += (ring[0],)
    circle = json.loads(row["circle"]) if row["circle"] else None
    known = place(row["adcode"])
    area = CapArea(
        description=row["area_name"] or (known.name if known else "南通市"),
        polygons=(ring,) if len(ring) >= 4 else (),
        circles=((circle["lon"], circle["lat"], circle["radius_km"]),) if circle else (),
        geocodes=(("adcode", row["adcode"]),) if row["adcode"] else (),
    )
    parameters = [(ITEM_NAME, row["item_name"]), (DOMAIN, row["domain"])]
    info = CapInfo(
        language=row["language"], category=(row["category"],), event=row["event"] or row["headline"],
        urgency=row["urgency"], severity=row["cap_severity"], certainty=row["certainty"],
        headline=row["headline"], description=row["description"], instruction=row["instruction"],
        sender_name=warning_feed.SENDER_NAME if row["source"] != "cap" else "",
        expires=datetime.fromisoformat(row["expires"]) if row["expires"] else None,
        areas=(area,), parameters=tuple(parameters),
        event_codes=((ITEM_CODE, row["item_code"]),) if row["item_code"] else (),
    )
    alert = CapAlert(
        identifier=row["identifier"], sender=row["sender"], sent=datetime.fromisoformat(row["cap_sent"]),
        status=row["status"], msg_type=row["msg_type"], scope="Public",
        references=tuple(CapReference(**ref) for ref in json.loads(row["refs"])), infos=(info,),
    )
    return build_cap(alert)
