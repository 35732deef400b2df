"""The thematic panels, one module per domain; importing them registers every builder in order."""

import importlib

from central.sim.panels.registry import PANELS, Panel, body, contract_table, panel

# In the order of city.DOMAINS: the order of meta's panels and of the contract's table.
DOMAIN_MODULES = ("party", "economy", "society", "services", "safety", "operations")
for _module in DOMAIN_MODULES:
    importlib.import_module(f"{__name__}.{_module}")

__all__ = ["PANELS", "Panel", "body", "contract_table", "panel"]
