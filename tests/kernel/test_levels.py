"""The one table of warning levels: complete, consistent, and what every use reads."""

from kernel import levels
from kernel.cap import SEVERITIES, URGENCIES
from kernel.paths import resource


def test_every_warning_level_is_spoken_in_cap_and_read_back():
    assert [levels.from_severity(level.severity) for level in levels.WARNING_LEVELS] == list(levels.CODES)
    assert {level.severity for level in levels.WARNING_LEVELS} == set(SEVERITIES) - {"Unknown"}
    assert all(level.urgency in URGENCIES for level in levels.WARNING_LEVELS)
    assert levels.from_severity("Unknown") == "" and levels.from_severity("bogus") == ""


def test_levels_are_ranked_most_severe_first_with_distinct_words_colours_and_sounds():
    assert [levels.RANK[code] for code in levels.CODES] == list(range(len(levels.CODES)))
    for field in ("code", "name", "english", "colour"):
        values = [getattr(level, field) for level in levels.POINT_LEVELS]
        assert len(set(values)) == len(values), field
    assert all(resource("sounds", level.sound).stat().st_size > 0 for level in levels.WARNING_LEVELS)
    markers = [level.marker_px for level in levels.POINT_LEVELS]
    assert markers == sorted(markers, reverse=True)  # the more severe, the larger on the map


def test_unknown_codes_read_as_normal_and_at_least_counts_down_from_red():
    assert levels.of("purple") is levels.NORMAL and levels.of(None) is levels.NORMAL and levels.of("") is levels.NORMAL
    assert levels.at_least("red") == {"red"}
    assert levels.at_least("orange") == {"red", "orange"}
    assert levels.at_least(levels.CODES[-1]) == set(levels.CODES)
