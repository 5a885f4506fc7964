"""Real mouse and keyboard on the canvas: moving, wiring, rubber band, drops, keys; then the graph is checked."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QContextMenuEvent, QDragEnterEvent, QDropEvent, QHelpEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolTip

from tests.gui.editor_driving import (LEFT, NO_MOD, click_node, drag, node_body_point, port_point, press_keys, snapshot,
                                      viewport_point)
from workbench.core.graph.model import Edge
from workbench.core.project import open_template, save_project
from workbench.gui.document.commands import DeleteCommand


def graph_of(window):
    return window.document.project.graph


def test_dragging_a_node_moves_it_with_one_undo_step(window):
    graph = graph_of(window)
    old = graph.positions["conv1"]
    start = node_body_point(window, "conv1")
    drag(window.design.view, start, start + QPoint(60, 90))
    assert graph.positions["conv1"] == (old[0] + 60, old[1] + 90)
    assert window.document.undo_stack.count() == 1
    edge_item = window.design.scene.edge_items[Edge("input1", "conv1")]
    assert edge_item.ports()[1] == window.design.scene.node_items["conv1"].inputs["in"].scenePos()
    press_keys(window, "Ctrl+Z")
    assert graph.positions["conv1"] == old
    assert window.design.scene.node_items["conv1"].pos() == QPointF(*old)


def test_dragging_a_selection_moves_all_of_it_as_one_step(window):
    graph = graph_of(window)
    click_node(window, "conv1")
    click_node(window, "relu1", Qt.KeyboardModifier.ControlModifier)
    before = {n: graph.positions[n] for n in ("conv1", "relu1")}
    start = node_body_point(window, "relu1")
    drag(window.design.view, start, start + QPoint(0, 120))
    assert {n: graph.positions[n] for n in before} == {n: (x, y + 120) for n, (x, y) in before.items()}
    assert window.document.undo_stack.count() == 1


def test_wiring_output_port_to_input_port(window):
    graph = graph_of(window)
    window.document.push(DeleteCommand(graph, [], [Edge("relu1", "pool1")]))
    assert Edge("relu1", "pool1") not in graph.edges
    start = port_point(window, "relu1", output=True)
    end = viewport_point(window.design.view, window.design.scene.node_items["pool1"].inputs["in"].scenePos())
    drag(window.design.view, start, end)
    assert Edge("relu1", "pool1") in graph.edges
    assert window.design.scene.edge_items[Edge("relu1", "pool1")].info is not None
    assert window.document.result.ok


def test_wire_that_would_make_a_loop_is_refused_with_the_reason(window, qtbot):
    graph = graph_of(window)
    window.document.push(DeleteCommand(graph, [], [Edge("input1", "conv1")]))
    before = snapshot(graph)
    start = port_point(window, "conv2", output=True)
    end = viewport_point(window.design.view, window.design.scene.node_items["conv1"].inputs["in"].scenePos())
    view = window.design.view
    drag(view, start, end)
    assert snapshot(graph) == before
    assert view.banner.isVisible()
    assert "would make a loop" in view.banner.text() and "conv2" in view.banner.text()
    assert window.document.undo_stack.count() == 1


def test_wire_into_an_occupied_input_is_refused_with_the_reason(window):
    graph = graph_of(window)
    before = snapshot(graph)
    view = window.design.view
    # pool2 is right of conv2 on the demo's row; wire pool2 -> flatten's neighbour dense1 (already fed by flatten1)
    start = port_point(window, "pool2", output=True)
    end = viewport_point(view, window.design.scene.node_items["dense1"].inputs["in"].scenePos())
    drag(view, start, end)
    assert snapshot(graph) == before
    assert "already takes its input from 'flatten1'" in view.banner.text()
    assert "already takes its input" in window.statusBar().currentMessage()


def test_wire_dropped_on_empty_canvas_offers_the_layers_that_fit(window):
    graph = graph_of(window)
    view = window.design.view
    start = port_point(window, "dense1", output=True)
    drag(view, start, start + QPoint(40, 200))
    menu = window.editor.fitting_menu
    assert menu is not None and menu.isVisible()
    offered = {a.text() for a in menu.actions() if not a.isSeparator()}
    assert {"ReLU", "Dense", "Dropout", "Classification output"} <= offered
    assert "Conv2d" not in offered and "MaxPool2d" not in offered  # they need images, dense1 gives (batch, 64)
    next(a for a in menu.actions() if a.text() == "GELU").trigger()
    menu.close()
    new = [n for n in graph.nodes.values() if n.type == "GELU"]
    assert len(new) == 1
    assert Edge("dense1", new[0].id) in graph.edges
    assert window.document.undo_stack.count() == 1
    press_keys(window, "Ctrl+Z")
    assert not any(n.type == "GELU" for n in graph.nodes.values())


def test_rubber_band_selects_the_nodes_it_touches(window):
    view, scene = window.design.view, window.design.scene
    items = [scene.node_items[n] for n in ("input1", "conv1", "relu1")]  # the demo's first row
    assert len({item.y() for item in items}) == 1
    top_left = items[0].sceneBoundingRect().topLeft() + QPointF(-20, -30)
    bottom_right = items[-1].sceneBoundingRect().bottomRight() + QPointF(-10, 20)
    view.centerOn(items[1])
    drag(view, viewport_point(view, top_left), viewport_point(view, bottom_right))
    assert sorted(scene.selected_node_ids()) == ["conv1", "input1", "relu1"]
    assert window.document.undo_stack.count() == 0


def test_delete_undo_redo_keys(window):
    graph = graph_of(window)
    before = snapshot(graph)
    click_node(window, "relu2")
    press_keys(window, "Delete")
    assert "relu2" not in graph.nodes and not any("relu2" in (e.src, e.dst) for e in graph.edges)
    assert not window.document.result.ok  # pool2 lost its input
    after = snapshot(graph)
    press_keys(window, "Ctrl+Z")
    assert snapshot(graph) == before
    assert "relu2" in window.design.scene.node_items
    press_keys(window, "Ctrl+Shift+Z")
    assert snapshot(graph) == after
    press_keys(window, "Ctrl+Z")
    press_keys(window, "Ctrl+Y")
    assert snapshot(graph) == after


def test_deleting_a_selected_wire(window):
    graph = graph_of(window)
    scene, view = window.design.scene, window.design.view
    item = scene.edge_items[Edge("conv1", "relu1")]
    point = item._path.pointAtPercent(0.25)
    view.centerOn(point)
    QTest.mouseClick(view.viewport(), LEFT, NO_MOD, viewport_point(view, point))
    assert scene.selected_edges() == [Edge("conv1", "relu1")]
    press_keys(window, "Delete")
    assert Edge("conv1", "relu1") not in graph.edges and "conv1" in graph.nodes


def test_copy_paste_keys_copy_nodes_with_their_inner_wires(window):
    graph = graph_of(window)
    click_node(window, "conv2")
    click_node(window, "relu2", Qt.KeyboardModifier.ControlModifier)
    press_keys(window, "Ctrl+C")
    press_keys(window, "Ctrl+V")
    assert len(graph.nodes) == 14
    pasted = window.design.scene.selected_node_ids()
    assert len(pasted) == 2 and not set(pasted) & {"conv2", "relu2"}
    by_type = {graph.node(n).type: n for n in pasted}
    assert Edge(by_type["Conv2d"], by_type["ReLU"]) in graph.edges
    assert graph.node(by_type["Conv2d"]).params == graph.node("conv2").params
    assert len({n.name for n in graph.nodes.values()}) == 14
    ox, oy = graph.positions["conv2"]
    assert graph.positions[by_type["Conv2d"]] == (ox + 40, oy + 40)
    press_keys(window, "Ctrl+Z")
    assert len(graph.nodes) == 12


def test_pasting_the_whole_network_twice_gives_free_ids_and_names_and_each_paste_is_one_undo_step(window):
    graph = graph_of(window)
    press_keys(window, "Ctrl+A")
    press_keys(window, "Ctrl+C")
    original = snapshot(graph)
    press_keys(window, "Ctrl+V")
    once = snapshot(graph)
    press_keys(window, "Ctrl+V")
    pasted = window.design.scene.selected_node_ids()
    assert len(graph.nodes) == 36 and len(pasted) == 12 and len({n.name for n in graph.nodes.values()}) == 36
    assert sorted(n for n in pasted if n.startswith("conv")) == ["conv5", "conv6"]  # the first free ids, in turn
    assert {graph.node(n).name for n in pasted if graph.node(n).type == "Conv2d"} == {"conv5", "conv6"}
    assert sum(e.src in pasted and e.dst in pasted for e in graph.edges) == 11  # the inner wires came along
    press_keys(window, "Ctrl+Z")
    assert snapshot(graph) == once
    press_keys(window, "Ctrl+Z")
    assert snapshot(graph) == original
    press_keys(window, "Ctrl+Shift+Z")
    assert snapshot(graph) == once


def test_cut_and_duplicate(window):
    graph = graph_of(window)
    click_node(window, "dropout1")
    press_keys(window, "Ctrl+D")
    assert len(graph.nodes) == 13 and sum(n.type == "Dropout" for n in graph.nodes.values()) == 2
    press_keys(window, "Ctrl+X")
    assert len(graph.nodes) == 12
    press_keys(window, "Ctrl+V")
    assert len(graph.nodes) == 13


def test_palette_drop_adds_the_layer_where_it_is_dropped(window):
    """A real QDrag blocks in its own event loop offscreen, so the drop is sent as the events a drag delivers,
    carrying the palette's own mime data."""
    graph = graph_of(window)
    view = window.design.view
    mime = window.design.palette.mime_data_for("BatchNorm2d")
    target = QPoint(300, 420)
    scene_point = view.mapToScene(target)
    enter = QDragEnterEvent(target, Qt.DropAction.CopyAction, mime, LEFT, NO_MOD)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(target), Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, mime, LEFT, NO_MOD)
    QApplication.sendEvent(view.viewport(), drop)
    assert drop.isAccepted() and drop.dropAction() == Qt.DropAction.CopyAction  # a move would empty the palette
    new = [n for n in graph.nodes.values() if n.type == "BatchNorm2d"]
    assert len(new) == 1
    item = window.design.scene.node_items[new[0].id]
    assert item.sceneBoundingRect().contains(scene_point)
    assert window.design.scene.selected_node_ids() == [new[0].id]


