"""The wall in one process: one clock for every carousel, the keys, warnings pre-empting, a restart.

The wall runs on its own clock (a list the test moves), so a beat is a line of the test, not a wait;
every surface is a real widget tree with real panels, painted offscreen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from cockpit.charts import CHART_KINDS, block_is_empty
from cockpit.core.catalogue import load_catalogue
from cockpit.core.store import Store
from cockpit.core.wall import parse_manifest
from cockpit.core.warning import WarningMessage
from cockpit.core.warning.model import WarningRecord
from cockpit.views.wall import Wall, WallThumbnails

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(chart_kinds=CHART_KINDS)
START = 1_800_000_000.0  # on a beat of the 10 s tick
MANIFEST = """\
[wall]
name = "测试墙"
viewing_distance_m = 4.0
tick_s = 10
preempt_hold_s = 300
pause_hold_s = 60

[[screen]]
id = "甲"
index = 0
diagonal_in = 55
position_mm = [0, 0]
grid = [1, 3]
  [[screen.region]]
  cells = [0, 0, 1, 2]
  show = ["domain:经济发展", "map"]
  interval_s = 10
  [[screen.region]]
  cells = [0, 2, 1, 1]
  show = "warnings"
  pinned = true

[[screen]]
id = "乙"
index = 1
diagonal_in = 55
position_mm = [1222, 0]
show = ["panel:grid_management", "panel:group_rental"]
interval_s = 20

