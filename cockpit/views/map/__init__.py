"""The situation map: widget and events (widget), the frame cache (frame), what is drawn over the
cells (overlays), live points (points, fragments) and the warning pulse (pulse)."""

from cockpit.views.map.widget import NantongMap

__all__ = ["NantongMap"]