def test_drop_refuses_unknown_mime(window):
    view = window.design.view
    mime = QMimeData()
    mime.setText("Dense")
    enter = QDragEnterEvent(QPoint(100, 100), Qt.DropAction.CopyAction, mime, LEFT, NO_MOD)
    QApplication.sendEvent(view.viewport(), enter)
    assert not enter.isAccepted()


def test_double_click_in_palette_adds_after_selection_and_wires(window):
    graph = graph_of(window)
    palette = window.design.palette
    window.document.push(DeleteCommand(graph, ["classifier1"]))
    click_node(window, "dropout1")
    tree = palette.tree
    item = palette.items["Dense"]
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    QTest.mouseClick(tree.viewport(), LEFT, NO_MOD, rect.center())  # a double-click is a click, then the second
    QTest.mouseDClick(tree.viewport(), LEFT, NO_MOD, rect.center())
    dense = [n for n in graph.nodes.values() if n.type == "Dense" and n.id != "dense1"]
    assert len(dense) == 1
    assert Edge("dropout1", dense[0].id) in graph.edges
    assert window.design.scene.selected_node_ids() == [dense[0].id]
    x, y = graph.positions["dropout1"]
    assert graph.positions[dense[0].id][0] > x


def test_palette_search_and_tooltips(window):
    palette = window.design.palette
    QTest.keyClicks(palette.search, "pool")
    visible = palette.visible_types()
    assert set(visible) == {"MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", "GlobalAvgPool",
                            "GlobalMaxPool", "Upsample", "SequencePool"}
    assert palette.items["Dense"].isHidden()
    assert palette.items["MaxPool2d"].toolTip(0) == "Keeps the largest value in each window of an image"
    palette.search.clear()
    assert len(palette.visible_types()) == len(palette.items)


