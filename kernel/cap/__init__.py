"""OASIS CAP 1.2 messages: a safe parser, an Atom-feed reader and a writer.

Shared by the cockpit and the central API's ingestion. CAP 1.2 is the target; CAP 1.1 is read too
(its elements are a subset of 1.2's), CAP 1.0 is refused.
"""

from kernel.cap.model import (
    ATOM,
    CAP10,
    CAP12,
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
    format_cap_time,
)
from kernel.cap.read import parse_cap, parse_feed
from kernel.cap.signature import SignatureCheck, TrustList, TrustListError, check_signature
from kernel.cap.write import build_cap

__all__ = [
    "ATOM", "CAP10", "CAP12", "CAP_NS", "CERTAINTIES", "MAX_CAP_BYTES", "MAX_FEED_BYTES", "MSG_TYPES", "SCOPES",
    "SEVERITIES", "STATUSES", "URGENCIES", "CapAlert", "CapArea", "CapError", "CapInfo", "CapReference",
    "CapResource", "CapTime", "FeedEntry", "build_cap", "format_cap_time", "parse_cap", "parse_feed",
    "SignatureCheck", "TrustList", "TrustListError", "check_signature",
]
