"""The map's one use of a private pyqtgraph part: many sprites stamped in one call, where they belong."""

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPixmap

from cockpit.charts.painting import painting
from cockpit.views.map.fragments import Stamps


def test_every_sprite_lands_centred_on_its_whole_pixel(qapp):
    sprite = QPixmap(5, 5)
    sprite.fill(QColor("#ff0000"))
    x = np.array([10.0, 30.4, 50.6, 70.0])
    y = np.array([10.0, 20.2, 30.8, 40.0])
    stamps = Stamps(x, y, sprite)
    assert len(stamps) == 4
    image = QImage(100, 60, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.black)
    with painting(image) as painter:
        stamps.draw(painter)
    red = QColor("#ff0000").rgb()
    for cx, cy in zip(np.floor(x - 2.5 + 0.5) + 2, np.floor(y - 2.5 + 0.5) + 2, strict=True):
        block = [image.pixel(int(cx) + dx, int(cy) + dy) for dx in (-2, 0, 2) for dy in (-2, 0, 2)]
        assert block == [red] * 9, (cx, cy)  # the whole 5x5 sprite, copied, not resampled
    assert sum(image.pixel(px, py) == red for px in range(100) for py in range(60)) == 4 * 25


def test_no_points_draw_nothing(qapp):
    sprite = QPixmap(3, 3)
    sprite.fill(QColor("#ffffff"))
    image = QImage(20, 20, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.black)
    with painting(image) as painter:
        Stamps(np.empty(0), np.empty(0), sprite).draw(painter)
    assert all(image.pixel(px, py) == QColor("black").rgb() for px in range(20) for py in range(20))
