"""The command line and environment."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

from cockpit.core.config import KEYRING_SERVICE, parse_settings

TOKEN = "tok-123456789"


def test_defaults_start_the_embedded_api(tmp_path):
    settings = parse_settings(["--cache", str(tmp_path / "c.sqlite")], env={})
    assert settings.api_url is None and settings.token is None
    assert (settings.timeout_s, settings.speed, settings.seed) == (60.0, 1.0, 2026)
    assert settings.cache_path == tmp_path / "c.sqlite"
    assert not settings.display_only and not settings.fullscreen and settings.cap_feeds == ()


def test_everything_given(tmp_path):
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    settings = parse_settings(
        ["--api", "https://cockpit.nantong.example/", "--ca-bundle", str(bundle), "--screenshot", "out.png",
         "--size", "3840x2160", "--timeout", "12.5", "--display-only", "--audit-log", "audit.jsonl",
         "--cap-feed", "https://a.example/feed.xml", "--cap-feed", "http://b.example/cap",
         "--fullscreen", "--speed", "60", "--seed", "7"],
        env={"COCKPIT_TOKEN": TOKEN})
    assert settings.api_url == "https://cockpit.nantong.example"
    assert settings.token == TOKEN and TOKEN not in repr(settings) and settings.has_token
    assert settings.ca_bundle == str(bundle)
    assert (settings.screenshot, settings.size, settings.timeout_s) == (Path("out.png"), (3840, 2160), 12.5)
    assert settings.display_only and settings.fullscreen and settings.audit_log == Path("audit.jsonl")
    assert settings.cap_feeds == ("https://a.example/feed.xml", "http://b.example/cap")
    assert (settings.speed, settings.seed) == (60.0, 7)


@pytest.mark.parametrize(("argv", "says"), [
    (["--api", "cockpit.example:8080"], "not an http(s) address"),
    (["--api", "https://user:pw@host"], "must not contain a user name or password"),
    (["--size", "4k"], "expected WIDTHxHEIGHT"),
    (["--size", "0x100"], "each side must be 1 to 16384 pixels"),
    (["--timeout", "0"], "must be more than 0"),
    (["--timeout", "soon"], "expected a number"),
    (["--speed", "-1"], "must be more than 0"),
    (["--seed", "x"], "invalid int value"),
    (["--screenshot", "shot.jpg"], "give a .png file name"),
    (["--cap-feed", "file:///etc/passwd"], "not an http(s) address"),
    (["--api", "https://x", "--ca-bundle", "/no/such/ca.pem"], "--ca-bundle: no such file"),
    (["--sim-start", "2027-02-29T08:00"], "expected a date and time"),
    (["--api", "https://x", "--sim-start", "2028-02-29T23:55"], "does not go with --api"),
])
def test_bad_values_exit_2_with_a_message(argv, says, capsys):
    with pytest.raises(SystemExit) as exited:
        parse_settings(argv, env={})
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


def test_a_pinned_simulated_city_is_a_city_of_its_own(tmp_path):
    now = parse_settings([], env={})
    assert now.sim_start is None and now.source == "embedded:seed=2026"
    pinned = parse_settings(["--sim-start", "2028-02-29 23:55", "--seed", "7"], env={})
    assert pinned.sim_start == datetime(2028, 2, 29, 23, 55, tzinfo=timezone(timedelta(hours=8)))
    assert pinned.source != now.source  # its own cache and warnings
    assert pinned.embedded_db_name == "central-seed7-start20280229T235500.sqlite" != now.embedded_db_name
    same = parse_settings(["--sim-start", "2028-02-29T15:55:00.4Z", "--seed", "7"], env={})  # one instant, one city
    assert (same.source, same.embedded_db_name) == (pinned.source, pinned.embedded_db_name)


def test_version(capsys):
    with pytest.raises(SystemExit) as exited:
        parse_settings(["--version"], env={})
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("cockpit 0.")


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username), None)


def test_token_from_the_keyring_and_the_environment_wins():
    previous = keyring.get_keyring()
    memory = _MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        keyring.set_password(KEYRING_SERVICE, "https://api.example", "from-keyring")
        assert parse_settings(["--api", "https://api.example"], env={}).token == "from-keyring"
        assert parse_settings(["--api", "https://api.example"], env={"COCKPIT_TOKEN": TOKEN}).token == TOKEN
        assert parse_settings(["--api", "https://other.example"], env={}).token is None
    finally:
        keyring.set_keyring(previous)


def test_no_usable_keyring_means_no_token(caplog):
    caplog.set_level(logging.INFO)
    previous = keyring.get_keyring()
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    try:
        assert parse_settings(["--api", "https://api.example"], env={}).token is None
    finally:
        keyring.set_keyring(previous)
    assert "no system keyring here and no $COCKPIT_TOKEN" in caplog.text


class _LockedKeyring(_MemoryKeyring):
    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("the keyring is locked")


def test_a_locked_keyring_is_a_warning_not_a_crash(caplog):
    previous = keyring.get_keyring()
    keyring.set_keyring(_LockedKeyring())
    try:
        assert parse_settings(["--api", "https://api.example"], env={}).token is None
    finally:
        keyring.set_keyring(previous)
    assert "could not read the token from the system keyring" in caplog.text and "locked" in caplog.text
