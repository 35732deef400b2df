"""The two registries of panels held against each other: the server's @panel builders and the
cockpit's catalogue, through the chart registry's block types (no HTTP needed: both are data)."""

from __future__ import annotations

import pytest

from central.sim.panels import PANELS
from cockpit.charts import CHART_KINDS
from cockpit.core.catalogue import load_catalogue

CATALOGUE = load_catalogue(chart_kinds=CHART_KINDS)


@pytest.mark.parametrize("panel", CATALOGUE.panels, ids=lambda p: p.id)
def test_each_catalogue_panel_draws_blocks_its_server_panel_serves_with_the_right_types(panel):
    served = PANELS[panel.endpoint.removeprefix("panels/")]
    assert panel.domain == served.domain
    for chart in panel.charts:
        assert served.blocks.get(chart.block) == CHART_KINDS[chart.kind].block_type, (chart.block, chart.kind)
    if panel.map_layer:
        assert served.blocks.get(panel.map_layer) == "points"
    if panel.map_colour:
        assert served.blocks.get(panel.map_colour.block) == "ranking"


def test_every_server_panel_is_on_the_wall_and_every_domain_has_its_colour():
    shown = {panel.endpoint.removeprefix("panels/") for panel in CATALOGUE.panels}
    assert set(PANELS) <= shown
    assert {spec.domain for spec in PANELS.values()} == set(CATALOGUE.domains)
    assert len(set(CATALOGUE.domain_colours.values())) == len(CATALOGUE.domains)
