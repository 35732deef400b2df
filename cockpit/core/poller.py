"""Polls every distinct endpoint on its own interval, off the event-loop thread.

One asyncio task per endpoint, however many panels use it. The blocking
fetch, JSON parsing and the disk-cache write run in a thread pool; the task
resumes on the loop thread (the GUI thread under qasync) and puts the result
in the store, so the GUI thread never waits on the network. After an error
the next try backs off exponentially with jitter, capped at the endpoint's own
interval (an outage never makes a panel slower to recover than its normal
pace), and never sooner than the server's Retry-After.

The server is one thing: when it cannot be reached, every endpoint goes stale
at once; when any answer gets through again, every endpoint that missed out
is polled at once (and `on_recovered` tells the others, e.g. the warnings).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cockpit.core.client import ApiClient, ApiError, FetchResult
from cockpit.core.store import Store
from cockpit.core.threads import DaemonThreadExecutor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Backoff:
    first_s: float = 2.0
    cap_s: float = 60.0
    jitter: float = 0.25  # each delay is shortened by up to this fraction, so walls do not retry in step

    def delay(self, failures: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after the `failures`-th failure in a row."""
        base = min(self.cap_s, self.first_s * 2 ** min(failures - 1, 16))
        return max(base * (1 - random.uniform(0, self.jitter)), retry_after_s or 0.0)


class Poller:
    def __init__(self, client: ApiClient, store: Store, intervals: dict[str, float], *,
                 executor: concurrent.futures.Executor | None = None, backoff: Backoff = Backoff(),
                 check: Callable[[str, Any], None] = lambda endpoint, payload: None,
                 on_recovered: Callable[[], None] = lambda: None) -> None:
        """`check(endpoint, payload)` raises ApiError for an answer the client's catalogue cannot
        show (beyond the contract, which the client checks); it runs before the cache is written."""
        bad = {endpoint: s for endpoint, s in intervals.items() if not s > 0}
        if bad:
            raise ValueError(f"poll intervals must be more than 0 seconds: {bad}")
        self.client = client
        self.store = store
        self.intervals = dict(intervals)
        self.backoff = backoff
        self.check = check
        self.on_recovered = on_recovered
        # Daemon threads (at most one per endpoint, as each endpoint has one task): a fetch hanging
        # in its read timeout never holds a closing cockpit open.
        self._executor = executor or DaemonThreadExecutor("cockpit-fetch")
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wake: dict[str, asyncio.Event] = {}
        self._failures: dict[str, int] = {}
        self._missed: set[str] = set()  # stale because the server was away when another endpoint polled
        self._asking: set[str] = set()  # endpoints whose fetch is under way

    def start(self) -> None:
        """Start polling on the running loop (qasync's in the app, asyncio's in tests)."""
        if self._tasks:
            raise RuntimeError("the poller is already running")
        asyncio.get_running_loop()  # fail here, clearly, when there is no loop
        for endpoint in self.intervals:
            self._wake[endpoint] = asyncio.Event()
            self._tasks[endpoint] = asyncio.create_task(self._poll(endpoint), name=f"poll {endpoint}")

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:  # bounded: a task whose wake-up was lost must not hold the shut-down up for ever
            await asyncio.wait(tasks, timeout=2.0)
        self._tasks.clear()

    def poll_soon(self, endpoint: str) -> None:
        """Poll `endpoint` now instead of at its next turn (e.g. after the user asked to reload)."""
        if endpoint in self._wake:
            self._wake[endpoint].set()

    def poll_all_soon(self) -> None:
        """Poll every endpoint now (e.g. the server was restarted)."""
        for endpoint in self._wake:
            self.poll_soon(endpoint)

    def failures(self, endpoint: str) -> int:
        """Consecutive failed polls of `endpoint` (0 when the last one worked)."""
        return self._failures.get(endpoint, 0)

    async def _poll(self, endpoint: str) -> None:
        loop = asyncio.get_running_loop()
        interval = self.intervals[endpoint]
        while True:
            self._wake[endpoint].clear()
            etag = self.store.etag(endpoint)
            self._asking.add(endpoint)
            try:
                result = await loop.run_in_executor(self._executor, self._fetch_and_save, endpoint, etag)
            except ApiError as error:
                delay = self._failed(endpoint, error)
                if error.outage:  # the server is away: not only this endpoint is out of date
                    others = [other for other in self.intervals if other != endpoint]
                    self.store.put_outage(others, error)
                    self._missed.update(others)
            except Exception as exc:  # a bug must not end polling; show it and keep trying
                log.exception("polling %s failed unexpectedly", endpoint)
                delay = self._failed(endpoint, ApiError("bad_payload", f"处理 {endpoint} 时出错：{exc}"))
            else:
                recovered = self._failures.pop(endpoint, 0) > 0 or endpoint in self._missed
                self._missed.discard(endpoint)
                self.store.put_fetch(result)
                delay = interval
                if recovered:  # the server is back: the others need not wait out their backoff
                    for other in {*self._failures, *self._missed} - self._asking:  # (those asking will know)
                        self.poll_soon(other)
                    self._missed.clear()
                    self.on_recovered()
            finally:
                self._asking.discard(endpoint)
            with contextlib.suppress(TimeoutError):  # woken early by poll_soon, or the time is up
                await asyncio.wait_for(self._wake[endpoint].wait(), delay)

    def _failed(self, endpoint: str, error: ApiError) -> float:
        """Note a failed poll; the seconds until the next try."""
        self._failures[endpoint] = self._failures.get(endpoint, 0) + 1
        self.store.put_error(endpoint, error)
        backoff = self.backoff.delay(self._failures[endpoint])
        delay = max(min(backoff, self.intervals[endpoint]), error.retry_after_s or 0.0)
        log.info("polling %s failed (%s); next try in %.1f s", endpoint, error.kind, delay)
        return delay

    def _fetch_and_save(self, endpoint: str, etag: str | None) -> FetchResult:
        """In a worker thread: the blocking fetch, the catalogue's check, and the cache write, off the
        loop thread. An answer refused by either check never reaches the cache."""
        result = self.client.fetch(endpoint, etag)
        if result.payload is not None:
            self.check(endpoint, result.payload)
        try:
            self.store.save_to_cache(result)
        except Exception:  # a full disk must not hide live data
            log.exception("could not write %s to the payload cache", endpoint)
        return result
