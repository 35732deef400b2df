"""The base of every chart kind: one block in, a readable picture out.

A chart parses its block into plain values first; a block it cannot read
shows a sentence saying why instead of a half-drawn picture, and the rest of
the panel carries on.
"""

from __future__ import annotations

import logging
import math
import re
from typing import Any, ClassVar

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QRegion
from PySide6.QtWidgets import QLabel, QStackedLayout, QVBoxLayout, QWidget

from cockpit.charts import palette
from cockpit.charts.painting import painting
from cockpit.core.formats import format_value

EMPTY_TEXT = "暂无数据"
PAINT_FAILED = "无法显示：此数据无法绘制"
log = logging.getLogger(__name__)
_NOTHING = object()  # no block shown yet (None is a block: "no data")


class BlockError(ValueError):
    """A block that does not match the contract, in words a person understands."""


class Chart(QWidget):
    """One chart kind: it reads one block type. Subclasses set `kind`, `block_type`, `_parse`,
    `_is_empty` and `_show` (or `paint`); a new kind is one class and its line in CHART_KINDS."""

    kind: ClassVar[str] = ""
    block_type: ClassVar[str] = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = 1.0
        self.max_items: int | None = None
        self.block: dict | None = None
        self.problem: str | None = None
        self.model: Any = None
        self._applied: object = _NOTHING  # the block on screen: an equal one changes nothing
        self.caption = QLabel(self)
        self.caption.setObjectName("chartCaption")
        self.caption.hide()
        self.message = QLabel(EMPTY_TEXT, self)
        self.message.setObjectName("chartMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.body = self._make_body()
        self._stack = QStackedLayout()
        self._stack.addWidget(self.body)
        self._stack.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.caption)
        layout.addLayout(self._stack, 1)
        self._stack.setCurrentWidget(self.message)

    # -- what panels call -------------------------------------------------
    def set_block(self, block: dict | None) -> None:
        """Show `block` (a dict shaped like the contract), or "no data" for None.

        A block equal to the one on screen is not even parsed: nothing repaints for it."""
        if block == self._applied:
            return
        self._applied = block
        self.block = block
        self.problem = None
        if block is None:
            self._set_caption("")
            self._say(EMPTY_TEXT)
            return
        try:
            if not isinstance(block, dict):
                raise BlockError(f"数据块应为对象，收到的是 {type(block).__name__}")
            if block.get("type") != self.block_type:
                raise BlockError(f"数据块类型为 “{block.get('type')}”，此图表只能显示 {self.block_type}")
            model = self._parse(block)
        except (BlockError, KeyError, TypeError, ValueError) as exc:
            self.problem = _in_words(exc)
            self._set_caption(str(block.get("label", "")) if isinstance(block, dict) else "")
            self._say(f"无法显示：{self.problem}")
            return
        self._set_caption(self._caption_text(block))
        if self._is_empty(model):
            self._say(EMPTY_TEXT)
            return
        self._show(model)
        self._stack.setCurrentWidget(self.body)
        self._repaint_body()

    def show_problem(self, text: str) -> None:
        """Say why there is nothing to draw (e.g. the payload lacks this chart's block)."""
        self.block, self.model, self.problem = None, None, text
        self._applied = _NOTHING
        self._set_caption("")
        self._say(text)

    def set_max_items(self, count: int | None) -> None:
        """Show at most `count` of the block's items (an overview tile); kinds that cannot cut ignore it."""
        self.max_items = count
        self._reshow()

    @classmethod
    def block_is_empty(cls, block: Any) -> bool:
        """Whether `block` holds nothing this kind would draw. A block it cannot read is not empty:
        the chart says what is wrong with it."""
        if not isinstance(block, dict):
            return True
        try:
            return cls._is_empty(cls._parse(block))
        except (BlockError, KeyError, TypeError, ValueError):
            return False

    def set_scale(self, scale: float) -> None:
        if not math.isclose(scale, self.scale):
            self.scale = scale
            self._rescaled()
            self._repaint_body()

    def _reshow(self) -> None:
        """Parse and show the current block again (e.g. after a setting that changes the picture)."""
        block, self._applied = self.block, _NOTHING
        if block is not None:
            self.set_block(block)

    # -- for subclasses ---------------------------------------------------
    def _make_body(self) -> QWidget:
        return Canvas(self)

    @classmethod
    def _parse(cls, block: dict) -> Any:
        raise NotImplementedError

    @classmethod
    def _is_empty(cls, model: Any) -> bool:
        return not model

    def _show(self, model: Any) -> None:
        self.model = model

    def _rescaled(self) -> None:
        """The wall's scale changed (painted charts read `self.scale` when they paint)."""

    def paint(self, painter: QPainter, rect: QRect) -> None:
        """Draw the parsed model in `rect` (painted charts only)."""

    def _caption_text(self, block: dict) -> str:
        label = str(block.get("label") or "")
        unit = str(block.get("unit") or "")
        shown_unit = "" if unit in ("", "%") else unit
        return f"{label}（{shown_unit}）" if label and shown_unit else label

    # -- internals --------------------------------------------------------
    def _repaint_body(self) -> None:
        """A painted chart repaints its canvas; widget bodies (plots, tables) update themselves,
        and an update of their parent would repaint them all a second time."""
        if isinstance(self.body, Canvas):
            self.body.update()

    def _set_caption(self, text: str) -> None:
        self.caption.setText(text)
        self.caption.setVisible(bool(text))

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self._stack.setCurrentWidget(self.message)


