"""The warnings store on a real SQLite file: concurrent publishers, cursors, schema versions."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta

import pytest

from central import db as central_db
from central.db import Database, SchemaTooNewError
from central.warning_feed import CursorError, decode_cursor, encode_cursor, feed, publish_warning, warning_id
from kernel.clock import CITY_TZ

SENT = datetime(2026, 11, 24, 20, 0, tzinfo=CITY_TZ)


def publish(conn: sqlite3.Connection, headline: str) -> dict:
    return publish_warning(conn, severity="blue", headline=headline, adcode="320612", lon=121.0, lat=32.0,
                           item_code="T-01", item_name="测试", domain="城市运行", sent=SENT,
                           expires=SENT + timedelta(hours=1))


def test_concurrent_publishers_and_a_following_reader_see_each_message_once(tmp_path):
    database = Database(tmp_path / "central.sqlite")
    writers, per_writer = 4, 40
    done = threading.Event()
    seen: list[str] = []

    def write(n: int) -> None:
        conn = database.conn()
        for k in range(per_writer):
            publish(conn, f"writer {n} message {k}")

    def read() -> None:
        conn, after = database.conn(), 0
        while True:
            finished = done.is_set()  # read once more after the writers stop
            batch = feed(conn, after, 7, now=SENT)
            seen.extend(w["id"] for w in batch)
            after = int(batch[-1]["id"][1:]) if batch else after
            if finished and not batch:
                return

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reader.join(30)
    assert seen == [warning_id(n) for n in range(1, writers * per_writer + 1)]  # no gap, no repeat, in order
    database.close()


def test_cursor_round_trip_and_refusals():
    cursor = encode_cursor("abc", 42)
    assert decode_cursor(cursor, "abc") == 42
    with pytest.raises(CursorError, match="another central database"):
        decode_cursor(cursor, "other")
    for bad in ("", "%%%", encode_cursor("abc", 1)[:-3], "eyJ2IjoxLCJkYiI6ImFiYyIsInNlcSI6dHJ1ZX0"):
        with pytest.raises(CursorError):
            decode_cursor(bad, "abc")


def test_identity_survives_reopening_and_new_files_differ(tmp_path):
    first = Database(tmp_path / "a.sqlite")
    identity = first.db_id
    first.close()
    assert Database(tmp_path / "a.sqlite").db_id == identity
    assert Database(tmp_path / "b.sqlite").db_id != identity


def test_a_newer_schema_is_refused_in_words(tmp_path):
    path = tmp_path / "future.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {central_db.SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(SchemaTooNewError, match="newer server"):
        Database(path)


def test_publish_refuses_unknown_severity_and_source(tmp_path):
    conn = Database(tmp_path / "c.sqlite").conn()
    with pytest.raises(ValueError, match="severity"):
        publish_warning(conn, severity="pink", headline="x", adcode=None, lon=None, lat=None, item_code="",
                        item_name="", domain="", sent=SENT, expires=None)
    with pytest.raises(ValueError, match="source"):
        publish_warning(conn, severity="red", headline="x", adcode=None, lon=None, lat=None, item_code="",
                        item_name="", domain="", sent=SENT, expires=None, source="rumour")


def test_simulator_update_and_cancel_chain_with_valid_cap(tmp_path):
    import xmlschema

    from central.capio import to_cap
    from central.warning_feed import get_row, get_warning
    from kernel.paths import resource

    schema = xmlschema.XMLSchema(str(resource("CAP-v1.2.xsd")))
    conn = Database(tmp_path / "chain.sqlite").conn()
    alert = publish(conn, "河道水位超警")
    ref = [{key: alert[key] for key in ("sender", "identifier", "sent")}]
    fields = dict(severity="orange", headline="河道水位继续上涨", adcode="320612", lon=121.0, lat=32.0,
                  item_code="T-01", item_name="测试", domain="公共安全", sent=SENT + timedelta(minutes=5),
                  expires=SENT + timedelta(hours=2), polygon=[(121.0, 32.0), (121.1, 32.0), (121.1, 32.1)])
    update = publish_warning(conn, msg_type="Update", references=ref, **fields)
    assert get_warning(conn, 1, now=SENT)["state"] == "updated"
    assert update["references"] == ref and update["state"] == "active"
    cancel = publish_warning(conn, msg_type="Cancel", **dict(fields, sent=SENT + timedelta(minutes=9)),
                             references=[{key: update[key] for key in ("sender", "identifier", "sent")}])
    assert cancel["state"] == "cancelled" and get_warning(conn, 2, now=SENT)["state"] == "cancelled"
    for seq in (1, 2, 3):
        schema.validate(to_cap(get_row(conn, seq)))  # the open polygon ring is closed on the way out
    with pytest.raises(ValueError, match="reference"):
        publish_warning(conn, msg_type="Update", references=[{"identifier": "x"}], **fields)
