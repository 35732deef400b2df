"""Reading CAP: one message, or an Atom feed of them (CAP 1.2; CAP 1.1 too, as a subset; 1.0 refused).

Input is hostile until proven otherwise: the size is checked before parsing, and defusedxml refuses
any DTD, entity or external reference, so nothing is ever read from disk or fetched while parsing.
"""

from __future__ import annotations

import codecs
import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import defusedxml
import defusedxml.ElementTree as SafeET

from kernel.cap.model import (
    ATOM,
    BAD_ID_CHARS,
    CAP10,
    CAP_NS,
    CERTAINTIES,
    MAX_CAP_BYTES,
    MAX_FEED_BYTES,
    MSG_TYPES,
    SCOPES,
    SEVERITIES,
    STATUSES,
    URGENCIES,
    CapAlert,
    CapArea,
    CapError,
    CapInfo,
    CapReference,
    CapResource,
    CapTime,
    FeedEntry,
)


def parse_cap(data: bytes) -> CapAlert:
    """Parse one CAP message; raise CapError with a plain-words reason if it cannot be accepted."""
    root = _safe_root(data, MAX_CAP_BYTES, "CAP message")
    return _alert_from(root)


def parse_feed(data: bytes) -> list[FeedEntry]:
    """Read an Atom feed of CAP entries (embedded messages, or links to them in an index feed)."""
    root = _safe_root(data, MAX_FEED_BYTES, "Atom feed")
    if root.tag != f"{{{ATOM}}}feed":
        raise CapError("not_cap", f"this is not an Atom feed: its root element is <{_local(root.tag)}>")
    entries = []
    for entry in root.findall(f"{{{ATOM}}}entry"):
        alert, error = None, ""
        content = entry.find(f"{{{ATOM}}}content")
        embedded = [child for child in content if _local(child.tag) == "alert"] if content is not None else []
        if embedded:
            try:
                alert = _alert_from(embedded[0])
            except CapError as exc:
                error = str(exc)
        entries.append(FeedEntry(
            id=_text(entry, f"{{{ATOM}}}id"),
            title=_text(entry, f"{{{ATOM}}}title"),
            updated=_lenient_time(_text(entry, f"{{{ATOM}}}updated")),
            link=_cap_link(entry),
            alert=alert,
            error=error,
        ))
    return entries


_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["'][^>]*\?>""")
_EXPAT_ENCODINGS = {"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"}