def test_wheel_zooms_and_fit_shows_everything(window):
    view = window.design.view
    before = view.zoom()
    centre = view.viewport().rect().center()
    QTest.mouseMove(view.viewport(), centre)
    from PySide6.QtCore import QPoint as P
    from PySide6.QtGui import QWheelEvent
    event = QWheelEvent(QPointF(centre), QPointF(view.viewport().mapToGlobal(centre)), P(0, 0), P(0, 240),
                        Qt.MouseButton.NoButton, NO_MOD, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom() > before * 1.3
    press_keys(window, "Ctrl+0")
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.design.scene.graph_rect())


def test_middle_button_pans(window):
    view = window.design.view
    start = view.viewport().rect().center()
    before = view.mapToScene(start)
    drag(view, start, start + QPoint(-150, 0), button=Qt.MouseButton.MiddleButton)
    assert view.mapToScene(start).x() > before.x() + 100
    assert window.document.undo_stack.count() == 0


def test_auto_layout_is_one_undoable_move(window):
    graph = graph_of(window)
    window.document.replace_project(open_template("resnet"))
    graph_of(window).move("conv2", 300.0, 420.0)  # out of its column, as a user's project may be
    before = dict(graph_of(window).positions)
    press_keys(window, "Ctrl+L")
    graph = graph_of(window)
    assert graph.positions != before
    assert window.document.undo_stack.count() == 1
    for e in graph.edges:
        assert graph.positions[e.dst][0] > graph.positions[e.src][0]
    press_keys(window, "Ctrl+Z")
    assert graph.positions == before


