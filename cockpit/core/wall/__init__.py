"""The video wall's Qt-free core: the manifest, the one clock, screen identities, sizing by distance,
pre-emption by warnings, burn-in care and the state a restart keeps."""

from cockpit.core.wall.clock import ClockState, WallClock
from cockpit.core.wall.manifest import (
           Item,
           Manifest,
           ManifestError,
           Region,
           Screen,
           load_manifest,
           parse_manifest,
)
from cockpit.core.wall.screens import Present, assign, is_preview
from cockpit.core.wall.sizing import Sizing, sizing_for

__all__ = ["ClockState", "Item", "Manifest", "ManifestError", "Present", "Region", "Screen", "Sizing",
           "WallClock", "assign", "is_preview", "load_manifest", "parse_manifest", "sizing_for"]
