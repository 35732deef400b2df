// ECharts 5 side of the benchmark: draws the shared scene and times itself.
// Every figure runs from setOption (or init) to ECharts' 'finished' event, then reads
// one pixel of the canvas so the raster is really done.
// map_points_overlay is the peer's best configuration for moving points: a second ECharts instance
// (its own canvas, transparent, laid exactly over the map) holds only the points, on a geo coordinate
// system with the map's bounding coords and layout, so moving them never re-runs the map's pipeline.
"use strict";

const LEVELS = ["normal", "blue", "yellow", "orange", "red"];
const LEVEL_COLOURS = {normal: "#39d0ff", blue: "#2f8cff", yellow: "#ffd21f", orange: "#ff8c1a", red: "#ff3b3b"};
const RAMP = ["#123a6b", "#1668a8", "#1fa2b5", "#5fcf8a", "#e6d54a", "#f59a3c", "#f0543c"];

function readPixel(chart) {
  let sum = 0;  // one pixel of every layer's canvas
  for (const canvas of chart.getDom().querySelectorAll("canvas")) {
    sum += canvas.getContext("2d").getImageData(0, 0, 1, 1).data[0];
  }
  return sum;
}

function timed(chart, change) {
  return new Promise((resolve) => {
    const start = performance.now();
    const done = () => {
      chart.off("finished", done);
      readPixel(chart);
      resolve(performance.now() - start);
    };
    chart.on("finished", done);
    change();
  });
}

function bounds(box) {
  return [[box[0], box[3]], [box[2], box[1]]];
}

function pointSeries(points, zlevel) {
  return LEVELS.map((level) => ({
    id: "points-" + level, type: "scatter", coordinateSystem: "geo", silent: true, zlevel: zlevel,
    symbolSize: level === "normal" ? 7 : 12,
    itemStyle: {color: LEVEL_COLOURS[level], borderColor: "#050b18", borderWidth: 1},
    data: points[level],
  }));
}

function geoOf(scene, map) {
  return {
    map: map, roam: false, silent: true, aspectScale: scene.aspect,
    boundingCoords: bounds(scene.city_bounds), layoutCenter: ["50%", "50%"], layoutSize: "95%",
  };
}

// The overlay's map: one rectangle, the city's bounds. With boundingCoords set, ECharts lays the geo
// out from them alone, so the overlay projects every point exactly as the map instance does, without
// carrying the 8,450 cells.
function frameMap(scene) {
  const [x0, y0, x1, y1] = scene.city_bounds;
  return {type: "FeatureCollection", features: [{type: "Feature", properties: {name: "frame"},
    geometry: {type: "Polygon", coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}}]};
}

function overlayOption(scene, points) {
  return {
    animation: false,
    backgroundColor: "transparent",
    geo: {...geoOf(scene, "nantong-frame"),
          itemStyle: {areaColor: "transparent", borderColor: "transparent", borderWidth: 0},
          emphasis: {disabled: true}},
    series: pointSeries(points, 0),
  };
}

function option(scene, values, points) {
  return {
    animation: false,
    backgroundColor: "#050b18",
    textStyle: {fontFamily: "Noto Sans SC"},
    geo: {
      ...geoOf(scene, "nantong"),
      itemStyle: {areaColor: "#3a4356", borderColor: "#0b1a33", borderWidth: 0.5},
      emphasis: {disabled: true},
    },
    visualMap: {
      type: "continuous", min: scene.range[0], max: scene.range[1], seriesIndex: 0, left: 20, bottom: 40,
      inRange: {color: RAMP}, text: [scene.label, ""], textStyle: {color: "#e8f1ff", fontSize: 16},
    },
    graphic: [{type: "text", right: 16, bottom: 8, style: {text: scene.attribution, fill: "#8ea6c9", fontSize: 12}}],
    series: [
      {id: "cells", type: "map", geoIndex: 0, data: values},
      {id: "towns", type: "lines", coordinateSystem: "geo", polyline: true, silent: true,
       lineStyle: {color: "#061022", width: 1.5, opacity: 1}, data: scene.town_lines},
      {id: "counties", type: "lines", coordinateSystem: "geo", polyline: true, silent: true,
       lineStyle: {color: "#7fe3ff", width: 2.5, opacity: 1}, data: scene.county_lines},
      {id: "names", type: "scatter", coordinateSystem: "geo", symbolSize: 0, silent: true,
       label: {show: true, formatter: "{b}", color: "#ffffff", fontSize: 28, fontWeight: "bold"},
       data: scene.names},
      // Points on their own layer (zlevel): moving them redraws that canvas only, as a big screen would.
      ...pointSeries(points, 1),
    ],
  };
}

