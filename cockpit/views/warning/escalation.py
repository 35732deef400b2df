"""Escalation to every screen: a banner on each screen the cockpit window does not already cover."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel, QWidget

from cockpit.core.warning import WarningRecord, severity_order
from kernel import levels


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
        text = f"{first.level_name}（已升级）　{first.headline}　请立即在指挥席确认{more}"
        ink = "#1a1200" if first.level == "yellow" else "#ffffff"
        for screen in screens:
            banner = self.banners.get(screen.name()) or self._new_banner(screen.name())
            area = screen.geometry()
            banner.setGeometry(area.x(), area.y(), area.width(), max(60, area.height() // 8))
            banner.setStyleSheet(f"background:{levels.of(first.level).colour}; color:{ink}; "
                                 f"font-size:{max(24, area.height() // 30)}px; font-weight:bold; padding:0 24px;")
            banner.setText(text)
            banner.show()
            banner.raise_()

    def _new_banner(self, name: str) -> QLabel:
        banner = QLabel(None, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint
                        | Qt.WindowType.WindowStaysOnTopHint | Qt.WindowType.WindowDoesNotAcceptFocus)
        banner.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)  # never takes the keyboard away
        banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        banner.setWordWrap(True)
        banner.setObjectName("escalationBanner")
        self.banners[name] = banner
        return banner
