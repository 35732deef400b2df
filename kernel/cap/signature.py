"""Checking the XML-DSig signatures that warning services put on CAP messages.

`check_signature(data)` says whether a CAP message is signed, and if it is, that the signature is
genuine, covers the whole alert, and who made it; it raises CapError("bad_signature") otherwise. With a
TrustList (the certificates of the services you expect) the signer must also be one of them, else
CapError("untrusted_signer"). The cryptography is signxml's, with its own checks kept (the XML-DSig
schema, allowed algorithms, one reference, a KeyValue that disagrees with the certificate refused);
this module decides what is acceptable for CAP.

What is accepted:

- Every ds:Signature must be a direct child of the <alert> and carry a single Reference to the whole
  alert (URI="" or, as Belize's tools write it, no URI) with the enveloped-signature transform and
  nothing but canonicalization besides. A signature over a fragment (URI="#id"), one nested deeper in the
  message, or one with XPath/XSLT/base64 transforms is refused: a signed fragment or filtered view could
  vouch for content it does not cover, and the CAP reader would use that content all the same.
- Several signatures (at most four): all of them must verify, each over the whole alert; one failing
  signature fails the message, whatever the others say. Each is tried as XML-DSig defines it (only that
  signature left out) and, failing that, as made over the alert with the other signatures left out too:
  that is how Canada's NAAD System co-signs, and how a signature countersigned later looks. With a
  trust list, at least one signer must be in it; `signer` then names that one.
- The key is the X.509 certificate in KeyInfo (any of several, e.g. a chain): national services'
  certificates chain to no public CA bundle, so no chain is required. Trust comes from the TrustList,
  which pins certificates by their SHA-256 fingerprint. Without one, "valid" means "unaltered since
  signed by whoever holds this certificate", and `signer` is only what that certificate claims.
  A signature with no certificate (a bare KeyValue) is checked only against a trust list.
- The certificate must have been valid when the message says it was sent (`<sent>` is itself covered
  by the signature), so an archived message stays verifiable after its certificate expired.
- Algorithms: RSA (2048 bits or more, PKCS#1 v1.5 or PSS) and ECDSA (256 bits or more) with SHA-2 or
  SHA-3. SHA-1 is refused unless `allow_sha1=True` (older feeds, e.g. Canada's 2013 messages); DSA and
  HMAC never.
- Messages re-indented after signing (whitespace between elements added or removed) still verify, with
  a note: whitespace-only text carries nothing in CAP.

What is verified is what should be used: `SignatureCheck.signed_data` holds the alert exactly as signed
(canonical XML, signatures and comments left out); parse that rather than the received bytes to be sure
no parser difference (a charset, a comment splitting a text) slips in unsigned content.

Input is hostile: a DTD is refused before lxml sees it (and again after parsing, for encodings the
first check cannot read), entities are never expanded, nothing is fetched (no network, no external DTD,
no external references: a Reference URI to elsewhere is refused). The caller caps the size.
"""

from __future__ import annotations

import base64
import dataclasses
import os
import re
import warnings
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import cryptography.exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.utils import CryptographyDeprecationWarning
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    InvalidDigest,
    InvalidInput,
    InvalidSignature,
    SignatureConfiguration,
    SignatureMethod,
    XMLVerifier,
)

from kernel.cap.model import CAP_NS, CapError

DSIG = "http://www.w3.org/2000/09/xmldsig#"
_DS = f"{{{DSIG}}}"
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_C14N = frozenset(method.value for method in CanonicalizationMethod)
_SHA1_SIGNATURES = frozenset(
    m for m in SignatureMethod if "SHA1" in m.name and not m.name.startswith(("DSA", "HMAC"))
)
_STRONG_SIGNATURES = frozenset(
    m for m in SignatureMethod
    if (m.name.startswith(("RSA_", "ECDSA_")) or m.name.endswith("_RSA_MGF1")) and "SHA1" not in m.name
)
_STRONG_DIGESTS = frozenset(d for d in DigestAlgorithm if d is not DigestAlgorithm.SHA1)
_MIN_RSA_BITS = 2048
_MIN_EC_BITS = 256
_PEM_SUFFIXES = (".pem", ".crt", ".cer")
_SIG = "the message's digital signature"
_MAX_SIGNATURES = 4


