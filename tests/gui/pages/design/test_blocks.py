"""Blocks on the canvas as a user makes them: select layers, Make block (Ctrl+B or the menu), undo restores the
layers and wires exactly; Expand and Make unique; a shipped block dragged from the palette's Blocks."""

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent

from tests.gui.editor_driving import click_node, press_keys, snapshot
from workbench.core.graph import validate
from workbench.core.graph.blocks import flatten


def select(window, ids):
    click_node(window, ids[0])
    for nid in ids[1:]:
        click_node(window, nid, Qt.KeyboardModifier.ControlModifier)
    assert sorted(window.design.scene.selected_node_ids()) == sorted(ids)


def test_make_block_with_ctrl_b_then_undo_restores_the_layers_and_wires(window, qtbot):
    graph = window.document.project.graph
    before = snapshot(graph)
    params_before = validate(graph).total_params
    select(window, ["conv1", "relu1"])
    press_keys(window, "Ctrl+B")
    blocks = [n for n in graph.nodes.values() if n.type == "Block"]
    assert len(blocks) == 1 and "conv1" not in graph.nodes
    block = blocks[0]
    assert [e.src for e in graph.incoming(block.id)] == ["input1"]
    result = validate(graph)
    assert result.ok and result.total_params == params_before
    assert str(result.outputs[block.id]) == str(validate(graph).outputs[block.id])
    window.design.view.grab().save("/tmp/blk/canvas_with_block.png")
    press_keys(window, "Ctrl+Z")
    assert snapshot(graph) == before and not graph.blocks


def test_expand_and_make_unique_from_the_context_menu(window, qtbot):
    graph = window.document.project.graph
    editor = window.design.editor
    select(window, ["conv2", "relu2"])
    block_id = editor.make_block()
    made = snapshot(graph)
    menu = editor.show_context_menu(window.design.scene.node_items[block_id].sceneBoundingRect().center(),
                                    window.design.view.mapToGlobal(window.design.view.rect().center()))
    texts = [a.text() for a in menu.actions()]
    assert "Make block" in texts and "Expand" in texts and "Make unique" in texts
    next(a for a in menu.actions() if a.text() == "Make unique").trigger()
    menu.close()
    assert graph.nodes[block_id].params["block"] == "Block 1 1" and validate(graph).ok
    window.undo_action.trigger()
    assert snapshot(graph) == made
    ids = [n for n in editor.graph.nodes]
    expanded = __import__("workbench.gui.document.block_actions", fromlist=["x"]).expand_block(editor, block_id)
    assert expanded == [f"{block_id}__conv2", f"{block_id}__relu2"] and validate(graph).ok
    window.undo_action.trigger()
    assert snapshot(graph) == made and list(editor.graph.nodes) == ids


def test_a_shipped_block_dragged_from_the_palette_lands_on_the_canvas(window, qtbot):
    palette, view = window.design.palette, window.design.view
    assert "Fire module" in palette.block_items and palette.block_items["Fire module"].parent().text(0) == "Shipped"
    palette.grab().save("/tmp/blk/palette_blocks.png")
    mime = palette.block_mime_data_for("Fire module")
    point = QPointF(view.viewport().rect().center())
    event = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    view.dropEvent(event)  # what the viewport hands the view when the drag is let go
    graph = window.document.project.graph
    blocks = [n for n in graph.nodes.values() if n.type == "Block"]
    assert len(blocks) == 1 and "Fire module" in graph.blocks
    window.undo_action.trigger()
    assert not graph.blocks and not any(n.type == "Block" for n in graph.nodes.values())


def test_save_to_my_blocks_lists_it_in_the_palette(window, qtbot, data_dir):
    editor = window.design.editor
    select(window, ["conv1", "relu1"])
    editor.make_block()
    window.design.save_block("Block 1")
    assert (data_dir / "blocks" / "Block_1.json").exists()
    item = window.design.palette.block_items["Block 1"]
    assert item.parent().text(0) == "My blocks"


