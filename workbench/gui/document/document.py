"""The open project as the GUI sees it: the project, its undo stack, its latest validation and its unsaved state.

Every panel reads the project through `ProjectDocument` and changes it only through `push` (undoable commands) or
`mark_dirty` (records that are not undone, such as a finished run). After each change the graph is validated once
and `graph_changed` and `validated` are emitted, so views redraw from one `ValidationResult`. While the project's
data is loaded (`dataset`, kept by the Data page's `DatasetKeeper`), the result also says where the graph no longer
fits it.
"""

from __future__ import annotations

import contextlib
import copy
import uuid
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from workbench.core.data import DatasetSpec
from workbench.core.data_fit import dataset_problems, plan_fit
from workbench.core.errors import GraphEditError, WorkbenchError
from workbench.core.graph import ValidationResult, validate
from workbench.core.graph.validate import instance_result
from workbench.core.graph.layout import layered_layout
from workbench.core.graph.model import Edge
from workbench.core.layers import CATALOG
from workbench.core.project import Project, actions, open_template
from workbench.core.project.run_record import RunRecord
from workbench.core.project.runs import RunDeleteError
from workbench.gui.document.commands import (AddEdgeCommand, AddNodeCommand, DeleteCommand, DeleteRunCommand,
                                             EditCommand, MacroCommand, SetParamsCommand, SetTrainingCommand,
                                             SetValueCommand)
from workbench.gui.user_paths import data_dir


