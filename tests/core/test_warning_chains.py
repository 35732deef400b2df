"""Update and Cancel chains in the cockpit's inbox: the same end state for every arrival order, across
feeds and restarts, with real messages (tests/data/cap/world2) and generated chains."""

from __future__ import annotations

import itertools
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.core.warning.inbox import Inbox
from cockpit.core.warning.model import WarningMessage, from_cap
from kernel.cap import parse_cap
from kernel.cap.chain import Link, chain_states
from tests.conftest import DATA

WORLD2 = DATA / "cap" / "world2"
CHAIN = ("derived_chain_1_alert.xml", "cap12_spec_a3_earthquake_update_circle.xml", "derived_chain_3_bare_cancel.xml")
FEEDS = ("https://feed-a.example.cn/cap.atom", "https://feed-b.example.cn/cap.atom")
NOW = datetime(2003, 6, 11, 22, 0, tzinfo=UTC)  # the chain's own evening: nothing has expired yet


def chain_messages(origin: str) -> list[WarningMessage]:
    return [from_cap(parse_cap((WORLD2 / name).read_bytes()), origin) for name in CHAIN]


def end_states(inbox: Inbox) -> dict[str, str]:
    return {record.message.identifier: record.state for record in inbox.records()}


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
@pytest.mark.parametrize("how", ["one feed", "two feeds", "a restart between"])
def test_every_order_ends_with_the_whole_chain_cancelled(tmp_path, order, how):
    inbox = Inbox(tmp_path / "warnings.sqlite")
    for step, index in enumerate(order):
        origin = FEEDS[step % 2] if how == "two feeds" else FEEDS[0]
        inbox.receive([chain_messages(origin)[index]], NOW)
        if how == "two feeds":  # the other feed delivers the same message again, later
            inbox.receive([chain_messages(FEEDS[(step + 1) % 2])[index]], NOW)
        if how == "a restart between" and step == 0:
            inbox.close()
            inbox = Inbox(tmp_path / "warnings.sqlite")
    assert end_states(inbox) == {"TRI13970876.1": "cancelled", "TRI13970876.2": "cancelled",
                                 "TRI13970876.3": "cancelled"}
    assert inbox.needing_attention() == [] and inbox.count() == 3
    inbox.close()


def test_a_cancel_that_comes_first_is_applied_when_its_alert_arrives(tmp_path):
    alert, _update, cancel = chain_messages(FEEDS[0])
    inbox = Inbox(tmp_path / "warnings.sqlite")
    assert [c.event for c in inbox.receive([cancel], NOW)] == ["received"]
    changes = inbox.receive([alert], NOW)
    assert [(c.event, c.record.state) for c in changes] == [("received", "cancelled")]
    assert not changes[0].record.wants_attention  # never popped up as live
    inbox.close()


# ------------------------------------------------------------ generated chains

T0 = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@st.composite
def chains(draw) -> list[WarningMessage]:
    """2-6 messages; each Update/Cancel references some earlier ones (or one never sent)."""
    count = draw(st.integers(2, 6))
    messages: list[WarningMessage] = []
    for index in range(count):
        msg_type = "Alert" if index == 0 else draw(st.sampled_from(("Alert", "Update", "Cancel")))
        earlier = [m for m in messages]
        refs = draw(st.lists(st.sampled_from(earlier), unique_by=lambda m: m.identifier, max_size=3)) \
            if msg_type != "Alert" and earlier else []
        names = [(m.identifier, m.sender, m.sent.isoformat()) for m in refs]
        if msg_type != "Alert" and draw(st.booleans()):
            names.append(("NEVER-SENT", "someone@example.cn", T0.isoformat()))
        sent = T0 + timedelta(minutes=10 * index)
        messages.append(WarningMessage(
            id=f"CAP-{index}", origin=FEEDS[0], source="feed", identifier=f"M{index}", sender="w@example.cn",
            sent=sent, msg_type=msg_type, references=tuple(names), level="orange", headline=f"message {index}",
            state="cancelled" if msg_type == "Cancel" else "active"))
    return messages


