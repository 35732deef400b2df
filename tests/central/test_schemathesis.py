"""The server against its own OpenAPI document, with schemathesis: every operation, every check.

A real `python -m central` process with a reader token and an admin token (so the auth checks mean
something) is tested through the document it serves. Every check schemathesis has runs: no 5xx, only
documented status codes, media types, headers and bodies, schema-valid requests taken and invalid ones
refused, tokens enforced where declared, 405 with `Allow` for undocumented methods, and (in the stateful
test) resources available once created. Examples are bounded and derandomized, so CI is deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import CHECKS, load_all_checks

from central.server import Settings, create_app
from cockpit.core.embedded import EmbeddedCentral
from kernel.clock import CITY_TZ
from tests.central.conftest import QUIET, READER_TOKEN
from tests.conftest import ADMIN_TOKEN

MAX_EXAMPLES = 25
LONG_POLL_S = 0.5  # the most a generated `wait` may make a test wait (the contract allows 60)
SETTINGS = hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                               suppress_health_check=list(HealthCheck), print_blob=False)


def _cap_messages() -> st.SearchStrategy[bytes]:
    """CAP 1.2 messages the ingestion takes (`type: string` says nothing of XML): a document's string
    schema cannot say "a CAP message", so schemathesis is told how to write one."""
    text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)
    return st.builds(
        lambda identifier, headline, severity: f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>st-{identifier}</identifier>
<sender>schemathesis@example.cn</sender><sent>2026-11-24T20:00:00+08:00</sent><status>Actual</status>
<msgType>Alert</msgType><scope>Public</scope><info><language>zh-CN</language><category>Met</category>
<event>大风</event><urgency>Expected</urgency><severity>{severity}</severity><certainty>Likely</certainty>
<expires>2099-01-01T00:00:00+08:00</expires><headline>{escape(headline)}</headline>
<area><areaDesc>如东县</areaDesc><geocode><valueName>adcode</valueName><value>320623</value></geocode>
</area></info></alert>""".encode(),
        st.integers(0, 10**9), text, st.sampled_from(("Extreme", "Severe", "Moderate", "Minor", "Unknown")))


schemathesis.openapi.media_type("application/cap+xml", _cap_messages())


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCentral]:
    """A quiet server that wants the reader token on every read and the admin token on admin calls."""
    server = EmbeddedCentral(tmp_path_factory.mktemp("schemathesis") / "central.sqlite", seed=7, speed=QUIET,
                             admin_token=ADMIN_TOKEN, extra_args=("--token", READER_TOKEN))
    server.start()
    yield server
    server.stop()


def _config(base_url: str | None = None) -> schemathesis.Config:
    return schemathesis.Config.from_dict({
        **({"base-url": base_url} if base_url else {}),
        "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
        # One token per scheme the document declares: readers', the admin's, Open311's api_key and Basic.
        "auth": {"openapi": {"reader": {"bearer": READER_TOKEN}, "admin": {"bearer": ADMIN_TOKEN},
                             "open311_api_key": {"api_key": READER_TOKEN},
                             "open311_basic": {"username": "reader", "password": READER_TOKEN}}},
        "request-timeout": 15,
    })


# The document is the one the server serves (test_the_served_document_is_the_one_tested checks that),
# made in this process so that pytest has one test per operation before any server runs.
# (`schemathesis.pytest.from_fixture`, which would load it from the running server, does not work with
# pytest 9.2: it sets the private `Function._nodeid`.)
DOCUMENT = create_app(Settings()).openapi()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=_config())


