"""The video wall's windows: one surface per screen, the preview, and the operator's thumbnails."""

from cockpit.views.wall.surface import WallSurface
from cockpit.views.wall.thumbnails import WallThumbnails
from cockpit.views.wall.wall import PreviewWindow, Wall, present_screens

__all__ = ["PreviewWindow", "Wall", "WallSurface", "WallThumbnails", "present_screens"]
