"""The wall manifest (TOML): which screen is which, what each shows, and how the hall is built.

Read once at start-up. Any mistake stops start-up with the file, the line and the key:

    hall.toml:23: screen[1] "右上" region[0].show: no panel "gdp" in the catalogue (there are: economy, ...)

A wall is display-only unless it says otherwise: nobody walks up to a video wall with a mouse.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from typing import Any

from cockpit.core.wall.sizing import diagonal_size_mm

ROLES = ("wall", "operator")
ROTATIONS = (0, 90, 180, 270)
FIXED_ITEMS = ("overview", "map", "warnings")  # the others name a domain or panels: domain:X, panel:X, panels:X,Y
MIN_TICK_S, MAX_TICK_S = 5.0, 3600.0  # faster than 5 s nobody reads a page; slower is not a carousel
MAX_SCREENS = 64
MAX_GRID = 12
MAX_DISTANCE_M = 100.0
DEFAULT_PIXELS = (3840, 2160)
MAX_ORBIT_PX = 24  # the burn-in orbit's whole travel: more and people notice the wall moving


class ManifestError(ValueError):
    """A mistake in the manifest, said with its file, line and key."""


@dataclass(frozen=True)
class Item:
    """One thing a region can show."""

    kind: str  # overview | map | warnings | domain | panel | panels
    names: tuple[str, ...] = ()  # the domain, or the panel ids

    @property
    def shows_map(self) -> bool:
        return self.kind in ("overview", "map")

    @property
    def label(self) -> str:
        words = {"overview": "总览", "map": "态势地图", "warnings": "预警"}
        return words.get(self.kind) or "、".join(self.names)

    def __str__(self) -> str:
        return self.kind if not self.names else f"{self.kind}:{','.join(self.names)}"


@dataclass(frozen=True)
class Region:
    """A rectangle of a screen's grid showing one item, or a carousel of items."""

    cells: tuple[int, int, int, int]  # column, row, columns, rows
    items: tuple[Item, ...]
    interval_s: float  # how long each item shows (a multiple of the wall's tick)
    pinned: bool = False  # never rotates away and is never taken over by a warning

    @property
    def is_carousel(self) -> bool:
        return len(self.items) > 1

    @property
    def shows_map(self) -> bool:
        return any(item.shows_map for item in self.items)

    @property
    def shows_warnings(self) -> bool:
        return any(item.kind == "warnings" for item in self.items)


@dataclass(frozen=True)
class ScreenMatch:
    """How a screen is found among those the system has: the first field that is set and present wins,
    the index last (it changes when a cable is moved)."""

    name: str = ""  # QScreen.name(), e.g. DP-1 or HDMI-A-2
    manufacturer: str = ""
    model: str = ""
    serial: str = ""
    index: int | None = None

    @property
    def has_identity(self) -> bool:
        return bool(self.name or self.serial or (self.manufacturer and self.model))


@dataclass(frozen=True)
class Screen:
    id: str
    role: str
    match: ScreenMatch
    position_mm: tuple[float, float]  # the top-left corner of the picture on the wall
    size_mm: tuple[float, float] | None  # the picture's size; None: what the screen says (QScreen.physicalSize)
    pixels: tuple[int, int]  # its resolution when it is not here to ask (a preview, a screenshot on a server)
    rotation: int
    bezel_mm: float
    grid: tuple[int, int]  # columns, rows
    regions: tuple[Region, ...]
    line: int = 0

    @property
    def shows_map(self) -> bool:
        return any(region.shows_map for region in self.regions)

    @property
    def shows_warnings(self) -> bool:
        return any(region.shows_warnings for region in self.regions)


@dataclass(frozen=True)
class Dimming:
    start: time
    end: time
    brightness: float  # 0..1 of full

    def active(self, now: time) -> bool:
        if self.start <= self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end  # over midnight


