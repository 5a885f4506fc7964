"""Undo commands and the document: record the model's signals, push, undo, redo and compare."""

from __future__ import annotations

import pytest

from tests.gui.editor_driving import snapshot
from workbench.core.data import DatasetSpec
from workbench.core.errors import WorkbenchError
from workbench.core.graph.layout import COLUMN_SPACING, layered_layout
from workbench.core.graph.model import Edge
from workbench.core.project import Project, RunFiles, RunRecord, copy_record_files, open_template, project_from_dict
from workbench.core.training.status import RunStatus
from workbench.gui.document.clipboard import graph_from_text, selection_to_text
from workbench.gui.document.commands import (AddEdgeCommand, AddNodeCommand, DeleteCommand, MacroCommand,
                                             MoveNodesCommand, RenameCommand, SetParamsCommand)
from workbench.gui.document.document import ProjectDocument

SIGNALS = ("node_added", "node_removed", "edge_added", "edge_removed", "params_changed", "node_renamed",
           "node_moved")


class Recorder:
    """Every signal the graph emits, as (signal name, arguments)."""

    def __init__(self, graph):
        self.events = []
        for name in SIGNALS:
            getattr(graph, name).connect(lambda *args, n=name: self.events.append((n, args)))

    def take(self):
        events, self.events = self.events, []
        return events


INVERSE = {"node_added": "node_removed", "node_removed": "node_added", "edge_added": "edge_removed",
           "edge_removed": "edge_added"}


@pytest.fixture
def document(qapp, data_dir):  # noqa: F811 - the fixture above
    doc = ProjectDocument(open_template("cnn"))
    yield doc


def check_undo_redo(document, command, expect_events):
    """Pushes `command`, then undoes and redoes it, comparing graphs and the signals the model sent."""
    graph = document.project.graph
    before = snapshot(graph)
    recorder = Recorder(graph)
    document.push(command)
    after = snapshot(graph)
    assert after != before
    done = recorder.take()
    assert [name for name, _ in done] == expect_events
    document.undo_stack.undo()
    assert snapshot(graph) == before
    undone = recorder.take()
    structural = [(n, a) for n, a in done if n in INVERSE]
    assert [(INVERSE[n], a) for n, a in reversed(structural)] == [(n, a) for n, a in undone if n in INVERSE]
    document.undo_stack.redo()
    assert snapshot(graph) == after
    assert [name for name, _ in recorder.take()] == expect_events
    return done


def test_add_node_and_undo(document):
    graph = document.project.graph
    command = AddNodeCommand(graph, "Dense", "dense9", "extra", {"units": 7}, (10.0, 20.0))
    events = check_undo_redo(document, command, ["node_added"])
    assert events[0][1][0].params["units"] == 7
    assert graph.positions["dense9"] == (10.0, 20.0)


def test_add_edge_and_undo(document):
    graph = document.project.graph
    graph_edge = Edge("pool2", "dropout1")
    check_undo_redo(document, DeleteCommand(graph, [], [Edge("relu3", "dropout1")]), ["edge_removed"])
    check_undo_redo(document, AddEdgeCommand(graph, graph_edge), ["edge_added"])
    assert graph_edge in graph.edges


def test_delete_restores_nodes_edges_and_their_order(document):
    graph = document.project.graph
    # a Concat takes its inputs in wire order: deleting and undoing must keep that order
    document.push(MacroCommand("build", [
        AddNodeCommand(graph, "Concat", "concat1", "concat1", {}, (0.0, 300.0)),
        AddEdgeCommand(graph, Edge("relu3", "concat1")),
        AddEdgeCommand(graph, Edge("flatten1", "concat1")),
    ]))
    order_before = list(graph.edges)
    check_undo_redo(document, DeleteCommand(graph, ["relu3", "flatten1"]),
                    ["edge_removed"] * 6 + ["node_removed"] * 2)
    document.undo_stack.undo()
    assert graph.edges == order_before


def test_set_params_merges_consecutive_changes_into_one_step(document):
    graph = document.project.graph
    check_undo_redo(document, SetParamsCommand(graph, "conv1", {"filters": 8}), ["params_changed"])
    count = document.undo_stack.count()
    document.push(SetParamsCommand(graph, "conv1", {"filters": 9}))
    document.push(SetParamsCommand(graph, "conv1", {"filters": 10}))
    assert document.undo_stack.count() == count
    document.undo_stack.undo()
    assert graph.node("conv1").params["filters"] == 16


