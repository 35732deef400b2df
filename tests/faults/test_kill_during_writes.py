"""kill -9 of the cockpit during cache, inbox and ack writes: the files stay sound, nothing committed is lost.

Real processes and real SQLite files: a child (tests/faults/writers.py) writes in a tight loop, saying
"begin OP" before and "done OP" after each write, and is SIGKILLed at a random moment (seeded). Then, as
a restarted cockpit would, the parent opens the store and checks it: integrity_check ok, every write the
child saw return is there, a write in flight is there whole or not at all, and nothing else is.
"""

from __future__ import annotations

import collections
import logging
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests

from cockpit.core.cache import DiskCache
from cockpit.core.warning import CentralFeed, Inbox, from_api
from tests.conftest import ADMIN_TOKEN
from tests.faults.writers import (
    CLIENT,
    ENDPOINTS,
    acker,
    cache_etag,
    cache_payload,
    cache_time,
    endpoint_of,
    touched_time,
    warning,
)

WRITERS = Path(__file__).with_name("writers.py")
ROOT = Path(__file__).resolve().parents[2]
API = "http://127.0.0.1:8080"
CACHE_KILLS = 8  # each after a random 50-400 ms of writing
INBOX_KILLS = 6
ACK_KILLS = 5  # and one more at the worst moment, for certain
WARNINGS = 40  # published for the ack test


# ---------------------------------------------------------------- the child and what it said


@dataclass
class Journal:
    """What a killed child said: the writes that returned, and the one it was in when killed (if any)."""

    done: list[tuple[str, list[str]]] = field(default_factory=list)
    inflight: tuple[str, list[str]] | None = None

    @classmethod
    def read(cls, text: str) -> Journal:
        journal = cls()
        for line in text.split("\n")[:-1]:  # the last piece is "" or a line the kill cut short
            word, *rest = line.split(" ")
            if word == "begin":
                journal.inflight = (rest[0], rest[1:])
            elif word == "done":
                journal.done.append((rest[0], rest[1:]))
                journal.inflight = None
        return journal

    def inflight_args(self, op: str) -> list[str]:
        return self.inflight[1] if self.inflight and self.inflight[0] == op else []


