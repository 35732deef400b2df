"""Warnings pre-empt the carousels: which warning holds the wall now.

Worked out from the warnings that wait for acknowledgement (the inbox's, which survive a restart),
so a restarted wall pre-empts exactly as before and never re-pops what was acknowledged. A red warning
holds until it is acknowledged (the wall never hides one behind a rotation); an orange one until it is
acknowledged or its hold has passed since it was first shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Protocol

PREEMPTING = ("red", "orange")


class Waiting(Protocol):
    local_id: int
    level: str
    received_at: datetime
    first_shown_at: datetime | None


def holding(waiting: Iterable[Waiting], now: datetime, hold_s: float) -> list[Waiting]:
    """The warnings holding the wall now, the most severe and then the newest first."""
    hold = timedelta(seconds=hold_s)
    found = [w for w in waiting if w.level == "red"
             or (w.level == "orange" and (w.first_shown_at or w.received_at) + hold > now)]
    return sorted(found, key=lambda w: (PREEMPTING.index(w.level), -w.local_id))
