"""Timing helpers shared by the subjects: median of several runs after a warm-up."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Plan:
    """How many runs each measure gets (after `warmup` untimed ones)."""

    full_runs: int = 5
    runs: int = 15
    warmup: int = 1


@dataclass(frozen=True)
class Record:
    measure: str
    subject: str
    size: str
    median_ms: float
    min_ms: float
    runs: int
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    note: str = ""
    unit: str = "ms"  # soak_rss: MB (its median, min and max are RSS, not times)
    start_mb: float | None = None  # soak_rss only: RSS after start-up, at the end,
    end_mb: float | None = None  # and its growth per simulated hour (least squares)
    growth_mb_per_sim_hour: float | None = None
    sim_hours: float | None = None

    @classmethod
    def of(cls, measure: str, subject: str, size: str, samples_ms: list[float], note: str = "") -> Record:
        ordered = sorted(samples_ms)

        def rank(q: float) -> float:
            return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)

        return cls(measure, subject, size, round(statistics.median(ordered), 2), round(ordered[0], 2),
                   len(ordered), rank(0.95), rank(0.99), round(ordered[-1], 2), note)


def sample(step: Callable[[int], object], runs: int, warmup: int = 1,
           prepare: Callable[[], object] | None = None) -> list[float]:
    """Milliseconds of `step(i)` for i in range(runs), after `warmup` untimed calls.

    `prepare` runs untimed before every call (e.g. to free what the previous call built)."""
    for i in range(warmup):
        if prepare:
            prepare()
        step(-1 - i)
    samples = []
    for i in range(runs):
        if prepare:
            prepare()
        start = time.perf_counter()
        step(i)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"a size is WIDTHxHEIGHT, e.g. 3840x2160, not {text!r}") from None
    if width < 64 or height < 64:
        raise argparse.ArgumentTypeError(f"{text} is too small to draw a map in")
    return width, height


def subject_main(run: Callable[[tuple[int, int], Plan], list[Record]]) -> int:
    """Command line of one subject, run by the runner in its own process: prints records as JSON."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=parse_size, required=True)
    parser.add_argument("--full-runs", type=int, default=Plan.full_runs)
    parser.add_argument("--runs", type=int, default=Plan.runs)
    parser.add_argument("--warmup", type=int, default=Plan.warmup)
    args = parser.parse_args()
    records = run(args.size, Plan(args.full_runs, args.runs, args.warmup))
    json.dump([asdict(r) for r in records], sys.stdout)
    return 0
