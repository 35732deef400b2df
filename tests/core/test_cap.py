"""The CAP parser against real-world messages, hostile input, and its own writer."""

from __future__ import annotations

import select
import socket
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import xmlschema

from kernel import levels
from kernel.cap import (
    MAX_CAP_BYTES,
    CapAlert,
    CapArea,
    CapError,
    CapInfo,
    CapReference,
    build_cap,
    parse_cap,
    parse_feed,
)
from kernel.clock import CITY_TZ
from kernel.paths import resource

CAP_DIR = Path(__file__).resolve().parents[1] / "data" / "cap"


def real(name: str) -> bytes:
    return (CAP_DIR / name).read_bytes()


def cap12(body: str, *, head: str = "", ns: str = "urn:oasis:names:tc:emergency:cap:1.2",
          encoding: str = "UTF-8") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>{head}<alert xmlns="{ns}">{body}</alert>'
            ).encode(encoding)


HEADER = ("<identifier>NT-1</identifier><sender>a@nantong.gov.cn</sender>"
          "<sent>2026-11-24T20:15:00+08:00</sent><status>Actual</status><msgType>Alert</msgType>"
          "<scope>Public</scope>")


# ------------------------------------------------------------ real-world messages

def test_a_canadian_update_with_references_polygons_and_geocodes():
    alert = parse_cap(real("canada.cap"))
    assert alert.version == "1.2"
    assert alert.msg_type == "Update"
    assert alert.sent == datetime(2012, 5, 2, 23, 21, 4, tzinfo=UTC)
    assert alert.key == ("2.49.0.1.124.6bddbc91.2012", "cap@ec.gc.ca", "2012-05-02T23:21:04-00:00")
    assert alert.references == (
        CapReference("cap@ec.gc.ca", "2.49.0.1.124.a3f342a4.2012", "2012-05-02T21:45:05-00:00"),
        CapReference("cap@ec.gc.ca", "2.49.0.1.124.60f31a3a.2012", "2012-05-02T21:55:21-00:00"),
    )
    info = alert.info_for(("fr-CA",))
    assert info is not None and info.language == "fr-CA"
    english = alert.info_for(("en",))
    assert english.headline == "severe thunderstorm watch"
    area = english.areas[0]
    assert area.description.startswith("Windsor")
    lon, lat = area.polygons[0][0]
    assert (lon, lat) == (-82.9314, 42.3481)  # CAP wrote "42.3481,-82.9314": latitude first
    assert area.polygons[0][0] == area.polygons[0][-1]
    assert ("profile:CAP-CP:Location:0.3", "3537064") in area.geocodes
    assert ("SAME", "SVA") in english.event_codes


def test_a_circle_area_becomes_lon_lat_radius():
    info = parse_cap(real("australia.cap")).info_for()
    assert info.areas[0].circles == ((147.0598, -35.3888, 25.0),)
    assert info.level == "blue"  # Minor


def test_iso_8859_1_is_decoded_by_its_declaration():
    info = parse_cap(real("earthquake-iso8859-1.cap")).info_for()
    assert "Usulután" in info.headline


def test_cap_1_1_is_read_and_says_so():
    alert = parse_cap(real("weather.cap"))
    assert alert.version == "1.1"
    assert alert.info_for().severity == "Severe"
    assert alert.info_for().language == "en-US"  # CAP's default when <language> is absent


def test_an_alert_without_info_is_valid():
    alert = parse_cap(real("no_optional_fields.cap"))
    assert alert.infos == ()
    assert alert.info_for() is None


def test_prefixed_namespace_is_read():
    alert = parse_cap(real("australia.cap"))  # written with cap: prefixes
    assert alert.identifier == "tag:www.rfs.nsw.gov.au2011-10-06:40184"