def test_faulty_node_turns_red_with_the_error_in_its_tooltip(window):
    graph = graph_of(window)
    click_node(window, "flatten1")
    press_keys(window, "Delete")
    scene = window.design.scene
    dense = scene.node_items["dense1"]
    assert dense.has_error
    assert "nothing connected to its input" in dense.tooltip_text()
    view = window.design.view
    view.centerOn(dense)
    pos = viewport_point(view, dense.sceneBoundingRect().center())
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos)))
    assert "nothing connected to its input" in QToolTip.text()  # hovering shows it
    # the wire into it from nowhere is gone, the conv stack's output now goes nowhere: a warning
    assert scene.node_items["pool2"].has_warning
    press_keys(window, "Ctrl+Z")
    assert not dense.has_error and "nothing connected" not in dense.tooltip_text()
    assert Edge("flatten1", "dense1") in graph.edges


def test_every_wire_shows_its_shape(window):
    scene = window.design.scene
    for edge, item in scene.edge_items.items():
        assert item.info == window.document.result.outputs[edge.src]
        assert item._label_text
    for edge, item in scene.edge_items.items():  # each wire runs from its output port to its input port
        assert item._path.pointAtPercent(0) == scene.node_items[edge.src].outputs[edge.src_port].scenePos()
        assert item._path.pointAtPercent(1) == scene.node_items[edge.dst].inputs[edge.dst_port].scenePos()
        assert item.boundingRect().contains(item._path.pointAtPercent(0.5))
    conv = scene.edge_items[Edge("conv1", "relu1")]
    assert conv.info.shape == (None, 16, 8, 8)
    window.editor.set_params("conv1", {"filters": 4})
    assert conv.info.shape == (None, 4, 8, 8)
    assert "4" in conv._label_text


def test_project_file_dropped_on_canvas_opens_it(window, tmp_path):
    path = tmp_path / "dropped.json"
    project = open_template("mlp")
    save_project(project, path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    view = window.design.view
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime, LEFT, NO_MOD)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    QApplication.sendEvent(view.viewport(), QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, LEFT,
                                                       NO_MOD))
    assert window.document.project.path == path.resolve()
    assert set(window.design.scene.node_items) == set(project.graph.nodes)


def context_menu_at(window, scene_point: QPointF):
    """Sends the context-menu event a right click delivers, and returns the menu the canvas shows."""
    view = window.design.view
    view.centerOn(scene_point)
    pos = viewport_point(view, scene_point)
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos, view.viewport().mapToGlobal(pos))
    QApplication.sendEvent(view.viewport(), event)
    return window.editor.context_menu


