"""The warning popup: a non-modal card over the cockpit window, never a dialog that blocks it.

It shows the most severe unacknowledged warning first, says the level in words
(红色预警, not colour alone), and counts the rest of the queue by level.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cockpit.charts.palette import BORDER, SURFACE, TEXT, TEXT_DIM
from cockpit.core.warning import WarningRecord, grouped_by_level, severity_order
from kernel import levels
from kernel.clock import CITY_TZ

SOURCE_NAMES = {"simulator": "指挥中心预警模型", "drill": "演练", "cap": "外部CAP预警（经中心）", "feed": "外部CAP预警源"}


def when(moment: datetime | None) -> str:
    return moment.astimezone(CITY_TZ).strftime("%m-%d %H:%M") if moment else "—"


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
        self.level_badge = QLabel(objectName="warningLevel")
        self.counter = QLabel(objectName="warningCounter")
        self.headline = QLabel(objectName="warningHeadline", wordWrap=True)
        self.details = QLabel(objectName="warningDetails", wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.instruction = QLabel(objectName="warningInstruction", wordWrap=True)
        self.queue_summary = QLabel(objectName="warningQueue", wordWrap=True)
        self.locate_button = QPushButton("地图定位", clicked=self._locate)
        self.previous_button = QPushButton("上一条", clicked=lambda: self._step(-1))
        self.next_button = QPushButton("下一条", clicked=lambda: self._step(1))
        self.ack_button = QPushButton("确认收到", objectName="warningAck", clicked=self._acknowledge)
        self.ack_button.setVisible(not display_only)
        self.display_note = QLabel("大屏仅显示：请在指挥席确认", objectName="warningDetails")
        self.display_note.setVisible(display_only)

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
        for label in (self.headline, self.details, self.instruction, self.queue_summary):
            layout.addWidget(label)
        layout.addLayout(buttons)
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
        self._place()
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
        big = self.scale * (1.4 if escalated else 1.0)
        self.level_badge.setText(message.level_name + ("（已升级）" if escalated else ""))
        self.level_badge.setStyleSheet(f"background:{colour}; color:{ink}; font-weight:bold; "
                                       f"font-size:{round(22 * big)}px; padding:{round(4 * big)}px "
                                       f"{round(12 * big)}px; border-radius:4px;")
        self.setStyleSheet(f"#warningPopup {{ background:{SURFACE}; border:{round(3 * big)}px solid {colour}; "
                           f"border-radius:8px; }} QLabel {{ color:{TEXT}; }} "
                           f"#warningHeadline {{ font-size:{round(22 * big)}px; font-weight:bold; }} "
                           f"#warningDetails, #warningQueue, #warningCounter {{ color:{TEXT_DIM}; "
                           f"font-size:{round(15 * big)}px; }} "
                           f"#warningInstruction {{ font-size:{round(17 * big)}px; }} "
                           f"QPushButton {{ border:1px solid {BORDER}; padding:6px 14px; "
                           f"font-size:{round(15 * big)}px; }} "
                           f"#warningAck {{ background:{colour}; color:{ink}; font-weight:bold; }}")
        self.counter.setText(f"{self.index + 1} / {len(self.queue)}")
        drill = "【演练】" if message.status in ("Exercise", "Test") or message.source == "drill" else ""
        kind = "【更新】" if message.msg_type == "Update" else ""
        self.headline.setText(f"{drill}{kind}{message.headline or '（无标题）'}")
        source = SOURCE_NAMES.get(message.source, message.source)
        if message.is_cap_source:
            source += f"：{message.sender_name or message.sender}"
        lines = [f"区域：{message.area_name or '未注明'}" + (f"（{message.adcode}）" if message.adcode else ""),
                 f"发布：{when(message.sent)}" + (f"　有效至：{when(message.expires)}" if message.expires else ""),
                 f"来源：{source}"]
        if message.domain or message.item_name:
            lines.append(f"类别：{' · '.join(x for x in (message.domain, message.item_name) if x)}")
        self.details.setText("\n".join(lines))
        self.instruction.setText(f"处置要求：{message.instruction}" if message.instruction else "")
        self.instruction.setVisible(bool(message.instruction))
        groups = grouped_by_level(self.queue)
        self.queue_summary.setText("待确认：" + "　".join(
            f"{levels.of(level).name if level in levels.RANK else '未定级'}{len(items)}条" for level, items in groups))
        self.locate_button.setEnabled(message.lon is not None or bool(message.adcode))
        for button in (self.previous_button, self.next_button):
            button.setEnabled(len(self.queue) > 1)
        self.adjustSize()

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

    def _place(self) -> None:
        parent = self.parentWidget()
        width = min(round(560 * self.scale), max(320, parent.width() - 40))
        self.setFixedWidth(width)
        self.adjustSize()
        self.move(parent.width() - width - round(20 * self.scale), round(90 * self.scale))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False
