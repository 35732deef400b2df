"""Answers shared by many cockpits (central/answers.py): one read per change, never a stale one.

A publish wakes every long poll at once; they share one read of the feed page. The shared page must
still be what each of them would have read alone: the new message for every waiter, `expired` once
a message's expires has passed on the simulated clock, acknowledgements and other writers' commits
as soon as they are committed. Big bodies are encoded once per version; a conditional GET after a
change gets the new body.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from datetime import datetime, timedelta

import requests

from central import answers, models, warning_feed
from central.db import Database, connect
from kernel.clock import CITY_TZ
from tests.central.conftest import drill, feed, read_all

START = datetime(2026, 11, 24, 20, 0, tzinfo=CITY_TZ)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def test_every_waiter_woken_by_one_publish_gets_it(writable):
    _, cursor = read_all(writable)
    found: list[dict | None] = [None] * 12

    def poll(n: int) -> None:
        found[n] = feed(writable, cursor, wait=20)

    pollers = [threading.Thread(target=poll, args=(n,)) for n in range(len(found))]
    for poller in pollers:
        poller.start()
    time.sleep(0.5)
    published = drill(writable, headline="扇出：同一次发布")
    for poller in pollers:
        poller.join(15)
    assert all(answer is not None for answer in found)
    assert all([w["id"] for w in answer["warnings"]] == [published["id"]] for answer in found)
    assert len({answer["cursor"] for answer in found}) == 1
    for answer in found:  # the shared page says what the route's model says, as the publish answered it
        assert models.Feed.model_validate(answer).model_dump(mode="json") == answer
        assert answer["warnings"][0] == published
    assert feed(writable, found[0]["cursor"])["warnings"] == []  # once, and the cursor moved past it


def test_a_conditional_get_after_a_change_gets_the_new_body(writable):
    url = f"{writable.url}/api/v1/situation"
    first = requests.get(url, timeout=10)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag == etag_of(first.content)  # strong: the hash of the body
    same = requests.get(url, headers={"If-None-Match": tag}, timeout=10)
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == tag and same.headers["Cache-Control"] == "no-cache"
    published = drill(writable, headline="扇出：态势变化")
    changed = requests.get(url, headers={"If-None-Match": tag}, timeout=10)
    assert changed.status_code == 200 and changed.headers["Cache-Control"] == "no-cache"
    assert changed.headers["ETag"] != tag and changed.headers["ETag"] == etag_of(changed.content)
    assert published["id"] in [w["id"] for w in changed.json()["warnings"]]
    again = requests.get(url, headers={"If-None-Match": f'"other", {changed.headers["ETag"]}'}, timeout=10)
    assert again.status_code == 304


def test_a_panel_is_encoded_once_and_still_answers_304_and_404(writable):
    panel_id = requests.get(f"{writable.url}/api/v1/meta", timeout=10).json()["panels"][0]["id"]
    url = f"{writable.url}/api/v1/panels/{panel_id}"
    first = requests.get(url, timeout=10)
    assert first.status_code == 200 and first.headers["ETag"] == etag_of(first.content)
    assert first.headers["Content-Type"] == "application/json"
    assert requests.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10).status_code == 304
    missing = requests.get(f"{writable.url}/api/v1/panels/no_such_panel", timeout=10)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


# ---------------------------------------------------------------- the shared pages, in process

def _publish(conn, headline: str, *, sent: datetime = START,
             lasting: timedelta = timedelta(minutes=5)) -> dict:
    return warning_feed.publish_warning(conn, severity="red", headline=headline, adcode="320612", lon=120.9,
                                        lat=32.0, item_code="T-01", item_name="测试", domain="公共安全",
                                        sent=sent, expires=sent + lasting)


class City:
    """A database, a simulated clock of the test's own, and the feed's shared pages over them."""

    def __init__(self, folder) -> None:
        self.db = Database(folder / "central.sqlite")
        self.now = START
        self.watch = answers.Watch(self.db.path)
        self.pages = answers.FeedPages(self.watch, self.db.db_id, self.db.conn, lambda: self.now,
                                       max_age_s=60)

    def states(self, page: answers.Page) -> list[str]:
        return [w["state"] for w in json.loads(page.warnings)]

    def close(self) -> None:
        self.watch.close()
        self.db.close()


def test_concurrent_askers_share_one_read(tmp_path):
    city = City(tmp_path)
    try:
        _publish(city.db.conn(), "共享")

        async def ask() -> list[answers.Page]:
            return await asyncio.gather(*(city.pages.get(0, 200) for _ in range(50)))

        found = asyncio.run(ask())
        assert all(page is found[0] for page in found) and found[0].count == 1
        assert city.pages.reads == 1
        assert asyncio.run(ask())[0] is found[0] and city.pages.reads == 1  # nothing changed: kept
    finally:
        city.close()


def test_a_page_read_before_an_expiry_is_not_served_after_it(tmp_path):
    city = City(tmp_path)
    try:
        _publish(city.db.conn(), "将过期", lasting=timedelta(minutes=5))

        async def scenario() -> tuple[answers.Page, answers.Page, answers.Page]:
            first = await city.pages.get(0, 200)
            city.now = START + timedelta(minutes=5) - timedelta(seconds=1)
            before = await city.pages.get(0, 200)
            city.now = START + timedelta(minutes=5)  # its expires, on the simulated clock
            return first, before, await city.pages.get(0, 200)

        first, before, after = asyncio.run(scenario())
        assert before is first and city.states(first) == ["active"]
        assert city.states(after) == ["expired"]
        assert city.pages.reads == 2
    finally:
        city.close()


def test_writes_that_ring_no_bell_are_seen_at_once(tmp_path):
    """An acknowledgement, or a message written by another process, rings no bell in this one."""
    city = City(tmp_path)
    try:
        published = _publish(city.db.conn(), "确认")
        seq = warning_feed.seq_of(published["id"])

        async def scenario() -> tuple[answers.Page, answers.Page, answers.Page]:
            first = await city.pages.get(0, 200)
            generation = warning_feed.BELL.generation
            warning_feed.add_ack(city.db.conn(), seq, ack_id="a-1", by="张三", at="2026-11-24T20:01:00+08:00",
                                 client="wall-1")
            acked = await city.pages.get(0, 200)
            other = connect(city.db.path)  # another process's connection: its commit cannot ring our bell
            try:
                other.execute("UPDATE warnings SET headline = '改写' WHERE seq = ?", (seq,))
                other.commit()
            finally:
                other.close()
            rewritten = await city.pages.get(0, 200)
            assert warning_feed.BELL.generation in (generation, generation + 1)  # (add_ack may ring)
            return first, acked, rewritten

        first, acked, rewritten = asyncio.run(scenario())
        assert json.loads(first.warnings)[0]["acks"] == []
        assert json.loads(acked.warnings)[0]["acks"] == [{"by": "张三", "at": "2026-11-24T20:01:00+08:00",
                                                          "client": "wall-1"}]
        assert json.loads(rewritten.warnings)[0]["headline"] == "改写"
    finally:
        city.close()


def test_a_publish_makes_the_waiters_page_new(tmp_path):
    city = City(tmp_path)
    try:
        first = _publish(city.db.conn(), "第一条")
        after = warning_feed.seq_of(first["id"])

        async def scenario() -> tuple[answers.Page, answers.Page]:
            empty = await city.pages.get(after, 200)
            await asyncio.get_running_loop().run_in_executor(None, lambda: _publish(city.db.conn(), "第二条"))
            return empty, await city.pages.get(after, 200)

        empty, news = asyncio.run(scenario())
        assert empty.count == 0 and empty.cursor == warning_feed.encode_cursor(city.db.db_id, after)
        assert news.count == 1 and [w["headline"] for w in json.loads(news.warnings)] == ["第二条"]
        assert news.cursor == warning_feed.encode_cursor(city.db.db_id, after + 1)
        body = json.loads(city.pages.answer(news, server_time="2026-11-24T20:00:00+08:00",
                                            sim_time="2026-11-24T20:00:00+08:00", speed=1.0))
        assert models.Feed.model_validate(body).model_dump(mode="json") == body
    finally:
        city.close()


def test_a_cursor_ahead_of_the_feed_is_told_not_kept_for_later(tmp_path):
    city = City(tmp_path)
    try:
        async def scenario() -> tuple[answers.Page, answers.Page]:
            ahead = await city.pages.get(1, 200)
            _publish(city.db.conn(), "追上")
            return ahead, await city.pages.get(1, 200)

        ahead, caught_up = asyncio.run(scenario())
        assert ahead.ahead and not caught_up.ahead and caught_up.count == 0
    finally:
        city.close()


def test_a_big_body_is_built_once_until_something_is_committed(tmp_path):
    city = City(tmp_path)
    try:
        encoded = answers.Encoded(city.watch)
        builds: list[int] = []

        def build() -> tuple[int, dict]:  # as the simulator's bodies: (version, body)
            builds.append(1)
            time.sleep(0.05)
            return len(builds), {"built": len(builds), "名": "态势"}

        async def scenario() -> tuple[list, tuple, tuple]:
            together = await asyncio.gather(*(encoded.get("situation", build) for _ in range(30)))
            later = await encoded.get("situation", build)
            _publish(city.db.conn(), "变化")  # a commit: the body may have changed
            return together, later, await encoded.get("situation", build)

        together, later, changed = asyncio.run(scenario())
        assert all(found == together[0] for found in together) and later == together[0]
        assert len(builds) == 2
        tag, data = changed
        assert json.loads(data) == {"built": 2, "名": "态势"} and tag == etag_of(data) != together[0][0]
    finally:
        city.close()


# ---------------------------------------------------------------- the bell

def test_one_ring_from_another_thread_wakes_every_waiter():
    bell = warning_feed.Bell()

    async def scenario() -> float:
        futures = [bell.arm() for _ in range(300)]
        began = time.monotonic()
        threading.Thread(target=bell.ring).start()  # as a publish in a worker thread does
        await asyncio.wait_for(asyncio.gather(*(bell.wait(future, 10) for future in futures)), 5)
        for future in futures:
            bell.disarm(future)
        return time.monotonic() - began

    assert asyncio.run(scenario()) < 2 and bell.generation == 1


def test_a_waiter_times_out_without_a_ring_and_disarms():
    bell = warning_feed.Bell()

    async def scenario() -> float:
        future = bell.arm()
        began = time.monotonic()
        await bell.wait(future, 0.05)
        bell.disarm(future)
        bell.disarm(future)  # twice is harmless
        return time.monotonic() - began

    assert 0.04 <= asyncio.run(scenario()) < 1
    bell.ring()  # nobody is waiting any more
    assert bell.generation == 1
