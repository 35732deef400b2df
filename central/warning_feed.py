"""The warnings feed: every published message in order, exactly once, across restarts.

A warning's public id is `W` + its feed sequence number (an SQLite AUTOINCREMENT,
so it only grows). Feed cursors carry the database's random id, so a cursor
from another database is recognised instead of silently skipping or repeating.
Publishing rings `BELL`, which wakes the feed's long polls at once.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from kernel import levels
from kernel.cap.chain import Key, Link, chain_states, joined, key_of
from kernel.clock import city_text

SENDER = "cockpit-central@nantong.gov.cn"
SENDER_NAME = "南通市市域治理现代化指挥中心"
STATES = ("active", "updated", "cancelled", "expired")
SOURCES = ("simulator", "cap", "drill")
CATEGORY_BY_DOMAIN = {"社会治理": "Security", "公共安全": "Safety", "城市运行": "Infra"}  # others: "Other"
_ID = re.compile(r"W(\d{1,12})")


class CursorError(ValueError):
    """A feed cursor this server cannot continue from; the text says why."""


def warning_id(seq: int) -> str:
    return f"W{seq:06d}"


def seq_of(public_id: str) -> int | None:
    match = _ID.fullmatch(public_id)
    return int(match.group(1)) if match else None


# ---------------------------------------------------------------- the bell

class Bell:
    """Wakes async waiters (the feed's long polls) when any thread publishes.

    `generation` counts the rings: whatever was read from the feed before a ring may be out of
    date after it (central.answers keys its shared pages by it). Arming and disarming are O(1) and
    a ring wakes each event loop's waiters with one call, so hundreds of long polls cost little.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[asyncio.Future[None], asyncio.AbstractEventLoop] = {}
        self.closed = False
        self.generation = 0

    def arm(self) -> asyncio.Future[None]:
        """A future that completes at the next ring; arm BEFORE looking, so no ring is missed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self.closed:
                future.set_result(None)
            else:
                self._waiters[future] = loop
        return future

    async def wait(self, future: asyncio.Future[None], timeout: float) -> None:
        """Until the ring or `timeout` seconds, whichever comes first (each waiter has its own future)."""
        if future.done():
            return
        timer = asyncio.get_running_loop().call_later(timeout, _resolve, future)
        try:
            await future
        finally:
            timer.cancel()

    def disarm(self, future: asyncio.Future[None]) -> None:
        with self._lock:
            self._waiters.pop(future, None)

    def ring(self) -> None:
        with self._lock:
            self.generation += 1
            waiters, self._waiters = self._waiters, {}
        by_loop: dict[asyncio.AbstractEventLoop, list[asyncio.Future[None]]] = {}
        for future, loop in waiters.items():
            by_loop.setdefault(loop, []).append(future)
        for loop, futures in by_loop.items():
            with contextlib.suppress(RuntimeError):  # that loop has closed: nobody waits there any more
                loop.call_soon_threadsafe(_resolve_all, futures)

    def close(self) -> None:
        """Shutting down: release every waiter now and from now on."""
        self.closed = True
        self.ring()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _resolve_all(futures: list[asyncio.Future[None]]) -> None:
    for future in futures:
        _resolve(future)


BELL = Bell()


# ---------------------------------------------------------------- cursors

def encode_cursor(db: str, seq: int) -> str:
    raw = json.dumps({"v": 1, "db": db, "seq": seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, db: str) -> int:
    """The sequence number after which to continue, for this database."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        version, cursor_db, seq = data["v"], data["db"], data["seq"]
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError):
        raise CursorError("the cursor is not one this server hands out; start again without `after`") from None
    if version != 1 or not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise CursorError("the cursor is not one this server hands out; start again without `after`")
    if cursor_db != db:
        raise CursorError("the cursor belongs to another central database (the server's data was "
                          "replaced); start again without `after`")
    return seq


# ---------------------------------------------------------------- writing

