"""Worker threads for blocking I/O that must never hold the process open."""

from __future__ import annotations

import threading
from concurrent.futures import Executor, Future


class DaemonThreadExecutor(Executor):
    """One daemon thread per call: a long poll still hanging at exit never holds the process open."""

    def __init__(self, name: str) -> None:
        self.name = name

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the awaiting coroutine
                future.set_exception(exc)

        threading.Thread(target=run, name=self.name, daemon=True).start()
        return future
