"""The Design page: palette (left), canvas (centre) over the problems list, inspector (right).

It builds the scene, the view and the editor for the document and wires the panels to them. An output layer's
inspector offers "New head for this dataset" (see `new_head`): the page pushes it as one undo step and says what
changed on the canvas.
"""

from __future__ import annotations

from collections import Counter

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from workbench.core.blocks import SHIPPED_BLOCKS
from workbench.core.errors import WorkbenchError
from workbench.gui.canvas.scene import GraphScene
from workbench.gui.canvas.view import GraphView
from workbench.gui.document.block_actions import add_block_at
from workbench.gui.document.editor import GraphEditor
from workbench.gui.pages.design.breadcrumb import Breadcrumb
from workbench.gui.pages.design.inspector import InspectorPanel
from workbench.gui.pages.design.my_blocks import load_my_blocks, rename_my_block, save_my_block
from workbench.gui.pages.design.new_head import NewHeadCommand
from workbench.gui.pages.design.palette import PalettePanel
from workbench.gui.pages.design.problems import ProblemsPanel

PROBLEMS_HEIGHT = 130


class DesignPage(QWidget):
    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.scene = GraphScene(document, self)
        self.view = GraphView(self.scene, self)
        self.editor = GraphEditor(document, self.scene, self)
        self.editor.view = self.view
        self.palette = PalettePanel(self)
        self.inspector = InspectorPanel(document, self.editor, self)
        self.problems = ProblemsPanel(self)
        self.fit_pending = False
        self.shown_once = False
        self._showing_problems = True

        self.breadcrumb = Breadcrumb(self)
        canvas = QWidget(self)
        canvas_layout = QVBoxLayout(canvas)
        canvas_layout.setContentsMargins(0, 0, 0, 0)
        canvas_layout.setSpacing(0)
        canvas_layout.addWidget(self.breadcrumb)
        canvas_layout.addWidget(self.view)
        self.centre = centre = QSplitter(Qt.Orientation.Vertical, self)
        centre.addWidget(canvas)
        centre.addWidget(self.problems)
        centre.setStretchFactor(0, 1)
        centre.setSizes([700, 110])
        centre.setCollapsible(0, False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(self.palette)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([210, 900, 290])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)

        self.palette.layer_activated.connect(self.editor.add_after_selection)
        self.view.layer_dropped.connect(self.editor.add_node_at)
        self.view.block_dropped.connect(self.add_block_at)
        self.editor.save_block_requested.connect(self.save_block)
        self.palette.my_block_renamed.connect(self.rename_my_block)
        self.breadcrumb.level_chosen.connect(self.editor.leave_block)
        document.shown_changed.connect(self._shown_changed)
        self.palette.block_activated.connect(lambda name: self.add_block_at(name, self.view.visible_centre()))
        self.editor.message.connect(self.view.show_message)
        self.problems.problem_clicked.connect(self.editor.select_and_centre)
        self.scene.node_double_clicked.connect(self._double_clicked)
        self.editor.rename_requested.connect(self._edit_node)
        self.editor.rename_block_requested.connect(self._edit_block_name)
        document.graph_changed.connect(self._show_where)  # e.g. a block renamed: the breadcrumb says so
        self.view.context_menu_requested.connect(self.editor.show_context_menu)
        self.inspector.new_head_requested.connect(self.new_head)
        self.problems.elsewhere_clicked.connect(self.editor.leave_block)
        document.validated.connect(self._show_problems)
        document.project_replaced.connect(self._project_replaced)
        self._show_problems(document.result)

    def new_head(self) -> bool:
        """"New head for this dataset" on the project and its loaded data, as one undo step; says what changed (or
        why nothing did) on the canvas."""
        document = self.document
        dataset = document.dataset
        if dataset is None:
            self.view.show_message("Choose the data on the Data page first (and wait until it is loaded): the new "
                                   "output layer is fitted to it.")
            return False
        command = NewHeadCommand(document.project, dataset, on_settings=self._training_replaced)
        try:
            document.push(command)
        except WorkbenchError as err:
            self.view.show_message(str(err))
            return False
        self.scene.select_nodes([document.project.graph.head_nodes()[0].id])
        self.view.show_message(" ".join(command.notes) + " Undo (Ctrl+Z) takes it back.")
        return True

    def _training_replaced(self) -> None:
        """The new head's training settings (or, on undo, the earlier ones): the Train page's form follows."""
        self.document.training_changed.emit(self.document.project.training)

    def add_block_at(self, name: str, scene_pos) -> str | None:
        """Adds an instance of the palette's block `name` (the user's, else the shipped one) at `scene_pos`."""
        definitions = load_my_blocks().get(name)
        if definitions is None and name in SHIPPED_BLOCKS:
            definitions = {name: SHIPPED_BLOCKS[name].build()}
        if definitions is None:
            return None
        return add_block_at(self.editor, name, definitions, scene_pos)

    def save_block(self, name: str) -> None:
        """Keeps the project's block `name` among My blocks, for other projects."""
        try:
            save_my_block(self.editor.graph, name)
        except OSError as exc:
            self.view.show_message(f"The block could not be saved in your data folder ({exc.strerror}).")
            return
        self.palette.fill_blocks()
        self.view.show_message(f"'{name}' is now in My blocks.")

    def _show_problems(self, result) -> None:
        """The problems of what the canvas shows: the network's, or inside a block its own and a count of the
        others."""
        document = self.document
        if not document.shown_path:
            self.problems.show_result(result)
        else:
            shown = document.shown_result(result)
            inside = Counter((p.severity, p.message) for p in shown.problems)  # mapping keeps each message
            elsewhere = []
            for problem in result.problems:
                key = (problem.severity, problem.message)
                if inside[key]:
                    inside[key] -= 1
                else:
                    elsewhere.append(problem)
            self.problems.show_result(shown, tuple(elsewhere), document.shown_graph.block_name)
        self._size_problems(bool(result.problems))

    def rename_my_block(self, old: str, new: str) -> bool:
        """Renames one of My blocks (its file in the data folder); says so, or why not, on the canvas."""
        try:
            new = rename_my_block(old, new)
        except WorkbenchError as exc:
            self.view.show_message(f"Not renamed: {exc}")
            new = None
        except OSError as exc:
            self.view.show_message(f"The block could not be renamed in your data folder ({exc.strerror}).")
            new = None
        QTimer.singleShot(0, self.palette.fill_blocks)  # not while the list's editor is closing
        if new is not None and new != old:
            self.view.show_message(f"'{old}' is now called '{new}' in My blocks.")
        return new is not None

    def _size_problems(self, has_problems: bool) -> None:
        """The problems list takes room only while there are problems; the canvas gets the rest."""
        if has_problems == self._showing_problems:
            return
        self._showing_problems = has_problems
        total = sum(self.centre.sizes())
        header = self.problems.title.sizeHint().height() + 10
        wanted = min(PROBLEMS_HEIGHT, total // 3) if has_problems else header
        self.centre.setSizes([total - wanted, wanted])

    def _project_replaced(self) -> None:
        self.schedule_fit()

    def schedule_fit(self) -> None:
        """Fits the new graph to the view once the window has its final size (after pending events)."""
        if not self.fit_pending:
            self.fit_pending = True
            QTimer.singleShot(0, self._fit)

    def _fit(self) -> None:
        self.fit_pending = False
        self.editor.arrange_for_view()
        self.view.fit_to_graph()

    def _double_clicked(self, node_id: str) -> None:
        """A block opens to be edited inside; any other layer gets its name field focused."""
        if not self.editor.open_block(node_id):
            self._edit_node(node_id)

    def _edit_node(self, node_id: str) -> None:
        self.scene.select_nodes([node_id])
        self.inspector.focus_name()

    def _edit_block_name(self, node_id: str) -> None:
        self.scene.select_nodes([node_id])
        self.inspector.focus_block_name()

    def _show_where(self) -> None:
        """The breadcrumb names where the canvas is (each block instance and its block), and the palette offers a
        block's ports while the canvas is inside one."""
        self.palette.show_block_ports(bool(self.document.shown_path))
        graph, labels = self.document.project.graph, []
        for node_id in self.document.shown_path:
            node = graph.nodes.get(node_id)
            if node is None or node.definition is None:  # an undo took the block away: the canvas goes back out
                return
            labels.append(f"{node.name} ({node.params['block']})")
            graph = node.definition
        if labels != self.breadcrumb.labels:
            self.breadcrumb.show_path(labels)

    def _shown_changed(self) -> None:
        """Into a block or back out: the breadcrumb names where the canvas is, and the graph fills the view."""
        self._show_where()
        self._show_problems(self.document.result)
        self.inspector.show_selection([])
        QTimer.singleShot(0, self.view.fit_to_graph)

    def showEvent(self, event):
        super().showEvent(event)
        if not self.shown_once:
            self.shown_once = True
            self.schedule_fit()
