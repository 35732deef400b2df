"""The benchmark runner works end to end (tiny sizes, one run each; no timing is judged here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MEASURES = {"map_full", "map_recolour", "map_points", "map_drill"}


def run_benchmarks(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--runs", "1", "--full-runs", "1",
                           "--warmup", "0", "--sizes", "480x270", *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=240,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})})


def test_the_cockpit_subject_runs_and_writes_json(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    done = run_benchmarks("--only", "cockpit", "--json", str(report))
    assert done.returncode == 0, done.stderr
    assert "map_recolour" in done.stdout and "480x270" in done.stdout
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["machine"]["cores"] >= 1 and data["machine"]["PySide6"]
    records = data["records"]
    assert {r["measure"] for r in records} >= MEASURES
    for record in records:
        assert record["subject"] == "cockpit" and record["size"] == "480x270"
        assert record["runs"] >= 1 and 0 < record["min_ms"] <= record["median_ms"]


def test_an_absent_peer_is_reported_and_skipped(tmp_path: Path) -> None:
    done = run_benchmarks("--only", "echarts", env={"CHROMIUM": str(tmp_path / "no-such-browser")})
    assert done.returncode == 0, done.stderr
    assert "echarts: absent, skipped" in done.stderr and "Chromium" in done.stderr


def test_a_bad_size_is_refused_in_words() -> None:
    done = run_benchmarks("--only", "cockpit", "--sizes", "huge")
    assert done.returncode == 2 and "WIDTHxHEIGHT" in done.stderr


def test_the_fanout_subject_runs_against_its_floor(tmp_path: Path) -> None:
    report = tmp_path / "bench.json"
    done = run_benchmarks("--only", "fanout", "--clients", "4", "--json", str(report))
    assert done.returncode == 0, done.stderr
    assert "fanout_publish" in done.stdout and "4 clients" in done.stdout and "floor" in done.stdout
    records = json.loads(report.read_text(encoding="utf-8"))["records"]
    found = {(r["measure"], r["subject"]): r for r in records}
    assert set(found) == {(measure, subject) for measure in ("fanout_publish", "fanout_304_round")
                          for subject in ("central", "floor")}
    assert found["fanout_publish", "central"]["runs"] == 4  # one publish, every client had it
    assert "304s 4-4 of 4" in found["fanout_304_round", "central"]["note"]
    assert "the floor's" in found["fanout_publish", "central"]["note"]
