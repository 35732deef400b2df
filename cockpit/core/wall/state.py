"""The wall's state on disk: what a restart must keep (the carousels' clock, a pause, a blackout).

One small JSON file, written whole to a temporary file and renamed over the old one, so a kill at any
moment leaves either the old state or the new. A file that cannot be read is logged and ignored:
the wall starts on its clock, which is where it would be anyway.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, fields
from pathlib import Path

from cockpit.core.wall.clock import ClockState

log = logging.getLogger(__name__)


def load_state(path: Path) -> ClockState:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ClockState()
    except (OSError, ValueError) as exc:
        log.warning("the wall's state in %s cannot be read (starting on the clock): %s", path, exc)
        return ClockState()
    if not isinstance(data, dict):
        return ClockState()
    kept = {}
    for spec in fields(ClockState):
        value = data.get(spec.name)
        if spec.name == "blackout":
            kept[spec.name] = value is True
        elif spec.name == "turns":
            kept[spec.name] = value if isinstance(value, int) and not isinstance(value, bool) else 0
        elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            kept[spec.name] = float(value)
    return ClockState(**kept)


def save_state(path: Path, state: ClockState) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        scratch = path.with_suffix(".tmp")
        scratch.write_text(json.dumps(asdict(state)), encoding="utf-8")
        os.replace(scratch, path)
    except OSError as exc:
        log.warning("the wall's state could not be kept in %s: %s", path, exc)
