"""The store's entries to the views that show them: one binder per window or wall.

Store callbacks only note what changed; the owner's tick applies it (`flush`), one endpoint per
event-loop turn, so seventeen payloads arriving together never freeze a screen for one long repaint.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject, QTimer

from cockpit.core.store import Entry, Store


class ViewBinder(QObject):
    def __init__(self, store: Store, parent: QObject, *,
                 on_applied: Callable[[str, Entry], None] | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.on_applied = on_applied
        self.views: dict[str, list] = {}  # endpoint -> the views showing it
        self._pending: dict[str, Entry] = dict(store.entries())
        self._unsubscribe = store.subscribe(self._on_entry)

    def register(self, endpoint: str, view, *, show_now: bool = False) -> None:
        self.views.setdefault(endpoint, []).append(view)
        if show_now:
            view.set_entry(self.store.get(endpoint), self.store.server_now())

    def unregister(self, view) -> None:
        for views in self.views.values():
            if view in views:
                views.remove(view)

    def all_views(self) -> list:
        return [view for views in self.views.values() for view in views]

    def refresh_ages(self, now: datetime | None) -> None:
        for views in self.views.values():
            for view in views:
                view.refresh_age(now)

    def flush(self, complete: bool = True) -> None:
        """Apply the entries that changed: all now (e.g. before a screenshot), or one endpoint per
        event-loop turn, letting Qt repaint between them."""
        while self._pending:
            endpoint = next(iter(self._pending))
            entry = self._pending.pop(endpoint)
            now = self.store.server_now()
            for view in self.views.get(endpoint, ()):
                view.set_entry(entry, now)
            if self.on_applied is not None:
                self.on_applied(endpoint, entry)
            if not complete:
                if self._pending:
                    QTimer.singleShot(0, self, lambda: self.flush(complete=False))  # dropped with the owner
                return

    def close(self) -> None:
        """No more entries: the owner is closing its views (a flush already queued then finds nothing to
        apply, rather than views whose widgets are gone)."""
        self._unsubscribe()
        self._pending.clear()

    def _on_entry(self, endpoint: str, entry: Entry) -> None:
        self._pending[endpoint] = entry  # applied on the next tick
