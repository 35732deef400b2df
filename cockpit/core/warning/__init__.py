"""Urgent warnings, Qt-free: the inbox (SQLite), receivers, reminder rules, audit log and their driver."""

from cockpit.core.warning.audit import AuditLog, read_audit
from cockpit.core.warning.inbox import Change, Inbox
from cockpit.core.warning.model import CENTRAL, WarningMessage, WarningRecord, from_api, from_cap
from cockpit.core.warning.receiver import CapFeed, CentralFeed
from cockpit.core.warning.rules import (
    ReminderPolicy,
    due_action,
    due_actions,
    grouped_by_level,
    severity_order,
)
from cockpit.core.warning.service import WarningService

__all__ = [
    "CENTRAL", "AuditLog", "CapFeed", "CentralFeed", "Change", "Inbox", "ReminderPolicy",
    "WarningMessage", "WarningRecord", "WarningService", "due_action", "due_actions",
    "from_api", "from_cap", "grouped_by_level", "read_audit", "severity_order",
]
