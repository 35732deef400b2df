"""Chinese number and age formats, short enough to read across a command hall."""

from __future__ import annotations

import math

from kernel.contract import MAX_FIGURE

MISSING = "—"
OUT_OF_RANGE = "数值超限"  # a figure past anything a city has: said, never printed as 300 digits
_MONEY_UNITS = ("亿元", "万元", "元")  # already scaled by the source: keep them as they are
_SCALES = ((1e12, "万亿"), (1e8, "亿"), (1e4, "万"))


def format_value(value: float | None, unit: str = "") -> str:
    """12345 "件" -> "1.23万件"; 3.04e10 "条" -> "304亿条"; 0.9685 "%" -> "96.85%"; None -> "—"."""
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return MISSING
    if abs(value) > MAX_FIGURE * (100 if unit == "%" else 1):
        return OUT_OF_RANGE
    if unit == "%":  # the contract sends percentages as fractions
        return f"{_trim(value * 100, 2)}%"
    if unit in _MONEY_UNITS:
        return f"{_trim(value, 2, grouped=True)}{unit}"
    return f"{_scaled(value)}{unit}"


def format_age(seconds: float) -> str:
    """How long ago, in the largest whole unit: "12秒前", "3分钟前", "2小时前", "3天前"."""
    seconds = max(0.0, seconds)
    if seconds < 1:
        return "刚刚"
    for size, word in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if seconds >= size:
            return f"{int(seconds // size)}{word}前"
    return f"{int(seconds)}秒前"


def format_duration(seconds: float) -> str:
    """A span in its largest whole unit and the next: "24 小时", "1 天 2 小时", "5 分钟", "30 秒"."""
    seconds = int(round(abs(seconds)))
    parts = []
    for size, word in ((86400, "天"), (3600, "小时"), (60, "分钟"), (1, "秒")):
        if seconds >= size or (size == 1 and not parts):
            parts.append(f"{seconds // size} {word}")
            seconds %= size
        if len(parts) == 2 or (parts and not seconds):
            break
    return " ".join(parts)


def _scaled(value: float) -> str:
    magnitude = abs(value)
    for index, (size, word) in enumerate(_SCALES):
        if magnitude >= size:
            shown = round(magnitude / size, 2)
            if shown >= 1e4 and index > 0:  # 9999.999万 rounds to 1亿, not 10000万
                size, word = _SCALES[index - 1]
                shown = round(magnitude / size, 2)
            return f"{'-' if value < 0 else ''}{_trim(shown, 2)}{word}"
    return _trim(value, 2)


def _trim(value: float, decimals: int, grouped: bool = False) -> str:
    """At most `decimals` places, trailing zeros dropped: 96.850 -> "96.85", 50.0 -> "50"."""
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
