""""New head for this dataset" in the app, as a user does it: import an ONNX model made with torch (an MLP for 8x8
digits, 10 classes), choose data with other outputs (the digit traits: 3 labels), select the output layer and
press the inspector's button; the head is replaced, the imported layers frozen, the imported weights the run to
start from; undo and redo take it back and forth in one step each; training then learns only the new head."""

from __future__ import annotations

import dataclasses
import io
import warnings

import numpy as np
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton
from safetensors.numpy import load_file
from torch import nn

from tests.gui.editor_driving import click_node, menu_action
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data.loader import resolve_path

LEFT = Qt.MouseButton.LeftButton


def digits_mlp_onnx() -> bytes:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10)).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notes
        torch.onnx.export(model, (torch.randn(2, 1, 8, 8),), buffer, dynamo=False, opset_version=17,
                          input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
    return buffer.getvalue()


def import_model(window, qtbot, monkeypatch, path):
    importer = window.model_importer
    monkeypatch.setattr(importer, "ask_model_path", lambda: str(path))
    monkeypatch.setattr(importer, "show_report", lambda complete, text: None)
    with qtbot.waitSignal(importer.imported, timeout=60_000):
        menu_action(window, "File", "Import ONNX Model").trigger()


def choose_data(window, qtbot, name: str):
    spec = DatasetSpec(source="builtin", name=name)
    data = load_dataset(spec)
    window.document.set_dataset(spec, data.input_shape, data.input_dtype, data.task, data.output_size)
    qtbot.waitUntil(lambda: window.document.dataset is not None, timeout=60_000)


def test_new_head_for_the_chosen_data_undo_redo_and_train(window, qtbot, monkeypatch, tmp_path):
    path = tmp_path / "digits_mlp.onnx"
    path.write_bytes(digits_mlp_onnx())
    import_model(window, qtbot, monkeypatch, path)
    document = window.document
    project = document.project
    imported_run = project.runs[0]
    dense_ids = sorted(n.id for n in project.graph.nodes.values() if n.type == "Dense")
    assert len(dense_ids) == 1 and project.graph.head_nodes()[0].params == {"classes": 10}

    choose_data(window, qtbot, "digit_traits")
    head = project.graph.head_nodes()[0]
    before = (project.graph.copy(), project.training)
    click_node(window, head.id)
    button = window.design.inspector.findChild(QPushButton, "new_head_button")
    assert button is not None and button.isVisible()
    steps = document.undo_stack.count()
    qtbot.mouseClick(button, LEFT)

    assert document.undo_stack.count() == steps + 1
    new = project.graph.head_nodes()[0]
    assert (new.type, new.params, new.name) == ("MultiLabelHead", {"labels": 3}, "new_head")
    assert project.training.frozen_nodes == dense_ids
    assert project.training.init_from == {"run": imported_run.id}
    banner = window.design.view.banner.text()
    assert "was replaced by 'new_head', a new one for the data's 3 labels" in banner
    assert "1 other layers with weights are frozen" in banner and "Undo (Ctrl+Z) takes it back." in banner
    assert set(window.design.scene.node_items) == set(project.graph.nodes)
    after = (project.graph.copy(), project.training)

    document.undo_stack.undo()
    assert project.graph.head_nodes()[0].name == before[0].head_nodes()[0].name
    assert [(n.id, n.type, n.params) for n in project.graph.nodes.values()] == \
        [(n.id, n.type, n.params) for n in before[0].nodes.values()]
    assert project.training == before[1]
    document.undo_stack.redo()
    assert [(n.id, n.type, n.name, n.params) for n in project.graph.nodes.values()] == \
        [(n.id, n.type, n.name, n.params) for n in after[0].nodes.values()]
    assert project.training == after[1]
    assert set(window.design.scene.node_items) == set(project.graph.nodes)

    project.training = dataclasses.replace(project.training, epochs=15, learning_rate=0.01, batch_size=64)
    train = window.pages["Train"]
    window.tabs.setCurrentWidget(train)
    train.build()
    qtbot.mouseClick(train.page.train_button, LEFT)
    qtbot.waitUntil(lambda: train.page.worker is None, timeout=120_000)
    message = train.page.message_label.text()
    assert message.startswith("Finished all 15 epochs.") and len(project.runs) == 2
    assert "Started from earlier weights. Loaded 1 layer" in message  # the imported, unsaved weights
    record = project.runs[-1]
    assert record.id != imported_run.id and record.metrics["test"]["accuracy"] > 0.75  # labels right; chance is about 0.5
    base = document.workspace_dir()
    imported = project.unsaved_weights[imported_run.files.weights].tensors  # not saved yet: kept in memory
    trained = load_file(str(resolve_path(record.files.weights, base)))
    kept = [key for key in imported if key.startswith(f"{dense_ids[0]}.")]
    assert kept and all(np.array_equal(np.asarray(imported[key]), trained[key]) for key in kept)  # frozen