def test_out_of_range_setting_is_refused_and_nothing_is_pushed(document):
    graph = document.project.graph
    count = document.undo_stack.count()
    with pytest.raises(WorkbenchError, match="kernel_size"):
        document.push(SetParamsCommand(graph, "conv1", {"kernel_size": 65}))
    assert graph.node("conv1").params["kernel_size"] == 3
    assert document.undo_stack.count() == count


def test_rename_and_move(document):
    graph = document.project.graph
    check_undo_redo(document, RenameCommand(graph, "conv1", "first conv"), ["node_renamed"])
    assert graph.node("conv1").name == "first conv"
    moves = {"conv1": (graph.positions["conv1"], (5.0, 6.0)), "relu1": (graph.positions["relu1"], (7.0, 8.0))}
    check_undo_redo(document, MoveNodesCommand(graph, moves), ["node_moved", "node_moved"])


def test_failing_macro_changes_nothing(document):
    graph = document.project.graph
    before = snapshot(graph)
    bad = MacroCommand("bad", [AddNodeCommand(graph, "ReLU", "relu9", "relu9"),
                               AddEdgeCommand(graph, Edge("relu9", "input1"))])  # Input takes no input
    with pytest.raises(WorkbenchError):
        document.push(bad)
    assert snapshot(graph) == before
    assert document.undo_stack.count() == 0


def test_one_validation_per_edit_and_dirty_tracking(document, qtbot):
    graph = document.project.graph
    results, dirty = [], []
    document.validated.connect(results.append)
    document.dirty_changed.connect(dirty.append)
    document.push(MacroCommand("two", [AddNodeCommand(graph, "ReLU", "relu9", "relu9"),
                                       AddEdgeCommand(graph, Edge("dense1", "relu9"))]))
    assert len(results) == 1 and "relu9" in results[0].outputs
    assert document.result is results[0]
    assert dirty == [True] and document.is_dirty
    document.undo_stack.undo()
    assert len(results) == 2 and "relu9" not in document.result.outputs
    assert dirty == [True, False] and not document.is_dirty
    document.mark_dirty()
    assert dirty == [True, False, True]


def test_busy_document_refuses_architecture_edits_but_not_moves(document):
    graph = document.project.graph
    document.busy_reason = "Training is running"
    with pytest.raises(WorkbenchError, match="Training is running"):
        document.push(SetParamsCommand(graph, "conv1", {"filters": 8}))
    document.push(MoveNodesCommand(graph, {"conv1": (graph.positions["conv1"], (1.0, 1.0))}))
    assert graph.positions["conv1"] == (1.0, 1.0)
    document.busy_reason = None
    document.push(SetParamsCommand(graph, "conv1", {"filters": 8}))
    assert graph.node("conv1").params["filters"] == 8


def test_set_dataset_is_one_undoable_step(document):
    graph = document.project.graph
    before = snapshot(graph)
    dataset_before = document.project.dataset
    spec = DatasetSpec(source="builtin", name="wine")
    document.set_dataset(spec, (3, 4, 4), "float", "classification", 3)
    assert document.project.dataset == spec
    assert graph.node("input1").params["shape"] == (3, 4, 4)
    assert graph.node("classifier1").params["classes"] == 3
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert snapshot(graph) == before and document.project.dataset == dataset_before


def test_set_dataset_for_regression_replaces_the_head_and_keeps_its_wiring(document):
    graph = document.project.graph
    before = snapshot(graph)
    document.set_dataset(DatasetSpec(source="builtin", name="diabetes"), (1, 8, 8), "float", "regression", 2)
    head = graph.node("classifier1")
    assert head.type == "RegressionHead" and head.params["outputs"] == 2
    assert graph.incoming("classifier1") == [Edge("dropout1", "classifier1")]
    assert document.result.ok
    document.undo_stack.undo()
    assert snapshot(graph) == before


