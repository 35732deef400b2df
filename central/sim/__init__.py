"""The simulated Nantong behind the reference central API.

`Simulator` owns the simulated clock and a daemon thread that generates the
city minute by minute into SQLite; the API's bodies (meta, situation, the 16
panels) are read back from SQLite, so a restart on the same database loses
nothing. A new database first gets 30 simulated days of history.
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from central.sim import bodies, city, history, live, panels, world
from central.sim.clock import MAX_CATCH_UP_MIN, Clock, at_minute, day_start, iso, minute_of
from central.sim.store import Connections, Counters, get_state, prepare, prune, set_state
from central.warning_feed import BELL, publish_warning

log = logging.getLogger("central.sim")
HISTORY_DAYS = 30
DETAIL_MIN = 2 * 24 * 60  # the recent window generated row by row
PUBLISH_MIN = 6 * 60  # the backfill publishes the last hours' warnings to the feed; older ones are counts
BATCH_MIN = 120  # simulated minutes written per transaction
MAX_SPEED = 100_000.0

__all__ = ["Simulator"]


class Simulator:
    def __init__(self, db_path: Path, *, seed: int, speed: float, start_at: datetime | None = None) -> None:
        """`start_at` (for tests and demos) anchors a new database's clock there instead of at real now."""
        _check_speed(speed)
        self.db_path = Path(db_path)
        self.seed = seed
        self._speed = speed
        self._start_at = start_at
        self._connections = Connections(self.db_path)
        self._clock: Clock | None = None
        self._generated_to = 0  # every minute before this one is in the database
        self._generator: live.Generator | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._cache: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}
        self._cache_lock = threading.Lock()
        self._outside_writes = 0  # changes to the city from outside the generator (see touch)
        self.backfill_seconds: float | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Open (or create and backfill) the database, then tick in a daemon thread."""
        conn = self._connections.get()
        prepare(conn)
        stored_seed = get_state(conn, "seed")
        if stored_seed is None:
            self._create(conn)
        else:
            if self._start_at is not None:
                log.warning("the database continues its own clock; the start instant %s applies only to a new "
                            "database", iso(self._start_at))
            if stored_seed != self.seed:
                log.warning("the database holds the city of seed %s; continuing it (seed %s ignored)",
                            stored_seed, self.seed)
                self.seed = stored_seed
            self._resume(conn)
        self._generator = live.Generator(conn, self.seed)
        self._thread = threading.Thread(target=self._run, name="simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._connections.close()

    def now(self) -> datetime:
        assert self._clock is not None, "start() the simulator first"
        return self._clock.now()

    def set_speed(self, speed: float) -> None:
        _check_speed(speed)
        assert self._clock is not None, "start() the simulator first"
        self._clock = self._clock.rebased(speed)
        self._speed = speed
        conn = self._connections.get()
        with conn:
            self._save_clock(conn)
        self._wake.set()

    @property
    def speed(self) -> float:
        return self._speed

    # ------------------------------------------------------------------ bodies

    def meta(self) -> dict[str, Any]:
        return {
            "domains": list(city.DOMAINS),
            "panels": [{"id": p.id, "domain": p.domain, "title": p.title} for p in panels.PANELS.values()],
            "counts": bodies.counts(),
        }

    def situation(self) -> dict[str, Any]:
        return self.situation_versioned()[1]

    def panel(self, panel_id: str) -> dict[str, Any] | None:
        found = self.panel_versioned(panel_id)
        return found[1] if found else None

    def situation_versioned(self) -> tuple[tuple[int, int], dict[str, Any]]:
        """(version, body): the body changes only with its version, so a server may encode it (and
        hash it for its ETag) once per version."""
        return self._cached("situation", bodies.situation)

    def panel_versioned(self, panel_id: str) -> tuple[tuple[int, int], dict[str, Any]] | None:
        if panel_id not in panels.PANELS:
            return None
        return self._cached(panel_id, lambda view: panels.body(view, panel_id))

    def touch(self) -> None:
        """Something outside the generator changed the city (a request taken over Open311, committed):
        the bodies are built again at their next read, not at the next simulated minute."""
        with self._cache_lock:
            self._outside_writes += 1

    def _cached(self, key: str, build) -> tuple[tuple[int, int], dict[str, Any]]:
        """Bodies change when a simulated minute is generated or a warning is published (a drill, a CAP
        message): build each once per such change, from one snapshot. Callers share it: never modify it."""
        conn = self._connections.get()
        conn.execute("BEGIN")  # a read transaction: one consistent snapshot of the database
        try:
            touched = self._outside_writes  # read before the snapshot begins: a later touch rebuilds
            minute = get_state(conn, "generated_to")
            version = (minute, conn.execute("SELECT COALESCE(MAX(seq), 0) FROM warnings").fetchone()[0], touched)
            with self._cache_lock:
                hit = self._cache.get(key)
            if hit and hit[0] == version:
                return hit
            body = build(bodies.View(conn, self.seed, minute))
        finally:
            conn.rollback()
        with self._cache_lock:
            self._cache[key] = (version, body)
        return version, body

    # ------------------------------------------------------------------ generation

    def _create(self, conn: sqlite3.Connection) -> None:
        started = time.perf_counter()
        real = time.time()
        sim_now = self._start_at.timestamp() if self._start_at else real
        self._clock = Clock(real, sim_now, self._speed)
        now_min = int(sim_now // 60)
        history_start = day_start(now_min) - HISTORY_DAYS * 1440  # whole days: every daily series is full
        detail_start = (now_min - DETAIL_MIN) // 60 * 60
        with conn:
            set_state(conn, "seed", self.seed)
            set_state(conn, "history_start", history_start)
            set_state(conn, "detail_start", detail_start)
            self._save_clock(conn)
            world.seed_entities(conn, self.seed)
            world.seed_services(conn)
            counters = Counters()
            history.span(counters, self.seed, history_start, detail_start)
            counters.flush(conn)
            set_state(conn, "generated_to", detail_start)
        self._generated_to = detail_start
        self._generator = live.Generator(conn, self.seed)
        while self._generated_to < now_min:
            self._generate(conn, min(now_min, self._generated_to + 6 * BATCH_MIN), publish_from=now_min - PUBLISH_MIN)
        if self._start_at:  # a pinned city begins at its instant once it can answer, whatever its speed
            self._clock = Clock(time.time(), sim_now, self._speed)
            with conn:
                self._save_clock(conn)
        self.backfill_seconds = time.perf_counter() - started
        log.info("backfilled %d simulated days in %.2f s", HISTORY_DAYS, self.backfill_seconds)

    def _resume(self, conn: sqlite3.Connection) -> None:
        stored = get_state(conn, "clock")
        self._generated_to = get_state(conn, "generated_to")
        sim_now = Clock(stored["real_anchor"], stored["sim_anchor"], stored["speed"]).sim_seconds()
        # Missed time beyond a simulated day is skipped: the clock resumes at most a day ahead.
        sim_now = min(max(sim_now, self._generated_to * 60), (self._generated_to + MAX_CATCH_UP_MIN) * 60)
        self._clock = Clock(time.time(), sim_now, self._speed)
        with conn:
            self._save_clock(conn)

    def _save_clock(self, conn: sqlite3.Connection) -> None:
        assert self._clock is not None
        set_state(conn, "clock", {"real_anchor": self._clock.real_anchor, "sim_anchor": self._clock.sim_anchor,
                                  "speed": self._clock.speed, "sim_anchor_text": iso(self._clock.now())})

    def _generate(self, conn: sqlite3.Connection, upto: int, *, publish_from: int) -> None:
        """Generate minutes [generated_to, upto) and publish their warnings, all in one transaction
        (a crash loses or repeats nothing), then wake the feed's long polls."""
        assert self._generator is not None
        batch = live.Batch()
        with conn:
            for minute in range(self._generated_to, upto):
                self._generator.minute(batch, minute, publish=minute >= publish_from)
            batch.write(conn)
            live.advance(conn, iso(at_minute(upto)))
            for warning in batch.warnings:
                self._publish(conn, warning)
            if day_start(upto) > day_start(self._generated_to):  # once a simulated day
                prune(conn, at_minute(upto))
            set_state(conn, "generated_to", upto)
        self._generated_to = upto
        if batch.warnings:
            BELL.ring()  # publishing rang before the commit; ring again now the messages can be read

    @staticmethod
    def _publish(conn: sqlite3.Connection, warning: dict[str, Any]) -> None:
        """Publish to the server's feed (inside the caller's transaction); an Update or Cancel names
        the last message on its chain."""
        chain = warning.pop("chain", None)
        key = f"chain:{chain}"
        if warning.get("msg_type", "Alert") != "Alert":
            previous = get_state(conn, key) if chain else None
            if previous is None:  # its alert predates the published window
                if warning["msg_type"] == "Cancel":
                    return
                warning["msg_type"] = "Alert"
            else:
                warning["references"] = [previous]
        published = publish_warning(conn, **warning)
        if chain and warning.get("msg_type") == "Cancel":
            conn.execute("DELETE FROM sim_state WHERE key = ?", (key,))
        elif chain:
            set_state(conn, key, {k: published[k] for k in ("sender", "identifier", "sent")})

    def _run(self) -> None:
        conn = self._connections.get()
        while not self._stop.is_set():
            try:
                assert self._clock is not None
                target = minute_of(self._clock.now())
                if self._generated_to < target:
                    self._generate(conn, min(target, self._generated_to + BATCH_MIN), publish_from=0)
                    continue
                self._wake.wait(min(1.0, self._clock.real_wait(self._generated_to + 1) + 0.01))
                self._wake.clear()
            except sqlite3.ProgrammingError:
                return  # closed under us while stopping
            except Exception:
                log.exception("the simulator failed a step; retrying in a second")
                self._stop.wait(1.0)


def _check_speed(speed: float) -> None:
    if not (isinstance(speed, int | float) and math.isfinite(speed) and 0 < speed <= MAX_SPEED):
        raise ValueError(f"the speed must be a number above 0 and at most {MAX_SPEED:g} "
                         f"(simulated seconds per real second), not {speed!r}")
