"""Open311 GeoReport v2 over the simulator's 12345 hotline tables: the services, reading requests,
taking new ones into the simulated city, tokens, service discovery, and the spec's XML form.

HTTP stays in central/open311_api.py; everything here works on a connection and plain values.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import re
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any

from kernel import geo
from kernel.clock import CITY_TZ, city_text

DEFAULT_WINDOW = timedelta(days=90)
MAX_SPAN = timedelta(days=90)  # GeoReport v2: a start_date..end_date range "may not span more than 90 days"
MAX_RESULTS = 1000
STATUSES = ("open", "closed")
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ("text/xml", "application/json")
JURISDICTION = geo.CITY["adcode"]  # the one jurisdiction served: 南通市
# When the service list or the service definitions last changed (Service Discovery's changeset).
CHANGESET = "2026-12-01T00:00:00+08:00"

# Taking requests: the simulator numbers a minute's calls from 000 (its stormiest minutes stay under
# 500 calls); requests taken over Open311 are numbered from 900 within their minute, so the two never meet.
ONLINE_SERIAL, LAST_SERIAL = 900, 9999
MAX_DESCRIPTION = 4000  # characters, as GeoReport v2 says
DEFAULT_DEADLINE_H = 72  # for a service the simulated city's catalogue does not know

# The fields of POST requests, as openapi.json documents them and as create_request checks them (JSON
# Schema patterns, the same in every regex dialect: explicit classes only; a value is checked whole).
# An empty value is the same as leaving the field out. Texts hold no control characters (nor U+FFFE,
# U+FFFF); one-line texts no line breaks either (a tab is taken).
ONE_LINE = r"^[^\x00-\x08\x0a-\x1f\x7f\ufffe\uffff]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]*$"
MEDIA_URL = r"^(?:[Hh][Tt][Tt][Pp][Ss]?://[^/?#\x00-\x20\x7f\ufffe\uffff]+[^\x00-\x20\x7f\ufffe\uffff]*)?$"
NUMBER = r"^-?(?:0|[1-9][0-9]*)(?:[.][0-9]+)?(?:[eE][+-]?[0-9]+)?$"  # a JSON number, as written
TEXT_FIELDS = {  # name: (most characters, pattern)
    "api_key": (200, ONE_LINE), "jurisdiction_id": (100, ONE_LINE), "address_string": (500, ONE_LINE),
    "address_id": (100, ONE_LINE), "email": (254, ONE_LINE), "device_id": (200, ONE_LINE),
    "account_id": (100, ONE_LINE), "first_name": (100, ONE_LINE), "last_name": (100, ONE_LINE),
    "phone": (50, ONE_LINE), "description": (MAX_DESCRIPTION, MULTI_LINE), "media_url": (2000, MEDIA_URL)}
# lat and long: inside the bounds of the city's outline (rounded outward); a point there that no town of
# the city covers (the river, the sea, a neighbour's land) is outside this jurisdiction: 404.
LAT_RANGE, LONG_RANGE = (31.61, 32.72), (120.19, 121.98)
ATTRIBUTE = "attribute["  # attribute[<code>]: no service has attributes, so each must be empty
MAX_FIELD_NAME = 100
FIELDS = ("service_code", "lat", "long", *TEXT_FIELDS)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# The forms the query parameters take, as openapi.json documents them (JSON Schema patterns, the same
# in every regex dialect: explicit classes only) and as the server checks them (whole values).
# A W3C date (a real one, years 0001 to 9999), or a date-time of it: hours and minutes, optional seconds
# and fraction, an optional offset (Z or ±hh:mm; none: Beijing time). A "+" sent unescaped in a query
# string arrives as a space, so a space before the offset is read as "+".
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DAY = (f"(?:{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
        f"|(?:0[13578]|1[02])-31)|{_LEAP_YEAR}-02-29)")
_CLOCK = "T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:[.][0-9]+)?)?(?:Z|[+ -](?:[01][0-9]|2[0-3]):[0-5][0-9])?"
MOMENT = f"{_DAY}(?:{_CLOCK})?"
DATE_PATTERN = f"^(?:{MOMENT})?$"  # empty: the same as leaving the parameter out
_BLANK = " \t\n\r\x0b\x0c"  # what is stripped from a list's items (ASCII white space)
_B = r"[ \t\n\r\x0b\x0c]"
# One value of a list parameter: empty (the same as leaving it out), or items separated by commas, at
# least one of them more than white space.
LIST_PATTERN = r"^$|[^, \t\n\r\x0b\x0c]"
STATUS_PATTERN = (rf"^(?:(?:{_B}*(?:(?:open|closed){_B}*)?,)*{_B}*(?:open|closed){_B}*"
                  rf"(?:,{_B}*(?:(?:open|closed){_B}*)?)*)?$")


class Open311Error(ValueError):
    """A request the server cannot answer as asked; the text says why, `status` is the HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------- services

