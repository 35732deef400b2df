"""The warning levels: the one table every use reads (the inbox's order, CAP's severity and urgency,
the words on the wall, the colours, the sounds and the map's markers).

红/橙/黄/蓝 are the national four-colour warning levels (GB/T 27921 risk colours, CMA's warning
signals); CAP 1.2 says them as Extreme/Severe/Moderate/Minor. A map point that is not a warning is
`normal`. Unknown codes read as `normal`, so a strange value never breaks a picture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Level:
    code: str  # what the contract and the inbox store: "red"
    name: str  # what the wall says: "红色"
    english: str
    severity: str  # CAP 1.2 <severity>
    urgency: str  # CAP 1.2 <urgency> the central API writes for it
    colour: str  # on the dark wall theme
    sound: str | None  # resources/sounds/<sound>
    marker_px: float  # a map point's radius at 1920x1080
    lifetime: timedelta = timedelta(hours=24)  # how long a message that gives no `expires` is in force


WARNING_LEVELS = (  # most severe first
    # The urgent levels are re-issued often; a red warning nobody renews should not stay up for a day.
    Level("red", "红色", "Red", "Extreme", "Immediate", "#ff3b3b", "red.wav", 6.5, timedelta(hours=6)),
    Level("orange", "橙色", "Orange", "Severe", "Immediate", "#ff8c1a", "orange.wav", 6.0, timedelta(hours=12)),
    Level("yellow", "黄色", "Yellow", "Moderate", "Expected", "#ffd21f", "yellow.wav", 5.0, timedelta(hours=24)),
    Level("blue", "蓝色", "Blue", "Minor", "Future", "#2f8cff", "blue.wav", 4.5, timedelta(hours=24)),
)
NORMAL = Level("normal", "正常", "Normal", "", "", "#39d0ff", None, 3.5)
POINT_LEVELS = (*WARNING_LEVELS, NORMAL)  # what a point on the map may be, most severe first

CODES = tuple(level.code for level in WARNING_LEVELS)
POINT_CODES = tuple(level.code for level in POINT_LEVELS)
RANK = {code: rank for rank, code in enumerate(CODES)}  # 0 is the most severe
UNRANKED = len(CODES)  # a warning whose source gave no usable severity sorts after every level

_BY_CODE = {level.code: level for level in POINT_LEVELS}
_BY_SEVERITY = {level.severity: level.code for level in WARNING_LEVELS}


def of(code: str | None) -> Level:
    """The level of a code; anything unknown is `normal`."""
    return _BY_CODE.get(code or "", NORMAL)


def from_severity(severity: str) -> str:
    """CAP's severity as a level code: "Severe" -> "orange"; "" for Unknown or anything else."""
    return _BY_SEVERITY.get(severity, "")


def at_least(least_severe: str) -> frozenset[str]:
    """The levels at least as severe as `least_severe` ("orange" -> red and orange)."""
    return frozenset(code for code in CODES if RANK[code] <= RANK[least_severe])


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(m|h|d)")
_UNIT = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def lifetimes(overrides: str = "") -> dict[str, timedelta]:
    """The default lifetime of each level, with a setting's overrides ("red=6h,orange=12h,blue=2d")."""
    found = {level.code: level.lifetime for level in WARNING_LEVELS}
    for part in filter(None, (p.strip() for p in overrides.split(","))):
        code, _, text = part.partition("=")
        duration = _DURATION.fullmatch(text.strip())
        if code.strip() not in found or duration is None:
            raise ValueError(f"{part!r} is not a default lifetime like red=6h (levels {', '.join(CODES)}; "
                             "units m, h, d)")
        lifetime = float(duration.group(1)) * _UNIT[duration.group(2)]
        if not timedelta(minutes=1) <= lifetime <= timedelta(days=30):
            raise ValueError(f"{part!r}: a default lifetime is between 1 minute and 30 days")
        found[code.strip()] = lifetime
    return found


def lifetime_words(lifetime: timedelta) -> str:
    """6 小时, 2 天, 90 分钟."""
    minutes = round(lifetime.total_seconds() / 60)
    if minutes % 1440 == 0:
        return f"{minutes // 1440} 天"
    return f"{minutes // 60} 小时" if minutes % 60 == 0 else f"{minutes} 分钟"
