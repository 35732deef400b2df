"""Servers for the central API's own tests (each a real `python -m central` process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from cockpit.core.embedded import EmbeddedCentral
from tests.conftest import ADMIN_TOKEN

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
READER_TOKEN = "reader-secret-4d1f"


# The simulator publishes warnings of its own as its clock runs; nearly stopping the clock keeps
# these servers' feeds to what the tests publish, so they can expect exact ids.
QUIET = 0.001


@pytest.fixture(scope="session")
def writable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCentral]:
    """A quiet server of these tests' own, to publish into without disturbing other tests."""
    server = EmbeddedCentral(tmp_path_factory.mktemp("writable") / "central.sqlite", seed=7, speed=QUIET,
                             admin_token=ADMIN_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def quiet_server(tmp_path) -> Iterator[EmbeddedCentral]:
    """A fresh quiet server of the test's own (for restarts)."""
    server = EmbeddedCentral(tmp_path / "central.sqlite", seed=7, speed=QUIET, admin_token=ADMIN_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCentral]:
    """A server that wants a reader token and has no admin token at all."""
    server = EmbeddedCentral(tmp_path_factory.mktemp("locked") / "central.sqlite", seed=7,
                             extra_args=("--token", READER_TOKEN))
    server.start()
    yield server
    server.stop()


def drill(server: EmbeddedCentral, **fields: object) -> dict:
    body = {"severity": "orange", "headline": "演练：通州区内涝", "adcode": "320612", **fields}
    response = requests.post(f"{server.url}/api/v1/sim/warnings", json=body, headers=ADMIN, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def feed(server: EmbeddedCentral, after: str | None = None, **params: object) -> dict:
    response = requests.get(f"{server.url}/api/v1/warnings", params={"after": after, **params}, timeout=70)
    assert response.status_code == 200, response.text
    return response.json()


def read_all(server: EmbeddedCentral, after: str | None = None) -> tuple[list[dict], str]:
    """Follow the feed to its end: (every message after `after`, the last cursor)."""
    found: list[dict] = []
    while True:
        page = feed(server, after, limit=50)
        found += page["warnings"]
        after = page["cursor"]
        if not page["warnings"]:
            return found, after


def db_path(server: EmbeddedCentral) -> Path:
    return server.db
