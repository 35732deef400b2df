"""Screens going and coming back, on a real X server: Xvfb with RandR monitors, the cockpit under xcb.

A monitor deleted with `xrandr --delmonitor` is a screen unplugged to Qt (QGuiApplication.screenRemoved),
and `--setmonitor` plugs it back; the cockpit runs as users run it, its own process on the embedded
central API. Skipped where Xvfb or xrandr is not installed (bootstrap.sh installs both for the tests).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MONITORS = {"M1": "3840/1210x2160/680+0+0", "M2": "3840/1210x2160/680+3840+0", "DESK": "1920/510x1080/290+0+2160"}
MANIFEST = """\
[wall]
name = "测试墙"
viewing_distance_m = 3.0
tick_s = 3600

[[screen]]
id = "左"
name = "M1"
position_mm = [0, 0]
show = "map"

[[screen]]
id = "右"
name = "M2"
position_mm = [1210, 0]
show = "warnings"

[[screen]]
id = "值班台"
role = "operator"
name = "DESK"
"""

pytestmark = pytest.mark.skipif(not (shutil.which("Xvfb") and shutil.which("xrandr") and shutil.which("xdotool")),
                                reason="needs Xvfb, xrandr and xdotool (bootstrap.sh installs them)")


@pytest.fixture
def xserver(tmp_path: Path):
    display = f":{90 + os.getpid() % 500}"
    # -noreset: without it the server forgets the monitors when the last client (xrandr) disconnects.
    server = subprocess.Popen(["Xvfb", display, "-screen", "0", "7680x3240x24", "+extension", "RANDR", "-nolisten",
                               "tcp", "-noreset"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DISPLAY=display)
    deadline = time.monotonic() + 20
    while subprocess.run(["xrandr", "--listmonitors"], env=env, capture_output=True).returncode != 0:
        assert time.monotonic() < deadline and server.poll() is None, "Xvfb did not start"
        time.sleep(0.1)
    # Xvfb's own monitor covers the whole frame buffer: turned off, only ours are screens.
    subprocess.run(["xrandr", "--output", "screen", "--off", "--fb", "7680x3240"], env=env, check=True)
    for name, geometry in MONITORS.items():
        subprocess.run(["xrandr", "--setmonitor", name, geometry, "none"], env=env, check=True)
    yield env
    server.terminate()
    server.wait(timeout=10)


def test_a_screen_unplugged_moves_to_the_desk_and_comes_back(xserver, tmp_path: Path) -> None:
    manifest = tmp_path / "wall.toml"
    manifest.write_text(MANIFEST, encoding="utf-8")
    home = tmp_path / "home"
    env = dict(xserver, QT_QPA_PLATFORM="xcb", HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"), PYTHONUNBUFFERED="1",
               COCKPIT_HEARTBEAT=str(tmp_path / "heartbeat"))
    log = tmp_path / "cockpit.log"
    with log.open("w") as out:
        cockpit = subprocess.Popen([sys.executable, "-m", "cockpit", "--wall", str(manifest)], cwd=ROOT, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        until(lambda: "wall screen 右:" in log.read_text(), log, 60, cockpit)
        right = window_of("右", xserver)
        assert geometry(right, xserver) == (3840, 0, 3840, 2160)  # full screen on its own monitor
        settled(tmp_path / "heartbeat", log)
        unplugged = time.monotonic()
        subprocess.run(["xrandr", "--delmonitor", "M2"], env=xserver, check=True)
        until(lambda: "wall screen 右 is gone" in log.read_text(), log, 10)
        noticed = time.monotonic() - unplugged
        assert noticed < 2.0, f"the lost screen was noticed after {noticed:.1f} s"
        assert "moves to the operator's screen" in log.read_text()
        seen = []
        until(lambda: inside(seen.append(geometry(right, xserver)) or seen[-1], (0, 2160, 1920, 1080)), log, 5,
              note=seen)  # on the desk, not piled up on the primary screen
        subprocess.run(["xrandr", "--setmonitor", "M2", MONITORS["M2"], "none"], env=xserver, check=True)
        until(lambda: "wall screen 右 is back" in log.read_text(), log, 10)
        until(lambda: geometry(right, xserver) == (3840, 0, 3840, 2160), log, 5)
        assert cockpit.poll() is None, log.read_text()[-2000:]
    finally:
        cockpit.terminate()
        try:
            cockpit.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cockpit.kill()
            cockpit.wait()


def until(condition, log: Path, timeout_s: float, process: subprocess.Popen | None = None, note=None) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline or (process is not None and process.poll() is not None):
            seen = f" (last seen: {note[-1]})" if note else ""
            raise AssertionError(f"timed out{seen}; the cockpit said:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def settled(heartbeat: Path, log: Path, timeout_s: float = 60) -> None:
    """Wait until the GUI thread has beaten on time three times running: the first data and paints of
    four 4K windows are done, and what is timed next is the cockpit noticing a screen, not its start-up."""
    deadline, beats, last = time.monotonic() + timeout_s, [], None
    while len(beats) < 3 or max(b - a for a, b in zip(beats, beats[1:], strict=False)) > 1.3:
        assert time.monotonic() < deadline, f"the GUI thread never settled (beats {beats}); the cockpit said:\n{log.read_text()[-3000:]}"
        beat = heartbeat.stat().st_mtime if heartbeat.exists() else None
        if beat != last and beat is not None:
            beats = [*beats[-3:], time.monotonic()]
            last = beat
        time.sleep(0.05)


def window_of(screen_id: str, env: dict) -> str:
    found = subprocess.run(["xdotool", "search", "--name", f"· {screen_id}"], env=env, capture_output=True, text=True)
    ids = found.stdout.split()
    assert ids, f"no window for wall screen {screen_id}"
    return ids[0]


def geometry(window: str, env: dict) -> tuple[int, int, int, int]:
    text = subprocess.run(["xdotool", "getwindowgeometry", window], env=env, capture_output=True, text=True).stdout
    position = re.search(r"Position: (-?\d+),(-?\d+)", text)
    size = re.search(r"Geometry: (\d+)x(\d+)", text)
    if not (position and size):
        return (0, 0, 0, 0)
    return (int(position[1]), int(position[2]), int(size[1]), int(size[2]))


def inside(rect: tuple[int, int, int, int], area: tuple[int, int, int, int]) -> bool:
    x, y, w, h = rect
    ax, ay, aw, ah = area
    return w > 0 and ax <= x and ay <= y and x + w <= ax + aw and y + h <= ay + ah
