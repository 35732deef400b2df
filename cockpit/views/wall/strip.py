"""The wall's warning strip: the warnings in force, most severe first, in words and colour.

Painted, not built of widgets: a strip that changes every few seconds for days must not create and
destroy labels (a wall's memory stays flat), and a headline of any length is cut to its row.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from cockpit.charts import palette as p
from cockpit.charts.painting import painting
from cockpit.core.warning import severity_order
from kernel import levels
from kernel.clock import CITY_TZ

ROW_EM = 1.7  # a row is this many body heights: the level word, the headline, the place and the time


class WarningStrip(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warningStrip")
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.scale = 1.0
        self.records: list = []

    def set_records(self, records: list) -> None:
        """The warnings in force (WarningRecords); the unacknowledged first within a level."""
        self.records = sorted(records, key=lambda r: (severity_order(r), r.acknowledged, -r.local_id))
        self.update()

    def set_scale(self, scale: float) -> None:
        self.scale = scale
        self.update()

    # The binder's protocol: a strip shows no endpoint, so these do nothing.
    def refresh_age(self, _now) -> None: ...

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        with painting(self) as painter:
            painter.fillRect(self.rect(), QColor(p.SURFACE))
            self._paint(painter)

    def _paint(self, painter: QPainter) -> None:
        body = p.scaled(14, self.scale)
        row_h = round(body * ROW_EM)
        pad = p.scaled(8, self.scale)
        waiting = sum(not r.acknowledged for r in self.records)
        painter.setPen(QColor("#ffffff"))
        painter.setFont(p.shared_font(p.scaled(16, self.scale), True))
        title = f"预警 · 生效 {len(self.records)} 条" + (f"，待确认 {waiting} 条" if waiting else "")
        painter.drawText(QRect(pad, 0, self.width() - 2 * pad, row_h), Qt.AlignmentFlag.AlignVCenter, title)
        top = row_h
        if not self.records:
            painter.setPen(QColor(p.TEXT_DIM))
            painter.setFont(p.shared_font(body))
            painter.drawText(QRect(pad, top, self.width() - 2 * pad, row_h), Qt.AlignmentFlag.AlignVCenter,
                             "当前没有生效的预警")
            return
        rows = max(1, (self.height() - top) // row_h)
        shown = self.records if len(self.records) <= rows else self.records[:max(1, rows - 1)]
        font = p.shared_font(body)
        bold = p.shared_font(body, True)
        metrics = painter.fontMetrics()
        for record in shown:
            message = record.message
            level = levels.of(message.level) if message.level in levels.RANK else None
            colour = QColor(level.colour if level else p.TEXT_DIM)
            painter.fillRect(QRect(pad, top + row_h // 8, max(2, body // 3), row_h * 3 // 4), colour)
            x = pad + body
            painter.setFont(bold)
            painter.setPen(colour)
            word = message.level_name + ("" if record.acknowledged else " · 待确认")
            metrics = painter.fontMetrics()
            painter.drawText(QRect(x, top, self.width() - x - pad, row_h), Qt.AlignmentFlag.AlignVCenter, word)
            x += metrics.horizontalAdvance(word) + body
            when = message.sent.astimezone(CITY_TZ).strftime("%H:%M")
            painter.setFont(font)
            painter.setPen(QColor(p.TEXT_DIM))
            metrics = painter.fontMetrics()
            when_w = metrics.horizontalAdvance(when)
            painter.drawText(QRect(self.width() - pad - when_w, top, when_w, row_h), Qt.AlignmentFlag.AlignVCenter,
                             when)
            painter.setPen(QColor(p.TEXT))
            text = " · ".join(part for part in (message.headline or message.item_name, message.area_name) if part)
            room = self.width() - x - when_w - pad - body
            if room > body:
                shown_text = metrics.elidedText(" ".join(text[:400].split()), Qt.TextElideMode.ElideRight, room)
                painter.drawText(QRect(x, top, room, row_h), Qt.AlignmentFlag.AlignVCenter, shown_text)
            top += row_h
        if len(shown) < len(self.records) and top + row_h <= self.height():
            painter.setPen(QColor(p.TEXT_DIM))
            painter.drawText(QRect(pad, top, self.width() - 2 * pad, row_h), Qt.AlignmentFlag.AlignVCenter,
                             f"另有 {len(self.records) - len(shown)} 条，见值班台预警列表")