class ProjectDocument(QObject):
    project_replaced = Signal()
    graph_changed = Signal()
    validated = Signal(object)
    dirty_changed = Signal(bool)
    changed = Signal()  # an edit, undo or redo, or a record that is not undone (what a crash would lose)
    dataset_changed = Signal()  # project.dataset was set or undone, or its loaded data arrived (see `dataset`)
    training_changed = Signal(object)  # TrainingSettings: project.training was set, undone or redone
    busy_changed = Signal(object)  # str | None
    path_changed = Signal()
    records_changed = Signal()  # the project's runs, variants or settings changed (a run finished, one was deleted)
    shown_changed = Signal()  # the canvas went into a block or back out (see `shown_path`)

    def __init__(self, project: Project | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._emit_dirty)
        self.undo_stack.indexChanged.connect(self._refresh_if_stale)
        self.undo_stack.indexChanged.connect(self.changed)
        self.project = Project()
        self.result = ValidationResult()
        self.workspace_key = uuid.uuid4().hex[:12]
        self._busy_reason: str | None = None
        self._unsaved_records = False
        self._stale = False
        self._was_dirty = False
        self._loaded_dataset: tuple[DatasetSpec, object] | None = None
        self._deleted_runs: list[tuple[RunRecord, Path, Path | None]] = []  # (record, its folder, the project file)
        self._saved_run_ids: set[str] = set()  # the runs in the project's file as last opened or saved
        self.shown_path: tuple[str, ...] = ()  # the Block nodes the canvas is inside of, outermost first
        self._attach(self.project)
        self.replace_project(project or Project())

    # --- the project as a whole -----------------------------------------------------------------------------------

    def replace_project(self, project: Project, dirty: bool = False, workspace_key: str | None = None) -> None:
        """Shows `project` instead of the current one (New, Open, restore); clears undo history and removes the files
        of the runs deleted from the one closed (see `delete_run`)."""
        self.remove_deleted_run_files()
        self._detach(self.project)
        place_unpositioned_nodes(project.graph)
        self.project = project
        self.shown_path = ()
        self.workspace_key = workspace_key or uuid.uuid4().hex[:12]
        self._attach(project)
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._unsaved_records = dirty
        self._saved_run_ids = {r.id for r in project.runs} if project.path is not None else set()
        self.result = self._validate()
        self._stale = False
        self.project_replaced.emit()
        self.path_changed.emit()
        self.graph_changed.emit()
        self.validated.emit(self.result)
        self._emit_dirty()

    def new_project(self, template: str | None = None) -> None:
        self.replace_project(open_template(template) if template else Project())

    def save(self, path: str | Path | None = None, overwrite: bool = False) -> Path:
        """Saves atomically (to `path` for Save As); files the runs refer to follow the project to a new folder. A
        file changed on disk since it was opened raises `ChangedOnDiskError` unless `overwrite`."""
        target = actions.save_project(self.project, path, base_dir=self.workspace_dir(), overwrite=overwrite)
        self.undo_stack.setClean()
        self._unsaved_records = False
        self._saved_run_ids = {r.id for r in self.project.runs}
        self._emit_dirty()
        self.path_changed.emit()
        return target

    @property
    def is_dirty(self) -> bool:
        return self._unsaved_records or not self.undo_stack.isClean()

    def mark_dirty(self) -> None:
        self._unsaved_records = True
        self._emit_dirty()
        self.changed.emit()
        self.records_changed.emit()

    def workspace_dir(self) -> Path:
        """The project's folder once saved; before that a folder of its own in the user's data directory."""
        if self.project.path is not None:
            return self.project.path.parent
        folder = data_dir() / "unsaved" / self.workspace_key
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @property
    def busy_reason(self) -> str | None:
        return self._busy_reason

    @busy_reason.setter
    def busy_reason(self, reason: str | None) -> None:
        self._busy_reason = reason
        self.busy_changed.emit(reason)

    # --- edits ----------------------------------------------------------------------------------------------------

    def push(self, command: QUndoCommand) -> None:
        """Performs `command` and puts it on the undo stack; a refused graph edit raises and changes nothing."""
        if isinstance(command, EditCommand):
            if self._busy_reason and command.changes_architecture:
                raise WorkbenchError(f"{self._busy_reason}: the network cannot be changed until it finishes.")
            command.apply()
            command._applied_by_push = True
        self.undo_stack.push(command)
        self._refresh_if_stale()

    def delete_run(self, run_id: str) -> RunRecord:
        """Takes the run out of the project as one undoable edit (Edit > Undo brings it back, curves and weights).
        Its files stay on disk while the project is open, since its file may still name the run; they are removed
        when the project is closed (`remove_deleted_run_files`) if it was last saved without the run."""
        command = DeleteRunCommand(self.project, run_id, self.records_changed.emit)
        self._deleted_runs.append((command.record, self.workspace_dir(), self.project.path))
        self.push(command)
        return command.record

    def remove_deleted_run_files(self) -> None:
        """Removes the files of the runs deleted from the open project that no project file names: the project as
        last saved does not have the run, or was never saved (its files were in its own workspace). Called when
        the project is closed. A file that cannot be removed is left where it is: nothing names it."""
        for record, folder, path in self._deleted_runs:
            if path is None or (path == self.project.path and record.id not in self._saved_run_ids):
                with contextlib.suppress(RunDeleteError):
                    actions.delete_run_files(record, folder)
        self._deleted_runs = []

    def set_dataset(self, spec: DatasetSpec, input_shape: tuple, input_dtype: str, task: str, output_size: int,
                    label: str = "Choose dataset", vocab_size: int | None = None) -> None:
        """One undoable step: the dataset, and the graph fitted to it as `plan_fit` says (every Input's shape and
        values, each output head for the task, an Embedding's vocabulary), and the early-stopping monitor back to
        the validation loss where the new task does not measure the one chosen (accuracy on a regression...)."""
        graph = self.project.graph
        if task not in ("classification", "regression", "multilabel"):
            raise WorkbenchError(f"Workbench cannot train for the task {task!r}: choose classification, regression "
                                 "or multi-label.")
        if task == "classification" and int(output_size) < 2:
            raise WorkbenchError(f"A classifier needs at least two classes; this data has {int(output_size)}.")
        fit = plan_fit(graph, tuple(int(d) for d in input_shape), input_dtype, task, int(output_size), vocab_size)
        children: list[EditCommand] = [SetValueCommand(label, self._set_dataset_value, self.project.dataset,
                                                       copy.deepcopy(spec))]
        for node_id, changes in fit.params.items():
            node = graph.node(node_id)
            self._check_params(node.type, {**node.params, **changes})
            children.append(SetParamsCommand(graph, node_id, changes))
        for node_id, (head_type, params) in fit.replacements.items():
            node = graph.node(node_id)
            self._check_params(head_type, params)
            wires = graph.incoming(node_id)
            children.append(DeleteCommand(graph, [node_id]))
            children.append(AddNodeCommand(graph, head_type, node_id, node.name, params, graph.positions.get(node_id)))
            children.extend(AddEdgeCommand(graph, Edge(e.src, e.dst, e.src_port, e.dst_port)) for e in wires)
        training = self.project.training.for_task(task)
        if training != self.project.training:
            children.append(SetTrainingCommand(self._set_training_value, self.project.training, training))
        self.push(MacroCommand(label, children))

    def set_training(self, settings) -> None:
        """The training settings, as one undoable step on the same stack as the graph's edits."""
        if settings != self.project.training:
            self.push(SetTrainingCommand(self._set_training_value, self.project.training, settings))

    def _set_training_value(self, value) -> None:
        self.project.training = value
        self.training_changed.emit(value)

    @property
    def dataset(self):
        """The loaded data (a workbench.core.data.Dataset) of ``project.dataset``, or None while it is not loaded."""
        if self._loaded_dataset is not None and self._loaded_dataset[0] == self.project.dataset:
            return self._loaded_dataset[1]
        return None

    def set_loaded_dataset(self, spec: DatasetSpec | None, dataset) -> None:
        """Keeps `dataset`, the data loaded for the dataset section `spec`, while that section is the project's."""
        self._loaded_dataset = (copy.deepcopy(spec), dataset) if spec is not None and dataset is not None else None
        self.revalidate()
        self.dataset_changed.emit()

    @staticmethod
    def _check_params(type_name: str, params: dict) -> None:
        spec = CATALOG[type_name]
        try:
            spec.check_params(params)
        except ValueError as exc:
            raise GraphEditError(f"{spec.display_name}: {exc}") from None

    def _set_dataset_value(self, value) -> None:
        self.project.dataset = value
        self.dataset_changed.emit()

    # --- validation -----------------------------------------------------------------------------------------------

    # --- inside blocks -----------------------------------------------------------------------------------------------

    @property
    def shown_graph(self):
        """The graph the canvas shows and edits: the network, or the definition of the block it is inside of."""
        graph = self.project.graph
        for node_id in self.shown_path:
            graph = graph.nodes[node_id].definition
        return graph

    def shown_result(self, result: ValidationResult | None = None) -> ValidationResult:
        """`result` (the network's, by default) as the canvas shows it: inside a block, its instance's findings."""
        result = result if result is not None else self.result
        return instance_result(result, self.shown_path) if self.shown_path else result

    def show_block(self, path: tuple[str, ...]) -> None:
        """Shows the inside of the Block node at `path` (ids from the network inwards), or the network for ()."""
        if path and not self._reaches(path):
            return
        self.shown_path = tuple(path)
        self.shown_changed.emit()

    def _reaches(self, path: tuple[str, ...]) -> bool:
        graph = self.project.graph
        for node_id in path:
            node = graph.nodes.get(node_id)
            if node is None or node.definition is None:
                return False
            graph = node.definition
        return True

    def revalidate(self) -> ValidationResult:
        if self.shown_path and not self._reaches(self.shown_path):  # an undo took away the block being shown
            self.show_block(())
        self.result = self._validate()
        self._stale = False
        self.graph_changed.emit()
        self.validated.emit(self.result)
        return self.result

    def _validate(self) -> ValidationResult:
        result = validate(self.project.graph)
        if self.dataset is not None:
            result.problems.extend(dataset_problems(self.project.graph, self.dataset.info()))
        return result

    def _refresh_if_stale(self, *_):
        if self._stale:
            self.revalidate()

    def _on_graph_changed(self) -> None:
        self._stale = True

    def _attach(self, project: Project) -> None:
        project.graph.changed.connect(self._on_graph_changed)

    def _detach(self, project: Project) -> None:
        project.graph.changed.disconnect(self._on_graph_changed)

    def _emit_dirty(self, *_):
        dirty = self.is_dirty
        if dirty != self._was_dirty:
            self._was_dirty = dirty
            self.dirty_changed.emit(dirty)


def place_unpositioned_nodes(graph) -> None:
    """Gives nodes that have no canvas position (a hand-written file) one from the automatic layout."""
    missing = [nid for nid in graph.nodes if nid not in graph.positions]
    if missing:
        layout = layered_layout(graph)
        for nid in missing:
            graph.positions[nid] = layout[nid]
