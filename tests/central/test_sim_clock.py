"""The simulator's clock and determinism, on real SQLite files (the Simulator object itself)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from central.sim import Simulator
from kernel.clock import CITY_TZ

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 7, 14, 9, 30, tzinfo=CITY_TZ)
FROZEN = 1e-6  # simulated seconds per real second: the clock does not reach the next minute in a test


def started(path: Path, *, seed: int = 7, speed: float = FROZEN, start_at: datetime | None = START) -> Simulator:
    sim = Simulator(path, seed=seed, speed=speed, start_at=start_at)
    sim.start()
    return sim


def bodies(sim: Simulator) -> str:
    found = {"meta": sim.meta(), "situation": sim.situation()}
    found.update({p["id"]: sim.panel(p["id"]) for p in sim.meta()["panels"]})
    return json.dumps(found, ensure_ascii=False, sort_keys=True)


def state(path: Path, key: str):
    conn = sqlite3.connect(path)
    try:
        return json.loads(conn.execute("SELECT value FROM sim_state WHERE key = ?", (key,)).fetchone()[0])
    finally:
        conn.close()


def test_a_pinned_city_begins_at_its_instant_whatever_its_speed(tmp_path):
    """The backfill takes a second or two of real time; at 100x that must not carry the city past its start."""
    sim = started(tmp_path / "fast.sqlite", speed=100.0)
    try:
        assert timedelta(0) <= sim.now() - START < timedelta(seconds=30)
    finally:
        sim.stop()


def test_same_seed_and_time_give_the_same_city_and_another_seed_another(tmp_path):
    first = started(tmp_path / "a.sqlite")
    try:
        one = bodies(first)
    finally:
        first.stop()
    second = started(tmp_path / "b.sqlite")
    try:
        assert bodies(second) == one
    finally:
        second.stop()
    other = started(tmp_path / "c.sqlite", seed=8)
    try:
        different = other.situation()
    finally:
        other.stop()
    assert different["as_of"] == json.loads(one)["situation"]["as_of"] == "2026-07-14T09:30:00+08:00"
    assert different["headline"] != json.loads(one)["situation"]["headline"]


def test_the_first_start_anchors_simulated_time_at_real_now(tmp_path):
    sim = started(tmp_path / "c.sqlite", speed=1.0, start_at=None)
    try:
        assert abs((sim.now() - datetime.now(CITY_TZ)).total_seconds()) < 5
        assert sim.now().utcoffset() == timedelta(hours=8)
        assert sim.backfill_seconds is not None and sim.backfill_seconds < 15
        as_of = datetime.fromisoformat(sim.situation()["as_of"])
        assert timedelta(0) <= sim.now() - as_of < timedelta(minutes=2)
    finally:
        sim.stop()


def test_speed_multiplies_the_clock_and_can_change(tmp_path):
    sim = started(tmp_path / "c.sqlite", speed=600.0)
    try:
        before, real = sim.now(), time.monotonic()
        time.sleep(1.0)
        ran = (sim.now() - before).total_seconds() / (time.monotonic() - real)
        assert ran == pytest.approx(600, rel=0.05)
        deadline = time.monotonic() + 10
        while sim.situation()["as_of"] < (START + timedelta(minutes=8)).isoformat():  # the city keeps up
            assert time.monotonic() < deadline, "the simulator did not generate the minutes that passed"
            time.sleep(0.2)
        sim.set_speed(1.0)
        before, real = sim.now(), time.monotonic()
        time.sleep(0.5)
        assert (sim.now() - before).total_seconds() / (time.monotonic() - real) == pytest.approx(1, rel=0.1)
        for bad in (0, -5, float("nan"), float("inf"), 1e9):
            with pytest.raises(ValueError, match="speed must be a number above 0"):
                sim.set_speed(bad)
    finally:
        sim.stop()


def test_a_restart_on_the_same_database_continues_without_loss(tmp_path):
    path = tmp_path / "c.sqlite"
    sim = started(path, speed=600.0)
    try:
        time.sleep(1.5)
        stopped_at = sim.now()
        situation = sim.situation()
        hotline = sim.panel("hotline_12345")["blocks"]["kpis"]["items"]
    finally:
        sim.stop()
    conn = sqlite3.connect(path)
    ids = {row[0] for row in conn.execute("SELECT service_request_id FROM service_requests")}
    warnings = conn.execute("SELECT COUNT(*) FROM warnings").fetchone()[0]
    conn.close()
    history_start = state(path, "history_start")
    again = started(path, speed=600.0, start_at=None)  # start_at only ever applies to a new database
    try:
        assert again.backfill_seconds is None  # resumed, not backfilled again
        assert again.now() >= stopped_at
        assert again.now() - stopped_at < timedelta(minutes=5)  # real seconds passed at 600x, no restart from now
        assert again.situation()["as_of"] >= situation["as_of"]
        assert hotline[0]["value"] <= again.panel("hotline_12345")["blocks"]["kpis"]["items"][0]["value"]
        time.sleep(0.5)
    finally:
        again.stop()
    conn = sqlite3.connect(path)
    assert ids <= {row[0] for row in conn.execute("SELECT service_request_id FROM service_requests")}
    assert conn.execute("SELECT COUNT(*) FROM warnings").fetchone()[0] >= warnings
    conn.close()
    assert state(path, "history_start") == history_start


def test_after_a_long_stop_at_most_one_simulated_day_is_caught_up(tmp_path):
    path = tmp_path / "c.sqlite"
    started(path).stop()
    generated_to = state(path, "generated_to")
    conn = sqlite3.connect(path)
    clock = state(path, "clock")
    clock.update(real_anchor=time.time() - 5 * 86400, speed=1.0)  # as if stopped five days ago
    with conn:
        conn.execute("UPDATE sim_state SET value = ? WHERE key = 'clock'", (json.dumps(clock),))
    conn.close()
    sim = started(path, speed=FROZEN)
    try:
        assert sim.now() == pytest.approx(datetime.fromtimestamp((generated_to + 1440) * 60, CITY_TZ),
                                          abs=timedelta(seconds=1))
        deadline = time.monotonic() + 30
        while state(path, "generated_to") < generated_to + 1440:
            assert time.monotonic() < deadline, "the missed day was not generated"
            time.sleep(0.2)
    finally:
        sim.stop()


def test_a_database_keeps_its_own_city_whatever_seed_a_restart_names(tmp_path):
    path = tmp_path / "c.sqlite"
    first = started(path, seed=7)
    body = first.panel("economy")
    first.stop()
    again = started(path, seed=99)
    try:
        assert again.seed == 7
        assert again.panel("economy")["blocks"]["key_projects"] == body["blocks"]["key_projects"]
    finally:
        again.stop()


_FINGERPRINT = """
import hashlib, json, sys
from datetime import datetime
from pathlib import Path
from central.sim import Simulator
from kernel.clock import CITY_TZ
sim = Simulator(Path(sys.argv[1]), seed=7, speed=1e-6,
                start_at=datetime(2026, 7, 14, 9, 30, tzinfo=CITY_TZ))
