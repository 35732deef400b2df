"""ECharts 5 in headless Chromium: the usual web big screen (大屏).

The scene is handed to a page as one script; the page times itself (setOption to
ECharts' 'finished' event, then a one-pixel read so the raster is really done) and
this module drives Chromium over its DevTools protocol to start the run and
collect the figures. Needs `chromium` (Debian), echarts@5 (npm, under
benchmarks/peers) and websocket-client (PyPI); see benchmarks/README.md.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from benchmarks.scene import LABEL, UNIT, polygons_of, rings_of, scene
from benchmarks.timing import Plan, Record, subject_main
from kernel import geo, levels
from kernel.paths import resource

SUBJECT = "echarts"
HERE = Path(__file__).resolve().parent
ECHARTS = HERE.parent / "peers" / "node_modules" / "echarts" / "dist" / "echarts.min.js"
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LEVELS = tuple(reversed(levels.POINT_CODES))  # drawing order: the most urgent on top
NOTES = {  # which configuration each points figure is: both are kept side by side
    "map_points": "points on their own zlevel in the map's instance (its whole option is updated)",
    "map_points_overlay": "points in a second instance laid over the map (its own transparent canvas, "
                          "the map's bounding coords): only that instance is updated",
}


def browser() -> str | None:
    """The Chromium to drive: $CHROMIUM if set (None if that is not a program), else the first on PATH."""
    if "CHROMIUM" in os.environ:
        return shutil.which(os.environ["CHROMIUM"])
    return next(filter(None, map(shutil.which, BROWSERS)), None)


def available() -> str | None:
    missing = []
    if browser() is None:
        missing.append("Chromium (apt-get install -y chromium)")
    if not ECHARTS.exists():
        missing.append("echarts 5 (npm install --prefix benchmarks/peers echarts@5)")
    try:
        import websocket  # noqa: F401
    except ImportError:
        missing.append("websocket-client (pip install -e '.[bench]')")
    return f"missing {', '.join(missing)}" if missing else None


def scene_script() -> str:
    """The scene as `window.SCENE = {...}`: GeoJSON grid cells, outline polylines, values, points."""
    data = scene()
    features = [{"type": "Feature", "properties": {"name": g.code},
                 "geometry": {"type": "MultiPolygon", "coordinates": polygons_of(g.geometry)}}
                for g in data.grids]
    lines = {
        "town_lines": [{"coords": ring} for cell in geo.town_cells().values() for ring in rings_of(cell)],
        "county_lines": [{"coords": ring} for c in data.counties for ring in rings_of(c.geometry)],
    }
    minx, miny, maxx, maxy = geo.bounds()
    values = [v for v in (*data.values_a.values(), *data.values_b.values())]
    names = []
    for county in data.counties:
        at = county.geometry.representative_point()
        names.append({"name": county.name, "value": [at.x, at.y]})
    payload = {
        "geojson": {"type": "FeatureCollection", "features": features},
        **lines,
        "names": names,
        "values_a": [{"name": k, "value": v} for k, v in data.values_a.items()],
        "values_b": [{"name": k, "value": v} for k, v in data.values_b.items()],
        "points_a": _points_by_level(data.points_a),
        "points_b": _points_by_level(data.points_b),
        "range": [min(values), max(values)],
        "aspect": float(np.cos(np.radians((miny + maxy) / 2))),
        "city_bounds": [minx, miny, maxx, maxy],
        "drill_bounds": list(geo.county_by_adcode()[data.drill_county].geometry.bounds),
        "label": f"{LABEL}（{UNIT}）",
        "attribution": geo.ATTRIBUTION,
    }
    return "window.SCENE = " + json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + ";\n"


def _points_by_level(points) -> dict[str, list]:
    return {level: [[p["lon"], p["lat"]] for p in points if p["level"] == level] for level in LEVELS}


class DevTools:
    """The least of Chromium's DevTools protocol: send a command, wait for its answer."""

    def __init__(self, url: str) -> None:
        import websocket

        self._socket = websocket.create_connection(url, timeout=300, suppress_origin=True)
        self._next = 0

    def call(self, method: str, **params) -> dict:
        self._next += 1
        self._socket.send(json.dumps({"id": self._next, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv())
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"Chromium refused {method}: {message['error'].get('message')}")
                return message["result"]

    def close(self) -> None:
        self._socket.close()


def run(size: tuple[int, int], plan: Plan) -> list[Record]:
    problem = available()
    if problem:
        raise SystemExit(f"echarts peer unavailable: {problem}")
    width, height = size
    with tempfile.TemporaryDirectory(prefix="echarts-bench-") as folder:
        folder = Path(folder)
        (folder / "scene.js").write_text(scene_script(), encoding="utf-8")
        (folder / "page.html").write_text(
            "<!doctype html><meta charset='utf-8'><style>@font-face{font-family:'Noto Sans SC';"
            f"src:url('{resource('fonts', 'NotoSansSC-Regular.subset.ttf').as_uri()}')}}"
            "body{margin:0;background:#050b18;font-family:'Noto Sans SC'}</style><body>"
            "<div id='map'></div>"
            f"<script src='{ECHARTS.as_uri()}'></script><script src='scene.js'></script>"
            f"<script src='{(HERE / 'echarts_bench.js').as_uri()}'></script></body>", encoding="utf-8")
        process = subprocess.Popen(
            [browser(), "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-extensions", "--force-device-scale-factor=1", f"--window-size={width},{height}",
             "--remote-debugging-port=0", f"--user-data-dir={folder / 'profile'}", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            devtools = DevTools(_page_socket(_browser_port(process)))
            try:
                devtools.call("Page.enable")
                devtools.call("Page.navigate", url=(folder / "page.html").as_uri())
                _wait_until(devtools, "typeof window.runAll === 'function' && !!window.SCENE")
                devtools.call("Runtime.evaluate", expression="document.fonts.load('16px \"Noto Sans SC\"', '南通')",
                              awaitPromise=True)  # the same bundled CJK font the cockpit draws with
                config = {"width": width, "height": height, "full_runs": plan.full_runs, "runs": plan.runs,
                          "warmup": plan.warmup}
                answer = devtools.call("Runtime.evaluate", expression=f"runAll({json.dumps(config)})",
                                       awaitPromise=True, returnByValue=True)
                if "exceptionDetails" in answer:
                    raise RuntimeError(f"the ECharts page failed: {answer['exceptionDetails'].get('text')} "
                                       f"{answer['exceptionDetails'].get('exception', {}).get('description', '')}")
                results = answer["result"]["value"]
                if os.environ.get("ECHARTS_SCREENSHOT"):  # to look at what was measured
                    shot = devtools.call("Page.captureScreenshot", format="png")["data"]
                    Path(os.environ["ECHARTS_SCREENSHOT"]).write_bytes(base64.b64decode(shot))
            finally:
                devtools.close()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    label = f"{width}x{height}"
    return [Record.of(measure, SUBJECT, label, samples, note=NOTES.get(measure, ""))
            for measure, samples in results.items()]


def _browser_port(process: subprocess.Popen) -> int:
    """Chromium prints 'DevTools listening on ws://127.0.0.1:PORT/...' on stderr when ready."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line and process.poll() is not None:
            break
        if "DevTools listening on ws://" in line:
            return int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    raise RuntimeError("Chromium did not open its DevTools port within 30 s")


def _page_socket(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
        targets = json.load(answer)
    return next(t["webSocketDebuggerUrl"] for t in targets if t.get("type") == "page")


def _wait_until(devtools: DevTools, condition: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = devtools.call("Runtime.evaluate", expression=condition, returnByValue=True)
        if answer.get("result", {}).get("value") is True:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the ECharts page did not load within {timeout:.0f} s")


if __name__ == "__main__":
    raise SystemExit(subject_main(run))
