"""Start the reference central API as a separate process (the embedded default), and keep it running.

The cockpit never imports `central`; it runs `python -m central` and reads the
address from the child's first stdout line, so the simulator never competes
with the GUI thread and the demo walks the same HTTP path as production.

A thread waits on the child: if it ends unasked (a crash, SIGKILL, the OOM killer, a stray SIGTERM:
the wall must stay up whoever stopped its server), it is started
again on the same database and, when the port can be bound again, at the same address, with a
growing pause if it keeps dying. `on_state` and `on_url` tell the cockpit (from that thread).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

READY_LINE = re.compile(r"cockpit-central (?:listening on|already serving this database at) (http://\S+)")
SHARED = "already serving"

log = logging.getLogger(__name__)


class EmbeddedCentralError(RuntimeError):
    pass


class EmbeddedCentral:
    """A running `central` child process on a loopback port, restarted when it crashes."""

    # The pause before restart n is RESTART_DELAY_S * 2**(n-1), at most MAX_RESTART_DELAY_S; a child
    # that stayed up STABLE_S seconds counts as healthy again, so its next crash restarts quickly.
    RESTART_DELAY_S = 0.5
    MAX_RESTART_DELAY_S = 30.0
    STABLE_S = 60.0

    def __init__(self, db: Path, *, seed: int = 2026, speed: float = 1.0, start_at: datetime | None = None,
                 admin_token: str | None = None, extra_args: tuple[str, ...] = (),
                 startup_timeout: float = 60.0, on_state: Callable[[str | None], None] | None = None,
                 on_url: Callable[[str], None] | None = None) -> None:
        """`start_at`: where a new database's simulated clock starts (None: now).
        `on_state(text)`: what to show on screen about restarts (Chinese), None when it is over.
        `on_url(url)`: the server came back at another address. Both are called from a thread."""
        self.db, self.seed = Path(db), seed
        self.args = [sys.executable, "-m", "central", "--host", "127.0.0.1",
                     "--db", str(self.db), "--seed", str(seed), "--speed", str(speed), "--exit-with-parent",
                     *extra_args]
        if start_at is not None:
            self.args += ["--start-at", start_at.isoformat()]
        if admin_token:
            self.args += ["--admin-token", admin_token]
        self.startup_timeout = startup_timeout
        self.on_state, self.on_url = on_state, on_url
        self.process: subprocess.Popen[str] | None = None
        self.url: str | None = None
        self.shared = False  # another server already serves this database: its cockpit watches it
        self.delays: list[float] = []  # the pause before each restart so far
        self._log: list[str] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

    def start(self) -> str:
        if getattr(sys, "frozen", False):  # a packaged cockpit: `central` is deliberately left out
            raise EmbeddedCentralError("this packaged cockpit does not include the reference central API: "
                                       "start it with --api and the address of your platform")
        self._stopping.clear()
        process = self._launch(port=0)
        if not self.shared:
            self._watcher = threading.Thread(target=self._supervise, args=(process,), name="central-supervisor",
                                             daemon=True)
            self._watcher.start()
        assert self.url is not None
        return self.url

    def _launch(self, port: int) -> subprocess.Popen[str]:
        """One child, up to its ready line; when it does not get there it is gone and the error says why."""
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        with self._lock:  # stop() either sees this child or has already said no more
            if self._stopping.is_set():
                raise EmbeddedCentralError("stopped")
            try:
                process = subprocess.Popen([*self.args, "--port", str(port)], stdout=subprocess.PIPE,
                                           stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                                           errors="replace", env=env)
            except OSError as exc:
                raise EmbeddedCentralError(f"could not start the reference central API: {exc}") from exc
            self.process = process
        lines: list[str] = []
        ready: list[re.Match[str]] = []
        found = threading.Event()

        def read_output() -> None:
            assert process.stdout
            for line in process.stdout:
                lines.append(line.rstrip())
                self._log.append(line.rstrip())
                del self._log[:-200], lines[:-200]  # keep the tail for error messages
                match = READY_LINE.search(line)
                if match and not found.is_set():
                    ready.append(match)
                    found.set()
            found.set()  # the child closed stdout: it exited

        threading.Thread(target=read_output, name="central-output", daemon=True).start()
        if not found.wait(self.startup_timeout) or not ready:
            with self._lock:
                if self.process is process:
                    self.process = None
            _end(process)
            tail = "\n".join(lines[-15:])
            if "No module named central" in tail:
                raise EmbeddedCentralError(
                    "no --api was given and the reference central API is not installed "
                    "(install the 'central' extra, or point --api at your platform)")
            raise EmbeddedCentralError(f"the reference central API did not start:\n{tail}")
        self.url, self.shared = ready[0].group(1), SHARED in ready[0].group(0)
        return process

    def _supervise(self, process: subprocess.Popen[str]) -> None:
        """Wait on the child; when it dies unasked, start it again (same database, same port if free)."""
        attempt, up_since = 0, time.monotonic()
        while True:
            code = process.wait()
            if self._stopping.is_set():
                return
            if time.monotonic() - up_since >= self.STABLE_S:
                attempt = 0
            log.warning("the embedded central API at %s exited with status %s; restarting it", self.url, code)
            self._call(self.on_state, f"内置中央接口已停止，正在重新启动（第 {attempt + 1} 次）…")
            while True:  # until a child is up again; a failure's reason stays on screen during the pause
                attempt += 1
                delay = self._delay(attempt)
                self.delays.append(delay)
                if self._stopping.wait(delay):
                    return
                try:
                    process = self._relaunch()
                    break
                except EmbeddedCentralError as exc:
                    if self._stopping.is_set():
                        return
                    reason = next((line for line in reversed(str(exc).splitlines()) if line.strip()), str(exc))
                    log.error("restart %d of the embedded central API failed: %s", attempt, exc)
                    self._call(self.on_state, f"内置中央接口第 {attempt} 次重新启动失败，"
                                              f"{self._delay(attempt + 1):g} 秒后再试：{reason}")
            up_since = time.monotonic()
            log.info("the embedded central API is back at %s (restart %d)", self.url, attempt)
            self._call(self.on_state, None)
            if self.shared:  # another cockpit's server took the database over while ours was down
                return

    def _relaunch(self) -> subprocess.Popen[str]:
        """The same port keeps the address valid for every client (the server binds with
        SO_REUSEADDR, so the dead child's lingering connections do not hold it); if something else
        took the port, any free one, and the cockpit is told the new address."""
        old = self.url
        port = urlsplit(old).port if old else None
        try:
            process = self._launch(port or 0)
        except EmbeddedCentralError as exc:
            if not port or "cannot listen on" not in str(exc):
                raise
            log.warning("port %d is taken; the embedded central API moves to another port", port)
            process = self._launch(0)
        if self.url != old:
            self._call(self.on_url, self.url)
        return process

    def _delay(self, attempt: int) -> float:
        return min(self.RESTART_DELAY_S * 2 ** (attempt - 1), self.MAX_RESTART_DELAY_S)

    @staticmethod
    def _call(hook: Callable | None, value: object) -> None:
        if hook is not None:
            try:
                hook(value)
            except Exception:  # a broken hook must not end the supervision
                log.exception("the embedded central API's hook failed")

    @property
    def output(self) -> list[str]:
        return list(self._log)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()  # first: the exit below is not a crash to restart
        with self._lock:
            process, self.process = self.process, None
        _end(process, timeout)
        self._join_watcher(timeout)

    def kill(self) -> None:
        """Die hard, as in a crash, and stay down (for tests of a lasting outage; a crash from
        outside, e.g. SIGKILL, is restarted)."""
        self._stopping.set()
        with self._lock:
            process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        self._join_watcher(10.0)

    def _join_watcher(self, timeout: float) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None and watcher is not threading.current_thread():
            watcher.join(timeout)

    def __enter__(self) -> EmbeddedCentral:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _end(process: subprocess.Popen[str] | None, timeout: float = 10.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