sim.start()
found = {"situation": sim.situation(), **{p["id"]: sim.panel(p["id"]) for p in sim.meta()["panels"]}}
sim.stop()
print(hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest())
"""


def test_the_city_is_the_same_in_another_process_whatever_its_hash_seed(tmp_path):
    """Nothing depends on Python's per-process string hashing or on the order of sets."""
    prints = set()
    for hash_seed in ("1", "2"):
        db = str(tmp_path / f"hash-{hash_seed}.sqlite")
        done = subprocess.run([sys.executable, "-c", _FINGERPRINT, db], capture_output=True, text=True, timeout=120,
                              cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": hash_seed})
        assert done.returncode == 0, done.stderr
        prints.add(done.stdout.strip())
    assert len(prints) == 1


def test_the_server_killed_and_restarted_on_its_database_loses_nothing(central_server):
    def get(path: str):
        response = requests.get(f"{central_server.url}{path}", timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    before = get("/api/v1/situation")
    requests_before = [r["service_request_id"] for r in get("/open311/v2/requests.json")]
    feed_before = get("/api/v1/warnings?limit=1000")["warnings"]
    central_server.kill()  # no clean shutdown
    central_server.start()
    after = get("/api/v1/situation")
    assert after["as_of"] >= before["as_of"]
    assert {r["adcode"]: r["figures"]["grids"] for r in after["regions"]} == \
        {r["adcode"]: r["figures"]["grids"] for r in before["regions"]}
    sample = sorted(requests_before)[::50]
    again = get(f"/open311/v2/requests.json?service_request_id={','.join(sample)}")
    assert sorted(r["service_request_id"] for r in again) == sample
    feed_after = get("/api/v1/warnings?limit=1000")["warnings"]
    assert [w["id"] for w in feed_after[:len(feed_before)]] == [w["id"] for w in feed_before]