[[screen]]
id = "丙"
index = 2
diagonal_in = 55
position_mm = [2444, 0]
show = ["domain:党建引领", "domain:政务服务", "domain:公共安全"]
interval_s = 10
"""


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_wall(qtbot, tmp_path: Path, clock: Clock) -> Wall:
    manifest = parse_manifest(MANIFEST, tmp_path / "wall.toml", domains=CATALOGUE.domains,
                              panels=[p.id for p in CATALOGUE.panels])
    wall = Wall(manifest, CATALOGUE, Store(block_is_empty=block_is_empty), state_path=tmp_path / "wall.json",
                on_screen=False, now=clock)
    for surface in wall.surfaces.values():
        qtbot.addWidget(surface)
    wall.start()
    return wall


@pytest.fixture
def wall(qtbot, tmp_path: Path, clock: Clock):
    wall = make_wall(qtbot, tmp_path, clock)
    yield wall
    wall.close()


def pages(wall: Wall) -> dict[str, list[int]]:
    return {screen_id: [host.currentIndex() for host in surface.regions] for screen_id, surface in
            wall.surfaces.items()}


def due(wall: Wall, now: float) -> dict[str, list[int]]:
    """Where the one clock says every region should be at `now`."""
    return {screen_id: [wall.clock.item_index(host.region, now) for host in surface.regions] for screen_id, surface
            in wall.surfaces.items()}


def record(local_id: int, level: str, *, shown_s_ago: float = 0.0, now: float = START) -> WarningRecord:
    at = datetime.fromtimestamp(now, UTC)
    message = WarningMessage(id=f"W{local_id}", origin="central", source="simulator", identifier=f"urn:wall:{local_id}",
                             sender="cockpit-central@nantong.gov.cn", sent=at, level=level,
                             headline=f"测试预警{local_id}", area_name="崇川区", expires=at + timedelta(hours=2))
    return WarningRecord(local_id=local_id, message=message, state="active", received_at=at,
                         first_shown_at=at - timedelta(seconds=shown_s_ago))


def step_clock(wall: Wall, clock: Clock, seconds: float) -> None:
    clock.now += seconds
    wall.turn()
    wall.tick()


def test_every_carousel_on_every_screen_turns_on_the_same_beat(wall, clock) -> None:
    assert pages(wall) == due(wall, clock.now)
    seen = [pages(wall)]
    for _ in range(6):
        step_clock(wall, clock, 10)
        assert pages(wall) == due(wall, clock.now)
        seen.append(pages(wall))
    # The 10 s carousels turned on every beat, together; the 20 s one on every other beat.
    first, third = [[p["甲"][0] for p in seen], [p["丙"][0] for p in seen]]
    assert all(a != b for a, b in zip(first, first[1:], strict=False))
    assert all(a != b for a, b in zip(third, third[1:], strict=False))
    second = [p["乙"][0] for p in seen]
    assert sum(a != b for a, b in zip(second, second[1:], strict=False)) == 3
    assert [p["甲"][1] for p in seen] == [0] * 7  # the pinned warning strip never turns
    # The next turn is timed to the next beat of the one clock, not to a timer per screen.
    clock.now += 2.5
    wall.turn()
    assert abs(wall.beat_timer.interval() - 7500) <= 10


def test_the_header_names_what_each_screen_shows(wall, clock) -> None:
    surface = wall.surfaces["乙"]
    titles = {CATALOGUE.panel(name).title for name in ("grid_management", "group_rental")}
    step_clock(wall, clock, 20)
    first = surface.showing.text()
    step_clock(wall, clock, 20)
    second = surface.showing.text()
    assert {first.split("（")[0], second.split("（")[0]} == titles


def test_page_keys_step_every_carousel_and_the_pause_ends_by_itself(wall, clock) -> None:
    before = pages(wall)
    QTest.keyClick(wall.surfaces["丙"], Qt.Key.Key_PageDown)  # a presenter remote's "next"
    after = pages(wall)
    assert after["甲"][0] != before["甲"][0] and after["丙"][0] == (before["丙"][0] + 1) % 3
    QTest.keyClick(wall.surfaces["甲"], Qt.Key.Key_PageUp)
    assert pages(wall) == before
    QTest.keyClick(wall.surfaces["乙"], Qt.Key.Key_P)
    assert all("暂停至" in s.state.text() for s in wall.surfaces.values())
    held = pages(wall)
    step_clock(wall, clock, 50)
    assert pages(wall) == held  # paused: the wall stands still
    step_clock(wall, clock, 20)  # past the 60 s hold: it turns again by itself, from the page it held
    assert not any(s.state.text() for s in wall.surfaces.values())
    assert pages(wall) == due(wall, clock.now)


def test_b_and_the_period_black_out_every_screen_and_bring_it_back(wall, clock) -> None:
    QTest.keyClick(wall.surfaces["乙"], Qt.Key.Key_B)
    assert all(s.veil.alpha == 255 and s.veil.isVisibleTo(s) for s in wall.surfaces.values())
    image = wall.surfaces["甲"].grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() // 2).lightness() == 0
    QTest.keyClick(wall.surfaces["甲"], Qt.Key.Key_Period)
    assert all(s.veil.alpha == 0 and not s.veil.isVisibleTo(s) for s in wall.surfaces.values())


def test_a_red_warning_holds_the_map_screens_until_it_is_acknowledged(wall, clock) -> None:
    red = record(7, "red", now=clock.now)
    wall.set_waiting([red])
    map_screen = wall.surfaces["甲"]
    map_index = [str(item) for item in map_screen.regions[0].region.items].index("map")
    assert map_screen.regions[0].currentIndex() == map_index
    assert "红色" in map_screen.state.text() and "确认" in map_screen.state.text()
    assert map_screen.situations[-1].map.isVisibleTo(map_screen)
    for _ in range(40):  # far longer than any hold: a red warning is never rotated away
        step_clock(wall, clock, 10)
        assert map_screen.regions[0].currentIndex() == map_index
    # A screen with neither the map nor the warning strip keeps turning.
    assert pages(wall)["丙"] == due(wall, clock.now)["丙"]
    assert not wall.surfaces["丙"].state.text()
    wall.set_waiting([])  # acknowledged at the duty desk
    assert pages(wall) == due(wall, clock.now)
    assert not map_screen.state.text()


def test_an_orange_warning_holds_the_wall_for_its_hold_then_lets_it_turn(wall, clock) -> None:
    wall.set_waiting([record(3, "orange", shown_s_ago=400, now=clock.now)])
    assert wall.held_by is None  # shown 400 s ago, past the 300 s hold
    wall.set_waiting([record(4, "orange", now=clock.now), record(5, "yellow", now=clock.now)])
    assert wall.held_by.local_id == 4
    map_screen = wall.surfaces["甲"]
    assert "橙色" in map_screen.state.text()
    step_clock(wall, clock, 290)
    assert wall.held_by is not None
    step_clock(wall, clock, 20)
    assert wall.held_by is None and pages(wall) == due(wall, clock.now)
    # Red comes first when both wait.
    wall.set_waiting([record(8, "orange", now=clock.now), record(6, "red", now=clock.now)])
    assert wall.held_by.local_id == 6


def test_a_restarted_wall_comes_back_on_the_same_pages_paused_as_it_was(qtbot, tmp_path, clock) -> None:
    wall = make_wall(qtbot, tmp_path, clock)
    wall.step(1)
    wall.toggle_pause()
    wall.toggle_blackout()
    before, state = pages(wall), wall.surfaces["甲"].state.text()
    wall.close()
    clock.now += 25  # the watchdog's restart took a while
    again = make_wall(qtbot, tmp_path, clock)
    try:
        assert pages(again) == before
        assert again.surfaces["甲"].state.text() == state
        assert all(s.veil.alpha == 255 for s in again.surfaces.values())
    finally:
        again.close()


def test_the_desk_sees_a_thumbnail_and_the_words_for_every_wall_screen(qtbot, wall) -> None:
    thumbnails = WallThumbnails(wall)
    qtbot.addWidget(thumbnails)
    thumbnails.resize(1200, 800)
    thumbnails.show()
    qtbot.waitExposed(thumbnails)
    for screen_id, surface in wall.surfaces.items():
        caption = thumbnails.captions[screen_id].text()
        assert caption.startswith(screen_id) and surface.showing.text() in caption
        picture = thumbnails.pictures[screen_id].pixmap()
        assert not picture.isNull() and picture.width() > 100


def test_wall_screenshots_are_one_png_per_screen_at_its_size(tmp_path: Path) -> None:
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [
        {"name": f"DP-{n + 1}", "x": 3840 * (n % 2), "y": 2160 * (n // 2), "width": 3840, "height": 2160,
         "logicalDpi": 96, "dpr": 1} for n in range(4)]}), encoding="utf-8")
    home = tmp_path / "home"
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screens}", XDG_DATA_HOME=str(home / "data"),
               XDG_CACHE_HOME=str(home / "cache"), XDG_CONFIG_HOME=str(home / "config"))
    out = tmp_path / "shots"
    done = subprocess.run([sys.executable, "-m", "cockpit", "--wall", str(ROOT / "examples" / "wall-2x2-4k.toml"),
                           "--screenshot", str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    names = sorted(p.name for p in out.glob("*.png"))
    assert names == ["1-左上.png", "2-右上.png", "3-左下.png", "4-右下.png"]
    for name in names:
        image = QImage(str(out / name))
        assert (image.width(), image.height()) == (3840, 2160)
        # Something is drawn: far more than the background's few colours.
        colours = {image.pixel(x, y) for x in range(0, 3840, 37) for y in range(0, 2160, 41)}
        assert len(colours) > 50, name
