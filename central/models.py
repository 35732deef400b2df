"""Typed request bodies (they also document the admin and ack calls in openapi.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AckIn(_Body):
    by: str = Field(min_length=1, max_length=100, description="who acknowledged, e.g. 张三")
    at: str = Field(description="the client's time, ISO 8601 with offset")
    client: str = Field(min_length=1, max_length=100, description="which screen, e.g. wall-1")
    ack_id: str = Field(min_length=1, max_length=100, description="unique per acknowledgement (a UUID)")

    @field_validator("at")
    @classmethod
    def _iso_time(cls, value: str) -> str:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be a time like 2026-11-24T20:15:00+08:00") from None
        if moment.tzinfo is None:
            raise ValueError("needs a time-zone offset, like +08:00")
        return value


class DrillIn(_Body):
    severity: Literal["red", "orange", "yellow", "blue"]
    headline: str = Field(min_length=1, max_length=200)
    adcode: str = Field(min_length=6, max_length=12, description="a county, town or zone code of Nantong")
    description: str = Field("", max_length=4000)
    instruction: str = Field("", max_length=4000)
    item_code: str = Field("DRILL", min_length=1, max_length=40)
    item_name: str = Field("应急演练", min_length=1, max_length=100)
    domain: Literal["党建引领", "经济发展", "社会治理", "政务服务", "公共安全", "城市运行"] = "公共安全"
    expires_in_s: int = Field(3600, ge=60, le=7 * 86400, description="simulated seconds until it expires")
    lon: float | None = Field(None, ge=119.5, le=122.5)
    lat: float | None = Field(None, ge=31.3, le=33.0)


class SpeedIn(_Body):
    speed: float = Field(gt=0, le=100_000, description="simulated seconds per real second")


# ---------------------------------------------------------------- answers (documented in openapi.json)

class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True)


class Health(_Answer):
    status: Literal["ok"]
    server_time: str
    sim_time: str


class Clock(_Answer):
    speed: float
    sim_time: str
    server_time: str


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


class Reference(_Answer):
    sender: str
    identifier: str
    sent: str


class Ack(_Answer):
    by: str
    at: str
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
    area: Area
    lon: float | None
    lat: float | None
    source: Literal["simulator", "cap", "drill"]
    status: Literal["Actual", "Exercise"]
    state: Literal["active", "updated", "cancelled", "expired"]
    acks: list[Ack]


class Feed(_Answer):
    warnings: list[WarningMessage]
    cursor: str = Field(description="opaque; pass it back as `after`")
    server_time: str
    sim_time: str = Field(description="now on the clock of `sent` and `expires` (judge expiry by it)")
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
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None


class Problem(_Answer):
    error: str = Field(description="a short code, e.g. not_found, bad_cursor, cap_forbidden")
    message: str = Field(description="what went wrong, in words a person understands")
