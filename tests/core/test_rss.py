"""The process's memory: the RSS budget's log line, and glibc's allocator given back what is freed."""

import logging
import subprocess
import sys

import pytest

from cockpit.core import rss


def test_the_budget_says_once_when_it_is_exceeded_and_again_after_coming_back(caplog, monkeypatch):
    readings = iter([90.0, 120.0, 130.0, 80.0, 125.0])
    monkeypatch.setattr(rss, "rss_mb", lambda: next(readings))
    budget = rss.RssBudget(100)
    with caplog.at_level(logging.WARNING, logger="cockpit.core.rss"):
        said = [budget.check() for _ in range(5)]
    assert said == [None, "RSS 120 MB is over the budget of 100 MB", None, None,
                    "RSS 125 MB is over the budget of 100 MB"]
    assert budget.peak_mb == 130.0
    assert len(caplog.records) == 2


def test_the_rss_is_read():
    assert rss.rss_mb() > 10


glibc = pytest.mark.skipif(rss.malloc_mb() is None, reason="glibc's allocator only (2.33 and later)")

# In a process of its own: the arena cap cannot be undone, and other tests' threads must not refill the holes.
FREED_AND_GIVEN_BACK = """
import ctypes
from cockpit.core import rss

assert rss.tune_allocator()
libc = rss._glibc()
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, (ctypes.c_size_t,)
libc.free.argtypes = (ctypes.c_void_p,)
block = 64 * 1024  # under malloc's mmap threshold: these live in the heap, as small Qt and numpy buffers do
blocks = [libc.malloc(block) for _ in range(1600)]  # 100 MB
for address in blocks:
    ctypes.memset(address, 1, block)  # touched, so resident
in_use, _ = rss.malloc_mb()
for address in blocks[:-1]:  # the last one pins the heap's top: only trimming the holes gives pages back
    libc.free(address)
held_rss = rss.rss_mb()
after_free, free = rss.malloc_mb()
assert in_use - after_free > 90 and free > 90, (in_use, after_free, free)
assert rss.release_freed_memory()
assert held_rss - rss.rss_mb() > 80, (held_rss, rss.rss_mb())
"""


@glibc
def test_freed_pages_go_back_to_the_system_and_the_account_says_so():
    done = subprocess.run([sys.executable, "-c", FREED_AND_GIVEN_BACK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