async function runAll(config) {
  const scene = window.SCENE;
  const dom = document.getElementById("map");
  dom.style.width = config.width + "px";
  dom.style.height = config.height + "px";
  const results = {map_first: [], map_full: [], map_recolour: [], map_points: [], map_drill: [],
                   map_points_overlay: []};
  let chart = null;
  const build = async () => {
    if (chart) chart.dispose();
    const start = performance.now();
    await new Promise((resolve) => {
      echarts.registerMap("nantong", scene.geojson);
      chart = echarts.init(dom, null, {renderer: "canvas", width: config.width, height: config.height});
      const done = () => { chart.off("finished", done); readPixel(chart); resolve(); };
      chart.on("finished", done);
      chart.setOption(option(scene, scene.values_a, scene.points_a));
    });
    return performance.now() - start;
  };
  const repeat = async (name, count, step) => {
    for (let i = 0; i < config.warmup; i++) await step(-1 - i);
    for (let i = 0; i < count; i++) results[name].push(await step(i));
  };
  results.map_first = [await build()];  // the page's first map: nothing cached yet
  await repeat("map_full", config.full_runs, build);
  const values = [scene.values_b, scene.values_a];
  const points = [scene.points_b, scene.points_a];
  await repeat("map_recolour", config.runs, (i) => timed(chart, () =>
    chart.setOption({series: [{id: "cells", data: values[(i + 2) % 2]}]})));
  await repeat("map_points", config.runs, (i) => timed(chart, () =>
    chart.setOption({series: LEVELS.map((level) => ({id: "points-" + level, data: points[(i + 2) % 2][level]}))})));
  await repeat("map_drill", config.runs, async () => {
    const into = await timed(chart, () => chart.setOption({geo: {boundingCoords: bounds(scene.drill_bounds)}}));
    const back = await timed(chart, () => chart.setOption({geo: {boundingCoords: bounds(scene.city_bounds)}}));
    return into + back;
  });
  // The best configuration for points, last so that the measures above stay as they were: the map's
  // instance keeps no points, a second instance over it holds them all.
  const overlay = await pointsOverlay(scene, chart, config);
  await repeat("map_points_overlay", config.runs, (i) => timed(overlay, () =>
    overlay.setOption({series: LEVELS.map((level) => ({id: "points-" + level, data: points[(i + 2) % 2][level]}))})));
  return results;  // the charts stay on the page, for a screenshot
}

async function pointsOverlay(scene, chart, config) {
  await timed(chart, () => chart.setOption({series: LEVELS.map((level) => ({id: "points-" + level, data: []}))}));
  const dom = document.createElement("div");
  dom.id = "points-overlay";
  const under = chart.getDom();
  under.style.position = "relative";
  dom.style.cssText = `position:absolute;left:0;top:0;width:${config.width}px;height:${config.height}px;` +
    "background:transparent;pointer-events:none";
  under.appendChild(dom);
  echarts.registerMap("nantong-frame", frameMap(scene));
  const overlay = echarts.init(dom, null, {renderer: "canvas", width: config.width, height: config.height});
  await timed(overlay, () => overlay.setOption(overlayOption(scene, scene.points_a)));
  for (const at of [[scene.city_bounds[0], scene.city_bounds[1]], [scene.city_bounds[2], scene.city_bounds[3]],
                    scene.points_a.red[0] || scene.names[0].value]) {  // the two instances project alike
    const a = chart.convertToPixel({geoIndex: 0}, at);
    const b = overlay.convertToPixel({geoIndex: 0}, at);
    if (Math.abs(a[0] - b[0]) > 0.5 || Math.abs(a[1] - b[1]) > 0.5) {
      throw new Error(`the overlay is off the map: ${at} at ${a} on the map, ${b} on the overlay`);
    }
  }
  return overlay;
}

window.runAll = runAll;
