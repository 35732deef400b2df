"""Wires the Qt-free warning pipeline to the screen: popup, list, sound, and the map's fly-to."""

from __future__ import annotations

import getpass
import socket
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from cockpit.core.warning import Change, WarningService, severity_order
from cockpit.views.warning.escalation import EscalationBanners
from cockpit.views.warning.history import WarningList
from cockpit.views.warning.popup import WarningPopup
from cockpit.views.warning.sound import LevelSounds

IN_FORCE_SHOWN = 200  # the newest warnings in force whose areas the map draws


class WarningCenter(QObject):
    warning_located = Signal(object)  # the WarningMessage to show on the map, every area of it
    in_force_changed = Signal(list)  # the WarningRecords in force (active Alerts and Updates), for the map's areas
    changed = Signal(int)  # how many warnings wait for acknowledgement
    waiting_changed = Signal(list)  # the WarningRecords waiting for acknowledgement (a wall's pre-emption)

    def __init__(self, window: QWidget, service: WarningService, *, display_only: bool = False,
                 user: str | None = None, client_name: str | None = None, sounds: bool = True,
                 scale: float = 1.0, tick_ms: int = 1000) -> None:
        super().__init__(window)
        self.service, self.display_only = service, display_only
        self.user = user or _login_name()  # who acknowledged, for the audit trail and the central API
        self.client_name = client_name or socket.gethostname()
        self.popup = WarningPopup(window, display_only=display_only, scale=scale)
        # Owned by the window from the start (so Qt, not a garbage collection on some thread, deletes it);
        # hidden until the main window decides where it lives.
        self.history = WarningList(window, display_only=display_only)
        self.history.setVisible(False)
        # Read once; from here on each change updates only its own rows (see _on_change).
        self.history.set_records(service.inbox.records(limit=self.history.model.keep + 1))
        self.sounds = LevelSounds(self, enabled=sounds)
        self.banners = EscalationBanners(window)  # escalated warnings reach the other screens too
        self.timer = QTimer(self, interval=tick_ms)
        self.timer.timeout.connect(self.tick)
        for view in (self.popup, self.history):
            view.acknowledge_requested.connect(self.acknowledge)
            view.locate_requested.connect(self.locate)
        service.on_change = self._on_change
        self._in_force: list[tuple] | None = None

    def start(self) -> None:
        """Start receiving (on the running qasync loop) and the reminder clock."""
        self.service.start()
        self.timer.start()
        self.refresh()
        self.tick()

    async def stop(self) -> None:
        self.timer.stop()
        self.banners.show_for([])
        await self.service.stop()

    def acknowledge(self, local_id: int) -> None:
        if not self.display_only:
            self.service.acknowledge(local_id, self.user, self.client_name)

    def locate(self, local_id: int) -> None:
        self.warning_located.emit(self.service.inbox.get(local_id).message)

    def tick(self, now: datetime | None = None) -> bool:
        """Show what is new, remind what waits, escalate what waited too long (`now`: for tests).
        True if something was due (the views were refreshed)."""
        now = now or datetime.now(UTC)
        due = self.service.due(now)
        if not due:
            return False
        for action, record in due:
            if action == "escalate":
                self.service.note_escalated(record.local_id, now)
            self.service.note_shown(record.local_id, now)
        self.refresh()
        action, first = min(due, key=lambda pair: severity_order(pair[1]))
        loud = any(a == "escalate" for a, _ in due) or first.escalated_at is not None
        self.sounds.play(first.level, loud=loud)
        self.popup.bring_to_front(first.local_id)
        if action == "show":
            self.locate(first.local_id)
        return True

    def refresh(self) -> None:
        """Popup, banners and count from the waiting warnings (only those are read from the inbox)."""
        waiting = self.service.inbox.needing_attention()
        escalated = [r for r in waiting if r.escalated_at is not None]
        self.popup.show_queue([r for r in waiting if r.first_shown_at is not None],
                              {r.local_id for r in escalated})
        self.banners.show_for(escalated)
        self.history.put(waiting)  # shown, reminded, escalated: rows that did not change stay as they are
        self.changed.emit(len(waiting))
        self.waiting_changed.emit(waiting)
        self._show_in_force()

    def _show_in_force(self) -> None:
        """Tell the map which warnings are in force (acknowledged or not), when that changed."""
        in_force = [r for r in self.service.inbox.records(states=("active",), limit=IN_FORCE_SHOWN)
                    if r.message.msg_type in ("Alert", "Update")]
        keys = [(r.local_id, r.state) for r in in_force]
        if keys != self._in_force:
            self._in_force = keys
            self.in_force_changed.emit(in_force)

    def _on_change(self, changes: list[Change]) -> None:
        self.history.put(c.record for c in changes)  # each change carries its fresh record
        received = any(c.event == "received" for c in changes)
        if not (received and self.tick()):  # at once: a new warning must not wait for the next timer beat
            self.refresh()


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name known to the system (e.g. a container)
        return "值班人员"
