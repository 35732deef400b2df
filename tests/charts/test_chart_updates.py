"""New data repaints only what changed: an equal block touches nothing, a changing figure no layout."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QFrame, QVBoxLayout

from cockpit.charts import CHART_KINDS
from cockpit.views.widgets import SteadyLabel

KPIS = {"type": "kpis", "items": [{"label": "今日受理", "value": 45, "unit": "件"},
                                  {"label": "办结率", "value": 0.9699, "unit": "%"}]}


class Events(QObject):
    """Counts one kind of event per widget."""

    def __init__(self, kind: QEvent.Type) -> None:
        super().__init__()
        self.kind, self.seen = kind, []

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == self.kind:
            self.seen.append(watched)
        return False


def settle(widget, qtbot) -> None:
    qtbot.addWidget(widget)
    widget.resize(600, 200)
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.wait(100)  # the first frame and everything it posted


def test_an_equal_block_is_not_even_parsed_and_a_new_one_repaints(qtbot):
    chart = CHART_KINDS["kpi"]()
    chart.set_block(KPIS)
    settle(chart, qtbot)
    painted = Events(QEvent.Type.Paint)
    QApplication.instance().installEventFilter(painted)
    try:
        model = chart.model
        chart.set_block({**KPIS, "items": [dict(item) for item in KPIS["items"]]})  # equal, not the same object
        qtbot.wait(50)
        assert chart.model is model and chart.body not in painted.seen
        chart.set_block({**KPIS, "items": [{**KPIS["items"][0], "value": 46}, KPIS["items"][1]]})
        qtbot.waitUntil(lambda: chart.body in painted.seen, timeout=2000)
        assert chart.model[0].value == 46
    finally:
        QApplication.instance().removeEventFilter(painted)


def test_a_problem_then_the_same_block_again_shows_the_block(qtbot):
    chart = CHART_KINDS["kpi"]()
    chart.set_block(KPIS)
    chart.show_problem("接口未提供数据块")
    chart.set_block(KPIS)
    assert chart.problem is None and chart.model and chart._stack.currentWidget() is chart.body


def test_a_steady_label_changes_text_without_a_relayout_and_grows_when_it_must(qtbot):
    frame = QFrame()
    label = SteadyLabel("11-24 20:15", frame)
    QVBoxLayout(frame).addWidget(label)
    settle(frame, qtbot)
    requests = Events(QEvent.Type.LayoutRequest)
    QApplication.instance().installEventFilter(requests)
    try:
        label.setText("11-24 20")  # less room needed: only the label repaints
        QApplication.sendPostedEvents(None, 0)
        assert frame not in requests.seen and label.text() == "11-24 20"
        width = label.width()
        label.setText("数据时间 2026-11-24 20:16:00")  # more room: the layout makes it
        QApplication.sendPostedEvents(None, 0)
        assert frame in requests.seen and label.width() > width
    finally:
        QApplication.instance().removeEventFilter(requests)


def test_a_steady_label_named_after_it_is_made_gets_its_style(qtbot):
    frame = QFrame()
    frame.setStyleSheet("#big { font-size: 40px; }")
    label = SteadyLabel("05:33:20", frame)
    label.setObjectName("big")  # as the views do: the name (and so the style) comes after construction
    QVBoxLayout(frame).addWidget(label)
    settle(frame, qtbot)
    assert label.font().pixelSize() == 40 and label.height() >= 40


def test_a_changed_figure_repaints_its_tile_only_and_the_picture_is_whole(qtbot):
    four = {"type": "kpis", "items": [{"label": "今日受理", "value": 45, "unit": "件"},
                                      {"label": "办结率", "value": 0.9699, "unit": "%"},
                                      {"label": "在办", "value": 1200, "unit": "件"},
                                      {"label": "超期", "value": 7, "unit": "件"}]}
    changed = {**four, "items": [four["items"][0], {**four["items"][1], "value": 0.9701}, *four["items"][2:]]}
    chart = CHART_KINDS["kpi"]()
    chart.set_block(four)
    settle(chart, qtbot)
    regions = []

    class Regions(QObject):
        def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
            if watched is chart.body and event.type() == QEvent.Type.Paint:
                regions.append(event.region().boundingRect())
            return False

    spy = Regions()
    chart.body.installEventFilter(spy)
    chart.set_block(changed)
    qtbot.waitUntil(lambda: bool(regions), timeout=2000)
    assert regions[0].width() < chart.body.width() / 2  # the second tile, not the whole row
    fresh = CHART_KINDS["kpi"]()
    fresh.set_block(changed)
    settle(fresh, qtbot)
    screen = QApplication.primaryScreen()  # what is on screen (the backing store), not a fresh render
    assert screen.grabWindow(chart.winId()).toImage() == screen.grabWindow(fresh.winId()).toImage()
