"""XML-DSig signatures on CAP messages: real signed messages from national services, and messages signed
here with throwaway keys so that each kind of tampering and signature-wrapping attack is made precisely."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

from kernel.cap import CapError, SignatureCheck, TrustList, TrustListError, check_signature, parse_cap

DATA = Path(__file__).parents[1] / "data" / "cap"
WORLD = DATA / "world2"
DS = "http://www.w3.org/2000/09/xmldsig#"
CAP = "urn:oasis:names:tc:emergency:cap:1.2"
NOW = datetime.now(UTC).replace(microsecond=0)


def refused(data: bytes, code: str = "bad_signature", **options) -> str:
    with pytest.raises(CapError) as caught:
        check_signature(data, **options)
    assert caught.value.code == code, str(caught.value)
    return str(caught.value)


def embedded_certificates(data: bytes) -> list[x509.Certificate]:
    root = etree.fromstring(data)
    return [x509.load_der_x509_certificate(base64.b64decode(element.text))
            for element in root.iter(f"{{{DS}}}X509Certificate")]


def fingerprint(certificate: x509.Certificate) -> str:
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


# ---- real messages -------------------------------------------------------------------------------------

REAL_VALID = [
    ("ipaws_alert_polygon_signed.xml", "IPAWSOPEN_200161 (FEMA IPAWS)", "rsa-sha256"),
    ("ipaws_bare_cancel_signed.xml", "IPAWSOPEN_200302 (FEMA IPAWS)", "rsa-sha256"),
    ("ipaws_alert_459k.xml", "IPAWSOPEN_200198 (FEMA IPAWS)", "rsa-sha256"),
    ("ipaws_alert_fema_otg.xml", "IPAWSOPEN_200096 (FEMA IPAWS)", "rsa-sha256"),
    ("ipaws_alert_resource_100k.xml", "IPAWSOPEN_200124 (FEMA IPAWS)", "rsa-sha256"),
    ("bf_signed_valid.xml", "www.meteoburkina.bf", "ecdsa-sha256"),
]


@pytest.mark.parametrize(("name", "signer", "algorithm"), REAL_VALID)
def test_real_signed_messages_are_valid_and_name_their_signer(name: str, signer: str, algorithm: str) -> None:
    data = (WORLD / name).read_bytes()
    check = check_signature(data)
    assert check.status == "valid" and check.signed
    assert check.signer == signer
    assert check.fingerprint == fingerprint(embedded_certificates(data)[0])
    assert check.signers == ((signer, check.fingerprint),)
    assert check.algorithm == algorithm
    assert check.trusted is None
    # Every one of these certificates has expired since; each was valid when its message was sent.
    assert any("expired on" in note and "valid when the message was sent" in note for note in check.notes)


def test_the_signed_data_is_the_alert_as_signed_and_parses_to_the_same_message() -> None:
    data = (WORLD / "ipaws_bare_cancel_signed.xml").read_bytes()
    check = check_signature(data)
    assert b"Signature" not in check.signed_data
    assert parse_cap(check.signed_data).key == parse_cap(data).key


def test_burkina_faso_was_re_indented_after_signing_and_is_checked_fast() -> None:
    data = (WORLD / "bf_signed_valid.xml").read_bytes()
    assert len(data) > 860 * 1024
    started = time.perf_counter()
    check = check_signature(data)
    elapsed = time.perf_counter() - started
    assert check.status == "valid"
    assert any("re-indented after it was signed" in note for note in check.notes)
    assert elapsed < 3.0, f"checking an 862 KiB message took {elapsed:.2f} s"


def test_canada_co_signs_side_by_side_with_sha1_which_is_refused_unless_allowed() -> None:
    data = (DATA / "canada_signed.cap").read_bytes()
    assert "SHA-1" in refused(data)
    check = check_signature(data, allow_sha1=True)
    assert check.status == "valid"
    assert [name for name, _ in check.signers] == ["dss1.pelmorex.com (Pelmorex Media Inc.)",
                                                   "meteo.gc.ca (Environment Canada)"]
    assert check.signer == "dss1.pelmorex.com (Pelmorex Media Inc.)"
    assert any("side-by-side" in note for note in check.notes)
    assert any("SHA-1" in note for note in check.notes)


def test_a_trust_list_picks_the_trusted_one_of_several_signers() -> None:
    data = (DATA / "canada_signed.cap").read_bytes()
    environment_canada = [c for c in embedded_certificates(data)
                          if "meteo.gc.ca" in c.subject.rfc4514_string()]
    check = check_signature(data, TrustList(tuple(environment_canada)), allow_sha1=True)
    assert check.trusted is True
    assert check.signer == "meteo.gc.ca (Environment Canada)"
    assert check.fingerprint == fingerprint(environment_canada[0])


REAL_BAD = [
    # The SignatureValue was altered in the last base64 character (non-zero spare bits).
    ("bz_signed_bad_signature.xml", "<SignatureValue>"),
    # The DigestValue was altered the same way (inside SignedInfo, so the signature fails too).
    ("tg_signed_bad_digest.xml", "<DigestValue>"),
    # Named "valid" where it came from, but its SignatureValue matches neither its SignedInfo nor its
    # content under any canonicalization (checked by hand, also after stripping whitespace): a copy
    # edited after signing.
    ("bz_signed_valid.xml", "does not match its content"),
    # Both NAAD System signatures are genuine (they verify over SignedInfo), but the alert was edited
    # after signing. Getting "genuine" here needs the inclusive-c14n workaround (default ds namespace).
    ("ca_eccc_multiarea_polygons.xml", "is genuine but the content no longer matches it"),
    ("derived_ca_eccc_windows-1252.xml", "is genuine but the content no longer matches it"),
    # Cameroon's message had <status> removed after it was signed (to test schema checks).
    ("cm_invalid_schema_MALFORMED.xml", "does not match its content"),
    # The published example elides its signature as "...".
    ("wcatwc_tsunami_update_3refs.xml", "placeholder"),
]


@pytest.mark.parametrize(("name", "words"), REAL_BAD)
def test_real_tampered_messages_are_refused_in_words(name: str, words: str) -> None:
    assert words in refused((WORLD / name).read_bytes())


def test_a_bare_key_signature_without_a_certificate_cannot_name_its_signer() -> None:
    data = (DATA / "earthquake_signed.cap").read_bytes()  # USGS, RSA KeyValue only, SHA-1
    assert "SHA-1" in refused(data)
    assert "no certificate" in refused(data, allow_sha1=True)


UNSIGNED = ["cap12_spec_a1_homeland.xml", "cn_cma_baoding_thunder_update.xml",
            "de_dwd_thunderstorm_update.xml", "derived_be_kmi_update_gb18030.xml", "nws_cap11_blizzard.xml",
            "dz_meteoalgerie_polygon.xml"]


@pytest.mark.parametrize("name", UNSIGNED)
def test_messages_without_a_signature_are_unsigned(name: str, service: Key) -> None:
    data = (WORLD / name).read_bytes()
    assert check_signature(data) == SignatureCheck("unsigned")
    with_list = check_signature(data, TrustList((service.certificate,)))
    assert with_list.status == "unsigned" and with_list.trusted is False
    assert with_list.signer == with_list.fingerprint == ""


def test_a_real_signer_is_trusted_only_when_its_certificate_is_listed() -> None:
    polygon = (WORLD / "ipaws_alert_polygon_signed.xml").read_bytes()
    cancel = (WORLD / "ipaws_bare_cancel_signed.xml").read_bytes()
    trust = TrustList(tuple(embedded_certificates(polygon)))
    assert check_signature(polygon, trust).trusted is True
    words = refused(cancel, "untrusted_signer", trusted=trust)
    assert "IPAWSOPEN_200302 (FEMA IPAWS)" in words
    assert fingerprint(embedded_certificates(cancel)[0]) in words


# ---- messages signed here ------------------------------------------------------------------------------


@dataclasses.dataclass
class Key:
    private: object
    certificate: x509.Certificate
    name: str


def make_key(common: str, organisation: str, *, kind: str = "ec", bits: int = 2048,
             valid_from: datetime | None = None, valid_until: datetime | None = None) -> Key:
    if kind == "ec":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        private = rsa.generate_private_key(65537, bits)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)])
    certificate = (
        x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
        .public_key(private.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(valid_from or NOW - timedelta(days=1))
        .not_valid_after(valid_until or NOW + timedelta(days=30))
        .sign(private, hashes.SHA256())
    )
    return Key(private, certificate, f"{common} ({organisation})")


@pytest.fixture(scope="module")
def service() -> Key:
    return make_key("Test Warning Service", "Test Met Office")


@pytest.fixture(scope="module")
def rsa_service() -> Key:
    return make_key("Test Warning Service RSA", "Test Met Office", kind="rsa")


@pytest.fixture(scope="module")
def impostor() -> Key:
    # Anyone can make a self-signed certificate that claims a real service's name.
    return make_key("IPAWSOPEN_200161", "FEMA IPAWS")


def alert(headline: str = "Evacuate the coast", sent: datetime = NOW, info_id: str = "") -> bytes:
    id_attribute = f' Id="{info_id}"' if info_id else ""
    return (f'<alert xmlns="{CAP}"><identifier>T-1</identifier><sender>test@example.org</sender>'
            f"<sent>{sent.isoformat()}</sent><status>Actual</status><msgType>Alert</msgType>"
            f"<scope>Public</scope><info{id_attribute}><category>Met</category><event>Storm surge</event>"
            "<urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>"
            f"<headline>{headline}</headline><area><areaDesc>Coast</areaDesc></area></info></alert>").encode()


def sign(data: bytes, key: Key, *, method: SignatureMethod | None = None,
         c14n=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0, digest=DigestAlgorithm.SHA256,
         with_certificate: bool = True, signer_class=XMLSigner, **options) -> bytes:
    if method is None:
        method = SignatureMethod.ECDSA_SHA256 if isinstance(key.private, ec.EllipticCurvePrivateKey) \
            else SignatureMethod.RSA_SHA256
    signer = signer_class(signature_algorithm=method, digest_algorithm=digest, c14n_algorithm=c14n)
    signed = signer.sign(etree.fromstring(data), key=key.private,
                         cert=[key.certificate] if with_certificate else None, **options)
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def edit(data: bytes, change) -> bytes:
    root = etree.fromstring(data)
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def resign(data: bytes, key: Key, change) -> bytes:
    """Change SignedInfo and sign it again with the key (EC, exclusive c14n): a signer who meant it."""
    root = etree.fromstring(data)
    change(root)
    signed_info = first(root, "ds:Signature/ds:SignedInfo")
    assert first(signed_info, "ds:CanonicalizationMethod").get("Algorithm").endswith("xml-exc-c14n#")
    r, s = decode_dss_signature(key.private.sign(etree.tostring(signed_info, method="c14n", exclusive=True),
                                                 ec.ECDSA(hashes.SHA256())))
    value = base64.b64encode(r.to_bytes(32) + s.to_bytes(32)).decode()
    first(root, "ds:Signature/ds:SignatureValue").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_resigning_here_makes_genuine_signatures(service: Key) -> None:
    assert check_signature(resign(sign(alert(), service), service, lambda r: None)).status == "valid"


def test_a_reference_without_uri_means_the_whole_alert(service: Key) -> None:
    # XML-DSig lets the application know its one data object; Belize's tools sign this way.
    data = resign(sign(alert(), service), service, lambda r: first(r, ".//ds:Reference").attrib.pop("URI"))
    assert first(etree.fromstring(data), ".//ds:Reference").get("URI") is None
    assert check_signature(data).status == "valid"
    changed = edit(data, lambda r: setattr(first(r, ".//cap:headline"), "text", "All clear"))
    assert "changed after it was signed" in refused(changed)


def first(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path, namespaces={"ds": DS, "cap": CAP})
    assert found is not None, path
    return found


@pytest.mark.parametrize("c14n", [CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
                                  CanonicalizationMethod.CANONICAL_XML_1_1,
                                  CanonicalizationMethod.CANONICAL_XML_1_0])
@pytest.mark.parametrize("which", ["service", "rsa_service"])
def test_a_message_signed_here_is_valid(which: str, c14n, request: pytest.FixtureRequest) -> None:
    key = request.getfixturevalue(which)
    check = check_signature(sign(alert(), key, c14n=c14n))
    assert check.status == "valid"
    assert check.signer == key.name
    assert check.fingerprint == fingerprint(key.certificate)
    assert check.algorithm == ("ecdsa-sha256" if which == "service" else "rsa-sha256")
    assert check.notes == ()
    assert parse_cap(check.signed_data).infos[0].headline == "Evacuate the coast"
    with pytest.raises(dataclasses.FrozenInstanceError):
        check.status = "unsigned"  # type: ignore[misc]


def test_a_text_changed_after_signing_is_refused(service: Key) -> None:
    data = edit(sign(alert(), service), lambda r: setattr(first(r, ".//cap:headline"), "text", "All clear"))
    assert "changed after it was signed" in refused(data)


def test_a_changed_signature_value_is_refused(service: Key) -> None:
    def flip(root: etree._Element) -> None:
        value = first(root, "ds:Signature/ds:SignatureValue")
        raw = bytearray(base64.b64decode(value.text))
        raw[5] ^= 0x01
        value.text = base64.b64encode(bytes(raw)).decode()

    assert "does not match its content" in refused(edit(sign(alert(), service), flip))


def test_a_changed_digest_value_is_refused(service: Key) -> None:
    def flip(root: etree._Element) -> None:
        value = first(root, ".//ds:DigestValue")
        value.text = base64.b64encode(bytes(32)).decode()

    assert "does not match its content" in refused(edit(sign(alert(), service), flip))


def test_a_signature_over_one_info_only_is_refused_and_cannot_vouch_for_an_added_info(service: Key) -> None:
    partial = sign(alert(info_id="i1"), service, reference_uri="#i1")
    assert "covers only the element #i1" in refused(partial)

    def add_unsigned_info(root: etree._Element) -> None:
        forged = etree.fromstring(etree.tostring(first(root, "cap:info")))
        forged.attrib.pop("Id")
        first(forged, "cap:headline").text = "Forged: all clear"
        first(root, "cap:info").addnext(forged)

    assert "covers only the element #i1" in refused(edit(partial, add_unsigned_info))


def test_an_unsigned_second_info_added_after_signing_is_refused(service: Key) -> None:
    def add_info(root: etree._Element) -> None:
        forged = etree.fromstring(etree.tostring(first(root, "cap:info")))
        first(forged, "cap:headline").text = "Forged: all clear"
        first(root, "cap:info").addnext(forged)

    assert "changed after it was signed" in refused(edit(sign(alert(), service), add_info))


def test_a_signer_outside_the_trust_list_is_refused_with_its_name_and_fingerprint(service: Key,
                                                                                  impostor: Key) -> None:
    data = sign(alert(), impostor)
    words = refused(data, "untrusted_signer", trusted=TrustList((service.certificate,)))
    assert impostor.name in words and fingerprint(impostor.certificate) in words
    accepted = check_signature(data, TrustList((service.certificate, impostor.certificate)))
    assert accepted.trusted is True and accepted.signer == impostor.name


def test_without_a_trust_list_a_re_signed_forgery_is_valid_but_names_only_a_claim(service: Key,
                                                                                  impostor: Key) -> None:
    def strip_and_forge(root: etree._Element) -> None:
        root.remove(first(root, "ds:Signature"))
        first(root, ".//cap:headline").text = "Forged: all clear"

    forged = sign(edit(sign(alert(), service), strip_and_forge), impostor)
    check = check_signature(forged)
    assert check.status == "valid" and check.trusted is None  # unaltered since signed, by someone
    assert check.signer == "IPAWSOPEN_200161 (FEMA IPAWS)"  # what the certificate claims, nothing more
    words = refused(forged, "untrusted_signer", trusted=TrustList((service.certificate,)))
    assert "IPAWSOPEN_200161" in words


# ---- signature wrapping --------------------------------------------------------------------------------


def test_a_signed_alert_wrapped_inside_a_forged_alert_is_refused(service: Key) -> None:
    signed = etree.fromstring(sign(alert(), service))
    forged = etree.fromstring(alert("Forged: all clear"))
    first(forged, "cap:info").append(signed)  # the genuine signed alert hidden inside the forged one
    assert "nested inside <alert>" in refused(etree.tostring(forged))


def test_a_signature_moved_onto_a_forged_alert_is_refused(service: Key) -> None:
    signature = first(etree.fromstring(sign(alert(), service)), "ds:Signature")
    forged = etree.fromstring(alert("Forged: all clear"))
    forged.append(signature)
    assert "changed after it was signed" in refused(etree.tostring(forged))


def test_a_fragment_signature_pointing_into_its_own_object_is_refused(service: Key) -> None:
    # Classic wrapping: the signed <info Id="i1"> is moved into the signature's <Object>, where the
    # reference still finds it, and a forged <info> takes its place in the alert.
    def wrap(root: etree._Element) -> None:
        genuine = first(root, "cap:info")
        forged = etree.fromstring(etree.tostring(genuine))
        forged.attrib.pop("Id")
        first(forged, "cap:headline").text = "Forged: all clear"
        genuine.addprevious(forged)
        holder = etree.SubElement(first(root, "ds:Signature"), f"{{{DS}}}Object")
        holder.append(genuine)

    data = edit(sign(alert(info_id="i1"), service, reference_uri="#i1"), wrap)
    assert "covers only the element #i1" in refused(data)


def test_a_signature_nested_inside_info_is_refused(service: Key) -> None:
    def place_inside_info(root: etree._Element) -> None:
        placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
        first(root, "cap:info").append(placeholder)

    nested = sign(edit(alert(), place_inside_info), service)
    assert first(etree.fromstring(nested), "cap:info/ds:Signature/ds:SignedInfo") is not None
    assert "nested inside <info>" in refused(nested)


def test_a_second_signature_by_an_attacker_does_not_cover_for_a_broken_first(service: Key,
                                                                              impostor: Key) -> None:
    tampered = edit(sign(alert(), service), lambda r: setattr(first(r, ".//cap:headline"), "text", "Forged"))
    both = sign(tampered, impostor)  # the attacker's own signature is valid over the forged alert
    assert len(etree.fromstring(both).findall(f"{{{DS}}}Signature")) == 2
    assert "signature 1 of 2" in refused(both)


def test_a_comment_that_splits_a_signed_text_changes_nothing_that_is_used(service: Key) -> None:
    # Comments are not signed (exclusive c14n without comments), so this still verifies; what is used
    # must then be the signed text, not the first text node a careless parser would return.
    def split(root: etree._Element) -> None:
        headline = first(root, ".//cap:headline")
        headline.text = "Evacuate"
        headline.append(etree.Comment(" nothing to see "))
        headline[0].tail = " the coast"

    data = edit(sign(alert(), service), split)
    assert etree.fromstring(data).find(f".//{{{CAP}}}headline").text == "Evacuate"  # lxml's first text node
    check = check_signature(data)
    assert check.status == "valid"
    assert parse_cap(check.signed_data).infos[0].headline == "Evacuate the coast"


def test_an_xpath_transform_is_refused_even_when_genuinely_signed(service: Key) -> None:
    # A filter that leaves every <info> out of what is signed: the signer vouches for the header only.
    def add_xpath(root: etree._Element) -> None:
        transform = etree.SubElement(first(root, ".//ds:Transforms"), f"{{{DS}}}Transform",
                                     Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116")
        etree.SubElement(transform, f"{{{DS}}}XPath").text = "not(ancestor-or-self::*[local-name()='info'])"

    data = resign(sign(alert(), service), service, add_xpath)
    assert "transform 'http://www.w3.org/TR/1999/REC-xpath-19991116'" in refused(data)


def test_an_outside_reference_is_refused_and_nothing_is_fetched(service: Key) -> None:
    def point_outside(root: etree._Element) -> None:
        first(root, ".//ds:Reference").set("URI", "http://192.0.2.1/x")

    data = resign(sign(alert(), service), service, point_outside)
    assert "outside resource" in refused(data)


def test_a_signature_without_the_enveloped_transform_is_refused(service: Key) -> None:
    def drop(root: etree._Element) -> None:
        transforms = first(root, ".//ds:Transforms")
        for transform in list(transforms):
            if transform.get("Algorithm", "").endswith("enveloped-signature"):
                transforms.remove(transform)

    assert "enveloped-signature" in refused(resign(sign(alert(), service), service, drop))


def test_two_references_are_refused(service: Key) -> None:
    def add_reference(root: etree._Element) -> None:
        reference = first(root, ".//ds:Reference")
        extra = etree.fromstring(etree.tostring(reference))
        extra.set("URI", "#i1")
        reference.addnext(extra)

    assert "signs 2 separate parts" in refused(edit(sign(alert(info_id="i1"), service), add_reference))


def test_an_hmac_signature_is_refused() -> None:
    signer = XMLSigner(signature_algorithm=SignatureMethod.HMAC_SHA256,
                       digest_algorithm=DigestAlgorithm.SHA256)
    data = etree.tostring(signer.sign(etree.fromstring(alert()), key=b"a shared secret"))
    assert "HMAC" in refused(data)


class _Sha1Signer(XMLSigner):
    def check_deprecated_methods(self) -> None:  # signxml refuses to make SHA-1 signatures otherwise
        pass


def test_sha1_is_refused_unless_allowed(rsa_service: Key) -> None:
    data = sign(alert(), rsa_service, method=SignatureMethod.RSA_SHA1, digest=DigestAlgorithm.SHA1,
                signer_class=_Sha1Signer)
    assert "SHA-1" in refused(data)
    check = check_signature(data, allow_sha1=True)
    assert check.status == "valid" and check.algorithm == "rsa-sha1"
    assert any("SHA-1" in note for note in check.notes)


def test_a_short_rsa_key_is_refused() -> None:
    weak = make_key("Weak Service", "Test Met Office", kind="rsa", bits=1024)
    assert "1024-bit RSA key" in refused(sign(alert(), weak))


def test_a_key_value_that_disagrees_with_the_certificate_is_refused(service: Key, impostor: Key) -> None:
    with_key_value = etree.fromstring(sign(alert(), impostor, always_add_key_value=True))
    other_key_info = first(with_key_value, ".//ds:KeyValue")

    def add(root: etree._Element) -> None:
        first(root, ".//ds:KeyInfo").append(other_key_info)

    assert "represent different public keys" in refused(edit(sign(alert(), service), add))


def test_a_swapped_certificate_is_refused(service: Key, impostor: Key) -> None:
    other = base64.b64encode(impostor.certificate.public_bytes(serialization.Encoding.DER)).decode()
    data = edit(sign(alert(), service), lambda r: setattr(first(r, ".//ds:X509Certificate"), "text", other))
    assert "does not match its content" in refused(data)


def test_a_certificate_must_have_been_valid_when_the_message_was_sent() -> None:
    expired = make_key("Old Service", "Test Met Office", valid_from=NOW - timedelta(days=30),
                       valid_until=NOW - timedelta(days=10))
    assert "had expired on" in refused(sign(alert(), expired))
    future = make_key("Future Service", "Test Met Office", valid_from=NOW + timedelta(days=1))
    assert "became valid only on" in refused(sign(alert(), future))
    # An archived message stays verifiable: valid when sent, expired since.
    check = check_signature(sign(alert(sent=NOW - timedelta(days=20)), expired))
    assert check.status == "valid"
    assert any("expired on" in note for note in check.notes)


def test_an_empty_placeholder_signature_is_refused(service: Key) -> None:
    data = edit(alert(), lambda r: r.append(etree.Element(f"{{{DS}}}Signature")))
    assert "placeholder" in refused(data)


# ---- several signatures --------------------------------------------------------------------------------


def test_side_by_side_signatures_all_verify(service: Key, impostor: Key) -> None:
    mine = etree.fromstring(sign(alert(), service))
    mine.append(first(etree.fromstring(sign(alert(), impostor)), "ds:Signature"))
    data = etree.tostring(mine)
    check = check_signature(data)
    assert [name for name, _ in check.signers] == [service.name, impostor.name]
    assert any("side-by-side" in note for note in check.notes)
    trusted = check_signature(data, TrustList((impostor.certificate,)))
    assert trusted.signer == impostor.name and trusted.trusted is True


def test_a_countersignature_over_a_signed_message_verifies(service: Key, impostor: Key) -> None:
    data = sign(sign(alert(), service), impostor)  # the second signature covers the first one too
    check = check_signature(data)
    assert check.signers == ((service.name, fingerprint(service.certificate)),
                             (impostor.name, fingerprint(impostor.certificate)))
    assert any("signature 1 of 2 covers the alert without the other" in note for note in check.notes)
    countersigned = edit(data, lambda r: setattr(first(r, ".//cap:headline"), "text", "Forged"))
    assert "signature 1 of 2" in refused(countersigned)


def test_more_signatures_than_any_service_uses_are_refused_unread(service: Key) -> None:
    root = etree.fromstring(sign(alert(), service))
    for _ in range(4):
        root.append(etree.fromstring(etree.tostring(first(root, "ds:Signature"))))
    assert "carries 5 digital signatures" in refused(etree.tostring(root))


def test_one_broken_signature_among_several_is_refused(service: Key, impostor: Key) -> None:
    mine = etree.fromstring(sign(alert(), service))
    theirs = first(etree.fromstring(sign(alert(), impostor)), "ds:Signature")
    value = first(theirs, "ds:SignatureValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[3] ^= 0x80
    value.text = base64.b64encode(bytes(raw)).decode()
    mine.append(theirs)
    assert "signature 2 of 2 does not match" in refused(etree.tostring(mine))


# ---- keys without a certificate, whitespace, hostile XML -------------------------------------------------


def test_a_bare_key_signature_is_checked_only_against_a_trust_list(service: Key, impostor: Key) -> None:
    data = sign(alert(), service, with_certificate=False)
    root = etree.fromstring(data)
    assert root.find(f".//{{{DS}}}KeyValue") is not None and root.find(f".//{{{DS}}}X509Data") is None
    assert "no certificate" in refused(data)
    check = check_signature(data, TrustList((impostor.certificate, service.certificate)))
    assert check.trusted is True and check.signer == service.name
    assert "bare key" in refused(data, "untrusted_signer", trusted=TrustList((impostor.certificate,)))


def test_re_indenting_after_signing_is_tolerated_but_a_change_is_not(service: Key) -> None:
    def indent(root: etree._Element) -> None:
        etree.indent(root, space="    ")

    check = check_signature(edit(sign(alert(), service), indent))
    assert check.status == "valid"
    assert any("re-indented" in note for note in check.notes)

    def indent_and_change(root: etree._Element) -> None:
        indent(root)
        first(root, ".//cap:headline").text = "All clear"

    assert "changed after it was signed" in refused(edit(sign(alert(), service), indent_and_change))


def test_a_dtd_is_refused_before_anything_is_read(service: Key) -> None:
    signed = sign(alert(), service).split(b"?>", 1)[1]
    for doctype in (b'<!DOCTYPE alert [<!ENTITY e "x">]>',
                    b'<!DOCTYPE alert SYSTEM "http://192.0.2.1/a.dtd">',
                    b'<!DOCTYPE alert [<!ENTITY e SYSTEM "file:///etc/passwd">]>'):
        data = b'<?xml version="1.0"?>\n<!-- a comment first -->\n' + doctype + signed
        assert "DTD" in refused(data, "forbidden")
    # UTF-16 escapes the byte scan; the parsed document's DTD is refused all the same.
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE alert [<!ENTITY e "x">]>'
             + signed.decode()).encode("utf-16")
    assert "DTD" in refused(utf16, "forbidden")


def test_what_is_not_a_cap_message_is_refused_as_such() -> None:
    assert refused(b"<feed xmlns='http://www.w3.org/2005/Atom'/>", "not_cap")
    assert refused(b"<alert><unclosed></alert>", "not_xml")
    with pytest.raises(TypeError):
        check_signature("<alert/>")  # type: ignore[arg-type]


# ---- trust lists ---------------------------------------------------------------------------------------


def pem(key: Key) -> bytes:
    return key.certificate.public_bytes(serialization.Encoding.PEM)


def test_a_trust_list_loads_from_a_file_or_a_folder(tmp_path: Path, service: Key, impostor: Key,
                                                    rsa_service: Key) -> None:
    (tmp_path / "one.pem").write_bytes(pem(service))
    assert TrustList.load(tmp_path / "one.pem").fingerprints == {fingerprint(service.certificate)}
    folder = tmp_path / "trusted"
    folder.mkdir()
    (folder / "bundle.pem").write_bytes(pem(service) + pem(impostor))
    (folder / "der.crt").write_bytes(rsa_service.certificate.public_bytes(serialization.Encoding.DER))
    (folder / "README.txt").write_text("not read")
    trust = TrustList.load(folder)
    assert len(trust) == 3
    assert rsa_service.certificate in trust
    assert fingerprint(impostor.certificate).upper() in trust
    colons = ":".join(fingerprint(service.certificate)[i:i + 2] for i in range(0, 64, 2))
    assert colons in trust
    assert TrustList.from_pem(pem(service)).fingerprints == {fingerprint(service.certificate)}


def test_a_bad_trust_list_is_refused_in_words(tmp_path: Path, service: Key, monkeypatch) -> None:
    with pytest.raises(TrustListError, match="does not exist"):
        TrustList.load(tmp_path / "missing.pem")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrustListError, match="holds no .pem"):
        TrustList.load(tmp_path / "empty")
    (tmp_path / "notes.pem").write_text("hello")
    with pytest.raises(TrustListError, match="notes.pem is not a certificate"):
        TrustList.load(tmp_path / "notes.pem")
    key = service.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption())
    (tmp_path / "key.pem").write_bytes(key)
    with pytest.raises(TrustListError, match="key.pem holds no certificate"):
        TrustList.load(tmp_path / "key.pem")
    (tmp_path / "damaged.pem").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
    with pytest.raises(TrustListError, match="damaged"):
        TrustList.load(tmp_path / "damaged.pem")
    (tmp_path / "locked.pem").write_bytes(pem(service))

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(TrustListError, match="locked.pem cannot be read: Permission denied"):
        TrustList.load(tmp_path / "locked.pem")
