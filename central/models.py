"""Typed request bodies and the answers' shapes (they document the API in openapi.json).

Request bodies are strict: a number is a JSON number (never a boolean or a string), a text is a JSON
string, and nothing the model does not name is taken. What their JSON Schema allows is what the server
takes, so a client (or a property-based test) can rely on the published schema.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# -- formats shared by the requests and the answers ------------------------------------------------
# Texts never carry control characters (nor U+FFFE/U+FFFF): a warning's texts are also written as XML
# (CAP), which cannot hold them. One-line texts hold no line breaks either; both kinds are stripped of
# surrounding white space, so a required one needs a character that is not white space.
_CONTROL = r"\x00-\x1f\x7f\ufffe\uffff"
ONE_LINE = rf"^[^{_CONTROL}]*[^\s{_CONTROL}][^{_CONTROL}]*$"
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]*$"  # tabs and line breaks allowed
ADCODE = r"^(\d{6}|\d{9}|\d{12})$"  # a county (6 digits), town (9) or village (12) code of GB/T 2260
WARNING_ID = r"^W\d{6,12}$"
CURSOR = r"^[A-Za-z0-9_-]{1,200}$"  # opaque (URL-safe base64 today): pass back what was handed out
AFTER = r"^[A-Za-z0-9_-]{0,200}$"  # what `after` may be: a cursor, or empty (the same as leaving it out)
MAX_CURSOR = 200

Time = Annotated[str, Field(json_schema_extra={"format": "date-time"},
                            description="RFC 3339 with an offset, e.g. 2026-11-24T20:15:00+08:00")]
Adcode = Annotated[str, Field(pattern=ADCODE)]
Line = Annotated[str, Field(pattern=ONE_LINE)]
_RFC3339 = re.compile(r"(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:)(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def rfc3339(value: str) -> datetime:
    """An RFC 3339 date-time (what `format: date-time` means): T or t, Z or an offset, any fraction,
    a leap second (read as :59)."""
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise ValueError("must be an RFC 3339 time with an offset, like 2026-11-24T20:15:00+08:00")
    day, hour_minute, second, fraction, offset = match.groups()
    second = "59" if second == "60" else second
    offset = "+00:00" if offset in ("Z", "z") else offset
    try:
        return datetime.fromisoformat(f"{day}T{hour_minute}{second}{(fraction or '')[:7]}{offset}")
    except ValueError:
        raise ValueError(f"{value!r} is not a real time (check the date, the hour and the offset)") from None


def _no_surrogates(value: Any) -> Any:
    # JSON may spell a lone UTF-16 surrogate (\ud800); no text of ours can hold one.
    if isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("holds a lone UTF-16 surrogate, which is not a character")
    return value


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    @field_validator("*", mode="before")
    @classmethod
    def _characters(cls, value: Any) -> Any:
        return _no_surrogates(value)

    @field_validator("*", mode="after")
    @classmethod
    def _stripped(cls, value: Any) -> Any:
        # after the limits are checked on the text as sent (what the schema describes), not before
        return value.strip() if isinstance(value, str) else value


class AckIn(_Body):
    by: str = Field(min_length=1, max_length=100, pattern=ONE_LINE, description="who acknowledged, e.g. 张三")
    at: str = Field(max_length=40, json_schema_extra={"format": "date-time"},
                    description="the client's time, RFC 3339 with an offset")
    client: str = Field(min_length=1, max_length=100, pattern=ONE_LINE, description="which screen, e.g. wall-1")
    ack_id: str = Field(min_length=1, max_length=100, pattern=ONE_LINE,
                        description="unique per acknowledgement (a UUID)")

    @field_validator("at")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        rfc3339(value)
        return value


def _known_adcodes(schema: dict[str, Any]) -> None:
    from central.places import places  # late: the city's geography loads only when the schema is made

    schema["enum"] = sorted(places())


def _optional_number(schema: dict[str, Any]) -> None:
    schema.pop("default", None)  # may be left out, but is never null


class DrillIn(_Body):
    model_config = ConfigDict(json_schema_extra={"dependentRequired": {"lon": ["lat"], "lat": ["lon"]}})

    severity: Literal["red", "orange", "yellow", "blue"]
    headline: str = Field(min_length=1, max_length=200, pattern=ONE_LINE)
    adcode: str = Field(min_length=6, max_length=12, json_schema_extra=_known_adcodes,
                        description="the city, a county, town or functional zone of Nantong (they are listed)")
    description: str = Field("", max_length=4000, pattern=TEXT)
    instruction: str = Field("", max_length=4000, pattern=TEXT)
    item_code: str = Field("DRILL", min_length=1, max_length=40, pattern=ONE_LINE)
    item_name: str = Field("应急演练", min_length=1, max_length=100, pattern=ONE_LINE)
    domain: Literal["党建引领", "经济发展", "社会治理", "政务服务", "公共安全", "城市运行"] = "公共安全"
    expires_in_s: int = Field(3600, ge=60, le=7 * 86400, description="simulated seconds until it expires")
    lon: float = Field(None, ge=119.5, le=122.5, allow_inf_nan=False, json_schema_extra=_optional_number,
                       description="where (WGS-84); with lat, or neither (then the area's own point)")
    lat: float = Field(None, ge=31.3, le=33.0, allow_inf_nan=False, json_schema_extra=_optional_number,
                       description="where (WGS-84); with lon, or neither")

    @field_validator("expires_in_s", mode="before")
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        # JSON Schema's integer is any number without a fraction: 3600.0 is one (a boolean is not)
        return int(value) if isinstance(value, float) and value.is_integer() else value

    @model_validator(mode="after")
    def _both_or_neither(self) -> DrillIn:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("give both lon and lat, or neither")
        return self


class SpeedIn(_Body):
    speed: float = Field(gt=0, le=100_000, allow_inf_nan=False, description="simulated seconds per real second")


# ---------------------------------------------------------------- answers (documented in openapi.json)

class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class Health(_Answer):
    status: Literal["ok"]
    server_time: Time
    sim_time: Time


class Clock(_Answer):
    speed: float = Field(gt=0, le=100_000)
    sim_time: Time
    server_time: Time


class Item(_Answer):
    code: str
    name: str


class Circle(_Answer):
    lon: float
    lat: float
    radius_km: float


class Area(_Answer):
    name: str
    adcode: str | None
    polygon: list[list[float]] | None = Field(description="[[lon, lat], ...], WGS-84")
    circle: Circle | None


class Geocode(_Answer):
    name: str = Field(description="CAP valueName, e.g. adcode, SAME, EMMA_ID")
    value: str


class Shape(_Answer):
    """One area of the message as sent: every polygon and circle, and its geocodes."""
    name: str
    adcode: str | None = Field(description="a Chinese administrative code among the geocodes, if any")
    polygons: list[list[list[float]]] = Field(description="rings of [lon, lat], WGS-84, closed")
    circles: list[Circle]
    geocodes: list[Geocode]


class Signature(_Answer):
    status: Literal["valid", "unsigned"] = Field(
        description="valid: signed with XML-DSig and verified on arrival; unsigned: no signature")
    signer: str = Field(description="who signed it (the certificate's subject), empty when unsigned")
    fingerprint: str = Field(description="SHA-256 of the signer's certificate, hex")


class Reference(_Answer):
    sender: str
    identifier: str
    sent: Time


class Ack(_Answer):
    by: str
    at: Time = Field(description="the client's time, as it sent it")
    client: str


class WarningMessage(_Answer):
    id: str = Field(description="W + the feed sequence number, e.g. W000042")
    identifier: str
    sender: str
    msg_type: Literal["Alert", "Update", "Cancel"]
    references: list[Reference]
    severity: Literal["red", "orange", "yellow", "blue"]
    severity_name: str
    cap_severity: str
    urgency: str
    certainty: str
    headline: str
    description: str
    instruction: str
    item: Item
    domain: str
    sent: str
    expires: str | None
    expires_assumed: bool = Field(description="the message gave no expires: `expires` is the server's "
                                              "default lifetime for its level")
    area: Area = Field(description="the first area (clients of the first version of the contract)")
    areas: list[Shape] = Field(description="every area of the message")
    signature: Signature
    lon: float | None
    lat: float | None
    source: Literal["simulator", "cap", "drill"]
    status: Literal["Actual", "Exercise"]
    state: Literal["active", "updated", "cancelled", "expired"]
    acks: list[Ack]


class Feed(_Answer):
    warnings: list[WarningMessage]
    # the pattern documents the cursor's form without checking each answer against it
    cursor: str = Field(description="opaque; pass it back as `after`",
                        json_schema_extra={"pattern": CURSOR, "maxLength": MAX_CURSOR})
    server_time: Time
    sim_time: Time = Field(description="now on the clock of `sent` and `expires` (judge expiry by it)")
    speed: float = Field(description="how fast that clock runs against real time")


class Service(_Answer):
    service_code: str
    service_name: str | None
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class ServiceRequest(_Answer):
    service_request_id: str
    status: str | None
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str | None
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: Time | None
    updated_datetime: Time | None
    expected_datetime: Time | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class Problem(_Answer):
    error: str = Field(description="a short code, e.g. not_found, bad_cursor, cap_forbidden")
    message: str = Field(description="what went wrong, in words a person understands")


# -- the city's bodies (documented only: the simulator builds them, the cockpit checks them against the
# contract's models in kernel/contract; a newer server may add fields, so each object allows more)

class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


Figure = Annotated[float, Field(allow_inf_nan=False, ge=-1e15, le=1e15)]
Lon = Annotated[float, Field(allow_inf_nan=False, ge=-180, le=180)]
Lat = Annotated[float, Field(allow_inf_nan=False, ge=-90, le=90)]


class City(_Open):
    adcode: Adcode
    name: str


class PanelName(_Open):
    id: Line
    domain: str
    title: str


class Meta(_Open):
    api_version: str
    city: City
    server_time: Time
    sim_time: Time
    speed: float = Field(gt=0, le=100_000)
    datum: Literal["WGS-84"]
    attribution: str
    domains: list[str]
    panels: list[PanelName]
    counts: dict[str, int]


class Kpi(_Open):
    id: Line
    label: str
    value: Figure | None
    unit: str


class FigureName(_Open):
    id: Line
    label: str
    unit: str


class Region(_Open):
    adcode: Adcode
    name: str
    level: Literal["county", "town"]
    parent: Adcode
    figures: dict[str, Figure | None]


class Zone(_Open):
    code: str = Field(description="an adcode, or the zone's own code (e.g. ZONE-SXT)")
    name: str
    figures: dict[str, Figure | None]


class Event(_Open):
    id: Line
    kind: Literal["grid_event", "dispute", "hotline"]
    title: str
    lon: Lon
    lat: Lat
    adcode: Adcode | None = None
    state: str
    time: Time | None = None


class WarningPoint(_Open):
    id: str = Field(pattern=WARNING_ID)
    severity: Literal["red", "orange", "yellow", "blue"]
    headline: str
    lon: Lon | None
    lat: Lat | None
    adcode: str | None = Field(description="as the message gave it (an ingested CAP message may give any code)")
    state: str


class Situation(_Open):
    as_of: Time
    headline: list[Kpi] = Field(max_length=50)
    figures: list[FigureName] = Field(max_length=50)
    regions: list[Region] = Field(max_length=2000)
    zones: list[Zone] = Field(max_length=100)
    events: list[Event] = Field(max_length=3000)
    warnings: list[WarningPoint] = Field(max_length=1000)


class KpisBlock(_Open):
    type: Literal["kpis"]
    items: list[Kpi] = Field(max_length=50)


class SeriesLine(_Open):
    name: str
    values: list[Figure | None]


class SeriesBlock(_Open):
    type: Literal["series"]
    label: str
    unit: str
    x: list[Time] = Field(max_length=5000)
    lines: list[SeriesLine] = Field(max_length=20, description="each as long as x")


class Ranked(_Open):
    name: str
    value: Figure | None
    adcode: Adcode | None = None


class RankingBlock(_Open):
    type: Literal["ranking"]
    label: str
    unit: str
    items: list[Ranked] = Field(max_length=1000, description="largest value first")


class Share(_Open):
    name: str
    value: Figure | None


class SharesBlock(_Open):
    type: Literal["shares"]
    label: str
    unit: str
    items: list[Share] = Field(max_length=100)


class GaugeBlock(_Open):
    type: Literal["gauge"]
    label: str
    unit: str
    value: Figure | None
    min: Figure
    max: Figure
    target: Figure | None = None


class FunnelBlock(_Open):
    type: Literal["funnel"]
    label: str
    unit: str
    stages: list[Share] = Field(max_length=50)


class Column(_Open):
    id: Line
    label: str
    unit: str | None = None


class TableBlock(_Open):
    type: Literal["table"]
    label: str
    columns: list[Column] = Field(max_length=30)
    rows: list[dict[str, Figure | str | None]] = Field(max_length=50)


class Point(_Open):
    id: Line
    name: str
    lon: Lon
    lat: Lat
    level: Literal["red", "orange", "yellow", "blue", "normal"]
    value: Figure | None = None
    adcode: Adcode | None = None


class PointsBlock(_Open):
    type: Literal["points"]
    label: str
    items: list[Point] = Field(max_length=10_000)


class OtherBlock(_Open):
    """A block type of a city's own panel builders (a client that does not know it leaves it out)."""
    type: str = Field(max_length=40)


class Panel(_Open):
    id: Line
    domain: str
    title: str
    as_of: Time
    blocks: dict[str, KpisBlock | SeriesBlock | RankingBlock | SharesBlock | GaugeBlock | FunnelBlock | TableBlock
                 | PointsBlock | OtherBlock] = Field(max_length=50)
