"""How long the wall takes to heal: seconds from a fault's end to every endpoint fresh again.

The real pieces, at the catalogue's own poll intervals (10 s for the map, 60 to 300 s for the
panels): the embedded central API (a child process, supervised), the fault-injecting proxy of the
tests between it and the cockpit's poller and store. Each fault lasts `--fault-s` seconds; every
endpoint is asked once when it starts (as a restart or a reload would), so each one meets it.

    python benchmarks/recovery.py [--fault-s 30] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from cockpit.charts import BLOCK_TYPES, CHART_KINDS, block_is_empty  # noqa: E402
from cockpit.core.catalogue import load_catalogue  # noqa: E402
from cockpit.core.client import ApiClient  # noqa: E402
from cockpit.core.embedded import EmbeddedCentral  # noqa: E402
from cockpit.core.poller import Poller  # noqa: E402
from cockpit.core.store import State, Store  # noqa: E402
from tests.faults.hostile import HOSTILE  # noqa: E402
from tests.faults.proxy import FaultProxy  # noqa: E402

TIMEOUT = (3.05, 10.0)  # the cockpit's own


def fresh(store: Store, endpoints) -> bool:
    return all(store.get(e).state in (State.OK, State.EMPTY) and not store.get(e).error for e in endpoints)


async def until(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def measure(fault_s: float, only: set[str] | None = None) -> list[dict]:
    catalogue = load_catalogue(chart_kinds=CHART_KINDS)
    intervals = catalogue.endpoints()
    with tempfile.TemporaryDirectory() as scratch:
        central = EmbeddedCentral(Path(scratch) / "central.sqlite")
        url = await asyncio.get_running_loop().run_in_executor(None, central.start)
        proxy = FaultProxy(url).start()
        store = Store(block_is_empty=block_is_empty)
        stale_flips: list[str] = []
        store.subscribe(lambda endpoint, entry: entry.state is State.STALE and stale_flips.append(endpoint))
        client = ApiClient(proxy.url, timeout=TIMEOUT)
        poller = Poller(client, store, intervals,
                        check=functools.partial(catalogue.check_answer, block_types=BLOCK_TYPES))
        loop = asyncio.get_running_loop()
        central.on_state = lambda text: text is None and loop.call_soon_threadsafe(poller.poll_all_soon)
        poller.start()
        records = []
        try:
            await until(lambda: fresh(store, intervals), 120)

            async def fault(name: str, start, end, lasting: float = fault_s) -> None:
                if only and name not in only:
                    return
                stale_flips.clear()
                started = time.monotonic()
                start()
                poller.poll_all_soon()
                await asyncio.sleep(lasting)
                if not lasting:  # a fault that ends by itself (a crash): from the fault, once the wall saw it
                    await until(lambda: stale_flips, 30)
                end()
                seconds = await until(lambda: fresh(store, intervals), 600)
                if not lasting:
                    seconds = time.monotonic() - started
                bound = min(intervals.values()) + TIMEOUT[1]
                records.append({"fault": name, "recovery_s": round(seconds, 2), "bound_s": bound,
                                "endpoints_stale_during": len(set(stale_flips))})
                print(f"{name:>22}: every endpoint fresh {seconds:5.1f} s after the fault "
                      f"{'ended' if lasting else 'began'} "
                      f"(bound {bound:g} s); {len(set(stale_flips))} of {len(intervals)} went stale meanwhile",
                      flush=True)
                await asyncio.sleep(3)

            for name, (mutate, _words) in HOSTILE.items():
                def hostile(mutate=mutate) -> None:
                    proxy.mutate_prefix, proxy.mutate = "/api/v1/", mutate
                await fault(name, hostile, proxy.clear)
            for offset in (300, 86400, -86400):
                await fault(f"Date {offset:+d} s", lambda offset=offset: proxy.set_date_offsets(offset), proxy.clear)
            await fault("two clocks 5 min apart", lambda: proxy.set_date_offsets(0, 300), proxy.clear)
            await fault("server hangs up", lambda: setattr(proxy, "close_without_answer", True), proxy.clear)
            await fault("unreachable", proxy.stop, proxy.start)

            def crash() -> None:  # from outside, as the OOM killer would; the supervisor restarts it
                os.kill(central.process.pid, signal.SIGKILL)
            await fault("embedded kill -9", crash, lambda: None, lasting=0)  # timed from the kill
        finally:
            await poller.stop()
            client.close()
            proxy.stop()
            await loop.run_in_executor(None, central.stop)
        return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fault-s", type=float, default=30.0, help="how long each fault lasts")
    parser.add_argument("--json", type=Path, help="write the records here")
    parser.add_argument("--only", help="comma-separated fault names (as printed), e.g. 'embedded kill -9'")
    args = parser.parse_args()
    records = asyncio.run(measure(args.fault_s, set(args.only.split(",")) if args.only else None))
    if args.json:
        args.json.write_text(json.dumps(records, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
