"""The wall manifest: every shipped example loads; every kind of mistake stops start-up with the line
and the key; sizing by the viewing distance; the one clock; pre-emption; screen identities."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.charts import CHART_KINDS
from cockpit.core.catalogue import load_catalogue
from cockpit.core.wall import (
    ClockState,
    ManifestError,
    Present,
    WallClock,
    assign,
    is_preview,
    parse_manifest,
)
from cockpit.core.wall.burnin import orbit_offset
from cockpit.core.wall.manifest import load_manifest
from cockpit.core.wall.preempt import holding
from cockpit.core.wall.sizing import arcmin_of, diagonal_size_mm, sizing_for
from cockpit.core.wall.state import load_state, save_state

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(chart_kinds=CHART_KINDS)
PANELS = [panel.id for panel in CATALOGUE.panels]

GOOD = """\
[wall]
name = "test wall"
viewing_distance_m = 4.0
tick_s = 10

[[screen]]
id = "left"
name = "DP-1"
diagonal_in = 55
position_mm = [0, 0]
grid = [2, 2]
  [[screen.region]]
  cells = [0, 0, 1, 2]
  show = "map"
  pinned = true
  [[screen.region]]
  cells = [1, 0, 1, 2]
  show = ["domain:经济发展", "panel:economy", "panels:hazchem,flood_control"]
  interval_s = 20

