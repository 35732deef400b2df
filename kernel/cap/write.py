"""Writing CAP 1.2: the schema's element order, one <info> per language."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from kernel.cap.model import CAP12, CapAlert, CapInfo, format_cap_time


def build_cap(alert: CapAlert) -> bytes:
    """The alert as CAP 1.2 XML (UTF-8), in the schema's element order."""
    root = ET.Element(_q("alert"))
    _add(root, "identifier", alert.identifier)
    _add(root, "sender", alert.sender)
    _add(root, "sent", format_cap_time(alert.sent))
    _add(root, "status", alert.status)
    _add(root, "msgType", alert.msg_type)
    _add(root, "source", alert.source)
    _add(root, "scope", alert.scope)
    _add(root, "restriction", alert.restriction)
    _add(root, "addresses", alert.addresses)
    for code in alert.codes:
        _add(root, "code", code)
    _add(root, "note", alert.note)
    if alert.references:
        _add(root, "references", " ".join(f"{r.sender},{r.identifier},{r.sent}" for r in alert.references))
    _add(root, "incidents", alert.incidents)
    for info in alert.infos:
        _build_info(ET.SubElement(root, _q("info")), info)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True, default_namespace=CAP12)


def _build_info(element: ET.Element, info: CapInfo) -> None:
    _add(element, "language", info.language)
    for category in info.category:
        _add(element, "category", category)
    _add(element, "event", info.event)
    for response_type in info.response_types:
        _add(element, "responseType", response_type)
    _add(element, "urgency", info.urgency)
    _add(element, "severity", info.severity)
    _add(element, "certainty", "Likely" if info.certainty == "Very Likely" else info.certainty)
    _add(element, "audience", info.audience)
    _add_pairs(element, "eventCode", info.event_codes)
    for name in ("effective", "onset", "expires"):
        moment = getattr(info, name)
        if moment is not None:
            _add(element, name, format_cap_time(moment))
    _add(element, "senderName", info.sender_name)
    _add(element, "headline", info.headline)
    _add(element, "description", info.description)
    _add(element, "instruction", info.instruction)
    _add(element, "web", info.web)
    _add(element, "contact", info.contact)
    _add_pairs(element, "parameter", info.parameters)
    for resource in info.resources:
        resource_element = ET.SubElement(element, _q("resource"))
        _add(resource_element, "resourceDesc", resource.description)
        # CAP 1.1 allowed a resource without a type; 1.2 needs one.
        _add(resource_element, "mimeType", resource.mime_type or "application/octet-stream")
        for name in ("size", "uri", "deref_uri", "digest"):
            _add(resource_element, "derefUri" if name == "deref_uri" else name, getattr(resource, name))
    for area in info.areas:
        area_element = ET.SubElement(element, _q("area"))
        _add(area_element, "areaDesc", area.description)
        for ring in area.polygons:
            _add(area_element, "polygon", " ".join(f"{_num(lat)},{_num(lon)}" for lon, lat in ring))
        for lon, lat, radius in area.circles:
            _add(area_element, "circle", f"{_num(lat)},{_num(lon)} {_num(radius)}")
        _add_pairs(area_element, "geocode", area.geocodes)
        _add(area_element, "altitude", area.altitude)
        _add(area_element, "ceiling", area.ceiling)


def _num(value: float) -> str:
    """The shortest decimal that reads back as the same number, never with an exponent."""
    text = repr(float(value))
    if "e" in text:
        text = format(value, ".20f").rstrip("0").rstrip(".")
    return text.removesuffix(".0")


def _q(name: str) -> str:
    return f"{{{CAP12}}}{name}"


def _add(parent: ET.Element, name: str, text: str) -> None:
    if text:
        ET.SubElement(parent, _q(name)).text = text


def _add_pairs(parent: ET.Element, name: str, pairs: tuple[tuple[str, str], ...]) -> None:
    for value_name, value in pairs:
        element = ET.SubElement(parent, _q(name))
        ET.SubElement(element, _q("valueName")).text = value_name
        ET.SubElement(element, _q("value")).text = value