@settings(max_examples=40, deadline=None, derandomize=True)
@given(chains(), st.randoms(use_true_random=False))
def test_a_generated_chain_ends_the_same_whatever_the_order(messages, random):
    shuffled = list(messages)
    random.shuffle(shuffled)
    with tempfile.TemporaryDirectory() as folder:
        ends = []
        for order in (messages, shuffled):
            inbox = Inbox(Path(folder) / f"{len(ends)}.sqlite")
            for message in order:
                inbox.receive([message], T0)
            ends.append(end_states(inbox))
            inbox.close()
    assert ends[0] == ends[1]
    expected = chain_states(Link(m.key, m.msg_type, tuple(m.reference_keys), m.sent) for m in messages)
    assert ends[0] == {key[0]: state for key, state in expected.items()}


def test_cancelling_an_alert_cancels_the_updates_sent_before_the_cancel_not_after():
    def link(name: str, msg_type: str, minutes: int, *refs: str) -> Link:
        return Link((name, "s", str(minutes)), msg_type, tuple((r, "s", str(m)) for r, m in refs),
                    T0 + timedelta(minutes=minutes))
    alert = link("A", "Alert", 0)
    update = link("U", "Update", 10, ("A", 0))
    cancel = link("C", "Cancel", 20, ("A", 0))  # names only the Alert
    reissue = link("R", "Update", 30, ("U", 10))  # after the Cancel: a new warning
    states = chain_states([reissue, cancel, update, alert])
    assert states == {("A", "s", "0"): "cancelled", ("U", "s", "10"): "cancelled",
                      ("C", "s", "20"): "cancelled", ("R", "s", "30"): "active"}


# ------------------------------------------------------------ through the central API

def test_the_cockpit_gets_every_area_the_signature_and_the_chain_from_the_central_api(central_server, tmp_path):
    """Real messages ingested by a real server, read by the cockpit's feed client into its inbox."""
    from cockpit.core.warning import CentralFeed
    from tests.conftest import ADMIN_TOKEN

    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/cap+xml"}
    for name in ("derived_ca_eccc_unsigned.xml", "bf_signed_valid.xml", "cap12_spec_a1_homeland.xml",
                 *reversed(CHAIN)):
        answer = requests.post(f"{central_server.url}/api/v1/warnings", data=(WORLD2 / name).read_bytes(),
                               headers=headers, timeout=30)
        assert answer.status_code == 201, answer.text[:300]
    feed = CentralFeed(central_server.url, wait_s=0)
    inbox = Inbox(tmp_path / "warnings.sqlite")
    cursor = None
    while batch := feed.fetch(cursor):
        assert batch.problems == []
        if not batch.messages:
            break
        inbox.receive(batch.messages, batch.server_now, cursor=batch.cursor)
        cursor = batch.cursor
    by_identifier = {r.message.identifier: r for r in inbox.records()}
    eccc = next(r for i, r in by_identifier.items() if i.startswith("urn:oid:2.49.0.1.124"))
    assert len(eccc.message.areas) == 8 and all(len(a.polygons) == 1 for a in eccc.message.areas)
    burkina = next(r for r in by_identifier.values() if r.message.sender == "https://www.meteoburkina.bf/")
    assert burkina.message.signature == "valid" and burkina.message.signer
    assert "签名已验证" in burkina.message.signature_words
    assert eccc.message.signature == "unsigned" and eccc.message.signature_words == "未签名"
    homeland = by_identifier["43b080713727"]
    assert homeland.message.expires_assumed and homeland.message.expires is not None
    assert {by_identifier[f"TRI13970876.{n}"].state for n in (1, 2, 3)} == {"cancelled"}
    inbox.close()
    feed.close()


def test_only_a_senders_own_messages_change_it_and_an_unsigned_one_never_changes_a_signed_one():
    def link(name: str, sender: str, msg_type: str, signed: bool, *refs: tuple[str, str]) -> Link:
        return Link((name, sender, "t"), msg_type, tuple((r, s, "t") for r, s in refs), T0, signed)
    alert = link("A", "met", "Alert", True)
    forged = link("X", "met", "Cancel", False, ("A", "met"))  # names the sender, carries no signature
    stranger = link("Y", "evil", "Cancel", True, ("A", "met"))  # signed, but by someone else
    assert chain_states([alert, forged, stranger])[("A", "met", "t")] == "active"
    genuine = link("C", "met", "Cancel", True, ("A", "met"))
    assert chain_states([forged, genuine, alert])[("A", "met", "t")] == "cancelled"
    plain = link("P", "w", "Alert", False)
    assert chain_states([plain, link("Q", "w", "Cancel", False, ("P", "w"))])[("P", "w", "t")] == "cancelled"