def size_words(size: int) -> str:
    """4194304 -> "4 MiB", 881000 -> "860.4 KiB"."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def _expat_readable(data: bytes, what: str) -> bytes | str:
    """Expat reads UTF-8/16, ASCII and Latin-1 only; Chinese systems often send GB2312, GBK or
    GB18030. Those are decoded here (declaration dropped), so a warning is never lost to its charset."""
    declared = _DECLARED_ENCODING.match(data)
    if declared is None or declared.group(1).decode("ascii").lower() in _EXPAT_ENCODINGS:
        return data
    name = declared.group(1).decode("ascii")
    try:
        text = data[declared.end():].decode(codecs.lookup(name).name)
    except LookupError as exc:
        raise CapError("not_xml", f"the {what} declares the unknown encoding {name!r}") from exc
    except UnicodeDecodeError as exc:
        raise CapError("not_xml", f"the {what} is not valid {name} text ({exc.reason} at byte {exc.start})") from exc
    return text


def _safe_root(data: bytes, limit: int, what: str) -> ET.Element:
    if not isinstance(data, bytes | bytearray):
        raise TypeError(f"a {what} is parsed from bytes, not {type(data).__name__}")
    if len(data) > limit:
        raise CapError("too_large", f"the {what} is {size_words(len(data))}; at most {size_words(limit)} "
                                    "is accepted")
    head = bytes(data[:512]).lstrip().lower()
    if not head:
        raise CapError("not_xml", f"the {what} is empty")
    if head.startswith((b"<!doctype html", b"<html")):
        raise CapError("not_cap", f"an HTML page arrived instead of a {what} (often a server error page)")
    try:
        return SafeET.fromstring(_expat_readable(bytes(data), what), forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except defusedxml.DTDForbidden as exc:
        raise CapError("forbidden", f"the {what} declares a DTD (<!DOCTYPE>), which CAP never needs; "
                                    "it was refused unread") from exc
    except defusedxml.EntitiesForbidden as exc:
        raise CapError("forbidden", f"the {what} declares XML entities, which CAP never needs; "
                                    "it was refused unread") from exc
    except defusedxml.ExternalReferenceForbidden as exc:
        raise CapError("forbidden", f"the {what} refers to an external resource; it was refused "
                                    "and nothing was fetched") from exc
    except ET.ParseError as exc:
        raise CapError("not_xml", f"the {what} is not well-formed XML ({exc})") from exc
    except (LookupError, ValueError) as exc:  # after defusedxml's refusals, which are ValueErrors too
        raise CapError("not_xml", f"the {what} cannot be read: {exc}") from exc


def _alert_from(root: ET.Element) -> CapAlert:
    namespace, _, name = root.tag[1:].partition("}") if root.tag.startswith("{") else ("", "", root.tag)
    if namespace == CAP10:
        raise CapError("unsupported_version", "this is a CAP 1.0 message; only CAP 1.2 and 1.1 are read")
    if name != "alert" or namespace not in CAP_NS:
        where = f" in namespace {namespace}" if namespace else " without a namespace"
        raise CapError("not_cap", f"this is not a CAP alert: its root element is <{name}>{where}")
    ns = f"{{{namespace}}}"
    get = _Reader(root, ns, "alert")
    sent_text = get.required("sent")
    references = get.optional_element("references")
    return CapAlert(
        identifier=_identifier(get.required("identifier"), "identifier"),
        sender=_identifier(get.required("sender"), "sender"),
        sent=_cap_time(sent_text, "sent"),
        status=get.choice("status", STATUSES),
        msg_type=get.choice("msgType", MSG_TYPES),
        scope=get.choice("scope", SCOPES),
        references=_references(references) if references is not None else (),
        infos=tuple(_info_from(element, ns) for element in root.findall(f"{ns}info")),
        version=CAP_NS[namespace],
        note=get.optional("note"),
        source=get.optional("source"),
        restriction=get.optional("restriction"),
        addresses=get.optional("addresses"),
        codes=get.all("code"),
        incidents=get.optional("incidents"),
        sent_text=sent_text,
    )


def _info_from(element: ET.Element, ns: str) -> CapInfo:
    get = _Reader(element, ns, "info")
    categories = get.all("category")
    if not categories:
        raise CapError("invalid", "an <info> block has no <category>; CAP requires at least one")
    return CapInfo(
        language=get.optional("language") or "en-US",
        category=categories,
        event=get.required("event"),
        urgency=get.choice("urgency", URGENCIES),
        severity=get.choice("severity", SEVERITIES),
        certainty=get.choice("certainty", CERTAINTIES),
        headline=get.optional("headline"),
        description=get.optional("description"),
        instruction=get.optional("instruction"),
        sender_name=get.optional("senderName"),
        web=get.optional("web"),
        contact=get.optional("contact"),
        effective=get.time("effective"),
        onset=get.time("onset"),
        expires=get.time("expires"),
        areas=tuple(_area_from(area, ns) for area in element.findall(f"{ns}area")),
        resources=tuple(_resource_from(resource, ns) for resource in element.findall(f"{ns}resource")),
        parameters=get.pairs("parameter"),
        event_codes=get.pairs("eventCode"),
        response_types=get.all("responseType"),
        audience=get.optional("audience"),
    )


def _area_from(element: ET.Element, ns: str) -> CapArea:
    get = _Reader(element, ns, "area")
    return CapArea(
        description=get.required("areaDesc"),
        polygons=tuple(_polygon(text) for text in get.all("polygon")),
        circles=tuple(_circle(text) for text in get.all("circle")),
        geocodes=get.pairs("geocode"),
        altitude=get.optional("altitude"),
        ceiling=get.optional("ceiling"),
    )


def _resource_from(element: ET.Element, ns: str) -> CapResource:
    get = _Reader(element, ns, "resource")
    return CapResource(
        description=get.required("resourceDesc"), mime_type=get.optional("mimeType"), size=get.optional("size"),
        uri=get.optional("uri"), deref_uri=get.optional("derefUri"), digest=get.optional("digest"),
    )


class _Reader:
    """Reads the CAP children of one element, with errors that name the element."""

    def __init__(self, element: ET.Element, ns: str, where: str) -> None:
        self.element, self.ns, self.where = element, ns, where

    def optional_element(self, name: str) -> ET.Element | None:
        return self.element.find(self.ns + name)

    def optional(self, name: str) -> str:
        found = self.element.find(self.ns + name)
        return (found.text or "").strip() if found is not None else ""

    def required(self, name: str) -> str:
        value = self.optional(name)
        if not value:
            missing = "is empty" if self.element.find(self.ns + name) is not None else "is missing"
            raise CapError("invalid", f"<{name}> {missing} in <{self.where}>; CAP requires it")
        return value

    def choice(self, name: str, allowed: tuple[str, ...]) -> str:
        value = self.required(name)
        if value not in allowed:
            raise CapError("invalid", f"<{name}> is {value!r}; CAP allows {', '.join(allowed)}")
        return value

    def all(self, name: str) -> tuple[str, ...]:
        return tuple((e.text or "").strip() for e in self.element.findall(self.ns + name)
                     if (e.text or "").strip())

    def time(self, name: str) -> datetime | None:
        value = self.optional(name)
        return _cap_time(value, name) if value else None

    def pairs(self, name: str) -> tuple[tuple[str, str], ...]:
        pairs = []
        for element in self.element.findall(self.ns + name):
            inner = _Reader(element, self.ns, name)
            pairs.append((inner.required("valueName"), inner.optional("value")))
        return tuple(pairs)


def _identifier(value: str, name: str) -> str:
    if BAD_ID_CHARS.search(value):
        raise CapError("invalid", f"<{name}> {value!r} contains a space, comma or markup character, "
                                  "which CAP forbids")
    return value


def _cap_time(text: str, name: str) -> CapTime:
    try:
        moment = CapTime.read(text)
    except ValueError:
        raise CapError("invalid", f"<{name}> {text!r} is not a date and time like "
                                  "2026-11-24T20:15:00+08:00") from None
    if moment.tzinfo is None:
        raise CapError("invalid", f"<{name}> {text!r} has no time-zone offset; CAP times need one")
    return moment


def _lenient_time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _references(element: ET.Element) -> tuple[CapReference, ...]:
    triples = (element.text or "").split()
    if not triples:
        raise CapError("invalid", "<references> is empty; it must list sender,identifier,sent triples")
    references = []
    for triple in triples:
        parts = triple.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapError("invalid", f"the reference {triple!r} is not a sender,identifier,sent triple")
        _cap_time(parts[2], "references")
        references.append(CapReference(sender=parts[0], identifier=parts[1], sent=parts[2]))
    return tuple(references)


def _point(pair: str, what: str) -> tuple[float, float]:
    """CAP writes "lat,lon"; we keep (lon, lat)."""
    try:
        lat_text, lon_text = pair.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise CapError("invalid", f"the {what} point {pair!r} is not a 'latitude,longitude' pair") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise CapError("invalid", f"the {what} point {pair!r} is off the globe (latitude first, then longitude)")
    return (lon, lat)


def _polygon(text: str) -> tuple[tuple[float, float], ...]:
    ring = [_point(pair, "polygon") for pair in text.split()]
    if len(ring) < 4:
        raise CapError("invalid", f"a <polygon> has {len(ring)} points; CAP needs at least 4 "
                                  "(the first repeated at the end)")
    if ring[0] != ring[-1]:
        ring.append(ring[0])  # be liberal: close an open ring rather than drop the warning
    return tuple(ring)


def _circle(text: str) -> tuple[float, float, float]:
    centre, _, radius = text.strip().partition(" ")
    lon, lat = _point(centre, "circle")
    try:
        radius_km = float(radius)
    except ValueError:
        raise CapError("invalid", f"the <circle> {text!r} is not 'latitude,longitude radius_km'") from None
    if not (math.isfinite(radius_km) and radius_km >= 0):
        raise CapError("invalid", f"the <circle> {text!r} needs a finite radius of 0 km or more")
    return (lon, lat, radius_km)


def _cap_link(entry: ET.Element) -> str:
    """The entry's link to its CAP message: rel=related of a CAP type first, then the main link."""
    links = entry.findall(f"{{{ATOM}}}link")
    for link in links:
        if "cap" in link.get("type", "") and link.get("href"):
            return link.get("href", "")
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href", "")
    return ""


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
