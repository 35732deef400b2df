"""--cap-feed sources over real HTTP: single CAP and Atom feeds, conditional GET, hostile and broken input."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cockpit.core.warning import AuditLog, CapFeed, Inbox, WarningService, read_audit
from cockpit.core.warning.receiver import FeedError
from kernel import levels
from kernel.cap import MAX_FEED_BYTES

CAP_DIR = Path(__file__).resolve().parents[1] / "data" / "cap"
NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)


class Site:
    """A tiny real web server: path -> body, with ETag, Last-Modified and 304s; it counts what it serves."""

    def __init__(self) -> None:
        self.pages: dict[str, bytes] = {}
        self.log: list[tuple[str, int]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
                body = site.pages.get(self.path)
                if body is None:
                    status, body = 404, b"<html><body>not found</body></html>"
                    self.send_response(status)
                else:
                    etag = '"' + hashlib.sha1(body).hexdigest() + '"'
                    if self.headers.get("If-None-Match") == etag:
                        site.log.append((self.path, 304))
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.end_headers()
                        return
                    status = 200
                    self.send_response(200)
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", "Tue, 24 Nov 2026 12:00:00 GMT")
                site.log.append((self.path, status))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site():
    served = Site()
    yield served
    served.close()


def test_a_single_cap_message_then_304_when_unchanged(site):
    site.pages["/alert.cap"] = (CAP_DIR / "weather.cap").read_bytes()
    feed = CapFeed(site.url + "/alert.cap")
    batch = feed.fetch()
    assert [m.headline for m in batch.messages] == [
        "Flash Flood Watch issued August 30 at 4:07AM MDT expiring August 30 at 12:00PM MDT by NWS GreatFalls"]
    assert batch.messages[0].level == "orange" and batch.messages[0].source == "feed"
    assert batch.server_now is not None  # the server's Date, for expiry
    assert feed.fetch().messages == []
    assert site.log == [("/alert.cap", 200), ("/alert.cap", 304)]


def test_an_atom_feed_with_embedded_alerts_and_an_index_feed_with_links(site):
    site.pages["/feed.atom"] = (CAP_DIR / "weather.atom").read_bytes()
    assert [m.identifier for m in CapFeed(site.url + "/feed.atom").fetch().messages] == [
        "NOAA-NWS-ALERTS-MT20120830100700TFXFlashFloodWatchTFX20120830180000MT"]
    index = (CAP_DIR / "earthquake_index.atom").read_text().replace(
        "http://earthquake.usgs.gov/earthquakes/catalogs/cap/us2010apcd", site.url + "/cap/us2010apcd")
    site.pages["/index.atom"] = index.encode()
    site.pages["/cap/us2010apcd"] = (CAP_DIR / "earthquake.cap").read_bytes()
    feed = CapFeed(site.url + "/index.atom")
    assert [m.identifier for m in feed.fetch().messages] == ["USGS-earthquakes-us2010apcd.6.20100831T000925.496Z"]
    site.pages["/index.atom"] = index.replace("USGS M5+", "USGS M5+ (updated)").encode()
    assert feed.fetch().messages == []  # the linked message is fetched once, not on every poll
    assert site.log.count(("/cap/us2010apcd", 200)) == 1


def test_broken_entries_are_reported_and_the_rest_kept(site):
    site.pages["/feed.atom"] = (CAP_DIR / "weather_invalid.atom").read_bytes()
    batch = CapFeed(site.url + "/feed.atom").fetch()
    assert batch.messages == [] and "comma" in batch.problems[0]


@pytest.mark.parametrize("body, words", [
    ((CAP_DIR / "xee.cap").read_bytes(), "DTD"),
    (b"<html><body>502 Bad Gateway</body></html>", "HTML"),
    (b"", "empty"),
    (b"<alert>" + b" " * (MAX_FEED_BYTES + 10) + b"</alert>", "larger than 16 MiB"),
])
def test_hostile_or_broken_sources_raise_a_clear_feed_error(site, body, words):
    site.pages["/bad"] = body
    with pytest.raises(FeedError, match=words):
        CapFeed(site.url + "/bad").fetch()


def test_an_unreachable_or_missing_source_is_a_feed_error(site):
    with pytest.raises(FeedError, match="404") as caught:
        CapFeed(site.url + "/nothing-here?token=s3cr3t").fetch()
    assert "s3cr3t" not in str(caught.value)  # a token in the feed's address never reaches a log
    with pytest.raises(FeedError, match="could not be read"):
        CapFeed("http://127.0.0.1:9/feed", timeout=(0.5, 0.5)).fetch()


def test_the_service_turns_a_feed_into_warnings_once_with_an_audit_trail(site, tmp_path, caplog):
    site.pages["/alert.cap"] = (CAP_DIR / "wcatwc-warning.cap").read_bytes()
    site.pages["/bad.cap"] = (CAP_DIR / "xee.cap").read_bytes()
    inbox = Inbox(tmp_path / "warnings.sqlite")
    audit = AuditLog(tmp_path / "audit.jsonl")
    good, bad = CapFeed(site.url + "/alert.cap", interval_s=0.05), CapFeed(site.url + "/bad.cap", interval_s=0.05)
    service = WarningService(inbox, feeds=(good, bad), audit=audit)

    async def run() -> None:
        service.start()
        for _ in range(100):
            await asyncio.sleep(0.02)
            if site.log.count(("/alert.cap", 304)) >= 2:
                break
        await service.stop()

    asyncio.run(run())
    (record,) = inbox.records()
    assert record.level == "red" and record.message.msg_type == "Update"
    entries = read_audit(audit.path)
    assert [e["event"] for e in entries] == ["received", "expired"]  # a 2011 tsunami warning is long over
    assert entries[0]["identifier"] == "PAAQ-2-lqw6d6" and entries[0]["sender"] == "http://newwcatwc.arh.noaa.gov/tsuPortal/"
    assert "CAP source refused or unreadable" in caplog.text and "DTD" in caplog.text
    inbox.close()


def test_a_big_index_is_read_a_few_links_a_poll_and_a_bad_entry_blocks_nothing(site):
    """`max_linked` bounds each poll; what is left is read on the next polls; an entry in a charset or
    shape nobody can read is reported and the others still arrive."""
    quake = (CAP_DIR / "earthquake.cap").read_text(encoding="utf-8")
    entries = []
    for n in range(5):
        site.pages[f"/cap/{n}"] = quake.replace("us2010apcd", f"us2010apcd{n}").encode("utf-8")
        entries.append(f'<entry><id>urn:q:{n}</id><title>q{n}</title><updated>2026-11-24T12:00:00Z</updated>'
                       f'<link rel="related" type="application/cap+xml" href="{site.url}/cap/{n}"/></entry>')
    site.pages["/cap/1"] = b'<?xml version="1.0" encoding="x-martian"?><alert/>'
    site.pages["/index.atom"] = ('<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:q</id><title>q</title>'
                                 f'<updated>2026-11-24T12:00:00Z</updated>{"".join(entries)}</feed>').encode()
    feed = CapFeed(site.url + "/index.atom", max_linked=2)
    first = feed.fetch()
    assert len(first.messages) == 1 and "x-martian" in first.problems[0]  # 0 arrived, 1 was refused
    assert len(feed.fetch().messages) == 2  # 2 and 3
    assert len(feed.fetch().messages) == 1  # 4
    assert feed.fetch().messages == []  # all read: the index answers 304
    linked = [path for path, status in site.log if path.startswith("/cap/")]
    assert sorted(linked) == [f"/cap/{n}" for n in range(5)]  # each once, the refused one too


def test_test_and_draft_messages_are_not_shown_to_people(site):
    quake = (CAP_DIR / "earthquake.cap").read_text(encoding="utf-8")
    assert "<status>Actual</status>" in quake
    site.pages["/test.cap"] = quake.replace("<status>Actual</status>", "<status>Test</status>").encode()
    batch = CapFeed(site.url + "/test.cap").fetch()
    assert batch.messages == [] and "ignored (status Test)" in batch.problems[0]


def test_a_feed_page_too_large_for_its_cap_is_asked_again_in_smaller_pages(monkeypatch):
    """Long CAP texts can make a page of 200 warnings larger than the feed's cap: the receiver asks
    for fewer at a time instead of refusing the same page for ever."""
    from urllib.parse import parse_qs, urlsplit

    from local_http import LocalApi, json_reply

    from cockpit.core.warning import CentralFeed

    def page(request):
        limit = int(parse_qs(urlsplit(request.path).query)["limit"][0])
        items = [{"id": f"W{n:06d}", "identifier": f"i{n}", "sender": "s", "sent": "2026-11-24T20:15:00+08:00",
                  "severity": "red", "headline": "长" * 400} for n in range(min(limit, 5))]
        return json_reply({"warnings": items, "cursor": f"c{len(items)}"})

    monkeypatch.setattr("cockpit.core.client.payloads.max_bytes", lambda endpoint: 5000)  # about 3 warnings
    api = LocalApi({"/api/v1/warnings": page})
    with api.running():
        feed = CentralFeed(api.url, wait_s=0)
        try:
            batch = feed.fetch(None, wait_s=0)
        finally:
            feed.close()
    asked = [int(parse_qs(urlsplit(path).query)["limit"][0]) for path, _headers in api.requests]
    assert asked == [200, 50, 12, 3] and len(batch.messages) == 3 and batch.cursor == "c3"


def test_a_signed_message_is_verified_and_a_tampered_one_is_refused_in_words(site):
    genuine = (CAP_DIR / "world2" / "ipaws_alert_polygon_signed.xml").read_bytes()
    site.pages["/signed.cap"] = genuine
    batch = CapFeed(site.url + "/signed.cap").fetch()
    assert [m.signature for m in batch.messages] == ["valid"] and "IPAWS" in batch.messages[0].signer
    site.pages["/forged.cap"] = genuine.replace(b"<severity>Extreme", b"<severity>Minor", 1)
    with pytest.raises(FeedError, match="signature"):
        CapFeed(site.url + "/forged.cap").fetch()


def test_a_message_without_expires_ends_after_the_default_lifetime(site):
    site.pages["/homeland.cap"] = (CAP_DIR / "world2" / "cap12_spec_a1_homeland.xml").read_bytes()
    message, = CapFeed(site.url + "/homeland.cap", lifetimes=levels.lifetimes("orange=90m")).fetch().messages
    assert message.expires_assumed and message.expires - message.sent == timedelta(minutes=90)
    assert "默认" in message.expiry_note
