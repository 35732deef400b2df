"""Every area of a warning on the map (pytest-qt, offscreen): each polygon and circle drawn in the
level's colour, fly-to framing them all, what lies outside the city said in words, and a huge or
broken geometry never stalling or breaking a paint."""

from __future__ import annotations

import math
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QImage

from cockpit.charts import palette
from cockpit.core.warning import WarningMessage
from cockpit.views.map import NantongMap
from cockpit.views.map.areas import MAX_VERTICES, circle_polygon
from cockpit.views.map.overlays import county_label_point
from kernel import geo, levels
from kernel.cap import CapArea

SIZE = (1280, 720)
TONGZHOU, HAIMEN, RUGAO, QIDONG = "320612", "320614", "320682", "320681"
NOW = datetime.now(UTC).replace(microsecond=0)
TORONTO = ((-79.50, 43.60), (-79.20, 43.60), (-79.20, 43.80), (-79.50, 43.80), (-79.50, 43.60))


@pytest.fixture
def nantong_map(qtbot) -> NantongMap:
    widget = NantongMap()
    widget.resize(*SIZE)
    widget.set_scale(0.8)
    widget.set_show_names(False)  # pixel checks look at the cells and the areas, not at the names
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def largest_town(county: str):
    cells = geo.town_cells()
    return max((t for t in geo.towns() if t.county_adcode == county), key=lambda t: cells[t.adcode].area)


def ring_in(county: str, shrink: float = 0.01) -> tuple[tuple[float, float], ...]:
    """A polygon well inside a county: its largest town cell, shrunk away from the borders."""
    cell = geo.town_cells()[largest_town(county).adcode].buffer(-shrink).simplify(0.002)
    body = max(getattr(cell, "geoms", [cell]), key=lambda g: g.area)
    return tuple((round(x, 6), round(y, 6)) for x, y in body.exterior.coords)


def inner_point(ring) -> tuple[float, float]:
    point = shapely.Polygon(ring).representative_point()
    return point.x, point.y


def warning(n: int, level: str, areas: tuple[CapArea, ...], **extra) -> WarningMessage:
    return WarningMessage(id=f"CAP-{n:06d}", origin="https://feed.example/cap", source="feed",
                          identifier=f"urn:test:areas:{n}", sender="alerts@example.org",
                          sent=NOW + timedelta(seconds=n), level=level, headline=f"多区域预警 {n}",
                          expires=NOW + timedelta(hours=2), areas=areas, **extra)


def two_county_warning(n: int = 1, level: str = "orange") -> WarningMessage:
    town = largest_town(RUGAO)
    return warning(n, level, (
        CapArea("通州区", polygons=(ring_in(TONGZHOU),)),
        CapArea("海门区", polygons=(ring_in(HAIMEN),)),
        CapArea("如皋 8 公里内", circles=((town.lon, town.lat, 8.0),)),
        CapArea("震中", circles=((121.75, 31.85, 0.0),)),  # radius 0: a point (CAP's earthquake example)
        CapArea("多伦多", polygons=(TORONTO,)),
    ))


def block(widget: NantongMap, image: QImage, lon: float, lat: float, reach: int = 6) -> list[QColor]:
    at = widget.to_widget(lon, lat)
    return [image.pixelColor(int(at.x()) + dx, int(at.y()) + dy)
            for dx in range(-reach, reach + 1) for dy in range(-reach, reach + 1)]


def nearest(colours: list[QColor], level: str) -> float:
    """How close the block's colour nearest to the level's colour comes to it (0: exactly it)."""
    want = QColor(levels.of(level).colour)
    return min(math.dist(c.getRgb()[:3], want.getRgb()[:3]) for c in colours)


def striped(widget: NantongMap, bare: QImage, image: QImage, lon: float, lat: float, level: str) -> bool:
    """Is the place covered by a warning's area: tinted everywhere, with stripes of the level's colour?"""
    before, after = block(widget, bare, lon, lat), block(widget, image, lon, lat)
    return all(a != b for a, b in zip(after, before, strict=True)) and nearest(after, level) < 0.6 * nearest(
        before, level)


def rgb_at(widget: NantongMap, image: QImage, lon: float, lat: float) -> tuple[int, int, int]:
    at = widget.to_widget(lon, lat)
    colour = image.pixelColor(int(at.x()), int(at.y()))
    return colour.red(), colour.green(), colour.blue()


