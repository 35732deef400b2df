"""Keep a wall's cockpit up for days: restart it when it crashes or its GUI thread stalls.

    python -m cockpit.watchdog [--stall-s 10] [--startup-grace-s 60] [--backoff-max-s 30] -- <cockpit args>

The cockpit runs in a process group of its own, with everything it starts (the embedded central
API): a restart ends the whole group, so no orphan keeps the database or the port. Its GUI thread
touches the heartbeat file (COCKPIT_HEARTBEAT, see cockpit.core.heartbeat) every second. What a
restart must keep, the cockpit keeps itself: the wall's state file and the warnings' store (see
docs/watchdog.md). No Qt here: a watchdog must not share what it watches for.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cockpit.core.heartbeat import HEARTBEAT_ENV

POLL_S = 0.25
END_WAIT_S = 3.0  # after SIGTERM, then again after SIGKILL
HEALTHY_AFTER_S = 60.0  # a run this long was healthy: its crash restarts at once again
COCKPIT = [sys.executable, "-m", "cockpit"]
STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP", "SIGBREAK")  # those this platform has
PR_SET_CHILD_SUBREAPER = 36
log = logging.getLogger("cockpit.watchdog")


def restart_delay(failures_in_a_row: int, backoff_max_s: float) -> float:
    """At once after the first quick failure, then 1, 2, 4 ... s, at most `backoff_max_s`."""
    return 0.0 if failures_in_a_row <= 1 else min(2.0 ** (failures_in_a_row - 2), backoff_max_s)


class Watchdog:
    def __init__(
        self,
        command: list[str],
        heartbeat: Path,
        *,
        stall_s: float,
        startup_grace_s: float,
        backoff_max_s: float,
    ) -> None:
        self.command, self.heartbeat = command, heartbeat
        self.stall_s, self.startup_grace_s, self.backoff_max_s = stall_s, startup_grace_s, backoff_max_s
        self.stopping = False

    def stop(self, signum: int, _frame: object = None) -> None:
        log.info("%s: stopping the cockpit and the watchdog", signal.Signals(signum).name)
        self.stopping = True

    def run(self) -> int:
        """0 when the cockpit was closed (it exited 0) or the watchdog was told to stop."""
        failures, runs = 0, 0
        while not self.stopping:
            self.heartbeat.unlink(missing_ok=True)  # the new run's first beat is its own
            child = subprocess.Popen(
                self.command, env={**os.environ, HEARTBEAT_ENV: str(self.heartbeat)}, **_own_group()
            )
            started, runs = time.monotonic(), runs + 1
            log.info("started the cockpit, pid %d%s", child.pid, f" (restart {runs - 1})" if runs > 1 else "")
            why = self._watch(child, started)
            closed = why == "exited" and child.returncode == 0
            failures = failures + 1 if time.monotonic() - started < HEALTHY_AFTER_S else 1
            delay = restart_delay(failures, self.backoff_max_s)
            if closed:
                log.info("the cockpit was closed (exit 0): the watchdog stops too")
            elif why == "exited":
                log.warning(
                    "the cockpit crashed (exit %s), restarting in %g s", _exit_words(child.returncode), delay
                )
            elif why != "stopped":
                log.warning("%s, restarting in %g s", why, delay)
            _end_group(child)
            if closed:
                return 0
            self._sleep(delay)
        return 0

    def _watch(self, child: subprocess.Popen, started: float) -> str:
        """Until the child exits ("exited"), stalls (the words why) or the watchdog is told to stop."""
        beat, last_beat = None, started
        while not self.stopping:
            if child.poll() is not None:
                return "exited"
            now, seen = time.monotonic(), _mtime(self.heartbeat)
            if seen != beat:  # a touch, whatever the clock says: the monotonic clock measures the silence
                if beat is None:
                    log.info("the cockpit's first heartbeat came %.1f s after its start", now - started)
                beat, last_beat = seen, now
            if beat is None and now - started > self.startup_grace_s:
                return f"no heartbeat within {self.startup_grace_s:g} s of start-up: the cockpit hangs"
            if beat is not None and now - last_beat > self.stall_s:
                return f"no heartbeat for {self.stall_s:g} s: the GUI thread is stalled"
            time.sleep(POLL_S)
        return "stopped"

    def _sleep(self, seconds: float) -> None:
        until = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < until:
            time.sleep(POLL_S)


def _own_group() -> dict:
    if os.name == "nt":
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}  # its own session and process group, whose id is the child's pid


def _end_group(child: subprocess.Popen) -> None:
    """SIGTERM to the cockpit and all it started, SIGKILL to what is left after 3 s; reap every one."""
    if os.name == "nt":  # the tree while the cockpit lives; its central ends itself (--exit-with-parent)
        for force in ([], ["/F"]):
            subprocess.run(["taskkill", "/PID", str(child.pid), "/T", *force], capture_output=True)
            try:
                child.wait(END_WAIT_S)
                return
            except subprocess.TimeoutExpired:
                pass
        return
    group = child.pid
    for signum in (signal.SIGTERM, signal.SIGKILL):
        if signum == signal.SIGKILL:
            log.warning("the cockpit's process group %d is still there 3 s after SIGTERM: SIGKILL", group)
        try:
            os.killpg(group, signum)
            os.killpg(group, signal.SIGCONT)  # a stopped process acts on SIGTERM only once it runs
        except ProcessLookupError:
            return
        deadline = time.monotonic() + END_WAIT_S
        while time.monotonic() < deadline:
            if child.poll() is not None:  # the leader is reaped: the others may be ours now (subreaper)
                _reap(group)
                try:
                    os.killpg(group, 0)
                except ProcessLookupError:
                    return
            time.sleep(0.05)
    log.error("the cockpit's process group %d did not end", group)


def _reap(group: int) -> None:
    try:
        while os.waitpid(-group, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _adopt_orphans() -> None:
    """On Linux, what the cockpit started outlives it as the watchdog's child, so the watchdog can
    reap it: under an init that reaps nothing (a container's), a zombie would keep the group alive."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _exit_words(code: int) -> str:
    if code < 0:
        try:
            return f"{code}, {signal.Signals(-code).name}"
        except ValueError:
            pass
    return str(code)


def seconds(text: str) -> float:
    value = float(text)
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"{text}: give seconds, more than 0 and less than a day")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cockpit-watchdog",
        usage="%(prog)s [options] -- [cockpit arguments]",
        description="Run the cockpit and restart it when it crashes or its GUI thread stalls.",
    )
    parser.add_argument(
        "--stall-s",
        type=seconds,
        metavar="S",
        default=10.0,
        help="restart when the GUI thread has not beaten for this long (default 10)",
    )
    parser.add_argument(
        "--startup-grace-s",
        type=seconds,
        metavar="S",
        default=60.0,
        help="how long a starting cockpit may take to its first beat (default 60)",
    )
    parser.add_argument(
        "--backoff-max-s",
        type=seconds,
        metavar="S",
        default=30.0,
        help="the longest pause between restarts of a cockpit that keeps failing (default 30)",
    )
    return parser


def main(argv: list[str] | None = None, *, program: list[str] | None = None) -> int:
    """`program`: what runs in place of `python -m cockpit` (the tests' stand-in); the arguments
    after `--` are passed on to it."""
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    args, cockpit_args = _parser().parse_args(argv[:split]), argv[split + 1 :]
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    _adopt_orphans()
    folder = Path(tempfile.mkdtemp(prefix="cockpit-watchdog-", dir=os.environ.get("XDG_RUNTIME_DIR")))
    watchdog = Watchdog(
        [*(program or COCKPIT), *cockpit_args],
        folder / "heartbeat",
        stall_s=args.stall_s,
        startup_grace_s=args.startup_grace_s,
        backoff_max_s=args.backoff_max_s,
    )
    for name in STOP_SIGNALS:
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), watchdog.stop)
    try:
        return watchdog.run()
    except OSError as exc:
        log.error("cannot start the cockpit: %s", exc)
        return 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
