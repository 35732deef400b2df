"""Where warnings come from: the central API's feed (long poll) and CAP sources (conditional GET).

Everything here blocks and runs in a worker thread; `WarningService` awaits it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import requests

from cockpit.core.client import ApiClient, ApiError, BodyTooLarge, capped_body, http_date, new_session
from cockpit.core.warning.inbox import Inbox
from cockpit.core.warning.model import BadWarning, WarningMessage, from_api, from_cap, plain_url
from kernel.cap import (
    MAX_CAP_BYTES,
    MAX_FEED_BYTES,
    CapAlert,
    CapError,
    SignatureCheck,
    TrustList,
    check_signature,
    parse_cap,
    parse_feed,
)
from kernel.cap.read import size_words
from kernel.contract import payloads

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    """What one poll brought: messages, the cursor to store with them, the server's time, and refusals."""

    messages: list[WarningMessage]
    server_now: datetime | None
    cursor: str | None = None
    problems: list[str] = field(default_factory=list)
    stated_clock: tuple[datetime, float] | None = None  # the feed's own (now, rate), when it states one


class CursorRejected(Exception):
    """The central API cannot continue from the stored cursor (its data was replaced)."""


class CentralFeed:
    """Long-polls GET /api/v1/warnings?after=CURSOR&wait=S."""

    def __init__(self, base_url: str, *, token: str | None = None, wait_s: float = 20.0, limit: int = 200,
                 ca_bundle: str | None = None) -> None:
        self.wait_s, self.limit = wait_s, limit
        # Its own connections: a hanging long poll must not hold a panel's request back.
        self.poll_client = ApiClient(base_url, token=token, ca_bundle=ca_bundle, timeout=(3.05, wait_s + 15))
        self.post_client = ApiClient(base_url, token=token, ca_bundle=ca_bundle, timeout=(3.05, 10.0))

    def set_base_url(self, base_url: str) -> None:
        """Follow the server to a new address (the embedded one restarts on a new port)."""
        self.poll_client.set_base_url(base_url)
        self.post_client.set_base_url(base_url)

    @property
    def base_url(self) -> str:
        return self.poll_client.base_url

    def fetch(self, cursor: str | None, wait_s: float | None = None) -> Batch:
        params: dict[str, object] = {"limit": self.limit, "wait": self.wait_s if wait_s is None else wait_s}
        if cursor:
            params["after"] = cursor
        while True:
            try:
                result = self.poll_client.fetch("warnings", params=params)
                break
            except ApiError as exc:
                if exc.status == 400 and cursor:
                    raise CursorRejected(str(exc)) from None
                if exc.too_large and params["limit"] > 1:  # long CAP texts: fewer at a time, never stuck
                    params["limit"] = max(1, params["limit"] // 4)
                    continue
                raise
        assert isinstance(result.payload, dict)  # check_payload guarantees warnings and cursor
        messages, problems = [], []
        for item in result.payload["warnings"]:
            try:
                payloads.check_warning(item)
                messages.append(from_api(item))
            except payloads.ContractError as exc:  # refused alone: the others go on, so does the cursor
                which = item.get("id") if isinstance(item, dict) and isinstance(item.get("id"), str) else "?"
                problems.append(f"预警 {which[:40]} 数据格式错误：{exc}")
            except BadWarning as exc:
                problems.append(str(exc))
        return Batch(messages, result.server_date, result.payload["cursor"], problems,
                     _stated_clock(result.payload))

    def send_acks(self, inbox: Inbox) -> int:
        """Send the stored acknowledgements; stop at the first that cannot get through. Returns how many went."""
        sent = 0
        for ack in inbox.pending_acks():
            body = {"by": ack.by, "at": ack.at, "client": ack.client, "ack_id": ack.ack_id}
            try:
                self.post_client.post_json(f"warnings/{quote(ack.warning_id, safe='')}/ack", body)
            except ApiError as exc:
                final = exc.status in (400, 404, 409, 410, 422)  # the server will never take this one
                inbox.ack_failed(ack.ack_id, str(exc), give_up=final)
                log.warning("acknowledgement of %s %s: %s", ack.warning_id,
                            "refused for good" if final else "not delivered yet, will retry", exc)
                if not final:
                    break
                continue
            inbox.ack_sent(ack.ack_id, datetime.now(UTC))
            sent += 1
        return sent

    def acks_made_elsewhere(self, warning_ids: list[str]) -> dict[str, dict]:
        """{warning id: its first ack} for those of these warnings someone acknowledged at another client."""
        found = {}
        for warning_id in warning_ids:
            try:
                acks = self.post_client.fetch(f"warnings/{quote(warning_id, safe='')}").payload.get("acks")
            except ApiError as exc:
                if exc.status == 404:  # not (or no longer) on this server: nothing to learn about it
                    continue
                return found  # the server is away: the next round asks again
            if acks and isinstance(acks[0], dict):
                found[warning_id] = acks[0]
        return found

    def close(self) -> None:
        self.poll_client.close()
        self.post_client.close()


def _stated_clock(payload: dict) -> tuple[datetime, float] | None:
    try:
        now = datetime.fromisoformat(payload["sim_time"])
        rate = float(payload.get("speed", 1.0))
    except (KeyError, TypeError, ValueError):
        return None
    return (now, rate) if now.tzinfo is not None and rate > 0 else None


class FeedError(Exception):
    """A CAP source could not be read this time; the text says why."""


class CapFeed:
    """A --cap-feed source: one CAP message or an Atom feed of them, fetched with a conditional GET."""

    def __init__(self, url: str, *, interval_s: float = 60.0, timeout: tuple[float, float] = (3.05, 15.0),
                 languages: tuple[str, ...] = ("zh-CN", "zh", "en"), max_linked: int = 20,
                 ca_bundle: str | None = None, lifetimes: dict[str, timedelta] | None = None,
                 trust: TrustList | None = None) -> None:
        self.url, self.interval_s, self.timeout, self.languages = url, interval_s, timeout, languages
        self.lifetimes, self.trust = lifetimes, trust
        self.max_linked = max_linked  # CAP messages fetched per poll from an index feed's links
        self.etag: str | None = None
        self.last_modified: str | None = None
        self._seen_links: set[tuple[str, str]] = set()
        self._session = new_session(ca_bundle=ca_bundle,  # a private CA, as for the central API
                                    accept="application/cap+xml, application/atom+xml, application/xml;q=0.9")

    def fetch(self) -> Batch:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        response, data = self._get(self.url, headers, MAX_FEED_BYTES)
        server_now = http_date(response.headers.get("Date"))
        if response.status_code == 304:
            return Batch([], server_now)
        messages, problems = [], []
        try:
            alerts, links = _alerts_and_links(data, self.trust)
        except CapError as exc:
            raise FeedError(f"{plain_url(self.url)}: {exc}") from None
        fetched, unread = 0, False
        for key, link, error in links:
            if error:
                problems.append(f"{plain_url(self.url)} entry {key[0]}: {error}")
            elif key not in self._seen_links and len(self._seen_links) < 10_000:
                if fetched >= self.max_linked:  # the rest next poll: a big index never holds the first up
                    unread = True
                    continue
                fetched += 1
                try:
                    alerts.append(self._linked(link))
                except FeedError as exc:  # the link could not be read this time: again next poll
                    problems.append(f"{plain_url(link)}: {exc}")
                    continue
                except Exception as exc:  # read but refused: one bad entry never blocks the others, and
                    problems.append(f"{plain_url(link)}: {exc}")  # is not fetched again until it changes
                self._seen_links.add(key)
        for alert, signature in alerts:
            if alert.status not in ("Actual", "Exercise"):  # CAP: Test, System and Draft are not for people
                problems.append(f"{plain_url(self.url)}: {alert.identifier} ignored (status {alert.status})")
                continue
            try:
                messages.append(from_cap(alert, self.url, self.languages, lifetimes=self.lifetimes,
                                         signature=signature))
            except Exception as exc:  # one message we cannot show never blocks the others
                problems.append(f"{plain_url(self.url)}: {alert.identifier}: {exc}")
        # Validators only once the content was read in full: otherwise the next poll reads it again.
        if not unread:
            self.etag = response.headers.get("ETag")
            self.last_modified = response.headers.get("Last-Modified")
        return Batch(messages, server_now, None, problems)

    def _linked(self, link: str) -> tuple[CapAlert, SignatureCheck]:
        _, data = self._get(link, {}, MAX_CAP_BYTES)
        return _verified(data, self.trust)

    def _get(self, url: str, headers: dict[str, str], limit: int) -> tuple[requests.Response, bytes]:
        try:
            with self._session.get(url, headers=headers, timeout=self.timeout, stream=True) as response:
                if response.status_code not in (200, 304):
                    raise FeedError(f"{plain_url(url)} answered HTTP {response.status_code}")
                return response, capped_body(response, limit)
        except BodyTooLarge:
            raise FeedError(f"{plain_url(url)} is larger than {size_words(limit)}: not read") from None
        except requests.RequestException as exc:
            raise FeedError(f"{plain_url(url)} could not be read: {type(exc).__name__}") from None

    def close(self) -> None:
        self._session.close()


def _verified(data: bytes, trust: TrustList | None) -> tuple[CapAlert, SignatureCheck]:
    """A CAP message and its signature's verdict (a tampered one raises CapError); a signed message is
    read from exactly what was signed."""
    alert = parse_cap(data)
    signature = check_signature(data, trust)
    return (parse_cap(signature.signed_data) if signature.signed else alert), signature


def _alerts_and_links(data: bytes, trust: TrustList | None = None):
    """([(CapAlert, its SignatureCheck or None)], [((entry id, updated), link, error)]) from a single CAP
    message or an Atom feed. Messages embedded in a feed are not checked for signatures (their bytes
    are not the signed ones); linked and single messages are."""
    try:
        return [_verified(data, trust)], []
    except CapError as exc:
        if exc.code != "not_cap" or "Atom" not in _root_hint(data):
            raise
    alerts, links = [], []
    for entry in parse_feed(data):
        if entry.alert is not None:
            alerts.append((entry.alert, None))
        elif entry.error or entry.link:
            links.append(((entry.id, str(entry.updated)), entry.link, entry.error))
    return alerts, links


def _root_hint(data: bytes) -> str:
    return "Atom" if b"http://www.w3.org/2005/Atom" in data[:8192] else ""
