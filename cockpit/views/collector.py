"""Python's cyclic garbage collector, run on the GUI thread only.

CPython collects in whichever thread crosses its allocation threshold, and the fetch and warning
threads allocate the most. A collection there destroys the QObjects caught in reference cycles from
the wrong thread: their timers stay registered, and a later timer event crashes the process (seen
here as a segfault in QTimerInfoList::activateTimers under a live wall's event loop). So automatic
collection is off, and the GUI thread collects on a timer, the generations that are due as CPython
would collect them (the approach of pyqtgraph's GarbageCollector and calibre). Once a minute it also
gives the pages malloc holds free back to the system, as a process that runs for days should."""

from __future__ import annotations

import gc
import itertools

from PySide6.QtCore import QCoreApplication, QTimer

from cockpit.core.rss import release_freed_memory

INTERVAL_MS = 1000
RELEASE_EVERY = 60  # ticks: malloc_trim walks the heap (~5 ms for 300 MB here)
_ticks = itertools.count(1)


def collect_on_the_gui_thread(app: QCoreApplication) -> QTimer:
    """Turn automatic collection off and collect on `app`'s thread every second; the timer is the app's."""
    timer = getattr(app, "_collector", None)
    if timer is None:
        timer = QTimer(app)
        timer.setObjectName("gui-thread-collector")
        timer.timeout.connect(collect_due)
        app._collector = timer
    gc.disable()
    timer.start(INTERVAL_MS)
    return timer


def collect_due() -> None:
    """The oldest generation whose count passed its threshold (with the younger ones), if any."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    for generation in (2, 1, 0):
        if counts[generation] > thresholds[generation]:
            gc.collect(generation)
            break
    if next(_ticks) % RELEASE_EVERY == 0:
        release_freed_memory()