def publish_warning(conn: sqlite3.Connection, *, severity: str, headline: str, adcode: str | None,
                    lon: float | None, lat: float | None, item_code: str, item_name: str, domain: str,
                    sent: datetime, expires: datetime | None, description: str = "", instruction: str = "",
                    area_name: str = "", polygon: Sequence[Sequence[float]] | None = None,
                    source: str = "simulator", msg_type: str = "Alert",
                    references: Iterable[dict[str, str]] = ()) -> dict[str, Any]:
    """Publish a warning of this server's own (simulator or drill) and wake the long polls.

    Thread-safe: give it the calling thread's connection. It commits, unless the
    caller already holds a transaction open (then the caller commits).
    """
    if severity not in levels.RANK:
        raise ValueError(f"severity must be one of {', '.join(levels.CODES)}, not {severity!r}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    try:
        refs = [{"sender": r["sender"], "identifier": r["identifier"], "sent": r["sent"]} for r in references]
    except (KeyError, TypeError):
        raise ValueError("each reference must be a dict with sender, identifier and sent") from None
    fields = {
        "identifier": None, "sender": SENDER, "sent": city_text(sent), "cap_sent": city_text(sent),
        "status": "Exercise" if source == "drill" else "Actual", "msg_type": msg_type,
        "refs": refs, "severity": severity, "cap_severity": levels.of(severity).severity,
        "urgency": levels.of(severity).urgency, "certainty": "Likely", "language": "zh-CN",
        "category": CATEGORY_BY_DOMAIN.get(domain, "Other"), "event": item_name or headline,
        "headline": headline, "description": description, "instruction": instruction,
        "item_code": item_code, "item_name": item_name, "domain": domain,
        "expires": city_text(expires) if expires else None, "area_name": area_name, "adcode": adcode,
        "polygon": [[float(x), float(y)] for x, y in polygon] if polygon else None, "circle": None,
        "lon": lon, "lat": lat, "source": source, "state": "cancelled" if msg_type == "Cancel" else "active",
    }
    fields["areas"] = [{"name": area_name, "adcode": adcode, "polygons": [fields["polygon"]] if polygon else [],
                        "circles": [], "geocodes": [{"name": "adcode", "value": adcode}] if adcode else []}]
    with _transaction(conn):
        seq = insert_warning(conn, fields)
        # The identifier needs the sequence number, which exists only after the insert.
        identifier = f"urn:oid:2.49.0.1.156.0.320600.{sent.year}.{seq}"
        conn.execute("UPDATE warnings SET identifier = ?, chain_key = ? WHERE seq = ?",
                     (identifier, chain_text(key_of(identifier, SENDER, fields["cap_sent"])), seq))
        resolve_chain(conn, seq)
    BELL.ring()
    return get_warning(conn, seq, now=sent)  # type: ignore[return-value]


def insert_warning(conn: sqlite3.Connection, fields: dict[str, Any]) -> int:
    """Insert one message and its references (inside the caller's transaction); its sequence number."""
    row = dict(fields)
    row["refs"] = json.dumps(row["refs"], ensure_ascii=False)
    for key in ("polygon", "circle"):
        row[key] = json.dumps(row[key]) if row[key] is not None else None
    row["areas"] = json.dumps(row.get("areas") or [], ensure_ascii=False)
    if row["identifier"]:
        row["chain_key"] = chain_text(key_of(row["identifier"], row["sender"], row["cap_sent"]))
    row["received"] = datetime.now(UTC).isoformat(timespec="seconds")
    columns = ", ".join(row)
    cursor = conn.execute(f"INSERT INTO warnings ({columns}) VALUES ({', '.join('?' * len(row))})",
                          tuple(row.values()))
    assert cursor.lastrowid is not None
    conn.executemany("INSERT INTO warning_refs (seq, ref_key) VALUES (?, ?)",
                     [(cursor.lastrowid, chain_text(key_of(r["identifier"], r["sender"], r["sent"])))
                      for r in fields["refs"]])
    return cursor.lastrowid


def chain_text(key: Key) -> str:
    return "\n".join(key)


def find_message(conn: sqlite3.Connection, *, sender: str, identifier: str, sent: str) -> sqlite3.Row | None:
    """The message CAP names by (sender, identifier, sent); `sent` in any offset."""
    return conn.execute("SELECT * FROM warnings WHERE chain_key = ?",
                        (chain_text(key_of(identifier, sender, sent)),)).fetchone()


def resolve_chain(conn: sqlite3.Connection, seq: int) -> list[int]:
    """Give every message joined to `seq` by references its state from the whole chain (kernel.cap.chain:
    the same for every arrival order, a reference to a message not here yet applied when it comes).

    Returns the sequence numbers whose state changed. Only their state changes: they are not published
    again (the new message is the feed entry)."""
    rows = {current: conn.execute("SELECT seq, chain_key, msg_type, refs, sent, state, signature FROM warnings "
                                  "WHERE seq = ?",
                                  (current,)).fetchone()
            for current in joined(seq, lambda current: [r[0] for r in conn.execute(
                "SELECT w.seq FROM warning_refs r JOIN warnings w ON w.chain_key = r.ref_key WHERE r.seq = ? "
                "UNION SELECT r.seq FROM warning_refs r JOIN warnings w ON w.chain_key = r.ref_key "
                "WHERE w.seq = ?", (current, current))])}
    links = {seq: Link(tuple(row["chain_key"].split("\n")), row["msg_type"],  # type: ignore[arg-type]
                       tuple(key_of(r["identifier"], r["sender"], r["sent"]) for r in json.loads(row["refs"])),
                       datetime.fromisoformat(row["sent"]), row["signature"] == "valid")
             for seq, row in rows.items() if row["chain_key"]}
    states = chain_states(links.values())
    changed = [seq for seq, link in links.items() if states[link.key] != rows[seq]["state"]]
    conn.executemany("UPDATE warnings SET state = ? WHERE seq = ?",
                     [(states[links[seq].key], seq) for seq in changed])
    return changed


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, or join the caller's open transaction."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn, self.own = conn, not conn.in_transaction

    def __enter__(self) -> None:
        if self.own:
            self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, *rest: object) -> None:
        if self.own:
            if kind is None:
                self.conn.commit()
            else:
                self.conn.rollback()


