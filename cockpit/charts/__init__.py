"""Chart kinds: the registry the catalogue's `kind` names resolve to, one block type per kind."""

from typing import Any

from cockpit.charts.base import BlockError, Chart
from cockpit.charts.donut import DonutChart
from cockpit.charts.funnel import FunnelChart
from cockpit.charts.gauge import GaugeChart
from cockpit.charts.kpi import KpiTiles
from cockpit.charts.line import LineChart
from cockpit.charts.ranking import RankingBars
from cockpit.charts.table import TableChart
from kernel.contract import holds_no_items

CHART_KINDS: dict[str, type[Chart]] = {
    chart.kind: chart
    for chart in (KpiTiles, LineChart, RankingBars, DonutChart, GaugeChart, FunnelChart, TableChart)
}


BLOCK_TYPES: dict[str, str] = {kind: chart.block_type for kind, chart in CHART_KINDS.items()}  # kind -> what it reads


def block_is_empty(block: Any) -> bool:
    """The kind that reads a block's type says whether it is empty; a block no kind reads (a map
    layer's points) is empty when it holds no items."""
    kind = block.get("type") if isinstance(block, dict) else None
    reader = next((chart for chart in CHART_KINDS.values() if chart.block_type == kind), None)
    return reader.block_is_empty(block) if reader else holds_no_items(block)


__all__ = ["BLOCK_TYPES", "CHART_KINDS", "BlockError", "Chart", "block_is_empty"]
