"""The graph editor: turns what the user does on the canvas and in the panels into undo commands.

The scene reports intent (a wire dropped on a port, a wire dropped on empty canvas, a selection) and the panels call
the methods below; only this class builds commands and pushes them through the document. A refused edit changes
nothing and its reason is emitted as `message`, for the canvas banner and the status line.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QObject, QPointF, Signal
from PySide6.QtGui import QCursor, QGuiApplication
from PySide6.QtWidgets import QMenu

from workbench.core.errors import GraphEditError, WorkbenchError
from workbench.core.graph.block_edits import expanded_group, used_first
from workbench.core.graph.layout import COLUMN_SPACING, ROW_SPACING, layered_layout, rows_to_fit
from workbench.core.graph.model import Edge, FreeLabels, Graph
from workbench.core.graph.validate import Fix
from workbench.core.layers import CATALOG, CATEGORIES, LayerSpec
from workbench.gui.canvas.node_item import NODE_HEIGHT, NODE_WIDTH
from workbench.gui.canvas.view import FIT_MARGIN_X, FIT_MARGIN_Y, FIT_MAX_ZOOM, FIT_MIN_ZOOM
from workbench.gui.document import block_actions
from workbench.gui.document.clipboard import graph_from_text, selection_to_text
from workbench.gui.document.commands import (AddBlockCommand, AddEdgeCommand, AddEdgesCommand, AddNodeCommand,
                                             AddNodesCommand, DeleteCommand, EditCommand, MacroCommand,
                                             MoveNodesCommand, RenameBlockCommand, RenameCommand, SetParamsCommand)

PASTE_OFFSET = 40.0


def id_stem(spec: LayerSpec) -> str:
    return spec.name_prefix or spec.type_name.lower()


class GraphEditor(QObject):
    message = Signal(str)  # why an edit was refused, or what it did that the canvas cannot show, in plain words
    rename_requested = Signal(str)  # node id whose name the user wants to edit
    rename_block_requested = Signal(str)  # id of the Block node whose block (definition) the user wants to rename
    selection_changed = Signal(list)  # selected node ids
    save_block_requested = Signal(str)  # block name the user wants among My blocks

    def __init__(self, document, scene, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.scene = scene
        self.view = None  # set by the view that shows the scene; used to centre and to place new layers
        self.fitting_menu: QMenu | None = None  # the menu offered when a wire is dropped on empty canvas
        self.context_menu: QMenu | None = None  # the canvas's right-click menu, while shown
        self._paste_count = 0
        self.last_message = ""
        scene.connection_requested.connect(self.connect_ports)
        scene.wire_dropped_on_empty.connect(self.offer_layers_at)
        scene.nodes_moved.connect(self.commit_moves)
        scene.fix_requested.connect(self.apply_fix)
        scene.selectionChanged.connect(self._emit_selection)

    @property
    def graph(self) -> Graph:
        """The graph being edited: the network, or the block definition the canvas is inside of."""
        return self.document.shown_graph

    def refuse(self, text: str) -> None:
        """Reports why an edit was not made."""
        self.last_message = text
        self.message.emit(text)

    def tell(self, text: str) -> None:
        """Says what an edit did that the canvas alone does not show."""
        self.message.emit(text)

    # --- pushing ----------------------------------------------------------------------------------------------------

    def push(self, command: EditCommand) -> bool:
        """Pushes `command`; a refusal is reported through `message` and leaves the project unchanged."""
        try:
            self.document.push(command)
        except WorkbenchError as exc:
            self.refuse(str(exc))
            return False
        return True

    # --- adding layers ---------------------------------------------------------------------------------------------

    def new_node_command(self, type_name: str, position: tuple[float, float], params: dict | None = None,
                         name: str | None = None) -> AddNodeCommand:
        node_id, name = self._new_labels(type_name, name, FreeLabels(self.graph.nodes),
                                         FreeLabels(n.name for n in self.graph.nodes.values()))
        return AddNodeCommand(self.graph, type_name, node_id, name, params, position)

    @staticmethod
    def _new_labels(type_name: str, name: str | None, ids: FreeLabels, names: FreeLabels) -> tuple[str, str]:
        """A free id for a new layer of `type_name` and its name: `name` where it is free, else a free one."""
        stem = id_stem(CATALOG[type_name])
        return ids.take(stem), name if name is not None and names.keep(name) else names.take(stem)

    def add_node_at(self, type_name: str, scene_pos: QPointF) -> str | None:
        """Adds a layer centred on `scene_pos` (a palette drop); returns its id."""
        position = (scene_pos.x() - NODE_WIDTH / 2, scene_pos.y() - NODE_HEIGHT / 2)
        command = self.new_node_command(type_name, position)
        if not self.push(command):
            return None
        self.scene.select_nodes([command.node_id])
        return command.node_id

    def add_after_selection(self, type_name: str) -> str | None:
        """Adds a layer right of the selected one and wires it in (a palette double-click); selects the new one."""
        selected = self.scene.selected_node_ids()
        source = self.graph.nodes.get(selected[0]) if len(selected) == 1 else None
        if source is not None and source.id in self.graph.positions:
            x, y = self.graph.positions[source.id]
            position = self.free_position(x + COLUMN_SPACING, y)
        else:
            position = self.free_position(*self._spot_for_new_node())
        command = self.new_node_command(type_name, position)
        children: list[EditCommand] = [command]
        spec = CATALOG[type_name]
        if source is not None and source.spec.outputs and spec.inputs:
            edge = Edge(source.id, command.node_id, source.spec.outputs[0].name, spec.inputs[0].name)
            children.append(AddEdgeCommand(self.graph, edge))
        if not self.push(MacroCommand(command.text(), children)):
            return None
        self.scene.select_nodes([command.node_id])
        if self.view is not None:
            self.view.ensure_node_visible(command.node_id)
        return command.node_id

    def _spot_for_new_node(self) -> tuple[float, float]:
        if self.view is not None:
            centre = self.view.visible_centre()
            return centre.x() - NODE_WIDTH / 2, centre.y() - NODE_HEIGHT / 2
        return 0.0, 0.0

    def free_position(self, x: float, y: float) -> tuple[float, float]:
        """(x, y), or the first spot below it where no node sits."""
        taken = list(self.graph.positions.values())
        while any(abs(px - x) < NODE_WIDTH * 0.8 and abs(py - y) < NODE_HEIGHT for px, py in taken):
            y += ROW_SPACING
        return x, y

    def fitting_layers(self, node_id: str, from_output: bool = True) -> list[str]:
        """Layer types that can take the output of `node_id` (or, backwards, feed a layer's input)."""
        if not from_output:  # what a layer will accept is only known once it has an input: offer every source
            return [s.type_name for s in CATALOG.values() if s.outputs and s.addable]
        specs = [s for s in CATALOG.values() if s.inputs and s.addable]
        info = self.document.shown_result().outputs.get(node_id)
        if info is None:
            return [s.type_name for s in specs]
        fitting = []
        for spec in specs:
            try:
                spec.shape_rule(spec.defaults(), [info])
            except Exception:  # any refusal of the rule means the layer does not fit here
                continue
            fitting.append(spec.type_name)
        return fitting

    def offer_layers_at(self, node_id: str, port: str, from_output: bool, scene_pos: QPointF) -> None:
        """A wire dropped on empty canvas: a menu of the layers that fit, which adds the chosen one there, wired."""
        menu = QMenu(self.view)
        types = self.fitting_layers(node_id, from_output)
        by_category = {c: [t for t in types if CATALOG[t].category == c] for c in CATEGORIES}
        for category, members in by_category.items():
            if not members:
                continue
            menu.addSection(category)
            for type_name in members:
                action = menu.addAction(CATALOG[type_name].display_name)
                action.setToolTip(CATALOG[type_name].description)
                action.triggered.connect(lambda _=False, t=type_name: self.add_wired(t, node_id, port, from_output,
                                                                                     scene_pos))
        menu.setToolTipsVisible(True)
        self.fitting_menu = menu
        if self.view is not None:
            screen_pos = self.view.viewport().mapToGlobal(self.view.mapFromScene(scene_pos))
        else:
            screen_pos = QCursor.pos()
        menu.popup(screen_pos)

    def add_wired(self, type_name: str, node_id: str, port: str, from_output: bool, scene_pos: QPointF) -> str | None:
        """Adds a layer at `scene_pos` joined to `node_id`'s `port` (after it, or before it when backwards)."""
        spec = CATALOG[type_name]
        x = scene_pos.x() if from_output else scene_pos.x() - NODE_WIDTH
        command = self.new_node_command(type_name, (x, scene_pos.y() - NODE_HEIGHT / 2))
        if from_output:
            edge = Edge(node_id, command.node_id, port, spec.inputs[0].name)
        else:
            edge = Edge(command.node_id, node_id, spec.outputs[0].name, port)
        if not self.push(MacroCommand(command.text(), [command, AddEdgeCommand(self.graph, edge)])):
            return None
        self.scene.select_nodes([command.node_id])
        return command.node_id

    # --- wires ------------------------------------------------------------------------------------------------------

    def connect_ports(self, src: str, src_port: str, dst: str, dst_port: str) -> bool:
        edge = Edge(src, dst, src_port, dst_port)
        try:
            self.graph.check_edge(edge)
        except GraphEditError as exc:
            self.refuse(str(exc))
            return False
        return self.push(AddEdgeCommand(self.graph, edge))

    def apply_fix(self, fix: Fix) -> str | None:
        """Applies a problem's mechanical repair as one undoable edit: the new layer goes on the wire, placed below
        the middle of it; returns the new layer's id."""
        wire = fix.wire
        if wire not in self.graph.edges:
            self.refuse("That repair no longer fits the network; the problems list shows what is wrong now.")
            return None
        (sx, sy), (dx, dy) = self.graph.positions.get(wire.src, (0.0, 0.0)), self.graph.positions.get(wire.dst,
                                                                                                     (0.0, 0.0))
        spec = CATALOG[fix.layer_type]
        position = self.free_position((sx + dx) / 2, max(sy, dy) + ROW_SPACING)
        command = self.new_node_command(fix.layer_type, position, params=dict(fix.params))
        children: list[EditCommand] = [
            DeleteCommand(self.graph, [], [wire]), command,
            AddEdgeCommand(self.graph, Edge(wire.src, command.node_id, wire.src_port, spec.inputs[0].name)),
            AddEdgeCommand(self.graph, Edge(command.node_id, wire.dst, spec.outputs[0].name, wire.dst_port))]
        if not self.push(MacroCommand(fix.title, children)):
            return None
        self.scene.select_nodes([command.node_id])
        return command.node_id

    # --- selection edits --------------------------------------------------------------------------------------------

    def delete_selection(self) -> bool:
        nodes = self.scene.selected_node_ids()
        node_set = set(nodes)
        edges = [e for e in self.scene.selected_edges() if e.src not in node_set and e.dst not in node_set]
        if not nodes and not edges:
            return False
        return self.push(DeleteCommand(self.graph, nodes, edges))

    def copy_selection(self) -> bool:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            self.refuse("Select the layers to copy first.")
            return False
        QGuiApplication.clipboard().setText(selection_to_text(self.graph, nodes))
        self._paste_count = 0
        return True

    def cut_selection(self) -> bool:
        if not self.copy_selection():
            return False
        nodes = self.scene.selected_node_ids()
        command = DeleteCommand(self.graph, nodes)
        command.setText(f"Cut {len(nodes)} layer{'s' if len(nodes) != 1 else ''}")
        return self.push(command)

    def paste(self, at: QPointF | None = None) -> list[str]:
        """Pastes the copied layers beside the originals, or with their top-left corner at `at`."""
        part = graph_from_text(QGuiApplication.clipboard().text())
        if part is None or not part.nodes:
            self.refuse("The clipboard holds no layers to paste.")
            return []
        if at is not None:
            xs = [p[0] for p in part.positions.values()] or [0.0]
            ys = [p[1] for p in part.positions.values()] or [0.0]
            return self._insert_copy(part, (at.x() - min(xs), at.y() - min(ys)), "Paste")
        self._paste_count += 1
        offset = PASTE_OFFSET * self._paste_count
        return self._insert_copy(part, (offset, offset), "Paste")

    def duplicate_selection(self) -> list[str]:
        nodes = self.scene.selected_node_ids()
        if not nodes:
            self.refuse("Select the layers to duplicate first.")
            return []
        part = graph_from_text(selection_to_text(self.graph, nodes))
        return self._insert_copy(part, (PASTE_OFFSET, PASTE_OFFSET), "Duplicate")

    def _insert_copy(self, part: Graph, offset: tuple[float, float], verb: str) -> list[str]:
        """Adds the nodes and inner wires of `part`, shifted by `offset`, with fresh ids; selects them. Its ids and
        names, and the checks of the new layers and wires, take one pass over the graph, not one per layer."""
        new_ids: dict[str, str] = {}
        ids, names = FreeLabels(self.graph.nodes), FreeLabels(n.name for n in self.graph.nodes.values())
        children: list[EditCommand] = [AddBlockCommand(self.graph, name, part.blocks[name].detached_copy())
                                       for name in used_first(part.blocks)
                                       if name not in self.graph.blocks]  # a block from another project
        nodes = []
        for nid, node in part.nodes.items():
            x, y = part.positions.get(nid, (0.0, 0.0))
            new_ids[nid], name = self._new_labels(node.type, node.name, ids, names)
            nodes.append((node.type, node.params, name, new_ids[nid], (x + offset[0], y + offset[1])))
        children.append(AddNodesCommand(self.graph, nodes))
        children.append(AddEdgesCommand(self.graph, [Edge(new_ids[e.src], new_ids[e.dst], e.src_port, e.dst_port)
                                                      for e in part.edges]))
        count = len(part.nodes)
        if not self.push(MacroCommand(f"{verb} {count} layer{'s' if count != 1 else ''}", children)):
            return []
        self.scene.select_nodes(list(new_ids.values()))
        return list(new_ids.values())

    def open_block(self, node_id: str) -> bool:
        """Shows the inside of the Block node `node_id` of the graph being edited, to edit its definition."""
        node = self.graph.nodes.get(node_id)
        if node is None or node.definition is None:
            return False
        self.document.show_block((*self.document.shown_path, node_id))
        return True

    def leave_block(self, depth: int = 0) -> None:
        """Goes back out to the first `depth` levels of blocks (0: the network)."""
        self.document.show_block(self.document.shown_path[:depth])

    def make_block(self) -> str | None:
        """The selected layers become one block (Ctrl+B); returns the Block node's id."""
        return block_actions.make_block(self)

    def select_all(self) -> None:
        self.scene.select_nodes(list(self.graph.nodes))

    # --- single-node edits ------------------------------------------------------------------------------------------

    def rename(self, node_id: str, name: str) -> bool:
        if self.graph.node(node_id).name == name.strip():
            return True
        return self.push(RenameCommand(self.graph, node_id, name))

    def rename_block(self, old: str, new: str) -> bool:
        """Renames the block definition `old` (for every instance of it) as one undo step."""
        if old == new.strip():
            return True
        return self.push(RenameBlockCommand(self.graph, old, new))

    def set_params(self, node_id: str, changes: dict) -> bool:
        node = self.graph.node(node_id)
        if all(node.params.get(k) == v for k, v in changes.items()):
            return True
        return self.push(SetParamsCommand(self.graph, node_id, changes))

    # --- positions --------------------------------------------------------------------------------------------------

    def commit_moves(self) -> bool:
        """After a drag: one move command for every node whose item left its position in the model."""
        moves = {}
        for node_id, (x, y) in self.scene.item_positions().items():
            old = self.graph.positions.get(node_id)
            if old is None or abs(old[0] - x) > 0.01 or abs(old[1] - y) > 0.01:
                moves[node_id] = (old or (x, y), (x, y))
        if not moves:
            return False
        return self.push(MoveNodesCommand(self.graph, moves))

    def auto_layout(self) -> bool:
        """Arranges the graph left to right as one undoable move."""
        if not self.graph.nodes:
            return False
        xs = [p[0] for p in self.graph.positions.values()] or [0.0]
        ys = [p[1] for p in self.graph.positions.values()] or [0.0]
        target = layered_layout(self.graph, origin=(min(xs), sum(ys) / len(ys)))
        moves = {nid: (self.graph.positions.get(nid, pos), pos) for nid, pos in target.items()
                 if self.graph.positions.get(nid) != pos}
        if not moves:
            return False
        ok = self.push(MoveNodesCommand(self.graph, moves, "Arrange layers"))
        if ok and self.view is not None:
            self.view.fit_to_graph()
        return ok

    def arrange_for_view(self) -> bool:
        """On opening: a long network in the app's own layout is wrapped into rows that fit the view at a readable
        size. Like placing layers that have no position, this is part of opening, not an edit: it is not undone and
        leaves the project unmodified (only canvas positions change, which the project keeps apart)."""
        if self.view is None:
            return False
        viewport = self.view.viewport()
        positions = rows_to_fit(self.graph, viewport.width(), viewport.height(), (NODE_WIDTH, NODE_HEIGHT),
                                (FIT_MARGIN_X, FIT_MARGIN_Y), (FIT_MIN_ZOOM, FIT_MAX_ZOOM))
        if positions is None:
            return False
        for node_id, (x, y) in positions.items():
            self.graph.move(node_id, x, y)
        return True

    def select_and_centre(self, node_id: str) -> None:
        if node_id not in self.graph.nodes:
            return
        self.scene.select_nodes([node_id])
        if self.view is not None:
            self.view.centre_on_node(node_id)

    # --- right-click menu ---------------------------------------------------------------------------------------------

    def show_context_menu(self, scene_pos: QPointF, screen_pos) -> QMenu:
        """The canvas menu: actions on the layer or wire under the pointer, or adding and pasting on empty canvas."""
        menu = QMenu(self.view)
        node_id = self.scene.node_at(scene_pos)
        edge = self.scene.edge_at(scene_pos) if node_id is None else None
        if node_id is not None:
            if node_id not in self.scene.selected_node_ids():
                self.scene.select_nodes([node_id])
            count = len(self.scene.selected_node_ids())
            if count == 1:
                menu.addAction("Rename…", lambda: self.rename_requested.emit(node_id))
            menu.addAction("Duplicate", self.duplicate_selection)
            menu.addAction("Copy", self.copy_selection)
            menu.addAction("Cut", self.cut_selection)
            menu.addSeparator()
            menu.addAction("Make block", self.make_block).setShortcut("Ctrl+B")
            if expanded_group(self.graph, node_id) is not None:  # a layer that Expand made
                menu.addAction("Collapse into block", lambda: block_actions.collapse_block(self, node_id))
            if count == 1 and self.graph.nodes[node_id].definition is not None:
                menu.addAction("Open block", lambda: self.open_block(node_id))
                menu.addAction("Rename block…", lambda: self.rename_block_requested.emit(node_id))
                menu.addAction("Expand", lambda: block_actions.expand_block(self, node_id))
                menu.addAction("Make unique", lambda: block_actions.make_unique(self, node_id))
                block = self.graph.nodes[node_id].params["block"]
                menu.addAction("Save to My blocks", lambda: self.save_block_requested.emit(block))
            menu.addSeparator()
            menu.addAction(f"Delete {count} layer{'s' if count != 1 else ''}", self.delete_selection)
        elif edge is not None:
            menu.addAction("Delete connection", lambda: self.push(DeleteCommand(self.graph, [], [edge])))
        else:
            add = menu.addMenu("Add layer here")
            for category in CATEGORIES:
                specs = [spec for spec in CATALOG.values() if spec.category == category and spec.addable]
                if not specs:
                    continue
                sub = add.addMenu(category)
                for spec in specs:
                    sub.addAction(spec.display_name, lambda t=spec.type_name: self.add_node_at(t, scene_pos))
            if self.document.shown_path:  # inside a block: its ports
                menu.addAction("Add block input here", lambda: self.add_node_at("BlockInput", scene_pos))
                menu.addAction("Add block output here", lambda: self.add_node_at("BlockOutput", scene_pos))
            paste = menu.addAction("Paste here", lambda: self.paste(scene_pos))
            paste.setEnabled(graph_from_text(QGuiApplication.clipboard().text()) is not None)
            menu.addSeparator()
            menu.addAction("Select all", self.select_all)
            menu.addAction("Arrange left to right", self.auto_layout)
            if self.view is not None:
                menu.addAction("Fit to window", self.view.fit_to_graph)
        self.context_menu = menu
        menu.popup(screen_pos)
        return menu

    def _emit_selection(self) -> None:
        if not shiboken6.isValid(self.scene):  # the scene announces its items' removal while it is destroyed
            return
        self.selection_changed.emit(self.scene.selected_node_ids())
