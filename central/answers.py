"""Answers worked out once and shared by every client that asks for the same thing at the same time.

A publish wakes every long poll of the feed at once, and they all ask for the same page (the same
`after`, the same `limit`). `FeedPages` reads such a page from the database once, validates it against
`models.WarningMessage` once and keeps it encoded; each waiter adds only its envelope (cursor, clocks).
A kept page is served only while nothing it was read from can have changed:

- the bell has not rung since it was read (`Bell.generation`; every publish rings it);
- SQLite's `PRAGMA data_version`, read on a connection of its own that never writes, is unchanged:
  no connection, of this process or another (an acknowledgement, a writer that cannot ring the
  bell), has committed since;
- no message in it has reached its `expires` on the simulated clock (its `state` is derived at read
  time and would now say `expired`);
- it is younger than `max_age_s` (the long poll's recheck interval: a safety net under the others).

A page that is not fresh is read again, once, whoever asks: the askers meanwhile wait on the same read.

`Encoded` does the same for the big bodies (situation, panels), which follow the database alone:
their JSON bytes and strong ETag are worked out once per version of the body (in a worker thread),
and while `PRAGMA data_version` says that nothing has been committed since that version was read, a
request is answered from them on the event loop: a conditional GET of a body that has not changed
costs neither a query, nor a worker thread, nor encoding, nor hashing.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter

from central import models, warning_feed
from central.http import strong_etag
from kernel.clock import city_text

MAX_KEPT = 256  # pages kept (one per distinct `after` and `limit` asked for lately)
_WARNINGS = TypeAdapter(list[models.WarningMessage])
_FLOAT = TypeAdapter(float)
_ANY = TypeAdapter(dict[str, Any])


@dataclass(frozen=True)
class Page:
    """One page of the feed after `after`, encoded; and what it was read under."""

    after: int
    limit: int
    warnings: bytes  # the JSON array, as `models.Feed.warnings` serialises it
    count: int
    cursor: str  # where the next page starts
    ahead: bool  # the cursor is ahead of this feed (a restored database): nothing was read
    generation: int  # the bell's generation before the read
    version: int | None  # PRAGMA data_version before the read (None: unknown, never shared)
    read_at: float  # the event loop's clock when the read began
    until: str | None  # the first `expires` at which one of its messages turns `expired`


class Watch:
    """Tells whether anything was committed to the database since: SQLite's `PRAGMA data_version`
    on a connection of its own that never writes (it changes whenever any other connection, of this
    process or another, commits). Used on the event loop only: a few microseconds, never waiting for
    a lock (WAL readers do not wait for writers; a failure only means "unknown": read again)."""

    def __init__(self, db_path: Path) -> None:
        self._path = db_path
        self._conn: sqlite3.Connection | None = None

    def version(self) -> int | None:
        try:
            if self._conn is None:
                self._conn = sqlite3.connect(str(self._path), timeout=0, check_same_thread=False,
                                             isolation_level=None)
            return self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class FeedPages:
    def __init__(self, watch: Watch, db_id: str, conn: Callable[[], sqlite3.Connection],
                 now: Callable[[], datetime], max_age_s: float) -> None:
        """`conn()` gives the calling thread's connection; `now()` the simulated clock."""
        self._watch, self._db_id, self._conn, self._now, self._max_age = watch, db_id, conn, now, max_age_s
        self._kept: dict[tuple[int, int], Page] = {}
        self._reading: dict[tuple[int, int], tuple[int, int | None, asyncio.Task[Page]]] = {}
        self.reads = 0  # pages read from the database so far (for tests and benchmarks)

    async def get(self, after: int, limit: int) -> Page:
        """The page after `after`, as fresh as reading the database now would give it."""
        loop = asyncio.get_running_loop()
        key = (after, limit)
        generation, version = warning_feed.BELL.generation, self._watch.version()
        page = self._kept.get(key)
        if page is not None and self._fresh(page, generation, version, loop.time()):
            return page
        reading = self._reading.get(key)
        if reading is None or version is None or reading[:2] != (generation, version):
            # A read that began under the same generation and data version saw every commit made
            # before this request came: joining it is as fresh as reading now.
            task = loop.create_task(self._read(after, limit, generation, version, loop.time()))
            reading = (generation, version, task)
            self._reading[key] = reading
            task.add_done_callback(lambda done, key=key, reading=reading: self._finished(key, reading, done))
        return await asyncio.shield(reading[2])  # one asker giving up does not stop the others' read

    def answer(self, page: Page, *, server_time: str, sim_time: str, speed: float) -> bytes:
        """The feed's answer (`models.Feed`, its fields in order) around a shared page."""
        return b"".join((b'{"warnings":', page.warnings, b',"cursor":', json.dumps(page.cursor).encode(),
                         b',"server_time":', json.dumps(server_time).encode(),
                         b',"sim_time":', json.dumps(sim_time).encode(),
                         b',"speed":', _FLOAT.dump_json(speed), b"}"))

    # ------------------------------------------------------------------ inside

    def _fresh(self, page: Page, generation: int, version: int | None, now: float) -> bool:
        return (version is not None and page.version == version and page.generation == generation
                and now - page.read_at < self._max_age
                and (page.until is None or city_text(self._now()) < page.until))

    async def _read(self, after: int, limit: int, generation: int, version: int | None,
                    started: float) -> Page:
        return await run_in_threadpool(self._read_now, after, limit, generation, version, started)

    def _read_now(self, after: int, limit: int, generation: int, version: int | None, started: float) -> Page:
        self.reads += 1
        conn = self._conn()
        common = {"after": after, "limit": limit, "generation": generation, "version": version,
                  "read_at": started}
        if after > warning_feed.last_seq(conn):
            return Page(warnings=b"[]", count=0, cursor="", ahead=True, until=None, **common)
        found = warning_feed.feed(conn, after, limit, now=self._now())
        encoded = _WARNINGS.dump_json(_WARNINGS.validate_python(found), by_alias=True)
        last = warning_feed.seq_of(found[-1]["id"]) if found else after
        until = min((w["expires"] for w in found if w["state"] == "active" and w["expires"]), default=None)
        return Page(warnings=encoded, count=len(found), cursor=warning_feed.encode_cursor(self._db_id, last),
                    ahead=False, until=until, **common)

    def _finished(self, key: tuple[int, int], reading: tuple, task: asyncio.Task[Page]) -> None:
        if self._reading.get(key) is reading:
            del self._reading[key]
        if task.cancelled() or task.exception() is not None:
            return  # its askers get the exception; nothing is kept
        page = task.result()
        kept = self._kept.get(key)
        if kept is None or kept.read_at <= page.read_at:
            self._kept[key] = page
        if len(self._kept) > MAX_KEPT:  # the oldest reads go first
            oldest = sorted(self._kept, key=lambda k: self._kept[k].read_at)
            for old in oldest[:len(oldest) - MAX_KEPT // 2]:
                del self._kept[old]


class Encoded:
    """Big bodies encoded once per version: (ETag, JSON bytes), as FastAPI would have encoded them."""

    def __init__(self, watch: Watch) -> None:
        self._watch = watch
        self._lock = threading.Lock()
        self._kept: dict[Hashable, tuple[Hashable, str, bytes]] = {}  # key: (version, ETag, bytes)
        self._still: dict[Hashable, tuple[int, str, bytes]] = {}  # key: (data_version, ETag, bytes)
        self._building: dict[Hashable, tuple[int, asyncio.Task[tuple[str, bytes] | None]]] = {}
        self.builds = 0  # bodies read (and encoded if new) in a worker thread so far (for tests)

    async def get(self, key: Hashable, build: Callable[[], tuple[Hashable, dict[str, Any]] | None]
                  ) -> tuple[str, bytes] | None:
        """(ETag, bytes) of the body `build()` gives as (version, body), or None when it gives None.

        `build` runs in a worker thread, and only when something may have been committed since the
        last time: until then the answer is the one worked out then. Requests that come while it
        runs, with nothing committed meanwhile, wait for the same build (after a simulated minute,
        hundreds of cockpits ask for the new situation at once: it is built once, not by every thread)."""
        seen = self._watch.version()  # before reading: a commit after it makes the next request read
        if seen is None:
            return await run_in_threadpool(self._build, key, build)
        still = self._still.get(key)
        if still is not None and still[0] == seen:
            return still[1], still[2]
        building = self._building.get(key)
        if building is None or building[0] != seen:
            task = asyncio.get_running_loop().create_task(run_in_threadpool(self._build, key, build))
            building = self._building[key] = (seen, task)
            task.add_done_callback(lambda done, key=key, building=building: self._built(key, building, done))
        return await asyncio.shield(building[1])

    def _built(self, key: Hashable, building: tuple, task: asyncio.Task[tuple[str, bytes] | None]) -> None:
        if self._building.get(key) is building:
            del self._building[key]
        if task.cancelled() or task.exception() is not None or task.result() is None:
            return
        still = self._still.get(key)
        if still is None or still[0] <= building[0]:  # a later build may have finished first
            self._still[key] = (building[0], *task.result())

    def _build(self, key: Hashable, build: Callable[[], tuple[Hashable, dict[str, Any]] | None]
               ) -> tuple[str, bytes] | None:
        self.builds += 1
        found = build()
        if found is None:
            return None
        version, body = found
        with self._lock:
            hit = self._kept.get(key)
        if hit is not None and hit[0] == version:
            return hit[1], hit[2]
        data = _ANY.dump_json(body)
        tag = strong_etag(data)
        with self._lock:
            self._kept[key] = (version, tag, data)
        return tag, data
