"""The warnings on screen: a non-modal popup, the warning list, a sound per level, and their wiring."""

from cockpit.views.warnings.center import WarningCenter
from cockpit.views.warnings.history import WarningList
from cockpit.views.warnings.popup import WarningPopup
from cockpit.views.warnings.sound import LevelSounds

__all__ = ["LevelSounds", "WarningCenter", "WarningList", "WarningPopup"]
