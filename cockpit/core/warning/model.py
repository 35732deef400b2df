"""Warnings as the cockpit keeps them: what a source said, and what happened to it here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kernel import levels
from kernel.cap import CapAlert, CapArea
from kernel.cap.chain import canonical_sent

if TYPE_CHECKING:
    from kernel.cap import SignatureCheck

STATES = ("active", "updated", "cancelled", "expired")
CENTRAL = "central"  # origin of warnings from the central API's feed; feeds are named by their URL


def plain_url(url: str) -> str:
    """A URL fit for logs: no user, password, query or fragment (where tokens hide)."""
    if url == CENTRAL:
        return url
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"


@dataclass(frozen=True)
class WarningMessage:
    """One CAP-style message (Alert, Update or Cancel) as a source sent it."""

    id: str  # the central API's id (W000042), or "CAP-…" derived from the CAP key for direct feeds
    origin: str  # CENTRAL, or the CAP feed's URL
    source: str  # simulator, cap, drill (central's words) or feed
    identifier: str
    sender: str
    sent: datetime
    msg_type: str = "Alert"
    status: str = "Actual"
    references: tuple[tuple[str, str, str], ...] = ()  # (identifier, sender, sent as written)
    level: str = ""  # red/orange/yellow/blue, "" when the source gave no usable severity
    headline: str = ""
    description: str = ""
    instruction: str = ""
    area_name: str = ""
    adcode: str = ""
    lon: float | None = None
    lat: float | None = None
    expires: datetime | None = None
    domain: str = ""
    item_name: str = ""
    sender_name: str = ""
    state: str = "active"  # as the source judged it when sending
    areas: tuple[CapArea, ...] = ()  # every area as sent: polygons and circles in (lon, lat), geocodes
    expires_assumed: bool = False  # the source gave no `expires`: `expires` is the default lifetime's end
    signature: str = ""  # "valid" (signed, verified) or "unsigned"; "" when the source did not say
    signer: str = ""  # who signed it, when signed

    @property
    def key(self) -> tuple[str, str, str]:
        """CAP's name for the message: (identifier, sender, sent), sent in one canonical form."""
        return (self.identifier, self.sender, canonical_sent(self.sent.isoformat()))

    @property
    def reference_keys(self) -> list[tuple[str, str, str]]:
        return [(identifier, sender, canonical_sent(sent)) for identifier, sender, sent in self.references]

    @property
    def level_name(self) -> str:
        return f"{levels.of(self.level).name}预警" if self.level in levels.RANK else "未定级预警"

    @property
    def is_cap_source(self) -> bool:
        return self.source in ("cap", "feed")

    @property
    def signature_words(self) -> str:
        """签名已验证：<who> / 未签名; "" when the source said nothing of it."""
        if self.signature == "valid":
            return f"签名已验证：{self.signer or '签名者未注明'}"
        return "未签名" if self.signature == "unsigned" else ""

    @property
    def expiry_note(self) -> str:
        """Said after the end time when the source gave none and the default lifetime set it."""
        return "（来源未注明失效时间，按该级别默认时长）" if self.expires_assumed and self.expires else ""

    def to_json(self) -> str:
        data = asdict(self)
        data["sent"] = self.sent.isoformat()
        data["expires"] = self.expires.isoformat() if self.expires else None
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> WarningMessage:
        data = json.loads(text)
        data["sent"] = datetime.fromisoformat(data["sent"])
        data["expires"] = datetime.fromisoformat(data["expires"]) if data["expires"] else None
        data["references"] = tuple(tuple(ref) for ref in data["references"])
        data["areas"] = tuple(_area_from_dict(area) for area in data.get("areas") or ())
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class WarningRecord:
    """A received message and its life on this cockpit (from the inbox; a fresh copy on every change)."""

    local_id: int
    message: WarningMessage
    state: str
    received_at: datetime
    first_shown_at: datetime | None = None
    last_shown_at: datetime | None = None
    reminders: int = 0
    escalated_at: datetime | None = None
    acked_at: datetime | None = None
    acked_by: str = ""

    @property
    def id(self) -> str:
        return self.message.id

    @property
    def level(self) -> str:
        return self.message.level

    @property
    def acknowledged(self) -> bool:
        return self.acked_at is not None

    @property
    def wants_attention(self) -> bool:
        """In force, not yet acknowledged, and a message to show (not a Cancel, Ack or Error)."""
        return (self.state == "active" and not self.acknowledged
                and self.message.msg_type in ("Alert", "Update"))


class BadWarning(ValueError):
    """A feed item the cockpit cannot use; the text says why."""