@pytest.mark.parametrize("name, words", [
    ("invalid.cap", "<scope> is missing"),
    ("canada_errors.cap", "<references> is empty"),
    ("noaa_errors.cap", "<references> is empty"),
])
def test_broken_real_messages_are_refused_with_the_reason(name, words):
    with pytest.raises(CapError) as caught:
        parse_cap(real(name))
    assert caught.value.code == "invalid"
    assert words in str(caught.value)


def test_every_real_message_that_parses_survives_a_round_trip():
    """Every element survives build_cap: all infos and areas, resources, geocodes, times as written."""
    schema = xmlschema.XMLSchema(str(resource("CAP-v1.2.xsd")))
    read = 0
    for path in sorted([*CAP_DIR.glob("*.cap"), *(CAP_DIR / "world2").glob("*.xml")]):
        try:
            alert = parse_cap(path.read_bytes())
        except CapError:
            continue
        rebuilt = build_cap(alert)
        schema.validate(rebuilt.decode("utf-8"))
        again = parse_cap(rebuilt)
        assert replace(again, version=alert.version) == alert, path.name
        assert again.sent_text == alert.sent_text and build_cap(again) == rebuilt, path.name
        read += 1
    assert read >= 35


# ------------------------------------------------------------ feeds

def test_an_atom_feed_with_embedded_cap():
    entries = parse_feed(real("weather.atom"))
    assert len(entries) == 1
    entry = entries[0]
    assert entry.alert is not None and entry.alert.info_for().event == "Flash Flood Watch"
    assert entry.link.startswith("http://www.weather.gov/alerts-beta/wwacapget.php")
    assert entry.updated == datetime(2012, 8, 29, 16, 29, tzinfo=timezone(timedelta(hours=-4)))


def test_an_index_feed_gives_links_to_fetch():
    entries = parse_feed(real("earthquake_index.atom"))
    assert [e.alert for e in entries] == [None]
    assert entries[0].link == "http://earthquake.usgs.gov/earthquakes/catalogs/cap/us2010apcd"


def test_a_prefixed_atom_feed_and_an_empty_one():
    assert parse_feed(real("amber.atom"))[0].alert.sender == "KARO@CLETS.DOJ.DC.GOV"
    assert parse_feed(real("empty_weather_index.atom")) == []
    assert parse_feed(real("no_entries.atom")) == []  # a bare alert outside <entry> is foreign markup


def test_a_broken_entry_is_kept_with_its_reason_not_dropped_silently():
    (entry,) = parse_feed(real("weather_invalid.atom"))
    assert entry.alert is None
    assert "identifier" in entry.error and "comma" in entry.error


def test_a_cap_message_is_not_a_feed():
    with pytest.raises(CapError) as caught:
        parse_feed(real("weather.cap"))
    assert caught.value.code == "not_cap"


# ------------------------------------------------------------ written for this project

ZH_EN = cap12(HEADER + """
<references>other@nantong.gov.cn,NT-0,2026-11-24T19:00:00+08:00</references>
<info><language>en</language><category>Met</category><event>Rainstorm</event><urgency>Immediate</urgency>
<severity>Extreme</severity><certainty>Observed</certainty><headline>Red rainstorm warning</headline></info>
<info><language>zh-CN</language><category>Met</category><event>暴雨</event><urgency>Immediate</urgency>
<severity>Extreme</severity><certainty>Observed</certainty><headline>暴雨红色预警</headline>
<instruction>立即转移低洼地区群众</instruction><expires>2026-11-25T08:00:00+08:00</expires>
<area><areaDesc>通州区金沙街道</areaDesc>
<polygon>32.0,120.9 32.1,120.9 32.1,121.0 32.0,120.9</polygon>
<circle>32.05,120.95 3.5</circle>
<geocode><valueName>GB/T 2260</valueName><value>320612001</value></geocode></area></info>
""")


