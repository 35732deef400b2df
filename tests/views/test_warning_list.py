"""The warning list stays cheap on a wall that has run for days: a change touches its own rows only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QStackedWidget, QVBoxLayout, QWidget

import cockpit.core.warning.inbox as inbox_module
from cockpit.core.warning import Inbox, ReminderPolicy, WarningMessage, WarningService
from cockpit.views.warning import WarningCenter, WarningList
from kernel import levels

NOW = datetime.now(UTC).replace(microsecond=0)
STORED = 3000


def message(n: int, level: str = "red", headline: str = "", hours: float = 2) -> WarningMessage:
    return WarningMessage(id=f"W{n:06d}", origin="central", source="simulator", identifier=f"urn:list:{n}",
                          sender="cockpit-central@nantong.gov.cn", sent=NOW + timedelta(seconds=n), level=level,
                          headline=headline or f"预警{n}", area_name="崇川区", expires=NOW + timedelta(hours=hours))


class Signals:
    """What the list's model told its view."""

    def __init__(self, model) -> None:
        self.resets, self.inserted, self.removed, self.changed = 0, [], [], []
        model.modelReset.connect(lambda: setattr(self, "resets", self.resets + 1))
        model.rowsInserted.connect(lambda _parent, first, last: self.inserted.append((first, last)))
        model.rowsRemoved.connect(lambda _parent, first, last: self.removed.append((first, last)))
        model.dataChanged.connect(lambda top, bottom: self.changed.append((top.row(), bottom.row())))


@pytest.fixture
def reads(monkeypatch) -> list[int]:
    """Every record the inbox reads back and decodes, by local id."""
    seen: list[int] = []
    original = inbox_module._record

    def counted(row, message):
        seen.append(row["local_id"])
        return original(row, message)

    monkeypatch.setattr(inbox_module, "_record", counted)
    return seen


def test_a_new_warning_among_thousands_reads_and_rebuilds_only_its_own_row(qtbot, tmp_path, reads):
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    inbox = Inbox(tmp_path / "warnings.sqlite")
    # Days of warnings, all over by now (as on a wall that has run for a while).
    inbox.receive([message(n, hours=1) for n in range(1, STORED + 1)], NOW + timedelta(hours=3))
    service = WarningService(inbox, policy=ReminderPolicy(popup_levels=levels.at_least("blue")))
    center = WarningCenter(window, service, sounds=False, user="王五")
    history = center.history
    assert len(history.records) == 2000 and history.records[0].id == f"W{STORED:06d}"
    assert history.older_note.isVisibleTo(history)  # the rest are in the inbox, and the list says so
    signals = Signals(history.model)
    reads.clear()

    service.receive([message(STORED + 1, headline="化工园区异常复产")], NOW)
    assert len(reads) < 10, f"{len(reads)} records read for one new warning"
    assert signals.resets == 0 and signals.inserted == [(0, 0)] and signals.removed == [(2000, 2000)]
    assert history.records[0].message.headline == "化工园区异常复产"
    assert center.popup.isVisible() and "化工园区异常复产" in center.popup.headline.text()

    reads.clear()
    signals.changed.clear()
    center.acknowledge(history.records[0].local_id)
    assert len(reads) < 10 and signals.resets == 0
    assert signals.changed and set(signals.changed) == {(0, 0)}
    assert history.table.model().index(0, 5).data().startswith("王五")
    inbox.close()


def test_the_list_keeps_the_newest_and_filters_rows_as_they_come(qtbot, tmp_path):
    inbox = Inbox(tmp_path / "warnings.sqlite")
    inbox.receive([message(n, "blue" if n % 2 else "red") for n in range(1, 6)], NOW)
    records = {r.id: r for r in inbox.records()}
    listed = WarningList(keep=3)
    qtbot.addWidget(listed)
    listed.set_records(records.values())
    assert [r.id for r in listed.records] == ["W000005", "W000004", "W000003"]
    assert listed.older_note.isVisibleTo(listed)
    listed.level_filter.setCurrentIndex(listed.level_filter.findData("red"))
    assert [r.id for r in listed.shown()] == ["W000004"]

    listed.put([records["W000001"]])  # older than everything listed: stays in the inbox only
    assert len(listed.records) == 3
    inbox.receive([message(6, "red"), message(7, "blue")], NOW)
    listed.put(inbox.records(limit=2))
    assert [r.id for r in listed.records] == ["W000007", "W000006", "W000005"]
    assert [r.id for r in listed.shown()] == ["W000006"]  # the filter holds for rows that arrive later

    acked = inbox.acknowledge(listed.records[1].local_id, "赵六", "desk-2", NOW)
    listed.state_filter.setCurrentIndex(listed.state_filter.findData("waiting"))
    assert [r.id for r in listed.shown()] == ["W000006"]
    listed.put([acked])  # the change leaves the filter at once
    assert listed.shown() == []
    inbox.close()


def test_a_double_click_locates_and_the_button_acknowledges_the_selected_rows(qtbot, tmp_path):
    inbox = Inbox(tmp_path / "warnings.sqlite")
    inbox.receive([message(n, "red" if n < 3 else "blue") for n in range(1, 4)], NOW)
    listed = WarningList()
    qtbot.addWidget(listed)
    listed.resize(900, 400)
    listed.show()
    qtbot.waitExposed(listed)
    listed.set_records(inbox.records())
    listed.level_filter.setCurrentIndex(listed.level_filter.findData("red"))  # rows 0, 1: W000002, W000001
    located, acknowledged = [], []
    listed.locate_requested.connect(located.append)
    listed.acknowledge_requested.connect(acknowledged.append)
    cell = listed.table.visualRect(listed.table.model().index(1, 2)).center()
    qtbot.mouseClick(listed.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(listed.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    assert located == [inbox.find("W000001").local_id]
    listed.table.selectAll()
    qtbot.mouseClick(listed.ack_button, Qt.MouseButton.LeftButton)
    assert acknowledged == [inbox.find("W000002").local_id, inbox.find("W000001").local_id]
    inbox.close()


def test_the_list_belongs_to_the_window_and_shows_only_where_the_window_puts_it(qtbot, tmp_path):
    window = QWidget()
    qtbot.addWidget(window)
    pages = QStackedWidget()
    QVBoxLayout(window).addWidget(pages)
    pages.addWidget(QWidget())  # the situation page
    inbox = Inbox(tmp_path / "warnings.sqlite")
    center = WarningCenter(window, WarningService(inbox), sounds=False)
    window.show()
    assert center.history.parent() is window and not center.history.isVisible()  # Qt deletes it with the window
    pages.addWidget(center.history)
    pages.setCurrentWidget(center.history)
    assert center.history.isVisible() and center.history.table.isVisible()
    inbox.close()
