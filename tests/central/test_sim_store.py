"""The simulator's tables: the Open311 columns the server reads, counters, counts falling due, pruning."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from central.sim.store import CITY, Counters, apply_due, connect, prepare, prune
from kernel.clock import CITY_TZ

NOW = datetime(2026, 11, 24, 20, 15, tzinfo=CITY_TZ)


@pytest.fixture
def conn(tmp_path):
    connection = connect(tmp_path / "c.sqlite")
    prepare(connection)
    yield connection
    connection.close()


def columns(conn, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def test_open311_tables_have_exactly_the_columns_the_server_reads(conn):
    assert columns(conn, "open311_services") == ["service_code", "service_name", "description", "keywords", "grp"]
    assert columns(conn, "service_requests") == [
        "service_request_id", "status", "status_notes", "service_code", "description", "agency_responsible",
        "service_notice", "requested_datetime", "updated_datetime", "expected_datetime", "address", "address_id",
        "zipcode", "lat", "lon", "media_url", "channel", "town_adcode", "satisfaction"]
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_counters_add_up_and_counts_fall_due_only_when_their_time_comes(conn):
    for _ in range(2):
        counters = Counters()
        counters.day_city("calls", "2026-11-24", "320612001", 3)
        counters.hour("calls", "2026-11-24T20", 3)
        counters.hourly_max["peak", "2026-11-24T20"] = 5
        counters.later("2026-11-25T08:00:00+08:00", "closed", "2026-11-24", "320612001")
        counters.flush(conn)
    daily = dict(((m, t), v) for m, _, t, v in conn.execute("SELECT * FROM sim_daily"))
    assert daily == {("calls", "320612001"): 6, ("calls", CITY): 6}
    hourly = dict(((m, h), v) for m, h, v in conn.execute("SELECT * FROM sim_hourly"))
    assert hourly == {("calls", "2026-11-24T20"): 6, ("peak", "2026-11-24T20"): 5}  # a maximum, not a sum
    apply_due(conn, "2026-11-25T07:59:59+08:00")
    assert conn.execute("SELECT COUNT(*) FROM sim_daily WHERE metric = 'closed'").fetchone()[0] == 0
    apply_due(conn, "2026-11-25T08:00:00+08:00")
    closed = dict(conn.execute("SELECT town, value FROM sim_daily WHERE metric = 'closed'"))
    assert closed == {"320612001": 2, CITY: 2}
    assert conn.execute("SELECT COUNT(*) FROM sim_pending").fetchone()[0] == 0


def test_pruning_drops_only_old_finished_rows(conn):
    def at(days: float) -> str:
        return (NOW - timedelta(days=days)).isoformat(timespec="seconds")

    for name, closes in (("old", at(40)), ("recent", at(3)), ("open", at(-2))):
        conn.execute("INSERT INTO sim_events VALUES (?, 'grid_event', 't', 't', '320612001', 121, 32, ?, NULL, ?, "
                     "NULL, NULL)", (name, at(50), closes))
    for name, status, requested in (("r-old", "closed", at(120)), ("r-old-open", "open", at(120)),
                                    ("r-new", "closed", at(10))):
        conn.execute("INSERT INTO service_requests (service_request_id, status, requested_datetime) VALUES (?, ?, ?)",
                     (name, status, requested))
    conn.execute("INSERT INTO sim_hourly VALUES ('calls', ?, 1), ('calls', ?, 1)", (at(50)[:13], at(1)[:13]))
    prune(conn, NOW)
    assert {r[0] for r in conn.execute("SELECT id FROM sim_events")} == {"recent", "open"}
    assert {r[0] for r in conn.execute("SELECT service_request_id FROM service_requests")} == {"r-old-open", "r-new"}
    assert conn.execute("SELECT COUNT(*) FROM sim_hourly").fetchone()[0] == 1
