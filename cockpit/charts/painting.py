"""A painter that is always ended, for charts and views alike."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtGui import QPainter


@contextmanager
def painting(device) -> Iterator[QPainter]:
    """An error while drawing must not leave the device with an active painter (Qt aborts on that)."""
    painter = QPainter(device)
    try:
        yield painter
    finally:
        painter.end()
