"""What every wall screen shows right now, one thumbnail per screen, for the operator's desk."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

REFRESH_MS = 5000  # a glance, not a mirror: grabbing four 4K screens costs a frame or two


class WallThumbnails(QWidget):
    def __init__(self, wall, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wall = wall
        self.pictures: dict[str, QLabel] = {}
        self.captions: dict[str, QLabel] = {}
        title = QLabel(f"墙面实况 · {wall.manifest.name}", self)
        title.setObjectName("sectionTitle")
        grid = QGridLayout()
        grid.setSpacing(12)
        for number, screen_id in enumerate(wall.surfaces):
            picture = QLabel(self)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setMinimumSize(160, 90)
            caption = QLabel(self)
            caption.setObjectName("note")
            caption.setWordWrap(True)
            cell = QVBoxLayout()
            cell.addWidget(picture, 1)
            cell.addWidget(caption)
            grid.addLayout(cell, number // 2, number % 2)
            self.pictures[screen_id], self.captions[screen_id] = picture, caption
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid, 1)
        self.timer = QTimer(self, interval=REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        wall.changed.connect(self._changed)

    def refresh(self) -> None:
        if not self.isVisible():
            self.timer.stop()
            return
        for screen_id, place, showing in self.wall.status():
            surface = self.wall.surfaces[screen_id]
            picture = self.pictures[screen_id]
            self.captions[screen_id].setText(f"{screen_id} · {place}\n{showing}")
            if surface.isVisible() or surface.testAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen):
                shot = surface.grab()
                picture.setPixmap(shot.scaled(picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation))
            else:
                picture.setText("屏幕已断开")

    def _changed(self) -> None:
        if self.isVisible():
            QTimer.singleShot(100, self, self.refresh)  # after the turn has painted

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.refresh()
        self.timer.start()
