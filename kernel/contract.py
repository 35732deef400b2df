"""The panel contract both sides speak (docs/api-contract.md): the block types a panel's body holds
and the limits a client may rely on. The server's builders declare blocks of these types; each of
the cockpit's chart kinds reads one of them."""

BLOCK_TYPES = ("kpis", "series", "ranking", "shares", "gauge", "funnel", "table", "points")
MAX_TABLE_ROWS = 50  # a table block never has more rows
