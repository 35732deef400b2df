"""The warning inbox: every received warning once, its state, its acknowledgement, the feed cursor.

SQLite in the user's data folder, so a restart, a crash or a long outage loses
nothing: messages and the feed cursor are stored in one transaction (no gap,
no repeat), and an acknowledgement is stored here before it is sent.
Thread-safe (one lock), so the worker that sends acks may share it.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cockpit.core import paths
from cockpit.core.warning.model import CENTRAL, WarningMessage, WarningRecord
from kernel.cap.chain import Link, chain_states, joined

SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    local_id INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL,
    origin TEXT NOT NULL,
    cap_key TEXT NOT NULL UNIQUE,
    msg_type TEXT NOT NULL,
    level TEXT NOT NULL,
    expires TEXT,
    message TEXT NOT NULL,
    state TEXT NOT NULL,
    received_at TEXT NOT NULL,
    first_shown_at TEXT,
    last_shown_at TEXT,
    reminders INTEGER NOT NULL DEFAULT 0,
    escalated_at TEXT,
    acked_at TEXT,
    acked_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS messages_by_id ON messages (origin, id);
CREATE INDEX IF NOT EXISTS messages_waiting ON messages (local_id) WHERE state = 'active' AND acked_at IS NULL;
CREATE TABLE IF NOT EXISTS refs (local_id INTEGER NOT NULL, cap_key TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS refs_by_key ON refs (cap_key);
CREATE TABLE IF NOT EXISTS acks (
    ack_id TEXT PRIMARY KEY,
    local_id INTEGER NOT NULL,
    warning_id TEXT NOT NULL,
    by_name TEXT NOT NULL,
    client TEXT NOT NULL,
    at TEXT NOT NULL,
    state TEXT NOT NULL,            -- pending, sent, refused, local (nobody to tell), elsewhere
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    sent_at TEXT
);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Change:
    """Something that happened to a warning: received, updated (superseded), cancelled, expired."""

    event: str
    record: WarningRecord


@dataclass(frozen=True)
class PendingAck:
    ack_id: str
    warning_id: str
    by: str
    client: str
    at: str
    attempts: int


# A message's state only ever moves up this list (so the end state does not depend on arrival order).
STATE_RANK = ("active", "expired", "updated", "cancelled")
# Decoded messages kept in memory: the list's 2,000 (which it holds anyway) and room for the waiting and the
# chains being resolved. More would only keep warnings nobody shows, a few KB each, for days.
DECODED_KEPT = 2500


def default_path() -> Path:
    return paths.user_data_dir() / "warnings.sqlite"


def _key_text(key: tuple[str, str, str]) -> str:
    return "\n".join(key)


def _text(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class Inbox:
    def __init__(self, path: Path | str | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an ack or a cursor must survive a power cut
        self._db.executescript(SCHEMA)
        self._decoded: dict[int, WarningMessage] = {}  # local_id -> message, see _record

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # ------------------------------------------------------------ cursors and feed validators

    def get_meta(self, name: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return row["value"] if row else None

    def set_meta(self, name: str, value: str | None) -> None:
        with self._transaction() as db:
            _set_meta(db, name, value)

    @property
    def cursor(self) -> str | None:
        """Where the central feed continues (None: from the start)."""
        return self.get_meta("cursor:central")

    # ------------------------------------------------------------ receiving

    def receive(self, messages: Iterable[WarningMessage], server_now: datetime, *,
                cursor: str | None = None, received_at: datetime | None = None) -> list[Change]:
        """Store the new messages (duplicates by CAP key are dropped) and, with them, the feed cursor."""
        received_at = received_at or datetime.now(UTC)
        changes: list[Change] = []
        with self._transaction() as db:
            for message in messages:
                changes += self._receive_one(db, message, server_now, received_at)
            if cursor is not None:
                _set_meta(db, "cursor:central", cursor)
        return changes

    def _receive_one(self, db: sqlite3.Connection, message: WarningMessage, server_now: datetime,
                     received_at: datetime) -> list[Change]:
        key = _key_text(message.key)
        if db.execute("SELECT 1 FROM messages WHERE cap_key = ?", (key,)).fetchone():
            return []
        local_id = db.execute(
            "INSERT INTO messages (id, origin, cap_key, msg_type, level, expires, message, state, received_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message.id, message.origin, key, message.msg_type, message.level, _text(message.expires),
             message.to_json(), "active", _text(received_at))).lastrowid
        # A reference to a message not here yet stays in `refs` and takes effect when that message comes.
        db.executemany("INSERT INTO refs (local_id, cap_key) VALUES (?, ?)",
                       [(local_id, _key_text(ref)) for ref in message.reference_keys])
        changed = self._resolve_chain(db, local_id, server_now)
        received = self._get(db, local_id)
        changes = [Change("received", received)]
        if received.state == "expired" and message.state != "expired":
            changes.append(Change("expired", received))  # over before it arrived: say so
        return changes + [Change(self._get(db, other).state, self._get(db, other))
                          for other in sorted(changed) if other != local_id]

    def _resolve_chain(self, db: sqlite3.Connection, start: int, server_now: datetime) -> list[int]:
        """Give every message joined to `start` by references its state from the whole chain (the same
        for every arrival order); returns the local ids whose state changed."""
        rows = {local_id: db.execute("SELECT * FROM messages WHERE local_id = ?", (local_id,)).fetchone()
                for local_id in joined(start, lambda current: [r[0] for r in db.execute(
                    "SELECT m.local_id FROM refs r JOIN messages m ON m.cap_key = r.cap_key WHERE r.local_id = ? "
                    "UNION SELECT r.local_id FROM refs r JOIN messages m ON m.cap_key = r.cap_key "
                    "WHERE m.local_id = ?", (current, current))])}
        messages = {local_id: self._record(row).message for local_id, row in rows.items()}
        resolved = chain_states(Link(m.key, m.msg_type, tuple(m.reference_keys), m.sent, m.signature == "valid")
                                for m in messages.values())
        changed = []
        for local_id, row in rows.items():
            message = messages[local_id]
            timed_out = message.expires is not None and message.expires <= server_now
            state = max(resolved[message.key], message.state, row["state"],
                        "expired" if timed_out else "active", key=STATE_RANK.index)
            if state != row["state"]:
                db.execute("UPDATE messages SET state = ? WHERE local_id = ?", (state, local_id))
                changed.append(local_id)
        return changed

    def expire(self, server_now: datetime) -> list[Change]:
        """Mark active warnings whose `expires` has passed on the server's clock."""
        with self._transaction() as db:
            rows = db.execute("SELECT local_id FROM messages WHERE state = 'active' AND expires IS NOT NULL "
                              "AND expires <= ?", (_text(server_now),)).fetchall()
            db.executemany("UPDATE messages SET state = 'expired' WHERE local_id = ?",
                           [(row["local_id"],) for row in rows])
            return [Change("expired", self._get(db, row["local_id"])) for row in rows]

    # ------------------------------------------------------------ showing

    def note_shown(self, local_id: int, now: datetime) -> str:
        """Record a display; "shown" the first time, "reminded" after that."""
        with self._transaction() as db:
            row = db.execute("SELECT first_shown_at FROM messages WHERE local_id = ?", (local_id,)).fetchone()
            if row is None:
                raise KeyError(local_id)
            if row["first_shown_at"] is None:
                db.execute("UPDATE messages SET first_shown_at = ?, last_shown_at = ? WHERE local_id = ?",
                           (_text(now), _text(now), local_id))
                return "shown"
            db.execute("UPDATE messages SET last_shown_at = ?, reminders = reminders + 1 WHERE local_id = ?",
                       (_text(now), local_id))
            return "reminded"

    def note_escalated(self, local_id: int, now: datetime) -> None:
        with self._transaction() as db:
            db.execute("UPDATE messages SET escalated_at = ? WHERE local_id = ? AND escalated_at IS NULL",
                       (_text(now), local_id))

    # ------------------------------------------------------------ acknowledging

    def acknowledge(self, local_id: int, by: str, client: str, now: datetime, *,
                    elsewhere: bool = False) -> WarningRecord | None:
        """Store the acknowledgement (and queue it for the central API, unless it was made `elsewhere` and
        learnt from there); None if it was already acknowledged."""
        with self._transaction() as db:
            row = db.execute("SELECT id, origin, acked_at FROM messages WHERE local_id = ?", (local_id,)).fetchone()
            if row is None:
                raise KeyError(local_id)
            if row["acked_at"] is not None:
                return None
            db.execute("UPDATE messages SET acked_at = ?, acked_by = ? WHERE local_id = ?",
                       (_text(now), by, local_id))
            db.execute("INSERT INTO acks (ack_id, local_id, warning_id, by_name, client, at, state) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (str(uuid.uuid4()), local_id, row["id"], by, client,
                        now.astimezone().isoformat(timespec="seconds"),
                        "elsewhere" if elsewhere else "pending" if row["origin"] == CENTRAL else "local"))
            return self._get(db, local_id)

    def pending_acks(self) -> list[PendingAck]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM acks WHERE state = 'pending' ORDER BY rowid").fetchall()
        return [PendingAck(r["ack_id"], r["warning_id"], r["by_name"], r["client"], r["at"], r["attempts"])
                for r in rows]

    def ack_sent(self, ack_id: str, now: datetime) -> None:
        with self._transaction() as db:
            db.execute("UPDATE acks SET state = 'sent', sent_at = ?, attempts = attempts + 1 WHERE ack_id = ?",
                       (_text(now), ack_id))

    def ack_failed(self, ack_id: str, error: str, *, give_up: bool = False) -> None:
        """A failed attempt: kept pending for the next try, or `give_up` when the server refused it for good."""
        with self._transaction() as db:
            db.execute("UPDATE acks SET state = ?, last_error = ?, attempts = attempts + 1 WHERE ack_id = ?",
                       ("refused" if give_up else "pending", error, ack_id))

    def ack_state(self, local_id: int) -> tuple[str, str] | None:
        """(state, last error) of the warning's acknowledgement, None if it has none."""
        with self._lock:
            row = self._db.execute("SELECT state, last_error FROM acks WHERE local_id = ?", (local_id,)).fetchone()
        return (row["state"], row["last_error"]) if row else None

    # ------------------------------------------------------------ reading

    def get(self, local_id: int) -> WarningRecord:
        with self._lock:
            return self._get(self._db, local_id)

    def find(self, warning_id: str, origin: str = CENTRAL) -> WarningRecord | None:
        """The newest message with this id from this origin."""
        with self._lock:
            row = self._db.execute("SELECT local_id FROM messages WHERE origin = ? AND id = ? "
                                   "ORDER BY local_id DESC LIMIT 1", (origin, warning_id)).fetchone()
            return self._get(self._db, row["local_id"]) if row else None

    def records(self, *, states: Iterable[str] | None = None, levels: Iterable[str] | None = None,
                limit: int = 1000) -> list[WarningRecord]:
        """History, newest first, optionally only some states and levels."""
        sql, args = "SELECT * FROM messages", []
        clauses = []
        for column, values in (("state", states), ("level", levels)):
            if values is not None:
                values = list(values)
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                args += values
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY local_id DESC LIMIT ?"
        with self._lock:
            return [self._record(row) for row in self._db.execute(sql, (*args, limit))]

    def needing_attention(self) -> list[WarningRecord]:
        """Active, unacknowledged Alerts and Updates (`WarningRecord.wants_attention`), newest first.

        Chosen in SQL: only these few are decoded, however many warnings the inbox holds."""
        with self._lock:
            return [self._record(row) for row in self._db.execute(
                "SELECT * FROM messages WHERE state = 'active' AND acked_at IS NULL "
                "AND msg_type IN ('Alert', 'Update') ORDER BY local_id DESC")]

    def count(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]

    def _get(self, db: sqlite3.Connection, local_id: int) -> WarningRecord:
        row = db.execute("SELECT * FROM messages WHERE local_id = ?", (local_id,)).fetchone()
        if row is None:
            raise KeyError(local_id)
        return self._record(row)

    def _record(self, row: sqlite3.Row) -> WarningRecord:
        """A stored message never changes (only its state does): each is decoded once, not on every read."""
        message = self._decoded.get(row["local_id"])
        if message is None:
            message = self._decoded[row["local_id"]] = WarningMessage.from_json(row["message"])
            if len(self._decoded) > DECODED_KEPT:
                del self._decoded[next(iter(self._decoded))]  # the first decoded goes first
        return _record(row, message)


def _set_meta(db: sqlite3.Connection, name: str, value: str | None) -> None:
    if value is None:
        db.execute("DELETE FROM meta WHERE name = ?", (name,))
    else:
        db.execute("INSERT INTO meta (name, value) VALUES (?, ?) "
                   "ON CONFLICT (name) DO UPDATE SET value = excluded.value", (name, value))


def _record(row: sqlite3.Row, message: WarningMessage) -> WarningRecord:
    return WarningRecord(
        local_id=row["local_id"], message=message, state=row["state"],
        received_at=_time(row["received_at"]), first_shown_at=_time(row["first_shown_at"]),
        last_shown_at=_time(row["last_shown_at"]), reminders=row["reminders"],
        escalated_at=_time(row["escalated_at"]), acked_at=_time(row["acked_at"]), acked_by=row["acked_by"],
    )
