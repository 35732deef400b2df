"""The central API's SQLite store: WAL mode, one connection per thread, a versioned schema.

The simulator writes its own tables into the same file; this module owns the
warnings feed, acknowledgements and the database's identity (`db_id`, which
makes feed cursors from another database recognisable).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 5000



def _every_area_and_its_chain(conn: sqlite3.Connection) -> None:
    """Schema 2: a warning keeps every area, the message as received, its signature and default expiry;
    references are kept on their own (so one naming a message not here yet takes effect when it comes)."""
    statements = """
        ALTER TABLE warnings ADD COLUMN areas TEXT NOT NULL DEFAULT '[]';  -- JSON, every area as sent
        ALTER TABLE warnings ADD COLUMN expires_assumed INTEGER NOT NULL DEFAULT 0;  -- 1: the default lifetime
        ALTER TABLE warnings ADD COLUMN cap_xml BLOB;    -- an ingested message exactly as received
        ALTER TABLE warnings ADD COLUMN signature TEXT NOT NULL DEFAULT 'unsigned';  -- valid/unsigned/own
        ALTER TABLE warnings ADD COLUMN signer TEXT NOT NULL DEFAULT '';
        ALTER TABLE warnings ADD COLUMN signer_fingerprint TEXT NOT NULL DEFAULT '';
        ALTER TABLE warnings ADD COLUMN chain_key TEXT;  -- identifier, sender, sent (UTC) joined by newlines
        CREATE INDEX IF NOT EXISTS warnings_chain_key ON warnings (chain_key);
        CREATE TABLE IF NOT EXISTS warning_refs (seq INTEGER NOT NULL, ref_key TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS warning_refs_key ON warning_refs (ref_key);
        CREATE INDEX IF NOT EXISTS warning_refs_seq ON warning_refs (seq);
    """
    for statement in filter(str.strip, statements.split(";")):
        conn.execute(statement)
    from kernel.cap.chain import key_of  # the canonical key is computed in Python, so is the backfill

    for row in conn.execute("SELECT seq, identifier, sender, cap_sent, refs FROM warnings").fetchall():
        conn.execute("UPDATE warnings SET chain_key = ? WHERE seq = ?",
                     ("\n".join(key_of(row[1] or "", row[2], row[3])), row[0]))
        conn.executemany("INSERT INTO warning_refs (seq, ref_key) VALUES (?, ?)",
                         [(row[0], "\n".join(key_of(r["identifier"], r["sender"], r["sent"])))
                          for r in json.loads(row[4])])


# Each entry moves the schema from version N to N+1; never edit a shipped step, add one.
_MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    """
    CREATE TABLE IF NOT EXISTS central_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS warnings (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- feed order; the public id is W + seq
        identifier TEXT,
        sender TEXT NOT NULL,
        sent TEXT NOT NULL,          -- ISO, +08:00, whole seconds (times here all share that form,
        cap_sent TEXT NOT NULL,      --   so they compare as strings); cap_sent: as the message wrote it
        status TEXT NOT NULL,        -- CAP status: Actual/Exercise
        msg_type TEXT NOT NULL,      -- Alert/Update/Cancel
        refs TEXT NOT NULL,          -- JSON [{"sender", "identifier", "sent"}]
        severity TEXT NOT NULL,      -- red/orange/yellow/blue
        cap_severity TEXT NOT NULL,
        urgency TEXT NOT NULL,
        certainty TEXT NOT NULL,
        language TEXT NOT NULL,
        category TEXT NOT NULL,
        event TEXT NOT NULL,
        headline TEXT NOT NULL,
        description TEXT NOT NULL,
        instruction TEXT NOT NULL,
        item_code TEXT NOT NULL,
        item_name TEXT NOT NULL,
        domain TEXT NOT NULL,
        expires TEXT,                -- NULL: never expires
        area_name TEXT NOT NULL,
        adcode TEXT,
        polygon TEXT,                -- JSON [[lon, lat], ...]
        circle TEXT,                 -- JSON {"lon", "lat", "radius_km"}
        lon REAL,
        lat REAL,
        source TEXT NOT NULL,        -- simulator/cap/drill
        state TEXT NOT NULL,         -- active/updated/cancelled; "expired" is derived on read
        received TEXT NOT NULL       -- server clock
    );
    CREATE UNIQUE INDEX IF NOT EXISTS warnings_identity ON warnings (identifier, sender, sent);
    CREATE INDEX IF NOT EXISTS warnings_live ON warnings (state, expires);
    CREATE TABLE IF NOT EXISTS warning_acks (
        ack_id TEXT PRIMARY KEY,
        warning_seq INTEGER NOT NULL REFERENCES warnings (seq),
        by_name TEXT NOT NULL,
        at TEXT NOT NULL,
        client TEXT NOT NULL,
        received TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS warning_acks_seq ON warning_acks (warning_seq);
    -- Written by the simulator; created here too so either side may come first.
    CREATE TABLE IF NOT EXISTS open311_services (
        service_code TEXT PRIMARY KEY, service_name TEXT, description TEXT, keywords TEXT, grp TEXT
    );
    CREATE TABLE IF NOT EXISTS service_requests (
        service_request_id TEXT PRIMARY KEY, status TEXT, status_notes TEXT, service_code TEXT,
        description TEXT, agency_responsible TEXT, service_notice TEXT, requested_datetime TEXT,
        updated_datetime TEXT, expected_datetime TEXT, address TEXT, address_id TEXT, zipcode TEXT,
        lat REAL, lon REAL, media_url TEXT, channel TEXT, town_adcode TEXT, satisfaction INTEGER
    );
    CREATE INDEX IF NOT EXISTS service_requests_time ON service_requests (requested_datetime);
    """,
    _every_area_and_its_chain,
)


class SchemaTooNewError(RuntimeError):
    pass


def connect(path: Path | str) -> sqlite3.Connection:
    """A connection in WAL mode that waits for locks instead of failing at once."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the schema to SCHEMA_VERSION and give the database its identity."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the database was written by a newer server (schema {version}, this one knows {SCHEMA_VERSION})")
    for step in range(version, SCHEMA_VERSION):
        migration = _MIGRATIONS[step]
        with conn:
            if callable(migration):
                conn.execute("BEGIN IMMEDIATE")  # one transaction: a crash half-way leaves the old schema
                migration(conn)
            else:
                conn.executescript(migration)
            conn.execute(f"PRAGMA user_version = {step + 1}")
    with conn:
        conn.execute("INSERT OR IGNORE INTO central_meta (key, value) VALUES ('db_id', ?)",
                     (secrets.token_hex(8),))


def db_id(conn: sqlite3.Connection) -> str:
    return conn.execute("SELECT value FROM central_meta WHERE key = 'db_id'").fetchone()[0]


class Connections:
    """One connection per thread (sqlite3 connections are not shared across threads)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False

    def get(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                if self._closed:
                    raise sqlite3.ProgrammingError("the database is closed")
                conn = self._local.conn = connect(self.path)
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._all = self._all, []
        for conn in connections:
            conn.close()


class Database(Connections):
    """The server's database: its schema brought up to date, its identity known."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(path)
        conn = self.get()
        migrate(conn)
        self.db_id = db_id(conn)

    conn = Connections.get