class TrustListError(ValueError):
    """A trust list that cannot be loaded; the text says which file and why."""


@dataclass(frozen=True)
class TrustList:
    """The certificates whose signatures are trusted, pinned by SHA-256 fingerprint (no CA chains)."""

    certificates: tuple[x509.Certificate, ...]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> TrustList:
        """A PEM (or DER) certificate file, or a folder of .pem/.crt/.cer files (not searched deeper)."""
        place = Path(path)
        if place.is_dir():
            files = sorted(p for p in place.iterdir() if p.is_file() and p.suffix.lower() in _PEM_SUFFIXES)
            if not files:
                raise TrustListError(f"the trust list folder {place} holds no .pem, .crt or .cer file")
        elif place.exists():
            files = [place]
        else:
            raise TrustListError(f"the trust list {place} does not exist")
        certificates: list[x509.Certificate] = []
        for file in files:
            try:
                data = file.read_bytes()
            except OSError as exc:
                reason = exc.strerror or exc
                raise TrustListError(f"the trust list file {file} cannot be read: {reason}") from exc
            certificates.extend(_certificates_in(data, str(file)))
        return cls(tuple(certificates))

    @classmethod
    def from_pem(cls, data: bytes, source: str = "the PEM text") -> TrustList:
        return cls(tuple(_certificates_in(data, source)))

    @cached_property
    def fingerprints(self) -> frozenset[str]:
        return frozenset(_fingerprint(certificate) for certificate in self.certificates)

    def __contains__(self, item: object) -> bool:
        if isinstance(item, x509.Certificate):
            item = _fingerprint(item)
        return isinstance(item, str) and item.lower().replace(":", "") in self.fingerprints

    def __len__(self) -> int:
        return len(self.certificates)


@dataclass(frozen=True)
class SignatureCheck:
    """What check_signature found. `status` is "valid" or "unsigned" (a bad signature raises)."""

    status: str
    signer: str = ""  # the signer certificate's common name (organisation), in words
    fingerprint: str = ""  # SHA-256 of the signer certificate's DER, lower-case hex
    trusted: bool | None = None  # None: no trust list was given
    signers: tuple[tuple[str, str], ...] = ()  # (signer, fingerprint) of every signature, in document order
    algorithm: str = ""  # the signature algorithm, e.g. "rsa-sha256"
    certificate_expires: datetime | None = None
    notes: tuple[str, ...] = ()  # tolerances applied and other things worth saying, in words
    signed_data: bytes = field(default=b"", repr=False, compare=False)  # the alert as signed (see above)

    @property
    def signed(self) -> bool:
        return self.status == "valid"


def check_signature(data: bytes, trusted: TrustList | None = None, *,
                    allow_sha1: bool = False) -> SignatureCheck:
    """Check the XML-DSig signature(s) of a CAP message; raise CapError if a signature is bad or untrusted."""
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"a CAP message is checked from bytes, not {type(data).__name__}")
    data = bytes(data)
    _refuse_dtd_in_prolog(data)
    root = _parse(data, strip_blanks=False)
    signatures = list(root.iter(f"{_DS}Signature"))
    if not signatures:
        return SignatureCheck("unsigned", trusted=None if trusted is None else False)
    if len(signatures) > _MAX_SIGNATURES:  # each costs a pass over the whole message
        raise _bad(f"the message carries {len(signatures)} digital signatures; at most {_MAX_SIGNATURES} are "
                   "checked (real services use one to three)")
    for signature in signatures:
        parent = signature.getparent()
        if parent is not root:
            raise _bad(f"a digital signature is nested inside <{_local(parent.tag)}> instead of standing "
                       "directly under the message's top-level <alert>; it could vouch only for part of the "
                       "message, so it was refused")
    with warnings.catch_warnings():  # real certificates with a zero serial number make cryptography warn
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _check(data, root, len(signatures), trusted, allow_sha1)


