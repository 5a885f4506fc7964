"""Undo commands: every edit of the project is one of these, pushed through `ProjectDocument.push`.

Each `EditCommand` does its work in `apply()` and reverses it in `revert()`. `ProjectDocument.push` runs `apply()`
itself before handing the command to the QUndoStack, so a refused edit raises a `WorkbenchError` to the caller and
never reaches the stack. Commands name nodes by id and remember edge positions, so undo restores the exact graph
(edge order matters for Concat).
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtGui import QUndoCommand

from workbench.core.errors import CycleError
from workbench.core.graph.block_edits import BlockPlan
from workbench.core.graph.layout import layered_layout
from workbench.core.graph.model import Edge, Expansion, Graph, Node


class EditCommand(QUndoCommand):
    """A command whose first `redo()` was already performed by `ProjectDocument.push`."""

    changes_architecture = True  # refused while a job needs the graph to stay as it is (see busy_reason)

    def __init__(self, text: str):
        super().__init__(text)
        self._applied_by_push = False

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self._applied_by_push:
            self._applied_by_push = False
            return
        self.apply()

    def undo(self) -> None:
        self.revert()


class MacroCommand(EditCommand):
    """Several commands as one edit; if one fails, those already done are reverted and the error is raised."""

    def __init__(self, text: str, children: list[EditCommand]):
        super().__init__(text)
        self.children = list(children)
        self.changes_architecture = any(c.changes_architecture for c in self.children)

    def apply(self) -> None:
        done: list[EditCommand] = []
        try:
            for child in self.children:
                child.apply()
                done.append(child)
        except Exception:
            for child in reversed(done):
                child.revert()
            raise

    def revert(self) -> None:
        for child in reversed(self.children):
            child.revert()


def replace_graph(target: Graph, source: Graph) -> None:
    """Makes `target` hold `source`'s layers, wires and positions (layers without a position are laid out); for
    commands that change the whole network at once ("Use this network", "New head for this dataset")."""
    for node_id in list(target.nodes):
        target.remove_node(node_id)
    layout = layered_layout(source) if any(nid not in source.positions for nid in source.nodes) else {}
    for node in source.nodes.values():
        target.insert_node(node, source.positions.get(node.id, layout.get(node.id)))
    for edge in source.edges:
        target.add_edge(edge)


def restore_edge(graph: Graph, edge: Edge, index: int) -> None:
    """Puts a removed edge back at `index`; a wire that closed a loop in a loaded file comes back as it was."""
    try:
        graph.add_edge(edge, index)
    except CycleError:
        graph.edges.insert(index, edge)
        graph.edge_added.emit(edge)
        graph.changed.emit()


def restore_node_order(graph: Graph, order: list[str]) -> None:
    """Puts the nodes back in their former order, so an undone deletion saves the same file as before."""
    nodes = graph.nodes
    ordered = {nid: nodes[nid] for nid in order if nid in nodes}
    ordered.update(nodes)
    nodes.clear()
    nodes.update(ordered)


class AddNodeCommand(EditCommand):
    def __init__(self, graph: Graph, type_name: str, node_id: str, name: str, params: dict | None = None,
                 position: tuple[float, float] | None = None):
        super().__init__(f"Add {name}")
        self.graph, self.type_name, self.node_id, self.name = graph, type_name, node_id, name
        self.params = dict(params or {})
        self.position = position

    def apply(self) -> None:
        self.graph.add_node(self.type_name, self.params, self.name, self.node_id, self.position)

    def revert(self) -> None:
        self.graph.remove_node(self.node_id)


class AddNodesCommand(EditCommand):
    """Adds several nodes, each (type, settings, name, id, position), checked together (`Graph.add_nodes`: one pass
    over the graph for them all); undo removes them."""

    def __init__(self, graph: Graph, nodes: list[tuple[str, dict | None, str, str, tuple[float, float] | None]]):
        super().__init__(f"Add {len(nodes)} layers")
        self.graph = graph
        self.nodes = [(type_name, dict(params or {}), name, node_id, position)
                      for type_name, params, name, node_id, position in nodes]

    def apply(self) -> None:
        self.graph.add_nodes(self.nodes)

    def revert(self) -> None:
        self.graph.remove_nodes([node_id for _, _, _, node_id, _ in self.nodes])


class AddEdgesCommand(EditCommand):
    """Adds several wires at the end of the edge list, checked together (`Graph.add_edges`); undo removes them."""

    def __init__(self, graph: Graph, edges: list[Edge]):
        super().__init__("Connect layers")
        self.graph, self.edges = graph, list(edges)

    def apply(self) -> None:
        self.graph.add_edges(self.edges)

    def revert(self) -> None:
        self.graph.remove_edges(self.edges)


class AddEdgeCommand(EditCommand):
    def __init__(self, graph: Graph, edge: Edge, index: int | None = None):
        super().__init__("Connect layers")
        self.graph, self.edge, self.index = graph, edge, index  # index: where in the edge list (None: the end)

    def apply(self) -> None:
        self.graph.add_edge(self.edge, self.index)

    def revert(self) -> None:
        self.graph.remove_edge(self.edge)


class AddBlockCommand(EditCommand):
    """Adds a block definition to the network (the first instance of a block from the palette, or Make block)."""

    def __init__(self, graph: Graph, name: str, definition: Graph):
        super().__init__(f"Add block {name}")
        self.graph, self.name, self.definition = graph, name, definition

    def apply(self) -> None:
        self.graph.add_block(self.name, self.definition)

    def revert(self) -> None:
        self.graph.remove_block(self.name)


class SetExpansionCommand(EditCommand):
    """Records which layers Expand made of an instance, or forgets that (Collapse); undo puts the old record back."""

    def __init__(self, graph: Graph, instance_id: str, expansion: Expansion | None):
        super().__init__("Expand" if expansion is not None else "Collapse")
        self.graph, self.instance_id, self.expansion = graph, instance_id, expansion
        self._previous: Expansion | None = None

    def apply(self) -> None:
        self._previous = self.graph.set_expansion(self.instance_id, self.expansion)

    def revert(self) -> None:
        self.graph.set_expansion(self.instance_id, self._previous)


def plan_command(graph: Graph, plan: BlockPlan, text: str) -> MacroCommand:
    """A block edit worked out by workbench/core/graph/block_edits.py, as one undoable step of ordinary edits."""
    children: list[EditCommand] = []
    if plan.removed:
        children.append(DeleteCommand(graph, plan.removed))
    if plan.block_name is not None:
        children.append(AddBlockCommand(graph, plan.block_name, plan.definition))
    children.extend(AddNodeCommand(graph, n.type, n.node_id, n.name, n.params, n.position) for n in plan.nodes)
    children.extend(AddEdgeCommand(graph, edge, index) for index, edge in plan.wires)
    if plan.expansion is not None:
        children.append(SetExpansionCommand(graph, *plan.expansion))
    return MacroCommand(text, children)


class DeleteCommand(EditCommand):
    """Removes nodes (with every wire touching them) and further wires; undo puts all back in place."""

    def __init__(self, graph: Graph, node_ids: list[str], edges: list[Edge] = ()):
        count = len(node_ids)
        text = (f"Delete {count} layer{'s' if count != 1 else ''}" if count else
                f"Delete {len(edges)} connection{'s' if len(edges) != 1 else ''}")
        super().__init__(text)
        self.graph = graph
        self.node_ids = list(node_ids)
        self.edges = list(edges)
        self._removed_edges: list[tuple[int, Edge]] = []
        self._removed_nodes: list[tuple[Node, tuple[float, float] | None]] = []
        self._node_order: list[str] = []

    def apply(self) -> None:
        ids = set(self.node_ids)
        self._node_order = list(self.graph.nodes)
        explicit = set(self.edges)
        self._removed_edges = [(i, e) for i, e in enumerate(self.graph.edges)
                               if e in explicit or e.src in ids or e.dst in ids]
        for _, edge in reversed(self._removed_edges):
            self.graph.remove_edge(edge)
        self._removed_nodes = []
        for node_id in self.node_ids:
            node, _, position = self.graph.remove_node(node_id)
            self._removed_nodes.append((node, position))

    def revert(self) -> None:
        for node, position in reversed(self._removed_nodes):
            self.graph.insert_node(node, position)
        restore_node_order(self.graph, self._node_order)
        for index, edge in self._removed_edges:
            restore_edge(self.graph, edge, index)


class SetParamsCommand(EditCommand):
    """Changes settings of one node; consecutive changes of the same settings merge into one undo step."""

    MERGE_ID = 4001

    def __init__(self, graph: Graph, node_id: str, changes: dict, text: str | None = None):
        node = graph.node(node_id)
        super().__init__(text or f"Change {', '.join(node.spec.setting(k).label for k in changes)} of {node.name}")
        self.graph, self.node_id, self.changes = graph, node_id, dict(changes)
        self.previous: dict | None = None

    def apply(self) -> None:
        previous = self.graph.set_params(self.node_id, self.changes)
        if self.previous is None:
            self.previous = previous

    def revert(self) -> None:
        self.graph.set_params(self.node_id, self.previous)

    def id(self) -> int:
        return self.MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetParamsCommand) or other.node_id != self.node_id \
                or set(other.changes) != set(self.changes):
            return False
        self.changes = dict(other.changes)
        if self.changes == self.previous:
            self.setObsolete(True)
        return True


class RenameCommand(EditCommand):
    def __init__(self, graph: Graph, node_id: str, name: str):
        super().__init__(f"Rename {graph.node(node_id).name} to {name.strip()}")
        self.graph, self.node_id, self.name = graph, node_id, name
        self.old_name: str | None = None

    def apply(self) -> None:
        self.old_name = self.graph.rename(self.node_id, self.name)

    def revert(self) -> None:
        self.graph.rename(self.node_id, self.old_name)


class RenameBlockCommand(EditCommand):
    """Renames a block definition, and so every instance of it."""

    def __init__(self, graph: Graph, old: str, new: str):
        super().__init__(f"Rename block {old} to {new.strip()}")
        self.graph, self.old, self.new = graph, old, new.strip()

    def apply(self) -> None:
        self.graph.rename_block(self.old, self.new)

    def revert(self) -> None:
        self.graph.rename_block(self.new, self.old)


Position = tuple[float, float]


class MoveNodesCommand(EditCommand):
    """Moves nodes on the canvas: `moves` maps node id to (old position, new position)."""

    changes_architecture = False

    def __init__(self, graph: Graph, moves: dict[str, tuple[Position, Position]], text: str | None = None):
        count = len(moves)
        super().__init__(text or f"Move {count} layer{'s' if count != 1 else ''}")
        self.graph, self.moves = graph, dict(moves)

    def apply(self) -> None:
        for node_id, (_, new) in self.moves.items():
            self.graph.move(node_id, *new)

    def revert(self) -> None:
        for node_id, (old, _) in self.moves.items():
            self.graph.move(node_id, *old)


class SetValueCommand(EditCommand):
    """Sets one non-graph value of the project (e.g. the dataset) through a setter that announces the change."""

    def __init__(self, text: str, setter: Callable[[object], None], old, new):
        super().__init__(text)
        self.setter, self.old, self.new = setter, old, new

    def apply(self) -> None:
        self.setter(self.new)

    def revert(self) -> None:
        self.setter(self.old)


class SetTrainingCommand(SetValueCommand):
    """Changes the training settings; consecutive changes of the same settings merge into one undo step (the arrows
    of a spin box pressed five times are undone at once)."""

    MERGE_ID = 4002
    changes_architecture = False

    def __init__(self, setter: Callable[[object], None], old, new):
        self.fields = frozenset(name for name in old.to_dict() if getattr(old, name) != getattr(new, name))
        labels = ", ".join(sorted(name.replace("_", " ") for name in self.fields)) or "training settings"
        super().__init__(f"Change {labels}", setter, old, new)

    def id(self) -> int:
        return self.MERGE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetTrainingCommand) or other.fields != self.fields:
            return False
        self.new = other.new
        if self.new == self.old:
            self.setObsolete(True)
        return True


class DeleteRunCommand(EditCommand):
    """Takes a run out of the project: its record, and any weights of it still held in memory; undo puts both back
    where they were. Its files stay on disk (`ProjectDocument.delete_run` says when they go). `announce` is called
    after each change."""

    changes_architecture = False

    def __init__(self, project, run_id: str, announce: Callable[[], None]):
        self.project, self.announce = project, announce
        self.record = project.find_run(run_id)
        super().__init__(f"Delete {self.record.title}")
        self.index = next(i for i, r in enumerate(project.runs) if r.id == run_id)
        self.unsaved = {p: w for p, w in project.unsaved_weights.items() if p in self.record.files.paths()}

    def apply(self) -> None:
        self.project.remove_run(self.record.id)
        self.announce()

    def revert(self) -> None:
        self.project.runs.insert(self.index, self.record)
        self.project.unsaved_weights.update(self.unsaved)
        self.announce()
