"""The wall's watchdog, with real processes: crashes and stalls restart the cockpit within 5 s, its whole
process group goes with it, and the real cockpit comes back with its wall and warnings as they were.

Most tests run a stand-in for the cockpit (a small script that beats the heartbeat and, like the
cockpit with its central API, starts a child of its own), given through `main(program=...)`.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cockpit.watchdog import restart_delay

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups and signals as on a Linux wall")

REPO = Path(__file__).resolve().parents[1]
STAND_IN = """
import json, os, subprocess, sys, time
from pathlib import Path

mode, runs, code, after = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
heartbeat = Path(os.environ["COCKPIT_HEARTBEAT"])
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def note(event):
    with runs.open("a") as file:
        file.write(json.dumps({"event": event, "pid": os.getpid(), "pgid": os.getpgid(0),
                               "grandchild": grandchild.pid, "t": time.time()}) + "\\n")


note("start")
end = time.monotonic() + after
while time.monotonic() < end:
    if mode != "silent":
        heartbeat.touch()
    time.sleep(0.2)
note("exit")
sys.exit(code)
"""


class Watched:
    """A watchdog process of the test's own; its output (and its child's) is collected as it comes."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip())

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float, *, start: int = 0) -> tuple[int, re.Match]:
        """The first line from `start` on that matches, and its number."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for number in range(start, len(self.lines)):
                if found := re.search(pattern, self.lines[number]):
                    return number, found
            time.sleep(0.05)
        pytest.fail(f"no {pattern!r} within {timeout:g} s; the output:\n{self.log[-6000:]}")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
            self._reader.join(5)


@pytest.fixture
def stand_in(tmp_path: Path):
    """start(mode, code, after_s, *watchdog options) -> (the watchdog, read the stand-in's runs)."""
    script, runs = tmp_path / "stand_in.py", tmp_path / "runs.jsonl"
    script.write_text(STAND_IN, encoding="utf-8")
    started: list[Watched] = []

    def start(mode: str = "beat", code: int = 0, after_s: float = 600, *options: str):
        program = [sys.executable, str(script)]
        code_text = f"import sys; from cockpit.watchdog import main; sys.exit(main(sys.argv[1:], program={program!r}))"
        watched = Watched(
            [sys.executable, "-c", code_text, *options, "--", mode, str(runs), str(code), str(after_s)],
            env=dict(os.environ, PYTHONPATH=str(REPO)),
        )
        started.append(watched)
        return watched, lambda: read_runs(runs)

    yield start
    for watched in started:
        watched.stop()


def read_runs(path: Path) -> list[dict]:
    """The stand-in's notes so far (a line still being written waits for the next look)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return [json.loads(line) for line in text.split("\n")[:-1]]


def until(found, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := found():
            return value
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within {timeout:g} s")


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def starts(runs) -> list[dict]:
    return [run for run in runs() if run["event"] == "start"]


@pytest.mark.parametrize("crash", ["kill -9", "exit 3"])
def test_a_crash_is_restarted_within_5_s_and_leaves_nothing_behind(stand_in, crash):
    watched, runs = stand_in("exit", 3, 1.5) if crash == "exit 3" else stand_in()
    first = until(lambda: starts(runs), 10, "the first start")[0]
    if crash == "kill -9":
        os.kill(first["pid"], signal.SIGKILL)
        crashed_at = time.time()
    else:
        crashed_at = until(lambda: [r for r in runs() if r["event"] == "exit"], 10, "the crash")[0]["t"]
    second = until(lambda: starts(runs)[1:], 10, "a restart")[0]
    assert second["t"] - crashed_at < 5
    assert group_gone(first["pgid"]) and pid_gone(first["grandchild"])  # what the cockpit started went too
    words = "exit -9, SIGKILL" if crash == "kill -9" else "exit 3"
    assert f"the cockpit crashed ({words}), restarting in 0 s" in watched.log


@pytest.mark.parametrize("stall", ["SIGSTOP", "never beats"])
def test_a_stalled_cockpit_is_restarted_and_its_whole_group_ends(stand_in, stall):
    stall_s, grace_s = 2, 3
    options = ("--stall-s", str(stall_s), "--startup-grace-s", str(grace_s))
    watched, runs = stand_in("silent" if stall == "never beats" else "beat", 0, 600, *options)
    first = until(lambda: starts(runs), 10, "the first start")[0]
    if stall == "SIGSTOP":  # alive, but its GUI thread beats no more
        watched.wait_for("first heartbeat", 10)
        os.kill(first["pid"], signal.SIGSTOP)
        stalled_at, limit, words = time.time(), stall_s, "no heartbeat for 2 s: the GUI thread is stalled"
    else:
        stalled_at, limit, words = (
            first["t"],
            grace_s,
            "no heartbeat within 3 s of start-up: the cockpit hangs",
        )
    second = until(lambda: starts(runs)[1:], limit + 10, "a restart")[0]
    assert second["t"] - stalled_at < limit + 5
    assert group_gone(first["pgid"]) and pid_gone(first["grandchild"])
    assert f"{words}, restarting in 0 s" in watched.log


def test_a_cockpit_closed_by_its_user_ends_the_watchdog(stand_in):
    watched, runs = stand_in("exit", 0, 1)
    assert watched.process.wait(15) == 0
    assert len(starts(runs)) == 1
    assert group_gone(starts(runs)[0]["pgid"])
    assert "the cockpit was closed (exit 0): the watchdog stops too" in watched.log


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_or_sigint_stops_the_cockpit_group_and_the_watchdog(stand_in, signum):
    watched, runs = stand_in()
    first = until(lambda: starts(runs), 10, "the first start")[0]
    watched.process.send_signal(signum)
    assert watched.process.wait(15) == 0
    assert group_gone(first["pgid"]) and pid_gone(first["grandchild"])
    assert len(starts(runs)) == 1


def test_restarts_back_off_from_at_once_to_the_maximum():
    assert [restart_delay(n, 30) for n in range(1, 9)] == [0, 1, 2, 4, 8, 16, 30, 30]


def test_the_watchdog_stays_clear_of_qt():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, cockpit.watchdog; print(sorted(m for m in "
            "sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'qasync')))",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]"


# -- the real cockpit ------------------------------------------------------------------------------


def cockpit_env(tmp_path: Path, screens: int = 1) -> dict[str, str]:
    """Offscreen Qt with `screens` 1920x1080 screens in rows of two, and per-user folders of the test's own."""
    config = tmp_path / "screens.json"
    config.write_text(
        json.dumps(
            {
                "screens": [
                    {
                        "name": f"DP-{n + 1}",
                        "x": 1920 * (n % 2),
                        "y": 1080 * (n // 2),
                        "width": 1920,
                        "height": 1080,
                        "logicalDpi": 96,
                        "dpr": 1,
                    }
                    for n in range(screens)
                ]
            }
        ),
        encoding="utf-8",
    )
    env = dict(
        os.environ,
        QT_QPA_PLATFORM=f"offscreen:configfile={config}",
        PYTHONPATH=str(REPO),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    for name in ("COCKPIT_TOKEN", "COCKPIT_WALL", "COCKPIT_HEARTBEAT"):
        env.pop(name, None)
    return env


def group_members(pgid: int) -> dict[int, str]:
    """{pid: command line} of the live processes in the group (from /proc)."""
    members = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            if entry.name.isdigit() and int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
                members[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, ValueError, IndexError):
            continue
    return members


def red_drill(number: int, sent: datetime):
    from cockpit.core.warning import WarningMessage

    return WarningMessage(
        id=f"W9{number:05d}",
        origin="central",
        source="drill",
        identifier=f"urn:test:{number}",
        sender="cockpit-central@nantong.gov.cn",
        sent=sent,
        level="red",
        headline=f"演练：第 {number} 号暴雨红色预警",
        area_name="通州区金沙街道",
        adcode="320612001",
        lon=121.07,
        lat=32.09,
        expires=sent + timedelta(hours=6),
    )


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process groups from /proc")
def test_the_real_wall_comes_back_as_it_was_after_a_kill(tmp_path):
    """A 2x2 wall under the watchdog, kill -9: a new cockpit within 5 s, the old one's central API gone,
    every carousel on the page it showed, and an acknowledged red warning not back on the wall."""
    from cockpit.app import source_key
    from cockpit.charts import CHART_KINDS
    from cockpit.core.catalogue import load_catalogue
    from cockpit.core.config import parse_settings
    from cockpit.core.wall import ClockState, load_manifest
    from cockpit.core.wall.state import load_state
    from cockpit.core.warning import Inbox, read_audit

    # The example wall, its carousels turning every 5 minutes: no turn in the middle of the test.
    tick = 300
    text = (REPO / "examples" / "wall-2x2-4k.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s*)(tick_s|interval_s) = \d+", rf"\1\2 = {tick}", text)
    manifest_path = tmp_path / "wall.toml"
    manifest_path.write_text(text, encoding="utf-8")
    catalogue = load_catalogue(chart_kinds=CHART_KINDS)
    manifest = load_manifest(
        manifest_path, domains=catalogue.domains, panels=[p.id for p in catalogue.panels]
    )
    settings = parse_settings(["--wall", str(manifest_path)], env={})
    data = tmp_path / "data" / "nantong-cockpit"
    data.mkdir(parents=True)

    # An operator paused the wall a while ago; the pause has run out, so the cockpit carries on from the
    # page held (one beat behind the machine's clock) and writes that down at its first turn.
    key = hashlib.sha256(f"{manifest_path.resolve()}|{settings.source}".encode()).hexdigest()[:16]
    state_path = data / f"wall-{key}.json"  # named as cockpit.app.start_wall names it
    now = time.time()
    held_at = (math.floor(now / tick) - 1) * tick + 1
    state_path.write_text(json.dumps({"paused_at": held_at, "paused_until": now}), encoding="utf-8")

    # Two red drills wait; the newer holds the wall until it is acknowledged.
    inbox_path = data / f"warnings-{source_key(settings)}.sqlite"
    sent = datetime.now(UTC).replace(microsecond=0)
    inbox = Inbox(inbox_path)
    inbox.receive([red_drill(1, sent - timedelta(minutes=1)), red_drill(2, sent)], sent)
    older, newer = sorted(inbox.records(), key=lambda record: record.local_id)
    inbox.close()

    audit = tmp_path / "audit.jsonl"
    # The watchdog's defaults: a healthy wall is never taken for a stalled one while the test runs.
    wall_args = ["--wall", str(manifest_path), "--audit-log", str(audit)]
    watched = Watched(
        [sys.executable, "-m", "cockpit.watchdog", "--", *wall_args], env=cockpit_env(tmp_path, 4)
    )
    try:
        _, started = watched.wait_for(r"started the cockpit, pid (\d+)", 30)
        pid = int(started.group(1))
        first_screens = screens_shown(watched, 0)
        watched.wait_for(rf"{newer.id} pre-empts the carousels", 30)
        kept = until(
            lambda: (
                state_path.exists()
                and load_state(state_path).paused_at is None
                and state_path.read_text(encoding="utf-8")
            ),
            30,
            "the cockpit writing the wall's state",
        )
        members = until(
            lambda: (
                (found := group_members(pid)) and any("-m central" in c for c in found.values()) and found
            ),
            30,
            "the embedded central API starting",
        )

        # The duty desk acknowledged the newer drill; the wall learnt it (as from the central API).
        inbox = Inbox(inbox_path)
        inbox.acknowledge(newer.local_id, "值班员", "duty-desk", datetime.now(UTC), elsewhere=True)
        inbox.close()
        audited = [entry for entry in read_audit(audit) if entry["warning_id"] == newer.id]

        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        restart_line, again = watched.wait_for(r"started the cockpit, pid (\d+) \(restart 1\)", 10)
        assert time.monotonic() - killed_at < 5
        assert group_gone(pid), f"left behind: {group_members(pid)}"
        assert all(pid_gone(member) for member in members)  # the old central API too

        second_screens = screens_shown(watched, restart_line)
        watched.wait_for(rf"{older.id} pre-empts the carousels", 30, start=restart_line)
        time.sleep(2)  # the warning centre's ticks: a re-pop would be audited by now

        assert second_screens == first_screens
        assert list(second_screens) == [screen.id for screen in manifest.wall_screens]
        assert second_screens == carousel_pages(manifest, load_state(state_path))
        assert second_screens != carousel_pages(manifest, ClockState())  # the kept state moved them
        assert state_path.read_text(encoding="utf-8") == kept
        assert not re.search(rf"{newer.id} pre-empts", "\n".join(watched.lines[restart_line:]))
        assert [entry for entry in read_audit(audit) if entry["warning_id"] == newer.id] == audited
        inbox = Inbox(inbox_path)
        try:
            assert inbox.get(newer.local_id).acked_at is not None
            assert [record.id for record in inbox.needing_attention()] == [older.id]  # nothing lost
        finally:
            inbox.close()
        assert len(re.findall(r"started the cockpit", watched.log)) == 2
    finally:
        code = watched.stop()
    assert code == 0, watched.log[-4000:]
    assert group_gone(int(again.group(1)))


def screens_shown(watched: Watched, start: int) -> dict[str, tuple[str, ...]]:
    """{wall screen id: the carousels' pages} as a cockpit logged them at its start."""
    shown: dict[str, tuple[str, ...]] = {}
    number = start
    while len(shown) < 4:
        number, found = watched.wait_for(r"wall screen (\S+): (.*)$", 30, start=number)
        shown[found.group(1)] = tuple(re.findall(r"（(\d+/\d+)）", found.group(2)))
        number += 1
    return shown


def carousel_pages(manifest, state) -> dict[str, tuple[str, ...]]:
    from cockpit.core.wall import WallClock

    clock, now = WallClock(manifest.tick_s, state), time.time()
    return {
        screen.id: tuple(
            f"{clock.item_index(region, now) + 1}/{len(region.items)}"
            for region in screen.regions
            if region.is_carousel
        )
        for screen in manifest.wall_screens
    }


def test_the_real_cockpit_beats_its_heartbeat_while_it_runs(tmp_path):
    """The GUI thread's beats reach the watchdog: a healthy cockpit is never taken for a stalled one."""
    watched = Watched([sys.executable, "-m", "cockpit.watchdog", "--stall-s", "3"], env=cockpit_env(tmp_path))
    try:
        number, _ = watched.wait_for("the cockpit's first heartbeat", 60)
        time.sleep(8)
        later = "\n".join(watched.lines[number:])
        assert "no heartbeat" not in later and "(restart 1)" not in later, watched.log[-4000:]
    finally:
        assert watched.stop() == 0


def test_the_service_files_for_walls_run_the_watchdog():
    import xml.etree.ElementTree as ElementTree

    unit = (REPO / "build" / "wall" / "cockpit-wall.service").read_text(encoding="utf-8")
    assert re.search(r"(?m)^ExecStart=\S*cockpit-watchdog -- --wall ", unit)
    assert re.search(r"(?m)^Restart=always$", unit) and re.search(
        r"(?m)^WantedBy=graphical-session.target$", unit
    )
    task = ElementTree.parse(REPO / "build" / "wall" / "cockpit-wall-task.xml").getroot()
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert task.find("t:Triggers/t:LogonTrigger", ns) is not None
    assert task.find("t:Settings/t:ExecutionTimeLimit", ns).text == "PT0S"
    assert task.find("t:Settings/t:RestartOnFailure", ns) is not None
    command = task.find("t:Actions/t:Exec/t:Command", ns).text
    assert command.endswith("cockpit-watchdog.exe")
    assert task.find("t:Actions/t:Exec/t:Arguments", ns).text.startswith("-- --wall ")
