"""Every open shows the whole network at a readable size: a long network in the app's own layout is wrapped into
rows that fit the window; Fit to Window never zooms out so far that the layers' text cannot be read."""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontMetricsF

from tests.gui.editor_driving import press_keys
from workbench.core.graph.model import Graph
from workbench.core.project import Project, open_template, save_project
from workbench.core.graph.layout import layered_layout, wrapped_layout

READABLE_PX = 10.0  # line height of the smallest text on a layer's card (its type, its parameters), on screen


def text_height_px(view) -> float:
    font = QFont()
    font.setPointSizeF(8.5)  # the card's small text
    return QFontMetricsF(font).height() * view.zoom()


def shows_every_layer_readably(window) -> bool:
    view, scene = window.design.view, window.design.scene
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    inside = all(visible.contains(item.sceneBoundingRect()) for item in scene.node_items.values())
    return inside and text_height_px(view) >= READABLE_PX


def twelve_layer_chain() -> Project:
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [16]})
    for _ in range(5):
        for type_name in ("Dense", "ReLU"):
            node = graph.add_node(type_name)
            graph.connect(previous.id, node.id)
            previous = node
    head = graph.add_node("ClassificationHead", {"classes": 3})
    graph.connect(previous.id, head.id)
    graph.positions.update(layered_layout(graph))  # one long row, as the palette's double-click builds it
    return Project(name="Chain", graph=graph)


def open_fitted(window, qtbot, project) -> None:
    window.document.replace_project(project)
    qtbot.waitUntil(lambda: not window.design.fit_pending)


def test_the_demo_opens_whole_and_readable(window, qtbot):
    open_fitted(window, qtbot, open_template("cnn"))
    assert len(window.design.scene.node_items) == 12
    assert shows_every_layer_readably(window)
    assert not window.document.is_dirty and window.document.undo_stack.count() == 0


def test_a_reopened_twelve_layer_chain_is_wrapped_into_rows(window, qtbot, tmp_path):
    path = tmp_path / "chain.json"
    save_project(twelve_layer_chain(), path)
    assert window.files.open_path(path)
    qtbot.waitUntil(lambda: not window.design.fit_pending)
    assert shows_every_layer_readably(window)
    rows = {y for _, y in window.document.project.graph.positions.values()}
    assert len(rows) > 1
    assert not window.document.is_dirty  # arranging for the window is no edit of the project


def test_every_template_opens_whole_and_readable(window, qtbot):
    for name in ("resnet", "mlp", "lstm", "transformer"):
        open_fitted(window, qtbot, open_template(name))
        assert shows_every_layer_readably(window), name


def test_a_layout_the_user_made_is_kept_and_fit_stays_readable(window, qtbot):
    project = twelve_layer_chain()
    graph = project.graph
    x, y = graph.positions["dense3"]
    graph.positions["dense3"] = (x, y + 37.0)  # placed by hand
    mine = dict(graph.positions)
    open_fitted(window, qtbot, project)
    assert window.document.project.graph.positions == mine
    view = window.design.view
    view.scale(0.3, 0.3)
    press_keys(window, "Ctrl+0")  # Fit to Window: no unreadable strip
    assert text_height_px(view) >= READABLE_PX
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.design.scene.node_items["input1"].sceneBoundingRect())  # it starts at the start


def test_wrapped_layout_cuts_the_columns_into_bands():
    graph = twelve_layer_chain().graph
    positions = wrapped_layout(graph, 5, 62.0)
    xs = sorted({x for x, _ in positions.values()})
    ys = sorted({y for _, y in positions.values()})
    assert len(xs) == 5 and len(ys) == 3
    assert positions["input1"] == (0.0, 0.0) and positions["classifier1"][0] == xs[1]
    assert ys[1] - ys[0] >= 62.0 + 60  # room between the bands for the wire back and its label