def inside_widget(widget: NantongMap, coords) -> bool:
    rect = QRectF(0, 0, widget.width(), widget.height())
    return all(rect.contains(widget.to_widget(lon, lat)) for lon, lat in coords)


def test_every_polygon_and_circle_is_drawn_in_the_level_colour(nantong_map: NantongMap) -> None:
    message = two_county_warning(level="orange")
    coast = warning(2, "blue", (CapArea("启东近海", circles=((121.95, 31.95, 12.0),)),))  # half over the sea
    bare = nantong_map.render_image()
    nantong_map.show_warning_areas([message, coast])
    drawn, _ = nantong_map.warning_areas()
    assert drawn.rings == 3  # Tongzhou, Haimen, the circle; Toronto is off this map and clipped away
    assert len(drawn.dots) == 1  # the radius-0 circle
    image = nantong_map.render_image()
    orange = levels.of("orange").colour
    town = largest_town(RUGAO)
    for lon, lat in (inner_point(ring_in(TONGZHOU)), inner_point(ring_in(HAIMEN)), (town.lon, town.lat)):
        assert striped(nantong_map, bare, image, lon, lat, "orange"), (lon, lat)
    # The circle is a circle on the ground: 8 km from its centre is its edge, 7 km in, 9.5 km out (west).
    west = lambda km: town.lon - km / (111.32 * math.cos(math.radians(town.lat)))  # noqa: E731
    assert rgb_at(nantong_map, image, west(7), town.lat) != rgb_at(nantong_map, bare, west(7), town.lat)
    assert rgb_at(nantong_map, image, west(9.5), town.lat) == rgb_at(nantong_map, bare, west(9.5), town.lat)
    assert rgb_at(nantong_map, image, 121.75, 31.85) == QColor(orange).getRgb()[:3]  # the radius-0 marker
    sea = (121.95 + 0.08, 31.95)  # beyond the cells, on the ground: drawn there too
    assert rgb_at(nantong_map, image, *sea) != rgb_at(nantong_map, bare, *sea)
    nantong_map.show_warning_areas([])
    assert nantong_map.warning_areas() == []
    assert nantong_map.render_image() == bare  # gone without a trace, beyond the cells too


def test_areas_lie_under_the_names_and_the_most_severe_on_top(nantong_map: NantongMap) -> None:
    ring = ring_in(TONGZHOU)
    bare = nantong_map.render_image()
    nantong_map.show_warning_areas([warning(1, "red", (CapArea("a", polygons=(ring,)),)),
                                    warning(2, "blue", (CapArea("b", polygons=(ring,)),))])
    image = nantong_map.render_image()
    assert striped(nantong_map, bare, image, *inner_point(ring), "red")
    on_top = block(nantong_map, image, *inner_point(ring))
    assert nearest(on_top, "red") < 30 and nearest(on_top, "blue") > 100  # red's stripes cover blue's
    # The county's name is drawn above the areas: its brightest pixels are the names' own white.
    whole = shapely.box(*geo.county_by_adcode()[TONGZHOU].geometry.bounds).exterior.coords
    nantong_map.show_warning_areas([warning(3, "orange", (CapArea("c", polygons=(tuple(whole),)),))])
    nantong_map.set_show_names(True)
    named = nantong_map.render_image()
    centre = nantong_map.to_widget(*county_label_point(TONGZHOU))
    brightest = max((named.pixelColor(int(centre.x()) + dx, int(centre.y()) + dy)
                     for dx in range(-30, 31) for dy in range(-12, 13)), key=lambda c: c.lightness())
    text = QColor(palette.TEXT)
    assert abs(brightest.red() - text.red()) <= 2 and abs(brightest.blue() - text.blue()) <= 2, brightest.name()


def test_fly_to_a_warning_across_two_counties_frames_them_all_on_the_city_view(nantong_map: NantongMap) -> None:
    nantong_map.drill(QIDONG)
    message = two_county_warning()
    nantong_map.show_warning_areas([message])
    where = nantong_map.fly_to_warning(message)
    assert nantong_map.drilled is None  # back to the whole city: the areas span counties
    for area in message.areas[:3]:
        coords = area.polygons[0] if area.polygons else circle_polygon(*area.circles[0]).exterior.coords
        assert inside_widget(nantong_map, coords), area.description
    assert inside_widget(nantong_map, [(121.75, 31.85)])
    minx, miny, maxx, maxy = where.bounds
    assert (where.lon, where.lat) == pytest.approx(((minx + maxx) / 2, (miny + maxy) / 2))
    assert "超出南通市界" in nantong_map.notice and "1/5" in nantong_map.notice  # Toronto
    image = nantong_map.render_image()
    assert rgb_at(nantong_map, image, where.lon, where.lat) == QColor(levels.of("orange").colour).getRgb()[:3]


