"""The warning popup and list on screen (pytest-qt): non-modal, level in words, acknowledge, escalate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from cockpit.core.warning import AuditLog, Inbox, ReminderPolicy, WarningMessage, WarningService, read_audit
from cockpit.views.warning import LevelSounds, WarningCenter
from kernel import levels

NOW = datetime.now(UTC).replace(microsecond=0)


def message(n: int, level: str, headline: str, **extra) -> WarningMessage:
    return WarningMessage(id=f"W{n:06d}", origin="central", source="simulator", identifier=f"urn:test:{n}",
                          sender="cockpit-central@nantong.gov.cn", sent=NOW + timedelta(seconds=n), level=level,
                          headline=headline, area_name="通州区金沙街道", adcode="320612001", lon=121.07, lat=32.09,
                          instruction="立即组织人员核查", expires=NOW + timedelta(hours=2), **extra)


@pytest.fixture
def wall(qtbot, tmp_path):
    window = QWidget()
    window.resize(1280, 800)
    other = QPushButton("专题图", window)  # something else on the window that must stay usable
    QVBoxLayout(window).addWidget(other)
    qtbot.addWidget(window)
    window.show()
    inbox = Inbox(tmp_path / "warnings.sqlite")
    service = WarningService(inbox, audit=AuditLog(tmp_path / "audit.jsonl"),
                             policy=ReminderPolicy(popup_levels=levels.at_least("blue")))  # every level pops here
    yield window, other, inbox, service
    inbox.close()


def test_the_popup_is_non_modal_names_the_level_and_acknowledges(qtbot, wall, tmp_path):
    window, other, inbox, service = wall
    center = WarningCenter(window, service, sounds=False, user="张三", client_name="desk-1")
    flights, other_clicks = [], []
    center.warning_located.connect(lambda m: flights.append((m.lon, m.lat, m.adcode)))
    other.clicked.connect(lambda: other_clicks.append(1))
    service.receive([message(1, "blue", "蓝色小事"), message(2, "red", "暴雨红色预警"),
                     message(3, "orange", "疑似群租房集中")], NOW)
    popup = center.popup

    assert popup.isVisible() and not popup.isWindow() and not popup.isModal()
    assert QApplication.activeModalWidget() is None
    assert popup.level_badge.text() == "红色预警"  # the level in words, not colour alone
    assert "暴雨红色预警" in popup.headline.text()
    body = popup.body.toPlainText()
    assert "通州区金沙街道" in body and "来源" in body and "处置要求：立即组织人员核查" in body
    assert "红色1条" in popup.queue_summary.text() and "橙色1条" in popup.queue_summary.text()
    assert flights == [(121.07, 32.09, "320612001")]  # the map flies to the most severe new warning
    qtbot.mouseClick(other, Qt.MouseButton.LeftButton)
    assert other_clicks == [1]  # the window behind still works

    qtbot.mouseClick(popup.ack_button, Qt.MouseButton.LeftButton)
    assert inbox.find("W000002").acked_by == "张三"
    assert popup.level_badge.text() == "橙色预警"  # next most severe
    (pending,) = inbox.pending_acks()
    assert pending.warning_id == "W000002" and pending.client == "desk-1"
    events = [(e["event"], e["warning_id"]) for e in read_audit(tmp_path / "audit.jsonl")]
    assert events.count(("shown", "W000002")) == 1 and ("acknowledged", "W000002") in events

    qtbot.mouseClick(popup.ack_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(popup.ack_button, Qt.MouseButton.LeftButton)
    assert not popup.isVisible() and inbox.needing_attention() == []


def test_a_display_only_wall_shows_but_cannot_acknowledge(qtbot, wall):
    window, _, inbox, service = wall
    center = WarningCenter(window, service, display_only=True, sounds=False)
    service.receive([message(1, "yellow", "道路积水")], NOW)
    assert center.popup.isVisible() and center.popup.level_badge.text() == "黄色预警"
    assert not center.popup.ack_button.isVisibleTo(center.popup)
    center.acknowledge(inbox.find("W000001").local_id)
    assert not inbox.find("W000001").acknowledged


def test_unacknowledged_red_is_reminded_then_escalated(qtbot, wall, tmp_path):
    window, _, inbox, service = wall
    service.policy = ReminderPolicy(remind_every_s={"red": 120}, escalate_after_s={"red": 600},
                                    popup_levels=levels.at_least("blue"))
    center = WarningCenter(window, service, sounds=False)
    service.receive([message(1, "red", "危化品企业异常复产")], NOW)
    shown_at = inbox.find("W000001").first_shown_at
    center.tick(shown_at + timedelta(seconds=119))
    assert inbox.find("W000001").reminders == 0
    center.tick(shown_at + timedelta(seconds=120))
    assert inbox.find("W000001").reminders == 1
    assert "已升级" not in center.popup.level_badge.text()
    center.tick(shown_at + timedelta(seconds=600))
    assert inbox.find("W000001").escalated_at == shown_at + timedelta(seconds=600)
    assert "已升级" in center.popup.level_badge.text()
    events = [e["event"] for e in read_audit(tmp_path / "audit.jsonl")]
    assert events[:3] == ["received", "shown", "reminded"] and "escalated" in events


def test_the_list_filters_by_level_state_and_words(qtbot, wall):
    window, _, inbox, service = wall
    center = WarningCenter(window, service, sounds=False)
    service.receive([message(1, "red", "暴雨红色预警"), message(2, "blue", "道路养护"),
                                     message(3, "orange", "群租房")], NOW)
    center.acknowledge(inbox.find("W000003").local_id)
    history = center.history
    rows = history.table.model()
    assert rows.rowCount() == 3 and rows.index(0, 1).data() == "橙色预警"
    history.level_filter.setCurrentIndex(history.level_filter.findData("red"))
    assert [r.id for r in history.shown()] == ["W000001"]
    history.level_filter.setCurrentIndex(0)
    history.state_filter.setCurrentIndex(history.state_filter.findData("acknowledged"))
    assert [r.id for r in history.shown()] == ["W000003"]
    history.state_filter.setCurrentIndex(0)
    history.search.setText("道路")
    assert rows.rowCount() == 1 and rows.index(0, 2).data() == "道路养护"


def test_sounds_never_fail_even_without_an_audio_device(qtbot):
    sounds = LevelSounds()
    for level in ("red", "orange", "yellow", "blue", "unknown"):
        sounds.play(level, loud=level == "red")
    assert sounds.played[:1] == [("red", True)] or not sounds.enabled
    assert LevelSounds(enabled=False).played == []


def test_a_click_on_the_popup_acknowledges_on_the_central_api(qtbot, central_server, tmp_path):
    """The whole path on the qasync loop, as in the app: long poll, popup, click, ack on the server."""
    import asyncio
    import time

    import qasync
    import requests

    from cockpit.core.warning import CentralFeed
    from tests.conftest import ADMIN_TOKEN

    window = QWidget()
    window.resize(1280, 800)
    qtbot.addWidget(window)
    window.show()
    inbox = Inbox(tmp_path / "warnings.sqlite")
    service = WarningService(inbox, central=CentralFeed(central_server.url, wait_s=2), ack_retry_s=0.2)
    center = WarningCenter(window, service, sounds=False, user="李四", client_name="wall-2")

    def publish() -> str:
        response = requests.post(f"{central_server.url}/api/v1/sim/warnings", timeout=5,
                                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
                                 json={"severity": "red", "headline": "化工园区异常复产", "adcode": "320612"})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    async def until(condition, what: str) -> None:
        deadline = time.monotonic() + 20
        while not condition():
            assert time.monotonic() < deadline, f"timed out waiting for {what}"
            await asyncio.sleep(0.05)

    async def scenario() -> str:
        center.start()
        warning_id = await asyncio.get_running_loop().run_in_executor(None, publish)
        await until(lambda: inbox.find(warning_id) is not None, "the warning")
        record = inbox.find(warning_id)
        center.popup.bring_to_front(record.local_id)  # the simulator may have raised others meanwhile
        assert center.popup.isVisible() and "化工园区异常复产" in center.popup.headline.text()
        qtbot.mouseClick(center.popup.ack_button, Qt.MouseButton.LeftButton)
        await until(lambda: inbox.ack_state(record.local_id) == ("sent", ""), "the ack to reach the server")
        await center.stop()
        return warning_id

    app = QApplication.instance()
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    try:
        warning_id = loop.run_until_complete(scenario())
    finally:
        loop.close()
        asyncio.set_event_loop(None)
    on_server = requests.get(f"{central_server.url}/api/v1/warnings/{warning_id}", timeout=5).json()
    assert [(a["by"], a["client"]) for a in on_server["acks"]] == [("李四", "wall-2")]
    inbox.close()