class Canvas(QWidget):
    """The drawing surface of a painted chart: opaque on the panels' own ground colour, so a
    new figure repaints the canvas alone and never the panel and the wall beneath it."""

    ground = QColor(palette.SURFACE)

    def __init__(self, chart: Chart) -> None:
        super().__init__(chart)
        self.chart = chart
        self.exposed: QRegion | None = None  # while painting: the region being repainted
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        self.exposed = event.region()  # a chart may skip what lies outside it (Qt clips to it anyway)
        try:
            with painting(self) as painter:
                painter.fillRect(event.rect(), self.ground)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
                self.chart.paint(painter, self.rect())
        except Exception:  # a bug in a chart: its painter is ended, the chart says so, the wall goes on
            log.exception("the %s chart could not paint its block", self.chart.kind)
            QTimer.singleShot(0, self.chart, lambda: self.chart.show_problem(PAINT_FAILED))
        finally:
            self.exposed = None


# -- parsing helpers ------------------------------------------------------
def number(value: Any, what: str) -> float | None:
    """A JSON number (or null) as float; anything else is a BlockError naming `what`."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BlockError(f"{what} 应为数值，收到 “{value}”")
    return float(value)


def items_of(block: dict, key: str = "items") -> list[dict]:
    items = block.get(key)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise BlockError(f"缺少 {key} 列表")
    return items


def _in_words(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"缺少字段 {exc.args[0]}"
    return str(exc)


# -- drawing helpers ------------------------------------------------------
_NUMBER = re.compile(r"^([-+]?[\d,.]+)(.*)$")


def split_value(text: str) -> tuple[str, str]:
    """'15.3万件' -> ('15.3', '万件'): the numeral is drawn large, the rest small."""
    match = _NUMBER.match(text.strip())
    return (match.group(1), match.group(2).strip()) if match else (text, "")


def shown(value: float | None, unit: str) -> str:
    return "—" if value is None else format_value(value, unit)


def fitted(text: str, width: float, px: float, scale: float, *, bold: bool = False) -> QFont:
    """The font of `px` (at 1080p), shrunk until `text` fits in `width` pixels."""
    result = palette.font(px, scale, bold=bold)
    measured = QFontMetrics(result).horizontalAdvance(text)
    if measured > width > 0:
        result.setPixelSize(max(6, int(result.pixelSize() * width / measured)))
    return result


def elided(painter: QPainter, text: str, width: int) -> str:
    return painter.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, max(0, width))