def test_info_is_picked_by_language():
    alert = parse_cap(ZH_EN)
    assert alert.info_for().headline == "暴雨红色预警"
    assert alert.info_for(("en",)).headline == "Red rainstorm warning"
    assert alert.info_for(("en-GB",)).headline == "Red rainstorm warning"  # primary subtag matches
    assert alert.info_for(("fr",)).headline == "Red rainstorm warning"  # none wanted: the first
    zh = alert.info_for()
    assert zh.level == "red" and levels.of(zh.level).name == "红色"
    assert zh.expires == datetime(2026, 11, 25, 8, tzinfo=CITY_TZ)
    area = zh.areas[0]
    assert area.polygons == (((120.9, 32.0), (120.9, 32.1), (121.0, 32.1), (120.9, 32.0)),)
    assert area.circles == ((120.95, 32.05, 3.5),)
    assert area.geocodes == (("GB/T 2260", "320612001"),)


def test_update_and_cancel_chains_reference_earlier_messages():
    first = parse_cap(cap12(HEADER))
    update_header = HEADER.replace("NT-1", "NT-2").replace("Alert", "Update").replace("20:15", "20:30")
    update = parse_cap(cap12(update_header + f"<references>{','.join((first.sender, first.identifier, first.sent_text))}"
                                             "</references>"))
    cancel_header = HEADER.replace("NT-1", "NT-3").replace("Alert", "Cancel").replace("20:15", "20:45")
    refs = " ".join(f"{a.sender},{a.identifier},{a.sent_text}" for a in (first, update))
    cancel = parse_cap(cap12(cancel_header + f"<references>\n  {refs}\n</references>"))
    assert update.msg_type == "Update" and [r.key for r in update.references] == [first.key]
    assert cancel.msg_type == "Cancel" and [r.key for r in cancel.references] == [first.key, update.key]


@pytest.mark.parametrize("body, code, words", [
    (HEADER.replace("<sent>2026-11-24T20:15:00+08:00</sent>", "<sent>yesterday</sent>"), "invalid", "<sent>"),
    (HEADER.replace("+08:00", ""), "invalid", "offset"),
    (HEADER.replace("Public", "Everyone"), "invalid", "<scope> is 'Everyone'"),
    (HEADER.replace("NT-1", "NT 1"), "invalid", "space, comma"),
    (HEADER + "<references>a,b</references>", "invalid", "triple"),
    (HEADER + "<info><category>Met</category><event>x</event><urgency>Now</urgency><severity>Minor</severity>"
              "<certainty>Likely</certainty></info>", "invalid", "<urgency> is 'Now'"),
    (HEADER + "<info><event>x</event><urgency>Past</urgency><severity>Minor</severity>"
              "<certainty>Likely</certainty></info>", "invalid", "<category>"),
    (HEADER + "<info><category>Met</category><event>x</event><urgency>Past</urgency><severity>Minor</severity>"
              "<certainty>Likely</certainty><area><areaDesc>x</areaDesc><polygon>32,120 33,121</polygon>"
              "</area></info>", "invalid", "at least 4"),
    (HEADER + "<info><category>Met</category><event>x</event><urgency>Past</urgency><severity>Minor</severity>"
              "<certainty>Likely</certainty><area><areaDesc>x</areaDesc><circle>120.9,32.0 5</circle>"
              "</area></info>", "invalid", "off the globe"),
])
def test_invalid_messages_name_what_is_wrong(body, code, words):
    with pytest.raises(CapError) as caught:
        parse_cap(cap12(body))
    assert caught.value.code == code
    assert words in str(caught.value)


def test_versions_and_strangers_are_told_apart():
    with pytest.raises(CapError) as caught:
        parse_cap(cap12(HEADER, ns="http://www.incident.com/cap/1.0"))
    assert caught.value.code == "unsupported_version" and "1.0" in str(caught.value)
    with pytest.raises(CapError) as caught:
        parse_cap(b"<weather><rain/></weather>")
    assert caught.value.code == "not_cap" and "<weather>" in str(caught.value)
    with pytest.raises(CapError) as caught:
        parse_cap(b"<alert>" + HEADER.encode() + b"</alert>")
    assert caught.value.code == "not_cap" and "without a namespace" in str(caught.value)


