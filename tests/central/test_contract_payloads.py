"""Every answer the reference server gives obeys the contract's models, limits included (the cockpit
refuses an answer that does not, so a server that broke them would leave the wall stale)."""

from __future__ import annotations

import requests

from kernel.contract import payloads


def test_every_answer_of_the_simulated_city_obeys_the_contract(central_session):
    base = f"{central_session.url}/api/v1"
    meta = requests.get(f"{base}/meta", timeout=10).json()
    payloads.check("meta", meta)
    endpoints = ["situation", "warnings", *(f"panels/{panel['id']}" for panel in meta["panels"])]
    for endpoint in endpoints:
        response = requests.get(f"{base}/{endpoint}", timeout=30)
        assert response.status_code == 200, endpoint
        assert len(response.content) < payloads.max_bytes(endpoint) / 4, f"{endpoint} is near its size cap"
        payloads.check(endpoint, response.json())
    feed = requests.get(f"{base}/warnings", params={"limit": 1000}, timeout=10).json()["warnings"]
    assert feed
    for warning in feed:
        payloads.check_warning(warning)
    for warning in feed[:5]:
        payloads.check(f"warnings/{warning['id']}", requests.get(f"{base}/warnings/{warning['id']}",
                                                                timeout=10).json())
