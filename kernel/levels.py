"""The warning levels: the one table every use reads (the inbox's order, CAP's severity and urgency,
the words on the wall, the colours, the sounds and the map's markers).

红/橙/黄/蓝 are the national four-colour warning levels (GB/T 27921 risk colours, CMA's warning
signals); CAP 1.2 says them as Extreme/Severe/Moderate/Minor. A map point that is not a warning is
`normal`. Unknown codes read as `normal`, so a strange value never breaks a picture.
"""

from __future__ import annotations

from dataclasses import dataclass


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


WARNING_LEVELS = (  # most severe first
    Level("red", "红色", "Red", "Extreme", "Immediate", "#ff3b3b", "red.wav", 6.5),
    Level("orange", "橙色", "Orange", "Severe", "Immediate", "#ff8c1a", "orange.wav", 6.0),
    Level("yellow", "黄色", "Yellow", "Moderate", "Expected", "#ffd21f", "yellow.wav", 5.0),
    Level("blue", "蓝色", "Blue", "Minor", "Future", "#2f8cff", "blue.wav", 4.5),
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
