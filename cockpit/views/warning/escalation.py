"""Escalation to every screen: a banner on each screen the cockpit window does not already cover."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

from cockpit.core.warning import WarningMessage, WarningRecord, severity_order
from cockpit.views.warning.popup import clipped
from kernel import levels

PADDING = 24  # px left and right of the banner's text


class EscalationBanners(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.banners: dict[str, QLabel] = {}  # screen name -> its banner

    def show_for(self, escalated: list[WarningRecord]) -> None:
        """Banners for these escalated warnings (most severe named first); none when the list is empty."""
        screens = [] if not escalated else [
            s for s in QGuiApplication.screens() if not s.geometry().intersects(self.window.frameGeometry())]
        names = {screen.name() for screen in screens}
        for name in [n for n in self.banners if n not in names]:
            self.banners.pop(name).deleteLater()
        if not escalated:
            return
        first = min(escalated, key=severity_order).message
        more = f"（另有{len(escalated) - 1}条已升级）" if len(escalated) > 1 else ""
        ink = "#1a1200" if first.level == "yellow" else "#ffffff"
        for screen in screens:
            banner = self.banners.get(screen.name()) or self._new_banner(screen.name())
            area = screen.geometry()
            banner.setGeometry(area.x(), area.y(), area.width(), max(60, area.height() // 8))
            banner.setStyleSheet(f"background:{levels.of(first.level).colour}; color:{ink}; "
                                 f"font-size:{max(24, area.height() // 30)}px; font-weight:bold; "
                                 f"padding:0 {PADDING}px;")
            banner.setText(self._fitted(banner, first, more))
            banner.show()
            banner.raise_()

    @staticmethod
    def _fitted(banner: QLabel, first: WarningMessage, more: str) -> str:
        """On one line when it fits; else the headline cut to the lines the banner has, and the call
        to act on a line of its own (a long headline must neither push it off nor freeze the screen)."""
        banner.ensurePolished()  # its font from its style sheet
        font, width = banner.font(), banner.width() - 2 * PADDING
        head, tail = f"{first.level_name}（已升级）", f"请立即在指挥席确认{more}"
        line, cut = clipped(f"{head}　{first.headline}　{tail}", font, width, 1)
        if not cut:
            return line
        lines = banner.height() // QFontMetrics(font).lineSpacing()
        shown, _ = clipped(f"{head}　{first.headline}", font, width, max(1, lines - 1))
        return f"{shown}\n{tail}"

    def _new_banner(self, name: str) -> QLabel:
        banner = QLabel(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                        | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.WindowDoesNotAcceptFocus)
        banner.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)  # never takes the keyboard away
        banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner.setWordWrap(True)
        banner.setObjectName("escalationBanner")
        self.banners[name] = banner
        return banner
