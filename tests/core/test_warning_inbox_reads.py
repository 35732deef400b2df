"""Reading the inbox stays cheap as it grows: the waiting are chosen in SQL, each message is decoded once."""

from __future__ import annotations

from datetime import timedelta

import pytest

import cockpit.core.warning.inbox as inbox_module
from cockpit.core.warning import Inbox, WarningMessage
from tests.core.test_warning_inbox import T0, msg


@pytest.fixture
def inbox(tmp_path):
    box = Inbox(tmp_path / "warnings.sqlite")
    yield box
    box.close()


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    seen: list[str] = []
    original = WarningMessage.from_json

    def counted(text: str) -> WarningMessage:
        seen.append(text)
        return original(text)

    monkeypatch.setattr(WarningMessage, "from_json", staticmethod(counted))
    return seen


def test_needing_attention_is_exactly_the_records_that_want_attention(inbox):
    alert, acked, gone, updated, expired = msg(1), msg(2), msg(3), msg(4), msg(5, expires_in=60)
    inbox.receive([alert, acked, gone, updated, expired, msg(6, msg_type="Cancel", refs=(gone,)),
                   msg(7, msg_type="Update", refs=(updated,))], T0 + timedelta(minutes=10))
    inbox.acknowledge(inbox.find("W000002").local_id, "张三", "desk-1", T0)
    wanted = [r for r in inbox.records(limit=100) if r.wants_attention]
    assert [r.id for r in inbox.needing_attention()] == [r.id for r in wanted] == ["W000007", "W000001"]


def test_each_message_is_decoded_once_and_its_state_is_always_fresh(inbox, decodes):
    inbox.receive([msg(n) for n in range(1, 6)], T0)
    inbox.records()
    decodes.clear()
    assert len(inbox.records()) == 5 and len(inbox.needing_attention()) == 5
    assert decodes == []  # read again, decoded never again
    inbox.acknowledge(inbox.find("W000003").local_id, "李四", "desk-2", T0)
    assert inbox.find("W000003").acked_by == "李四" and len(inbox.needing_attention()) == 4
    assert decodes == []


def test_the_decoded_messages_kept_are_bounded(inbox, decodes, monkeypatch):
    monkeypatch.setattr(inbox_module, "DECODED_KEPT", 3)
    inbox.receive([msg(n) for n in range(1, 11)], T0)
    records = inbox.records()
    assert [r.id for r in records] == [f"W{n:06d}" for n in range(10, 0, -1)]
    assert len(inbox._decoded) == 3
    decodes.clear()
    assert inbox.get(records[-1].local_id).id == "W000001" and decodes == []  # among the last decoded
    assert inbox.get(records[0].local_id).id == "W000010" and len(decodes) == 1  # let go, decoded again
    assert len(inbox._decoded) == 3
