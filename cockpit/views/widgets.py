"""Small widgets and helpers every view uses: steady labels, loosened titles, state badges, times."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from cockpit.core.formats import format_age
from cockpit.core.store import Entry, State
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


def fixed_by_the_grid(widget: QWidget) -> None:
    """The wall's cells are sized by the catalogue and the screen alone: nothing a panel shows (a long
    name, a huge figure) can move its neighbours or push the wall off-screen; content is cut instead."""
    widget.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
    widget.setMinimumSize(1, 1)  # an explicit minimum: the layout inside no longer sets one


def show_as_of(label: QLabel, entry: Entry | None, pattern: str) -> None:
    """The data time, flagged when it cannot be believed (ahead of the server's clock)."""
    text = short_time(entry.as_of, pattern) if entry and entry.as_of else ""
    problem = entry.time_problem if entry else None
    label.setText(f"⚠ {text}" if problem and text else text)
    label.setToolTip("\n".join(filter(None, [f"数据时间 {entry.as_of}" if entry and entry.as_of else "", problem])))


def shows_stale(entry: Entry | None) -> bool:
    """A picture is on screen, but old or its last update failed."""
    return entry is not None and entry.state is State.STALE and entry.payload is not None


def stale_banner(banner: LinesLabel, entry: Entry | None, server_now: datetime | None) -> None:
    """The loud line over a stale picture: how long since the server last confirmed it, and why;
    hidden when the entry shows no stale picture."""
    if not shows_stale(entry):
        banner.hide()
        return
    age = entry.age_s(server_now) if server_now is not None else None
    when = f"最后更新于{format_age(age)}" if age is not None else "更新时间未知"
    source = "离线缓存 · " if entry.from_cache else ""
    reason = f"\n{entry.error}" if entry.error else ""
    banner.set_lines(f"⚠ 数据过期：{source}{when}{reason}")
    banner.show()


def opaque_on(label: QLabel, ground: str) -> None:
    """A label that fills its own box with the flat `ground` it sits on: a new text then repaints the
    label alone, not the styled panel beneath it as well (16 panel repaints a frame)."""
    colours = label.palette()
    colours.setColor(QPalette.ColorRole.Window, QColor(ground))
    label.setPalette(colours)
    label.setBackgroundRole(QPalette.ColorRole.Window)
    label.setAutoFillBackground(True)


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
    when a text needs more room than the label has (it grows, never shrinks, until restyled).
    A text longer than `MAX_CHARS` is cut (full text in the tooltip): no value grows it for good."""

    MAX_CHARS = 60

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        text = text.replace("\n", " ")  # one line: its height is its font's
        if len(text) > self.MAX_CHARS:
            self.setToolTip(text)
            text = text[:self.MAX_CHARS - 1] + "…"
        elif self.text().endswith("…"):
            self.setToolTip("")  # the tooltip held the cut text's whole
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


class LinesLabel(QLabel):
    """A label whose lines are cut to its width with "…" (full text in the tooltip): never taller than its lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        loosen(self)

    MAX_LINES, MAX_LINE_CHARS = 4, 400  # beyond this nobody reads a banner; eliding it would be slow

    def set_lines(self, text: str) -> None:
        lines = [line[:self.MAX_LINE_CHARS] for line in text.split("\n")[:self.MAX_LINES]]
        self.full_text = "\n".join(lines)
        self.setToolTip(self.full_text)
        self._fit()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        room = max(0, self.contentsRect().width() - 2 * self.margin())
        metrics = self.fontMetrics()
        self.setText("\n".join(metrics.elidedText(line, Qt.TextElideMode.ElideRight, room)
                               for line in self.full_text.split("\n")))