@pytest.mark.parametrize("data, code", [
    (b"", "not_xml"),
    (b"   \n", "not_xml"),
    (b"{\"error\": \"busy\"}", "not_xml"),
    (b"<alert><unclosed></alert>", "not_xml"),
    (b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", "not_cap"),
    (b"<html><body><h1>503 Service Unavailable</h1></body></html>", "not_cap"),
])
def test_empty_garbage_and_html_error_pages(data, code):
    with pytest.raises(CapError) as caught:
        parse_cap(data)
    assert caught.value.code == code


def test_oversize_is_refused_before_parsing():
    padding = b"<!--" + b"x" * MAX_CAP_BYTES + b"-->"
    with pytest.raises(CapError) as caught:
        parse_cap(cap12(HEADER) + padding)
    assert caught.value.code == "too_large" and "at most 4 MiB" in str(caught.value)
    assert parse_cap(cap12(HEADER)).identifier == "NT-1"


# ------------------------------------------------------------ hostile input

def test_billion_laughs_is_refused():
    laughs = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    data = cap12(HEADER.replace("NT-1", "&lol9;"), head=f'<!DOCTYPE alert [<!ENTITY lol0 "lol">{laughs}]>')
    with pytest.raises(CapError) as caught:
        parse_cap(data)
    assert caught.value.code == "forbidden"


def test_file_xxe_never_reads_the_file(tmp_path):
    secret = tmp_path / "marker.txt"
    secret.write_text("MARKER-7f3a-not-for-your-eyes")
    data = cap12(HEADER.replace("<scope>Public", "<note>&xxe;</note><scope>Public"),
                 head=f'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>')
    with pytest.raises(CapError) as caught:
        parse_cap(data)
    assert caught.value.code == "forbidden"
    assert "MARKER" not in str(caught.value) and "MARKER" not in repr(caught.value.__cause__)


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE alert [<!ENTITY xxe SYSTEM "{url}/entity">]>',
    '<!DOCTYPE alert SYSTEM "{url}/alert.dtd">',
    '<!DOCTYPE alert [<!ENTITY % remote SYSTEM "{url}/param.dtd"> %remote;]>',
])
def test_http_xxe_never_connects(doctype):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        note = "<note>&xxe;</note>" if "xxe" in doctype else ""
        data = cap12(HEADER.replace("<scope>", note + "<scope>"), head=doctype.format(url=url))
        for parse in (parse_cap, parse_feed):
            with pytest.raises(CapError) as caught:
                parse(data)
            assert caught.value.code == "forbidden"
        readable, _, _ = select.select([listener], [], [], 0.3)
        assert readable == [], "the parser connected to the address named in the message"


def test_the_real_world_xxe_samples_are_refused():
    for name, parse in (("xee.cap", parse_cap), ("xee.atom", parse_feed)):
        with pytest.raises(CapError) as caught:
            parse(real(name))
        assert caught.value.code == "forbidden"


# ------------------------------------------------------------ writing

