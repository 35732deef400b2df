"""The last good payload of each endpoint on disk (SQLite), so a cockpit started while the API is down
shows the cached picture at once, marked stale with its age.

Keyed by (API base URL, endpoint): two APIs never mix. Safe to call from any
thread (the poller saves from its worker threads). A damaged cache file is set
aside and replaced, never a reason not to start.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger(__name__)
_SCHEMA = 1


@dataclass(frozen=True)
class CachedPayload:
    endpoint: str
    payload: dict | list
    etag: str | None
    server_time: datetime  # when the server last confirmed this payload (its HTTP Date), UTC


class DiskCache:
    def __init__(self, path: Path, api_url: str) -> None:
        self.path = Path(path)
        self.api_url = api_url.rstrip("/")
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(self.path.name + ".damaged")
            log.warning("the payload cache %s is damaged (%s); moved it to %s and starting a new one",
                        self.path, exc, aside.name)
            self.path.replace(aside)
            self._db = self._open()

    _closed = False

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5.0)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, _SCHEMA):
                raise sqlite3.DatabaseError(f"cache schema {version}, this cockpit writes {_SCHEMA}")
            db.execute("""CREATE TABLE IF NOT EXISTS payloads (
                api_url TEXT NOT NULL, endpoint TEXT NOT NULL, payload TEXT NOT NULL, etag TEXT,
                server_time TEXT NOT NULL, PRIMARY KEY (api_url, endpoint))""")
            db.execute(f"PRAGMA user_version={_SCHEMA}")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def save(self, endpoint: str, payload: dict | list, etag: str | None, server_time: datetime) -> None:
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            if self._closed:  # a fetch that finished after shut-down: the process is leaving
                return
            self._db.execute("INSERT OR REPLACE INTO payloads VALUES (?, ?, ?, ?, ?)",
                             (self.api_url, endpoint, text, etag, _iso(server_time)))

    def touch(self, endpoint: str, server_time: datetime) -> None:
        """The server confirmed the cached payload is current (a 304): move its time on."""
        with self._lock:
            if self._closed:
                return
            self._db.execute("UPDATE payloads SET server_time = ? WHERE api_url = ? AND endpoint = ?",
                             (_iso(server_time), self.api_url, endpoint))

    def load_all(self) -> dict[str, CachedPayload]:
        with self._lock:
            rows = self._db.execute("SELECT endpoint, payload, etag, server_time FROM payloads WHERE api_url = ?",
                                    (self.api_url,)).fetchall()
        found: dict[str, CachedPayload] = {}
        for endpoint, text, etag, when in rows:
            try:
                found[endpoint] = CachedPayload(endpoint, json.loads(text), etag, _parse_iso(when))
            except ValueError as exc:  # one bad row costs that endpoint, not the cache
                log.warning("skipping the unreadable cached payload of %s: %s", endpoint, exc)
        return found

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()


def _iso(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("cache times must be timezone-aware")
    return when.astimezone(UTC).isoformat()


def _parse_iso(text: str) -> datetime:
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)
