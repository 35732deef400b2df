"""The warning popup: a non-modal card over the cockpit window, never a dialog that blocks it.

It shows the most severe unacknowledged warning first, says the level in words
(红色预警, not colour alone), and counts the rest of the queue by level.

A CAP message may carry a headline, description or instruction of a megabyte:
the card never grows past its screen, the headline is cut to a few lines, the
rest scrolls inside the card, and the acknowledge button always shows.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QScreen,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QTextEdit, QVBoxLayout, QWidget

from cockpit.charts.palette import BORDER, SURFACE, TEXT, TEXT_DIM
from cockpit.core.warning import WarningRecord, grouped_by_level, severity_order
from cockpit.views.widgets import loosen
from kernel import levels
from kernel.clock import CITY_TZ

SOURCE_NAMES = {"simulator": "指挥中心预警模型", "drill": "演练", "cap": "外部CAP预警（经中心）", "feed": "外部CAP预警源"}
HEADLINE_LINES = 3
TEXT_LIMIT = 20_000  # characters of one text shown: laying out a megabyte would freeze the wall for seconds
MEASURED_LIMIT = 5_000  # a body longer than this is taller than any screen: no need to measure it


def when(moment: datetime | None) -> str:
    return moment.astimezone(CITY_TZ).strftime("%m-%d %H:%M") if moment else "—"


def capped(text: str, limit: int = TEXT_LIMIT) -> str:
    """At most `limit` characters, saying how long the whole text is when it is cut."""
    return text if len(text) <= limit else f"{text[:limit]}\n（全文共 {len(text)} 字，已截断显示）"


def clipped(text: str, font: QFont, width: int, lines: int) -> tuple[str, bool]:
    """`text` wrapped to `width` pixels on at most `lines` lines, the last ending in … when more is left;
    and whether it was cut."""
    taken = text[:lines * max(1, width)]  # no line holds more than one character per pixel: lay out no more
    sample = " ".join(taken.splitlines())  # one paragraph: line breaks in a headline would only waste lines
    layout = QTextLayout(sample, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)  # a word wider than the box breaks
    layout.setTextOption(option)
    layout.beginLayout()
    spans: list[tuple[int, int]] = []
    while len(spans) < lines and (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textStart() + line.textLength()))
    layout.endLayout()
    units = sample.encode("utf-16-le")  # the layout counts in UTF-16 code units

    def part(start: int, end: int) -> str:
        return units[2 * start:2 * end].decode("utf-16-le").rstrip()

    shown = [part(start, end) for start, end in spans]
    cut = bool(spans) and (spans[-1][1] < len(units) // 2 or len(taken) < len(text))
    if cut:
        rest = part(spans[-1][0], len(units) // 2) + "…"  # the … shows even when the rest would fit
        shown[-1] = QFontMetrics(font).elidedText(rest, Qt.TextElideMode.ElideRight, width)
    return "\n".join(shown), cut


class WarningBody(QTextEdit):
    """The warning's texts, read-only: as tall as they are when there is room, scrolling when not."""

    def __init__(self) -> None:
        super().__init__(objectName="warningBody", readOnly=True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.document().setDocumentMargin(0)  # aligned with the headline above it
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.wanted = 0
        self.sections: tuple[tuple[str, int, str, bool], ...] = ()

    def show_sections(self, sections: tuple[tuple[str, int, str, bool], ...], gap: int) -> None:
        """(text, pixel size, colour, bold) paragraphs; filled again only when they changed."""
        if sections == self.sections:
            return
        self.sections = sections
        self.clear()
        cursor = QTextCursor(self.document())
        block = QTextBlockFormat()
        block.setBottomMargin(gap)
        for n, (text, pixels, colour, bold) in enumerate(sections):
            style = QTextCharFormat()
            style.setProperty(QTextFormat.Property.FontPixelSize, pixels)
            style.setForeground(QColor(colour))
            style.setFontWeight(QFont.Weight.Bold if bold else QFont.Weight.Normal)
            if n:
                cursor.insertBlock(block, style)
            else:
                cursor.setBlockFormat(block)
            cursor.insertText(text.replace("\n", "\u2028"), style)  # one paragraph: gaps only between texts
        self.moveCursor(QTextCursor.MoveOperation.Start)

    def measure(self, width: int) -> None:
        """How tall the texts are at this width (short texts only: long ones scroll anyway)."""
        document = self.document()
        if document.characterCount() > MEASURED_LIMIT:
            self.wanted = 1 << 20
        else:
            document.setTextWidth(width)
            self.wanted = round(document.size().height())
        self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(super().sizeHint().width(), self.wanted)


class WarningPopup(QFrame):
    acknowledge_requested = Signal(int)  # local_id
    locate_requested = Signal(int)

    def __init__(self, parent: QWidget, *, display_only: bool = False, scale: float = 1.0) -> None:
        super().__init__(parent)
        self.setObjectName("warningPopup")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.display_only, self.scale = display_only, scale
        self.queue: list[WarningRecord] = []
        self.escalated: set[int] = set()
        self.index = 0
        self.big = scale  # type sizes: the scale, larger once the warning has escalated
        self.full_headline = ""
        self.sections: tuple[tuple[str, int, str, bool], ...] = ()
        self.level_badge = QLabel(objectName="warningLevel")
        self.counter = QLabel(objectName="warningCounter")
        self.headline = QLabel(objectName="warningHeadline", textFormat=Qt.TextFormat.PlainText)
        loosen(self.headline)  # cut to the card's width by _fit, never widening it
        self.body = WarningBody()
        self.queue_summary = QLabel(objectName="warningQueue", wordWrap=True)
        self.locate_button = QPushButton("地图定位", clicked=self._locate)
        self.previous_button = QPushButton("上一条", clicked=lambda: self._step(-1))
        self.next_button = QPushButton("下一条", clicked=lambda: self._step(1))
        self.ack_button = QPushButton("确认收到", objectName="warningAck", clicked=self._acknowledge)
        self.display_note = QLabel("大屏仅显示：请在指挥席确认", objectName="warningDetails")

        top = QHBoxLayout()
        top.addWidget(self.level_badge)
        top.addStretch(1)
        top.addWidget(self.counter)
        buttons = QHBoxLayout()
        for button in (self.locate_button, self.previous_button, self.next_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.display_note)
        buttons.addWidget(self.ack_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.headline)
        layout.addWidget(self.body, 1)  # the one part that gives up room at the screen's edge
        layout.addWidget(self.queue_summary)
        layout.addLayout(buttons)
        # Only now, inside the card: shown without a parent, a button would be a window of its own.
        self.ack_button.setVisible(not display_only)
        self.display_note.setVisible(display_only)
        parent.installEventFilter(self)
        self.hide()

    # ------------------------------------------------------------ content

    def show_queue(self, records: list[WarningRecord], escalated: set[int] = frozenset()) -> None:
        """Show these warnings (most severe first); keep the one on screen if it is still there."""
        current = self.current()
        self.queue = sorted(records, key=severity_order)
        self.escalated = set(escalated)
        ids = [r.local_id for r in self.queue]
        self.index = ids.index(current.local_id) if current and current.local_id in ids else 0
        if not self.queue:
            self.hide()
            return
        self._render()
        self.show()
        self.raise_()

    def bring_to_front(self, local_id: int) -> None:
        ids = [r.local_id for r in self.queue]
        if local_id in ids:
            self.index = ids.index(local_id)
            self._render()
            self.raise_()

    def current(self) -> WarningRecord | None:
        return self.queue[self.index] if 0 <= self.index < len(self.queue) else None

    def _render(self) -> None:
        record = self.current()
        message = record.message
        escalated = record.local_id in self.escalated
        colour = levels.of(message.level).colour
        ink = "#1a1200" if message.level == "yellow" else "#ffffff"
        self.big = big = self.scale * (1.4 if escalated else 1.0)
        self.level_badge.setText(message.level_name + ("（已升级）" if escalated else ""))
        self.level_badge.setStyleSheet(f"background:{colour}; color:{ink}; font-weight:bold; "
                                       f"font-size:{round(22 * big)}px; padding:{round(4 * big)}px "
                                       f"{round(12 * big)}px; border-radius:4px;")
        self.setStyleSheet(f"#warningPopup {{ background:{SURFACE}; border:{round(3 * big)}px solid {colour}; "
                           f"border-radius:8px; }} QLabel {{ color:{TEXT}; }} "
                           f"#warningHeadline {{ font-size:{round(22 * big)}px; font-weight:bold; }} "
                           f"#warningDetails, #warningQueue, #warningCounter {{ color:{TEXT_DIM}; "
                           f"font-size:{round(15 * big)}px; }} "
                           f"#warningBody {{ background:transparent; border:none; color:{TEXT}; }} "
                           f"QPushButton {{ border:1px solid {BORDER}; padding:6px 14px; "
                           f"font-size:{round(15 * big)}px; }} "
                           f"#warningAck {{ background:{colour}; color:{ink}; font-weight:bold; }}")
        self.counter.setText(f"{self.index + 1} / {len(self.queue)}")
        drill = "【演练】" if message.status in ("Exercise", "Test") or message.source == "drill" else ""
        kind = "【更新】" if message.msg_type == "Update" else ""
        self.full_headline = f"{drill}{kind}{message.headline or '（无标题）'}"
        source = SOURCE_NAMES.get(message.source, message.source)
        if message.is_cap_source:
            source += f"：{message.sender_name or message.sender}"
        lines = [f"区域：{message.area_name or '未注明'}" + (f"（{message.adcode}）" if message.adcode else ""),
                 f"发布：{when(message.sent)}"
                 + (f"　有效至：{when(message.expires)}{message.expiry_note}" if message.expires else ""),
                 f"来源：{source}" + (f"　{message.signature_words}" if message.signature_words else "")]
        if message.domain or message.item_name:
            lines.append(f"类别：{' · '.join(x for x in (message.domain, message.item_name) if x)}")
        # What to do comes before the long texts, so a megabyte of description never buries it.
        self.sections = ((capped("\n".join(lines)), round(15 * big), TEXT_DIM, False),)
        if message.instruction:
            self.sections += ((f"处置要求：{capped(message.instruction)}", round(17 * big), TEXT, False),)
        if message.description:
            self.sections += ((f"详情：{capped(message.description)}", round(16 * big), TEXT, False),)
        groups = grouped_by_level(self.queue)
        self.queue_summary.setText("待确认：" + "　".join(
            f"{levels.of(level).name if level in levels.RANK else '未定级'}{len(items)}条" for level, items in groups))
        self.locate_button.setEnabled(message.lon is not None or bool(message.adcode) or bool(message.areas))
        for button in (self.previous_button, self.next_button):
            button.setEnabled(len(self.queue) > 1)
        self._place()

    # ------------------------------------------------------------ actions

    def _step(self, delta: int) -> None:
        if self.queue:
            self.index = (self.index + delta) % len(self.queue)
            self._render()

    def _acknowledge(self) -> None:
        if (record := self.current()) is not None and not self.display_only:
            self.acknowledge_requested.emit(record.local_id)

    def _locate(self) -> None:
        if (record := self.current()) is not None:
            self.locate_requested.emit(record.local_id)

    # ------------------------------------------------------------ placement: top right, over the window

    def _room(self) -> QRect:
        """Where the card may go, in the window's coordinates: the window less what lies off its screen
        (a window taller than the screen, or under a task bar, must not take the button with it)."""
        parent = self.parentWidget()
        width = min(parent.width(), round(560 * self.scale))
        column = QRect(parent.mapToGlobal(QPoint(parent.width() - width, 0)), QSize(width, parent.height()))

        def overlap(screen: QScreen) -> int:  # the card's screen: where most of its column at the right is
            shared = screen.availableGeometry() & column
            return shared.width() * shared.height()

        screen = max(QGuiApplication.screens(), key=overlap)
        available = (screen if overlap(screen) else parent.screen()).availableGeometry()
        room = parent.rect() & QRect(parent.mapFromGlobal(available.topLeft()), available.size())
        return room if not room.isEmpty() else parent.rect()

    def _place(self) -> None:
        if self.current() is None:
            return
        room, margin = self._room(), round(20 * self.scale)
        width = max(1, min(round(560 * self.scale), room.width() - 2 * margin))
        top = max(room.top() + margin, round(90 * self.scale))
        self.setFixedWidth(width)
        self._fit(width)
        layout = self.layout()
        wanted = (layout.totalHeightForWidth(width) if layout.hasHeightForWidth()
                  else layout.totalSizeHint().height())
        self.setFixedHeight(max(1, min(wanted, room.bottom() + 1 - margin - top)))
        self.move(room.right() + 1 - margin - width, top)

    def _fit(self, width: int) -> None:
        """The headline cut to the card's lines; when cut, the body ends with it in full (or nearly)."""
        sides = self.contentsMargins() + self.layout().contentsMargins()
        inner = width - sides.left() - sides.right()
        self.headline.ensurePolished()  # its font from the card's style sheet
        shown, cut = clipped(self.full_headline, self.headline.font(), inner, HEADLINE_LINES)
        self.headline.setText(shown)
        title = ((f"标题全文：{capped(self.full_headline)}", round(17 * self.big), TEXT, True),) if cut else ()
        self.body.show_sections(self.sections + title, round(6 * self.big))
        self.body.measure(inner)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (watched is self.parentWidget() and event.type() in (QEvent.Type.Resize, QEvent.Type.Move)
                and self.isVisible()):
            QTimer.singleShot(0, self, self._place)  # after the window's own handling (it may rescale margins)
        return False
