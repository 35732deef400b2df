"""The contract's payloads as models (docs/api-contract.md): what every GET answer of the central API
may hold, with the limits a client relies on. The cockpit checks each answer against them before it
reaches the screen or the cache; the reference server's answers are tested against them; the tests
generate payloads from their JSON Schema.

Numbers are finite and within `MAX_FIGURE`, strings and lists have a maximum length, times carry an
offset. A value that breaks a limit refuses the whole answer: the last good one stays on screen.
Fields the contract does not name are allowed (a newer server may send more) but never read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from kernel import levels
from kernel.contract import MAX_FIGURE, MAX_TABLE_ROWS

MAX_LABEL = 200  # characters of a label, name or title
MAX_ID = 100
MAX_CELL = 500  # a table cell or an event's title
MAX_WARNING_TEXT = 2_000_000  # a real CAP headline may be a megabyte; the views cut it to their box
MAX_POINTS = 10_000
MAX_SERIES = 5_000  # points along a series' x axis
MAX_BLOCKS = 50
MAX_RING_POINTS = 500_000  # a polygon of a warning area: a 4 MiB CAP message holds about 200,000
YEARS = (1900, 2200)  # the span a time may fall in


def _aware_time(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not_a_time") from None
    if moment.tzinfo is None:
        raise ValueError("no_offset")
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise ValueError("year_out_of_range")
    return text


ONE_LINE = r"^[^\x00-\x1f\x7f]*$"  # no line breaks or other control characters in a name or an id
Figure = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-MAX_FIGURE, le=MAX_FIGURE)]
Label = Annotated[str, Field(strict=True, max_length=MAX_LABEL, pattern=ONE_LINE)]
Ident = Annotated[str, Field(strict=True, max_length=MAX_ID, pattern=ONE_LINE)]
WarningText = Annotated[str, Field(strict=True, max_length=MAX_WARNING_TEXT)]
Time = Annotated[str, Field(strict=True, max_length=40), AfterValidator(_aware_time)]
Lon = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-180, le=180)]
Lat = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-90, le=90)]
Cell = Figure | Annotated[str, Field(strict=True, max_length=MAX_CELL)] | None


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, strict=True)


# -- the blocks of a panel ----------------------------------------------------------------------
class Kpi(_Part):
    id: Ident
    label: Label
    value: Figure | None
    unit: Label = ""


class KpisBlock(_Part):
    type: Literal["kpis"]
    items: list[Kpi] = Field(max_length=50)


class Line(_Part):
    name: Label
    values: list[Figure | None] = Field(max_length=MAX_SERIES)


class SeriesBlock(_Part):
    type: Literal["series"]
    label: Label = ""
    unit: Label = ""
    x: list[Time] = Field(max_length=MAX_SERIES)
    lines: list[Line] = Field(max_length=20)

    @model_validator(mode="after")
    def _lines_as_long_as_x(self) -> SeriesBlock:
        for index, line in enumerate(self.lines):
            if len(line.values) != len(self.x):
                raise ValueError(f"series_length:{index}:{len(line.values)}:{len(self.x)}")
        return self


class Ranked(_Part):
    name: Label
    value: Figure | None
    adcode: Ident | None = None


class RankingBlock(_Part):
    type: Literal["ranking"]
    label: Label = ""
    unit: Label = ""
    items: list[Ranked] = Field(max_length=1000)


class Share(_Part):
    name: Label
    value: Figure | None


class SharesBlock(_Part):
    type: Literal["shares"]
    label: Label = ""
    unit: Label = ""
    items: list[Share] = Field(max_length=100)


class GaugeBlock(_Part):
    type: Literal["gauge"]
    label: Label = ""
    unit: Label = ""
    value: Figure | None
    min: Figure
    max: Figure
    target: Figure | None = None

    @model_validator(mode="after")
    def _range(self) -> GaugeBlock:
        if not self.min < self.max:
            raise ValueError("gauge_range")
        return self


class FunnelBlock(_Part):
    type: Literal["funnel"]
    label: Label = ""
    unit: Label = ""
    stages: list[Share] = Field(max_length=50)


class Column(_Part):
    id: Ident
    label: Label
    unit: Label | None = None


class TableBlock(_Part):
    type: Literal["table"]
    label: Label = ""
    columns: list[Column] = Field(max_length=30)
    rows: list[dict[Ident, Cell]] = Field(max_length=MAX_TABLE_ROWS)


class Point(_Part):
    id: Ident
    name: Label
    lon: Lon
    lat: Lat
    level: Literal[levels.POINT_CODES]  # type: ignore[valid-type]
    value: Figure | None = None
    adcode: Ident | None = None


class PointsBlock(_Part):
    type: Literal["points"]
    label: Label = ""
    items: list[Point] = Field(max_length=MAX_POINTS)


class OtherBlock(_Part):
    """A block type this contract does not know (a newer server's): kept, never drawn."""
    type: Annotated[str, Field(strict=True, max_length=40)]


_BLOCK_MODELS = {model.model_fields["type"].annotation.__args__[0]: model  # type: ignore[union-attr]
                 for model in (KpisBlock, SeriesBlock, RankingBlock, SharesBlock, GaugeBlock, FunnelBlock,
                               TableBlock, PointsBlock)}


def _block_tag(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    kind = value.get("type")
    return kind if kind in _BLOCK_MODELS else "other"


Block = Annotated[
    Annotated[KpisBlock, Tag("kpis")] | Annotated[SeriesBlock, Tag("series")]
    | Annotated[RankingBlock, Tag("ranking")] | Annotated[SharesBlock, Tag("shares")]
    | Annotated[GaugeBlock, Tag("gauge")] | Annotated[FunnelBlock, Tag("funnel")]
    | Annotated[TableBlock, Tag("table")] | Annotated[PointsBlock, Tag("points")]
    | Annotated[OtherBlock, Tag("other")],
    Discriminator(_block_tag)]


# -- the answers --------------------------------------------------------------------------------
class Panel(_Part):
    id: Ident
    domain: Label = ""
    title: Label = ""
    as_of: Time
    blocks: dict[Ident, Block] = Field(max_length=MAX_BLOCKS)


class Headline(_Part):
    id: Ident
    label: Label
    value: Figure | None
    unit: Label = ""


class FigureName(_Part):
    id: Ident
    label: Label
    unit: Label = ""


class Region(_Part):
    adcode: Ident
    name: Label
    level: Literal["county", "town"]
    parent: Ident | None = None
    figures: dict[Ident, Figure | None] = Field(max_length=50)


class Zone(_Part):
    code: Ident
    name: Label
    figures: dict[Ident, Figure | None] = Field(max_length=50)


class Event(_Part):
    id: Ident
    kind: Ident
    title: Annotated[str, Field(strict=True, max_length=MAX_CELL)]
    lon: Lon
    lat: Lat
    adcode: Ident | None = None
    state: Ident = ""
    time: Time | None = None


class WarningPoint(_Part):
    id: Ident
    severity: Literal[levels.CODES]  # type: ignore[valid-type]
    headline: WarningText
    lon: Lon | None = None
    lat: Lat | None = None
    adcode: Ident | None = None
    state: Ident = ""


class Situation(_Part):
    as_of: Time
    headline: list[Headline] = Field(max_length=50)
    figures: list[FigureName] = Field(max_length=50)
    regions: list[Region] = Field(max_length=2000)
    zones: list[Zone] = Field(default=[], max_length=100)
    events: list[Event] = Field(max_length=3000)
    warnings: list[WarningPoint] = Field(max_length=1000)


class PanelName(_Part):
    id: Ident
    domain: Label
    title: Label


class Meta(_Part):
    api_version: Ident
    domains: list[Label] = Field(max_length=20)
    panels: list[PanelName] = Field(max_length=200)


class FeedPage(_Part):
    """The warnings feed's envelope; each warning in it is checked on its own (`check_warning`: one
    bad message is refused, the others are shown, and the cursor moves on)."""
    warnings: list[Any] = Field(max_length=1000)
    cursor: Annotated[str, Field(strict=True, max_length=200)]
    server_time: Time | None = None
    sim_time: Time | None = None
    speed: Annotated[float, Field(strict=True, allow_inf_nan=False, gt=0, le=1e6)] = 1.0


class WarningArea(_Part):
    name: WarningText = ""
    adcode: Ident | None = None


class WarningCircle(_Part):
    lon: Lon
    lat: Lat
    radius_km: Annotated[float, Field(strict=True, allow_inf_nan=False, ge=0, le=20_000)]


class WarningGeocode(_Part):
    name: Annotated[str, Field(strict=True, max_length=1000)]
    value: Annotated[str, Field(strict=True, max_length=1000)]


def _lon_lat(point: list[float]) -> list[float]:
    if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
        raise ValueError("off_the_globe")
    return point


# [lon, lat] as JSON writes it (a list: strict validation takes no list for a tuple)
Position = Annotated[list[Annotated[float, Field(strict=True, allow_inf_nan=False)]],
                     Field(min_length=2, max_length=2), AfterValidator(_lon_lat)]
Ring = Annotated[list[Position], Field(min_length=3, max_length=MAX_RING_POINTS)]


class WarningShape(_Part):
    """One area of a CAP message, every polygon and circle kept (a national message may have 70 areas, or
    one ring of 100,000 points)."""
    name: WarningText = ""
    adcode: Ident | None = None
    polygons: list[Ring] = Field(default=[], max_length=100)
    circles: list[WarningCircle] = Field(default=[], max_length=100)
    geocodes: list[WarningGeocode] = Field(default=[], max_length=1000)


class WarningSignature(_Part):
    status: Literal["valid", "unsigned"]
    signer: Annotated[str, Field(strict=True, max_length=1000)] = ""
    fingerprint: Annotated[str, Field(strict=True, max_length=200)] = ""


class WarningItem(_Part):
    """One warning of the feed: the fields the cockpit shows and acts on (docs/api-contract.md)."""
    id: Ident
    identifier: Annotated[str, Field(strict=True, max_length=1000)]  # CAP's: long URNs are real
    sender: Annotated[str, Field(strict=True, max_length=1000)]
    sent: Time
    expires: Time | None = None
    severity: Literal[levels.CODES] | None = None  # type: ignore[valid-type]
    headline: WarningText = ""
    description: WarningText = ""
    instruction: WarningText = ""
    expires_assumed: Annotated[bool, Field(strict=True)] = False
    area: WarningArea | None = None
    areas: list[WarningShape] = Field(default=[], max_length=1000)
    signature: WarningSignature | None = None
    lon: Lon | None = None
    lat: Lat | None = None


class OneWarning(_Part):
    id: Ident


# Per endpoint: its model and the most bytes its answer may have (a few times the largest real one).
ANSWERS: dict[str, tuple[type[BaseModel] | Any, int]] = {
    "meta": (Meta, 512 << 10),
    "situation": (Situation, 8 << 20),
    "panel": (Panel, 2 << 20),
    "warnings": (FeedPage, 16 << 20),
    "warning": (OneWarning, 4 << 20),
    "open311": (list[dict], 8 << 20),
}
_ADAPTERS = {kind: TypeAdapter(model) for kind, (model, _limit) in ANSWERS.items()}
_WARNING_ADAPTER = TypeAdapter(WarningItem)
_BLOCK_ADAPTER = TypeAdapter(Block)


def kind_of(endpoint: str) -> str:
    """The contract's name for an endpoint's answer: "panels/economy" -> "panel"."""
    if endpoint.startswith("panels/"):
        return "panel"
    if endpoint.startswith("warnings/"):
        return "warning"
    if endpoint.startswith("open311/"):
        return "open311"
    return endpoint


def max_bytes(endpoint: str) -> int:
    return ANSWERS[kind_of(endpoint)][1]


class ContractError(ValueError):
    """An answer that breaks the contract; the message names the field, in words for the screen."""


def check(endpoint: str, payload: Any) -> None:
    """Raise ContractError when `payload` is not what the contract lets `endpoint` answer."""
    kind = kind_of(endpoint)
    _validate(_ADAPTERS[kind], payload)
    if kind == "panel" and payload["id"] != endpoint.removeprefix("panels/"):
        raise ContractError(f"回答了另一个专题（{payload['id'][:MAX_ID]}）")


def check_warning(item: Any) -> None:
    """Raise ContractError when one warning of the feed is not what the contract allows."""
    _validate(_WARNING_ADAPTER, item)


def schema(endpoint_kind: str, *, closed: bool = False) -> dict:
    """The JSON Schema of an answer. `closed`: without room for fields the contract does not name
    (what generated test payloads want: their size spent on the fields that are read)."""
    found = _ADAPTERS[endpoint_kind].json_schema()
    return _closed(found) if closed else found


def block_schema(block_type: str, *, closed: bool = False) -> dict:
    """The JSON Schema of one block type (a chart kind's input); `closed` as for `schema`."""
    found = _BLOCK_MODELS[block_type].model_json_schema()
    return _closed(found) if closed else found


def _closed(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {key: _closed(value) for key, value in schema.items()} | (
            {"additionalProperties": False} if schema.get("additionalProperties") is True else {})
    if isinstance(schema, list):
        return [_closed(value) for value in schema]
    return schema


def check_block(block: Any) -> None:
    """Raise ContractError when `block` is not a block the contract allows."""
    _validate(_BLOCK_ADAPTER, block)


def _validate(adapter: TypeAdapter, value: Any) -> None:
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        raise ContractError(describe(exc)) from None


_WORDS = {
    "missing": "缺少此字段",
    "finite_number": "应为有限数值（不能是 NaN 或无穷大）",
    "float_type": "应为数值", "int_type": "应为数值", "float_parsing": "应为数值",
    "string_type": "应为文本",
    "dict_type": "应为对象", "model_type": "应为对象", "model_attributes_type": "应为对象",
    "list_type": "应为列表",
    "literal_error": "取值不在约定之内",
    "union_tag_not_found": "应为对象",
    "string_pattern_mismatch": "含有换行或其他控制字符",
}


def describe(exc: ValidationError) -> str:
    """The first problem, naming its field: "blocks.kpis.items[0].value：应为有限数值"."""
    errors = exc.errors(include_url=False, include_input=False)
    where = _where(errors[0]["loc"])
    # A value that may be of several kinds (a table cell: number, text or null) fails once per kind:
    # say what is wrong with the kind it is (a text too long), not that it is not a number.
    same_field = [e for e in errors if _where(e["loc"]) == where]
    error = next((e for e in same_field if not e["type"].endswith("_type")), errors[0])
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _WORDS:
        words = _WORDS[kind]
    elif kind == "string_too_long":
        words = f"文本过长（上限 {ctx.get('max_length')} 字）"
    elif kind == "too_long":
        words = f"项数过多（上限 {ctx.get('max_length')} 项）"
    elif kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        words = "数值超出约定范围"
    elif kind == "value_error":
        words = _value_words(str(ctx.get("error", "")))
    else:
        words = error["msg"][:120]
    return f"{where}：{words}" if where else words


def _value_words(code: str) -> str:
    if code == "not_a_time":
        return "应为 ISO 8601 时间"
    if code == "no_offset":
        return "时间缺少时区（应如 +08:00）"
    if code == "year_out_of_range":
        return f"时间超出约定范围（{YEARS[0]}–{YEARS[1]} 年）"
    if code == "gauge_range":
        return "min 应小于 max"
    if code == "off_the_globe":
        return "经纬度超出范围（经度 ±180，纬度 ±90）"
    if code.startswith("series_length:"):
        _tag, line, got, wanted = code.split(":")
        return f"第 {int(line) + 1} 条线有 {got} 个值，x 有 {wanted} 个"
    return code[:120]


def _where(loc: tuple) -> str:
    parts: list[str] = []
    for index, step in enumerate(loc):
        if isinstance(step, int):
            parts.append(f"[{step}]")
        elif (index >= 2 and loc[index - 2] == "blocks" and (step in _BLOCK_MODELS or step == "other")) \
                or str(step).startswith(("function-", "constrained-")):
            continue  # the union's tag after a block's name, a validator's or a union member's name
        else:
            text = str(step)[:40]
            parts.append(f".{text}" if parts else text)
    return "".join(parts)
