"""Many copies of one sprite in one call: QPainter.drawPixmapFragments fed from a numpy array.

This is the one place the map touches a private part of pyqtgraph (`PrimitiveArray`, a numpy view
over a C++ array of QPainter.PixmapFragment). It is worth it: 3,000 event points are stamped in
well under a millisecond at 4K (`map_points` in the benchmarks), where one drawPixmap call per point
costs several. Should pyqtgraph drop it, only this module changes (tests/views/test_map_fragments.py
holds its behaviour).
"""

from __future__ import annotations

import numpy as np
from pyqtgraph.Qt.internals import PrimitiveArray
from PySide6.QtGui import QPainter, QPixmap


class Stamps:
    """One sprite at many places, each sprite's corner on a whole pixel (Qt then copies, not resamples)."""

    def __init__(self, x: np.ndarray, y: np.ndarray, sprite: QPixmap) -> None:
        self.sprite = sprite
        self._array = PrimitiveArray(QPainter.PixmapFragment, 10)
        self._array.resize(len(x))
        rows = self._array.ndarray()
        half_w, half_h = sprite.width() / 2, sprite.height() / 2
        rows[:, 0] = np.floor(x - half_w + 0.5) + half_w  # centre x
        rows[:, 1] = np.floor(y - half_h + 0.5) + half_h  # centre y
        rows[:, 2:6] = (0, 0, sprite.width(), sprite.height())  # source rectangle
        rows[:, 6:10] = (1, 1, 0, 1)  # scale x, scale y, rotation, opacity

    def __len__(self) -> int:
        return len(self._array.ndarray())

    def draw(self, painter: QPainter) -> None:
        painter.drawPixmapFragments(*self._array.drawargs(), self.sprite)
