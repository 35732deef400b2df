"""Cycles holding QObjects are collected on the GUI thread, never in a thread that happens to allocate."""

from __future__ import annotations

import gc
import itertools
import threading

from PySide6.QtCore import QTimer

from cockpit.views.collector import collect_on_the_gui_thread


class Cycle:
    """A QObject with a running timer, in a reference cycle: only the cyclic collector frees it."""

    def __init__(self, freed_in: list[str]) -> None:
        self.me = self
        self.freed_in = freed_in
        self.timer = QTimer()
        self.timer.start(60_000)

    def __del__(self) -> None:
        self.freed_in.append(threading.current_thread().name)


def test_a_worker_thread_that_allocates_never_collects_the_gui_threads_cycles(qapp, qtbot) -> None:
    timer = collect_on_the_gui_thread(qapp)
    assert not gc.isenabled() and timer.isActive()
    freed_in: list[str] = []
    Cycle(freed_in)  # unreachable at once, but for its cycle

    decoded: list[list[int]] = []

    def fetch() -> None:  # a payload decoded in a fetch thread: far past CPython's threshold to collect
        decoded.extend([n] for n in range(20_000))

    worker = threading.Thread(target=fetch, name="fetch-like")
    worker.start()
    worker.join()
    assert freed_in == []
    qtbot.waitUntil(lambda: freed_in != [], timeout=5000)  # the collector's next tick
    assert freed_in == [threading.main_thread().name]


def test_freed_memory_is_given_back_once_a_minute(monkeypatch):
    from cockpit.views import collector

    released = []
    monkeypatch.setattr(collector, "release_freed_memory", lambda: released.append(1))
    monkeypatch.setattr(collector, "_ticks", itertools.count(1))
    for _ in range(3 * collector.RELEASE_EVERY):
        collector.collect_due()
    assert len(released) == 3
