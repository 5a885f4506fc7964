"""File ▸ Import ONNX Model… as a user does it: the model opens on the canvas with its weights as a run, placeholders
are marked as errors on the canvas, an open input size is asked for, and a bad file leaves the project open."""

import io
import warnings

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QTreeWidgetItemIterator
from torch import nn

from tests.core.onnx_import.torch_models import export_bytes
from tests.gui.editor_driving import click_node, menu_action
from workbench.gui.model_import import ModelFileDialog


def _patch_dialogs(window, monkeypatch, path, sizes=None):
    importer = window.model_importer
    seen = {"reports": [], "errors": [], "asked": []}
    monkeypatch.setattr(importer, "ask_model_path", lambda: str(path))
    monkeypatch.setattr(importer, "show_report", lambda complete, text: seen["reports"].append((complete, text)))
    monkeypatch.setattr(importer, "show_error", lambda title, message: seen["errors"].append(message))
    monkeypatch.setattr(importer, "ask_sample_shape",
                        lambda name, shape: seen["asked"].append(name) or (sizes or {}).get(name))
    return seen


def _import_through_the_menu(qtbot, window, monkeypatch, path) -> tuple[bool, str]:
    """File > Import ONNX Model of ``path``, waited for: (whether it came back complete, the report's text)."""
    seen = _patch_dialogs(window, monkeypatch, path)
    with qtbot.waitSignal(window.model_importer.imported, timeout=60_000):
        menu_action(window, "File", "Import ONNX Model").trigger()
    [(complete, text)] = seen["reports"]
    return complete, text


def test_import_opens_the_model_on_the_canvas_with_its_weights(window, qtbot, monkeypatch, tmp_path):
    path = tmp_path / "resnet.onnx"
    path.write_bytes(export_bytes("resnet", 13))
    seen = _patch_dialogs(window, monkeypatch, path)
    with qtbot.waitSignal(window.model_importer.imported, timeout=60_000):
        menu_action(window, "File", "Import ONNX Model").trigger()
        assert window.document.busy_reason == "A model is being imported"
    assert window.document.busy_reason is None
    project = window.document.project
    assert project.name == "resnet" and project.runs[0].name == "imported from resnet.onnx"
    assert window.document.is_dirty and window.document.result.ok
    assert set(window.design.scene.node_items) == set(project.graph.nodes)
    [(complete, text)] = seen["reports"]
    assert complete and "gives the same outputs as the original on ONNX Runtime" in text
    window.grab().save(str(tmp_path / "imported.png"))


def test_a_placeholder_is_an_error_on_the_canvas(window, qtbot, monkeypatch, tmp_path):
    weight = numpy_helper.from_array(np.ones((3, 4), np.float32), "w")
    nodes = [helper.make_node("Cos", ["x"], ["c"], name="the_cosine"),
             helper.make_node("Gemm", ["c", "w"], ["y"], name="head", transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "f"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])], [weight])
    path = tmp_path / "cos.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)
    seen = _patch_dialogs(window, monkeypatch, path, sizes={"x": (4,)})
    with qtbot.waitSignal(window.model_importer.imported, timeout=60_000):
        menu_action(window, "File", "Import ONNX Model").trigger()
    assert seen["asked"] == ["x"]
    [(complete, text)] = seen["reports"]
    assert not complete and "Cos (node 'the_cosine')" in text
    node = window.document.project.graph.node_by_name("the_cosine")
    item = window.design.scene.node_items[node.id]
    assert item.has_error and "stands for the ONNX operator Cos" in item.problems[0].message


def test_a_bad_file_is_reported_and_the_project_stays(window, qtbot, monkeypatch, tmp_path):
    path = tmp_path / "bad.onnx"
    path.write_bytes(b"not a model")
    before = window.document.project
    seen = _patch_dialogs(window, monkeypatch, path)
    menu_action(window, "File", "Import ONNX Model").trigger()
    qtbot.waitUntil(lambda: bool(seen["errors"]), timeout=30_000)
    assert "'bad.onnx' is not an ONNX model" in seen["errors"][0]
    assert window.document.project is before and window.document.busy_reason is None


def test_the_placeholder_is_not_offered_and_its_inspector_shows_what_it_stands_for(window, qtbot):
    tree = window.design.palette.tree
    offered = []
    iterator = QTreeWidgetItemIterator(tree)
    while iterator.value():
        offered.append(iterator.value().text(0))
        iterator += 1
    assert "Dense" in offered and "Unsupported ONNX operator" not in offered
    graph = window.document.project.graph
    node = graph.add_node("UnsupportedOnnx", {"operator": "Einsum", "onnx_node": "/mix/Einsum"}, name="mix",
                          position=(900.0, 600.0))
    graph.connect("relu1", node.id)
    window.document.revalidate()
    click_node(window, node.id)
    editor = window.design.inspector.editors["operator"].widget
    assert editor.isReadOnly() and editor.text() == "Einsum"
    assert window.design.inspector.editors["onnx_node"].widget.text() == "/mix/Einsum"


