"""The cockpit's writers as a child process, for tests that SIGKILL it mid-write.

    python writers.py cache PATH API_URL START    DiskCache.save (and touch) of ever larger sequence numbers
    python writers.py inbox PATH START            Inbox.receive, acknowledge, ack_sent, ack_failed
    python writers.py acks PATH API_URL ID...     CentralFeed.send_acks of what is pending, then
                                                  acknowledge each warning ID and send, in turn

Each writes to stdout, in one write() per line, "ready" once its store is open, then
"begin OP ..." before and "done OP ..." after every write it makes, and runs until killed
("finished" and an idle wait when it runs out of work). A line the child did not get to write
whole is not a line. What the lines mean: tests/faults/test_kill_during_writes.py.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository's packages come first
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

ENDPOINTS = ("situation", "panels/economy", "panels/safety", "open311/requests", "meta")
WHEN = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 11, 24, 20, 0, tzinfo=timezone(timedelta(hours=8)))  # Nantong's clock
SENDER = "cockpit-central@nantong.gov.cn"
CLIENT = "desk-1"


# ---------------------------------------------------------------- what the children write


def endpoint_of(seq: int) -> str:
    return ENDPOINTS[seq % len(ENDPOINTS)]


def cache_payload(seq: int) -> dict:
    """Even sequence numbers are large (~200 KB of JSON), odd ones small: each endpoint gets both in turn."""
    endpoint = endpoint_of(seq)
    if seq % 2:
        return {"endpoint": endpoint, "seq": seq, "as_of": (WHEN + timedelta(seconds=seq)).isoformat()}
    return {"endpoint": endpoint, "seq": seq, "rows": [
        {"i": i, "seq": seq, "name": f"崇川区第{i}网格", "value": seq * 0.5 + i} for i in range(3000)]}


def cache_etag(seq: int) -> str:
    return f'"{seq}"'


def cache_time(seq: int) -> datetime:
    return WHEN + timedelta(seconds=seq)


def touched_time(seq: int) -> datetime:
    return cache_time(seq) + timedelta(milliseconds=500)


def warning(n: int):
    from cockpit.core.warning.model import CENTRAL, WarningMessage

    sent = T0 + timedelta(seconds=n)
    return WarningMessage(
        id=f"W{n:08d}", origin=CENTRAL, source="simulator", identifier=f"urn:oid:2.49.0.1.156.0.320600.2026.{n}",
        sender=SENDER, sent=sent, level=("red", "orange", "yellow", "blue")[n % 4], headline=f"预警 {n}",
        description="强降雨" * 20, expires=sent + timedelta(days=30))


def batch_size(n: int) -> int:
    return 1 + n % 3


def acker(warning_id: str) -> str:
    return f"值班员{warning_id[-3:]}"


# ---------------------------------------------------------------- the children


def say(*words: object) -> None:
    os.write(1, (" ".join(str(word) for word in words) + "\n").encode())


def idle() -> None:
    say("finished")
    while True:
        time.sleep(1)


def write_cache(path: str, api_url: str, start: int) -> None:
    from cockpit.core.cache import DiskCache

    cache = DiskCache(Path(path), api_url)
    say("ready")
    seq = start
    while True:
        say("begin save", seq)
        cache.save(endpoint_of(seq), cache_payload(seq), cache_etag(seq), cache_time(seq))
        say("done save", seq)
        if seq % 3 == 0:  # a 304: the server confirmed it
            say("begin touch", seq)
            cache.touch(endpoint_of(seq), touched_time(seq))
            say("done touch", seq)
        seq += 1


def write_inbox(path: str, start: int) -> None:
    from cockpit.core.warning.inbox import Inbox

    inbox = Inbox(path)
    say("ready")
    n, turn, unacked = start, 0, []
    while True:
        batch = [warning(n + i) for i in range(batch_size(n))]
        n += len(batch)
        ids = [message.id for message in batch]
        say("begin receive", n - 1, *ids)
        inbox.receive(batch, T0, cursor=str(n - 1))
        say("done receive", n - 1, *ids)
        unacked += ids
        warning_id = unacked.pop(0)
        local_id = inbox.find(warning_id).local_id
        say("begin ack", warning_id)
        inbox.acknowledge(local_id, acker(warning_id), CLIENT, datetime.now(UTC))
        say("done ack", warning_id)
        pending = inbox.pending_acks()
        if turn % 2 == 0 and pending:  # as if delivered: the oldest pending, perhaps a killed child's
            say("begin sent", pending[0].warning_id)
            inbox.ack_sent(pending[0].ack_id, datetime.now(UTC))
            say("done sent", pending[0].warning_id)
        elif turn % 3 == 0 and pending:  # an attempt that did not get through: pending still
            say("begin failed", pending[-1].warning_id)
            inbox.ack_failed(pending[-1].ack_id, "ConnectionError")
            say("done failed", pending[-1].warning_id)
        turn += 1


def send_acks(path: str, api_url: str, warning_ids: list[str]) -> None:
    from cockpit.core.warning.inbox import Inbox
    from cockpit.core.warning.receiver import CentralFeed

    inbox = Inbox(path)
    feed = CentralFeed(api_url, wait_s=0)
    say("ready")
    say("begin send")  # what a killed predecessor left pending goes first, as at the cockpit's start
    say("done send", feed.send_acks(inbox))
    for warning_id in warning_ids:
        record = inbox.find(warning_id)
        if record.acknowledged:
            continue
        say("begin ack", warning_id)
        inbox.acknowledge(record.local_id, acker(warning_id), CLIENT, datetime.now(UTC))
        say("done ack", warning_id)
        say("begin send")
        say("done send", feed.send_acks(inbox))
    idle()


def main(argv: list[str]) -> None:
    mode, path, *rest = argv
    if mode == "cache":
        write_cache(path, rest[0], int(rest[1]))
    elif mode == "inbox":
        write_inbox(path, int(rest[0]))
    elif mode == "acks":
        send_acks(path, rest[0], rest[1:])
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
