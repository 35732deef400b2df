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
    speed: float = Field(gt=0, le=10_000, description="simulated seconds per real second")