[[screen]]
id = "right"
name = "DP-2"
diagonal_in = 55
position_mm = [1220, 0]
show = "warnings"
"""


def parse(text: str):
    return parse_manifest(text, Path("hall.toml"), domains=CATALOGUE.domains, panels=PANELS)


def line_of(text: str, needle: str) -> int:
    """The last line holding `needle`: the mistake is always the later of two."""
    return [number for number, line in enumerate(text.splitlines(), start=1) if needle in line][-1]


@pytest.mark.parametrize("path", sorted((ROOT / "examples").glob("wall-*.toml")), ids=lambda p: p.name)
def test_every_shipped_example_loads(path: Path) -> None:
    manifest = load_manifest(path, domains=CATALOGUE.domains, panels=PANELS)
    assert manifest.wall_screens and manifest.display_only


def test_the_examples_are_the_three_the_hall_needs() -> None:
    loaded = {p.stem: load_manifest(p, domains=CATALOGUE.domains, panels=PANELS)
              for p in (ROOT / "examples").glob("wall-*.toml")}
    assert len(loaded["wall-2x2-4k"].wall_screens) == 4
    assert len(loaded["wall-3x1-operator"].wall_screens) == 3 and loaded["wall-3x1-operator"].operator
    assert len(loaded["wall-8k"].wall_screens) == 1


def test_a_good_manifest_reads_as_written() -> None:
    manifest = parse(GOOD)
    left, right = manifest.screens
    assert left.regions[0].pinned and not left.regions[0].is_carousel and left.shows_map
    carousel = left.regions[1]
    assert [str(item) for item in carousel.items] == ["domain:经济发展", "panel:economy",
                                                     "panels:hazchem,flood_control"]
    assert carousel.interval_s == 20 and carousel.cells == (1, 0, 1, 2)
    assert right.regions[0].cells == (0, 0, 1, 1) and right.shows_warnings
    assert manifest.display_only  # a wall is display-only unless it says otherwise
    assert left.size_mm == pytest.approx(diagonal_size_mm(55))


# One mistake of each kind: (what to replace, with what, the key the message names, the line's text).
MISTAKES = [
    ('show = ["domain:经济发展", "panel:economy"', 'show = ["domain:经济发展", "panel:gdp"',
     "screen[0].region[1].show", "no panel 'gdp'", 'show = ["domain:经济发展"'),
    ('show = "map"', 'show = "domain:旅游"', "screen[0].region[0].show", "no domain '旅游'", 'show = "domain:旅游"'),
    ('show = "map"', 'show = "weather"', "screen[0].region[0].show", "cannot show 'weather'", 'show = "weather"'),
    ("cells = [1, 0, 1, 2]", "cells = [0, 1, 2, 1]", "screen[0].region[1].cells", "overlaps region[0]",
     "cells = [0, 1, 2, 1]"),
    ("cells = [1, 0, 1, 2]", "cells = [1, 0, 2, 2]", "screen[0].region[1].cells", "outside the screen's grid",
     "cells = [1, 0, 2, 2]"),
    ('id = "right"\nname = "DP-2"', 'id = "right"\nname = "DP-1"', "screen[1].name", "named twice", 'name = "DP-1"'),
    ('id = "right"', 'id = "left"', "screen[1].id", "named twice", 'id = "left"'),
    ("interval_s = 20", "interval_s = 25", "screen[0].region[1].interval_s", "not a whole number",
     "interval_s = 25"),
    ("interval_s = 20", "interval_s = 0", "screen[0].region[1].interval_s", "must be 5 to", "interval_s = 0"),
    ("interval_s = 20", 'interval_s = "20"', "screen[0].region[1].interval_s", "expected a number",
     'interval_s = "20"'),
    ("tick_s = 10", "tick_s = 1", "wall.tick_s", "must be 5 to", "tick_s = 1"),
    ("tick_s = 10", "tik_s = 10", "wall.tik_s", "did you mean 'tick_s'", "tik_s = 10"),
    ("position_mm = [1220, 0]", "position_mm = [600, 0]", "screen[1].position_mm", "overlaps screen 'left'",
     "position_mm = [600, 0]"),
    ("viewing_distance_m = 4.0", "viewing_distance_m = -4.0", "wall.viewing_distance_m", "must be",
     "viewing_distance_m = -4.0"),
    ("  pinned = true", '  pinned = true\n  show = ["map", "warnings"]', "hall.toml", "not valid TOML", None),
    ('show = "warnings"', 'show = []', "screen[1].show", "shows nothing", "show = []"),
    ('id = "right"', 'id = "right"\nrotation = 45', "screen[1].rotation", "0, 90, 180, 270", "rotation = 45"),
]


@pytest.mark.parametrize(("old", "new", "key", "words", "line_text"), MISTAKES, ids=[m[2] + ":" + m[3] for m in MISTAKES])
def test_a_mistake_stops_start_up_naming_the_line_and_the_key(old, new, key, words, line_text) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    with pytest.raises(ManifestError) as error:
        parse(text)
    message = str(error.value)
    assert key in message and words in message, message
    if line_text is not None:
        assert message.startswith(f"hall.toml:{line_of(text, line_text)}:"), message


def test_a_pinned_carousel_and_a_screen_that_says_nothing_are_refused() -> None:
    with pytest.raises(ManifestError, match="pinned region shows one thing"):
        parse(GOOD.replace('show = "map"\n  pinned = true', 'show = ["map", "warnings"]\n  pinned = true'))
    with pytest.raises(ManifestError, match="say what the screen shows"):
        parse(GOOD.replace('show = "warnings"\n', ""))
    with pytest.raises(ManifestError, match="say which screen this is"):
        parse(GOOD.replace('name = "DP-2"\n', ""))


# -- sizing by the hall ------------------------------------------------------------------
def test_body_text_on_a_55_inch_4k_screen_at_6_m_subtends_20_arcminutes() -> None:
    size = diagonal_size_mm(55)
    assert size == pytest.approx((1217.7, 684.9), abs=0.2)
    sizing = sizing_for((3840, 2160), size, 6.0)
    assert sizing.arcmin(sizing.body_px, 6.0) >= 20.0
    assert sizing.arcmin(sizing.body_px - 1, 6.0) < 20.0  # and not needlessly more
    assert sizing.body_px == 111  # 2·6000·tan(10′) = 34.91 mm over a pitch of 0.3171 mm = 110.1, rounded up
    assert sizing.arcmin(sizing.headline_px, 6.0) > 2 * 20.0  # headline figures much more
    assert 14 * sizing.scale >= sizing.body_px  # the style sheet's body text at that scale is as tall


@pytest.mark.parametrize("distance", [1.0, 2.5, 4.0, 6.0, 12.0, 30.0])
@pytest.mark.parametrize(("pixels", "inches"), [((1920, 1080), 24), ((3840, 2160), 55), ((3840, 2160), 98),
                                                ((7680, 4320), 98), ((1080, 1920), 55)])
def test_every_screen_at_every_distance_gets_enough_and_no_less(distance, pixels, inches) -> None:
    size = diagonal_size_mm(inches) if pixels[0] > pixels[1] else diagonal_size_mm(inches)[::-1]
    sizing = sizing_for(pixels, size, distance)
    assert arcmin_of(14 * sizing.scale * sizing.pitch_mm, distance) >= 20.0
    assert sizing_for(pixels, size, distance * 2).scale >= sizing.scale  # further away, never smaller


# -- the one clock -----------------------------------------------------------------------
def test_every_carousel_turns_on_the_same_beat() -> None:
    manifest = parse(GOOD)
    carousel = manifest.screens[0].regions[1]  # every 20 s = 2 beats
    clock = WallClock(manifest.tick_s)
    start = 1_800_000_000.0  # a beat boundary (divisible by 10)
    indices = [clock.item_index(carousel, start + t) for t in range(0, 80, 5)]
    assert indices == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0]
    # Two clocks (two processes, or before and after a restart) agree, whenever they were started.
    assert all(WallClock(10).item_index(carousel, start + t) == clock.item_index(carousel, start + t)
               for t in range(0, 200, 3))
    assert clock.seconds_to_next_beat(start + 3) == pytest.approx(7)


def test_stepping_pausing_and_the_hold_that_ends_a_pause() -> None:
    carousel = parse(GOOD).screens[0].regions[1]
    clock = WallClock(10)
    now = 1_800_000_003.0
    assert clock.item_index(carousel, now) == 0
    clock.step(1, now)
    assert clock.item_index(carousel, now) == 1
    assert clock.seconds_to_next_beat(now) == pytest.approx(10)  # the page stepped to gets a whole tick
    clock.step(-2, now)
    assert clock.item_index(carousel, now) == 2  # wraps round
    clock.pause(now, hold_s=60)
    assert all(clock.item_index(carousel, now + t) == 2 for t in range(0, 60, 7))  # held
    assert clock.paused(now + 59) and not clock.paused(now + 61)  # the hold ends by itself
    after = clock.item_index(carousel, now + 61)
    assert after == 2  # and it carries on from the page held, not from where the clock would be
    clock.pause(now + 70, hold_s=600)
    assert clock.toggle_pause(now + 71, 600) is False  # a second press resumes at once


def test_the_state_survives_a_restart_and_a_broken_file_is_ignored(tmp_path: Path) -> None:
    carousel = parse(GOOD).screens[0].regions[1]
    path = tmp_path / "wall.json"
    clock = WallClock(10)
    now = 1_800_000_003.0
    clock.step(1, now)
    clock.pause(now, 600)
    clock.toggle_blackout()
    save_state(path, clock.state)
    again = WallClock(10, load_state(path))  # a new process
    assert again.state == clock.state and again.state.blackout
    assert again.item_index(carousel, now + 100) == clock.item_index(carousel, now + 100) == 1
    path.write_text("{not json", encoding="utf-8")
    assert load_state(path) == ClockState()
    path.write_text('{"turns": "9", "lag_s": NaN, "blackout": 1, "paused_at": 1e400}', encoding="utf-8")
    assert load_state(path) == ClockState()


# -- pre-emption ---------------------------------------------------------------------------
@dataclass
class FakeWaiting:  # the fields a WarningRecord has that pre-emption reads
    local_id: int
    level: str
    received_at: datetime
    first_shown_at: datetime | None = None


def test_red_holds_until_acknowledged_orange_until_its_hold_has_passed() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    red = FakeWaiting(1, "red", now - timedelta(hours=5), now - timedelta(hours=5))
    orange = FakeWaiting(2, "orange", now - timedelta(seconds=100), now - timedelta(seconds=100))
    old_orange = FakeWaiting(3, "orange", now - timedelta(seconds=400), now - timedelta(seconds=400))
    yellow = FakeWaiting(4, "yellow", now, now)
    assert holding([yellow, old_orange, orange, red], now, hold_s=300) == [red, orange]
    assert holding([orange, yellow], now, hold_s=300) == [orange]
    assert holding([orange, yellow], now + timedelta(seconds=201), hold_s=300) == []
    assert holding([], now, 300) == []  # acknowledged warnings are no longer waiting: nothing holds


# -- screens -----------------------------------------------------------------------------
def present(index: int, name: str, serial: str = "") -> Present:
    return Present(index, name, "Dell", "U5526", serial, (index * 3840, 0, 3840, 2160), (1210, 680))


def test_identity_wins_over_index_and_a_missing_screen_is_missing() -> None:
    manifest = parse(GOOD.replace('name = "DP-1"', 'name = "DP-1"\nindex = 1'))
    screens = [present(0, "DP-2"), present(1, "DP-1")]
    found = assign(manifest.screens, screens)
    assert found["left"].name == "DP-1" and found["right"].name == "DP-2"
    found = assign(manifest.screens, [present(0, "DP-2")])  # DP-1 unplugged
    assert "left" not in found and found["right"].index == 0
    assert not is_preview(manifest.screens, [present(0, "DP-2")])  # a wall with a screen lost is no preview
    assert is_preview(manifest.screens, [present(0, "eDP-1")])  # a laptop


def test_the_index_is_only_a_fallback() -> None:
    text = GOOD.replace('name = "DP-1"', "index = 0").replace('name = "DP-2"', "index = 1")
    manifest = parse(text)
    found = assign(manifest.screens, [present(0, "X"), present(1, "Y")])
    assert found["left"].name == "X" and found["right"].name == "Y"


def test_names_of_another_machine_fall_back_to_the_index_but_a_lost_screen_takes_none() -> None:
    text = GOOD.replace('name = "DP-1"', 'name = "HDMI-A-1"\nindex = 0').replace('name = "DP-2"',
                                                                              'name = "HDMI-A-2"\nindex = 1')
    manifest = parse(text)
    found = assign(manifest.screens, [present(0, "DP-1"), present(1, "DP-2")])  # the same wall, other names
    assert found["left"].name == "DP-1" and found["right"].name == "DP-2"
    # One screen known by its name: the other is gone, and its index (now the neighbour's) finds nothing.
    found = assign(manifest.screens, [present(0, "HDMI-A-2")])
    assert "left" not in found and found["right"].name == "HDMI-A-2"


def test_the_burn_in_orbit_moves_a_few_pixels_once_a_minute() -> None:
    offsets = {orbit_offset(t, 24) for t in range(0, 3600, 10)}
    assert len(offsets) == 8
    assert all(math.hypot(*offset) <= 12 + 0.5 for offset in offsets)
    assert orbit_offset(0, 24) == orbit_offset(59.9, 24) != orbit_offset(60, 24)
    assert orbit_offset(123, 0) == (0, 0)
