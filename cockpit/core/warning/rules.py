"""When to show a warning again and when to escalate it: pure functions of the time, testable without sleeping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from cockpit.core.warning.model import WarningRecord
from kernel import levels


def _frozen(values: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(values)


@dataclass(frozen=True)
class ReminderPolicy:
    """Warnings of `popup_levels` pop up; the others wait in the warning list (a wall that pops every
    blue notice trains people to ignore the red one). Unacknowledged red and orange warnings come back
    every `remind_every_s` and escalate after `escalate_after_s` from their first display. Levels not
    named there are shown once."""

    popup_levels: frozenset[str] = frozenset({"red", "orange"})
    remind_every_s: Mapping[str, float] = field(default_factory=lambda: _frozen({"red": 120, "orange": 300}))
    escalate_after_s: Mapping[str, float] = field(default_factory=lambda: _frozen({"red": 600, "orange": 1800}))


def due_action(record: WarningRecord, now: datetime, policy: ReminderPolicy) -> str | None:
    """"show" (never shown yet), "escalate", "remind", or None (nothing to do now)."""
    if not record.wants_attention:
        return None
    if record.first_shown_at is None:
        return "show" if record.level in policy.popup_levels else None
    level = record.level
    escalate_after = policy.escalate_after_s.get(level)
    if (escalate_after is not None and record.escalated_at is None
            and now - record.first_shown_at >= timedelta(seconds=escalate_after)):
        return "escalate"
    remind_every = policy.remind_every_s.get(level)
    last = record.last_shown_at or record.first_shown_at
    if remind_every is not None and now - last >= timedelta(seconds=remind_every):
        return "remind"
    return None


def due_actions(records: Iterable[WarningRecord], now: datetime,
                policy: ReminderPolicy) -> list[tuple[str, WarningRecord]]:
    """Every due action, most severe first."""
    due = [(action, record) for record in records if (action := due_action(record, now, policy))]
    return sorted(due, key=lambda pair: severity_order(pair[1]))


def next_due(records: Iterable[WarningRecord], policy: ReminderPolicy) -> datetime | None:
    """When the next reminder or escalation falls due (for a timer), None if never."""
    moments = []
    for record in records:
        if not record.wants_attention or record.first_shown_at is None:
            continue
        if (after := policy.escalate_after_s.get(record.level)) is not None and record.escalated_at is None:
            moments.append(record.first_shown_at + timedelta(seconds=after))
        if (every := policy.remind_every_s.get(record.level)) is not None:
            moments.append((record.last_shown_at or record.first_shown_at) + timedelta(seconds=every))
    return min(moments, default=None)


def severity_order(record: WarningRecord) -> tuple[int, float]:
    """Sort key: most severe level first, then the newest."""
    return (levels.RANK.get(record.level, levels.UNRANKED), -record.message.sent.timestamp())


def grouped_by_level(records: Iterable[WarningRecord]) -> list[tuple[str, list[WarningRecord]]]:
    """[(level, records)] most severe level first, each group newest first."""
    groups: dict[str, list[WarningRecord]] = {}
    for record in sorted(records, key=severity_order):
        groups.setdefault(record.level, []).append(record)
    return list(groups.items())