def transaction(conn: sqlite3.Connection) -> _transaction:
    return _transaction(conn)


def add_ack(conn: sqlite3.Connection, seq: int, *, ack_id: str, by: str, at: str, client: str) -> bool:
    """Record an acknowledgement once per ack_id; False when the warning does not exist."""
    with _transaction(conn):
        if conn.execute("SELECT 1 FROM warnings WHERE seq = ?", (seq,)).fetchone() is None:
            return False
        conn.execute("INSERT OR IGNORE INTO warning_acks (ack_id, warning_seq, by_name, at, client, received) "
                     "VALUES (?, ?, ?, ?, ?, ?)",
                     (ack_id, seq, by, at, client, datetime.now(UTC).isoformat(timespec="seconds")))
    return True


# ---------------------------------------------------------------- reading

def get_warning(conn: sqlite3.Connection, seq: int, *, now: datetime) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM warnings WHERE seq = ?", (seq,)).fetchone()
    return _as_json(row, _acks(conn, [seq]).get(seq, []), now) if row else None


def get_row(conn: sqlite3.Connection, seq: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM warnings WHERE seq = ?", (seq,)).fetchone()


def feed(conn: sqlite3.Connection, after: int, limit: int, *, now: datetime) -> list[dict[str, Any]]:
    """The messages published after sequence number `after`, oldest first."""
    rows = conn.execute("SELECT * FROM warnings WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)).fetchall()
    acks = _acks(conn, [row["seq"] for row in rows])
    return [_as_json(row, acks.get(row["seq"], []), now) for row in rows]


def last_seq(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COALESCE(MAX(seq), 0) FROM warnings").fetchone()[0]


def active_warnings(conn: sqlite3.Connection, *, now: datetime) -> list[dict[str, Any]]:
    """Warnings in force at `now` (simulated clock), newest first: for /situation."""
    rows = conn.execute("SELECT * FROM warnings WHERE state = 'active' AND (expires IS NULL OR expires > ?) "
                        "ORDER BY seq DESC", (city_text(now),)).fetchall()
    acks = _acks(conn, [row["seq"] for row in rows])
    return [_as_json(row, acks.get(row["seq"], []), now) for row in rows]


def _acks(conn: sqlite3.Connection, seqs: list[int]) -> dict[int, list[dict[str, str]]]:
    found: dict[int, list[dict[str, str]]] = {}
    for start in range(0, len(seqs), 500):  # stay under SQLite's bound-parameter limit
        chunk = seqs[start:start + 500]
        for row in conn.execute(f"SELECT * FROM warning_acks WHERE warning_seq IN ({', '.join('?' * len(chunk))}) "
                                "ORDER BY rowid", chunk):
            found.setdefault(row["warning_seq"], []).append(
                {"by": row["by_name"], "at": row["at"], "client": row["client"]})
    return found


def state_at(row: sqlite3.Row, now: datetime) -> str:
    if row["state"] == "active" and row["expires"] is not None and row["expires"] <= city_text(now):
        return "expired"
    return row["state"]


def _as_json(row: sqlite3.Row, acks: list[dict[str, str]], now: datetime) -> dict[str, Any]:
    return {
        "id": warning_id(row["seq"]),
        "identifier": row["identifier"],
        "sender": row["sender"],
        "msg_type": row["msg_type"],
        "references": json.loads(row["refs"]),
        "severity": row["severity"],
        "severity_name": levels.of(row["severity"]).name,
        "cap_severity": row["cap_severity"],
        "urgency": row["urgency"],
        "certainty": row["certainty"],
        "headline": row["headline"],
        "description": row["description"],
        "instruction": row["instruction"],
        "item": {"code": row["item_code"], "name": row["item_name"]},
        "domain": row["domain"],
        "sent": row["sent"],
        "expires": row["expires"],
        "expires_assumed": bool(row["expires_assumed"]),
        "area": {  # the first area, for clients of version 1 that know one
            "name": row["area_name"],
            "adcode": row["adcode"],
            "polygon": json.loads(row["polygon"]) if row["polygon"] else None,
            "circle": json.loads(row["circle"]) if row["circle"] else None,
        },
        "areas": json.loads(row["areas"]),
        "signature": {"status": row["signature"], "signer": row["signer"],
                      "fingerprint": row["signer_fingerprint"]},
        "lon": row["lon"],
        "lat": row["lat"],
        "source": row["source"],
        "status": row["status"],
        "state": state_at(row, now),
        "acks": acks,
    }
