"""The warning inbox: dedupe, Update/Cancel through references, expiry, acks, the cursor, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cockpit.core.warning import CENTRAL, Inbox, WarningMessage, from_api, from_cap
from kernel.cap import parse_cap
from kernel.clock import CITY_TZ

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=CITY_TZ)
SENDER = "cockpit-central@nantong.gov.cn"


def msg(n: int, *, msg_type: str = "Alert", refs: tuple = (), level: str = "red", expires_in: float | None = 3600,
        sent: datetime | None = None, origin: str = CENTRAL, state: str = "active") -> WarningMessage:
    sent = sent or T0 + timedelta(minutes=n)
    return WarningMessage(
        id=f"W{n:06d}", origin=origin, source="simulator", identifier=f"urn:oid:2.49.0.1.156.0.320600.2026.{n}",
        sender=SENDER, sent=sent, msg_type=msg_type, references=tuple((m.identifier, m.sender, m.sent.isoformat())
                                                                       for m in refs),
        level=level, headline=f"预警 {n}", expires=sent + timedelta(seconds=expires_in) if expires_in else None,
        state=state)


@pytest.fixture
def inbox(tmp_path):
    box = Inbox(tmp_path / "warnings.sqlite")
    yield box
    box.close()


def test_a_message_is_received_once_however_often_it_arrives(inbox):
    first = msg(1)
    changes = inbox.receive([first, first], T0)
    assert [c.event for c in changes] == ["received"]
    assert inbox.receive([first], T0) == []
    assert inbox.count() == 1
    record = inbox.find("W000001")
    assert record.state == "active" and record.wants_attention and record.message == first


def test_the_same_cap_message_in_another_offset_or_from_another_source_is_a_duplicate(inbox):
    first = msg(1)
    same_moment = msg(1, sent=first.sent.astimezone(UTC), origin="https://feeds.example.cn/cap.atom")
    assert inbox.receive([first], T0) and inbox.receive([same_moment], T0) == []


def test_same_id_but_another_cap_message_is_not_dropped(inbox):
    """A central database that was replaced reuses ids; the CAP key tells the messages apart."""
    inbox.receive([msg(1)], T0)
    reused = msg(1, sent=T0 + timedelta(days=3))
    assert [c.event for c in inbox.receive([reused], T0)] == ["received"]
    assert inbox.find("W000001").message.sent == reused.sent


def test_update_supersedes_and_cancel_cancels_through_references(inbox):
    alert = msg(1)
    update = msg(2, msg_type="Update", refs=(alert,))
    cancel = msg(3, msg_type="Cancel", refs=(alert, update))
    inbox.receive([alert], T0)
    changes = inbox.receive([update], T0)
    assert [(c.event, c.record.id) for c in changes] == [("received", "W000002"), ("updated", "W000001")]
    assert inbox.find("W000002").wants_attention and not inbox.find("W000001").wants_attention
    changes = inbox.receive([cancel], T0)
    assert [(c.event, c.record.id) for c in changes] == [
        ("received", "W000003"), ("cancelled", "W000001"), ("cancelled", "W000002")]
    assert inbox.find("W000003").state == "cancelled"  # a Cancel is recorded, never shown
    assert inbox.needing_attention() == []


def test_a_cancel_that_arrives_before_its_alert_still_applies(inbox):
    alert = msg(1)
    inbox.receive([msg(2, msg_type="Cancel", refs=(alert,))], T0)
    (change,) = inbox.receive([alert], T0)
    assert change.record.state == "cancelled" and not change.record.wants_attention


def test_references_match_whatever_offset_they_write_sent_in(inbox):
    alert = msg(1)
    inbox.receive([alert], T0)
    cancel = parse_cap(f"""<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
        <identifier>X-9</identifier><sender>{SENDER}</sender><sent>2026-11-24T13:00:00-00:00</sent>
        <status>Actual</status><msgType>Cancel</msgType><scope>Public</scope>
        <references>{SENDER},{alert.identifier},{alert.sent.astimezone(UTC).isoformat()}</references>
        </alert>""".encode())
    changes = inbox.receive([from_cap(cancel, "https://feeds.example.cn/cap")], T0)
    assert ("cancelled", "W000001") in [(c.event, c.record.id) for c in changes]


def test_expiry_is_judged_by_the_server_clock_given(inbox):
    inbox.receive([msg(1, expires_in=60), msg(2, expires_in=None)], T0)
    assert inbox.expire(T0 + timedelta(seconds=30)) == []
    changes = inbox.expire(T0 + timedelta(minutes=2))  # W1 sent at T0+1min, expires at T0+2min
    assert [(c.event, c.record.id) for c in changes] == [("expired", "W000001")]
    assert inbox.expire(T0 + timedelta(days=9)) == []  # no expiry: stays


def test_an_already_expired_or_cancelled_message_arrives_quietly(inbox):
    """After a long outage the backlog must not pop warnings that are over."""
    changes = inbox.receive([msg(1, expires_in=60), msg(2, state="cancelled")], T0 + timedelta(hours=5))
    assert [(c.event, c.record.state) for c in changes] == [
        ("received", "expired"), ("expired", "expired"), ("received", "cancelled")]
    assert inbox.needing_attention() == []


def test_the_cursor_is_stored_with_the_messages_and_survives_a_restart(tmp_path):
    path = tmp_path / "warnings.sqlite"
    box = Inbox(path)
    assert box.cursor is None
    box.receive([msg(1), msg(2)], T0, cursor="c2")
    box.close()
    box = Inbox(path)
    assert box.cursor == "c2" and box.count() == 2
    box.receive([msg(2), msg(3)], T0, cursor="c3")
    assert box.count() == 3 and box.cursor == "c3"
    box.close()


def test_a_failed_batch_stores_neither_messages_nor_cursor(inbox):
    inbox.receive([msg(1)], T0, cursor="c1")
    broken = msg(2)
    object.__setattr__(broken, "sent", "not a time")  # a bug half-way through the batch
    with pytest.raises(AttributeError):
        inbox.receive([msg(3), broken], T0, cursor="c3")
    assert inbox.cursor == "c1" and inbox.count() == 1


def test_ack_is_stored_first_then_sent_and_retried_until_accepted(tmp_path):
    path = tmp_path / "warnings.sqlite"
    box = Inbox(path)
    box.receive([msg(1)], T0)
    local_id = box.find("W000001").local_id
    record = box.acknowledge(local_id, "张三", "wall-1", T0)
    assert record.acknowledged and record.acked_by == "张三" and not record.wants_attention
    assert box.acknowledge(local_id, "李四", "wall-2", T0) is None  # once
    (pending,) = box.pending_acks()
    box.ack_failed(pending.ack_id, "中央接口无法连接")
    box.close()
    box = Inbox(path)  # a crash or restart in between
    (again,) = box.pending_acks()
    assert again.ack_id == pending.ack_id and again.attempts == 1 and again.by == "张三"
    box.ack_sent(again.ack_id, T0)
    assert box.pending_acks() == [] and box.ack_state(local_id) == ("sent", "中央接口无法连接")
    box.close()


def test_a_feed_only_warning_is_acknowledged_locally_with_nobody_to_tell(inbox):
    inbox.receive([msg(1, origin="https://feeds.example.cn/cap")], T0)
    record = inbox.records()[0]
    inbox.acknowledge(record.local_id, "张三", "desk", T0)
    assert inbox.pending_acks() == [] and inbox.ack_state(record.local_id)[0] == "local"


def test_shown_then_reminded(inbox):
    inbox.receive([msg(1)], T0)
    local_id = inbox.find("W000001").local_id
    assert inbox.note_shown(local_id, T0) == "shown"
    assert inbox.note_shown(local_id, T0 + timedelta(minutes=2)) == "reminded"
    record = inbox.get(local_id)
    assert record.first_shown_at == T0 and record.reminders == 1
    assert record.last_shown_at == T0 + timedelta(minutes=2)


def test_history_filters(inbox):
    inbox.receive([msg(1, level="red"), msg(2, level="blue"), msg(3, level="orange", expires_in=1)], T0)
    inbox.expire(T0 + timedelta(hours=1))
    assert [r.id for r in inbox.records()] == ["W000003", "W000002", "W000001"]
    assert [r.id for r in inbox.records(levels=("red", "orange"))] == ["W000003", "W000001"]
    assert [r.id for r in inbox.records(states=("expired",))] == ["W000003"]


def test_the_central_feed_item_becomes_a_message():
    item = {"id": "W000042", "identifier": "urn:oid:2.49.0.1.156.0.320600.2026.42", "sender": SENDER,
            "msg_type": "Update", "references": [{"sender": SENDER, "identifier": "urn:x", "sent":
                                                  "2026-11-24T20:00:00+08:00"}],
            "severity": "orange", "headline": "通州区金沙街道疑似群租房集中", "instruction": "核查",
            "item": {"code": "SZ-07", "name": "群租房风险"}, "domain": "社会治理",
            "sent": "2026-11-24T20:15:00+08:00", "expires": None,
            "area": {"name": "通州区金沙街道", "adcode": "320612001", "polygon": None, "circle": None},
            "lon": 121.07, "lat": 32.09, "source": "cap", "state": "active", "acks": []}
    message = from_api(item)
    assert message.level_name == "橙色预警" and message.adcode == "320612001" and message.is_cap_source
    assert message.references == (("urn:x", SENDER, "2026-11-24T20:00:00+08:00"),)
    assert WarningMessage.from_json(message.to_json()) == message
    with pytest.raises(ValueError, match="W000043"):
        from_api({"id": "W000043", "sender": SENDER})
