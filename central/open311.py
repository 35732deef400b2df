"""Open311 GeoReport v2 over the simulator's 12345 hotline tables (read-only)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from typing import Any

from kernel.clock import CITY_TZ, city_text

DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
STATUSES = ("open", "closed")


class Open311Error(ValueError):
    """A request the server cannot answer as asked; the text says why."""


def services(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    return [{"service_code": row["service_code"], "service_name": row["service_name"],
             "description": row["description"] or "", "metadata": False, "type": "realtime",
             "keywords": row["keywords"] or "", "group": row["grp"] or ""}
            for row in conn.execute("SELECT * FROM open311_services ORDER BY service_code")]


def requests(conn: sqlite3.Connection, *, now: datetime, service_request_id: str | None = None,
             service_code: str | None = None, start_date: str | None = None, end_date: str | None = None,
             status: str | None = None) -> list[dict[str, Any]]:
    """Service requests, newest first. Named ids win over every other filter (as GeoReport says)."""
    if service_request_id:
        ids = _list(service_request_id)
        where, args = [f"r.service_request_id IN ({', '.join('?' * len(ids))})"], list(ids)
    else:
        end = _moment(end_date, "end_date", end_of_day=True) if end_date else now
        start = _moment(start_date, "start_date", end_of_day=False) if start_date else end - DEFAULT_WINDOW
        if start > end:
            raise Open311Error(f"start_date ({start_date or city_text(start)}) is after end_date "
                               f"({end_date or city_text(end)})")
        where, args = ["r.requested_datetime >= ?", "r.requested_datetime <= ?"], [city_text(start), city_text(end)]
        if service_code:
            codes = _list(service_code)
            where.append(f"r.service_code IN ({', '.join('?' * len(codes))})")
            args += codes
        if status:
            wanted = _list(status)
            unknown = [s for s in wanted if s not in STATUSES]
            if unknown:
                raise Open311Error(f"status must be open or closed (or both, comma-separated), not {unknown[0]!r}")
            where.append(f"r.status IN ({', '.join('?' * len(wanted))})")
            args += wanted
    rows = conn.execute(
        "SELECT r.*, s.service_name FROM service_requests r "
        "LEFT JOIN open311_services s ON s.service_code = r.service_code "
        f"WHERE {' AND '.join(where)} ORDER BY r.requested_datetime DESC, r.service_request_id DESC LIMIT ?",
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


def _list(value: str) -> list[str]:
    items = [part.strip() for part in value.split(",") if part.strip()]
    if not items:
        raise Open311Error(f"{value!r} names nothing; give one value or several separated by commas")
    return items


def _moment(text: str, name: str, *, end_of_day: bool) -> datetime:
    """A W3C date or date-time; no offset means Beijing time, a bare date its whole day."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime.combine(day, time.max.replace(microsecond=0) if end_of_day else time.min, CITY_TZ)
        text = text.strip()
        if "T" in text:  # an unescaped "+08:00" in a query string arrives as " 08:00"
            text = text.replace(" ", "+")
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(f"{name} {text!r} is not a date like 2026-11-24 or a time like "
                           "2026-11-24T20:15:00+08:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CITY_TZ)
