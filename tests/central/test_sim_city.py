"""The simulated city matches the published facts about Nantong (GUIDE §2): exact counts, calibrated rates."""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing

import pytest
import requests

from central.sim import HISTORY_DAYS, city
from central.sim.clock import day_key
from central.sim.store import CITY, get_state
from tests.central.test_sim_calendar import calls_as_expected, expected_hotline

DOMAINS = ("党建引领", "经济发展", "社会治理", "政务服务", "公共安全", "城市运行")


def get(server, path: str) -> dict:
    response = requests.get(f"{server.url}{path}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def read_only(server) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(f"file:{server.db}?mode=ro", uri=True))


def kpis(server, panel_id: str) -> dict[str, float]:
    return {item["id"]: item["value"] for item in get(server, f"/api/v1/panels/{panel_id}")["blocks"]["kpis"]["items"]}


def test_meta_counts_are_exact(central_session):
    assert get(central_session, "/api/v1/meta")["counts"] == {
        "counties": 7, "towns": 103, "functional_zones": 3, "grids_comprehensive": 8450, "grids_special": 845,
        "command_centres": 107, "warning_items": 100, "departments": 65}


def test_command_centres_are_one_plus_ten_plus_ninety_six():
    levels = Counter(c.level for c in city.command_centres())
    assert levels == {"city": 1, "county": 10, "town": 96}
    assert len({c.code for c in city.command_centres()}) == 107


def test_the_hundred_warning_items_cover_the_six_domains_and_the_published_examples():
    items = city.warning_items()
    assert len(items) == 100 and len({i.code for i in items}) == 100
    assert {i.domain for i in items} == set(DOMAINS)
    assert {i.severity for i in items} <= {"red", "orange", "yellow", "blue"}
    names = {i.name for i in items}
    for example in ("关停化工企业违规复产", "群租房风险", "非法加油点", "建筑工地扬尘", "网格事件瞒报漏报",
                    "危化品运输车辆违规", "暴雨"):
        assert example in names
    assert next(i for i in items if i.code == "SZ-07").name == "群租房风险"  # as in the contract's example


def test_departments_and_services():
    assert len(city.DEPARTMENTS) == len(set(city.DEPARTMENTS)) == 65
    assert all(s.agency in city.DEPARTMENTS for s in city.SERVICES)
    assert all(dept in city.DEPARTMENTS for _, _, dept in city.GRID_EVENTS)


def test_grids_by_county_and_kind(central_session):
    blocks = get(central_session, "/api/v1/panels/party_grid")["blocks"]
    by_county = {item["adcode"]: item["value"] for item in blocks["county_grids"]["items"]}
    assert sum(by_county.values()) == 8450 and by_county["320612"] == 1030
    kinds = dict((item["name"], item["value"]) for item in blocks["grid_kinds"]["items"])
    assert kinds.pop("综合网格") == 8450 and sum(kinds.values()) == 845


def test_published_figures_appear_on_their_panels(central_session):
    exchange = kpis(central_session, "data_exchange")
    assert (exchange["departments"], exchange["counties"]) == (65, 10)
    assert exchange["resources"] >= 5000
    # 30.4 billion stored (亿条) when the city was created, give or take its month of history, plus what
    # it has exchanged since
    with read_only(central_session) as conn:
        created = day_key(get_state(conn, "history_start") + HISTORY_DAYS * 1440)
        since = conn.execute("SELECT COALESCE(SUM(value), 0) FROM sim_daily WHERE metric = 'exchange' "
                             "AND town = ? AND day >= ?", (CITY, created)).fetchone()[0]
    assert exchange["stored"] == pytest.approx(304 + since / 1e8, abs=1)
    last_24h = get(central_session, "/api/v1/panels/data_exchange")["blocks"]["exchange_24h"]["lines"][0]["values"]
    assert sum(last_24h) == pytest.approx(40_000, rel=0.1)  # 万条: 400 million records a day
    app = kpis(central_session, "baitong_app")
    assert app["users"] >= 2_270_000 and (app["online_services"], app["departments"]) == (606, 26)
    assert app["mobile_services"] >= 9500
    assert kpis(central_session, "video_surveillance")["tongzhou_shared"] == 119
    hotline = kpis(central_session, "hotline_12345")
    assert (hotline["knowledge"], hotline["merged"]) == (11_268, 78)
    eco = kpis(central_session, "yangtze_eco")
    assert (eco["belt"], eco["firms_removed"], eco["shoreline"], eco["forest"]) == (22, 203, 5.5, 6)
    assert kpis(central_session, "hazchem")["found"] == pytest.approx(1127, abs=40)
    assert kpis(central_session, "group_rental")["found"] == pytest.approx(4866, abs=80)


def test_closure_and_satisfaction_over_the_simulated_history(central_session):
    """Closure 96.85 % and satisfaction 94.43 % (通州's published figures), each within 1 pp, over a month
    of the hotline of the order the calendar expects (tests/central/test_sim_calendar.py pins instants)."""
    with read_only(central_session) as conn:
        conn.execute("BEGIN")  # one snapshot: the simulator goes on writing meanwhile
        first, last = get_state(conn, "history_start"), get_state(conn, "generated_to")
        totals = dict(conn.execute("SELECT metric, SUM(value) FROM sim_daily WHERE town = '320600' "
                                   "AND metric IN ('calls', 'closed', 'rated', 'satisfied') GROUP BY metric"))
        now = conn.execute("SELECT MAX(requested_datetime) FROM service_requests").fetchone()[0]
        in_time = conn.execute("SELECT COUNT(*) FROM service_requests WHERE status = 'open' AND expected_datetime > ?",
                               (now,)).fetchone()[0]
    assert totals["calls"] == calls_as_expected(expected_hotline(central_session.seed, first, last))
    assert totals["calls"] > 1_500 * HISTORY_DAYS  # GUIDE §2: ~2,500 calls a day city-wide
    assert totals["closed"] / (totals["calls"] - in_time) == pytest.approx(0.9685, abs=0.01)
    assert totals["satisfied"] / totals["rated"] == pytest.approx(0.9443, abs=0.01)
    situation = get(central_session, "/api/v1/situation")
    headline = {h["id"]: h["value"] for h in situation["headline"]}
    assert headline["closure_rate"] == pytest.approx(0.9685, abs=0.01)
    assert headline["satisfaction"] == pytest.approx(0.9443, abs=0.01)


def test_open311_requests_carry_channels_towns_and_deadlines(central_session):
    response = requests.get(f"{central_session.url}/open311/v2/requests.json", timeout=10)
    assert response.status_code == 200
    found = response.json()
    assert len(found) == 1000  # the cap: two days of a city's hotline is far more
    assert {r["status"] for r in found} == {"open", "closed"}
    assert all(r["expected_datetime"] > r["requested_datetime"] for r in found)
    with read_only(central_session) as conn:
        channels = dict(conn.execute("SELECT channel, COUNT(*) FROM service_requests GROUP BY channel"))
        unknown_towns = conn.execute("SELECT COUNT(*) FROM service_requests WHERE town_adcode NOT IN "
                                     "(SELECT town FROM sim_entities WHERE kind = 'party_post')").fetchone()[0]
    assert set(channels) == set(city.CHANNELS)
    assert unknown_towns == 0
