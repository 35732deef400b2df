"""The warning pipeline on the cockpit's asyncio loop (qasync in the app): receive, expire, ack, audit.

Blocking HTTP runs in daemon worker threads; everything that touches the inbox
and calls `on_change` runs on the loop's thread (the GUI thread under qasync).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from cockpit.core.client import ApiError
from cockpit.core.clock import ClockEstimate
from cockpit.core.threads import DaemonThreadExecutor
from cockpit.core.warning.audit import AuditLog
from cockpit.core.warning.inbox import Change, Inbox
from cockpit.core.warning.model import CENTRAL, WarningMessage, WarningRecord, plain_url
from cockpit.core.warning.receiver import (
    CapFeed,
    CentralFeed,
    CursorRejected,
    FeedError,
)
from cockpit.core.warning.rules import ReminderPolicy, due_actions
from kernel.cap import CapError

log = logging.getLogger(__name__)
AUDITED = {"received", "cancelled", "expired"}  # "updated" is audited as the Update's own "received"


class WarningService:
    def __init__(self, inbox: Inbox, *, central: CentralFeed | None = None, feeds: tuple[CapFeed, ...] = (),
                 audit: AuditLog | None = None, policy: ReminderPolicy | None = None,
                 on_change: Callable[[list[Change]], None] | None = None,
                 expire_every_s: float = 5.0, ack_retry_s: float = 10.0, max_backoff_s: float = 30.0,
                 ack_sync_s: float = 15.0) -> None:
        self.inbox, self.central, self.feeds, self.audit = inbox, central, list(feeds), audit
        self.policy = policy or ReminderPolicy()
        self.on_change = on_change or (lambda changes: None)
        # The clock `sent` and `expires` are written on, for expiry (a wall's own may be wrong): HTTP
        # `Date`, unless the feed states its own clock and rate.
        self.clock = ClockEstimate(window=9)
        self.expire_every_s, self.ack_retry_s, self.max_backoff_s = expire_every_s, ack_retry_s, max_backoff_s
        self.ack_sync_s = ack_sync_s  # how often to learn of acks made at other clients (0: never)
        self.last_error: str = ""  # the receiver's latest trouble, for a status line ("" when well)
        self.caught_up = False  # the central feed answered once: everything missed while away is in
        self._executor = DaemonThreadExecutor("warnings-io")
        self._tasks: list[asyncio.Task] = []
        self._ack_kick: asyncio.Event | None = None
        self._central_wake: asyncio.Event | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Start the loops on the running event loop (call from the loop's thread)."""
        self._ack_kick = asyncio.Event()
        self._central_wake = asyncio.Event()
        if self.central is not None:
            self._start_central_loops()
        self._tasks += [asyncio.ensure_future(self._feed_loop(feed)) for feed in self.feeds]
        self._tasks.append(asyncio.ensure_future(self._expire_loop()))

    def _start_central_loops(self) -> None:
        self._tasks += [asyncio.ensure_future(self._central_loop()), asyncio.ensure_future(self._ack_loop())]
        if self.ack_sync_s > 0:
            self._tasks.append(asyncio.ensure_future(self._ack_sync_loop()))

    def connect_central(self, base_url: str, *, token: str | None = None, ca_bundle: str | None = None) -> None:
        """Follow the central API's feed from now on (it may become known after start: the embedded
        server's port), or follow it to a new address."""
        if self.central is not None:
            self.central.set_base_url(base_url)
            return
        self.central = CentralFeed(base_url, token=token, ca_bundle=ca_bundle)
        if self._ack_kick is not None:  # already started
            self._start_central_loops()

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:  # bounded, as the poller's: shut-down never waits for ever on one task
            await asyncio.wait(tasks, timeout=2.0)

    def set_base_url(self, base_url: str) -> None:
        """The central API moved (e.g. the embedded server restarted on another port)."""
        if self.central is not None:
            self.central.set_base_url(base_url)
        self.wake()

    def wake(self) -> None:
        """The central API is back (a panel got through, or it was restarted): retry the feed and
        send the waiting acknowledgements now, not at the end of a backoff."""
        if self._central_wake is not None:
            self._central_wake.set()
        if self._ack_kick is not None:
            self._ack_kick.set()

    # ------------------------------------------------------------ what the views call

    def receive(self, messages: list[WarningMessage], server_now: datetime | None = None) -> list[Change]:
        """Take messages from elsewhere (a drill, a test) as if a source had sent them."""
        changes = self.inbox.receive(messages, server_now or self.clock.now())
        self._publish(changes)
        return changes

    def acknowledge(self, local_id: int, by: str, client: str) -> WarningRecord | None:
        record = self.inbox.acknowledge(local_id, by, client, datetime.now(UTC))
        if record is not None:
            self._audit("acknowledged", record, by=by, client=client)
            if self._ack_kick is not None:
                self._ack_kick.set()
            self.on_change([Change("acknowledged", record)])
        return record

    def note_shown(self, local_id: int, now: datetime | None = None) -> str:
        """Record that a warning is on screen: "shown" the first time, "reminded" after."""
        event = self.inbox.note_shown(local_id, now or datetime.now(UTC))
        self._audit(event, self.inbox.get(local_id))
        return event

    def note_escalated(self, local_id: int, now: datetime | None = None) -> None:
        self.inbox.note_escalated(local_id, now or datetime.now(UTC))
        self._audit("escalated", self.inbox.get(local_id))

    def due(self, now: datetime | None = None) -> list[tuple[str, WarningRecord]]:
        """("show" | "remind" | "escalate", record) due now, most severe first."""
        return due_actions(self.inbox.needing_attention(), now or datetime.now(UTC), self.policy)

    # ------------------------------------------------------------ the loops

    async def poll_central_once(self, wait_s: float | None = None) -> list[Change]:
        """One long poll of the central feed, stored with its cursor in one transaction."""
        assert self.central is not None
        loop = asyncio.get_running_loop()
        try:
            batch = await loop.run_in_executor(self._executor, self.central.fetch, self.inbox.cursor, wait_s)
        except CursorRejected as exc:
            log.warning("the central API refused the stored warnings cursor (%s); reading its feed from the "
                        "start, already received warnings are recognised and dropped", exc)
            self.inbox.set_meta("cursor:central", None)
            return []
        for problem in batch.problems:
            log.error("a warning from the central API was refused: %s", problem)
        if batch.stated_clock is not None:
            self.clock.observe(batch.stated_clock[0], rate=batch.stated_clock[1])
        else:
            self.clock.observe(batch.server_now)
        changes = self.inbox.receive(batch.messages, self.clock.now(), cursor=batch.cursor)
        self._publish(changes)
        return changes

    async def poll_feed_once(self, feed: CapFeed) -> list[Change]:
        batch = await asyncio.get_running_loop().run_in_executor(self._executor, feed.fetch)
        for problem in batch.problems:
            log.error("a CAP message was refused: %s", problem)
        server_now = batch.server_now or self.clock.now()
        changes = self.inbox.receive(batch.messages, server_now)
        self._publish(changes)
        return changes

    async def send_acks_once(self) -> int:
        assert self.central is not None
        return await asyncio.get_running_loop().run_in_executor(self._executor, self.central.send_acks, self.inbox)

    async def sync_acks_once(self) -> list[WarningRecord]:
        """Learn which waiting warnings were acknowledged at another client, and stop reminding of them."""
        assert self.central is not None
        waiting = {r.id: r for r in self.inbox.needing_attention() if r.message.origin == CENTRAL}
        if not waiting:
            return []
        found = await asyncio.get_running_loop().run_in_executor(
            self._executor, self.central.acks_made_elsewhere, list(waiting))
        done = []
        for warning_id, ack in found.items():
            record = self.inbox.acknowledge(waiting[warning_id].local_id, str(ack.get("by", "")),
                                            str(ack.get("client", "")), datetime.now(UTC), elsewhere=True)
            if record is not None:
                self._audit("acknowledged", record, by=record.acked_by, client=str(ack.get("client", "")))
                done.append(record)
        if done:
            self.on_change([Change("acknowledged", record) for record in done])
        return done

    async def _ack_sync_loop(self) -> None:
        while True:
            await asyncio.sleep(self.ack_sync_s)
            try:
                await self.sync_acks_once()
            except Exception:
                log.exception("could not learn of acknowledgements made elsewhere")

    async def _central_loop(self) -> None:
        backoff = 1.0
        while True:
            self._central_wake.clear()  # before asking: a wake-up during a slow failure still counts
            try:
                # Catch up at once after a start or an outage; then wait on the server (long poll).
                changes = await self.poll_central_once(None if self.caught_up else 0)
                recovered = bool(self.last_error)  # what was acknowledged while it was away goes now
                backoff, self.last_error, self.caught_up = 1.0, "", True
                if (recovered or any(c.event == "received" for c in changes)) and self.inbox.pending_acks():
                    self._ack_kick.set()
            except ApiError as exc:
                self.last_error, self.caught_up = str(exc), False
                log.warning("warnings feed: %s (trying again in %.0f s)", exc, exc.retry_after_s or backoff)
                await self._pause(exc.retry_after_s or backoff, wakeable=exc.retry_after_s is None)
                backoff = min(backoff * 2, self.max_backoff_s)
            except Exception:  # never let one bad answer end the warning feed
                log.exception("warnings feed: unexpected failure")
                await self._pause(backoff)
                backoff = min(backoff * 2, self.max_backoff_s)

    async def _pause(self, seconds: float, *, wakeable: bool = True) -> None:
        """Wait out a backoff, unless `wake` says the server is back (a Retry-After is kept to)."""
        if not wakeable:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._central_wake.wait(), seconds)

    async def _ack_loop(self) -> None:
        if self.inbox.pending_acks():  # acknowledged before a restart: send at once, not in ack_retry_s
            self._ack_kick.set()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._ack_kick.wait(), self.ack_retry_s)
            self._ack_kick.clear()
            if self.inbox.pending_acks():
                try:
                    await self.send_acks_once()
                except Exception:
                    log.exception("sending acknowledgements failed; they stay stored and are retried")

    async def _feed_loop(self, feed: CapFeed) -> None:
        while True:
            try:
                await self.poll_feed_once(feed)
            except (FeedError, CapError) as exc:
                log.error("CAP source refused or unreadable: %s", exc)
            except Exception:
                log.exception("CAP source %s: unexpected failure", plain_url(feed.url))
            await asyncio.sleep(feed.interval_s)

    async def _expire_loop(self) -> None:
        while True:
            self._publish(self.inbox.expire(self.clock.now()))
            await asyncio.sleep(self.expire_every_s)

    def _publish(self, changes: list[Change]) -> None:
        for change in changes:
            if change.event in AUDITED:
                self._audit(change.event, change.record)
        if changes:
            self.on_change(changes)

    def _audit(self, event: str, record: WarningRecord, **extra: str) -> None:
        if self.audit is not None:
            self.audit.record(event, record.message, **extra)
