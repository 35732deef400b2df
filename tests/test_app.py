"""The cockpit as a user starts it: `python -m cockpit`, end to end against a real central API."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from cockpit import app
from kernel.paths import resource

REPO = Path(__file__).resolve().parents[1]


def cockpit(tmp_path: Path, *args: str, timeout: float = 180,
            platform: str = "offscreen") -> subprocess.CompletedProcess[str]:
    """Run the cockpit in its own process, with per-user folders of the test's own.

    A run that overstays is asked to stop (SIGTERM, so it stops its central API too), then aborted
    with every thread's stack written to stderr, and the test fails showing that output.
    """
    env = dict(os.environ, QT_QPA_PLATFORM=platform, XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(REPO), PYTHONFAULTHANDLER="1")
    env.pop("COCKPIT_TOKEN", None)
    command = [sys.executable, "-m", "cockpit", *args]
    with subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          encoding="utf-8") as process:
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)
            try:
                out, err = process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGABRT)
                out, err = process.communicate()
            pytest.fail(f"the cockpit overstayed {timeout:g} s\nstdout:\n{out[-3000:]}\nstderr:\n{err[-6000:]}")
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def png_size(path: Path) -> tuple[int, int]:
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a readable PNG"
    return image.width(), image.height()


def test_screenshot_of_the_embedded_simulated_nantong(tmp_path):
    shot = tmp_path / "wall.png"
    done = cockpit(tmp_path, "--screenshot", str(shot), "--size", "1920x1080", "--timeout", "90")
    assert done.returncode == 0, done.stderr
    assert png_size(shot) == (1920, 1080)
    assert "Traceback" not in done.stderr
    assert (tmp_path / "data").exists()  # the embedded API kept its database in the per-user data folder


def test_cached_picture_when_the_api_is_down(tmp_path, central_server):
    """A first run fills the disk cache; with the API gone, the next run still shows every panel (stale)."""
    url, cache = central_server.url, tmp_path / "payloads.sqlite"
    first = cockpit(tmp_path, "--api", url, "--cache", str(cache), "--screenshot", str(tmp_path / "a.png"),
                    "--size", "1280x720", "--timeout", "60")
    assert first.returncode == 0, first.stderr
    central_server.stop()
    second = cockpit(tmp_path, "--api", url, "--cache", str(cache), "--screenshot", str(tmp_path / "b.png"),
                     "--size", "1280x720", "--timeout", "60")
    assert second.returncode == 0, second.stderr
    assert png_size(tmp_path / "b.png") == (1280, 720)


def test_an_unreachable_api_with_no_cache_is_a_clear_error(tmp_path):
    shot = tmp_path / "never.png"
    done = cockpit(tmp_path, "--api", "http://127.0.0.1:9", "--cache", str(tmp_path / "empty.sqlite"),
                   "--screenshot", str(shot), "--timeout", "30", timeout=90)
    assert done.returncode != 0
    assert "cannot reach the central API at http://127.0.0.1:9" in done.stderr
    assert "连接被拒绝" in done.stderr
    assert "Traceback" not in done.stderr and not shot.exists()


def test_a_broken_catalogue_stops_start_up_naming_the_panel(tmp_path, capsys):
    data = json.loads(resource("panels.json").read_text(encoding="utf-8"))
    data["panels"][3]["charts"][1]["kind"] = "radar"
    broken = tmp_path / "panels.json"
    broken.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert app.main(["--catalogue", str(broken), "--screenshot", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert "building_economy" in err and "radar" in err


@pytest.mark.parametrize("size", ["0x10", "big", "1920x"])
def test_a_bad_size_is_refused_before_anything_starts(tmp_path, size):
    done = cockpit(tmp_path, "--screenshot", str(tmp_path / "x.png"), "--size", size, timeout=30)
    assert done.returncode == 2 and "--size" in done.stderr and "Traceback" not in done.stderr


def test_a_published_red_warning_reaches_the_cockpit_and_its_audit_log(tmp_path, central_server):
    """The app wires the warning pipeline: a drill published on the central API is received once,
    shown, and audited (JSON lines with an offset timestamp, never a token)."""
    import requests

    from tests.conftest import ADMIN_TOKEN

    published = requests.post(f"{central_server.url}/api/v1/sim/warnings", timeout=10,
                              headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                              json={"severity": "red", "headline": "演练：通州区突发暴雨内涝", "adcode": "320612"})
    assert published.status_code == 201, published.text
    warning_id = published.json()["id"]
    audit = tmp_path / "audit.jsonl"
    done = cockpit(tmp_path, "--api", central_server.url, "--audit-log", str(audit),
                   "--screenshot", str(tmp_path / "wall.png"), "--size", "1920x1080", "--timeout", "90")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    mine = [line for line in lines if line["warning_id"] == warning_id]
    assert [line["event"] for line in mine] == ["received", "shown"]
    assert all(line["ts"][-6] in "+-" for line in mine)  # ISO 8601 with its offset
    assert ADMIN_TOKEN not in audit.read_text(encoding="utf-8")


def test_a_video_wall_of_two_4k_screens_gets_one_window_over_both(tmp_path, central_session):
    screens = {"screens": [
        {"name": "wall-left", "x": 0, "y": 0, "width": 3840, "height": 2160, "logicalDpi": 96, "dpr": 1},
        {"name": "wall-right", "x": 3840, "y": 0, "width": 3840, "height": 2160, "logicalDpi": 96, "dpr": 1}]}
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(screens))
    shot = tmp_path / "wall.png"
    done = cockpit(tmp_path, "--api", central_session.url, "--span-screens", "--screenshot", str(shot),
                   "--timeout", "90", platform=f"offscreen:configfile={config}")
    assert done.returncode == 0, done.stderr
    assert png_size(shot) == (7680, 2160)


def test_each_api_keeps_its_own_warnings(tmp_path, central_session):
    """Warnings (and their feed cursor) belong to the API they came from: another --api, or the
    embedded city, never pops a warning of a city it is not showing."""
    data = tmp_path / "data" / "nantong-cockpit"
    done = cockpit(tmp_path, "--api", central_session.url, "--screenshot", str(tmp_path / "a.png"),
                   "--timeout", "90")
    assert done.returncode == 0, done.stderr
    first = set(data.glob("warnings-*.sqlite"))
    assert len(first) == 1
    done = cockpit(tmp_path, "--screenshot", str(tmp_path / "b.png"), "--timeout", "90")
    assert done.returncode == 0, done.stderr
    assert len(set(data.glob("warnings-*.sqlite")) - first) == 1


def test_sigterm_stops_a_snapshot_that_is_still_waiting(tmp_path):
    """A briefing job that waits on a silent API must still stop when told to."""
    import socket
    import time

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections, never answers
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(REPO))
    command = [sys.executable, "-m", "cockpit", "--api", f"http://127.0.0.1:{silent.getsockname()[1]}",
               "--screenshot", str(tmp_path / "x.png"), "--timeout", "120"]
    with subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True) as process:
        time.sleep(4)
        process.send_signal(signal.SIGTERM)
        try:
            _, err = process.communicate(timeout=30)
        finally:
            silent.close()
            if process.poll() is None:
                process.kill()
    assert process.returncode == 1, err
    assert "stopped before the screenshot was taken" in err and "Traceback" not in err