def _check(data: bytes, root: etree._Element, count: int, trusted: TrustList | None,
           allow_sha1: bool) -> SignatureCheck:
    plans = [_inspect(signature, allow_sha1, trusted) for signature in root.findall(f"{_DS}Signature")]
    mismatches: list[_Mismatch] = []
    for strip_blanks in (False, True):
        tree = root if not strip_blanks else _parse(data, strip_blanks=True)
        try:
            found = [_verify_one(tree, index, count, plan, allow_sha1) for index, plan in enumerate(plans)]
        except _Mismatch as exc:
            mismatches.append(exc)
            continue
        break
    else:
        digest = [m for m in mismatches if m.digest]
        raise _bad(digest[0].words if digest else mismatches[0].words)

    notes = []
    if strip_blanks:
        notes.append("the message was re-indented after it was signed: only whitespace between elements "
                     "differs from what was signed")
    beside = [str(index + 1) for index, (_, side_by_side) in enumerate(found) if side_by_side]
    if beside:
        notes.append(f"signature {', '.join(beside)} of {count} covers the alert without the other "
                     "signatures (side-by-side signatures, or one countersigned later)")
    sent = _sent(tree)
    for certificate, _ in found:
        _check_certificate(certificate, sent, notes)
    if allow_sha1 and any(plan.method in _SHA1_SIGNATURES for plan in plans):
        notes.append("it is signed with SHA-1, accepted only because SHA-1 was allowed for this source")

    signers = tuple((_signer_name(c), _fingerprint(c)) for c, _ in found)
    chosen = 0
    if trusted is not None:
        hits = [i for i, (_, fingerprint) in enumerate(signers) if fingerprint in trusted.fingerprints]
        if not hits:
            named = " and ".join(f"{name} (certificate SHA-256 fingerprint {fp})" for name, fp in signers)
            which = "which is" if len(signers) == 1 else "none of which is"
            raise CapError("untrusted_signer", f"the message is signed by {named}, {which} in the trust "
                                               "list; add the certificate to the trust list if this service "
                                               "is expected")
        chosen = hits[0]
    certificate = found[chosen][0]
    return SignatureCheck(
        status="valid",
        signer=signers[chosen][0],
        fingerprint=signers[chosen][1],
        trusted=None if trusted is None else True,
        signers=signers,
        algorithm=plans[chosen].method.value.rpartition("#")[2],
        certificate_expires=certificate.not_valid_after_utc,
        notes=tuple(dict.fromkeys(notes)),
        signed_data=_signed_data(tree),
    )


# ---- parsing -------------------------------------------------------------------------------------------

_BLANKS = re.compile(rb"[ \t\r\n]*")


def _refuse_dtd_in_prolog(data: bytes) -> None:
    """Refuse a <!DOCTYPE> before the parser reads it (ASCII-compatible encodings; others after parsing).
    A DTD can only stand in the prolog, among the XML declaration, processing instructions and comments."""
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        pos = _BLANKS.match(data, pos).end()
        if data.startswith(b"<?", pos):
            end = data.find(b"?>", pos + 2)
        elif data.startswith(b"<!--", pos):
            end = data.find(b"-->", pos + 4)
        elif data.startswith(b"<!DOCTYPE", pos):
            raise _forbidden_dtd()
        else:
            return
        if end < 0:
            return
        pos = end + 2 if data[end] == ord("?") else end + 3


def _forbidden_dtd() -> CapError:
    return CapError("forbidden", "the CAP message declares a DTD (<!DOCTYPE>), which CAP never needs; it was "
                                 "refused, and nothing in it was expanded or fetched")


def _parser(strip_blanks: bool) -> etree.XMLParser:
    # Nothing is fetched or expanded: no network, no external DTD, entities left unresolved (and refused).
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           attribute_defaults=False, huge_tree=False, remove_blank_text=strip_blanks,
                           collect_ids=False)


