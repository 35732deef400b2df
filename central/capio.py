"""CAP 1.2 in and out of the warnings feed (the parsing and writing live in kernel.cap)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shapely.errors import GEOSException
from shapely.geometry import Point, Polygon
from shapely.ops import unary_union

from central import warning_feed
from central.places import place
from kernel import levels
from kernel.cap import CapAlert, CapArea, CapInfo, CapReference, build_cap, parse_cap
from kernel.clock import city_text

if TYPE_CHECKING:
    from kernel.cap import SignatureCheck

# How our own messages carry what CAP has no element for (read back on ingestion).
ITEM_CODE = "nantong:item"
ITEM_NAME = "nantong:item_name"
DOMAIN = "nantong:domain"
ADCODE_NAMES = ("adcode", "gb/t 2260", "gb2260")  # geocode valueNames taken as a Chinese adcode
DOMAIN_BY_CATEGORY = {"Security": "社会治理", "Infra": "城市运行", "Transport": "城市运行", "Env": "城市运行"}
INGESTED = ("Actual", "Exercise")


class IngestError(ValueError):
    """A well-formed CAP message the cockpit cannot show; the text says why."""


def ingest(conn: sqlite3.Connection, alert: CapAlert, *, now: datetime, original: bytes,
           signature: SignatureCheck | None = None,
           lifetimes: dict[str, timedelta] | None = None) -> tuple[dict[str, Any], bool]:
    """Add an external CAP message to the feed: (the warning, True) or (the existing one, False).

    `original` is kept as received, so the message can be re-emitted in full and checked again later."""
    if alert.status not in INGESTED:
        raise IngestError(f"only Actual and Exercise messages are shown on the cockpit; this one is "
                          f"{alert.status}")
    if alert.msg_type not in ("Alert", "Update", "Cancel"):
        raise IngestError(f"a CAP {alert.msg_type} message is not a warning; send Alert, Update or Cancel")
    with warning_feed.transaction(conn):
        existing = warning_feed.find_message(conn, sender=alert.sender, identifier=alert.identifier,
                                             sent=alert.sent_text or city_text(alert.sent))
        if existing is not None:
            return warning_feed.get_warning(conn, existing["seq"], now=now), False  # type: ignore[return-value]
        referenced = [row for ref in alert.references
                      if (row := warning_feed.find_message(conn, sender=ref.sender, identifier=ref.identifier,
                                                           sent=ref.sent)) is not None]
        fields = _fields(alert, referenced, lifetimes or levels.lifetimes())
        fields.update(cap_xml=bytes(original), signature=signature.status if signature else "unsigned",
                      signer=signature.signer if signature else "",
                      signer_fingerprint=signature.fingerprint if signature else "")
        seq = warning_feed.insert_warning(conn, fields)
        warning_feed.resolve_chain(conn, seq)
    warning_feed.BELL.ring()
    return warning_feed.get_warning(conn, seq, now=now), True  # type: ignore[return-value]


# What a bare Update or Cancel (no <info>, as CAP allows) shows: the details of what it names.
SHOWN_FROM_REFERENCED = (
    "severity", "cap_severity", "urgency", "certainty", "language", "category", "event", "headline",
    "description", "instruction", "item_code", "item_name", "domain", "expires", "expires_assumed",
    "area_name", "adcode", "lon", "lat")


def _fields(alert: CapAlert, referenced: list[sqlite3.Row], lifetimes: dict[str, timedelta]) -> dict[str, Any]:
    info = alert.info_for()
    base: dict[str, Any]
    if info is not None:
        base = _from_info(info, alert, lifetimes)
    elif alert.msg_type == "Alert":
        raise IngestError("the alert has no <info> block, so there is nothing to show")
    elif referenced:
        base = {key: referenced[0][key] for key in SHOWN_FROM_REFERENCED}
        for key in ("polygon", "circle", "areas"):
            base[key] = json.loads(referenced[0][key]) if referenced[0][key] else None
    else:
        # Names a message not here yet (another feed may bring it later): kept, and applied when it comes.
        named = "、".join(ref.identifier for ref in alert.references) or "（未注明）"
        verb = "撤销" if alert.msg_type == "Cancel" else "更新"
        base = {"severity": "blue", "cap_severity": "Unknown", "urgency": "Unknown", "certainty": "Unknown",
                "language": "", "category": "Other", "event": "", "headline": f"{verb}预警 {named}（原预警尚未收到）",
                "description": alert.note, "instruction": "", "item_code": "", "item_name": "", "domain": "公共安全",
                "expires": None, "expires_assumed": False, "area_name": "", "adcode": None, "polygon": None,
                "circle": None, "areas": [], "lon": None, "lat": None}
    return {
        **base,
        "identifier": alert.identifier, "sender": alert.sender, "sent": city_text(alert.sent),
        "cap_sent": alert.sent_text or city_text(alert.sent), "status": alert.status,
        "msg_type": alert.msg_type,
        "refs": [{"sender": r.sender, "identifier": r.identifier, "sent": r.sent} for r in alert.references],
        "source": "cap", "state": "cancelled" if alert.msg_type == "Cancel" else "active",
    }


def _from_info(info: CapInfo, alert: CapAlert, lifetimes: dict[str, timedelta]) -> dict[str, Any]:
    params = dict(info.parameters)
    codes = dict(info.event_codes)
    areas = info.areas
    first = areas[0] if areas else None
    shapes = [area_json(area) for area in areas]
    adcode = next((shape["adcode"] for shape in shapes if shape["adcode"]), None)  # the first area's that has one
    polygon = [list(point) for point in first.polygons[0]] if first and first.polygons else None
    circle = ({"lon": first.circles[0][0], "lat": first.circles[0][1], "radius_km": first.circles[0][2]}
              if first and first.circles else None)
    lon, lat = _position(areas, adcode)
    category = info.category[0] if info.category else "Other"
    known = place(adcode)
    level = levels.from_severity(info.severity) or "blue"  # Unknown is shown at the lowest level
    expires = info.expires
    if expires is None:  # CAP lets a message omit it; it must still end
        expires = (info.effective or info.onset or alert.sent) + lifetimes[level]
    return {
        "severity": level,
        "cap_severity": info.severity, "urgency": info.urgency, "certainty": info.certainty,
        "language": info.language, "category": category, "event": info.event,
        "headline": info.headline or info.event, "description": info.description,
        "instruction": info.instruction,
        "item_code": codes.get(ITEM_CODE, ""), "item_name": params.get(ITEM_NAME, info.event),
        "domain": params.get(DOMAIN, DOMAIN_BY_CATEGORY.get(category, "公共安全")),
        "expires": city_text(expires), "expires_assumed": info.expires is None,
        "area_name": _area_names(areas) or (known.name if known else ""),
        "adcode": adcode, "polygon": polygon, "circle": circle, "areas": shapes,
        "lon": lon, "lat": lat,
    }


def area_json(area: CapArea) -> dict[str, Any]:
    """One CAP area as the contract's JSON: rings of [lon, lat], circles, geocodes (docs/api-contract.md)."""
    return {
        "name": area.description,
        "adcode": next((value for name, value in area.geocodes if name.lower() in ADCODE_NAMES), None),
        "polygons": [[[lon, lat] for lon, lat in ring] for ring in area.polygons],
        "circles": [{"lon": lon, "lat": lat, "radius_km": radius} for lon, lat, radius in area.circles],
        "geocodes": [{"name": name, "value": value} for name, value in area.geocodes],
    }


