"""Renaming a block (its definition) as a user does it: right-click the block ▸ Rename block…, type the name into
the inspector's Block name and press Enter. Every instance, the breadcrumb and the project file follow; an empty name
and a name another block has are refused in words; Ctrl+Z restores the old name."""

import json

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.editor_driving import LEFT, NO_MOD, node_body_point, press_keys, snapshot
from tests.gui.pages.design.test_blocks import select
from workbench.core.graph import validate
from workbench.gui.document.block_actions import add_block_at


def two_instances(window):
    graph = window.document.project.graph
    select(window, ["conv1", "relu1"])
    first = window.design.editor.make_block()
    second = add_block_at(window.design.editor, "Block 1", {"Block 1": graph.blocks["Block 1"]}, QPointF(0, 600))
    return first, second


def context_action(window, node_id, text):
    design = window.design
    menu = design.editor.show_context_menu(design.scene.node_items[node_id].sceneBoundingRect().center(),
                                           design.view.mapToGlobal(design.view.rect().center()))
    action = next((a for a in menu.actions() if a.text() == text), None)
    menu.close()
    return action


def type_block_name(window, text):
    edit = window.design.inspector.block_name_edit
    edit.setFocus()
    edit.selectAll()
    QTest.keyClick(edit, Qt.Key.Key_Backspace)
    QTest.keyClicks(edit, text)
    QTest.keyClick(edit, Qt.Key.Key_Return)


def test_rename_a_block_from_its_menu_renames_every_instance_the_file_and_undo_restores_it(window, qtbot, tmp_path):
    graph = window.document.project.graph
    design = window.design
    first, second = two_instances(window)
    before = snapshot(graph)
    problems_before = [p.message for p in validate(graph).problems]
    context_action(window, first, "Rename block…").trigger()
    edit = design.inspector.block_name_edit
    assert design.inspector.node_id == first and edit is not None and edit.hasFocus()
    assert edit.text() == "Block 1" and edit.selectedText() == "Block 1"
    QTest.keyClicks(edit, "Stem")
    QTest.keyClick(edit, Qt.Key.Key_Return)
    assert list(graph.blocks) == ["Stem"]
    assert graph.nodes[first].params["block"] == graph.nodes[second].params["block"] == "Stem"
    assert graph.nodes[first].definition is graph.nodes[second].definition is graph.blocks["Stem"]
    assert design.scene.node_items[first].spec.display_name == "Stem"
    assert design.scene.node_items[second].spec.display_name == "Stem"
    assert [p.message for p in validate(graph).problems] == problems_before
    assert "Stem" in design.inspector.header.text()
    design.view.grab().save(str(tmp_path / "renamed_block.png"))
    path = window.document.save(tmp_path / "renamed.wbproj")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert list(saved["graph"]["blocks"]) == ["Stem"]
    assert {n["params"]["block"] for n in saved["graph"]["nodes"] if n["type"] == "Block"} == {"Stem"}
    assert list(saved["ui"]["block_positions"]) == ["Stem"]

    QTest.mouseDClick(design.view.viewport(), LEFT, NO_MOD, node_body_point(window, first))
    assert design.breadcrumb.text == "Network ▸ block1 (Stem)"
    press_keys(window, "Ctrl+Z")  # inside the block: the rename is undone, and the breadcrumb says so
    assert design.breadcrumb.text == "Network ▸ block1 (Block 1)"
    assert snapshot(graph) == before and list(graph.blocks) == ["Block 1"]
    press_keys(window, "Ctrl+Shift+Z")
    assert design.breadcrumb.text == "Network ▸ block1 (Stem)"
    design.breadcrumb.buttons[0].click()
    assert design.scene.node_items[second].spec.display_name == "Stem"


def test_an_empty_name_or_another_blocks_name_is_refused_in_words_and_changes_nothing(window, qtbot):
    graph = window.document.project.graph
    design = window.design
    first, _ = two_instances(window)
    select(window, ["conv2", "relu2"])
    design.editor.make_block()
    before = snapshot(graph)
    undo_count = window.document.undo_stack.count()
    design.scene.select_nodes([first])
    type_block_name(window, "")
    error = design.inspector.block_name_error
    assert error.isVisibleTo(design.inspector) and "A block needs a name" in error.text()
    type_block_name(window, "Block 2")
    assert error.text() == "Not renamed: There is already a block called 'Block 2'. Choose another name."
    assert snapshot(graph) == before and window.document.undo_stack.count() == undo_count
    type_block_name(window, "  Stem ")
    assert not error.isVisibleTo(design.inspector) and sorted(graph.blocks) == ["Block 2", "Stem"]
    window.undo_action.trigger()
    assert snapshot(graph) == before
