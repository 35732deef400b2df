"""CAP 1.2's vocabulary and the messages as values: what the reader returns and the writer takes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from kernel import levels

# National services send single messages near 1 MiB (one detailed polygon); both caps are checked
# before a byte is parsed.
MAX_CAP_BYTES = 4 * 1024 * 1024
MAX_FEED_BYTES = 16 * 1024 * 1024

CAP_NS = {
    "urn:oasis:names:tc:emergency:cap:1.2": "1.2",
    "urn:oasis:names:tc:emergency:cap:1.1": "1.1",
}
CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
CAP10 = "http://www.incident.com/cap/1.0"
ATOM = "http://www.w3.org/2005/Atom"

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown", "Very Likely")  # last: CAP 1.1 only

# CAP forbids spaces, commas and markup characters in identifiers and senders.
BAD_ID_CHARS = re.compile(r"[\s,<&]")


class CapError(ValueError):
    """A message that cannot be accepted; `code` says why, the text says it in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code  # too_large, not_xml, forbidden, not_cap, unsupported_version, invalid


class CapTime(datetime):
    """A CAP time that remembers how it was written (`-00:00` is not `+00:00` to a re-emitted message)."""

    written: str

    @classmethod
    def read(cls, text: str) -> CapTime:
        moment = datetime.fromisoformat(text)
        made = cls(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
                   moment.microsecond, moment.tzinfo, fold=moment.fold)
        made.written = text
        return made


@dataclass(frozen=True)
class CapReference:
    sender: str
    identifier: str
    sent: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.identifier, self.sender, self.sent)


@dataclass(frozen=True)
class CapArea:
    description: str
    polygons: tuple[tuple[tuple[float, float], ...], ...] = ()  # rings of (lon, lat)
    circles: tuple[tuple[float, float, float], ...] = ()  # (lon, lat, radius_km)
    geocodes: tuple[tuple[str, str], ...] = ()  # (valueName, value)
    altitude: str = ""  # feet above sea level, as written
    ceiling: str = ""


@dataclass(frozen=True)
class CapResource:
    description: str
    mime_type: str = ""
    size: str = ""  # bytes, as written
    uri: str = ""
    deref_uri: str = ""  # the resource itself, base64
    digest: str = ""  # SHA-1 of the resource, hex


@dataclass(frozen=True)
class CapInfo:
    language: str = "en-US"
    category: tuple[str, ...] = ()
    event: str = ""
    urgency: str = "Unknown"
    severity: str = "Unknown"
    certainty: str = "Unknown"
    headline: str = ""
    description: str = ""
    instruction: str = ""
    sender_name: str = ""
    web: str = ""
    contact: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    areas: tuple[CapArea, ...] = ()
    resources: tuple[CapResource, ...] = ()
    parameters: tuple[tuple[str, str], ...] = ()
    event_codes: tuple[tuple[str, str], ...] = ()
    response_types: tuple[str, ...] = ()
    audience: str = ""

    @property
    def level(self) -> str | None:
        """The colour level (red/orange/yellow/blue), or None for severity Unknown."""
        return levels.from_severity(self.severity) or None


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str = "Actual"
    msg_type: str = "Alert"
    scope: str = "Public"
    references: tuple[CapReference, ...] = ()
    infos: tuple[CapInfo, ...] = ()
    version: str = "1.2"
    note: str = ""
    source: str = ""
    restriction: str = ""
    addresses: str = ""
    codes: tuple[str, ...] = ()
    incidents: str = ""
    sent_text: str = field(default="", compare=False)  # `sent` exactly as written in the message

    @property
    def key(self) -> tuple[str, str, str]:
        """(identifier, sender, sent as written): what CAP `references` name a message by."""
        return (self.identifier, self.sender, self.sent_text or format_cap_time(self.sent))

    def info_for(self, languages: tuple[str, ...] = ("zh-CN", "zh", "en")) -> CapInfo | None:
        """The info block in the first wanted language (exact tag, then primary subtag), else the first."""
        if not self.infos:
            return None
        tags = [info.language.lower() for info in self.infos]
        for wanted in languages:
            if wanted.lower() in tags:
                return self.infos[tags.index(wanted.lower())]
        for wanted in languages:
            primary = wanted.lower().split("-")[0]
            for info, tag in zip(self.infos, tags, strict=True):
                if tag.split("-")[0] == primary:
                    return info
        return self.infos[0]


@dataclass(frozen=True)
class FeedEntry:
    id: str
    title: str
    updated: datetime | None
    link: str
    alert: CapAlert | None  # None: an index entry (fetch `link`), or a broken embedded message
    error: str = ""  # why the embedded message was refused, in words


def format_cap_time(moment: datetime) -> str:
    """CAP's dateTime form: seconds, always an explicit offset (never "Z"); a time read from a message
    is written as it was."""
    if isinstance(moment, CapTime) and getattr(moment, "written", ""):
        return moment.written
    if moment.tzinfo is None:
        raise CapError("invalid", f"the time {moment} has no time-zone offset; CAP times need one")
    return moment.isoformat(timespec="seconds")
