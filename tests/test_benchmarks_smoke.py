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


def test_the_wall_subject_runs_on_four_4k_screens(tmp_path: Path) -> None:
    """The 2×2 wall at its one size: four offscreen 4K screens, one frame per screen, a short soak."""
    report = tmp_path / "bench.json"
    done = run_benchmarks("--only", "wall", "--json", str(report), env={"COCKPIT_WALL_SOAK_S": "16"})
    assert done.returncode == 0, done.stderr
    assert "2x2 3840x2160" in done.stdout and "wall_frame" in done.stdout and "MB/72 h" in done.stdout
    records = {r["measure"]: r for r in json.loads(report.read_text(encoding="utf-8"))["records"]}
    assert set(records) == {"wall_frame", "wall_frame_all", "wall_soak_rss"}
    for record in records.values():
        assert record["subject"] == "cockpit" and record["size"] == "2x2 3840x2160"
    frame = records["wall_frame"]
    assert frame["runs"] == 4 * records["wall_frame_all"]["runs"]  # one sample per screen and frame
    assert all(f"DP-{n}" in frame["note"] for n in range(1, 5)) and "(0 outside" in frame["note"]
    soak = records["wall_soak_rss"]
    assert soak["unit"] == "MB" and soak["sim_hours"] > 0 and soak["start_mb"] > 0


def test_the_wall_and_overlay_measures_read_in_the_table() -> None:
    from benchmarks.runner import table, verdicts
    from benchmarks.timing import Record

    records = [Record.of("map_points", "cockpit", "3840x2160", [3.0]),
               Record.of("map_points", "echarts", "3840x2160", [370.0]),
               Record.of("map_points_overlay", "echarts", "3840x2160", [2.0]),
               Record.of("wall_frame", "cockpit", "2x2 3840x2160", [10.0, 20.0]),
               Record("wall_soak_rss", "cockpit", "2x2 3840x2160", 500.0, 490.0, 10, unit="MB", start_mb=490.0,
                      end_mb=510.0, growth_mb_per_sim_hour=0.5, sim_hours=88.0)]
    shown = table(records, ["cockpit", "matplotlib", "echarts"], ["3840x2160", "2x2 3840x2160"])
    overlay = next(line for line in shown.splitlines() if line.startswith("map_points_overlay"))
    assert overlay.split()[2:5] == ["—", "—", "2.0"]
    assert "+36.0 MB/72 h" in shown and "≤ 20 MB/72 h" in shown and "≤ 16.7" in shown
    lines = verdicts(records, ["3840x2160"])
    assert "NOT AHEAD: map_points at 3840x2160: cockpit 3.0 ms, echarts (map_points_overlay) 2.0 ms" in lines
    assert "TARGET MISSED: wall_frame at 2x2 3840x2160: 20.0 ms > 16.7 ms" in lines
    assert "TARGET MISSED: wall_soak_rss at 2x2 3840x2160: 36.0 MB/72 h > 20 MB/72 h" in lines
