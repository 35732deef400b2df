"""The embedded central API is watched: a crash is restarted on the same database and address,
with backoff, and said on screen; a deliberate stop is not undone. Real processes, real HTTP."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
import requests

from cockpit.core.embedded import EmbeddedCentral
from kernel.clock import CITY_TZ
from tests.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
START = datetime(2028, 2, 29, 23, 55, tzinfo=CITY_TZ)


@pytest.fixture
def states() -> list:
    return []


@pytest.fixture
def central(tmp_path: Path, states: list) -> Iterator[EmbeddedCentral]:
    server = EmbeddedCentral(tmp_path / "central.sqlite", seed=7, speed=10, start_at=START,
                             admin_token=ADMIN_TOKEN, on_state=states.append)
    server.start()
    yield server
    server.stop()


def health(url: str) -> dict:
    response = requests.get(f"{url}/api/v1/health", timeout=2)
    assert response.status_code == 200, response.text
    return response.json()


def until(condition: Callable[[], object], timeout: float, what: str) -> float:
    """Seconds until `condition()` held."""
    began = time.monotonic()
    while not condition():
        if time.monotonic() - began > timeout:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(0.05)
    return time.monotonic() - began


def answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/api/v1/health", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def crash(server: EmbeddedCentral) -> int:
    """SIGKILL from outside, as the OOM killer would: the cockpit did not ask for it."""
    assert server.process is not None
    pid = server.process.pid
    os.kill(pid, signal.SIGKILL)
    return pid


def back_up(server: EmbeddedCentral, states: list, old_pid: int, timeout: float = 5.0) -> float:
    """Seconds from now until a new child answers at the server's address and the supervisor has
    taken it as up (it answers HTTP a moment before it prints its ready line)."""
    return until(lambda: server.process is not None and server.process.pid != old_pid and answers(server.url)
                 and states and states[-1] is None, timeout, "a new central API answering")


def sim_time(url: str) -> datetime:
    return datetime.fromisoformat(health(url)["sim_time"])


def test_a_crashed_central_comes_back_within_5_s_at_the_same_address_on_the_same_database(central, states):
    url = central.url
    drill = requests.post(f"{url}/api/v1/sim/warnings", headers=ADMIN, timeout=10,
                          json={"severity": "orange", "headline": "演练：崩溃前", "adcode": "320612"}).json()
    # Open connections at the crash linger on the server's side; the port must still be bound again.
    keep_alive = requests.Session()
    keep_alive.get(f"{url}/api/v1/health", timeout=5)
    cursor = requests.get(f"{url}/api/v1/warnings", params={"limit": 1000}, timeout=10).json()["cursor"]

    def long_poll() -> None:
        with contextlib.suppress(requests.ConnectionError):  # cut off by the crash, as the cockpit's feed is
            requests.get(f"{url}/api/v1/warnings", params={"after": cursor, "wait": 30}, timeout=40)

    threading.Thread(target=long_poll, daemon=True).start()
    time.sleep(0.3)
    before = sim_time(url)
    seconds = back_up(central, states, crash(central))
    print(f"restarted and answering after {seconds:.2f} s")
    assert central.url == url
    assert sim_time(url) > before > START  # the city's clock goes on: the same database, not a new one
    feed = requests.get(f"{url}/api/v1/warnings", params={"limit": 1000}, timeout=10).json()["warnings"]
    assert drill["id"] in [w["id"] for w in feed]
    assert states[0] == "内置中央接口已停止，正在重新启动（第 1 次）…"
    keep_alive.close()


def test_repeated_crashes_back_off_and_a_stable_run_resets_it(central, states):
    central.STABLE_S = 4.0  # the default is a minute
    pid, seen = None, []
    for _ in range(3):
        pid = crash(central)
        seen.append(back_up(central, states, pid, timeout=10))
    assert central.delays == [0.5, 1.0, 2.0]
    assert all(s >= d for s, d in zip(seen, central.delays, strict=True))  # it really waited
    assert "正在重新启动（第 3 次）" in [s for s in states if s][-1]
    time.sleep(central.STABLE_S)
    seen.append(back_up(central, states, crash(central)))
    assert central.delays[-1] == 0.5  # up long enough: counted as healthy again
    print("restarts answered after " + ", ".join(f"{s:.2f} s" for s in seen))


def test_stop_and_kill_are_not_undone_but_a_stray_sigterm_is(tmp_path, states):
    server = EmbeddedCentral(tmp_path / "central.sqlite", seed=7, speed=0.001, on_state=states.append)
    try:
        url = server.start()
        server.kill()  # a lasting outage, for tests that need one
        time.sleep(1.0)  # beyond the first restart's pause
        assert server.process is None and not answers(url) and server.delays == []

        url = server.start()
        assert server.process is not None
        server.process.send_signal(signal.SIGTERM)  # a stray SIGTERM (status 0): the wall stays up all the same
        assert server.process.wait(15) == 0
        until(lambda: answers(url), 10, "the server stopped from outside to be back")
        assert server.delays == [0.5]
        server.stop()

        url = server.start()
        child = server.process
        assert child is not None
        watcher = server._watcher
        server.stop()
        assert child.poll() is not None and watcher is not None and not watcher.is_alive()
        time.sleep(1.0)
        assert server.process is None and not answers(url) and server.delays == [0.5]  # none since
    finally:
        server.stop()


def test_a_taken_port_moves_the_server_and_says_the_new_address(tmp_path, states):
    moved: list[str] = []
    server = EmbeddedCentral(tmp_path / "central.sqlite", seed=7, speed=0.001, on_state=states.append,
                             on_url=moved.append)
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        old = server.start()
        port = int(old.rsplit(":", 1)[1])
        crash(server)

        def take() -> bool:  # once the dead child's listener is gone, before the restart
            try:
                squatter.bind(("127.0.0.1", port))
            except OSError:
                return False
            squatter.listen(1)
            return True

        until(take, 0.4, "the old port to be free")
        until(lambda: moved, 10, "the new address")
        assert moved == [server.url] and server.url != old
        assert health(server.url)["status"] == "ok"
        until(lambda: states and states[-1] is None, 5, "the on-screen message to be cleared")
    finally:
        squatter.close()
        server.stop()


def test_a_restart_that_keeps_failing_backs_off_and_says_why(central, states, tmp_path):
    url, db = central.url, central.db
    before = sim_time(url)
    crash(central)
    aside = tmp_path / "aside"
    aside.mkdir()
    for path in db.parent.glob(db.name + "*"):  # the database, its WAL and shared memory; not its lock
        if not path.name.endswith(".lock"):
            path.rename(aside / path.name)
    db.write_text("not a database " * 100, encoding="utf-8")
    began = time.monotonic()
    failures = lambda: [s for s in states if s and "重新启动失败" in s]  # noqa: E731
    until(lambda: len(failures()) >= 2, 10, "two failed restarts")
    elapsed = time.monotonic() - began
    assert "not a database" in failures()[0] and "秒后再试" in failures()[0]  # the child's own words
    assert central.delays[:2] == [0.5, 1.0] and elapsed >= 1.5  # paused between tries, no spinning
    assert sum("cannot use" in line for line in central.output) == len(failures())
    db.unlink()
    for path in aside.iterdir():
        path.rename(db.parent / path.name)
    until(lambda: answers(url), 10, "the restart after the database was repaired")
    assert central.delays[2] == 2.0 and central.url == url
    assert sim_time(url) > before  # the same city, its clock going on
    until(lambda: states[-1] is None, 5, "the on-screen message to be cleared")