def services(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [{"service_code": row["service_code"], "service_name": row["service_name"],
             "description": row["description"] or "", "metadata": False, "type": "realtime",
             "keywords": row["keywords"] or "", "group": row["grp"] or ""}
            for row in conn.execute("SELECT * FROM open311_services ORDER BY service_code")]


def service_definition(conn: sqlite3.Connection, service_code: str) -> dict[str, Any]:
    """The spec's service definition. No service here asks for attributes (metadata is false), so the
    list is empty: a request needs only the spec's own fields."""
    if conn.execute("SELECT 1 FROM open311_services WHERE service_code = ?", (service_code,)).fetchone() is None:
        raise Open311Error(f"there is no service {service_code!r}; services.json lists them", 404)
    return {"service_code": service_code, "attributes": []}


def check_jurisdiction(values: list[str]) -> None:
    """jurisdiction_id is optional (one jurisdiction is served); when given it must be this one."""
    for value in values:
        if value.strip() and value.strip() != JURISDICTION:
            raise Open311Error(f"jurisdiction_id {value!r} is not served here; this server serves one "
                               f"jurisdiction, {JURISDICTION} ({geo.CITY['name']}), and needs no jurisdiction_id",
                               404)


# ---------------------------------------------------------------- reading requests

def requests(conn: sqlite3.Connection, *, now: datetime, service_request_id: Sequence[str] = (),
             service_code: Sequence[str] = (), start_date: str | None = None, end_date: str | None = None,
             status: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Service requests, newest first. Named ids win over every other filter (as GeoReport says).
    The lists are the values of a repeated parameter, each comma-separated (an empty value is no value);
    the window (by default the last 90 days) may span at most 90 days."""
    ids = _list(service_request_id, "service_request_id")
    if ids:
        where, args = [f"r.service_request_id IN ({', '.join('?' * len(ids))})"], list(ids)
    else:
        end = _moment(end_date, "end_date", end_of_day=True) if end_date else now
        start = _moment(start_date, "start_date", end_of_day=False) if start_date else _earlier(end, DEFAULT_WINDOW)
        if start > end:
            raise Open311Error(f"start_date ({start_date or _text(start)}) is after end_date "
                               f"({end_date or _text(end)})")
        if end - start > MAX_SPAN:
            raise Open311Error(
                f"start_date to end_date may span at most 90 days; {start_date or _text(start)} to "
                f"{end_date or 'now (' + _text(end) + ')'} is {_days(end - start)} days. Ask for the "
                "time in pieces of 90 days or less")
        where, args = ["r.requested_datetime >= ?", "r.requested_datetime <= ?"], [_text(start), _text(end)]
        codes = _list(service_code, "service_code")
        if codes:
            where.append(f"r.service_code IN ({', '.join('?' * len(codes))})")
            args += codes
        wanted = _list(status, "status")
        if wanted:
            unknown = [s for s in wanted if s not in STATUSES]
            if unknown:
                raise Open311Error(f"status must be open or closed (or both, comma-separated), not {unknown[0]!r}")
            where.append(f"r.status IN ({', '.join('?' * len(wanted))})")
            args += wanted
    return _select(conn, " AND ".join(where), args)


def one_request(conn: sqlite3.Connection, service_request_id: str) -> list[dict[str, Any]]:
    """requests/{id}: exactly one id (ids never hold a comma), as a one-element list."""
    if "," in service_request_id:
        raise Open311Error(f"requests/{service_request_id} names one request, and no id holds a comma; ask for "
                           "several with requests.json?service_request_id=a,b")
    found = _select(conn, "r.service_request_id = ?", [service_request_id])
    if not found:
        raise Open311Error(f"there is no service request {service_request_id!r}", 404)
    return found


def _select(conn: sqlite3.Connection, where: str, args: list[Any]) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT r.*, s.service_name FROM service_requests r "
        "LEFT JOIN open311_services s ON s.service_code = r.service_code "
        f"WHERE {where} ORDER BY r.requested_datetime DESC, r.service_request_id DESC LIMIT ?",
        [*args, MAX_RESULTS]).fetchall()
    return [_request_json(row) for row in rows]


def _request_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "service_request_id": row["service_request_id"], "status": row["status"],
        "status_notes": row["status_notes"], "service_name": row["service_name"],
        "service_code": row["service_code"], "description": row["description"],
        "agency_responsible": row["agency_responsible"], "service_notice": row["service_notice"],
        "requested_datetime": row["requested_datetime"], "updated_datetime": row["updated_datetime"],
        "expected_datetime": row["expected_datetime"], "address": row["address"],
        "address_id": row["address_id"], "zipcode": row["zipcode"], "lat": row["lat"], "long": row["lon"],
        "media_url": row["media_url"],
    }


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:.0f}" if days >= 100 else f"{days:.1f}".removesuffix(".0")


def _list(values: Sequence[str], name: str) -> list[str]:
    """The items of a list parameter's values: split at commas, stripped of (ASCII) white space; an empty
    value is no value, one that names nothing (only commas and white space) is refused."""
    items = []
    for value in values:
        found = [part.strip(_BLANK) for part in value.split(",") if part.strip(_BLANK)]
        if value and not found:
            raise Open311Error(f"{name} {value!r} names nothing; give one value or several separated by commas")
        items += found
    return items


_MOMENT = re.compile(MOMENT)


def _moment(text: str, name: str, *, end_of_day: bool) -> datetime:
    """A W3C date or date-time (DATE_PATTERN); no offset means Beijing time, a bare date its whole day."""
    if not _MOMENT.fullmatch(text):
        raise Open311Error(f"{name} {text!r} is not a date like 2026-11-24 or a time like "
                           "2026-11-24T20:15:00+08:00 (W3C dates and date-times)")
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime.combine(day, time.max.replace(microsecond=0) if end_of_day else time.min, CITY_TZ)
    moment = datetime.fromisoformat(text.replace(" ", "+").replace("Z", "+00:00"))  # " ": an unescaped "+"
    return moment if moment.tzinfo else moment.replace(tzinfo=CITY_TZ)


def _earlier(moment: datetime, span: timedelta) -> datetime:
    try:
        return moment - span
    except OverflowError:  # before the year 1: the window starts as early as a time can be
        return datetime.min.replace(tzinfo=moment.tzinfo)


def _text(moment: datetime) -> str:
    """city_text, for the first and last days of the calendar too (their Beijing time may not exist)."""
    try:
        return city_text(moment)
    except OverflowError:
        return "0001-01-01T00:00:00+08:00" if moment.year == 1 else "9999-12-31T23:59:59+08:00"


# ---------------------------------------------------------------- taking a request

@dataclass(frozen=True)
class Place:
    town: geo.Town
    lon: float
    lat: float
    address: str


def create_request(conn: sqlite3.Connection, *, now: datetime, fields: Mapping[str, str],
                   key: str) -> dict[str, Any]:
    """POST requests: a new 12345 request in the simulated city, taken like a call (the day's counts,
    a promised deadline, a planned close). `fields` are the form's, one value each; `key` makes tokens.
    Personal details (email, names, phone, device_id) are checked but not kept: the city has no place
    for them. Answers the spec's service_request_id, service_notice and account_id, and a token."""
    from central.sim import city  # late: the simulator's catalogue (reading requests needs none of it)

    check_jurisdiction([fields.get("jurisdiction_id", "")])
    check_fields(fields)
    code = fields.get("service_code", "")
    if not code:
        raise Open311Error("service_code is missing: say which service the request is for "
                           "(services.json lists them)")
    service = conn.execute("SELECT * FROM open311_services WHERE service_code = ?", (code,)).fetchone()
    if service is None:
        raise Open311Error(f"service_code {code!r} is not a service of this server (services.json lists them)")
    attributes = [name for name, value in fields.items() if name.startswith(ATTRIBUTE) and value]
    if attributes:
        raise Open311Error(f"service {code} has no attribute {attributes[0][10:].rstrip(']')!r}: its "
                           f"definition (services/{code}.json) asks for none")
    media_url = fields.get("media_url", "")
    where = locate(fields)
    catalogue = {s.code: s for s in city.SERVICES}.get(code)
    deadline_h = catalogue.deadline_h if catalogue else DEFAULT_DEADLINE_H
    channel = "App" if fields.get("device_id", "").strip() else "网站"
    notice = f"承诺{deadline_h}小时内办理"
    description = fields.get("description", "").strip() or f"{service['service_name']}（{where.address}）"
    request_id = _take(conn, now=now, code=code, description=description, agency=catalogue.agency if catalogue else None,
                       notice=notice, deadline_h=deadline_h, place=where,
                       address_id=fields.get("address_id", "").strip() or None, media_url=media_url or None,
                       channel=channel)
    return {"service_request_id": request_id, "service_notice": notice,
            "account_id": fields.get("account_id", "").strip() or None, "token": token_of(key, request_id)}


def check_fields(fields: Mapping[str, str]) -> None:
    """The form's fields as documented: the spec's own (TEXT_FIELDS in their forms, lat and long numbers)
    and empty attribute[...] fields; no other."""
    for name in fields:
        if name not in FIELDS and not name.startswith(ATTRIBUTE):
            hint = " (GeoReport calls the longitude long)" if name in ("lon", "lng") else ""
            raise Open311Error(f"{name[:MAX_FIELD_NAME]!r} is not a field of a GeoReport v2 request{hint}; the "
                               f"fields are {', '.join(FIELDS)} and attribute[code]")
        if len(name) > MAX_FIELD_NAME:
            raise Open311Error(f"the field name {name[:40]!r}… is over {MAX_FIELD_NAME} characters long")
    for name, (limit, pattern) in TEXT_FIELDS.items():
        value = fields.get(name, "")
        if len(value) > limit:
            raise Open311Error(f"{name} is {len(value):,} characters long; at most {limit:,} are taken")
        if not _FORMS[pattern].fullmatch(value):
            if pattern == MEDIA_URL and _FORMS[ONE_LINE].fullmatch(value):
                raise Open311Error(f"media_url {value!r} is not an http or https address (with no spaces)")
            raise Open311Error(f"{name} holds a control character"
                               + ("" if pattern == MULTI_LINE else " or a line break") + "; send plain text")


_FORMS = {pattern: re.compile(pattern.removeprefix("^").removesuffix("$")) for pattern in (ONE_LINE, MULTI_LINE, MEDIA_URL)}


def locate(fields: Mapping[str, str]) -> Place:
    """Where a request is: lat/long inside Nantong (its town found from the town cells), else a town named
    in address_string (placed at the town's seat). address_id alone places nothing: there is no register."""
    lat_text, long_text = fields.get("lat", ""), fields.get("long", "")
    address = fields.get("address_string", "").strip()
    if lat_text or long_text:
        if not (lat_text and long_text):
            raise Open311Error("give both lat and long, or neither")
        lat, lon = _coordinate(lat_text, "lat", LAT_RANGE), _coordinate(long_text, "long", LONG_RANGE)
        town = town_of_point(lon, lat)
        if town is None:
            raise Open311Error(f"lat {lat_text}, long {long_text} is outside Nantong: no town of this "
                               f"jurisdiction ({geo.CITY['name']}) is there (WGS-84 coordinates)", 404)
        return Place(town, lon, lat, address or _town_address(town))
    if address:
        town = town_of_address(address)
        return Place(town, town.lon, town.lat, address)
    if fields.get("address_id", "").strip():
        raise Open311Error("address_id alone cannot place the request: this server keeps no address register; "
                           "give lat and long, or an address_string naming the town (镇 or 街道)")
    raise Open311Error("the request needs a location: lat and long, or an address_string")


_NUMBER = re.compile(NUMBER.removeprefix("^").removesuffix("$"))


def _coordinate(text: str, name: str, bounds: tuple[float, float]) -> float:
    if not _NUMBER.fullmatch(text):
        raise Open311Error(f"{name} {text!r} is not a number (decimal degrees, WGS-84)")
    value = float(text)
    if not bounds[0] <= value <= bounds[1]:
        raise Open311Error(f"{name} {text} is outside Nantong, whose towns lie between lat {LAT_RANGE[0]} and "
                           f"{LAT_RANGE[1]}, long {LONG_RANGE[0]} and {LONG_RANGE[1]} (WGS-84); this server "
                           f"takes requests for {geo.CITY['name']} only")
    return value


@cache
def _prepared_cells() -> dict[str, Any]:
    import shapely

    cells = geo.town_cells()
    for cell in cells.values():
        shapely.prepare(cell)
    return cells


def town_of_point(lon: float, lat: float) -> geo.Town | None:
    """The town whose cell holds the point, or None outside the city's counties."""
    from shapely.geometry import Point

    county = geo.county_of_point(lon, lat)
    if county is None:
        return None
    members = [t for t in geo.towns() if t.county_adcode == county]
    point, cells = Point(lon, lat), _prepared_cells()
    for town in members:
        if cells[town.adcode].covers(point):
            return town
    return min(members, key=lambda t: (t.lon - lon) ** 2 + (t.lat - lat) ** 2)  # on a cell's very edge


def town_of_address(text: str) -> geo.Town:
    """The town an address names (TOWN_NAMED); of several, the first of a county it names too, else the first."""
    named = sorted((text.index(t.name), t.adcode, t) for t in geo.towns() if t.name in text)
    if not named:
        raise Open311Error(f"address_string {text[:60]!r} names no town (镇 or 街道) of Nantong; name the town "
                           "(e.g. 通州区金沙街道…) or give lat and long")
    counties = {c.adcode for c in geo.counties() if c.name in text}
    return next((t for _, _, t in named if t.county_adcode in counties), named[0][2])


def town_named() -> str:
    """What address_string must hold to place a request on its own: the name of a town of Nantong."""
    return "|".join(sorted(t.name for t in geo.towns()))


def _town_address(town: geo.Town) -> str:
    return next(c.name for c in geo.counties() if c.adcode == town.county_adcode) + town.name


def _take(conn: sqlite3.Connection, *, now: datetime, code: str, description: str, agency: str | None,
          notice: str, deadline_h: int, place: Place, address_id: str | None, media_url: str | None,
          channel: str) -> str:
    """Write the request as the simulator writes a call, in one transaction: the row, its planned close
    and the counts (today's calls, the channel; the close when it falls due)."""
    from central.sim.clock import at_minute, day_key, day_start, hour_key, iso, minute_of
    from central.sim.live import ZIPCODES
    from central.sim.store import CITY, Counters

    minute = minute_of(now)
    prefix = f"NT{at_minute(minute):%Y%m%d}{minute - day_start(minute):04d}"
    requested = now.replace(microsecond=0)
    rng = random.Random(f"{prefix}-{description}")
    closes = requested + timedelta(hours=deadline_h * min(3.0, 0.4 * math.exp(rng.gauss(0.0, 0.6))))
    day, town = day_key(minute), place.town.adcode
    conn.execute("BEGIN IMMEDIATE")  # the serial is chosen and used under the write lock
    try:
        taken = [int(row[0][len(prefix):]) for row in conn.execute(
            "SELECT service_request_id FROM service_requests WHERE service_request_id LIKE ?", (prefix + "%",))
            if row[0][len(prefix):].isdigit()]
        serial = max([s for s in taken if s >= ONLINE_SERIAL], default=ONLINE_SERIAL - 1) + 1
        if serial > LAST_SERIAL:
            raise Open311Error("the hotline has taken all the requests it can in this simulated minute; "
                               "try again in a moment", 503)
        request_id = f"{prefix}{serial:03d}"
        conn.execute(
            "INSERT INTO service_requests (service_request_id, status, status_notes, service_code, description, "
            "agency_responsible, service_notice, requested_datetime, updated_datetime, expected_datetime, "
            "address, address_id, zipcode, lat, lon, media_url, channel, town_adcode, satisfaction) "
            "VALUES (?, 'open', '已受理，正在办理', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (request_id, code, description, agency, notice, iso(requested), iso(requested),
             iso(requested + timedelta(hours=deadline_h)), place.address, address_id,
             ZIPCODES.get(place.town.county_adcode), place.lat, place.lon, media_url, channel, town))
        conn.execute("INSERT INTO sim_request_plan VALUES (?, ?, NULL, ?, ?)", (request_id, iso(closes), day, town))
        counters = Counters()
        counters.day_city("calls", day, town)
        counters.day(f"channel:{channel}", day, CITY)
        counters.hour("calls", hour_key(minute))
        counters.later(iso(closes), "closed", day, town)
        counters.flush(conn)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return request_id


# ---------------------------------------------------------------- tokens and discovery

def token_of(key: str, service_request_id: str) -> str:
    """A request's token: a check on the id (keyed by the database) followed by the id itself, so a
    token needs no table and one from another database is not taken."""
    return _check(key, service_request_id) + service_request_id


def token_request(conn: sqlite3.Connection, key: str, token: str) -> list[dict[str, Any]]:
    """tokens/{token}: [{"service_request_id", "token"}]."""
    check, request_id = token[:16], token[16:]
    if not request_id or not hmac.compare_digest(check.encode(), _check(key, request_id).encode()):
        raise Open311Error(f"there is no token {token!r} on this server", 404)
    if conn.execute("SELECT 1 FROM service_requests WHERE service_request_id = ?", (request_id,)).fetchone() is None:
        raise Open311Error(f"the request of token {token!r} is no longer kept", 404)
    return [{"service_request_id": request_id, "token": token}]


def _check(key: str, service_request_id: str) -> str:
    return hmac.new(key.encode(), service_request_id.encode(), hashlib.sha256).hexdigest()[:16]


def discovery(url: str, *, key_needed: bool) -> dict[str, Any]:
    """Service Discovery for this one endpoint (a test endpoint: its city is simulated)."""
    return {
        "changeset": CHANGESET,
        "contact": "The reference central API of the Nantong leadership cockpit, over a simulated "
                   f"{geo.CITY['name']} 12345 hotline; ask the operator of this server.",
        "key_service": ("The api_key is this server's reader access token; its operator hands it out."
                        if key_needed else "This server needs no api_key."),
        "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET, "type": "test",
                       "formats": list(FORMATS)}],
    }


# ---------------------------------------------------------------- the XML form

_ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
          "values": "value", "endpoints": "endpoint", "formats": "format"}


def to_xml(root: str, body: Any) -> bytes:
    """The spec's XML: a list under `root` holds one element per item (services/service,
    service_requests/request, errors/error, …); None is an empty element. UTF-8, declared so."""
    element = ET.Element(root)
    _fill(element, body)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode").encode("utf-8")


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, Mapping):
        for name, item in value.items():
            _fill(ET.SubElement(element, name), item)
    elif isinstance(value, list | tuple):
        for item in value:
            _fill(ET.SubElement(element, _ITEMS.get(element.tag, "item")), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("\ufffd", str(value))
