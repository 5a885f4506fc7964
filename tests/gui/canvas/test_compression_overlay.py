"""Compression on the canvas: "Show on canvas" on the Export page switches to the Design page and puts a badge with
each layer's figure over that layer, coloured by cost; the badges follow a dragged layer, and go away with Hide or
when another project is opened."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from tests.gui.editor_driving import LEFT, click_node, drag, node_body_point, press_keys, viewport_point
from workbench.cli import run_command
from workbench.core.project import load_project, open_template, save_project
from workbench.core.project.actions import compress_project
from workbench.gui.canvas.compression_overlay import (BADGE_GAP, BADGE_HEIGHT, CompressionBadge, CompressionOverlay,
                                                      badge_cost, is_affected)


@pytest.fixture(scope="module")
def compressed_file(tmp_path_factory):
    """A digits CNN trained briefly by the command line, with a static INT8 and a structured-pruning variant."""
    folder = tmp_path_factory.mktemp("overlay")
    path = folder / "digits.json"
    assert run_command(["train", "cnn", "--epochs", "2", "--threads", "1", "--device", "cpu", "--out", str(path),
                        "--json"]) == 0
    project = load_project(path)
    for method in ("int8-static", "prune-structured"):
        project.add_variants(compress_project(project, method, epochs=1 if method != "int8-static" else None))
    save_project(project)
    return path


def open_export_page(window, qtbot, path):
    window.document.replace_project(load_project(path))
    qtbot.waitUntil(lambda: not window.design.fit_pending)
    window.design.view.resetTransform()  # one pixel is one scene unit, so drags move layers by known amounts
    bar = window.tabs.tabBar()
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(titles.index("Export")).center())
    page = window.pages["Export"].page
    assert window.tabs.currentWidget() is window.pages["Export"]
    return page


def show_variant(qtbot, page, name):
    table = page.variants_table
    row = [r.name for r in page.document.project.variants].index(name)
    qtbot.mouseClick(table.viewport(), LEFT, pos=table.visualItemRect(table.item(row, 0)).center())
    assert page.show_on_canvas_button.isEnabled()
    qtbot.mouseClick(page.show_on_canvas_button, LEFT)
    return page.document.project.find_variant(name)


def badges_in(scene) -> list[CompressionBadge]:
    return [item for item in scene.items() if isinstance(item, CompressionBadge)]


def expected_place(card) -> QPointF:
    return card.scenePos() + QPointF(0, -BADGE_HEIGHT - BADGE_GAP)


def test_show_on_canvas_puts_badges_over_the_layers_that_follow_them_and_hide(window, qtbot, compressed_file):
    page = open_export_page(window, qtbot, compressed_file)
    record = show_variant(qtbot, page, "int8-static")
    assert window.tabs.currentWidget() is window.design
    scene, view = window.design.scene, window.design.view
    overlay = CompressionOverlay.of(scene)
    affected = [row for row in record.layers if is_affected(row)]
    assert {"conv1", "conv2", "dense1"} <= {row.node for row in affected}
    assert set(overlay.badges) == {row.node for row in affected}
    assert len(badges_in(scene)) == len(affected)
    for row in affected:
        badge, card = overlay.badges[row.node], scene.node_items[row.node]
        percent = 100 * row.value
        assert badge.text == f"int8 err {percent:.1f}%" if percent >= 0.1 else badge.text.startswith("int8 err ")
        assert badge.parentItem() is card and badge.scenePos() == expected_place(card)
        assert badge.sceneBoundingRect().bottom() <= card.sceneBoundingRect().top() + 4
        assert row.name in badge.toolTip() and "calibration samples" in badge.toolTip()
    costs = {row.node: badge_cost(row) for row in affected}
    worst, best = max(costs, key=costs.get), min(costs, key=costs.get)
    assert [b.node_id for b in overlay.badges.values() if b.costliest] == [worst]
    assert overlay.badges[worst].colour.hue() < overlay.badges[best].colour.hue()  # redder than the best one
    legend = overlay.legend
    assert legend.isVisible() and "int8-static" in legend.title.text()
    assert legend.costliest.text().startswith(f"Costliest: {scene.node_items[worst].name} (int8 err ")
    assert "did to" in page.status.text()

    badge = overlay.badges["conv1"]
    view.centerOn(badge)
    pos = viewport_point(view, badge.sceneBoundingRect().center())
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)))
    assert "conv1" in QToolTip.text() and "differs from the fp32 network" in QToolTip.text()

    graph = window.document.project.graph
    old = graph.positions["conv1"]
    start = node_body_point(window, "conv1")
    drag(view, start, start + QPoint(60, 90))
    assert graph.positions["conv1"] == (old[0] + 60, old[1] + 90)
    assert badge.scenePos() == expected_place(scene.node_items["conv1"]) == QPointF(old[0] + 60, old[1] + 90 - 22)
    press_keys(window, "Ctrl+Z")
    assert graph.positions["conv1"] == old and badge.scenePos() == expected_place(scene.node_items["conv1"])

    click_node(window, "conv1")
    press_keys(window, "Delete")
    assert "conv1" not in scene.node_items and len(badges_in(scene)) == len(affected) - 1
    press_keys(window, "Ctrl+Z")  # the layer comes back, and so does its badge
    card = scene.node_items["conv1"]
    assert overlay.badges["conv1"].parentItem() is card and len(badges_in(scene)) == len(affected)

    qtbot.mouseClick(legend.hide_button, LEFT)
    assert overlay.badges == {} and badges_in(scene) == [] and not legend.isVisible()


def test_structured_pruning_shows_channels_and_a_new_project_clears_the_overlay(window, qtbot, compressed_file):
    page = open_export_page(window, qtbot, compressed_file)
    record = show_variant(qtbot, page, "prune-structured-50")
    scene = window.design.scene
    overlay = CompressionOverlay.of(scene)
    rows = {row.node: row for row in record.layers if is_affected(row)}
    assert rows and set(overlay.badges) == set(rows)
    conv1 = rows["conv1"]
    assert overlay.badges["conv1"].text == f"channels {conv1.before}→{conv1.after}"
    assert conv1.after < conv1.before
    assert "channels kept" in overlay.badges["conv1"].toolTip()
    window.document.replace_project(open_template("cnn"))
    assert overlay.badges == {} and badges_in(scene) == [] and not overlay.legend.isVisible()
    assert CompressionOverlay.of(scene) is overlay  # one overlay per canvas


def test_the_legend_follows_a_dark_palette(qtbot):
    from PySide6.QtGui import QColor, QPalette
    from PySide6.QtWidgets import QWidget

    from workbench.gui.canvas.compression_overlay import OverlayLegend

    before = QApplication.palette()
    dark = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#202329"), (QPalette.ColorRole.Base, "#1a1c20"),
                         (QPalette.ColorRole.Text, "#e8eaee"), (QPalette.ColorRole.WindowText, "#e8eaee")):
        dark.setColor(role, QColor(colour))
    QApplication.setPalette(dark)
    try:
        host = QWidget()
        qtbot.addWidget(host)
        host.resize(400, 300)
        legend = OverlayLegend(host)
        legend.title.setText("int8-static: what INT8 did to each layer")
        legend.apply_theme()
        legend.show()
        host.show()
        qtbot.waitExposed(host)
        image = legend.grab().toImage()
        assert image.pixelColor(legend.width() // 2, legend.height() - 4).lightness() < 100   # a dark box
        assert legend.title.palette().color(legend.title.foregroundRole()).lightness() > 180  # light words
    finally:
        QApplication.setPalette(before)
