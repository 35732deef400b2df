"""The process's resident memory, and a budget that says in the log when it is exceeded."""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)


def rss_mb() -> float | None:
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError, AttributeError):
        pass
    try:
        import psutil
    except ImportError:
        return None
    return psutil.Process().memory_info().rss / 2**20


class RssBudget:
    def __init__(self, limit_mb: float) -> None:
        self.limit_mb = limit_mb
        self.over = False
        self.peak_mb = 0.0

    def check(self) -> str | None:
        rss = rss_mb()
        if rss is None:
            return None
        self.peak_mb = max(self.peak_mb, rss)
        if rss > self.limit_mb and not self.over:
            self.over = True
            words = f"RSS {rss:.0f} MB is over the budget of {self.limit_mb:.0f} MB"
            log.warning("%s", words)
            return words
        if rss <= self.limit_mb:
            self.over = False
        return None
