"""A table of at most 50 rows, values in their column's unit."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from cockpit.charts import palette
from cockpit.charts.base import BlockError, Chart, items_of, shown
from kernel.contract import MAX_TABLE_ROWS


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    unit: str


@dataclass(frozen=True)
class Table:
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


def cell_text(value: object, unit: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return shown(float(value), unit)
    return str(value)


class TableChart(Chart):
    kind = "table"
    block_type = "table"

    def _make_body(self) -> QWidget:
        self.table = QTableWidget(self)
        self.table.setObjectName("chartTable")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self._rescaled()
        return self.table

    @classmethod
    def _parse(cls, block: dict) -> Table:
        columns = tuple(Column(str(c["id"]), str(c.get("label", c["id"])), str(c.get("unit") or ""))
                        for c in items_of(block, "columns"))
        if not columns:
            raise BlockError("表格没有列")
        raw_rows = items_of(block, "rows")[:MAX_TABLE_ROWS]  # the contract sends no more
        rows = tuple(tuple(cell_text(row.get(c.id), c.unit) for c in columns) for row in raw_rows)
        numeric = tuple(all(isinstance(row.get(c.id), int | float | None) for row in raw_rows) for c in columns)
        return Table(columns, rows, numeric)

    @classmethod
    def _is_empty(cls, model: Table) -> bool:
        return not model.rows

    def _show(self, model: Table) -> None:
        self.model = model
        table = self.table
        table.setColumnCount(len(model.columns))
        table.setHorizontalHeaderLabels([c.label if c.unit in ("", "%") else f"{c.label}（{c.unit}）"
                                         for c in model.columns])
        table.setRowCount(len(model.rows))
        for r, row in enumerate(model.rows):
            for c, text in enumerate(row):
                item = table.item(r, c)
                if item is None:
                    item = QTableWidgetItem()
                    table.setItem(r, c, item)
                item.setText(text)
                item.setToolTip(text)
                align = Qt.AlignmentFlag.AlignRight if model.numeric[c] else Qt.AlignmentFlag.AlignLeft
                item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
        if len(model.columns) > 2:  # the first (a name) takes the room it needs
            table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)

    def _rescaled(self) -> None:
        self.table.setFont(palette.font(13, self.scale))
        self.table.horizontalHeader().setFont(palette.font(12, self.scale, bold=True))
        self.table.verticalHeader().setDefaultSectionSize(palette.scaled(24, self.scale))
