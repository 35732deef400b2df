"""Chinese number and age formats, and instants in the city's time."""

from datetime import UTC, datetime, timedelta

import pytest

from cockpit.core.formats import format_age, format_value
from kernel.clock import CITY_TZ, parse_city_instant


@pytest.mark.parametrize(("value", "unit", "shown"), [
    (12345, "件", "1.23万件"),
    (3.04e10, "条", "304亿条"),
    (4e8, "条", "4亿条"),
    (0.9685, "%", "96.85%"),
    (0.5, "%", "50%"),
    (1.0, "%", "100%"),
    (None, "件", "—"),
    (float("nan"), "件", "—"),
    (1532, "件", "1532件"),
    (0, "件", "0件"),
    (9999, "人", "9999人"),
    (10000, "人", "1万人"),
    (2270000, "人", "227万人"),
    (99_999_999, "件", "1亿件"),
    (1.2e12, "条", "1.2万亿条"),
    (-23456, "件", "-2.35万件"),
    (4.237, "m", "4.24m"),
    (12.5, "mm", "12.5mm"),
    (3285.4, "亿元", "3,285.4亿元"),
    (125000, "万元", "125,000万元"),
    (46000, "", "4.6万"),
])
def test_format_value(value, unit, shown):
    assert format_value(value, unit) == shown


@pytest.mark.parametrize(("seconds", "shown"), [
    (0.2, "刚刚"), (-5, "刚刚"), (12, "12秒前"), (59.9, "59秒前"), (60, "1分钟前"), (200, "3分钟前"),
    (7300, "2小时前"), (86399, "23小时前"), (3 * 86400 + 5, "3天前"),
])
def test_format_age(seconds, shown):
    assert format_age(seconds) == shown


@pytest.mark.parametrize(("text", "instant"), [
    ("2028-02-29 23:55", datetime(2028, 2, 29, 15, 55, tzinfo=UTC)),  # no offset: the city's time
    ("2027-01-01T00:00:30+08:00", datetime(2026, 12, 31, 16, 0, 30, tzinfo=UTC)),
    ("2026-12-31T16:00:30Z", datetime(2026, 12, 31, 16, 0, 30, tzinfo=UTC)),
    (" 2027-06-21 ", datetime(2027, 6, 20, 16, 0, tzinfo=UTC)),
])
def test_parse_city_instant(text, instant):
    parsed = parse_city_instant(text)
    assert parsed == instant and parsed.utcoffset() is not None


def test_an_instant_is_given_back_in_the_city_zone_to_the_second():
    assert parse_city_instant("2027-01-31 23:50").utcoffset() == timedelta(hours=8) == CITY_TZ.utcoffset(None)
    assert parse_city_instant("2027-01-31T15:50:00.9Z").isoformat() == "2027-01-31T23:50:00+08:00"


@pytest.mark.parametrize(("text", "says"), [
    ("2027-02-29 10:00", "expected a date and time"),  # not a leap year
    ("tomorrow", "expected a date and time"),
    ("", "expected a date and time"),
    ("1999-12-31T23:59", "the years 2000 to 2099"),
    ("9999-12-31T23:59:59-14:00", "the years 2000 to 2099"),  # past the calendar's end in the city's zone
    ("0001-01-01T00:00+09:00", "the years 2000 to 2099"),
    ("2100-01-01T00:00+08:00", "the years 2000 to 2099"),
])
def test_a_bad_instant_is_refused_in_words(text, says):
    with pytest.raises(ValueError, match=says):
        parse_city_instant(text)
