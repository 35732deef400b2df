"""The Nantong map widget, drawn offscreen and checked pixel by pixel against the real geography."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage

from cockpit.core.mapcolour import BACKGROUND, NO_DATA, Scale, ramp_argb
from cockpit.views.map import NantongMap
from kernel import geo, levels

SIZE = (1280, 720)
TONGZHOU = "320612"


@pytest.fixture
def nantong_map(qtbot) -> NantongMap:
    widget = NantongMap()
    widget.resize(*SIZE)
    widget.set_scale(0.8)
    widget.set_show_names(False)  # pixel checks look at the cells, not at the names above them
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def interior_point(geometry) -> tuple[float, float]:
    """A point well inside a region (its pole of inaccessibility), away from the border lines."""
    body = max(getattr(geometry, "geoms", [geometry]), key=lambda g: g.area)
    point = shapely.ops.polylabel(body, tolerance=0.0005)
    return point.x, point.y


def county_sample(adcode: str) -> tuple[float, float]:
    """A point inside a county away from every border line: the middle of its largest town cell."""
    cells = geo.town_cells()
    largest = max((t for t in geo.towns() if t.county_adcode == adcode), key=lambda t: cells[t.adcode].area)
    return interior_point(cells[largest.adcode])


def pixel(widget: NantongMap, image: QImage, lon: float, lat: float) -> int:
    at = widget.to_widget(lon, lat)
    return image.pixel(int(at.x()), int(at.y())) | 0xFF000000


def expected_colours(values: dict[str, float]) -> dict[str, int]:
    data = np.array(list(values.values()))
    colours = ramp_argb(Scale.of(data).fractions(data))
    return {code: int(c) for code, c in zip(values, colours, strict=True)}


def county_values(offset: float = 0.0) -> dict[str, float]:
    return {c.adcode: 100.0 + 37.0 * ((i + offset) % 7) for i, c in enumerate(geo.counties())}


def test_each_county_shows_the_colour_of_its_value(nantong_map: NantongMap) -> None:
    values = county_values()
    nantong_map.set_choropleth(values, label="今日热线受理", unit="件", level="county")
    image = nantong_map.render_image()
    colours = expected_colours(values)
    for county in geo.counties():
        assert pixel(nantong_map, image, *county_sample(county.adcode)) == colours[county.adcode], county.name
    assert image.pixel(3, 3) | 0xFF000000 == int(BACKGROUND.lstrip("#"), 16) | 0xFF000000


def test_all_103_towns_are_drawn_in_their_own_colour(nantong_map: NantongMap) -> None:
    values = {t.adcode: float(i) for i, t in enumerate(geo.towns())}
    nantong_map.set_choropleth(values, label="网格事件", unit="件", level="town")
    image = nantong_map.render_image()
    colours = expected_colours(values)
    cells = geo.town_cells()
    wrong = [t.name for t in geo.towns()
             if pixel(nantong_map, image, *interior_point(cells[t.adcode])) != colours[t.adcode]]
    assert len(geo.towns()) == 103
    assert wrong == []


def test_recolour_changes_the_pixels_and_none_means_no_data(nantong_map: NantongMap) -> None:
    first = county_values()
    nantong_map.set_choropleth(first, label="A", unit="件", level="county")
    before = nantong_map.render_image()
    second = county_values(offset=3) | {TONGZHOU: None}
    nantong_map.set_choropleth(second, label="B", unit="件", level="county")
    after = nantong_map.render_image()
    colours = expected_colours({k: v for k, v in second.items() if v is not None})
    for county in geo.counties():
        where = county_sample(county.adcode)
        if county.adcode == TONGZHOU:
            assert pixel(nantong_map, after, *where) in (int(NO_DATA.lstrip("#"), 16) | 0xFF000000,
                                                         _hatch_colour())
        else:
            assert pixel(nantong_map, after, *where) == colours[county.adcode]
            assert pixel(nantong_map, after, *where) != pixel(nantong_map, before, *where)


def _hatch_colour() -> int:
    from cockpit.core.mapcolour import NO_DATA_HATCH
    return int(NO_DATA_HATCH.lstrip("#"), 16) | 0xFF000000


def test_no_data_is_hatched(nantong_map: NantongMap) -> None:
    nantong_map.set_choropleth({TONGZHOU: None}, label="A", unit="件", level="county")
    image = nantong_map.render_image()
    centre = nantong_map.to_widget(*county_sample(TONGZHOU))
    block = {image.pixel(int(centre.x()) + dx, int(centre.y())) | 0xFF000000 for dx in range(-12, 12)}
    assert block == {int(NO_DATA.lstrip("#"), 16) | 0xFF000000, _hatch_colour()}


def test_clicking_a_county_emits_its_adcode(nantong_map: NantongMap, qtbot) -> None:
    nantong_map.set_choropleth(county_values(), label="A", unit="件", level="county")
    for county in geo.counties():
        at = nantong_map.to_widget(*county_sample(county.adcode)).toPoint()
        with qtbot.waitSignal(nantong_map.region_clicked, timeout=1000) as signal:
            qtbot.mouseClick(nantong_map, Qt.MouseButton.LeftButton, pos=at)
        assert signal.args == [county.adcode]


def test_clicking_outside_the_city_emits_nothing(nantong_map: NantongMap, qtbot) -> None:
    with qtbot.assertNotEmitted(nantong_map.region_clicked):
        qtbot.mouseClick(nantong_map, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))


def test_drill_shows_only_that_countys_towns(nantong_map: NantongMap, qtbot) -> None:
    values = {t.adcode: float(i) for i, t in enumerate(geo.towns())}
    nantong_map.set_choropleth(values, label="A", unit="件", level="town")
    with qtbot.waitSignal(nantong_map.drill_changed) as signal:
        nantong_map.drill(TONGZHOU)
    assert signal.args == [TONGZHOU] and nantong_map.drilled == TONGZHOU
    image = nantong_map.render_image()
    cells = geo.town_cells()
    colours = expected_colours({t.adcode: values[t.adcode] for t in geo.towns() if t.county_adcode == TONGZHOU})
    for town in geo.towns():
        at = nantong_map.to_widget(*interior_point(cells[town.adcode]))
        inside = 0 <= at.x() < SIZE[0] and 0 <= at.y() < SIZE[1]
        clicked = nantong_map.region_at(at.x(), at.y()) if inside else None
        if town.county_adcode == TONGZHOU:
            assert clicked == town.adcode
            assert image.pixel(int(at.x()), int(at.y())) | 0xFF000000 == colours[town.adcode]
        else:
            assert clicked is None, town.name
    with qtbot.waitSignal(nantong_map.drill_changed) as signal:
        nantong_map.drill(None)
    assert signal.args == [None]
    rudong = next(t for t in geo.towns() if t.county_adcode == "320623")
    back = nantong_map.to_widget(*interior_point(cells[rudong.adcode]))
    assert nantong_map.region_at(back.x(), back.y()) == "320623"  # the city view answers with counties


def test_clicking_a_town_in_a_drilled_county_emits_the_town(nantong_map: NantongMap, qtbot) -> None:
    nantong_map.drill(TONGZHOU)
    town = next(t for t in geo.towns() if t.county_adcode == TONGZHOU)
    at = nantong_map.to_widget(*interior_point(geo.town_cells()[town.adcode])).toPoint()
    with qtbot.waitSignal(nantong_map.region_clicked) as signal:
        qtbot.mouseClick(nantong_map, Qt.MouseButton.LeftButton, pos=at)
    assert signal.args == [town.adcode]


def test_points_appear_where_they_are_and_go_when_cleared(nantong_map: NantongMap) -> None:
    nantong_map.set_choropleth(county_values(), label="A", unit="件", level="county")
    lon, lat = county_sample("320623")
    plain = pixel(nantong_map, nantong_map.render_image(), lon, lat)
    nantong_map.set_points("warnings", [{"lon": lon, "lat": lat, "level": "red", "name": "危化品企业复工"}])
    assert pixel(nantong_map, nantong_map.render_image(), lon, lat) == QColor(levels.of("red").colour).rgb()
    nantong_map.clear_points("warnings")
    assert pixel(nantong_map, nantong_map.render_image(), lon, lat) == plain


def test_points_outside_a_drilled_county_are_hidden(nantong_map: NantongMap) -> None:
    nantong_map.drill(TONGZHOU)
    visible = [t for t in geo.towns() if t.county_adcode != TONGZHOU
               and 20 <= nantong_map.to_widget(t.lon, t.lat).x() < SIZE[0] - 20
               and 20 <= nantong_map.to_widget(t.lon, t.lat).y() < SIZE[1] - 20]
    assert visible, "a neighbouring town should lie within the drilled view's rectangle"
    nantong_map.set_points("events", [{"lon": t.lon, "lat": t.lat, "level": "red"} for t in visible])
    image = nantong_map.render_image()
    red = QColor(levels.of("red").colour).rgb()
    assert all(pixel(nantong_map, image, t.lon, t.lat) != red for t in visible)


def test_fly_to_drills_and_pulses(nantong_map: NantongMap) -> None:
    town = next(t for t in geo.towns() if t.county_adcode == "320614")  # 海门区
    nantong_map.fly_to(town.lon, town.lat, town.adcode, level="orange")
    assert nantong_map.drilled == "320614"
    image = nantong_map.render_image()
    assert pixel(nantong_map, image, town.lon, town.lat) == QColor(levels.of("orange").colour).rgb()
    nantong_map.clear_pulse()
    assert pixel(nantong_map, nantong_map.render_image(), town.lon, town.lat) != \
        QColor(levels.of("orange").colour).rgb()


def test_names_attribution_and_legend_are_drawn(nantong_map: NantongMap) -> None:
    nantong_map.set_choropleth(county_values(), label="A", unit="件", level="county")
    bare = nantong_map.render_image()
    nantong_map.set_show_names(True)
    named = nantong_map.render_image()
    assert bare != named  # the county names are drawn above the cells
    assert geo.ATTRIBUTION in nantong_map.notes and any(geo.DERIVED_NOTE in n for n in nantong_map.notes)
    assert any("WGS-84" in n for n in nantong_map.notes)
    # The foot of the map carries the notes in light text on the dark ground.
    foot = [named.pixelColor(x, y).lightness() for x in range(SIZE[0] - 300, SIZE[0] - 10)
            for y in range(SIZE[1] - 30, SIZE[1] - 4)]
    assert max(foot) > 100


def test_grid_level_choropleth(nantong_map: NantongMap) -> None:
    grids = geo.grids()
    values = {g.code: float(i % 50) for i, g in enumerate(grids)}
    nantong_map.set_choropleth(values, label="网格事件", unit="件", level="grid")
    nantong_map.resize(1920, 1080)
    image = nantong_map.render_image()
    colours = expected_colours(values)
    big = sorted(grids, key=lambda g: g.geometry.area, reverse=True)[:40]
    matches = sum(pixel(nantong_map, image, *interior_point(g.geometry)) == colours[g.code] for g in big)
    assert matches == len(big)


def test_bad_input_gets_a_clear_error(nantong_map: NantongMap) -> None:
    with pytest.raises(ValueError, match="choropleth level"):
        nantong_map.set_choropleth({}, label="A", unit="件", level="province")
    with pytest.raises(ValueError, match="layer 'events'.*lon/lat"):
        nantong_map.set_points("events", [{"lat": 32.0}])
    with pytest.raises(ValueError, match="level 'purple'"):
        nantong_map.set_points("events", [{"lon": 121.0, "lat": 32.0, "level": "purple"}])
    with pytest.raises(ValueError, match="not one of Nantong's counties"):
        nantong_map.drill("110000")


def test_hover_describes_the_region(nantong_map: NantongMap) -> None:
    values = county_values()
    nantong_map.set_choropleth(values, label="今日热线受理", unit="件", level="county")
    county = geo.county_by_adcode()[TONGZHOU]
    at = nantong_map.to_widget(*county_sample(county.adcode))
    text = nantong_map.describe_at(at.x(), at.y())
    assert county.name in text and "今日热线受理" in text and f"{values[TONGZHOU]:g}" in text


def test_screenshot_at_4k(qtbot, tmp_path) -> None:
    widget = NantongMap()
    widget.resize(3840, 2160)
    widget.set_scale(2.0)
    qtbot.addWidget(widget)
    widget.set_choropleth(county_values(), label="今日热线受理", unit="件", level="county")
    image = widget.render_image()
    path = tmp_path / "map-4k.png"
    assert image.save(str(path)) and path.stat().st_size > 100_000


def test_repainting_only_what_moved_gives_the_same_picture(nantong_map: NantongMap) -> None:
    """The points path (repaint the rectangle the points were and are in) must match a full frame."""
    nantong_map.set_show_names(True)
    nantong_map.set_choropleth(county_values(), label="A", unit="件", level="county")
    towns = geo.towns()
    first = [{"lon": t.lon, "lat": t.lat, "level": "red"} for t in towns[:40]]
    moved = [{"lon": t.lon, "lat": t.lat, "level": "orange"} for t in towns[30:90]]
    nantong_map.set_points("events", first)
    frame = nantong_map.render_image()
    nantong_map.set_points("events", moved)
    assert nantong_map.changed_rect is not None  # only the points changed: a partial repaint
    partial = nantong_map.render_image(frame.copy(), changed_only=True)
    assert partial == nantong_map.render_image()
    assert partial != frame


def test_the_widget_skips_the_static_picture_only_when_just_points_moved(nantong_map: NantongMap, qtbot,
                                                                       monkeypatch) -> None:
    """On screen, a repaint of exactly the points' rectangle restores the static picture only in bands;
    any other repaint (here a restyle) draws it whole."""
    nantong_map.set_choropleth(county_values(), label="A", unit="件", level="county")
    qtbot.wait(20)
    painted: list = []
    original = NantongMap._paint
    monkeypatch.setattr(NantongMap, "_paint", lambda self, painter, restore=None:
                        painted.append(restore) or original(self, painter, restore))
    towns = geo.towns()
    nantong_map.set_points("events", [{"lon": t.lon, "lat": t.lat, "level": "red"} for t in towns[:50]])
    qtbot.waitUntil(lambda: len(painted) > 0)
    assert painted[-1] is not None and not painted[-1].isEmpty() and nantong_map.changed_rect is None
    nantong_map.set_points("events", [{"lon": t.lon, "lat": t.lat, "level": "blue"} for t in towns[40:90]])
    nantong_map.set_choropleth(county_values(1), label="A", unit="件", level="county")
    count = len(painted)
    qtbot.waitUntil(lambda: len(painted) > count)
    assert painted[-1] is None


def test_a_small_repaint_still_draws_the_points_inside_it(nantong_map: NantongMap) -> None:
    """A pulse tick repaints a small rectangle of the wall: what it paints there matches a full frame."""
    from PySide6.QtGui import QPainter

    nantong_map.set_choropleth(county_values(), label="A", unit="件", level="county")
    lon, lat = county_sample("320623")
    nantong_map.set_points("events", [{"lon": lon, "lat": lat, "level": "red"},
                                      {"lon": lon + 0.01, "lat": lat, "level": "normal"}])
    full = nantong_map.render_image()
    at = nantong_map.to_widget(lon, lat).toPoint()
    dirty = QRect(at.x() - 30, at.y() - 30, 60, 60)
    blank = full.copy()
    blank.fill(0)
    painter = QPainter(blank)
    painter.setClipRect(dirty)
    nantong_map._paint(painter)
    painter.end()
    assert blank.copy(dirty) == full.copy(dirty)
    assert blank.pixel(at) | 0xFF000000 == QColor(levels.of("red").colour).rgb()
