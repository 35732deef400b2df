"""The last good payload of each endpoint, with its state and its time on the server's clock.

An error never throws away what was shown: it turns the entry STALE (with the
error text) and keeps the payload. Ages of live data are measured on the
monotonic clock from when the answer arrived, so no clock (ours or the
server's) can make fresh data look old; a cached payload's age uses the
server's clock as estimated from recent answers (cockpit.core.clock). Callbacks run on the
thread that put (the poller puts on the event-loop thread, the GUI thread
under qasync). Payloads are shared, never copied: treat them as immutable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from cockpit.core.cache import DiskCache
from cockpit.core.client import ApiError, FetchResult
from cockpit.core.clock import ClockEstimate
from cockpit.core.formats import format_duration
from kernel.contract import holds_no_items

log = logging.getLogger(__name__)
DEFAULT_STALE_AFTER_S = 120.0
FUTURE_TOLERANCE_S = 300.0  # a data time this far past the server's clock is not believed


class State(StrEnum):
    LOADING = "loading"  # nothing yet
    OK = "ok"
    EMPTY = "empty"  # the server answered, with nothing to show
    ERROR = "error"  # nothing to show, and the last attempt failed
    STALE = "stale"  # something to show, but old or the last attempt failed


@dataclass(frozen=True)
class Entry:
    endpoint: str
    state: State
    payload: dict | list | None
    received_server_time: datetime | None  # when the server last confirmed the payload (its clock)
    as_of: str | None  # the payload's own time (the simulated clock), as sent
    error: str | None  # the last error, in words for the screen
    from_cache: bool  # the payload came from disk and no server has confirmed it since start-up
    etag: str | None = None
    error_status: int | None = None  # the HTTP status of the last error, when the server answered
    received_monotonic: float | None = None  # when it arrived in this run (None: from the cache)
    time_problem: str | None = None  # the data time is not believable (ahead of the server's clock)
    error_kind: str | None = None  # ApiError.kind of the last error

    def age_s(self, server_now: datetime) -> float | None:
        """Seconds since the server last confirmed the payload: on this run's monotonic clock when it
        came in this run, else by the server's clock (`server_now`, the estimate)."""
        if self.received_monotonic is not None:
            return max(0.0, time.monotonic() - self.received_monotonic)
        if self.received_server_time is None:
            return None
        return max(0.0, (server_now - self.received_server_time).total_seconds())


def stale_after_for(intervals: Mapping[str, float], *, factor: float = 3.0, floor_s: float = 30.0
                    ) -> Callable[[str], float]:
    """An entry is stale when it missed about `factor` polls (at least `floor_s`)."""
    return lambda endpoint: max(floor_s, factor * intervals.get(endpoint, DEFAULT_STALE_AFTER_S / factor))


def is_empty(payload: Any, block_is_empty: Callable[[Any], bool] = holds_no_items) -> bool:
    """True when the payload holds nothing to show (e.g. a panel whose blocks are all empty).
    Whether a block is empty is for the chart kind that reads it to say (`block_is_empty`)."""
    if payload is None:
        return True
    if isinstance(payload, list):
        return not payload
    if "blocks" in payload:
        return all(block_is_empty(block) for block in payload["blocks"].values())
    if "regions" in payload:
        return not payload["regions"] and not payload.get("headline")
    if "warnings" in payload and "cursor" in payload:
        return not payload["warnings"]
    return not payload