@dataclass(frozen=True)
class Manifest:
    name: str
    path: Path
    viewing_distance_m: float
    display_only: bool
    tick_s: float  # the one clock every carousel turns on
    preempt_hold_s: float  # how long an orange warning holds the wall when nobody acknowledges it
    pause_hold_s: float  # a pause resumes by itself after this
    orbit_px: int
    dimming: Dimming | None
    rss_budget_mb: float | None
    screens: tuple[Screen, ...] = field(default=())

    @property
    def wall_screens(self) -> tuple[Screen, ...]:
        return tuple(s for s in self.screens if s.role == "wall")

    @property
    def operator(self) -> Screen | None:
        return next((s for s in self.screens if s.role == "operator"), None)

    def screen(self, screen_id: str) -> Screen:
        return next(s for s in self.screens if s.id == screen_id)


WALL_KEYS = {"name": str, "viewing_distance_m": float, "display_only": bool, "tick_s": float,
             "preempt_hold_s": float, "pause_hold_s": float, "orbit_px": int, "dim": dict,
             "rss_budget_mb": float}
DIM_KEYS = {"from": str, "to": str, "brightness": float}
SCREEN_KEYS = {"id": str, "role": str, "name": str, "manufacturer": str, "model": str, "serial": str,
               "index": int, "position_mm": list, "pixels": list, "size_mm": list, "diagonal_in": float, "rotation": int,
               "bezel_mm": float, "grid": list, "region": list, "show": (str, list), "interval_s": float}
REGION_KEYS = {"cells": list, "show": (str, list), "interval_s": float, "pinned": bool}