def test_build_cap_is_schema_valid_and_parses_back_to_the_same_alert():
    info = CapInfo(
        language="zh-CN", category=("Safety",), event="群租房风险", urgency="Immediate",
        severity=levels.of("orange").severity, certainty="Likely", headline="通州区金沙街道疑似群租房集中",
        description="水电气、物流与公安数据显示同一住址居住人数异常。", instruction="请街道网格员今日内上门核查。",
        sender_name="南通市域治理现代化指挥中心", web="https://example.gov.cn/w/42", contact="12345",
        effective=datetime(2026, 11, 24, 20, 15, tzinfo=CITY_TZ), expires=datetime(2026, 11, 25, 20, 15, tzinfo=CITY_TZ),
        areas=(CapArea("通州区金沙街道",
                       polygons=(((121.0712345, 32.0912345), (121.08, 32.09), (121.08, 32.1),
                                  (121.0712345, 32.0912345)),),
                       circles=((121.07, 32.09, 1.5),), geocodes=(("GB/T 2260", "320612001"),)),),
        parameters=(("item_code", "SZ-07"),), event_codes=(("item", "SZ-07"),),
    )
    alert = CapAlert(
        identifier="urn:oid:2.49.0.1.156.0.320600.2026.42", sender="cockpit-central@nantong.gov.cn",
        sent=datetime(2026, 11, 24, 20, 15, tzinfo=CITY_TZ), msg_type="Update",
        references=(CapReference("cockpit-central@nantong.gov.cn", "urn:oid:2.49.0.1.156.0.320600.2026.41",
                                 "2026-11-24T20:00:00+08:00"),),
        infos=(info, replace(info, language="en", headline="Suspected group rental")), note="演练以外的真实预警",
    )
    xml = build_cap(alert)
    xmlschema.XMLSchema(str(resource("CAP-v1.2.xsd"))).validate(xml.decode("utf-8"))
    again = parse_cap(xml)
    assert again == alert
    assert again.key == ("urn:oid:2.49.0.1.156.0.320600.2026.42", "cockpit-central@nantong.gov.cn",
                         "2026-11-24T20:15:00+08:00")



@pytest.mark.parametrize("encoding", ["GB2312", "GBK", "GB18030"])
def test_chinese_charsets_expat_cannot_read_are_decoded(encoding):
    """China's warning systems often send GB2312/GBK; expat alone refuses multi-byte charsets."""
    body = ZH_EN.decode("utf-8").split("?>", 1)[1]
    alert = parse_cap(f'<?xml version="1.0" encoding="{encoding}"?>{body}'.encode(encoding))
    assert alert.info_for().headline == "暴雨红色预警"
    assert alert.info_for().areas[0].description == "通州区金沙街道"


def test_an_unknown_or_lying_encoding_is_refused_in_words():
    body = ZH_EN.decode("utf-8").split("?>", 1)[1]
    with pytest.raises(CapError, match="unknown encoding 'x-martian'") as unknown:
        parse_cap(f'<?xml version="1.0" encoding="x-martian"?>{body}'.encode())
    assert unknown.value.code == "not_xml"
    with pytest.raises(CapError, match="not valid GBK text"):
        parse_cap(b'<?xml version="1.0" encoding="GBK"?><alert>\xff\xff</alert>')


@pytest.mark.parametrize("radius", ["nan", "inf", "-1"])
def test_a_circle_needs_a_finite_radius(radius):
    body = ZH_EN.decode("utf-8").replace("<circle>32.05,120.95 3.5</circle>", f"<circle>32.05,120.95 {radius}</circle>")
    with pytest.raises(CapError, match="finite radius"):
        parse_cap(body.encode("utf-8"))


def test_times_resources_and_altitudes_are_written_as_received():
    tsunami = parse_cap((CAP_DIR / "world2" / "wcatwc_tsunami_update_3refs.xml").read_bytes())
    assert tsunami.sent_text.endswith("-00:00") and b"-00:00</sent>" in build_cap(tsunami)
    resource_message = parse_cap((CAP_DIR / "world2" / "ipaws_alert_resource_100k.xml").read_bytes())
    resources = resource_message.infos[0].resources
    assert resources and resources[0].deref_uri and resources[0].mime_type
    assert parse_cap(build_cap(resource_message)).infos[0].resources == resources
    body = ZH_EN.replace(b"</areaDesc>", b"</areaDesc><altitude>100</altitude><ceiling>5000.5</ceiling>", 1)
    area = parse_cap(body).info_for().areas[0]
    assert (area.altitude, area.ceiling) == ("100", "5000.5")
    assert parse_cap(build_cap(parse_cap(body))).info_for().areas[0] == area
