"""The panel contract both sides speak (docs/api-contract.md): the block types a panel's body holds
and the limits a client may rely on. The server's builders declare blocks of these types; each of
the cockpit's chart kinds reads one of them."""

from typing import Any

BLOCK_TYPES = ("kpis", "series", "ranking", "shares", "gauge", "funnel", "table", "points")
MAX_TABLE_ROWS = 50  # a table block never has more rows
MAX_FIGURE = 1e15  # no figure of a city is larger; beyond it a number is a fault, not data


def holds_no_items(block: Any) -> bool:
    """The reading of a block that no chart kind claims: empty unless it holds a value or a list of them."""
    if not isinstance(block, dict):
        return True
    return not any(value for key, value in block.items() if key not in ("type", "label", "unit"))