def load_manifest(path: Path, *, domains: Collection[str], panels: Collection[str]) -> Manifest:
    """Read and check a manifest against the catalogue's domains and panel ids."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read the wall manifest: {exc}") from None
    return parse_manifest(text, path, domains=domains, panels=panels)


def parse_manifest(text: str, path: Path, *, domains: Collection[str], panels: Collection[str]) -> Manifest:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise ManifestError(f"{path}:{found.group(1) if found else '?'}: not valid TOML: {exc}") from None
    return _Reader(path, _KeyLines(text), tuple(domains), tuple(panels)).manifest(data)


class _KeyLines:
    """Where each key is written: tomllib keeps no positions, so the lines are found again by reading
    the table headers ([wall], [[screen]], [[screen.region]]) and the keys under them."""

    HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?")
    KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+|\"[^\"]*\")\s*=")

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple, int] = {}
        counts: dict[tuple, int] = {}
        table: tuple = ()
        for number, line in enumerate(text.splitlines(), start=1):
            header = self.HEADER.match(line)
            if header:
                names = tuple(part.strip().strip('"') for part in header.group(2).split("."))
                table = self._table(names, header.group(1) == "[[", counts, table)
                self.lines.setdefault(table, number)
                continue
            key = self.KEY.match(line)
            if key:
                self.lines.setdefault((*table, key.group(1).strip('"')), number)

    @staticmethod
    def _table(names: tuple, is_array: bool, counts: dict, current: tuple) -> tuple:
        path: tuple = ()
        for depth, name in enumerate(names):
            path = (*path, name)
            last = depth == len(names) - 1
            if last and is_array:
                index = counts.get(path, -1) + 1
                counts[path] = index
                for deeper in [k for k in counts if len(k) > len(path) and k[:len(path)] == path]:
                    del counts[deeper]  # a new [[screen]] starts its own [[screen.region]] count
                path = (*path, index)
            elif (*path,) in counts:  # [[screen.region]] belongs to the latest [[screen]]
                path = (*path, counts[path])
        return path

    def line(self, path: tuple) -> int:
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return 1


class _Reader:
    def __init__(self, path: Path, lines: _KeyLines, domains: tuple[str, ...], panels: tuple[str, ...]) -> None:
        self.path, self.lines, self.domains, self.panels = path, lines, domains, panels

    def fail(self, where: tuple, problem: str) -> ManifestError:
        return ManifestError(f"{self.path}:{self.lines.line(where)}: {self.say(where)}: {problem}")

    @staticmethod
    def say(where: tuple) -> str:
        out = ""
        for part in where:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out or "the manifest"

    def table(self, data: Any, where: tuple, keys: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.fail(where, "expected a table")
        for key, value in data.items():
            if key not in keys:
                close = difflib.get_close_matches(key, keys, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(keys)})"
                raise self.fail((*where, key), f"unknown key{hint}")
            wanted = keys[key]
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) if wanted is float else \
                isinstance(value, wanted) and not (wanted is int and isinstance(value, bool))
            if not ok:
                names = {str: "text", float: "a number", int: "a whole number", bool: "true or false",
                         list: "a list", dict: "a table"}
                kinds = wanted if isinstance(wanted, tuple) else (wanted,)
                raise self.fail((*where, key), f"expected {' or '.join(names[k] for k in kinds)}, got {value!r}")
        return data

    def number(self, data: dict, where: tuple, key: str, default: float | None, low: float, high: float) -> float:
        value = data.get(key, default)
        if value is None:
            raise self.fail((*where, key), "missing")
        if not low <= value <= high:
            raise self.fail((*where, key), f"must be {low:g} to {high:g}, got {value!r}")
        return float(value)

    def manifest(self, data: dict) -> Manifest:
        self.table(data, (), {"wall": dict, "screen": list})
        wall = self.table(data.get("wall", {}), ("wall",), WALL_KEYS)
        tick = self.number(wall, ("wall",), "tick_s", 30.0, MIN_TICK_S, MAX_TICK_S)
        dimming = None
        if "dim" in wall:
            dim = self.table(wall["dim"], ("wall", "dim"), DIM_KEYS)
            dimming = Dimming(self.clock(dim, ("wall", "dim"), "from"), self.clock(dim, ("wall", "dim"), "to"),
                              self.number(dim, ("wall", "dim"), "brightness", 0.6, 0.1, 1.0))
        budget = wall.get("rss_budget_mb")
        manifest_screens = data.get("screen", [])
        if not manifest_screens:
            raise self.fail(("screen",), "a wall needs at least one [[screen]]")
        if len(manifest_screens) > MAX_SCREENS:
            raise self.fail(("screen",), f"at most {MAX_SCREENS} screens, got {len(manifest_screens)}")
        screens = tuple(self.screen(item, ("screen", index), tick) for index, item in enumerate(manifest_screens))
        self.check_screens(screens)
        return Manifest(
            name=wall.get("name", self.path.stem), path=self.path,
            viewing_distance_m=self.number(wall, ("wall",), "viewing_distance_m", None, 0.3, MAX_DISTANCE_M),
            display_only=wall.get("display_only", True), tick_s=tick,
            preempt_hold_s=self.number(wall, ("wall",), "preempt_hold_s", 300.0, MIN_TICK_S, 86400.0),
            pause_hold_s=self.number(wall, ("wall",), "pause_hold_s", 600.0, MIN_TICK_S, 86400.0),
            orbit_px=int(self.number(wall, ("wall",), "orbit_px", MAX_ORBIT_PX, 0, MAX_ORBIT_PX)),
            dimming=dimming,
            rss_budget_mb=None if budget is None else self.number(wall, ("wall",), "rss_budget_mb", None, 100, 1e6),
            screens=screens)

    def clock(self, data: dict, where: tuple, key: str) -> time:
        text = data.get(key)
        if text is None:
            raise self.fail((*where, key), "missing (a time of day such as \"23:00\")")
        try:
            return time.fromisoformat(text)
        except ValueError:
            raise self.fail((*where, key), f"expected a time of day such as \"23:00\", got {text!r}") from None

    def screen(self, data: Any, where: tuple, tick: float) -> Screen:
        data = self.table(data, where, SCREEN_KEYS)
        screen_id = data.get("id")
        if not screen_id or not screen_id.strip() or len(screen_id) > 40:
            raise self.fail((*where, "id"), "every screen needs an id of 1 to 40 characters (what the wall calls it)")
        role = data.get("role", "wall")
        if role not in ROLES:
            raise self.fail((*where, "role"), f"must be one of {', '.join(ROLES)}, got {role!r}")
        index = data.get("index")
        if index is not None and not 0 <= index < MAX_SCREENS:
            raise self.fail((*where, "index"), f"must be 0 to {MAX_SCREENS - 1}, got {index}")
        match = ScreenMatch(data.get("name", ""), data.get("manufacturer", ""), data.get("model", ""),
                            data.get("serial", ""), index)
        if not match.has_identity and match.index is None:
            raise self.fail(where, "say which screen this is: name, serial, or manufacturer and model "
                                   "(index only as a fallback)")
        rotation = data.get("rotation", 0)
        if rotation not in ROTATIONS:
            raise self.fail((*where, "rotation"), f"must be one of 0, 90, 180, 270, got {rotation}")
        position = self.pair(data, where, "position_mm", (0.0, 0.0), 0, 1e6)
        size = self.pair(data, where, "size_mm", None, 10, 1e5)
        if "diagonal_in" in data:
            if size is not None:
                raise self.fail((*where, "diagonal_in"), "give size_mm or diagonal_in, not both")
            size = diagonal_size_mm(self.number(data, where, "diagonal_in", None, 5, 1000))
            if rotation in (90, 270):
                size = size[::-1]
        bezel = self.number(data, where, "bezel_mm", 0.0, 0, 200)
        pixels = self.pair(data, where, "pixels", DEFAULT_PIXELS, 320, 16384)
        pixels = (int(pixels[0]), int(pixels[1]))
        if role == "operator":
            if "region" in data or "show" in data:
                raise self.fail(where, "an operator screen shows the desktop cockpit: it takes no show or region")
            return Screen(screen_id, role, match, position, size, pixels, rotation, bezel, (1, 1), (),
                          self.lines.line(where))
        grid = self.pair(data, where, "grid", (1, 1), 1, MAX_GRID)
        grid = (int(grid[0]), int(grid[1]))
        if "show" in data:  # the short form: the whole screen shows one thing or one carousel
            if "region" in data:
                raise self.fail((*where, "show"), "give show (the whole screen) or [[screen.region]], not both")
            regions = (self.region({"show": data["show"], "interval_s": data.get("interval_s", tick)},
                                   where, (0, 0, *grid), tick),)
        else:
            if "interval_s" in data:
                raise self.fail((*where, "interval_s"), "interval_s goes with show, or in each region")
            items = data.get("region") or []
            if not items:
                raise self.fail(where, "say what the screen shows: show = \"...\" or [[screen.region]]")
            regions = tuple(self.region(item, (*where, "region", i), None, tick) for i, item in enumerate(items))
            self.check_regions(regions, grid, where)
        return Screen(screen_id.strip(), role, match, position, size, pixels, rotation, bezel, grid, regions,
                      self.lines.line(where))

    def pair(self, data: dict, where: tuple, key: str, default, low: float, high: float):
        value = data.get(key, default)
        if value is default:
            return default
        if (len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
                or not all(low <= v <= high for v in value)):
            raise self.fail((*where, key), f"expected two numbers from {low:g} to {high:g}, got {value!r}")
        return (float(value[0]), float(value[1]))

    def region(self, data: Any, where: tuple, cells: tuple | None, tick: float) -> Region:
        data = self.table(data, where, REGION_KEYS)
        if cells is None:
            raw = data.get("cells")
            if raw is None:
                raise self.fail(where, "missing cells = [column, row, columns, rows]")
            if (len(raw) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) for v in raw)
                    or raw[0] < 0 or raw[1] < 0 or raw[2] < 1 or raw[3] < 1):
                raise self.fail((*where, "cells"), f"expected [column, row, columns, rows] (whole numbers, "
                                                   f"columns and rows at least 1), got {raw!r}")
            cells = tuple(raw)
        show = data.get("show")
        if show is None:
            raise self.fail(where, "missing show")
        shown = [show] if isinstance(show, str) else show
        if not shown:
            raise self.fail((*where, "show"), "an empty list shows nothing")
        items = tuple(self.item(text, (*where, "show")) for text in shown)
        if len(set(items)) != len(items):
            raise self.fail((*where, "show"), "the carousel names one item twice")
        interval = self.number(data, where, "interval_s", tick, MIN_TICK_S, 24 * 3600.0)
        if len(items) > 1 and abs(interval / tick - round(interval / tick)) > 1e-9:
            raise self.fail((*where, "interval_s"), f"{interval:g} s is not a whole number of the wall's "
                                                    f"tick_s ({tick:g} s): every carousel turns on the one clock")
        pinned = data.get("pinned", False)
        if pinned and len(items) > 1:
            raise self.fail((*where, "pinned"), "a pinned region shows one thing: it cannot be a carousel")
        return Region(cells, items, interval, pinned)

    def item(self, text: Any, where: tuple) -> Item:
        if not isinstance(text, str):
            raise self.fail(where, f"expected text such as \"map\" or \"domain:经济发展\", got {text!r}")
        kind, _, rest = text.strip().partition(":")
        if kind in FIXED_ITEMS and not rest:
            return Item(kind)
        names = tuple(name.strip() for name in rest.split(",") if name.strip())
        if kind == "domain":
            if len(names) != 1 or names[0] not in self.domains:
                raise self.fail(where, f"no domain {rest!r} (there are: {', '.join(self.domains)})")
        elif kind in ("panel", "panels"):
            if not names or (kind == "panel" and len(names) != 1):
                raise self.fail(where, f"{kind}: needs {'one panel id' if kind == 'panel' else 'panel ids'}, "
                                       f"e.g. {kind}:{self.panels[0] if self.panels else 'id'}")
            unknown = [name for name in names if name not in self.panels]
            if unknown:
                close = difflib.get_close_matches(unknown[0], self.panels, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"there are: {', '.join(self.panels)}"
                raise self.fail(where, f"no panel {unknown[0]!r} in the catalogue ({hint})")
            if len(set(names)) != len(names):
                raise self.fail(where, "a panel is named twice")
        else:
            raise self.fail(where, f"cannot show {text!r}: say overview, map, warnings, domain:<domain>, "
                                   f"panel:<id> or panels:<id>,<id>")
        return Item(kind, names)

    def check_regions(self, regions: tuple[Region, ...], grid: tuple[int, int], where: tuple) -> None:
        taken: dict[tuple[int, int], int] = {}
        for index, region in enumerate(regions):
            column, row, columns, rows = region.cells
            if column + columns > grid[0] or row + rows > grid[1]:
                raise self.fail((*where, "region", index, "cells"),
                                f"{list(region.cells)} goes outside the screen's grid of {grid[0]}x{grid[1]}")
            for cell in ((c, r) for c in range(column, column + columns) for r in range(row, row + rows)):
                if cell in taken:
                    raise self.fail((*where, "region", index, "cells"),
                                    f"overlaps region[{taken[cell]}] at column {cell[0]}, row {cell[1]}")
                taken[cell] = index

    def check_screens(self, screens: tuple[Screen, ...]) -> None:
        seen: dict[Any, int] = {}
        for index, screen in enumerate(screens):
            where = ("screen", index)
            match = screen.match
            for kind, key in (("id", screen.id), ("name", match.name), ("serial", match.serial),
                              ("index", match.index)):
                if key in (None, ""):
                    continue
                if (kind, key) in seen:
                    raise self.fail((*where, kind), f"screen[{seen[kind, key]}] already has {kind} {key!r}: "
                                                    f"a screen is named twice")
                seen[kind, key] = index
        if sum(s.role == "operator" for s in screens) > 1:
            raise self.fail(("screen",), "at most one screen has role = \"operator\"")
        if not any(s.role == "wall" for s in screens):
            raise self.fail(("screen",), "no screen has role = \"wall\"")
        sized = [(i, s) for i, s in enumerate(screens) if s.size_mm and s.role == "wall"]
        for a, (_, first) in enumerate(sized):
            for j, second in sized[a + 1:]:
                if _overlap(first, second):
                    raise self.fail(("screen", j, "position_mm"),
                                    f"screen {second.id!r} overlaps screen {first.id!r} on the wall")


def _overlap(first: Screen, second: Screen) -> bool:
    (x1, y1), (w1, h1) = first.position_mm, first.size_mm
    (x2, y2), (w2, h2) = second.position_mm, second.size_mm
    slack = 0.5  # half a millimetre of rounding in a hand-measured wall
    return x1 < x2 + w2 - slack and x2 < x1 + w1 - slack and y1 < y2 + h2 - slack and y2 < y1 + h1 - slack
