"""Renaming one of My blocks in the palette: right-click it ▸ Rename…, type the name, Enter. Its file in the data
folder follows the name and the palette lists it under the new one; an empty name or another of My blocks' names is
refused in words and changes no file."""

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.gui.pages.design.test_blocks import select


def rename_in_palette(window, qtbot, old, text):
    palette = window.design.palette
    menu = palette.block_context_menu_for(old)
    next(a for a in menu.actions() if a.text() == "Rename…").trigger()
    menu.close()
    qtbot.waitUntil(lambda: isinstance(QApplication.focusWidget(), QLineEdit)
                    and QApplication.focusWidget().parent() is palette.tree.viewport())
    editor = QApplication.focusWidget()
    editor.selectAll()
    QTest.keyClick(editor, Qt.Key.Key_Backspace)
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: palette.tree.state() != palette.tree.State.EditingState)
    qtbot.wait(10)  # the list is filled again after the editor closed


def test_rename_one_of_my_blocks_in_the_palette(window, qtbot, data_dir):
    design = window.design
    select(window, ["conv1", "relu1"])
    design.editor.make_block()
    design.save_block("Block 1")
    select(window, ["conv2", "relu2"])
    design.editor.make_block()
    design.save_block("Block 2")
    folder = data_dir / "blocks"
    assert sorted(p.name for p in folder.iterdir()) == ["Block_1.json", "Block_2.json"]
    shipped = design.palette.block_context_menu_for("Fire module")
    assert [a.text() for a in shipped.actions()] == ["Add Fire module"]  # a shipped block keeps its name
    rename_in_palette(window, qtbot, "Block 1", "Stem")
    assert sorted(p.name for p in folder.iterdir()) == ["Block_2.json", "Stem.json"]
    assert "Stem" in design.palette.block_items and "Block 1" not in design.palette.block_items
    assert design.palette.block_items["Stem"].parent().text(0) == "My blocks"
    assert design.view.banner.text() == "'Block 1' is now called 'Stem' in My blocks."
    files_before = {p.name: p.read_text() for p in folder.iterdir()}
    rename_in_palette(window, qtbot, "Stem", "Block 2")
    assert design.view.banner.text() == ("Not renamed: My blocks already has a block called 'Block 2'. Choose "
                                         "another name.")
    rename_in_palette(window, qtbot, "Stem", "")
    assert design.view.banner.text().startswith("Not renamed: A block needs a name")
    assert {p.name: p.read_text() for p in folder.iterdir()} == files_before
    mine = design.palette.block_items["Stem"].parent()
    assert [mine.child(i).text(0) for i in range(mine.childCount())] == ["Block 2", "Stem"]
    design.palette.block_activated.emit("Stem")  # what a double-click on it does
    graph = window.document.project.graph
    assert "Stem" in graph.blocks and graph.blocks["Stem"].nodes["conv1"].params["filters"] == 16
