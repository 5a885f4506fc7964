"""The canvas's block actions: Make block from the selected layers, Expand an instance back into layers and
Collapse them back into one, Make unique (one instance gets a definition of its own), and adding a block from the
palette. Each is one undo step of ordinary edits, worked out first by workbench/core/graph/block_edits.py.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QPointF

from workbench.core.errors import WorkbenchError
from workbench.core.graph.block_edits import (free_block_name, plan_collapse, plan_expand, plan_make_block,
                                              plan_make_unique, used_first)
from workbench.core.graph.model import FreeLabels, Graph
from workbench.gui.canvas.node_item import NODE_HEIGHT, NODE_WIDTH
from workbench.gui.document.commands import AddBlockCommand, AddNodeCommand, MacroCommand, plan_command


def make_block(editor, name: str | None = None) -> str | None:
    """The selected layers become one instance of a new block; returns the Block node's id."""
    graph = editor.graph
    name = name or free_block_name(graph)
    instance_id = FreeLabels(graph.nodes).take("block")
    instance_name = FreeLabels(n.name for n in graph.nodes.values()).take("block")
    try:
        plan = plan_make_block(graph, editor.scene.selected_node_ids(), name, instance_id, instance_name)
    except WorkbenchError as exc:
        editor.refuse(str(exc))
        return None
    if not editor.push(plan_command(graph, plan, f"Make block {name}")):
        return None
    editor.scene.select_nodes([instance_id])
    return instance_id


def expand_block(editor, instance_id: str) -> list[str]:
    """Puts the layers of one block instance back in its place; returns their ids."""
    graph = editor.graph
    try:
        plan = plan_expand(graph, instance_id)
    except WorkbenchError as exc:
        editor.refuse(str(exc))
        return []
    if not editor.push(plan_command(graph, plan, f"Expand {graph.nodes[instance_id].name}")):
        return []
    ids = [n.node_id for n in plan.nodes]
    editor.scene.select_nodes(ids)
    return ids


def collapse_block(editor, node_id: str) -> str | None:
    """The layers Expand made from one instance (those of `node_id`) become one Block node again: an instance of
    the block they came from while they are as Expand left them, else of a new block, which the canvas announces.
    Returns the Block node's id."""
    graph = editor.graph
    name = free_block_name(graph)
    try:
        plan, matched = plan_collapse(graph, node_id, name)
    except WorkbenchError as exc:
        editor.refuse(str(exc))
        return None
    instance = plan.nodes[0]
    if not editor.push(plan_command(graph, plan, f"Collapse {instance.name} into block {matched or name}")):
        return None
    editor.scene.select_nodes([instance.node_id])
    if matched is None:
        editor.tell(f"These layers were changed since they were expanded (or their block is gone), so they became "
                      f"a new block, '{name}', as Make block does. Undo (Ctrl+Z) takes it back.")
    return instance.node_id


def make_unique(editor, instance_id: str) -> str | None:
    """Gives one instance a copy of its block's definition, named after the block; returns the new block's name."""
    graph = editor.graph
    node = graph.nodes.get(instance_id)
    if node is None or node.definition is None:
        return None
    name = free_block_name(graph, node.params["block"])
    try:
        plan = plan_make_unique(graph, instance_id, name)
    except WorkbenchError as exc:
        editor.refuse(str(exc))
        return None
    return name if editor.push(plan_command(graph, plan, f"Make {node.name} unique")) else None


def add_block_at(editor, name: str, definitions: dict[str, Graph], scene_pos: QPointF) -> str | None:
    """Adds an instance of block `name` centred on `scene_pos`; `definitions` (by name: `name` and the blocks it
    uses) are added to the network where it has no block of that name yet."""
    graph = editor.graph
    children = [AddBlockCommand(graph, n, definitions[n].detached_copy()) for n in used_first(definitions)
                if n not in graph.blocks]
    node_id = FreeLabels(graph.nodes).take("block")
    stem = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:40]
    stem = stem if stem and not stem[-1].isdigit() else "block"
    node_name = FreeLabels(n.name for n in graph.nodes.values()).take(stem)
    position = (scene_pos.x() - NODE_WIDTH / 2, scene_pos.y() - NODE_HEIGHT / 2)
    children.append(AddNodeCommand(graph, "Block", node_id, node_name, {"block": name}, position))
    if not editor.push(MacroCommand(f"Add {node_name}", children)):
        return None
    editor.scene.select_nodes([node_id])
    return node_id
