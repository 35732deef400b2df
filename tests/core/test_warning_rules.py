"""Reminder and escalation rules as functions of time, and the audit log."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, timedelta

from cockpit.core.warning import AuditLog, ReminderPolicy, WarningMessage, WarningRecord, read_audit
from cockpit.core.warning.rules import due_action, due_actions, grouped_by_level, next_due
from kernel import levels
from kernel.clock import CITY_TZ

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=CITY_TZ)
POLICY = ReminderPolicy()  # red: again every 120 s, escalate after 600 s; orange: 300 s / 1800 s


def record(level: str = "red", *, n: int = 1, shown: datetime | None = T0, **changes) -> WarningRecord:
    message = WarningMessage(id=f"W{n:06d}", origin="central", source="simulator", identifier=f"urn:{n}",
                             sender="s@nantong.gov.cn", sent=T0 + timedelta(seconds=n), level=level)
    base = WarningRecord(local_id=n, message=message, state="active", received_at=T0,
                         first_shown_at=shown, last_shown_at=shown)
    return replace(base, **changes)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_a_new_warning_is_due_to_be_shown_if_its_level_pops_up():
    assert due_action(record(shown=None), T0, POLICY) == "show"
    assert due_action(record("blue", shown=None), T0, POLICY) is None  # to the list, not over the wall
    every_level = replace(POLICY, popup_levels=levels.at_least("blue"))
    assert due_action(record("blue", shown=None), T0, every_level) == "show"


def test_red_comes_back_every_interval_until_acknowledged():
    red = record()
    assert due_action(red, at(119), POLICY) is None
    assert due_action(red, at(120), POLICY) == "remind"
    reminded = replace(red, last_shown_at=at(120), reminders=1)
    assert due_action(reminded, at(200), POLICY) is None
    assert due_action(reminded, at(240), POLICY) == "remind"
    assert due_action(replace(reminded, acked_at=at(230)), at(240), POLICY) is None


def test_left_too_long_it_escalates_once_then_keeps_reminding():
    red = record(last_shown_at=at(540))
    assert due_action(red, at(599), POLICY) is None
    assert due_action(red, at(600), POLICY) == "escalate"
    escalated = replace(red, escalated_at=at(600), last_shown_at=at(600))
    assert due_action(escalated, at(700), POLICY) is None
    assert due_action(escalated, at(720), POLICY) == "remind"


def test_orange_has_its_own_pace_and_yellow_blue_are_shown_once():
    assert due_action(record("orange"), at(299), POLICY) is None
    assert due_action(record("orange"), at(300), POLICY) == "remind"
    assert due_action(record("orange", last_shown_at=at(1790)), at(1800), POLICY) == "escalate"
    for level in ("yellow", "blue", ""):
        assert due_action(record(level), at(86400), POLICY) is None


def test_nothing_is_due_for_warnings_no_longer_in_force():
    for state in ("updated", "cancelled", "expired"):
        assert due_action(record(state=state, shown=None), at(9999), POLICY) is None
    cancel = record(shown=None)
    cancel = replace(cancel, message=replace(cancel.message, msg_type="Cancel"))
    assert due_action(cancel, T0, POLICY) is None


def test_a_policy_of_its_own():
    fast = ReminderPolicy(remind_every_s={"red": 10, "yellow": 30}, escalate_after_s={})
    assert due_action(record("yellow"), at(30), fast) == "remind"
    assert due_action(record(), at(9999), fast) == "remind"  # never escalates


def test_most_severe_first_newest_first_within_a_level():
    records = [record("blue", n=1, shown=None), record("red", n=2, shown=None),
               record("orange", n=3, shown=None), record("red", n=4, shown=None)]
    every_level = replace(POLICY, popup_levels=levels.at_least("blue"))
    assert [r.id for _, r in due_actions(records, T0, every_level)] == ["W000004", "W000002", "W000003", "W000001"]
    assert [r.id for _, r in due_actions(records, T0, POLICY)] == ["W000004", "W000002", "W000003"]
    groups = grouped_by_level(records)
    assert [(level, [r.id for r in rs]) for level, rs in groups] == [
        ("red", ["W000004", "W000002"]), ("orange", ["W000003"]), ("blue", ["W000001"])]


def test_next_due_tells_a_timer_when_to_wake():
    assert next_due([record(), record("orange", n=2)], POLICY) == at(120)
    assert next_due([record("blue")], POLICY) is None
    assert next_due([record(escalated_at=at(600), last_shown_at=at(650))], POLICY) == at(770)


def test_the_audit_log_appends_json_lines(tmp_path):
    log = AuditLog(tmp_path / "audit" / "warnings.jsonl")
    central = record().message
    cap = replace(central, id="CAP-1", source="feed", origin="https://user:secret@feeds.example.cn/cap.atom?token=s3cr3t",
                  identifier="urn:oid:1", sender="cap@example.cn")
    log.record("received", central, at=T0)
    log.record("acknowledged", cap, by="张三", client="wall-1")
    log.record("escalated", cap)
    entries = read_audit(log.path)
    assert [e["event"] for e in entries] == ["received", "acknowledged", "escalated"]
    assert datetime.fromisoformat(entries[0]["ts"]) == T0  # in the machine's own offset
    assert "identifier" not in entries[0]  # only CAP sources carry the CAP identifier and sender
    assert entries[1]["identifier"] == "urn:oid:1" and entries[1]["sender"] == "cap@example.cn"
    assert entries[1]["by"] == "张三"
    for entry in entries:
        assert datetime.fromisoformat(entry["ts"]).tzinfo is not None
    text = log.path.read_text(encoding="utf-8")
    assert "s3cr3t" not in text and "secret" not in text
    assert all(json.loads(line) for line in text.splitlines())


def test_an_unknown_audit_event_is_a_programming_error(tmp_path):
    log = AuditLog(tmp_path / "a.jsonl")
    try:
        log.record("deleted", record().message)
    except ValueError as exc:
        assert "deleted" in str(exc)
    else:
        raise AssertionError("an unknown event was written")


def test_an_unwritable_audit_log_does_not_stop_the_warning(tmp_path, caplog):
    blocked = tmp_path / "dir"
    blocked.mkdir()
    log = AuditLog(tmp_path / "a.jsonl")
    log.path = blocked  # a directory cannot be appended to
    entry = log.record("shown", record().message)
    assert entry["event"] == "shown"
    assert "could not write the audit log" in caplog.text


def test_server_clock_follows_the_feed_stated_clock_and_rate():
    """Expiry is judged on the clock `expires` is written on: a simulated city running 60x faster
    than real time must expire its warnings 60x sooner than HTTP Date alone would say."""
    from datetime import UTC, datetime, timedelta

    from cockpit.core.clock import ClockEstimate

    clock = ClockEstimate(window=9)  # as the warning service keeps it
    local = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    http_date = local + timedelta(seconds=2)
    sim_now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
    clock.observe(sim_now, local, rate=60.0)  # the feed states its clock and rate
    assert clock.now(local + timedelta(seconds=10)) == sim_now + timedelta(minutes=10)
    clock.observe(http_date, local)  # a source without a stated clock: HTTP Date at real rate
    assert clock.now(local + timedelta(seconds=10)) == http_date + timedelta(seconds=10)
    for n in range(4):  # then a back end whose clock is a day ahead answers now and then
        clock.observe(http_date + timedelta(days=1, seconds=n), local + timedelta(seconds=n))
        clock.observe(http_date + timedelta(seconds=n), local + timedelta(seconds=n))
    assert clock.now(local + timedelta(seconds=10)) == http_date + timedelta(seconds=10)


def test_only_urgent_levels_pop_up_by_default_and_the_threshold_is_a_setting():
    assert levels.at_least("orange") == {"red", "orange"}
    assert levels.at_least("blue") == {"red", "orange", "yellow", "blue"}
    assert ReminderPolicy().popup_levels == levels.at_least("orange")
