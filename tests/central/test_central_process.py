"""The server as a process: the ready line, clean exits on SIGTERM and Ctrl-C, plain errors, openapi.json in sync."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

import pytest
import requests

from central.server import Settings, create_app, openapi_text
from cockpit.core.embedded import READY_LINE, EmbeddedCentral
from kernel.clock import CITY_TZ

ROOT = Path(__file__).resolve().parents[2]


def test_committed_openapi_matches_the_server():
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_text(create_app(Settings())), (
        "docs/openapi.json is out of date: run `cockpit-central --dump-openapi docs/openapi.json`")


def test_dump_openapi_writes_the_document(tmp_path):
    target = tmp_path / "openapi.json"
    result = subprocess.run([sys.executable, "-m", "central", "--dump-openapi", str(target)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_shuts_down_cleanly_even_during_a_long_poll(tmp_path, sig):
    server = EmbeddedCentral(tmp_path / "central.sqlite", seed=7)
    server.start()
    answer: dict = {}
    poller = threading.Thread(target=lambda: answer.update(
        requests.get(f"{server.url}/api/v1/warnings", params={"wait": 60}, timeout=70).json()))
    poller.start()
    process = server.process
    assert process is not None
    threading.Event().wait(0.5)
    process.send_signal(sig)
    assert process.wait(15) == 0
    poller.join(5)
    assert answer.get("warnings") is not None  # the long poll was answered, not cut off
    output = "\n".join(server.output)
    assert sum(bool(READY_LINE.search(line)) for line in server.output) == 1
    assert "Traceback" not in output
    conn = sqlite3.connect(tmp_path / "central.sqlite")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_busy_port_and_bad_speed_are_told_plainly(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "central", "--port", str(port), "--db",
                                 str(tmp_path / "c.sqlite")], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    result = subprocess.run([sys.executable, "-m", "central", "--speed", "0"], cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 2 and "--speed" in result.stderr


def test_start_at_pins_a_new_citys_clock_and_an_existing_city_keeps_its_own(tmp_path):
    db = tmp_path / "c.sqlite"
    with EmbeddedCentral(db, seed=7, speed=0.001, start_at=datetime(2028, 2, 29, 23, 55, tzinfo=CITY_TZ)) as server:
        health = requests.get(f"{server.url}/api/v1/health", timeout=10).json()
        panel = requests.get(f"{server.url}/api/v1/panels/hotline_12345", timeout=10).json()
    assert health["sim_time"].startswith("2028-02-29T23:55") and panel["as_of"] == "2028-02-29T23:55:00+08:00"
    with EmbeddedCentral(db, seed=7, speed=0.001, start_at=datetime(2030, 1, 1, tzinfo=CITY_TZ)) as server:
        again = requests.get(f"{server.url}/api/v1/health", timeout=10).json()
    assert again["sim_time"].startswith("2028-02-29T23:55")
    assert any("applies only to a new database" in line for line in server.output)
    result = subprocess.run([sys.executable, "-m", "central", "--start-at", "2027-02-29"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "--start-at" in result.stderr and "expected a date and time" in result.stderr


def test_a_file_that_is_no_database_is_refused_in_words(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("meeting notes, not a database " * 20, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "central", "--port", "0", "--db", str(text)], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "cannot use" in result.stderr and "not a database" in result.stderr
    assert text.read_text(encoding="utf-8").startswith("meeting notes")  # untouched


def test_embedded_server_stops_when_the_cockpit_dies_hard(tmp_path):
    """A cockpit killed with SIGKILL leaves no simulated city running behind it."""
    import os
    import signal as signals
    import subprocess
    import sys
    import time

    script = ("import sys, time\n"
              "from cockpit.core.embedded import EmbeddedCentral\n"
              f"server = EmbeddedCentral({str(tmp_path / 'c.sqlite')!r})\n"
              "server.start()\n"
              "print(server.process.pid, flush=True)\n"
              "time.sleep(600)\n")
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    parent.send_signal(signals.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(child, signals.SIGKILL)
    raise AssertionError("the embedded central API outlived the cockpit that started it")


def test_a_packaged_cockpit_says_it_has_no_embedded_central_api(tmp_path, monkeypatch):
    """PyInstaller sets sys.frozen; the packaged cockpit leaves central/ out and must say so."""
    import sys

    import pytest

    from cockpit.core.embedded import EmbeddedCentral, EmbeddedCentralError

    monkeypatch.setattr(sys, "frozen", True, raising=False)
    with pytest.raises(EmbeddedCentralError, match="--api"):
        EmbeddedCentral(tmp_path / "c.sqlite").start()


def test_one_simulated_city_per_database_and_a_second_cockpit_shares_it(tmp_path):
    """Two simulators on one database would publish every warning twice: the second server
    refuses, naming the first one's address, and a second embedded cockpit simply uses it."""
    import subprocess
    import sys

    from cockpit.core.embedded import EmbeddedCentral

    db = tmp_path / "city.sqlite"
    with EmbeddedCentral(db) as first:
        second = subprocess.run([sys.executable, "-m", "central", "--port", "0", "--db", str(db)],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 3
        assert f"already served at {first.url}" in second.stderr
        with EmbeddedCentral(db) as shared:
            assert shared.url == first.url
        assert first.process is not None and first.process.poll() is None  # still serving
    with EmbeddedCentral(db) as after:  # the lock went with the first server
        assert after.process is not None and after.process.poll() is None  # a server of its own
