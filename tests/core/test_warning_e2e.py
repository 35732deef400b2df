"""End to end against the real central API: every warning received once, acknowledged, the ack on the server;
the server killed and restarted during a burst, and still every warning once and only once."""

from __future__ import annotations

import asyncio
import collections
import threading
import time

import requests

from cockpit.core.warning import AuditLog, CentralFeed, Inbox, WarningService, read_audit
from kernel import levels
from tests.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def publish(base_url: str, n: int) -> str:
    response = requests.post(f"{base_url}/api/v1/sim/warnings", headers=ADMIN, timeout=(2, 5), json={
        "severity": levels.CODES[n % len(levels.CODES)], "headline": f"端到端测试预警 {n}", "adcode": "320612",
        "instruction": "请立即核查"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def server_feed(base_url: str) -> list[dict]:
    """Everything the server ever published, read from the start."""
    items, cursor = [], None
    while True:
        params = {"limit": 200, **({"after": cursor} if cursor else {})}
        page = requests.get(f"{base_url}/api/v1/warnings", params=params, timeout=(2, 10)).json()
        items += page["warnings"]
        cursor = page["cursor"]
        if not page["warnings"]:
            return items


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def test_published_warnings_are_received_once_and_acknowledged_on_the_server(central_server, tmp_path):
    inbox = Inbox(tmp_path / "warnings.sqlite")
    audit = AuditLog(tmp_path / "audit.jsonl")
    service = WarningService(inbox, central=CentralFeed(central_server.url, wait_s=5), audit=audit,
                             ack_retry_s=0.2)
    published = [publish(central_server.url, n) for n in range(4)]

    async def scenario() -> None:
        service.start()
        await until(lambda: all(inbox.find(i) for i in published), 20, "the published warnings")
        for warning_id in published:
            assert service.acknowledge(inbox.find(warning_id).local_id, "张三", "desk-1") is not None
        await until(lambda: not inbox.pending_acks(), 20, "the acknowledgements to reach the server")
        late = await asyncio.get_running_loop().run_in_executor(None, publish, central_server.url, 9)
        await until(lambda: inbox.find(late) is not None, 10, "a warning published during a long poll")
        await service.stop()
        # A display-only wall learns of the acknowledgements made at the desk, and stops reminding.
        await wall.poll_central_once(wait_s=0)
        assert {r.id for r in wall_inbox.needing_attention()} >= set(published)
        await wall.sync_acks_once()
        assert {r.id for r in wall_inbox.needing_attention()}.isdisjoint(published)

    wall_inbox = Inbox(tmp_path / "wall.sqlite")
    wall = WarningService(wall_inbox, central=CentralFeed(central_server.url, wait_s=0))
    asyncio.run(scenario())
    assert wall_inbox.find(published[0]).acked_by == "张三" and wall_inbox.pending_acks() == []
    wall_inbox.close()
    for warning_id in published:
        on_server = requests.get(f"{central_server.url}/api/v1/warnings/{warning_id}", timeout=5).json()
        assert [(a["by"], a["client"]) for a in on_server["acks"]] == [("张三", "desk-1")]
        assert inbox.ack_state(inbox.find(warning_id).local_id)[0] == "sent"
    received = collections.Counter(e["warning_id"] for e in read_audit(audit.path) if e["event"] == "received")
    assert all(received[i] == 1 for i in published)
    ours = [r.id for r in reversed(inbox.records(limit=100_000))]
    assert ours == [item["id"] for item in server_feed(central_server.url)][:len(ours)]  # no gap, no repeat
    inbox.close()


def test_a_server_killed_and_restarted_during_a_burst_loses_nothing_and_repeats_nothing(central_server, tmp_path):
    inbox = Inbox(tmp_path / "warnings.sqlite")
    audit = AuditLog(tmp_path / "audit.jsonl")
    service = WarningService(inbox, central=CentralFeed(central_server.url, wait_s=3), audit=audit,
                             max_backoff_s=0.5)
    published: list[str] = []
    where = {"url": central_server.url}
    stop = threading.Event()

    def burst() -> None:
        n = 0
        while not stop.is_set() and n < 60:
            try:
                published.append(publish(where["url"], n))
                n += 1
            except (requests.RequestException, AssertionError):
                time.sleep(0.05)  # the server is down: try the same one again

    async def scenario() -> None:
        service.start()
        publisher = threading.Thread(target=burst, daemon=True)
        publisher.start()
        await until(lambda: len(published) >= 10, 30, "the burst to start")
        central_server.kill()  # mid-burst, mid-long-poll
        await until(lambda: service.last_error, 10, "the receiver to notice the outage")
        published_before_restart = len(published)
        new_url = await asyncio.get_running_loop().run_in_executor(None, central_server.start)
        where["url"] = new_url
        service.set_base_url(new_url)  # the embedded server comes back on another port
        await until(lambda: len(published) >= 60, 60, "the burst to finish")
        assert published_before_restart < 60  # the burst went on across the restart
        await until(lambda: all(inbox.find(i) for i in published), 30, "every published warning")
        stop.set()
        await service.stop()

    asyncio.run(scenario())
    truth = [item["id"] for item in server_feed(central_server.url)]
    assert len(truth) == len(set(truth)) >= 60
    ours = [r.id for r in reversed(inbox.records(limit=100_000))]
    # The server's feed in order, once each, with no gap (the simulator may have published more since).
    assert ours == truth[:len(ours)] and set(published) <= set(ours)
    received = collections.Counter(e["warning_id"] for e in read_audit(audit.path) if e["event"] == "received")
    assert set(received) == set(ours) and set(received.values()) == {1}
    inbox.close()


def test_a_cursor_the_server_cannot_read_restarts_the_feed_without_repeats(central_server, tmp_path, caplog):
    inbox = Inbox(tmp_path / "warnings.sqlite")
    service = WarningService(inbox, central=CentralFeed(central_server.url, wait_s=0))
    first = publish(central_server.url, 1)

    async def scenario() -> None:
        await service.poll_central_once()
        assert inbox.find(first) is not None
        count = inbox.count()
        inbox.set_meta("cursor:central", "eyJ2IjoxLCJkYiI6Im90aGVyIiwic2VxIjo1fQ")  # another database's
        assert await service.poll_central_once() == []
        assert inbox.cursor is None and "refused the stored warnings cursor" in caplog.text
        changes = await service.poll_central_once()  # from the start: all known, none repeated
        assert inbox.count() == count + len([c for c in changes if c.event == "received"])
        assert all(c.record.id != first for c in changes) and inbox.cursor is not None

    asyncio.run(scenario())
    inbox.close()


def test_an_ack_made_while_the_server_was_away_goes_the_moment_it_is_back(central_server, tmp_path):
    """After a restart of the cockpit, or an outage, a waiting acknowledgement does not wait out a
    retry interval: the first answer from the server sends it."""
    inbox = Inbox(tmp_path / "warnings.sqlite")
    first = WarningService(inbox, central=CentralFeed(central_server.url, wait_s=5))
    warning_id = publish(central_server.url, 1)

    async def receive_then_ack_while_away() -> None:
        first.start()
        await until(lambda: inbox.find(warning_id), 20, "the published warning")
        await first.stop()
        first.central.set_base_url("http://127.0.0.1:9")  # the server is away when the leader confirms
        assert first.acknowledge(inbox.find(warning_id).local_id, "张三", "desk-1") is not None

    async def restarted() -> float:
        service = WarningService(inbox, central=CentralFeed(central_server.url, wait_s=5), ack_retry_s=60)
        started = time.monotonic()
        service.start()
        await until(lambda: not inbox.pending_acks(), 10, "the waiting acknowledgement to be sent")
        await service.stop()
        return time.monotonic() - started

    asyncio.run(receive_then_ack_while_away())
    assert inbox.pending_acks()
    took = asyncio.run(restarted())
    assert took < 5  # not the 60 s retry interval
    acks = requests.get(f"{central_server.url}/api/v1/warnings/{warning_id}", timeout=5).json()["acks"]
    assert [ack["by"] for ack in acks] == ["张三"]
    inbox.close()
