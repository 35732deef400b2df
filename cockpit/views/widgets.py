"""Small widgets and helpers every view uses: steady labels, loosened titles, state badges, times."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from cockpit.core.store import State
from kernel import levels

QWIDGETSIZE_MAX = (1 << 24) - 1  # Qt's "no maximum size"
STATE_WORDS = {State.LOADING: "加载中", State.OK: "正常", State.EMPTY: "无数据", State.ERROR: "故障",
               State.STALE: "数据过期"}
STATE_COLOURS = {State.LOADING: "#8ea6c9", State.OK: "#35d49a", State.EMPTY: "#8ea6c9",
                 State.ERROR: levels.of("red").colour, State.STALE: levels.of("orange").colour}


def short_time(text: str | None, pattern: str = "%m-%d %H:%M") -> str:
    """'2026-11-24T20:15:00+08:00' -> '11-24 20:15' (the payload's own clock, as sent)."""
    if not text:
        return "—"
    try:
        return datetime.fromisoformat(text).strftime(pattern)
    except ValueError:
        return text


def loosen(widget: QWidget) -> None:
    """Let a label be narrower than its text, so long titles never widen the wall's grid."""
    widget.setSizePolicy(QSizePolicy.Policy.Ignored, widget.sizePolicy().verticalPolicy())
    widget.setMinimumWidth(0)


def show_badge(badge: QLabel, state: State) -> None:
    """The state in words, coloured; hidden when all is well (the loud states stand out)."""
    badge.setVisible(state is not State.OK)
    if badge.property("state") != state.name:  # restyling costs a style pass: only when the state changes
        badge.setProperty("state", state.name)
        badge.setText(STATE_WORDS[state])
        badge.setStyleSheet(f"color: {STATE_COLOURS[state]}; border: 1px solid {STATE_COLOURS[state]};")


class SteadyLabel(QLabel):
    """A label for text that changes with the data (times, figures) without relayouting the wall.

    Its size is fixed, so a new text only repaints the label; Qt recalculates the layouts only
    when a text needs more room than the label has (it grows, never shrinks, until restyled)."""

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if text == self.text():
            return
        super().setText(text)
        if self.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
            self._fit()

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Polish:  # styled now (measuring earlier would polish it unnamed)
            self._fit()
        return handled

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        polished = self.testAttribute(Qt.WidgetAttribute.WA_WState_Polished)
        if polished and event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.setMinimumSize(0, 0)  # restyled (e.g. a new wall scale): measure afresh
            self.setMaximumSize(QWIDGETSIZE_MAX, QWIDGETSIZE_MAX)
            self._fit()

    def _fit(self) -> None:
        hint = self.sizeHint()
        if (self.minimumSize() != self.maximumSize() or hint.width() > self.minimumWidth()
                or hint.height() > self.minimumHeight()):
            self.setFixedSize(hint.expandedTo(self.minimumSize()))