def test_saving_a_block_never_replaces_another_blocks_file(window, qtbot, data_dir):
    editor, design = window.design.editor, window.design
    select(window, ["conv1", "relu1"])
    editor.make_block()
    assert editor.rename_block("Block 1", "a b")
    design.save_block("a b")
    select(window, ["conv2", "relu2"])
    editor.make_block()
    assert editor.rename_block("Block 1", "a_b")
    design.save_block("a_b")  # its file name would be a_b.json too
    folder = data_dir / "blocks"
    assert sorted(p.name for p in folder.iterdir()) == ["a_b.json", "a_b_2.json"]
    assert {"a b", "a_b"} <= set(design.palette.block_items)
    design.save_block("a b")  # saved again: it replaces its own file, no third one
    assert sorted(p.name for p in folder.iterdir()) == ["a_b.json", "a_b_2.json"]


def test_open_a_block_by_double_click_edit_inside_for_every_instance_undo_and_go_back(window, qtbot):
    from PySide6.QtTest import QTest

    from tests.gui.editor_driving import LEFT, NO_MOD, node_body_point
    from workbench.gui.document.block_actions import add_block_at

    graph = window.document.project.graph
    design, editor = window.design, window.design.editor
    select(window, ["conv1", "relu1"])
    first = editor.make_block()
    second = add_block_at(editor, "Block 1", {"Block 1": graph.blocks["Block 1"]}, QPointF(0, 600))
    assert graph.nodes[second].definition is graph.blocks["Block 1"] and graph.nodes[second].name == "block2"
    before = snapshot(graph)
    QTest.mouseDClick(design.view.viewport(), LEFT, NO_MOD, node_body_point(window, first))
    assert window.document.shown_path == (first,)
    assert design.breadcrumb.isVisible() and design.breadcrumb.text == "Network ▸ block1 (Block 1)"
    assert set(design.scene.node_items) == {"in1", "conv1", "relu1", "out1"}
    assert str(design.scene.edge_items[next(iter(design.scene.edge_items))].info) == "(batch, 1, 8, 8)"
    assert str(window.document.shown_result().outputs["out1"]) == "(batch, 16, 8, 8)"
    qtbot.wait(50)  # the deferred fit to the view
    design.view.grab().save("/tmp/blk/inside_block.png")
    design.grab().save("/tmp/blk/design_inside_block.png")
    assert editor.set_params("conv1", {"filters": 8})
    result = validate(graph)
    assert result.outputs[first].shape[1] == 8 and flatten(graph).nodes[f"{second}__conv1"].params["filters"] == 8
    press_keys(window, "Ctrl+Z")
    assert snapshot(graph) == before and graph.blocks["Block 1"].nodes["conv1"].params["filters"] == 16
    design.breadcrumb.buttons[0].click()
    assert window.document.shown_path == () and not design.breadcrumb.isVisible()
    assert first in design.scene.node_items and "in1" not in design.scene.node_items


def test_a_duplicated_block_is_another_instance_and_a_pasted_one_brings_its_definition(window, qtbot):
    from workbench.core.project import open_template

    graph = window.document.project.graph
    editor = window.design.editor
    select(window, ["conv1", "relu1"])
    first = editor.make_block()
    copy = editor.duplicate_selection()
    assert len(copy) == 1 and graph.nodes[copy[0]].definition is graph.blocks["Block 1"]
    editor.scene.select_nodes([first])
    assert editor.copy_selection()
    window.document.replace_project(open_template("mlp"))
    pasted = editor.paste()
    other = window.document.project.graph
    assert len(pasted) == 1 and "Block 1" in other.blocks
    assert other.nodes[pasted[0]].definition is other.blocks["Block 1"]
    window.undo_action.trigger()
    assert not other.blocks


def test_make_block_from_the_context_menu_and_the_edit_menu(window, qtbot):
    from tests.gui.editor_driving import menu_action

    graph = window.document.project.graph
    editor, scene, view = window.design.editor, window.design.scene, window.design.view
    before = snapshot(graph)
    select(window, ["dense1", "relu3"])
    menu = editor.show_context_menu(scene.node_items["dense1"].sceneBoundingRect().center(),
                                    view.mapToGlobal(view.rect().center()))
    action = next(a for a in menu.actions() if a.text() == "Make block")
    assert action.shortcut().toString() == "Ctrl+B"
    action.trigger()
    menu.close()
    assert "dense1" not in graph.nodes and len(graph.blocks) == 1 and validate(graph).ok
    select(window, ["conv2", "relu2"])
    menu_action(window, "Edit", "Make Block").trigger()
    assert sorted(graph.blocks) == ["Block 1", "Block 2"] and validate(graph).ok
    press_keys(window, "Ctrl+Z")
    press_keys(window, "Ctrl+Z")
    assert snapshot(graph) == before
