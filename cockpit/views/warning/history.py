"""The warning list: the newest warnings received, newest first, with filters by level, state and words.

A table model that changes row by row (a new warning is one inserted row, an
acknowledgement one changed row) behind a filter proxy, so a warning arriving
on a wall that has run for days costs the same as the first one. Only the
newest `keep` warnings are held; older ones stay in the inbox on disk.
"""

from __future__ import annotations

import html
from bisect import bisect_left
from collections.abc import Iterable

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cockpit.core.warning import WarningRecord
from cockpit.views.warning.popup import when
from kernel import levels

LEVEL_FILTERS = (("全部级别", None), *((level.name, level.code) for level in levels.WARNING_LEVELS))
STATE_FILTERS = (("全部状态", None), ("待确认", "waiting"), ("已确认", "acknowledged"), ("生效中", "active"),
                 ("已更新", "updated"), ("已撤销", "cancelled"), ("已过期", "expired"))
STATE_NAMES = {"active": "生效中", "updated": "已更新", "cancelled": "已撤销", "expired": "已过期"}
COLUMNS = ("发布时间", "级别", "标题", "区域", "状态", "确认")
WIDTH_SAMPLES = ("12-31 23:59", "未定级预警", "", "崇川区城东街道办事处", "已更新（撤销通知）", "值班人员 12-31 23:59")
KEEP = 2000  # warnings held in the list; a wall running for days has thousands more on disk
CELL_LIMIT = 500  # characters of a text in a cell: more never fits, and a 1 MB cell takes seconds to paint
TIP_LIMIT = 500  # characters of it in a tooltip (the popup holds far more of a waiting warning)
AnyIndex = QModelIndex | QPersistentModelIndex


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


def cell(text: str) -> str:
    """The start of a text on one line (the view elides it to the cell)."""
    return " ".join(text[:CELL_LIMIT].splitlines()) + ("…" if len(text) > CELL_LIMIT else "")


def tip(text: str) -> str:
    """The start of a text as a tooltip, wrapped (a tooltip wraps rich text only)."""
    more = f"<br>（全文共 {len(text)} 字）" if len(text) > TIP_LIMIT else ""
    return f"<p>{html.escape(text[:TIP_LIMIT])}{more}</p>"


def cells(record: WarningRecord) -> tuple[str, ...]:
    message = record.message
    ack = f"{record.acked_by} {when(record.acked_at)}" if record.acknowledged else ""
    return (when(message.sent), message.level_name, cell(message.headline), cell(message.area_name),
            state_text(record), ack)


class WarningTableModel(QAbstractTableModel):
    """The newest `keep` records, newest (highest local id) first; texts made once per record."""

    def __init__(self, keep: int = KEEP, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.keep = keep
        self.records: list[WarningRecord] = []
        self._cells: list[tuple[str, ...]] = []
        self.dropped = False  # older records left the list (they are still in the inbox)

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(self.records)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008, N802 (Qt API)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt API)
                   role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole):
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[row][column]
        if role == Qt.ItemDataRole.ToolTipRole and column in (2, 3) and self._cells[row][column]:
            message = self.records[row].message  # more of the headline or area than a cell shows
            return tip(message.headline if column == 2 else message.area_name)
        if column == 1 and role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            level = self.records[row].level
            if role == Qt.ItemDataRole.BackgroundRole:
                return QColor(levels.of(level).colour)
            return QColor("#1a1200" if level == "yellow" else "#ffffff")
        return None

    def reset(self, records: Iterable[WarningRecord]) -> None:
        """Replace everything (start-up); every later change goes through `put`."""
        ordered = sorted(records, key=lambda r: -r.local_id)
        self.beginResetModel()
        self.dropped = len(ordered) > self.keep
        self.records = ordered[:self.keep]
        self._cells = [cells(r) for r in self.records]
        self.endResetModel()

    def put(self, record: WarningRecord) -> None:
        """Insert a new record, or change the row of one already listed (one row either way)."""
        row = bisect_left(self.records, -record.local_id, key=lambda r: -r.local_id)
        if row < len(self.records) and self.records[row].local_id == record.local_id:
            if self.records[row] != record:
                self.records[row], self._cells[row] = record, cells(record)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))
            return
        if row >= self.keep:
            return  # older than everything listed: it stays in the inbox only
        self.beginInsertRows(QModelIndex(), row, row)
        self.records.insert(row, record)
        self._cells.insert(row, cells(record))
        self.endInsertRows()
        if len(self.records) > self.keep:
            self.beginRemoveRows(QModelIndex(), self.keep, len(self.records) - 1)
            del self.records[self.keep:], self._cells[self.keep:]
            self.endRemoveRows()
            self.dropped = True


