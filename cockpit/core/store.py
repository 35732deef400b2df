"""The last good payload of each endpoint, with its state and its time on the server's clock.

An error never throws away what was shown: it turns the entry STALE (with the
error text) and keeps the payload. Ages use the server's clock (HTTP `Date`),
estimated between responses with the monotonic clock. Callbacks run on the
thread that put (the poller puts on the event-loop thread, the GUI thread
under qasync). Payloads are shared, never copied: treat them as immutable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from cockpit.core.cache import DiskCache
from cockpit.core.client import ApiError, FetchResult
from kernel.contract import holds_no_items

log = logging.getLogger(__name__)
DEFAULT_STALE_AFTER_S = 120.0


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

    def age_s(self, server_now: datetime) -> float | None:
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
                 block_is_empty: Callable[[Any], bool] = holds_no_items) -> None:
        self.cache = cache
        self._block_is_empty = block_is_empty
        self._stale_after = stale_after
        self._entries: dict[str, Entry] = {}
        self._subscribers: list[Callable[[str, Entry], None]] = []
        self._clock: tuple[datetime, float] | None = None  # (server Date, monotonic when it arrived)

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
        if self._clock is None:
            return datetime.now(UTC)
        date, seen = self._clock
        return date + timedelta(seconds=time.monotonic() - seen)

    def put_fetch(self, result: FetchResult) -> None:
        if result.server_date is not None:
            self._clock = (result.server_date, time.monotonic())
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
        self._set(Entry(result.endpoint, state, payload, received, as_of, None, False, etag))

    def put_error(self, endpoint: str, error: ApiError) -> None:
        previous = self.get(endpoint)
        state = State.STALE if previous.payload is not None else State.ERROR
        self._set(replace(previous, state=state, error=error.message, error_status=error.status))

    def save_to_cache(self, result: FetchResult) -> None:
        """Write a fetch to the disk cache; any thread (the poller calls it off the loop thread)."""
        if self.cache is None:
            return
        when = result.server_date or datetime.now(UTC)
        if result.status == 200 and result.payload is not None:
            self.cache.save(result.endpoint, result.payload, result.etag, when)
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
                                        a.etag) == (b.state, b.received_server_time, b.as_of, b.error,
                                                    b.from_cache, b.etag)
