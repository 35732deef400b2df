"""Real national warning messages through the central API: kept whole, re-emitted faithfully, chains
resolved in any order (tests/data/cap/world2, sources and licences in its SOURCES.md)."""

from __future__ import annotations

import itertools
from dataclasses import fields, is_dataclass, replace

import pytest
import requests
import xmlschema

from kernel.cap import CapAlert, CapError, parse_cap
from kernel.paths import resource
from tests.central.conftest import ADMIN, read_all
from tests.conftest import DATA

WORLD2 = DATA / "cap" / "world2"
REFUSED = {  # file: the error code the server answers with
    "cap10_spec_a1_homeland.xml": "cap_unsupported_version",
    "cm_invalid_schema_MALFORMED.xml": "cap_invalid",
    "sc_xsd_instead_of_message_MALFORMED.xml": "cap_not_cap",
    # Signed, and the signature does not hold: a tampered value, an edit after signing, a placeholder.
    "bz_signed_bad_signature.xml": "cap_bad_signature",
    "bz_signed_valid.xml": "cap_bad_signature",  # its name notwithstanding: matches neither part it signs
    "tg_signed_bad_digest.xml": "cap_bad_signature",
    "ca_eccc_multiarea_polygons.xml": "cap_bad_signature",
    "derived_ca_eccc_windows-1252.xml": "cap_bad_signature",
    "wcatwc_tsunami_update_3refs.xml": "cap_bad_signature",
}
ACCEPTED = sorted(p.name for p in WORLD2.glob("*.xml") if p.name not in REFUSED)
# Some files are one message twice (re-encoded, or the 1.1 and 1.2 spec examples): the first to
# arrive is held, and a second copy is answered 200 with it.
FIRST_WITH_KEY: dict[tuple[str, str, str], str] = {}
for _name in ACCEPTED:
    FIRST_WITH_KEY.setdefault(parse_cap((WORLD2 / _name).read_bytes()).key, _name)


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(resource("CAP-v1.2.xsd")))


def post(server, data: bytes) -> requests.Response:
    return requests.post(f"{server.url}/api/v1/warnings", data=data, timeout=30,
                         headers={**ADMIN, "Content-Type": "application/cap+xml"})