class Store:
    def __init__(self, cache: DiskCache | None = None, *,
                 stale_after: Callable[[str], float] = lambda endpoint: DEFAULT_STALE_AFTER_S,
                 block_is_empty: Callable[[Any], bool] = holds_no_items,
                 data_now: Callable[[], datetime | None] = lambda: None) -> None:
        """`data_now`: now on the clock the payloads' `as_of` is written on, when a source states it
        (the simulated city's clock may run faster than real time); None: the answer's own `Date`."""
        self.cache = cache
        self.clock = ClockEstimate()
        self._block_is_empty = block_is_empty
        self._stale_after = stale_after
        self._data_now = data_now
        self._entries: dict[str, Entry] = {}
        self._subscribers: list[Callable[[str, Entry], None]] = []
        self._saved: dict[str, str] = {}  # endpoint -> digest of the body last written to the cache

    def get(self, endpoint: str) -> Entry:
        return self._entries.get(endpoint) or Entry(endpoint, State.LOADING, None, None, None, None, False)

    def entries(self) -> dict[str, Entry]:
        return dict(self._entries)

    def etag(self, endpoint: str) -> str | None:
        entry = self._entries.get(endpoint)
        return entry.etag if entry and entry.payload is not None else None

    def subscribe(self, callback: Callable[[str, Entry], None]) -> Callable[[], None]:
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def server_now(self) -> datetime:
        """Now on the central API's clock, as estimated from its recent answers."""
        return self.clock.now()

    def put_fetch(self, result: FetchResult) -> None:
        self.clock.observe(result.server_date)
        received = result.server_date or self.server_now()
        previous = self.get(result.endpoint)
        if result.status == 304:
            if previous.payload is None:  # nothing to revalidate (should not happen): wait for a full answer
                log.warning("304 for %s with no payload held", result.endpoint)
                return
            payload, etag = previous.payload, result.etag or previous.etag
        else:
            payload, etag = result.payload, result.etag
        as_of = payload.get("as_of") if isinstance(payload, dict) else None
        state = State.EMPTY if is_empty(payload, self._block_is_empty) else State.OK
        self._set(Entry(result.endpoint, state, payload, received, as_of, None, False, etag,
                        received_monotonic=time.monotonic(),
                        time_problem=self._future(as_of, self._data_now() or received)))

    def put_error(self, endpoint: str, error: ApiError) -> None:
        previous = self.get(endpoint)
        state = State.STALE if previous.payload is not None else State.ERROR
        self._set(replace(previous, state=state, error=error.message, error_status=error.status,
                          error_kind=error.kind))

    def put_outage(self, endpoints: Iterable[str], error: ApiError) -> None:
        """The server cannot be reached: every endpoint it serves is out of date now, not only the
        ones whose turn to poll it was."""
        for endpoint in endpoints:
            self.put_error(endpoint, error)

    @staticmethod
    def _future(as_of: object, now: datetime) -> str | None:
        """Words for a data time ahead of the clock it is written on (a server's clock run wild)."""
        try:
            stamped = datetime.fromisoformat(as_of) if isinstance(as_of, str) else None
        except ValueError:
            return None
        if stamped is None or stamped.tzinfo is None:
            return None
        ahead = (stamped - now).total_seconds()
        if ahead <= FUTURE_TOLERANCE_S:
            return None
        return f"数据时间超前服务器时钟 {format_duration(ahead)}，不可信"

    def save_to_cache(self, result: FetchResult) -> None:
        """Write a fetch to the disk cache; any thread (the poller calls it off the loop thread)."""
        if self.cache is None:
            return
        when = result.server_date or datetime.now(UTC)
        if result.status == 200 and result.payload is not None:
            if result.digest is not None and self._saved.get(result.endpoint) == result.digest:
                self.cache.touch(result.endpoint, when)  # the same body again: only its time moves on
                return
            self.cache.save(result.endpoint, result.payload, result.etag, when)
            if result.digest is not None:
                self._saved[result.endpoint] = result.digest
        elif result.status == 304:
            self.cache.touch(result.endpoint, when)

    def load_from_cache(self) -> None:
        """At start-up: cached payloads become STALE entries with their age (live entries win)."""
        if self.cache is None:
            return
        for endpoint, cached in self.cache.load_all().items():
            if endpoint in self._entries and self._entries[endpoint].payload is not None:
                continue
            as_of = cached.payload.get("as_of") if isinstance(cached.payload, dict) else None
            self._set(Entry(endpoint, State.STALE, cached.payload, cached.server_time, as_of, None, True,
                            cached.etag))

    def refresh_states(self) -> None:
        """On a timer: OK and EMPTY entries older than stale_after(endpoint) become STALE."""
        now = self.server_now()
        for entry in list(self._entries.values()):
            if entry.state in (State.OK, State.EMPTY):
                age = entry.age_s(now)
                if age is not None and age > self._stale_after(entry.endpoint):
                    self._set(replace(entry, state=State.STALE))

    def _set(self, entry: Entry) -> None:
        previous = self._entries.get(entry.endpoint)
        if previous is not None and _same(previous, entry):
            return
        self._entries[entry.endpoint] = entry
        for callback in list(self._subscribers):
            try:
                callback(entry.endpoint, entry)
            except Exception:  # one broken view must not starve the others
                log.exception("a store subscriber failed on %s", entry.endpoint)


def _same(a: Entry, b: Entry) -> bool:
    """Equal without comparing payloads deeply (a new payload is a new object)."""
    return a.payload is b.payload and (a.state, a.received_server_time, a.as_of, a.error, a.from_cache,
                                        a.etag, a.received_monotonic, a.time_problem) == (
        b.state, b.received_server_time, b.as_of, b.error, b.from_cache, b.etag, b.received_monotonic,
        b.time_problem)
