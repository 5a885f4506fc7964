"""The Search tab in the main window, and picking a trial by clicking its point on the plot."""

from PySide6.QtCore import QPoint, QPointF, Qt

from workbench.core.search import SearchReport, TrialResult, TrialState
from workbench.gui.pages.search.page import SearchPage


def test_the_search_tab_opens_with_the_networks_settings(qtbot, window):
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(titles.index("Search"))
    page = window.pages["Search"].page
    assert isinstance(page, SearchPage)
    assert page.editor.row_of("conv1.filters") >= 0 and page.editor.row_of("training.learning_rate") >= 0
    assert page.search_button.isEnabled() and not page.stop_button.isEnabled()


def test_clicking_a_point_selects_its_trial(qtbot, window):
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    window.tabs.setCurrentIndex(titles.index("Search"))
    page = window.pages["Search"].page
    trials = [TrialResult(0, TrialState.COMPLETE, {"conv1.filters": 4}, error=0.2, cost=1000.0, epochs=[0.5, 0.2]),
              TrialResult(1, TrialState.COMPLETE, {"conv1.filters": 16}, error=0.05, cost=10_000.0,
                          epochs=[0.3, 0.1, 0.05]),
              TrialResult(2, TrialState.INFEASIBLE, {"conv1.filters": 99}, message="The shapes do not fit: ...")]
    page._stored_arrived(SearchReport(trials, [0, 1], "params", None, False, "3 trials so far"))
    assert page.table.rowCount() == 3 and list(page.plot.front_line.yData) == [20.0, 5.0]
    view = page.plot.plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: page.plot.plot.repaint() or view.viewRange()[0][1] > 4)  # ranged to the points
    scene_point = view.mapViewToScene(QPointF(4.0, 5.0))  # log10(10,000) parameters, 5 % error
    pixel = page.plot.plot.mapFromScene(scene_point)
    qtbot.mouseClick(page.plot.plot.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pixel.x(), pixel.y()))
    qtbot.waitUntil(lambda: page.selected_trial() is not None)
    assert page.selected_trial().number == 1
    assert "Trial 1" in page.detail.text() and list(page.curve_line.yData) == [30.0, 10.0, 5.0]
    assert not page.use_button.isEnabled()  # no trained run kept with this trial