def test_data_of_another_task_sets_a_monitor_it_does_not_measure_back_to_the_loss_in_the_same_step(document):
    document.set_training(document.project.training.replaced(monitor="val_accuracy"))
    steps = document.undo_stack.count()
    document.set_dataset(DatasetSpec(source="builtin", name="diabetes"), (1, 8, 8), "float", "regression", 1)
    assert document.project.training.monitor == "val_loss" and document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert document.project.training.monitor == "val_accuracy"
    document.set_dataset(DatasetSpec(source="builtin", name="wine"), (1, 8, 8), "float", "classification", 3)
    assert document.project.training.monitor == "val_accuracy"  # measured for this task too: kept


def test_set_dataset_with_impossible_values_is_refused_whole(document):
    graph = document.project.graph
    before = snapshot(graph)
    with pytest.raises(WorkbenchError):
        document.set_dataset(DatasetSpec(source="builtin", name="iris"), (4,), "float", "classification", 1)
    assert snapshot(graph) == before and document.undo_stack.count() == 0


def test_workspace_of_unsaved_project_and_save_as_copies_run_files(document, data_dir, tmp_path):  # noqa: F811
    workspace = document.workspace_dir()
    assert workspace.is_dir() and data_dir in workspace.parents
    (workspace / "runs").mkdir()
    (workspace / "runs" / "run1.safetensors").write_bytes(b"weights")
    document.project.runs.append(RunRecord("run1", "Run 1", RunStatus.COMPLETED,
                                           files=RunFiles(weights="runs/run1.safetensors")))
    (tmp_path / "saved").mkdir()
    target = document.save(tmp_path / "saved" / "project.json")
    assert target.parent == (tmp_path / "saved").resolve()
    assert (tmp_path / "saved" / "runs" / "run1.safetensors").read_bytes() == b"weights"
    assert document.workspace_dir() == target.parent
    assert not document.is_dirty


def test_copy_record_files_ignores_paths_outside_the_folder(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    (tmp_path / "secret.txt").write_text("x")
    (old / "w.safetensors").write_text("w")
    files = RunFiles(weights="w.safetensors", best="../secret.txt", last=str(tmp_path / "secret.txt"))
    project = Project(runs=[RunRecord("run1", "Run 1", RunStatus.COMPLETED, files=files)])
    copied = copy_record_files(project, old, new)
    assert copied == [new / "w.safetensors"]
    assert not (tmp_path / "new" / "secret.txt").exists()


def test_layered_layout_goes_left_to_right():
    graph = open_template("resnet").graph
    positions = layered_layout(graph)
    for edge in graph.edges:
        assert positions[edge.dst][0] >= positions[edge.src][0] + COLUMN_SPACING
    assert len(set(positions.values())) == len(positions)


def test_a_hand_written_file_with_a_loop_and_no_positions_opens_laid_out(qapp, data_dir):  # noqa: F811
    data = {"format": "workbench-project", "version": 1,
            "graph": {"nodes": [{"id": "a", "type": "Input", "params": {"shape": [4]}}, {"id": "s", "type": "Add"},
                                {"id": "b", "type": "Dense"}, {"id": "c", "type": "ReLU"}],
                      "edges": [{"from": "a", "to": "s"}, {"from": "s", "to": "b"}, {"from": "b", "to": "c"},
                                {"from": "c", "to": "s"}]}}
    document = ProjectDocument(project_from_dict(data))
    positions = document.project.graph.positions
    assert set(positions) == {"a", "s", "b", "c"} and len(set(positions.values())) == 4
    assert positions["a"][0] < positions["s"][0] == positions["b"][0] == positions["c"][0]  # the loop: one column
    assert any("is part of a loop" in p.message for p in document.result.errors)

def test_clipboard_text_round_trips_and_refuses_foreign_or_bad_text():
    graph = open_template("cnn").graph
    part = graph_from_text(selection_to_text(graph, ["conv1", "relu1", "dense1"]))
    assert set(part.nodes) == {"conv1", "relu1", "dense1"}
    assert part.edges == [Edge("conv1", "relu1")]  # only wires between copied layers
    assert part.positions["conv1"] == graph.positions["conv1"]
    text = selection_to_text(graph, ["conv1"])
    assert graph_from_text(text.replace('"Conv2d"', '"Evil"')) is None
    assert graph_from_text(text.replace('"kernel_size": 3', '"kernel_size": 9999')) is None
    assert graph_from_text("just some text") is None
    assert graph_from_text('{"format": "workbench-layers", "graph": []}') is None
    assert graph_from_text(None) is None
