"""The warning list: every warning received, newest first, with filters by level, state and words."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cockpit.charts.palette import level_colour
from cockpit.core.alerts import WarningRecord
from cockpit.views.warnings.popup import when

LEVEL_FILTERS = (("全部级别", None), ("红色", "red"), ("橙色", "orange"), ("黄色", "yellow"), ("蓝色", "blue"))
STATE_FILTERS = (("全部状态", None), ("待确认", "waiting"), ("已确认", "acknowledged"), ("生效中", "active"),
                 ("已更新", "updated"), ("已撤销", "cancelled"), ("已过期", "expired"))
STATE_NAMES = {"active": "生效中", "updated": "已更新", "cancelled": "已撤销", "expired": "已过期"}
COLUMNS = ("发布时间", "级别", "标题", "区域", "状态", "确认")


def state_text(record: WarningRecord) -> str:
    kind = {"Cancel": "撤销通知", "Update": "更新"}.get(record.message.msg_type, "")
    return STATE_NAMES.get(record.state, record.state) + (f"（{kind}）" if kind else "")


def matches(record: WarningRecord, level: str | None, state: str | None, words: str) -> bool:
    if level and record.level != level:
        return False
    if state == "waiting" and not record.wants_attention:
        return False
    if state == "acknowledged" and not record.acknowledged:
        return False
    if state in STATE_NAMES and record.state != state:
        return False
    text = f"{record.message.headline} {record.message.area_name} {record.message.item_name}"
    return all(word in text for word in words.split())


class WarningList(QWidget):
    locate_requested = Signal(int)  # local_id
    acknowledge_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, display_only: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("warningList")
        self.records: list[WarningRecord] = []
        self.level_filter = QComboBox()
        for label, value in LEVEL_FILTERS:
            self.level_filter.addItem(label, value)
        self.state_filter = QComboBox()
        for label, value in STATE_FILTERS:
            self.state_filter.addItem(label, value)
        self.search = QLineEdit(placeholderText="按标题、区域或事项查找")
        self.ack_button = QPushButton("确认所选", clicked=self._acknowledge_selected)
        self.ack_button.setVisible(not display_only)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the headline takes the room
        self.table.cellDoubleClicked.connect(lambda row, _col: self._emit_for_row(row, self.locate_requested))
        filters = QHBoxLayout()
        for widget in (self.level_filter, self.state_filter, self.search, self.ack_button):
            filters.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        self.level_filter.currentIndexChanged.connect(self._refill)
        self.state_filter.currentIndexChanged.connect(self._refill)
        self.search.textChanged.connect(self._refill)

    def set_records(self, records: list[WarningRecord]) -> None:
        self.records = list(records)
        self._refill()

    def shown(self) -> list[WarningRecord]:
        level, state = self.level_filter.currentData(), self.state_filter.currentData()
        return [r for r in self.records if matches(r, level, state, self.search.text())]

    def _refill(self) -> None:
        shown = self.shown()
        self.table.setRowCount(len(shown))
        for row, record in enumerate(shown):
            message = record.message
            ack = f"{record.acked_by} {when(record.acked_at)}" if record.acknowledged else ""
            cells = (when(message.sent), message.level_name, message.headline, message.area_name,
                     state_text(record), ack)
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, record.local_id)
                self.table.setItem(row, column, item)
            badge = self.table.item(row, 1)
            badge.setBackground(QColor(level_colour(message.level or "normal")))
            badge.setForeground(QColor("#1a1200" if message.level == "yellow" else "#ffffff"))

    def _emit_for_row(self, row: int, signal: Signal) -> None:
        item = self.table.item(row, 0)
        if item is not None:
            signal.emit(item.data(Qt.ItemDataRole.UserRole))

    def _acknowledge_selected(self) -> None:
        for row in sorted({index.row() for index in self.table.selectedIndexes()}):
            self._emit_for_row(row, self.acknowledge_requested)