def test_repeated_units_open_as_block_instances(window, qtbot, monkeypatch, tmp_path):
    path = tmp_path / "resnet_units.onnx"
    path.write_bytes(export_bytes("resnet_units", 17))
    complete, text = _import_through_the_menu(qtbot, window, monkeypatch, path)
    assert complete and "3 repeated units of 5 layers are shown as the block 'Residual unit (layer1)'" in text
    graph = window.document.project.graph
    instances = [n.id for n in graph.nodes.values() if n.type == "Block"]
    assert len(instances) == 3 and set(window.design.scene.node_items) == set(graph.nodes)
    assert window.document.result.ok and not window.design.scene.node_items[instances[1]].has_error
    window.design.view.fit_to_graph()
    window.grab().save(str(tmp_path / "imported_blocks.png"))
    assert window.editor.open_block(instances[1])
    assert {n.name for n in window.editor.graph.nodes.values()} >= {"conv1/Conv", "conv2/Conv", "Add"}
    window.grab().save(str(tmp_path / "inside_block.png"))


def test_an_lstm_text_model_with_a_tanh_gelu_opens_as_its_layers(window, qtbot, monkeypatch, tmp_path):
    class TextModel(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(40, 8)
            self.rnn = nn.LSTM(8, 12, batch_first=True, bidirectional=True)
            self.fc = nn.Linear(24, 16)
            self.act = nn.GELU(approximate="tanh")
            self.out = nn.Linear(16, 3)

        def forward(self, tokens):
            h = self.rnn(self.embed(tokens))[1][0]
            return self.out(self.act(self.fc(torch.cat([h[-2], h[-1]], dim=1))))

    torch.manual_seed(0)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(TextModel().eval(), (torch.randint(0, 40, (2, 9)),), buffer, dynamo=False, opset_version=17,
                          input_names=["tokens"], output_names=["scores"], dynamic_axes={"tokens": {0: "batch"}})
    path = tmp_path / "text.onnx"
    path.write_bytes(buffer.getvalue())
    complete, text = _import_through_the_menu(qtbot, window, monkeypatch, path)
    assert complete and "gives the same outputs as the original on ONNX Runtime" in text
    graph = window.document.project.graph
    assert [n.type for n in graph.nodes.values()] == ["Input", "Embedding", "LSTM", "Dense", "GELU",
                                                      "ClassificationHead"]
    lstm = next(n for n in graph.nodes.values() if n.type == "LSTM")
    click_node(window, lstm.id)
    assert window.design.inspector.editors["hidden_size"].widget.value() == 12
    assert window.design.inspector.editors["bidirectional"].widget.isChecked()
    gelu = next(n for n in graph.nodes.values() if n.type == "GELU")
    click_node(window, gelu.id)
    assert window.design.inspector.editors["approximation"].widget.currentText() == "tanh"
    window.grab().save(str(tmp_path / "lstm-gelu.png"))


def test_unticking_show_repeated_units_as_blocks_in_the_file_dialog_imports_every_layer_flat(window, qtbot,
                                                                                           monkeypatch, tmp_path):
    path = tmp_path / "resnet_units.onnx"
    path.write_bytes(export_bytes("resnet_units", 17))
    seen = {"reports": [], "errors": []}  # the real file dialog this time; only the report and errors are caught
    importer = window.model_importer
    monkeypatch.setattr(importer, "show_report", lambda complete, text: seen["reports"].append((complete, text)))
    monkeypatch.setattr(importer, "show_error", lambda title, message: seen["errors"].append(message))
    used = []

    def choose():  # as a user does: untick the box, type the file's name, press Enter
        dialog = next((w for w in QApplication.topLevelWidgets() if isinstance(w, ModelFileDialog)
                       and w.isVisible()), None)
        if dialog is None:  # not open yet: look again soon
            QTimer.singleShot(20, choose)
            return
        try:
            used.append(dialog.blocks_box.isChecked())
            box = dialog.blocks_box
            qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the tick
            used.append(dialog.blocks_box.isChecked())
            dialog.grab().save(str(tmp_path / "import_dialog.png"))
            name = dialog.findChild(QLineEdit, "fileNameEdit")
            name.setText(str(path))
            QTest.keyClick(name, Qt.Key.Key_Return)
        finally:
            if dialog.isVisible():  # never left open: it would block the test
                dialog.reject()

    QTimer.singleShot(0, choose)
    with qtbot.waitSignal(importer.imported, timeout=60_000):
        menu_action(window, "File", "Import ONNX Model").trigger()
    assert used == [True, False] and not seen["errors"]
    graph = window.document.project.graph
    assert not any(n.type == "Block" for n in graph.nodes.values()) and window.document.result.ok
    assert "repeated units" not in seen["reports"][0][1]
    assert importer.show_blocks is False  # the next import's dialog starts unticked