def test_fly_to_a_warning_in_one_county_drills_into_it(nantong_map: NantongMap) -> None:
    town = largest_town(TONGZHOU)
    small = tuple((x, y) for x, y in shapely.Point(town.lon, town.lat).buffer(0.01).exterior.coords)
    message = warning(3, "red", (CapArea("通州区", polygons=(ring_in(TONGZHOU), small)),
                                 CapArea("圆", circles=((town.lon, town.lat, 3.0),))))
    where = nantong_map.fly_to_warning(message)
    assert nantong_map.drilled == TONGZHOU and where.outside == "" and nantong_map.notice == ""
    for coords in (ring_in(TONGZHOU), small, circle_polygon(town.lon, town.lat, 3.0).exterior.coords):
        assert inside_widget(nantong_map, coords)
    (drawn,) = nantong_map.warning_areas()  # the warning flown to is drawn even when not in force
    assert drawn.emphasised and drawn.rings == 3
    nantong_map.clear_pulse()
    assert nantong_map.warning_areas() == []


def test_part_outside_the_city_frames_the_inside_and_says_so(nantong_map: NantongMap) -> None:
    message = warning(4, "yellow", (CapArea("海门区", polygons=(ring_in(HAIMEN),)),
                                    CapArea("多伦多", polygons=(TORONTO,))))
    bare = nantong_map.render_image()
    nantong_map.fly_to_warning(message)
    assert nantong_map.drilled == HAIMEN  # what is inside is in one county
    assert "超出南通市界" in nantong_map.notice
    at = nantong_map.to_widget(*inner_point(ring_in(HAIMEN)))
    assert "超出南通市界" in nantong_map.describe_at(at.x(), at.y())  # the tooltip says it too
    image = nantong_map.render_image()
    corner = image.copy(SIZE[0] - 500, 0, 500, 50)
    assert corner != bare.copy(SIZE[0] - 500, 0, 500, 50)  # the notice is drawn top right


def test_a_warning_wholly_outside_the_city_says_so_instead_of_flying(nantong_map: NantongMap) -> None:
    nantong_map.drill(RUGAO)
    message = warning(5, "red", (CapArea("Toronto", polygons=(TORONTO,)),
                                 CapArea("Ottawa", circles=((-75.7, 45.4, 20.0),))))
    where = nantong_map.fly_to_warning(message)
    assert where.outside == "all" and where.lon is None
    assert nantong_map.drilled == RUGAO  # not moved
    assert "均在南通市以外" in nantong_map.notice and "Toronto" in nantong_map.notice
    nantong_map.render_image()  # and it paints


def test_a_warning_with_only_a_point_and_code_flies_as_before(nantong_map: NantongMap) -> None:
    town = largest_town(HAIMEN)
    message = warning(6, "orange", (), adcode=town.adcode, lon=town.lon, lat=town.lat)
    where = nantong_map.fly_to_warning(message)
    assert nantong_map.drilled == HAIMEN and (where.lon, where.lat) == (town.lon, town.lat)
    image = nantong_map.render_image()
    assert rgb_at(nantong_map, image, town.lon, town.lat) == QColor(levels.of("orange").colour).getRgb()[:3]
    geocoded = warning(7, "blue", (CapArea("启东市", geocodes=(("GB/T 2260", QIDONG),)),))
    nantong_map.fly_to_warning(geocoded)
    assert nantong_map.drilled == QIDONG
    assert nantong_map.warning_areas()[0].rings >= 1  # the county, drawn by its code
    nothing = warning(8, "red", (CapArea("某地"),))
    assert nantong_map.fly_to_warning(nothing).outside == "none" and "没有可在地图上定位" in nantong_map.notice


