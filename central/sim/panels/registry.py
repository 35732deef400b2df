"""The server's one registry of thematic panels: a builder declares its id (its name), domain, title
and blocks where it is written; `meta`, the dispatch and the contract's table are read from here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from central.sim.bodies import View
from kernel.contract import BLOCK_TYPES

Builder = Callable[[View], dict[str, Any]]


@dataclass(frozen=True)
class Panel:
    id: str
    domain: str
    title: str
    blocks: dict[str, str]  # block name -> block type (docs/api-contract.md), in the order served
    build: Builder


PANELS: dict[str, Panel] = {}  # in the order registered: the contract's and meta's order


def panel(domain: str, title: str, **blocks: str) -> Callable[[Builder], Builder]:
    """Register the decorated builder as the panel named after it, serving `blocks` (name="type")."""

    unknown = sorted(set(blocks.values()) - set(BLOCK_TYPES))
    if unknown:
        raise ValueError(f"panel {title!r}: unknown block type(s) {', '.join(unknown)} (the contract's: "
                         f"{', '.join(BLOCK_TYPES)})")

    def register(build: Builder) -> Builder:
        if build.__name__ in PANELS:
            raise ValueError(f"panel {build.__name__!r} is registered twice")
        PANELS[build.__name__] = Panel(build.__name__, domain, title, dict(blocks), build)
        return build

    return register


def unregister(panel_id: str) -> None:
    """Take a panel out again (for a test that adds one)."""
    PANELS.pop(panel_id, None)


def body(view: View, panel_id: str) -> dict[str, Any]:
    """The panel's body: its identity, the time of the data and its blocks."""
    spec = PANELS[panel_id]
    return {"id": spec.id, "domain": spec.domain, "title": spec.title, "as_of": view.now_text,
            "blocks": spec.build(view)}


def contract_table() -> list[str]:
    """The contract's table of panels (docs/api-contract.md), as Markdown lines."""
    lines = ["| id | domain | title | blocks (type) |", "|---|---|---|---|"]
    for spec in PANELS.values():
        blocks = ", ".join(f"`{name}`" if name == kind else f"`{name}` ({kind})" for name, kind in spec.blocks.items())
        lines.append(f"| `{spec.id}` | {spec.domain} | {spec.title} | {blocks} |")
    return lines