def differences(sent: object, back: object, path: str = "alert") -> list[str]:
    """Every field where the re-emitted message differs from the received one."""
    if is_dataclass(sent):
        return [d for f in fields(sent) for d in differences(getattr(sent, f.name), getattr(back, f.name),
                                                              f"{path}.{f.name}")]
    if isinstance(sent, tuple) and isinstance(back, tuple) and len(sent) == len(back):
        return [d for i, (a, b) in enumerate(zip(sent, back, strict=True)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if sent == back else [f"{path}: sent {sent!r:.80}, re-emitted {back!r:.80}"]


def as_cap12(alert: CapAlert) -> CapAlert:
    """What CAP 1.2 can say of a message: 1.1's "Very Likely" is 1.2's "Likely", resources need a type."""
    infos = tuple(replace(info, certainty="Likely" if info.certainty == "Very Likely" else info.certainty,
                          resources=tuple(replace(r, mime_type=r.mime_type or "application/octet-stream")
                                          for r in info.resources))
                  for info in alert.infos)
    return replace(alert, version="1.2", infos=infos)


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_real_message_is_kept_whole_and_re_emitted_faithfully(writable, schema, name):
    data = (WORLD2 / name).read_bytes()
    answer = post(writable, data)
    assert answer.status_code in (200, 201), answer.text[:300]
    warning = answer.json()
    sent = parse_cap(data)
    if answer.status_code == 200:
        sent = parse_cap((WORLD2 / FIRST_WITH_KEY[sent.key]).read_bytes())
    info = sent.info_for()
    assert len(warning["areas"]) == (len(info.areas) if info else len(warning["areas"]))
    if info:
        for area, shape in zip(info.areas, warning["areas"], strict=True):
            assert shape["name"] == area.description
            assert [[tuple(p) for p in ring] for ring in shape["polygons"]] == [list(ring) for ring in area.polygons]
            assert [(c["lon"], c["lat"], c["radius_km"]) for c in shape["circles"]] == list(area.circles)
            assert [(g["name"], g["value"]) for g in shape["geocodes"]] == list(area.geocodes)
        assert warning["expires_assumed"] == (info.expires is None)
        assert warning["expires"] is not None  # every message ends, given or by default
    emitted = requests.get(f"{writable.url}/api/v1/warnings/{warning['id']}.cap", timeout=30)
    assert emitted.status_code == 200
    schema.validate(emitted.text)
    assert differences(as_cap12(sent), parse_cap(emitted.content)) == []


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_broken_or_forged_message_is_refused_in_words(writable, name):
    answer = post(writable, (WORLD2 / name).read_bytes())
    assert 400 <= answer.status_code < 500 and answer.json()["error"] == REFUSED[name], answer.text[:300]
    assert len(answer.json()["message"]) > 20


def test_many_areas_and_a_large_national_message_arrive_whole(writable):
    by_name = {name: post(writable, (WORLD2 / name).read_bytes()).json() for name in (
        "derived_ca_eccc_unsigned.xml", "de_dwd_thunderstorm_update.xml", "bf_signed_valid.xml",
        "derived_tg_unsigned.xml")}
    assert len(by_name["derived_ca_eccc_unsigned.xml"]["areas"]) == 8
    assert all(len(a["polygons"]) == 1 for a in by_name["derived_ca_eccc_unsigned.xml"]["areas"])
    assert [a["name"] for a in by_name["derived_tg_unsigned.xml"]["areas"]] == ["Plateaux", "Maritime"]
    assert len(by_name["de_dwd_thunderstorm_update.xml"]["areas"]) == 73
    assert "等 73 个区域" in by_name["de_dwd_thunderstorm_update.xml"]["area"]["name"]
    big = by_name["bf_signed_valid.xml"]  # 862 KiB, one polygon, signed
    assert sum(len(ring) for area in big["areas"] for ring in area["polygons"]) > 10_000
    assert big["signature"]["status"] == "valid" and big["signature"]["signer"]
    assert len(big["signature"]["fingerprint"]) == 64


def test_a_forged_copy_is_refused_and_never_shadows_the_genuine_message(writable):
    genuine = (WORLD2 / "ipaws_alert_polygon_signed.xml").read_bytes()
    headline = parse_cap(genuine).infos[0].headline.encode()
    forged = genuine.replace(headline, b"ALL CLEAR, NO DANGER", 1)
    assert forged != genuine
    refused = post(writable, forged)
    assert refused.status_code == 400 and refused.json()["error"] == "cap_bad_signature"
    assert "signature" in refused.json()["message"]
    held = post(writable, genuine)  # 200 if an earlier test brought it: either way, the genuine one is held
    assert held.status_code in (200, 201), held.text[:300]
    assert held.json()["signature"]["status"] == "valid" and "IPAWS" in held.json()["signature"]["signer"]
    again = post(writable, forged)
    assert again.status_code == 400
    one = requests.get(f"{writable.url}/api/v1/warnings/{held.json()['id']}", timeout=10).json()
    assert one["headline"] == headline.decode() and one["signature"]["status"] == "valid"


def test_an_unsigned_message_says_so(writable):
    warning = post(writable, (WORLD2 / "derived_wcatwc_tsunami_unsigned.xml").read_bytes()).json()
    assert warning["signature"] == {"status": "unsigned", "signer": "", "fingerprint": ""}


def test_a_bare_cancel_of_a_message_never_seen_is_accepted_and_kept(writable, schema):
    data = (WORLD2 / "ipaws_bare_cancel_signed.xml").read_bytes()
    answer = post(writable, data)
    assert answer.status_code in (200, 201), answer.text[:300]
    cancel = answer.json()
    assert cancel["msg_type"] == "Cancel" and cancel["state"] == "cancelled"
    emitted = requests.get(f"{writable.url}/api/v1/warnings/{cancel['id']}.cap", timeout=30).content
    assert parse_cap(emitted).infos == ()  # not the info of anything else


def test_a_message_without_expires_ends_after_its_levels_default_lifetime(writable):
    data = (WORLD2 / "cap12_spec_a1_homeland.xml").read_bytes()  # no <expires>
    warning = post(writable, data).json()
    alert = parse_cap(data)
    assert warning["expires_assumed"] is True
    assert warning["state"] == "expired"  # 2003 + a day is long past on the simulated clock
    assert warning["expires"] is not None and warning["expires"] > warning["sent"]
    assert alert.infos[0].expires is None


# ------------------------------------------------------------ chains in any order

CHAIN = ("derived_chain_1_alert.xml", "cap12_spec_a3_earthquake_update_circle.xml", "derived_chain_3_bare_cancel.xml")


def chain(tag: str) -> list[bytes]:
    """The spec's earthquake chain (Alert .1, Update .2 of .1, bare Cancel of .1 and .2) under new names."""
    return [(WORLD2 / name).read_bytes().replace(b"TRI13970876.", f"TRI{tag}.".encode()) for name in CHAIN]


def states(server, tag: str) -> dict[str, str]:
    found, _ = read_all(server)
    return {w["identifier"]: w["state"] for w in found if w["identifier"].startswith(f"TRI{tag}.")}


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_every_arrival_order_ends_with_the_chain_cancelled(writable, order):
    tag = "P" + "".join(map(str, order))
    messages = chain(tag)
    for index in order:
        assert post(writable, messages[index]).status_code == 201
        assert post(writable, messages[order[0]]).status_code == 200  # a second feed repeats the first
    assert states(writable, tag) == {f"TRI{tag}.1": "cancelled", f"TRI{tag}.2": "cancelled",
                                     f"TRI{tag}.3": "cancelled"}


@pytest.mark.parametrize("order", [(2, 0, 1), (1, 2, 0)])
def test_a_chain_split_by_a_restart_ends_the_same(quiet_server, order):
    messages = chain("R")
    assert post(quiet_server, messages[order[0]]).status_code == 201
    quiet_server.stop()
    quiet_server.start()
    for index in order[1:]:
        assert post(quiet_server, messages[index]).status_code == 201
    assert set(states(quiet_server, "R").values()) == {"cancelled"}


def test_an_update_before_its_alert_supersedes_it_on_arrival(writable):
    alert, update, _ = chain("U")
    assert post(writable, update).status_code == 201
    assert post(writable, alert).status_code == 201
    assert states(writable, "U") == {"TRIU.1": "updated", "TRIU.2": "expired"}  # 2003: long over


def test_parse_refuses_what_the_server_refuses():
    for name, code in REFUSED.items():
        if code == "cap_bad_signature":
            continue  # well-formed CAP: the signature check refuses these
        with pytest.raises(CapError):
            parse_cap((WORLD2 / name).read_bytes())


# ------------------------------------------------------------ a deployment's own trust list

def signer_pem(data: bytes) -> bytes:
    """The signer's certificate that a signed message carries, as PEM."""
    import base64
    import re
    import textwrap

    der = base64.b64decode(re.search(rb"<(?:\w+:)?X509Certificate>([^<]+)<", data).group(1))
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n".encode()


def test_with_a_trust_list_only_its_signers_get_in_and_unsigned_messages_are_refused(tmp_path):
    from cockpit.core.embedded import EmbeddedCentral
    from tests.conftest import ADMIN_TOKEN

    ipaws = (WORLD2 / "ipaws_alert_polygon_signed.xml").read_bytes()
    trusted = tmp_path / "trusted"
    trusted.mkdir()
    (trusted / "ipaws.pem").write_bytes(signer_pem(ipaws))
    server = EmbeddedCentral(tmp_path / "central.sqlite", seed=7, speed=0.001, admin_token=ADMIN_TOKEN,
                             extra_args=("--trusted-signers", str(trusted), "--require-signature"))
    server.start()
    try:
        accepted = post(server, ipaws)
        assert accepted.status_code == 201 and accepted.json()["signature"]["status"] == "valid"
        stranger = post(server, (WORLD2 / "bf_signed_valid.xml").read_bytes())  # genuine, but not ours
        assert stranger.status_code == 403 and stranger.json()["error"] == "cap_untrusted_signer"
        unsigned = post(server, (WORLD2 / "derived_tg_unsigned.xml").read_bytes())
        assert unsigned.status_code == 403 and unsigned.json()["error"] == "cap_unsigned"
    finally:
        server.stop()


def test_a_trust_list_that_cannot_be_read_stops_the_start_in_words(tmp_path):
    import subprocess
    import sys

    (tmp_path / "not-a-cert.pem").write_text("hello")
    done = subprocess.run([sys.executable, "-m", "central", "--db", str(tmp_path / "c.sqlite"), "--port", "0",
                           "--trusted-signers", str(tmp_path / "not-a-cert.pem")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--trusted-signers" in done.stderr and "not-a-cert.pem" in done.stderr


def test_an_unsigned_or_foreign_cancel_cannot_cancel_a_signed_warning(writable):
    signed = post(writable, (WORLD2 / "ipaws_alert_fema_otg.xml").read_bytes())
    assert signed.status_code in (200, 201) and signed.json()["signature"]["status"] == "valid"
    held = signed.json()
    target = f"{held['sender']},{held['identifier']},{parse_cap((WORLD2 / 'ipaws_alert_fema_otg.xml').read_bytes()).sent_text}"
    for sender, name in ((held["sender"], "forged-cancel-1"), ("evil@example.com", "forged-cancel-2")):
        cancel = f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>{name}</identifier><sender>{sender}</sender>
<sent>2026-11-24T20:00:00+08:00</sent><status>Actual</status><msgType>Cancel</msgType><scope>Public</scope>
<references>{target}</references></alert>""".encode()
        assert post(writable, cancel).status_code == 201
    again = requests.get(f"{writable.url}/api/v1/warnings/{held['id']}", timeout=10).json()
    assert again["state"] == held["state"] != "cancelled"