class WarningFilter(QSortFilterProxyModel):
    """Level, state and words: only rows that change are tested again (the proxy is dynamic)."""

    def __init__(self, source: WarningTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSourceModel(source)
        self.level: str | None = None
        self.state: str | None = None
        self.words = ""

    def set_filters(self, level: str | None, state: str | None, words: str) -> None:
        self.beginFilterChange()
        self.level, self.state, self.words = level, state, words
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: AnyIndex) -> bool:  # noqa: N802 (Qt API)
        return matches(self.sourceModel().records[source_row], self.level, self.state, self.words)

    def record(self, row: int) -> WarningRecord:
        return self.sourceModel().records[self.mapToSource(self.index(row, 0)).row()]


class WarningList(QWidget):
    locate_requested = Signal(int)  # local_id
    acknowledge_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, display_only: bool = False, keep: int = KEEP) -> None:
        super().__init__(parent)
        self.setObjectName("warningList")
        self.model = WarningTableModel(keep, self)  # owned by the list: gone with it, never before
        self.proxy = WarningFilter(self.model, self)
        self.level_filter = QComboBox()
        for label, value in LEVEL_FILTERS:
            self.level_filter.addItem(label, value)
        self.state_filter = QComboBox()
        for label, value in STATE_FILTERS:
            self.state_filter.addItem(label, value)
        self.search = QLineEdit(placeholderText="按标题、区域或事项查找")
        self.ack_button = QPushButton("确认所选", self, clicked=self._acknowledge_selected)
        self.ack_button.setVisible(not display_only)  # with its parent: never a window of its own
        self.older_note = QLabel(f"此处列出最近{keep}条预警，更早的预警保存在本机预警库中。")
        self.older_note.setVisible(False)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)  # the headline takes the room
        self._sized = False
        self.table.doubleClicked.connect(self._locate)
        filters = QHBoxLayout()
        for widget in (self.level_filter, self.state_filter, self.search, self.ack_button):
            filters.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        layout.addWidget(self.older_note)
        self.level_filter.currentIndexChanged.connect(self._filter)
        self.state_filter.currentIndexChanged.connect(self._filter)
        self.search.textChanged.connect(self._filter)

    def set_records(self, records: Iterable[WarningRecord]) -> None:
        """List these records (the newest `keep` of them) instead of what was listed."""
        self.model.reset(records)
        self.older_note.setVisible(self.model.dropped)

    def put(self, records: Iterable[WarningRecord]) -> None:
        """New or changed records: each one inserts or changes a single row."""
        for record in records:
            self.model.put(record)
        self.older_note.setVisible(self.model.dropped)

    @property
    def records(self) -> list[WarningRecord]:
        return self.model.records

    def shown(self) -> list[WarningRecord]:
        return [self.proxy.record(row) for row in range(self.proxy.rowCount())]

    def _filter(self) -> None:
        self.proxy.set_filters(self.level_filter.currentData(), self.state_filter.currentData(), self.search.text())

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt API)
        if not self._sized:  # the window's style sheet (its font size) applies by now
            self._sized = True
            self._size_columns()
        super().showEvent(event)

    def _size_columns(self) -> None:
        """Widths from the longest usual texts, not from the rows: sizing to contents would measure
        the rows' texts again each time a warning arrives."""
        header, metrics = self.table.horizontalHeader(), self.table.fontMetrics()
        for column, sample in enumerate(WIDTH_SAMPLES):
            if column != 2:
                header.resizeSection(column, max(metrics.horizontalAdvance(sample),
                                                 header.sectionSizeFromContents(column).width()) + metrics.height())

    def _locate(self, index: QModelIndex) -> None:
        self.locate_requested.emit(self.proxy.record(index.row()).local_id)

    def _acknowledge_selected(self) -> None:
        for row in sorted(index.row() for index in self.table.selectionModel().selectedRows()):
            self.acknowledge_requested.emit(self.proxy.record(row).local_id)
