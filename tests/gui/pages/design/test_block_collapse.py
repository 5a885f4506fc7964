"""Collapse, the way back from Expand, as a user does it: right-click any layer that Expand made ▸ Collapse into
block. Unchanged layers become the instance they were (same block, id and place); changed ones become a new block,
as Make block does, and the canvas says so. Each is one undo step."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.core.graph.test_block_collapse_rename import unordered
from tests.gui.editor_driving import click_node, press_keys
from tests.gui.pages.design.test_block_rename import context_action
from tests.gui.pages.design.test_blocks import select
from workbench.core.graph import validate


def make_and_expand(window):
    graph = window.document.project.graph
    select(window, ["conv1", "relu1"])
    press_keys(window, "Ctrl+B")
    made = unordered(graph)
    context_action(window, "block1", "Expand").trigger()
    assert "block1" not in graph.nodes and {"block1__conv1", "block1__relu1"} <= set(graph.nodes)
    return made


def test_collapse_puts_unchanged_layers_back_into_the_block_they_came_from(window, qtbot, tmp_path):
    graph = window.document.project.graph
    design = window.design
    made = make_and_expand(window)
    expanded = unordered(graph)
    assert context_action(window, "conv2", "Collapse into block") is None  # conv2 never was in a block
    design.view.banner.hide()
    context_action(window, "block1__relu1", "Collapse into block").trigger()
    assert unordered(graph) == made and graph.nodes["block1"].params["block"] == "Block 1"
    assert design.scene.selected_node_ids() == ["block1"] and not design.view.banner.isVisible()
    assert validate(graph).ok
    design.view.grab().save(str(tmp_path / "collapsed_block.png"))
    press_keys(window, "Ctrl+Z")
    assert unordered(graph) == expanded
    press_keys(window, "Ctrl+Shift+Z")
    assert unordered(graph) == made


def test_collapse_of_changed_layers_makes_a_new_block_and_says_so(window, qtbot):
    graph = window.document.project.graph
    design = window.design
    make_and_expand(window)
    click_node(window, "block1__conv1")
    spin = design.inspector.editors["filters"].widget
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, "8")
    QTest.keyClick(spin, Qt.Key.Key_Return)
    assert graph.nodes["block1__conv1"].params["filters"] == 8
    changed = unordered(graph)
    context_action(window, "block1__conv1", "Collapse into block").trigger()
    block = graph.nodes["block1"]
    assert block.params["block"] == "Block 2" and block.name == "block1"
    assert graph.blocks["Block 2"].nodes["conv1"].params["filters"] == 8
    assert graph.blocks["Block 1"].nodes["conv1"].params["filters"] == 16
    assert design.view.banner.isVisible() and "became a new block, 'Block 2'" in design.view.banner.text()
    assert validate(graph).ok and validate(graph).outputs["block1"].shape[1] == 8
    window.undo_action.trigger()
    assert unordered(graph) == changed and "Block 2" not in graph.blocks


def test_collapse_is_offered_only_for_layers_that_expand_made_not_for_any_id_with_two_underscores(window, qtbot):
    graph = window.document.project.graph
    graph.add_node("Dense", {"units": 4}, name="imported dense", node_id="encoder__dense", position=(0.0, 900.0))
    assert context_action(window, "encoder__dense", "Collapse into block") is None  # an imported layer's id
    make_and_expand(window)
    assert context_action(window, "block1__conv1", "Collapse into block") is not None
    graph.add_node("ReLU", name="later", node_id="block1__relu9", position=(300.0, 900.0))
    assert context_action(window, "block1__relu9", "Collapse into block") is None  # added since, not by Expand


def test_after_save_and_reopen_collapse_puts_the_layers_back_into_the_block_they_came_from(window, qtbot, tmp_path):
    made = make_and_expand(window)
    path = window.document.save(tmp_path / "expanded.wbproj")
    assert window.files.open_path(path)
    graph = window.document.project.graph
    assert list(graph.blocks) == ["Block 1"] and "block1" not in graph.nodes  # kept: its layers came from it
    window.design.view.banner.hide()
    context_action(window, "block1__conv1", "Collapse into block").trigger()
    assert unordered(graph) == made and list(graph.blocks) == ["Block 1"]
    assert not window.design.view.banner.isVisible()  # no new block was made
