"""A layer at fault says on its card what is wrong, its wire says what comes in, and a mechanical repair is one click
under the card (one undo step). An Input before any data is chosen says that its shape will come from the data."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from tests.gui.editor_driving import LEFT, NO_MOD, click_node, drag, press_keys, snapshot, viewport_point
from workbench.core.data import DatasetSpec
from workbench.core.graph.model import Edge
from workbench.core.project import Project


def hover_text(view, item) -> str:
    view.centerOn(item)
    pos = viewport_point(view, item.sceneBoundingRect().center())
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)))
    return QToolTip.text()


def click_fix(window, node_id: str) -> None:
    view = window.design.view
    button = window.design.scene.node_items[node_id].fix_button
    view.centerOn(button)
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, viewport_point(view, button.sceneBoundingRect().center()))


def test_dense_wired_to_an_image_says_so_and_one_click_inserts_the_flatten(window):
    graph = window.document.project.graph
    scene, view = window.design.scene, window.design.view
    click_node(window, "flatten1")
    press_keys(window, "Delete")
    out_port, in_port = scene.node_items["pool2"].outputs["out"], scene.node_items["dense1"].inputs["in"]
    view.centerOn((out_port.scenePos() + in_port.scenePos()) / 2)
    drag(view, viewport_point(view, out_port.scenePos()), viewport_point(view, in_port.scenePos()))
    assert Edge("pool2", "dense1") in graph.edges
    dense, head = scene.node_items["dense1"], scene.node_items["classifier1"]
    assert dense.info_text() == "last axis only" and dense.has_warning
    assert head.info_text() == "needs 2-D, gets 4-D" and head.has_error  # not just "has an error"
    assert "works on its last axis only (2 values at a time)" in hover_text(view, dense)  # hovering gives it all
    wire = scene.edge_items[Edge("pool2", "dense1")]
    assert wire._label_text.startswith("\u26a0") and "last axis only" in wire.tooltip_text()
    assert dense.fix_button.text.endswith("Insert Flatten before 'dense1'")

    before = snapshot(graph)
    steps = window.document.undo_stack.count()
    click_fix(window, "dense1")
    flatten = [n.id for n in graph.nodes.values() if n.type == "Flatten"]
    assert len(flatten) == 1
    assert {Edge("pool2", flatten[0]), Edge(flatten[0], "dense1")} <= set(graph.edges)
    assert Edge("pool2", "dense1") not in graph.edges
    assert window.document.result.ok and not window.document.result.problems
    assert dense.fix_button is None and head.fix_button is None and dense.info_text() == "8.3k params"
    assert window.document.undo_stack.count() == steps + 1
    press_keys(window, "Ctrl+Z")
    assert snapshot(graph) == before
    assert dense.fix_button is not None
    press_keys(window, "Ctrl+Shift+Z")
    assert window.document.result.ok


def test_a_flat_row_into_a_convolution_is_reshaped_in_one_click(window):
    graph = window.document.project.graph
    window.editor.set_params("input1", {"shape": (64,)})
    conv = window.design.scene.node_items["conv1"]
    assert conv.info_text() == "needs 4-D, gets 2-D"
    assert conv.fix_button.fix.title == "Reshape to (batch, 1, 8, 8) before 'conv1'"
    click_fix(window, "conv1")
    [reshape] = [n for n in graph.nodes.values() if n.type == "Reshape"]
    assert tuple(reshape.params["target"]) == (1, 8, 8)
    result = window.document.result
    assert str(result.outputs[reshape.id]) == "(batch, 1, 8, 8)" and not result.problems_for("conv1")
    assert "classifier1" in result.outputs  # shapes all through (the loaded digits may still disagree with the Input)


def test_a_new_projects_input_says_its_shape_comes_from_the_data(window):
    press_keys(window, "Ctrl+N")  # the welcome page, where the user starts an empty project
    page = window.stack.currentWidget()
    QTest.mouseClick(page.cards["blank"], LEFT)
    assert window.document.project.dataset is None
    palette, scene = window.design.palette, window.design.scene
    for type_name in ("Input", "Flatten"):  # a double-click adds after the selected layer, wired
        tree = palette.tree
        rect = tree.visualItemRect(palette.items[type_name])
        QTest.mouseClick(tree.viewport(), LEFT, NO_MOD, rect.center())
        QTest.mouseDClick(tree.viewport(), LEFT, NO_MOD, rect.center())
    [input_id] = [nid for nid, n in window.document.project.graph.nodes.items() if n.type == "Input"]
    item = scene.node_items[input_id]
    assert item.info_text() == "shape from the data"
    assert "until a dataset is chosen" in hover_text(window.design.view, item)
    [wire] = scene.edge_items.values()
    assert wire._label_text.startswith("\u2248") and "Assumed until a dataset is chosen" in wire.tooltip_text()
    window.document.set_dataset(DatasetSpec(source="builtin", name="wine"), (13,), "float", "classification", 3)
    assert item.info_text() == "no params" and not wire.note
    press_keys(window, "Ctrl+Z")
    assert item.info_text() == "shape from the data"
    assert isinstance(window.document.project, Project)