def test_a_huge_polygon_is_simplified_and_paints_quickly(nantong_map: NantongMap) -> None:
    angle = np.linspace(0, 2 * math.pi, 50_000, endpoint=False)
    wobble = 0.12 + 0.01 * np.sin(angle * 900)  # fine detail that a pixel cannot show
    ring = np.column_stack((121.70 + wobble * np.cos(angle) / math.cos(math.radians(31.9)),
                            31.90 + wobble * np.sin(angle)))
    ring = tuple(map(tuple, np.vstack((ring, ring[:1])).tolist()))
    message = warning(9, "red", (CapArea("启东大范围", polygons=(ring,)),))
    bare = nantong_map.render_image()
    started = time.perf_counter()
    nantong_map.show_warning_areas([message])
    image = nantong_map.render_image()
    assert rgb_at(nantong_map, image, 121.70, 31.90) != rgb_at(nantong_map, bare, 121.70, 31.90)
    nantong_map.fly_to_warning(message)
    nantong_map.render_image()
    elapsed = time.perf_counter() - started
    assert nantong_map.drilled == QIDONG
    (drawn,) = nantong_map.warning_areas()
    assert 100 < drawn.vertices <= MAX_VERTICES
    assert elapsed < 3.0, elapsed
    started = time.perf_counter()
    nantong_map.update()
    nantong_map.repaint()  # a paint after the change re-draws nothing of the areas
    assert time.perf_counter() - started < 0.5


def test_broken_geometry_is_left_out_never_raised(nantong_map: NantongMap, qtbot) -> None:
    bowtie = ((120.9, 32.0), (121.0, 32.1), (121.0, 32.0), (120.9, 32.1), (120.9, 32.0))  # self-crossing
    message = warning(10, "orange", (
        CapArea("坏", polygons=(((120.9, 32.0), (121.0, 32.0)), ((math.nan, 32.0), (121.0, 32.1), (121.0, 32.0)),
                                 ((500.0, 95.0), (1.0, 1.0), (2.0, 2.0), (500.0, 95.0)))),
        CapArea("负半径", circles=((121.0, 32.0, -5.0), (121.0, math.inf, 3.0))),
        CapArea("自交", polygons=(bowtie,)),
    ))
    nantong_map.show_warning_areas([message, "not a warning"])
    (drawn,) = nantong_map.warning_areas()
    assert drawn.rings == 2  # the bowtie, repaired into its two triangles
    where = nantong_map.fly_to_warning(message)
    assert "无法识别" in where.notice and "5" in where.notice
    nantong_map.grab()  # through the widget's own paint
    nantong_map.render_image()


def test_the_wall_draws_the_warnings_in_force_and_locates_them_whole(qtbot, tmp_path) -> None:
    from cockpit.charts import CHART_KINDS, block_is_empty
    from cockpit.core.catalogue import load_catalogue
    from cockpit.core.store import Store
    from cockpit.core.warning import Inbox, ReminderPolicy, WarningService
    from cockpit.views.main_window import MainWindow
    from cockpit.views.warning import WarningCenter

    window = MainWindow(load_catalogue(chart_kinds=CHART_KINDS), Store(block_is_empty=block_is_empty))
    qtbot.addWidget(window)
    window.resize(1600, 900)
    window.show()
    qtbot.waitExposed(window)
    inbox = Inbox(tmp_path / "warnings.sqlite")
    service = WarningService(inbox, policy=ReminderPolicy(popup_levels=levels.at_least("blue")))
    center = WarningCenter(window, service, sounds=False)
    window.attach_warning_center(center)  # as the application wires it
    town = largest_town(TONGZHOU)
    message = replace(two_county_warning(level="red"), lon=town.lon, lat=town.lat, adcode=town.adcode)
    try:
        service.receive([message], NOW)  # shown at once: the map flies to it
        assert [d.level for d in window.map.warning_areas()] == ["red"]
        assert window.map.drilled is None  # framed whole (two counties), not drilled to its one point
        assert "超出南通市界" in window.map.notice
        window.map.drill(RUGAO)
        qtbot.mouseClick(center.popup.locate_button, Qt.MouseButton.LeftButton)
        assert window.map.drilled is None
        window.map.clear_pulse()
        center.acknowledge(inbox.find(message.id, message.origin).local_id)
        assert len(window.map.warning_areas()) == 1  # acknowledged, still in force: still drawn
        window.map.show_warning_areas([])
        window.locate(town.lon, town.lat, town.adcode)  # a caller with only a point still flies to it
        assert window.map.drilled == TONGZHOU
    finally:
        inbox.close()
