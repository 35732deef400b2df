"""Chart kinds: the registry the catalogue's `kind` names resolve to."""

from cockpit.charts.base import BlockError, Chart
from cockpit.charts.donut import DonutChart
from cockpit.charts.funnel import FunnelChart
from cockpit.charts.gauge import GaugeChart
from cockpit.charts.kpi import KpiTiles
from cockpit.charts.line import LineChart
from cockpit.charts.ranking import RankingBars
from cockpit.charts.table import TableChart

CHART_KINDS: dict[str, type[Chart]] = {
    chart.kind: chart
    for chart in (KpiTiles, LineChart, RankingBars, DonutChart, GaugeChart, FunnelChart, TableChart)
}

__all__ = ["CHART_KINDS", "BlockError", "Chart"]