@pytest.fixture(scope="module")
def cursor(guarded: EmbeddedCentral) -> str:
    """A cursor this server handed out (after its first warning)."""
    response = requests.get(f"{guarded.url}/api/v1/warnings", params={"limit": 1}, timeout=10,
                            headers={"Authorization": f"Bearer {READER_TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()["cursor"]


def _server_today(server_url: str) -> date:
    """The city's date on the server's simulated clock: the generated calls include the admin's
    `POST /sim/speed`, after which that clock may run months ahead of this process's."""
    response = requests.get(f"{server_url}/api/v1/health", timeout=10)
    assert response.status_code == 200, response.text
    return datetime.fromisoformat(response.json()["sim_time"]).astimezone(CITY_TZ).date()


def _bounded(case: schemathesis.Case, cursor: str, server_url: str) -> schemathesis.Case:
    """Values that only the server can make real are made so; nothing is excluded.

    `after` is opaque: its pattern says what a cursor looks like, but only the cursors this server handed
    out are taken (any other is `400 bad_cursor`, as documented). A schema-valid example gets a real one;
    a schema-violating example keeps its own, which the server must refuse.

    The long poll is tested too: a generated `wait` is capped at LONG_POLL_S, which keeps its meaning
    (wait at most that long, answer early on news) without up to 60 s per example. Only values the
    schema allows are capped, so a negative example stays negative."""
    query = case.query or {}
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if "after" in query and positive:
        query["after"] = cursor
    # Open311's window (start not after end, at most 90 days, a start alone runs to the server's now)
    # joins two values and the clock, which no schema can say: a schema-valid example gets a window
    # that holds.
    if positive and ("start_date" in query or "end_date" in query):
        today = _server_today(server_url)
        if "start_date" in query:
            query["start_date"] = (today - timedelta(days=30)).isoformat()
        if "end_date" in query:
            query["end_date"] = today.isoformat()
    wait = query.get("wait")
    if not isinstance(wait, int | float) or isinstance(wait, bool) or wait <= LONG_POLL_S:
        return case
    declared = next((p.definition.get("schema", {}) for p in case.operation.iter_parameters()
                     if p.name == "wait" and p.location.value == "query"), {})
    if wait <= declared.get("maximum", float("inf")):
        case.query["wait"] = LONG_POLL_S
    return case


def test_every_check_runs():
    """`call_and_validate` runs every check schemathesis has, each enabled on every operation."""
    load_all_checks()
    names = set(CHECKS.get_all_names())
    assert {"not_a_server_error", "status_code_conformance", "content_type_conformance",
            "response_schema_conformance", "response_headers_conformance", "negative_data_rejection",
            "positive_data_acceptance", "use_after_free", "ensure_resource_availability", "ignored_auth",
            "missing_required_header", "unsupported_method"} <= names
    for result in schema.get_all_operations():
        operation = result.ok()
        checks = schema.config.checks_config_for(operation=operation, phase=None)
        assert all(checks.get_by_name(name=name).enabled for name in names), operation.label


def test_the_served_document_is_the_one_tested(guarded: EmbeddedCentral) -> None:
    served = schemathesis.openapi.from_url(f"{guarded.url}/openapi.json", config=_config())
    assert served.raw_schema == DOCUMENT


@schema.parametrize()
@SETTINGS
def test_api(case: schemathesis.Case, guarded: EmbeddedCentral, cursor: str) -> None:
    _bounded(case, cursor, guarded.url).call_and_validate(base_url=guarded.url)


def test_stateful(guarded: EmbeddedCentral, cursor: str) -> None:
    """Sequences of calls linked by their answers (a drill's id read back, acknowledged, as CAP)."""
    machine = schemathesis.openapi.from_dict(DOCUMENT, config=_config(guarded.url)).as_state_machine()

    class Bounded(machine):  # type: ignore[misc, valid-type]
        def before_call(self, case: schemathesis.Case) -> None:
            _bounded(case, cursor, guarded.url)
            super().before_call(case)

    hypothesis.stateful.run_state_machine_as_test(Bounded, settings=hypothesis.settings(
        SETTINGS, max_examples=10, stateful_step_count=6))


# ---------------------------------------------------------------- what an independent tester found

def _url(server: EmbeddedCentral, path: str) -> str:
    return f"{server.url}{path}"


READER = {"Authorization": f"Bearer {READER_TOKEN}"}
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_options_and_405_name_every_method_served(guarded: EmbeddedCentral) -> None:
    """GET and POST /api/v1/warnings come from two routers: Allow names both (RFC 9110 9.3.7, 15.5.6)."""
    for path, allow in (("/api/v1/warnings", "GET, POST, OPTIONS"), ("/api/v1/warnings/W000001", "GET, OPTIONS"),
                        ("/api/v1/warnings/W000001.cap", "GET, OPTIONS"),
                        ("/api/v1/warnings/W000001/ack", "POST, OPTIONS"), ("/api/v1/sim/speed", "POST, OPTIONS"),
                        ("/api/v1/health", "GET, OPTIONS"), ("/openapi.json", "GET, HEAD, OPTIONS")):
        options = requests.options(_url(guarded, path), timeout=10)
        assert (options.status_code, options.headers.get("Allow"), options.content) == (204, allow, b""), path
        refused = requests.put(_url(guarded, path), headers=ADMIN, timeout=10)
        assert (refused.status_code, refused.headers.get("Allow")) == (405, allow), path
        assert refused.json()["error"] == "method_not_allowed"
    assert requests.options(_url(guarded, "/api/v1/nothing-here"), timeout=10).status_code == 404


def test_numbers_in_request_bodies_are_json_numbers(guarded: EmbeddedCentral) -> None:
    for body in ({"speed": True}, {"speed": "2"}, {"speed": None}, {"speed": [2]}, {"speed": 2, "extra": 1}):
        response = requests.post(_url(guarded, "/api/v1/sim/speed"), json=body, headers=ADMIN, timeout=10)
        assert response.status_code == 400, body
        assert response.json()["error"] == "bad_request", body
    drill = {"severity": "blue", "headline": "演练：严格类型", "adcode": "320612"}
    for extra in ({"expires_in_s": True}, {"expires_in_s": "3600"}, {"lon": True, "lat": 32.0}, {"lon": 121.0},
                  {"lon": None, "lat": None}, {"headline": 7}, {"headline": "a\u0000b"}):
        response = requests.post(_url(guarded, "/api/v1/sim/warnings"), json=drill | extra, headers=ADMIN, timeout=10)
        assert response.status_code == 400, extra
    whole = requests.post(_url(guarded, "/api/v1/sim/warnings"), json=drill | {"expires_in_s": 3600.0},
                          headers=ADMIN, timeout=10)
    assert whole.status_code == 201, whole.text  # JSON Schema's integer: 3600.0 is one


def test_the_document_declares_tokens_and_forms() -> None:
    schemes = DOCUMENT["components"]["securitySchemes"]
    assert schemes["reader"] == schemes["admin"] | {"description": schemes["reader"]["description"]}
    assert schemes["open311_api_key"] | {"description": ""} == {"type": "apiKey", "in": "query", "name": "api_key",
                                                                "description": ""}
    paths = DOCUMENT["paths"]
    for open_path in ("/api/v1/health", "/openapi.json"):
        assert "security" not in paths[open_path]["get"]
        assert {"401", "403"}.isdisjoint(paths[open_path]["get"]["responses"])
    for path, method in (("/api/v1/warnings", "post"), ("/api/v1/sim/speed", "post"), ("/api/v1/sim/warnings", "post")):
        assert paths[path][method]["security"] == [{"admin": []}]
        assert {"401", "403"} <= set(paths[path][method]["responses"])
    assert paths["/api/v1/meta"]["get"]["security"] == [{"reader": []}, {"admin": []}]
    assert {"reader": []} in paths["/open311/v2/services.json"]["get"]["security"]
    assert {"open311_api_key": []} in paths["/open311/v2/services.json"]["get"]["security"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            assert "422" not in operation["responses"], (method, path)  # this server answers 400
            if method == "get":
                assert "304" in operation["responses"], path
                assert "ETag" in operation["responses"]["200"]["headers"], path
            if "503" in operation["responses"]:
                assert "Retry-After" in operation["responses"]["503"]["headers"], path
            if "401" in operation["responses"] and path.startswith("/api/"):
                assert "WWW-Authenticate" in operation["responses"]["401"]["headers"], path
    feed = paths["/api/v1/warnings"]["get"]
    after = next(p for p in feed["parameters"] if p["name"] == "after")["schema"]
    assert after["pattern"] and after["maxLength"] == 200
    warning_id = next(p for p in paths["/api/v1/warnings/{warning_id}"]["get"]["parameters"]
                      if p["name"] == "warning_id")["schema"]
    assert warning_id["pattern"] == r"^W\d{6,12}$"
    schemas = DOCUMENT["components"]["schemas"]
    assert schemas["Feed"]["properties"]["server_time"]["format"] == "date-time"
    assert schemas["Region"]["properties"]["adcode"]["pattern"] == r"^(\d{6}|\d{9}|\d{12})$"
    assert "320612" in schemas["DrillIn"]["properties"]["adcode"]["enum"]
    assert schemas["AckIn"]["properties"]["at"]["format"] == "date-time"
