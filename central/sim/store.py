"""The simulator's tables in the server's SQLite file, and the counters it keeps.

The simulator writes; the API reads. Old history lives only as counts (per
town per day, city-wide per hour); individual rows exist for the recent window
and from then on. Planned futures (when an event closes, when a work order
reaches each stage) are stored with the row, and readers compare them with the
time they answer for, so nothing has to be updated as time passes except the
Open311 status the server reads.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from central import db
from central.db import Connections, connect  # noqa: F401  (the server's connections serve the simulator too)

CITY = "320600"  # the town column of city-wide counters

# The Open311 tables themselves are the server's schema (central/db.py), created first by prepare().
SCHEMA = """
CREATE INDEX IF NOT EXISTS sim_requests_status ON service_requests (status, requested_datetime);
CREATE INDEX IF NOT EXISTS sim_requests_open ON service_requests (status, town_adcode, expected_datetime);
CREATE TABLE IF NOT EXISTS sim_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- A request's planned close; the row goes once the close is applied to service_requests.
CREATE TABLE IF NOT EXISTS sim_request_plan (
    service_request_id TEXT PRIMARY KEY, closes_at TEXT NOT NULL, satisfaction INTEGER,
    day TEXT NOT NULL, town TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sim_request_plan_due ON sim_request_plan (closes_at);
CREATE TABLE IF NOT EXISTS sim_daily (
    metric TEXT NOT NULL, day TEXT NOT NULL, town TEXT NOT NULL, value REAL NOT NULL,
    PRIMARY KEY (metric, day, town)
) WITHOUT ROWID;
-- Counts that fall due later (a request closing, a dispute resolved), added to sim_daily when due.
CREATE TABLE IF NOT EXISTS sim_pending (
    due TEXT NOT NULL, metric TEXT NOT NULL, day TEXT NOT NULL, town TEXT NOT NULL, value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sim_pending_due ON sim_pending (due);
CREATE TABLE IF NOT EXISTS sim_hourly (
    metric TEXT NOT NULL, hour TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (metric, hour)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sim_entities (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, town TEXT NOT NULL,
    lon REAL NOT NULL, lat REAL NOT NULL, attrs TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sim_entities_kind ON sim_entities (kind);
-- Things that happen: grid events, disputes, volunteer activities, enterprise requests,
-- suspected group rentals, hazardous-chemical risks. Open while time <= t < closes_at.
CREATE TABLE IF NOT EXISTS sim_events (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL, category TEXT NOT NULL,
    town TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL, time TEXT NOT NULL,
    escalated_at TEXT, closes_at TEXT NOT NULL, entity TEXT, value REAL
);
CREATE INDEX IF NOT EXISTS sim_events_open ON sim_events (kind, closes_at);
CREATE INDEX IF NOT EXISTS sim_events_time ON sim_events (kind, time);
-- Work orders through 流转 → 交办 → 办理 → 核查 → 评估 → 问效 (s1..s6: when each stage is reached).
CREATE TABLE IF NOT EXISTS sim_work_orders (
    id TEXT PRIMARY KEY, source_id TEXT NOT NULL, title TEXT NOT NULL, department TEXT NOT NULL,
    town TEXT NOT NULL, lon REAL NOT NULL, lat REAL NOT NULL, created TEXT NOT NULL, due TEXT NOT NULL,
    s1 TEXT, s2 TEXT, s3 TEXT, s4 TEXT, s5 TEXT, s6 TEXT
);
CREATE INDEX IF NOT EXISTS sim_work_orders_created ON sim_work_orders (created);
CREATE INDEX IF NOT EXISTS sim_work_orders_open ON sim_work_orders (s4, due);
"""


def prepare(conn: sqlite3.Connection) -> None:
    """Create the simulator's tables, and the server's too, so either may start first."""
    db.migrate(conn)  # the server's schema owns the warnings feed the simulator publishes to
    conn.executescript(SCHEMA)
    conn.commit()


def get_state(conn: sqlite3.Connection, key: str, default: Any = None) -> Any:
    row = conn.execute("SELECT value FROM sim_state WHERE key = ?", (key,)).fetchone()
    return json.loads(row[0]) if row else default


def set_state(conn: sqlite3.Connection, key: str, value: Any) -> None:
    conn.execute("INSERT INTO sim_state (key, value) VALUES (?, ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, json.dumps(value)))


class Counters:
    """Increments gathered in memory, then added to sim_daily / sim_hourly in one go."""

    def __init__(self) -> None:
        self.daily: defaultdict[tuple[str, str, str], float] = defaultdict(float)
        self.hourly: defaultdict[tuple[str, str], float] = defaultdict(float)
        self.hourly_set: dict[tuple[str, str], float] = {}
        self.hourly_max: dict[tuple[str, str], float] = {}
        self.pending: list[tuple[str, str, str, str, float]] = []

    def later(self, due: str, metric: str, day: str, town: str, value: float = 1) -> None:
        """Count for the town and the city once the simulated clock passes `due`."""
        self.pending += [(due, metric, day, town, value), (due, metric, day, CITY, value)]

    def day(self, metric: str, day: str, town: str, value: float = 1) -> None:
        self.daily[metric, day, town] += value

    def day_city(self, metric: str, day: str, town: str, value: float = 1) -> None:
        """Count for the town and for the whole city."""
        self.daily[metric, day, town] += value
        self.daily[metric, day, CITY] += value

    def hour(self, metric: str, hour: str, value: float = 1) -> None:
        self.hourly[metric, hour] += value

    def flush(self, conn: sqlite3.Connection) -> None:
        conn.executemany("INSERT INTO sim_daily (metric, day, town, value) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT DO UPDATE SET value = value + excluded.value",
                         [(*key, value) for key, value in self.daily.items()])
        conn.executemany("INSERT INTO sim_hourly (metric, hour, value) VALUES (?, ?, ?) "
                         "ON CONFLICT DO UPDATE SET value = value + excluded.value",
                         [(*key, value) for key, value in self.hourly.items()])
        conn.executemany("INSERT OR REPLACE INTO sim_hourly (metric, hour, value) VALUES (?, ?, ?)",
                         [(*key, value) for key, value in self.hourly_set.items()])
        conn.executemany("INSERT INTO sim_hourly (metric, hour, value) VALUES (?, ?, ?) "
                         "ON CONFLICT DO UPDATE SET value = MAX(value, excluded.value)",
                         [(*key, value) for key, value in self.hourly_max.items()])
        self.hourly_max.clear()
        conn.executemany("INSERT INTO sim_pending (due, metric, day, town, value) VALUES (?, ?, ?, ?, ?)",
                         self.pending)
        self.pending.clear()
        self.daily.clear()
        self.hourly.clear()
        self.hourly_set.clear()


def apply_due(conn: sqlite3.Connection, now_text: str) -> None:
    """Add the pending counts that have fallen due into sim_daily."""
    conn.execute("INSERT INTO sim_daily (metric, day, town, value) "
                 "SELECT metric, day, town, SUM(value) FROM sim_pending WHERE due <= ? GROUP BY metric, day, town "
                 "ON CONFLICT DO UPDATE SET value = value + excluded.value", (now_text,))
    conn.execute("DELETE FROM sim_pending WHERE due <= ?", (now_text,))


KEEP_DAYS = {"sim_events": 35, "sim_work_orders": 35, "sim_hourly": 40, "service_requests": 100}


def prune(conn: sqlite3.Connection, now: datetime) -> None:
    """Drop rows no body reads any more (counts live on in sim_daily), so a long run stays small."""
    def before(days: int) -> str:
        return (now - timedelta(days=days)).isoformat(timespec="seconds")

    conn.execute("DELETE FROM sim_events WHERE closes_at < ?", (before(KEEP_DAYS["sim_events"]),))
    conn.execute("DELETE FROM sim_work_orders WHERE s6 < ?", (before(KEEP_DAYS["sim_work_orders"]),))
    conn.execute("DELETE FROM sim_hourly WHERE hour < ?", (before(KEEP_DAYS["sim_hourly"])[:13],))
    conn.execute("DELETE FROM service_requests WHERE status = 'closed' AND requested_datetime < ?",
                 (before(KEEP_DAYS["service_requests"]),))