def menu_path(menu, *texts):
    for text in texts[:-1]:
        menu = next(a.menu() for a in menu.actions() if a.text() == text)
    return next(a for a in menu.actions() if a.text() == texts[-1])


def test_right_click_on_empty_canvas_adds_a_layer_there(window):
    graph = graph_of(window)
    QApplication.clipboard().clear()
    point = QPointF(300, 400)
    menu = context_menu_at(window, point)
    assert not menu_path(menu, "Paste here").isEnabled()
    menu_path(menu, "Add layer here", "Convolution", "Conv2d").trigger()
    menu.close()
    new = [n for n in graph.nodes.values() if n.type == "Conv2d" and n.id not in ("conv1", "conv2")]
    assert len(new) == 1
    assert window.design.scene.node_items[new[0].id].sceneBoundingRect().contains(point)
    window.editor.copy_selection()
    menu = context_menu_at(window, QPointF(900, 600))
    menu_path(menu, "Paste here").trigger()
    menu.close()
    pasted = window.design.scene.selected_node_ids()
    assert len(pasted) == 1 and graph.positions[pasted[0]] == (900, 600)


def test_right_click_on_a_layer_deletes_or_duplicates_it(window):
    graph = graph_of(window)
    item = window.design.scene.node_items["dropout1"]
    menu = context_menu_at(window, item.sceneBoundingRect().center())
    assert window.design.scene.selected_node_ids() == ["dropout1"]
    menu_path(menu, "Duplicate").trigger()
    menu.close()
    assert sum(n.type == "Dropout" for n in graph.nodes.values()) == 2
    menu = context_menu_at(window, window.design.scene.node_items["dropout1"].sceneBoundingRect().center())
    menu_path(menu, "Delete 1 layer").trigger()
    menu.close()
    assert "dropout1" not in graph.nodes
    menu = context_menu_at(window, window.design.scene.node_items["relu1"].sceneBoundingRect().center())
    menu_path(menu, "Rename…").trigger()
    menu.close()
    assert window.design.inspector.name_edit.hasFocus() and window.design.inspector.node_id == "relu1"


def test_canvas_scrolls_to_layers_placed_far_away(window, qtbot):
    view = window.design.view
    window.editor.add_node_at("ReLU", QPointF(9000, 7000))
    qtbot.waitUntil(lambda: view.sceneRect().contains(QPointF(9000, 7000)))
    window.document.new_project()
    qtbot.waitUntil(lambda: not window.design.fit_pending)
    assert view.horizontalScrollBar().maximum() == 0  # an empty canvas does not scroll


def test_escape_cancels_a_wire_being_dragged(window):
    graph = graph_of(window)
    before = snapshot(graph)
    view = window.design.view
    start = port_point(window, "conv1", output=True)
    QTest.mousePress(view.viewport(), LEFT, NO_MOD, start)
    QTest.mouseMove(view.viewport(), start + QPoint(80, 80))
    assert window.design.scene._wire is not None
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert window.design.scene._wire is None
    QTest.mouseRelease(view.viewport(), LEFT, NO_MOD, start + QPoint(80, 80))
    assert snapshot(graph) == before and window.editor.fitting_menu is None


def test_wire_dragged_backwards_from_an_input_offers_layers_to_feed_it(window):
    graph = graph_of(window)
    window.document.push(DeleteCommand(graph, ["input1"]))
    view = window.design.view
    start = port_point(window, "conv1", output=False)
    drag(view, start, start + QPoint(-150, 40))  # where input1 was, clear of the demo's second row
    menu = window.editor.fitting_menu
    offered = {a.text() for a in menu.actions() if not a.isSeparator()}
    assert "Input" in offered and "Classification output" not in offered
    next(a for a in menu.actions() if a.text() == "Input").trigger()
    menu.close()
    new = [n for n in graph.nodes.values() if n.type == "Input"]
    assert len(new) == 1 and Edge(new[0].id, "conv1") in graph.edges
    assert graph.positions[new[0].id][0] < graph.positions["conv1"][0]
    assert window.document.result.ok