def _area_names(areas: tuple[CapArea, ...], shown: int = 3) -> str:
    names = list(dict.fromkeys(area.description for area in areas if area.description))
    if len(areas) <= shown:
        return "；".join(names)
    return "；".join(names[:shown]) + f" 等 {len(areas)} 个区域"


def _position(areas: tuple[CapArea, ...], adcode: str | None) -> tuple[float | None, float | None]:
    """A point inside the warning's areas (for the list and the pulse; the map frames every area)."""
    shapes = [Polygon(ring) for area in areas for ring in area.polygons]
    shapes += [Point(lon, lat) for area in areas for lon, lat, _ in area.circles]
    if shapes:
        try:
            point = unary_union([shape.buffer(0) if shape.geom_type == "Polygon" else shape
                                 for shape in shapes]).representative_point()
            if not point.is_empty:
                return round(point.x, 6), round(point.y, 6)
        except (ValueError, GEOSException):  # a self-crossing ring shapely cannot mend: its first point
            pass
        first = shapes[0].exterior.coords[0] if shapes[0].geom_type == "Polygon" else shapes[0].coords[0]
        return round(first[0], 6), round(first[1], 6)
    known = place(adcode)
    return (known.lon, known.lat) if known else (None, None)


def to_cap(row: sqlite3.Row) -> bytes:
    """A stored message as CAP 1.2 XML: an ingested one carries every element it was received with (its
    XML signature cannot be carried: it was checked on arrival, and `signature` says so)."""
    if row["cap_xml"]:
        return build_cap(parse_cap(bytes(row["cap_xml"])))
    known = place(row["adcode"])
    areas = tuple(
        CapArea(description=area["name"] or (known.name if known else "南通市"),
                polygons=tuple(_closed(ring) for ring in area["polygons"] if len(ring) >= 3),
                circles=tuple((c["lon"], c["lat"], c["radius_km"]) for c in area["circles"]),
                geocodes=tuple((g["name"], g["value"]) for g in area["geocodes"]))
        for area in json.loads(row["areas"])) or (CapArea(known.name if known else "南通市"),)
    parameters = [(ITEM_NAME, row["item_name"]), (DOMAIN, row["domain"])]
    info = CapInfo(
        language=row["language"], category=(row["category"],), event=row["event"] or row["headline"],
        urgency=row["urgency"], severity=row["cap_severity"], certainty=row["certainty"],
        headline=row["headline"], description=row["description"], instruction=row["instruction"],
        sender_name=warning_feed.SENDER_NAME if row["source"] != "cap" else "",
        expires=datetime.fromisoformat(row["expires"]) if row["expires"] and not row["expires_assumed"] else None,
        areas=areas, parameters=tuple(parameters),
        event_codes=((ITEM_CODE, row["item_code"]),) if row["item_code"] else (),
    )
    alert = CapAlert(
        identifier=row["identifier"], sender=row["sender"], sent=datetime.fromisoformat(row["cap_sent"]),
        status=row["status"], msg_type=row["msg_type"], scope="Public",
        references=tuple(CapReference(**ref) for ref in json.loads(row["refs"])), infos=(info,),
    )
    return build_cap(alert)


def _closed(ring: list[list[float]]) -> tuple[tuple[float, float], ...]:
    points = tuple((float(lon), float(lat)) for lon, lat in ring)
    return points if points[0] == points[-1] else (*points, points[0])