def from_api(item: dict[str, Any]) -> WarningMessage:
    """A warning from the central API's feed (docs/api-contract.md, "Warnings")."""
    try:
        area = item.get("area") or {}
        return WarningMessage(
            id=str(item["id"]), origin=CENTRAL, source=str(item.get("source") or "simulator"),
            identifier=str(item["identifier"]), sender=str(item["sender"]),
            sent=_aware(datetime.fromisoformat(item["sent"])),
            msg_type=str(item.get("msg_type") or "Alert"), status=str(item.get("status") or "Actual"),
            references=tuple((str(r["identifier"]), str(r["sender"]), str(r["sent"]))
                             for r in item.get("references") or ()),
            level=item.get("severity") if item.get("severity") in levels.RANK else "",
            headline=str(item.get("headline") or ""), description=str(item.get("description") or ""),
            instruction=str(item.get("instruction") or ""), area_name=str(area.get("name") or ""),
            adcode=str(area.get("adcode") or item.get("adcode") or ""),
            lon=_number(item.get("lon")), lat=_number(item.get("lat")),
            expires=_aware(datetime.fromisoformat(item["expires"])) if item.get("expires") else None,
            domain=str(item.get("domain") or ""), item_name=str((item.get("item") or {}).get("name") or ""),
            state=item.get("state") if item.get("state") in STATES else "active",
            areas=tuple(_area_from_api(area) for area in item.get("areas") or ()),
            expires_assumed=item.get("expires_assumed") is True,
            signature=str((item.get("signature") or {}).get("status") or ""),
            signer=str((item.get("signature") or {}).get("signer") or ""),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BadWarning(f"预警 {item.get('id', '?') if isinstance(item, dict) else '?'} 的数据不完整或格式不对"
                         f"（{type(exc).__name__}: {exc}）") from None


def from_cap(alert: CapAlert, origin: str, languages: tuple[str, ...] = ("zh-CN", "zh", "en"), *,
             lifetimes: dict[str, timedelta] | None = None, signature: SignatureCheck | None = None) -> WarningMessage:
    """A warning read straight from a CAP source (a --cap-feed). A message without `expires` ends after
    its level's default lifetime (`kernel.levels.lifetimes`), and says so."""
    info = alert.info_for(languages)
    expires = info.expires if info else None
    if info and expires is None:
        expires = (info.effective or info.onset or alert.sent) + (lifetimes or levels.lifetimes())[
            levels.from_severity(info.severity) or "blue"]
    area = info.areas[0] if info and info.areas else None
    lon, lat = _area_centre(area) if area else (None, None)
    digest = hashlib.sha1("|".join(alert.key).encode()).hexdigest()[:12]
    return WarningMessage(
        id=f"CAP-{digest}", origin=origin, source="feed",
        identifier=alert.identifier, sender=alert.sender, sent=alert.sent,
        msg_type=alert.msg_type, status=alert.status,
        references=tuple((r.identifier, r.sender, r.sent) for r in alert.references),
        level=levels.from_severity(info.severity) if info else "",
        headline=(info.headline or info.event) if info else alert.note,
        description=info.description if info else "", instruction=info.instruction if info else "",
        area_name="；".join(a.description for a in info.areas) if info else "",
        adcode=_adcode(area) if area else "", lon=lon, lat=lat,
        expires=expires, expires_assumed=bool(info) and info.expires is None,
        sender_name=info.sender_name if info else "",
        state="cancelled" if alert.msg_type == "Cancel" else "active",
        areas=info.areas if info else (),
        signature=signature.status if signature else "", signer=signature.signer if signature else "",
    )


def _area_from_api(area: dict[str, Any]) -> CapArea:
    """One of a feed item's `areas` (docs/api-contract.md): rings of [lon, lat], circles, geocodes."""
    return CapArea(
        description=str(area.get("name") or ""),
        polygons=tuple(tuple((float(lon), float(lat)) for lon, lat in ring) for ring in area.get("polygons") or ()),
        circles=tuple((float(c["lon"]), float(c["lat"]), float(c["radius_km"])) for c in area.get("circles") or ()),
        geocodes=tuple((str(g["name"]), str(g["value"])) for g in area.get("geocodes") or ()),
    )


def _area_from_dict(area: dict[str, Any]) -> CapArea:
    return CapArea(
        description=area["description"],
        polygons=tuple(tuple((float(lon), float(lat)) for lon, lat in ring) for ring in area["polygons"]),
        circles=tuple((float(lon), float(lat), float(radius)) for lon, lat, radius in area["circles"]),
        geocodes=tuple((str(name), str(value)) for name, value in area["geocodes"]),
        altitude=area.get("altitude", ""), ceiling=area.get("ceiling", ""),
    )


def _area_centre(area) -> tuple[float | None, float | None]:
    if area.circles:
        return area.circles[0][0], area.circles[0][1]
    if area.polygons:
        ring = area.polygons[0][:-1] or area.polygons[0]
        return sum(p[0] for p in ring) / len(ring), sum(p[1] for p in ring) / len(ring)
    return None, None


def _adcode(area) -> str:
    """A GB/T 2260 administrative code among the geocodes (6 digits county, 9 town), if any."""
    for name, value in area.geocodes:
        if value.isdigit() and len(value) in (6, 9) and ("2260" in name or "adcode" in name.lower()):
            return value
    return ""


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"the time {moment.isoformat()} has no offset")
    return moment


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
