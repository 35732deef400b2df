"""Start the reference central API as a separate process (the embedded default).

The cockpit never imports `central`; it runs `python -m central` and reads the
address from the child's first stdout line, so the simulator never competes
with the GUI thread and the demo walks the same HTTP path as production.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

READY_LINE = re.compile(r"cockpit-central (?:listening on|already serving this database at) (http://\S+)")


class EmbeddedCentralError(RuntimeError):
    pass


class EmbeddedCentral:
    """A running `central` child process on a free loopback port."""

    def __init__(self, db: Path, *, seed: int = 2026, speed: float = 1.0, start_at: datetime | None = None,
                 admin_token: str | None = None, extra_args: tuple[str, ...] = (),
                 startup_timeout: float = 60.0) -> None:
        """`start_at`: where a new database's simulated clock starts (None: now)."""
        self.db, self.seed = Path(db), seed
        self.args = [sys.executable, "-m", "central", "--host", "127.0.0.1", "--port", "0",
                     "--db", str(self.db), "--seed", str(seed), "--speed", str(speed), "--exit-with-parent",
                     *extra_args]
        if start_at is not None:
            self.args += ["--start-at", start_at.isoformat()]
        if admin_token:
            self.args += ["--admin-token", admin_token]
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[str] | None = None
        self.url: str | None = None
        self._log: list[str] = []

    def start(self) -> str:
        if getattr(sys, "frozen", False):  # a packaged cockpit: `central` is deliberately left out
            raise EmbeddedCentralError("this packaged cockpit does not include the reference central API: "
                                       "start it with --api and the address of your platform")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        try:
            self.process = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                            text=True, encoding="utf-8", errors="replace", env=env)
        except OSError as exc:
            raise EmbeddedCentralError(f"could not start the reference central API: {exc}") from exc
        found = threading.Event()

        def read_output() -> None:
            assert self.process and self.process.stdout
            for line in self.process.stdout:
                self._log.append(line.rstrip())
                del self._log[:-200]  # keep the tail for error messages
                match = READY_LINE.search(line)
                if match and not found.is_set():
                    self.url = match.group(1)
                    found.set()
            found.set()  # the child closed stdout: it exited

        threading.Thread(target=read_output, name="central-output", daemon=True).start()
        if not found.wait(self.startup_timeout) or self.url is None:
            tail = "\n".join(self._log[-15:])
            self.stop()
            if "No module named central" in tail:
                raise EmbeddedCentralError(
                    "no --api was given and the reference central API is not installed "
                    "(install the 'central' extra, or point --api at your platform)")
            raise EmbeddedCentralError(f"the reference central API did not start:\n{tail}")
        return self.url

    @property
    def output(self) -> list[str]:
        return list(self._log)

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def kill(self) -> None:
        """Die hard, as in a crash (for tests of outages)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def __enter__(self) -> EmbeddedCentral:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
