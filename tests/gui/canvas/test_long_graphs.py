"""The canvas on long graphs: opening one routes each wire among the layers beside it, and wires that pass layers
still go around them."""

from __future__ import annotations

import random

from PySide6.QtCore import QRectF

from workbench.core.project import project_from_dict
from workbench.gui.canvas.node_item import NODE_HEIGHT, NODE_WIDTH
from workbench.gui.canvas.scene import GraphScene
from workbench.gui.document.document import ProjectDocument


def test_opening_a_long_graph_looks_for_lanes_among_neighbouring_layers_only(qapp, residual_stack, monkeypatch):
    project = project_from_dict(residual_stack(500))
    looked_at = []
    plain = GraphScene.node_boxes

    def counting(self, *band):
        boxes = plain(self, *band)
        looked_at.append(len(boxes))
        return boxes
    monkeypatch.setattr(GraphScene, "node_boxes", counting)
    scene = GraphScene(ProjectDocument(project))
    wires = len(project.graph.edges)
    assert len(scene.edge_items) == wires == 2502
    assert len(looked_at) >= 500  # each skip wire passes two layers
    assert sum(looked_at) <= 10 * wires  # every layer for every long wire would be over a million


def test_wires_that_pass_layers_go_around_them(qapp, residual_stack):
    project = project_from_dict(residual_stack(20))
    graph = project.graph
    x, _ = graph.positions["bn7"]
    graph.move("bn7", x, 40.0)  # one layer lower than the row: its block's skip wire takes the lane above instead
    scene = GraphScene(ProjectDocument(project))
    cards = {nid: QRectF(item.pos().x(), item.pos().y(), NODE_WIDTH, NODE_HEIGHT)
             for nid, item in scene.node_items.items()}
    for edge, item in scene.edge_items.items():
        points = [item._path.pointAtPercent(i / 40) for i in range(41)]
        for nid, card in cards.items():
            if nid not in (edge.src, edge.dst):
                assert not any(card.contains(p) for p in points), (edge, nid)
    skips = [e for e in graph.edges if e.dst.startswith("add") and not e.src.startswith("bn")]
    heights = {e.dst: [scene.edge_items[e]._path.pointAtPercent(i / 40).y() for i in range(41)] for e in skips}
    assert len(heights) == 20
    assert all(max(ys) > NODE_HEIGHT for dst, ys in heights.items() if dst != "add7")  # the lane below the row
    assert min(heights["add7"]) < 0  # the lane above


def test_the_layers_beside_a_band_are_all_found_as_layers_move(qapp, residual_stack):
    project = project_from_dict(residual_stack(20))
    rng = random.Random(3)

    def scatter(nodes):
        for nid in nodes:
            project.graph.move(nid, round(rng.uniform(-500, 3000), 1), round(rng.uniform(-400, 400), 1))
    scatter(project.graph.nodes)
    scene = GraphScene(ProjectDocument(project))
    for step in range(10):
        for _ in range(20):
            left = rng.uniform(-800, 3200)
            right = left + rng.uniform(0, 1500)
            found = [item.node_id for _, _, item in scene.node_boxes(left, right)]
            overlapping = {nid for nid, item in scene.node_items.items()
                           if item.pos().x() < right and item.pos().x() + NODE_WIDTH > left}
            near = {nid for nid, item in scene.node_items.items()
                    if left - NODE_WIDTH - 2 <= item.pos().x() <= right + 2}
            assert overlapping <= set(found) <= near and len(found) == len(set(found))
        scatter(rng.sample(sorted(project.graph.nodes), 5))  # as drags and undo move them
        if step == 5:  # two layers on the very same spot
            x, y = project.graph.positions["conv3"]
            project.graph.move("bn3", x, y)
