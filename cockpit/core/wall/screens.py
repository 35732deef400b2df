"""Which system screen is which wall screen: by identity first, by index only as a fallback."""

from __future__ import annotations

from dataclasses import dataclass

from cockpit.core.wall.manifest import Screen


@dataclass(frozen=True)
class Present:
    """A screen the system has now (what QScreen says of it)."""

    index: int
    name: str
    manufacturer: str
    model: str
    serial: str
    geometry: tuple[int, int, int, int]  # x, y, width, height in device-independent pixels
    physical_mm: tuple[float, float]
    dpr: float = 1.0

    @property
    def pixels(self) -> tuple[int, int]:
        return round(self.geometry[2] * self.dpr), round(self.geometry[3] * self.dpr)

    def describe(self) -> str:
        what = " ".join(part for part in (self.manufacturer, self.model) if part)
        serial = f" 序列号 {self.serial}" if self.serial else ""
        return f"{self.name or f'#{self.index}'}{f'（{what}{serial}）' if what or serial else ''}"


def identity_matches(screen: Screen, present: Present) -> bool:
    match = screen.match
    if match.serial:
        return match.serial == present.serial and (not match.model or match.model == present.model)
    if match.name:
        return match.name == present.name
    if match.manufacturer and match.model:
        return match.manufacturer == present.manufacturer and match.model == present.model
    return False


def assign(screens: tuple[Screen, ...], present: list[Present]) -> dict[str, Present]:
    """Each manifest screen's system screen, or none. A screen found by its identity is never taken
    by another's index; an index only finds a screen nobody claimed by identity. Where some screen is
    found by its identity, one that is not is gone (its index now points at a neighbour); where none
    is, the names are another machine's and every screen falls back to its index."""
    found: dict[str, Present] = {}
    taken: set[int] = set()
    for screen in screens:
        hit = next((p for p in present if p.index not in taken and identity_matches(screen, p)), None)
        if hit is not None:
            found[screen.id] = hit
            taken.add(hit.index)
    by_identity = bool(found)
    for screen in screens:
        if screen.id in found or screen.match.index is None or (screen.match.has_identity and by_identity):
            continue
        hit = next((p for p in present if p.index == screen.match.index and p.index not in taken), None)
        if hit is not None:
            found[screen.id] = hit
            taken.add(hit.index)
    return found


def is_preview(screens: tuple[Screen, ...], present: list[Present]) -> bool:
    """The manifest is being tried on another machine (a laptop): none of its wall screens is here by
    identity, and there are fewer screens than it names. Then the wall is previewed in one window."""
    wall = [s for s in screens if s.role == "wall"]
    by_identity = any(identity_matches(s, p) for s in wall for p in present)
    return not by_identity and len(present) < len(wall)
