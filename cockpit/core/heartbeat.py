"""The cockpit's heartbeat for its watchdog: the file's time says when the GUI thread last ran."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

HEARTBEAT_ENV = "COCKPIT_HEARTBEAT"
log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._failed = False

    def beat(self) -> None:
        try:
            self.path.touch()
            os.utime(self.path)
        except OSError as exc:
            if not self._failed:
                log.warning("cannot beat the watchdog's heartbeat %s: %s", self.path, exc)
            self._failed = True


def from_environment(env: Mapping[str, str] = os.environ) -> Heartbeat | None:
    path = env.get(HEARTBEAT_ENV)
    return Heartbeat(Path(path)) if path else None
