"""Inside an opened block: the problems list shows that block's own problems and one line for those elsewhere
(clicked, it goes back to the network); the palette offers the block's ports (Block input, Block output) there and
only there, so a user can change a block's ports by double-clicking or dragging them."""

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.gui.editor_driving import LEFT, NO_MOD, node_body_point, snapshot
from tests.gui.pages.design.test_blocks import select
from workbench.gui.document.block_actions import add_block_at


def rows(problems):
    return [problems.list.item(i).text() for i in range(problems.list.count())]


def click_row(problems, index):
    rect = problems.list.visualItemRect(problems.list.item(index))
    QTest.mouseClick(problems.list.viewport(), LEFT, NO_MOD, rect.center())


def open_block(window, node_id):
    QTest.mouseDClick(window.design.view.viewport(), LEFT, NO_MOD, node_body_point(window, node_id))
    assert window.document.shown_path == (node_id,)


def activate_in_palette(window, type_name):
    tree = window.design.palette.tree
    palette = window.design.palette
    item = palette.items.get(type_name) or palette.port_items[type_name]
    tree.setFocus()
    tree.setCurrentItem(item)
    QTest.keyClick(tree, Qt.Key.Key_Return)


def test_the_problems_list_inside_a_block_shows_its_own_and_a_line_for_the_others(window, qtbot):
    graph = window.document.project.graph
    design, problems = window.design, window.design.problems
    select(window, ["conv1", "relu1"])
    first = design.editor.make_block()
    add_block_at(design.editor, "Block 1", {"Block 1": graph.blocks["Block 1"]}, QPointF(0, 600))  # not wired
    network_rows = rows(problems)
    assert network_rows and all("block1" not in row for row in network_rows)
    open_block(window, first)
    assert rows(problems) == [f"{len(network_rows)} problem{'s' if len(network_rows) != 1 else ''} elsewhere in "
                              f"the network: click to go back to it"]
    assert problems.title.text().startswith("<b>Problems in Block 1</b>")
    design.scene.select_nodes([])
    activate_in_palette(window, "Dense")  # a layer left unwired inside the block
    inside = rows(problems)
    assert len(inside) == 2 and inside[0].startswith("Dense 'block1/dense1' has nothing connected to its input")
    assert inside[-1].startswith(f"{len(network_rows) + 1} more problems")  # the other instance has it too
    assert len(window.document.result.problems) == len(network_rows) + 2
    click_row(problems, 0)
    assert design.scene.selected_node_ids() == ["dense1"]
    click_row(problems, len(inside) - 1)
    assert window.document.shown_path == () and not design.breadcrumb.isVisible()
    assert all(not row.endswith("click to go back to it") for row in rows(problems))
    assert len(rows(problems)) == len(window.document.result.problems)


def test_the_palette_offers_a_blocks_ports_inside_it_and_each_added_port_is_one_undo_step(window, qtbot):
    from PySide6.QtGui import QDropEvent

    graph = window.document.project.graph
    design, palette = window.design, window.design.palette
    assert palette.ports_group.isHidden() and "BlockInput" not in palette.visible_types()
    select(window, ["conv1", "relu1"])
    first = design.editor.make_block()
    open_block(window, first)
    assert not palette.ports_group.isHidden() and palette.tree.topLevelItem(0) is palette.ports_group
    assert [palette.ports_group.child(i).text(0) for i in range(2)] == ["Block input", "Block output"]
    assert "Input" not in palette.visible_types() and "ClassificationHead" not in palette.visible_types()
    assert "Conv2d" in palette.visible_types()
    palette.grab().save("/tmp/blk/palette_block_ports.png")
    definition = graph.blocks["Block 1"]
    before = snapshot(graph)
    design.scene.select_nodes(["relu1"])
    activate_in_palette(window, "BlockOutput")  # wired from the selected layer
    assert definition.block_ports() == (("in1",), ("out1", "out2"))
    assert [(e.src, e.dst) for e in definition.edges if e.dst == "out2"] == [("relu1", "out2")]
    mime = palette.mime_data_for("BlockInput")
    point = QPointF(design.view.viewport().rect().center())
    design.view.dropEvent(QDropEvent(point, Qt.DropAction.CopyAction, mime, LEFT, NO_MOD))
    assert definition.block_ports() == (("in1", "in2"), ("out1", "out2"))
    menu = design.editor.show_context_menu(QPointF(-2000, -2000), design.view.mapToGlobal(point.toPoint()))
    next(a for a in menu.actions() if a.text() == "Add block output here").trigger()
    menu.close()
    assert definition.block_ports()[1] == ("out1", "out2", "out3")
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert definition.block_ports() == (("in1",), ("out1", "out2"))
    window.redo_action.trigger()
    design.palette.search.setText("output")
    assert not palette.ports_group.isHidden() and palette.port_items["BlockInput"].isHidden()
    design.palette.search.clear()
    design.breadcrumb.buttons[0].click()
    assert palette.ports_group.isHidden() and len(palette.visible_types()) == len(palette.items)
    item = design.scene.node_items[first]
    assert list(item.inputs) == ["in1", "in2"] and list(item.outputs) == ["out1", "out2"]
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert snapshot(graph) == before
