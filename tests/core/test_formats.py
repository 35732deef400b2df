"""Chinese number and age formats."""

import pytest

from cockpit.core.formats import format_age, format_value


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
