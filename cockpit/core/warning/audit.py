"""The audit trail (--audit-log FILE): one JSON object per line, appended, flushed at once."""

from __future__ import annotations

import json
import logging
import threading
from datetime import datetime
from pathlib import Path

from cockpit.core.warning.model import WarningMessage, plain_url

EVENTS = ("received", "shown", "reminded", "acknowledged", "escalated", "expired", "cancelled")
log = logging.getLogger(__name__)


class AuditLog:
    """Appends audit events; a disk problem is logged, never raised into the warning path."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def record(self, event: str, message: WarningMessage, *, at: datetime | None = None, **extra: str) -> dict:
        if event not in EVENTS:
            raise ValueError(f"unknown audit event {event!r} (known: {', '.join(EVENTS)})")
        entry = {"ts": (at or datetime.now()).astimezone().isoformat(timespec="milliseconds"),
                 "event": event, "warning_id": message.id, "level": message.level, "origin": plain_url(message.origin)}
        if message.is_cap_source:
            entry["identifier"] = message.identifier
            entry["sender"] = message.sender
        entry.update(extra)  # e.g. by, client for acknowledgements; callers never pass secrets
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with self._lock:
            try:
                with self.path.open("a", encoding="utf-8") as file:
                    file.write(line)
            except OSError as exc:
                log.error("could not write the audit log %s: %s", self.path, exc)
        return entry


def read_audit(path: Path | str) -> list[dict]:
    """Every entry of an audit log (for tests and reviews)."""
    with Path(path).open(encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]