def killed_child(args: list[str], delay: float | Callable[[], object], log: Path) -> Journal:
    """Start a writer, let it write for `delay` seconds once its store is open (or until `delay()` returns),
    then SIGKILL it."""
    errors = log.with_suffix(".err")
    with log.open("wb") as out, errors.open("wb") as err:
        child = subprocess.Popen([sys.executable, str(WRITERS), *args], stdout=out, stderr=err, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not log.read_bytes().startswith(b"ready\n"):
            if child.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the writer did not start:\n{errors.read_text(errors='replace')}")
            time.sleep(0.005)
        if callable(delay):
            delay()
        else:
            time.sleep(delay)
        assert child.poll() is None, f"the writer stopped before the kill:\n{errors.read_text(errors='replace')}"
        child.send_signal(signal.SIGKILL)
        assert child.wait(10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return Journal.read(log.read_text(encoding="utf-8"))


def until(condition: Callable[[], object], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return "; ".join(row[0] for row in db.execute("PRAGMA integrity_check"))
    finally:
        db.close()


# ---------------------------------------------------------------- the payload cache


def test_the_payload_cache_survives_kill_9_during_saves(tmp_path, caplog):
    rng = random.Random(20261124)
    path = tmp_path / "cache.sqlite"
    committed: dict[str, tuple[int, datetime]] = {}  # endpoint -> (its payload's sequence number, its time)
    writes = mid_write = 0
    caplog.set_level(logging.WARNING, logger="cockpit.core.cache")
    for round_ in range(CACHE_KILLS):
        journal = killed_child(["cache", str(path), API, str(round_ * 1_000_000)], rng.uniform(0.05, 0.4),
                               tmp_path / f"cache-{round_}.log")
        for op, (seq,) in journal.done:
            committed[endpoint_of(int(seq))] = (int(seq), (cache_time if op == "save" else touched_time)(int(seq)))
        writes += len(journal.done)
        in_flight = {endpoint_of(int(seq)): (int(seq), cache_time(int(seq))) for seq in journal.inflight_args("save")}
        in_flight |= {endpoint_of(int(seq)): (int(seq), touched_time(int(seq)))
                      for seq in journal.inflight_args("touch")}
        mid_write += bool(in_flight)

        cache = DiskCache(path, API)  # as the restarted cockpit opens it: the killed writer's WAL still there
        try:
            loaded = cache.load_all()
            assert integrity(path) == "ok"
        finally:
            cache.close()
        assert not path.with_name(path.name + ".damaged").exists(), "the cache was set aside as damaged"
        assert "damaged" not in caplog.text and "unreadable" not in caplog.text
        for endpoint in ENDPOINTS:
            # What the child saw committed, or the write it was killed in (a payload saved or touched).
            allowed = {state[endpoint] for state in (committed, in_flight) if endpoint in state}
            if endpoint not in loaded:
                assert not allowed, f"round {round_}: {endpoint} lost its committed payload"
                continue
            entry = loaded[endpoint]
            seq = entry.payload["seq"]
            assert (seq, entry.server_time) in allowed, \
                f"round {round_}: {endpoint} holds {seq} of {entry.server_time}, the child committed {allowed}"
            assert entry.payload == cache_payload(seq) and entry.etag == cache_etag(seq)  # one whole save
            committed[endpoint] = (seq, entry.server_time)
    assert set(committed) == set(ENDPOINTS)
    assert writes > CACHE_KILLS and mid_write >= CACHE_KILLS // 2, (writes, mid_write)  # the kills landed mid-write


# ---------------------------------------------------------------- the warning inbox


def test_the_warning_inbox_survives_kill_9_while_receiving_and_acknowledging(tmp_path):
    rng = random.Random(2026)
    path = tmp_path / "warnings.sqlite"
    received: set[str] = set()
    acked: set[str] = set()
    sent: set[str] = set()
    failures: collections.Counter[str] = collections.Counter()
    ops = collections.Counter()
    for round_ in range(INBOX_KILLS):
        journal = killed_child(["inbox", str(path), str(round_ * 1_000_000 + 1)], rng.uniform(0.05, 0.4),
                               tmp_path / f"inbox-{round_}.log")
        for op, args in journal.done:
            ops[op] += 1
            if op == "receive":
                received.update(args[1:])
            elif op == "ack":
                acked.add(args[0])
            elif op == "sent":
                sent.add(args[0])
            elif op == "failed":
                failures[args[0]] += 1
        if journal.inflight:
            ops[f"killed mid-{journal.inflight[0]}"] += 1

        inbox = Inbox(path)
        try:
            assert integrity(path) == "ok"
            records = {record.id: record for record in inbox.records(limit=10**9)}
            # Every warning the child saw stored is there; of the batch in flight, all or none.
            extra = set(records) - received
            assert received <= set(records), f"round {round_}: lost {sorted(received - set(records))}"
            assert extra in (set(), set(journal.inflight_args("receive")[1:])), f"round {round_}: {extra}"
            received |= extra
            assert inbox.count() == len(received)
            assert all(records[i].message == warning(int(i[1:])) for i in received)
            assert inbox.cursor == (str(max(int(i[1:]) for i in received)) if received else None)  # with its batch
            # Every acknowledgement the child saw stored is there, acknowledged, with its ack queued.
            acknowledged = {i for i, record in records.items() if record.acknowledged}
            assert acked <= acknowledged, f"round {round_}: lost the acks of {sorted(acked - acknowledged)}"
            assert acknowledged - acked in (set(), set(journal.inflight_args("ack")))
            acked = acknowledged
            states = {i: inbox.ack_state(record.local_id) for i, record in records.items()}
            torn = sorted(i for i in records if (states[i] is not None) != (i in acked))  # one transaction
            assert not torn, f"round {round_}: acknowledged without its queued ack, or the reverse: {torn}"
            delivered = {i for i in acked if states[i][0] == "sent"}
            assert sent <= delivered and delivered - sent in (set(), set(journal.inflight_args("sent")))
            sent = delivered
            assert all(states[i][0] == "pending" for i in acked - sent)
            pending = {ack.warning_id: ack for ack in inbox.pending_acks()}
            assert set(pending) == acked - sent, "an acknowledgement is no longer queued for the central API"
            assert all(ack.attempts >= failures[i] for i, ack in pending.items())
            assert all(records[i].acked_by == acker(i) for i in acked)
        finally:
            inbox.close()
    assert ops["receive"] > INBOX_KILLS and ops["ack"] > INBOX_KILLS and ops["sent"] and ops["failed"], ops
    # The kills are timed at random: some must land inside a write (how many varies with the machine).
    assert sum(n for op, n in ops.items() if op.startswith("killed")) >= 1, ops


# ---------------------------------------------------------------- acks to the central API


def publish(base_url: str, n: int) -> dict:
    response = requests.post(f"{base_url}/api/v1/sim/warnings", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                             json={"severity": "orange", "headline": f"断电测试预警 {n}", "adcode": "320612"},
                             timeout=(2, 10))
    assert response.status_code == 201, response.text
    return response.json()


def server_acks(base_url: str, warning_id: str) -> list[tuple[str, str]]:
    response = requests.get(f"{base_url}/api/v1/warnings/{warning_id}", timeout=(2, 10))
    assert response.status_code == 200, response.text
    return [(ack["by"], ack["client"]) for ack in response.json()["acks"]]


def all_server_acks(base_url: str) -> dict[str, list[tuple[str, str]]]:
    """{warning id: its acks (by, client)} of every warning on the server, read from its feed."""
    found, cursor = {}, None
    while True:
        params = {"limit": 200, "wait": 0, **({"after": cursor} if cursor else {})}
        response = requests.get(f"{base_url}/api/v1/warnings", params=params, timeout=(2, 10))
        assert response.status_code == 200, response.text
        page = response.json()
        found |= {item["id"]: [(ack["by"], ack["client"]) for ack in item["acks"]] for item in page["warnings"]}
        cursor = page["cursor"]
        if not page["warnings"]:
            return found


def delivered_once(url: str, inbox: Inbox, ids: list[str]) -> set[str]:
    """Send what is pending, as the restarted cockpit does at once; then every acknowledgement is on the
    server once (acks are idempotent by ack_id) and none is left pending. The acknowledged ids."""
    feed = CentralFeed(url, wait_s=0)
    try:
        feed.send_acks(inbox)
    finally:
        feed.close()
    assert inbox.pending_acks() == []
    on_server = all_server_acks(url)
    acked = set()
    for warning_id in ids:
        record = inbox.find(warning_id)
        if record.acknowledged:
            acked.add(warning_id)
            assert on_server[warning_id] == [(acker(warning_id), CLIENT)], warning_id
            assert inbox.ack_state(record.local_id) == ("sent", "")
        else:
            assert on_server[warning_id] == [], warning_id
    return acked


def test_acks_reach_the_central_api_exactly_once_across_kill_9(central_server, tmp_path):
    """A child acknowledges warnings and sends the acks to a real central API, killed at random and then
    once between the server's answer and the inbox's note; restarted, every ack is there once."""
    rng = random.Random(311)
    url = central_server.url
    path = tmp_path / "warnings.sqlite"
    published = [publish(url, n) for n in range(WARNINGS)]
    ids = [item["id"] for item in published]
    inbox = Inbox(path)
    inbox.receive([from_api(item) for item in published], datetime.now(UTC))
    inbox.close()
    acked: set[str] = set()
    ops = collections.Counter()
    kept_back = ids[-2:]  # for the last step: however fast the rounds go, two are still unacknowledged
    for round_ in range(ACK_KILLS):
        journal = killed_child(["acks", str(path), url, *ids[:-2]], rng.uniform(0.05, 0.4),
                               tmp_path / f"acks-{round_}.log")
        acked |= {args[0] for op, args in journal.done if op == "ack"}
        ops.update(op for op, _ in journal.done)
        ops[f"killed mid-{journal.inflight[0]}" if journal.inflight else "killed between writes"] += 1
        inbox = Inbox(path)
        try:
            assert integrity(path) == "ok"
            acknowledged = {i for i in ids if inbox.find(i).acknowledged}
            assert acked <= acknowledged, f"round {round_}: lost the acks of {sorted(acked - acknowledged)}"
            assert acknowledged - acked in (set(), set(journal.inflight_args("ack")))
            acked = acknowledged
            assert {ack.warning_id for ack in inbox.pending_acks()} <= acked
        finally:
            inbox.close()
    assert ops["ack"] and ops["send"], ops

    inbox = Inbox(path)
    try:
        assert delivered_once(url, inbox, ids) == acked
        # Now for certain the worst moment: the server has taken the ack, the kill comes before the inbox
        # notes it sent (another writer holds the inbox, so the child waits there until it is killed).
        first, second = kept_back
        for warning_id in (first, second):
            inbox.acknowledge(inbox.find(warning_id).local_id, acker(warning_id), CLIENT, datetime.now(UTC))
    finally:
        inbox.close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        journal = killed_child(["acks", str(path), url], lambda: until(lambda: server_acks(url, first),
                                                                      "the first ack to reach the server"),
                               tmp_path / "acks-held.log")
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    assert journal.inflight == ("send", [])
    inbox = Inbox(path)  # the cockpit, restarted once more: it sends the first again, and the second
    try:
        assert {ack.warning_id for ack in inbox.pending_acks()} == {first, second}
        assert server_acks(url, second) == []
        assert delivered_once(url, inbox, ids) == acked | {first, second}
    finally:
        inbox.close()
