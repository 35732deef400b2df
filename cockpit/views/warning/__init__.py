"""The warnings on screen: a non-modal popup, the warning list, a sound per level, and their wiring."""

from cockpit.views.warning.center import WarningCenter
from cockpit.views.warning.history import WarningList
from cockpit.views.warning.popup import WarningPopup
from cockpit.views.warning.sound import LevelSounds

__all__ = ["LevelSounds", "WarningCenter", "WarningList", "WarningPopup"]
