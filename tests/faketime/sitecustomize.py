"""Loaded (through PYTHONPATH) by every Python process of a run under libfaketime; see tests/run_at_instants.sh.

libfaketime 0.9.10 (Debian 12) breaks `time.sleep` on Python 3.11+ when the monotonic clock is kept
real: Python sleeps with clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME), libfaketime shifts that
deadline by the fake offset and the kernel answers EINVAL (libfaketime issue #426). Sleep on select()
instead, which libfaketime leaves alone; nothing else is changed.
"""

import os
import select
import time

if os.environ.get("FAKETIME") and os.environ.get("FAKETIME_DONT_FAKE_MONOTONIC") == "1":

    def _sleep(seconds: float) -> None:
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            select.select([], [], [], left)

    time.sleep = _sleep