def _parse(data: bytes, strip_blanks: bool) -> etree._Element:
    try:
        root = etree.fromstring(data, parser=_parser(strip_blanks))
    except etree.XMLSyntaxError as exc:
        raise CapError("not_xml", f"the CAP message is not well-formed XML ({exc})") from exc
    except (LookupError, ValueError) as exc:
        raise CapError("not_xml", f"the CAP message cannot be read: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise _forbidden_dtd()
    if next(root.iter(etree.Entity), None) is not None:
        raise CapError("forbidden", "the CAP message uses XML entities, which CAP never needs; it was "
                                    "refused")
    namespace, _, name = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if name != "alert" or namespace not in CAP_NS:
        raise CapError("not_cap", f"this is not a CAP alert: its root element is <{name}>")
    return root


# ---- one signature: what it claims, then whether it holds -------------------------------------------


@dataclass(frozen=True)
class _Plan:
    method: SignatureMethod
    certificates: tuple[x509.Certificate, ...]  # the keys to try (a chain in KeyInfo, or the trust list)
    from_trust_list: bool


class _Mismatch(Exception):
    def __init__(self, words: str, digest: bool) -> None:
        super().__init__(words)
        self.words, self.digest = words, digest


def _bad(words: str) -> CapError:
    return CapError("bad_signature", words)


def _only(parent: etree._Element, name: str) -> etree._Element:
    found = parent.findall(_DS + name)
    if len(found) != 1:
        if name == "SignedInfo" and not found:
            raise _bad("the message carries an incomplete digital signature (it has no <SignedInfo>, perhaps "
                       "a placeholder), which vouches for nothing")
        raise _bad(f"{_SIG} has {len(found)} <{name}> elements where XML-DSig allows exactly one")
    return found[0]


def _base64(element: etree._Element) -> bytes:
    text = "".join((element.text or "").split())
    try:
        value = base64.b64decode(text, validate=True)
    except ValueError:
        value = None
    # Strict: the spare bits of the last character must be zero, or two texts would give one value.
    if not value or base64.b64encode(value).decode("ascii") != text:
        raise _bad(f"the <{_local(element.tag)}> of the message's digital signature is not valid base64: it "
                   "has been altered or damaged")
    return value


def _inspect(signature: etree._Element, allow_sha1: bool, trusted: TrustList | None) -> _Plan:
    """What the signature claims, refused early (in words) if it is not a whole-alert signature we accept."""
    signed_info = _only(signature, "SignedInfo")
    _base64(_only(signature, "SignatureValue"))
    c14n = _only(signed_info, "CanonicalizationMethod").get("Algorithm", "")
    if c14n not in _C14N:
        raise _bad(f"{_SIG} uses the canonicalization {c14n!r}, which is not supported")
    method = _signature_method(_only(signed_info, "SignatureMethod").get("Algorithm", ""), allow_sha1)
    references = signed_info.findall(f"{_DS}Reference")
    if len(references) != 1:
        raise _bad(f"{_SIG} signs {len(references)} separate parts; only one signature over the whole alert "
                   "is accepted")
    reference = references[0]
    uri = reference.get("URI")
    if uri is not None and uri != "":
        if uri.startswith("#"):
            raise _bad(f"{_SIG} covers only the element {uri}, not the whole alert: a signed fragment could "
                       "vouch for unsigned content, so it was refused")
        raise _bad(f"{_SIG} refers to the outside resource {uri!r}; nothing is fetched, and only a signature "
                   "over the alert itself is accepted")
    transforms = reference.findall(f"{_DS}Transforms")
    if len(transforms) > 1:
        raise _bad(f"{_SIG} has more than one <Transforms> list")
    steps = transforms[0].findall(f"{_DS}Transform") if transforms else []
    algorithms = [step.get("Algorithm", "") for step in steps]
    for algorithm in algorithms:
        if algorithm != _ENVELOPED and algorithm not in _C14N:
            raise _bad(f"{_SIG} uses the transform {algorithm!r}, which could leave parts of the alert out "
                       "of what was signed; it was refused")
    if _ENVELOPED not in algorithms:
        raise _bad(f"{_SIG} lacks the enveloped-signature transform, so it cannot cover the alert it sits in")
    _digest_method(_only(reference, "DigestMethod").get("Algorithm", ""), allow_sha1)
    _base64(_only(reference, "DigestValue"))

    embedded = []
    for element in signature.findall(f"{_DS}KeyInfo/{_DS}X509Data/{_DS}X509Certificate"):
        try:
            embedded.append(x509.load_der_x509_certificate(_base64(element)))
        except (CapError, ValueError) as exc:
            raise _bad("the certificate in the message's digital signature cannot be read") from exc
    rsa_method = not method.name.startswith("ECDSA_")
    wanted = rsa.RSAPublicKey if rsa_method else ec.EllipticCurvePublicKey
    if embedded:
        usable = tuple(c for c in embedded if isinstance(c.public_key(), wanted))
        if not usable:
            kind = "RSA" if rsa_method else "EC"
            raise _bad(f"the certificate in {_SIG} holds no {kind} key, but the signature says it was made "
                       f"with {method.value.rpartition('#')[2]}")
        return _Plan(method, usable, from_trust_list=False)
    if trusted is not None:
        return _Plan(method, tuple(c for c in trusted.certificates if isinstance(c.public_key(), wanted)),
                     from_trust_list=True)
    raise _bad(f"{_SIG} carries no certificate naming its signer (at most a bare key), so it cannot be "
               "checked without a trust list")


def _signature_method(uri: str, allow_sha1: bool) -> SignatureMethod:
    try:
        method = SignatureMethod(uri)
    except ValueError:
        raise _bad(f"{_SIG} uses the algorithm {uri!r}, which is not supported") from None
    name = uri.rpartition("#")[2]
    if method.name.startswith("HMAC"):
        raise _bad(f"{_SIG} is an HMAC ({name}), made with a shared secret; it cannot name a signer, so it "
                   "was refused")
    if method.name.startswith("DSA"):
        raise _bad(f"{_SIG} uses DSA ({name}), which is no longer accepted")
    if method in _SHA1_SIGNATURES and not allow_sha1:
        raise _bad(f"the message's digital signature is made with SHA-1 ({name}), which is no longer safe "
                   "against forgery; it was refused")
    if method not in _STRONG_SIGNATURES and method not in _SHA1_SIGNATURES:
        raise _bad(f"the message's digital signature uses {name}, which is not accepted")
    return method


def _digest_method(uri: str, allow_sha1: bool) -> DigestAlgorithm:
    try:
        digest = DigestAlgorithm(uri)
    except ValueError:
        raise _bad(f"{_SIG} uses the digest {uri!r}, which is not supported") from None
    if digest is DigestAlgorithm.SHA1 and not allow_sha1:
        raise _bad("the message's digital signature digests the message with SHA-1, which is no longer safe "
                   "against forgery; it was refused")
    return digest


class _Verifier(XMLVerifier):
    """signxml's verifier, told which signature to check and fixed in three places (see each)."""

    def __init__(self, index: int) -> None:
        self._index = index

    def get_root(self, data):
        return data  # already parsed here, safely; signxml copies it before changing anything

    def _get_signature(self, root):
        return root.findall(f"{_DS}Signature")[self._index]

    def _resolve_reference(self, doc_root, reference, uri_resolver=None):
        # XML-DSig lets an application omit the URI of the one data object it knows: here, the alert.
        if reference.get("URI") is None:
            return doc_root
        return super()._resolve_reference(doc_root, reference, uri_resolver)

    def _c14n(self, nodes, algorithm, inclusive_ns_prefixes=None):
        # libxml2 2.14's inclusive canonicalization of a non-root element (SignedInfo) writes a wrong
        # xmlns="" on grandchildren when ds is the default namespace. Re-rooted copies keep every
        # in-scope namespace, which is the subset's namespace axis, and canonicalize correctly.
        nodes = nodes if isinstance(nodes, list) else [nodes]
        nodes = [n if not isinstance(n, etree._Element) or n.getparent() is None
                 else self._fromstring(self._tostring(n)) for n in nodes]
        return super()._c14n(nodes, algorithm, inclusive_ns_prefixes=inclusive_ns_prefixes)

    def validate_schema(self, signature):
        # Canada's NAAD System names its signature Id="NAADS Signature" (not an XML ID) and appends an
        # <Object xmlns=""> outside the XML-DSig namespace. Ids are never used here (only whole-alert
        # references are accepted) and foreign children of <Signature> are neither signed nor read, so
        # both are left out of the schema check; everything else must follow the schema.
        copy = self._fromstring(self._tostring(signature))
        for child in list(copy):
            if isinstance(child.tag, str) and not child.tag.startswith(_DS):
                copy.remove(child)
        for element in copy.iter():
            element.attrib.pop("Id", None)
        super().validate_schema(copy)


def _verify_one(tree: etree._Element, index: int, count: int, plan: _Plan,
                allow_sha1: bool) -> tuple[x509.Certificate, bool]:
    """(signer certificate, side by side?) for the index-th signature, or _Mismatch / CapError."""
    digest_failed = False
    for side_by_side in (False, True) if count > 1 else (False,):
        document, position = (_without_other_signatures(tree, index), 0) if side_by_side else (tree, index)
        for certificate in plan.certificates:
            try:
                _Verifier(position).verify(document, x509_cert=certificate, parser=_parser(False),
                                           expect_config=_config(certificate, allow_sha1))
            except InvalidDigest:
                digest_failed = True
                break  # the signature over SignedInfo held with this key: no other key will do better
            except InvalidSignature as exc:
                if "Signature verification failed" in str(exc) or "byte SignatureValue" in str(exc):
                    continue
                raise _bad(f"the message's digital signature cannot be verified ({exc})") from exc
            except etree.DocumentInvalid as exc:
                raise _bad(f"the message's digital signature is malformed ({exc})") from exc
            except (InvalidInput, ValueError, cryptography.exceptions.UnsupportedAlgorithm) as exc:
                raise _bad(f"the message's digital signature cannot be verified ({exc})") from exc
            return certificate, side_by_side
    which = f"signature {index + 1} of {count}" if count > 1 else "digital signature"
    if digest_failed:
        raise _Mismatch(f"the message's {which} is genuine but the content no longer matches it: the message "
                        "was changed after it was signed", digest=True)
    if plan.from_trust_list:
        if _holds_with_bare_key(tree, index, allow_sha1):
            raise CapError("untrusted_signer", f"the message's {which} is made with a bare key (no "
                                               "certificate) that belongs to none of the certificates in the "
                                               "trust list")
        raise _Mismatch(f"the message's {which} carries no certificate and was made by none of the trusted "
                        "certificates", digest=False)
    raise _Mismatch(f"the message's {which} does not match its content: the message or its signature was "
                    "changed after signing", digest=False)


def _holds_with_bare_key(tree: etree._Element, index: int, allow_sha1: bool) -> bool:
    """Whether a certificate-less signature verifies with the KeyValue it carries (which proves no one)."""
    config = replace(_config(None, allow_sha1), require_x509=False)
    try:
        _Verifier(index).verify(tree, parser=_parser(False), expect_config=config)
    except Exception:  # any failure means "no": the caller reports the mismatch
        return False
    return True


# signxml 5 checks a given certificate's validity at one instant (4 does not check it at all).
_CHECKS_VALIDITY = any(f.name == "verification_time" for f in dataclasses.fields(SignatureConfiguration))


def _config(certificate: x509.Certificate | None, allow_sha1: bool) -> SignatureConfiguration:
    # The middle of the certificate's life passes signxml's own validity check; _check_certificate then
    # checks validity at the (signed) time the message was sent, once the signature is known to hold.
    timing = {}
    if certificate is not None and _CHECKS_VALIDITY:
        start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
        timing["verification_time"] = start + (end - start) / 2 if end > start else start
    return SignatureConfiguration(
        require_x509=True,
        location="./",
        expect_references=1,
        signature_methods=_STRONG_SIGNATURES | (_SHA1_SIGNATURES if allow_sha1 else frozenset()),
        digest_algorithms=_STRONG_DIGESTS | ({DigestAlgorithm.SHA1} if allow_sha1 else frozenset()),
        ignore_ambiguous_key_info=False,  # a KeyValue that disagrees with the certificate is refused
        **timing,
    )


def _without_other_signatures(tree: etree._Element, keep: int) -> etree._Element:
    copy = etree.fromstring(etree.tostring(tree), parser=_parser(False))
    for index, signature in enumerate(copy.findall(f"{_DS}Signature")):
        if index != keep:
            _remove_keeping_tail(signature)
    return copy


def _remove_keeping_tail(element: etree._Element) -> None:
    """Take an element out as the enveloped-signature transform does: the text after it stays."""
    parent, previous = element.getparent(), element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _signed_data(tree: etree._Element) -> bytes:
    copy = etree.fromstring(etree.tostring(tree), parser=_parser(False))
    for signature in copy.findall(f"{_DS}Signature"):
        _remove_keeping_tail(signature)
    return etree.tostring(copy, method="c14n", with_comments=False)


def _sent(tree: etree._Element) -> datetime | None:
    namespace = tree.tag[1:].partition("}")[0]
    element = tree.find(f"{{{namespace}}}sent")
    try:
        moment = datetime.fromisoformat((element.text or "").strip()) if element is not None else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _check_certificate(certificate: x509.Certificate, sent: datetime | None, notes: list[str]) -> None:
    name = _signer_name(certificate)
    key = certificate.public_key()
    if isinstance(key, rsa.RSAPublicKey) and key.key_size < _MIN_RSA_BITS:
        raise _bad(f"the signer's key ({name}) is a {key.key_size}-bit RSA key, too short to be safe; at "
                   f"least {_MIN_RSA_BITS} bits are needed")
    if isinstance(key, ec.EllipticCurvePublicKey) and key.key_size < _MIN_EC_BITS:
        raise _bad(f"the signer's key ({name}) is a {key.key_size}-bit EC key, too short to be safe")
    start, end = certificate.not_valid_before_utc, certificate.not_valid_after_utc
    when = sent or datetime.now(UTC)
    said = f"the message says it was sent on {sent.isoformat()}" if sent else "now"
    if when < start:
        raise _bad(f"the signer's certificate ({name}) became valid only on {start.date()}, after {said}: a "
                   "message cannot have been signed with it then")
    if when > end:
        raise _bad(f"the signer's certificate ({name}) had expired on {end.date()}, before {said}")
    if sent is not None and end < datetime.now(UTC):
        notes.append(f"the signer's certificate ({name}) expired on {end.date()}; it was valid when the "
                     "message was sent")


def _signer_name(certificate: x509.Certificate) -> str:
    def first(oid: x509.ObjectIdentifier) -> str:
        values = certificate.subject.get_attributes_for_oid(oid)
        return str(values[0].value).strip() if values else ""

    common, organisation = first(x509.NameOID.COMMON_NAME), first(x509.NameOID.ORGANIZATION_NAME)
    if common and organisation and organisation != common:
        return f"{common} ({organisation})"
    if common or organisation:
        return common or organisation
    try:
        return certificate.subject.rfc4514_string() or "an unnamed signer"
    except ValueError:
        return "an unnamed signer"


def _fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def _certificates_in(data: bytes, source: str) -> list[x509.Certificate]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        if b"-----BEGIN" in data:
            if b"-----BEGIN CERTIFICATE-----" not in data:
                raise TrustListError(f"{source} holds no certificate (PEM, but no BEGIN CERTIFICATE block; a "
                                     "private key or request perhaps)")
            try:
                return x509.load_pem_x509_certificates(data)
            except ValueError as exc:
                raise TrustListError(f"{source} holds a damaged PEM certificate ({exc})") from exc
        try:
            return [x509.load_der_x509_certificate(data)]
        except ValueError as exc:
            raise TrustListError(f"{source} is not a certificate (neither PEM nor DER)") from exc


def _local(tag: object) -> str:
    return str(tag).rpartition("}")[2]
