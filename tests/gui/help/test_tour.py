"""The guided tour: each step switches to its page and rings a widget that is really on screen, with the callout
beside it and inside the window; Back and Next move, Skip and Escape end it on the page it started from, and Help ▸
Tour starts it again."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest

from tests.gui.editor_driving import LEFT, menu_action
from workbench.gui.help.tour import TOUR_STEPS, TourOverlay, tour_seen


def running_tour(window) -> TourOverlay:
    tours = [t for t in window.findChildren(TourOverlay) if t.isVisible()]
    assert len(tours) == 1
    return tours[0]


def test_each_step_points_at_a_visible_widget_of_its_page(qtbot, window):
    menu_action(window, "Help", "Tour").trigger()
    tour = running_tour(window)
    titles = []
    for i, step in enumerate(TOUR_STEPS):
        assert tour.index == i and tour.title_label.text() == step.title
        titles.append(step.title)
        expected_page = window.design if step.page == "Design" else window.pages[step.page]
        assert window.tabs.currentWidget() is expected_page
        target = tour.target
        qtbot.waitUntil(target.isVisible)
        qtbot.wait(20)  # the callout is placed again once the page has laid itself out
        assert target.isVisible() and target.width() > 0 and target.height() > 0
        assert expected_page.isAncestorOf(target) or target is expected_page or target.parent() is expected_page
        ring = tour.target_rect()
        window_rect = QRect(0, 0, window.width(), window.height())
        assert window_rect.intersects(ring) and tour.hole.contains(ring.intersected(window_rect).center())
        callout = tour.callout.geometry()
        assert window_rect.contains(callout) and tour.callout.isVisible()
        qtbot.mouseClick(tour.next_button, LEFT)
    assert titles == ["Layers", "The canvas", "Wires and shapes", "Data", "Train", "Evaluate", "Export", "Try it"]
    assert not tour.isVisible() and window.tabs.currentWidget() is window.design


def test_the_wires_step_rings_a_wire_and_its_shape(qtbot, window):
    window.design.view.fit_to_graph()
    menu_action(window, "Help", "Tour").trigger()
    tour = running_tour(window)
    tour.go(2)
    view = window.design.view
    ring = tour.target_rect()
    view_rect = QRect(view.mapTo(window, view.rect().topLeft()), view.size())
    assert view_rect.contains(ring) and ring.width() < view.width() / 2  # a wire, not the whole canvas


def test_back_moves_and_skip_ends_it_where_it_started(qtbot, window):
    window.tabs.setCurrentWidget(window.pages["Train"])
    menu_action(window, "Help", "Tour").trigger()
    tour = running_tour(window)
    assert not tour.back_button.isEnabled()
    qtbot.mouseClick(tour.next_button, LEFT)
    qtbot.mouseClick(tour.next_button, LEFT)
    qtbot.mouseClick(tour.back_button, LEFT)
    assert tour.index == 1 and window.tabs.currentWidget() is window.design
    qtbot.mouseClick(tour.skip_button, LEFT)
    assert not tour.isVisible() and window.tabs.currentWidget() is window.pages["Train"]
    assert tour_seen()


def test_escape_skips_and_the_tour_can_be_taken_again(qtbot, window):
    menu_action(window, "Help", "Tour").trigger()
    tour = running_tour(window)
    QTest.keyClick(tour.next_button, Qt.Key.Key_Escape)
    assert not tour.isVisible()
    menu_action(window, "Help", "Tour").trigger()
    again = running_tour(window)
    assert again is not tour and again.index == 0


def test_the_tour_covers_the_window_as_it_resizes(qtbot, window):
    menu_action(window, "Help", "Tour").trigger()
    tour = running_tour(window)
    window.resize(1100, 760)
    qtbot.waitUntil(lambda: tour.geometry() == window.rect())
    assert window.rect().contains(tour.callout.geometry())
