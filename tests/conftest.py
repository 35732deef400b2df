"""Shared fixtures: tests run offscreen and talk to a real central API over HTTP."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Iterator
from pathlib import Path

import pytest

from cockpit.core.embedded import EmbeddedCentral

ADMIN_TOKEN = "test-admin-token"
DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def central_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedCentral]:
    """One real central server for read-only tests (seed 7, real-time clock)."""
    server = EmbeddedCentral(tmp_path_factory.mktemp("central") / "central.sqlite", seed=7,
                             admin_token=ADMIN_TOKEN)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def central_server(tmp_path: Path) -> Iterator[EmbeddedCentral]:
    """A fresh real central server of the test's own (for tests that write or restart it)."""
    server = EmbeddedCentral(tmp_path / "central.sqlite", seed=7, admin_token=ADMIN_TOKEN)
    server.start()
    yield server
    server.stop()
