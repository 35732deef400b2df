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


@pytest.fixture(autouse=True)
def _collect_on_the_gui_thread(request: pytest.FixtureRequest) -> Iterator[None]:
    """As the app does (cockpit.views.collector): once Qt runs, Python collects cycles on the GUI
    thread only, never in a fetch thread that would destroy QObjects from the wrong thread."""
    if not {"qtbot", "qapp"} & set(request.fixturenames):
        yield
        return
    from cockpit.views.collector import collect_due, collect_on_the_gui_thread

    collect_on_the_gui_thread(request.getfixturevalue("qapp"))
    yield
    collect_due()


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
