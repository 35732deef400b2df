"""Type sized by the hall, not by pixels: from a screen's physical size and the viewing distance.

ISO 9241-303 prefers body text of 20 to 22 arcminutes at the design viewing distance (16 at the
least). A character h millimetres tall seen from d millimetres subtends 2·atan(h / 2d); so body
text needs h = 2·d·tan(20′ / 2), and its height in pixels is h over the pixel pitch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BODY_ARCMIN = 20.0  # the least of ISO 9241-303's preferred range, for body text
HEADLINE_ARCMIN = 45.0  # headline figures: read at a glance from the back of the hall
BODY_PX_AT_SCALE_1 = 14  # the style sheet's body text at scale 1 (cockpit/views/theme.py)
SCALE_STEP = 0.25


def text_height_mm(distance_m: float, arcmin: float = BODY_ARCMIN) -> float:
    """How tall a character must be to subtend `arcmin` at `distance_m`."""
    return 2 * distance_m * 1000 * math.tan(math.radians(arcmin / 60) / 2)


def arcmin_of(height_mm: float, distance_m: float) -> float:
    return math.degrees(2 * math.atan(height_mm / (2 * distance_m * 1000))) * 60


@dataclass(frozen=True)
class Sizing:
    """How one screen draws: its pixel pitch, the text it needs and the style scale that gives it."""

    pitch_mm: float  # the size of one pixel
    body_px: int  # body text height that meets BODY_ARCMIN
    headline_px: int
    scale: float  # the style sheet's scale (1.0: 1920x1080 at a desk)

    def arcmin(self, px: float, distance_m: float) -> float:
        return arcmin_of(px * self.pitch_mm, distance_m)


def sizing_for(pixels: tuple[int, int], size_mm: tuple[float, float], distance_m: float,
               pixel_scale: float = 1.0) -> Sizing:
    """The sizing of a screen of `pixels` showing a picture of `size_mm`, seen from `distance_m`.

    The scale is never below what the pixels alone would give (`pixel_scale`, the desk cockpit's rule),
    and it is rounded up, so rounding never makes text smaller than the hall needs."""
    pitch = max(size_mm[0] / pixels[0], size_mm[1] / pixels[1])  # square pixels; the coarser side, to be safe
    body_px = math.ceil(text_height_mm(distance_m) / pitch)
    headline_px = math.ceil(text_height_mm(distance_m, HEADLINE_ARCMIN) / pitch)
    scale = math.ceil(body_px / BODY_PX_AT_SCALE_1 / SCALE_STEP) * SCALE_STEP
    return Sizing(pitch, body_px, headline_px, max(scale, pixel_scale))


def diagonal_size_mm(inches: float, aspect: tuple[int, int] = (16, 9)) -> tuple[float, float]:
    """The picture's width and height of a screen sold by its diagonal."""
    diagonal = math.hypot(*aspect)
    return inches * 25.4 * aspect[0] / diagonal, inches * 25.4 * aspect[1] / diagonal
