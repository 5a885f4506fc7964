"""The Try-it page driven like a user: draw a digit with the mouse, open an image, edit a table row; the answers
are what the exported model computes on the same input."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from workbench.cli import run_command
from workbench.core.data import apply_preprocessing
from workbench.core.project import load_project
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.tryit.page import TRAINED, TryItPage

LEFT = Qt.MouseButton.LeftButton


def trained(folder, template: str, extra: list[str] = ()) -> str:
    path = folder / f"{template}.json"
    assert run_command(["train", template, "--epochs", "3", "--threads", "1", "--device", "cpu", *extra, "--out",
                        str(path), "--json"]) == 0
    return path


@pytest.fixture(scope="module")
def digits_file(tmp_path_factory):
    return trained(tmp_path_factory.mktemp("digits"), "cnn")


def open_page(qtbot, path, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    page = TryItPage(ProjectDocument(load_project(path)))
    qtbot.addWidget(page)
    page.resize(1000, 600)
    page.show()
    qtbot.waitExposed(page)
    qtbot.waitUntil(lambda: page.model is not None and page.worker is None, timeout=60_000)
    return page


def draw_one(qtbot, pad):
    """A vertical stroke down the middle of the pad, with the mouse."""
    x = pad.width() // 2
    top, bottom = pad.height() // 5, 4 * pad.height() // 5
    qtbot.mousePress(pad, LEFT, pos=QPoint(x, top))
    for y in range(top, bottom, 8):
        qtbot.mouseMove(pad, QPoint(x, y))
    qtbot.mouseRelease(pad, LEFT, pos=QPoint(x, bottom))


def test_drawing_a_digit_shows_the_models_top_classes(qtbot, digits_file, monkeypatch, tmp_path):
    page = open_page(qtbot, digits_file, monkeypatch, tmp_path)
    assert page.source_combo.currentData() == TRAINED
    assert page.inputs.currentWidget() is page.pages["image"]
    assert "on CPU" in page.model_label.text()
    with qtbot.waitSignal(page.predicted, timeout=5_000) as blocker:
        draw_one(qtbot, page.pad)
    outputs = blocker.args[0]
    assert not page.pad.is_empty()
    expected = page.model.session.run(apply_preprocessing(page.model.preprocessing, [page.pad.to_pil()]))[0]
    assert np.allclose(outputs, expected)
    best = int(np.argmax(outputs))
    assert page.answer.text().startswith(f"{best}  (")
    assert page.classes.rowCount() == 5
    shares = [page.classes.cellWidget(r, 1).value() for r in range(5)]
    assert shares == sorted(shares, reverse=True) and sum(shares) <= 1000

    qtbot.mouseClick(page.findChild(QPushButton, "clear_button"), LEFT)
    assert page.pad.is_empty() and page.answer.text() == "" and page.classes.rowCount() == 0


def test_opening_a_digit_image_predicts_like_the_model(qtbot, digits_file, monkeypatch, tmp_path):
    from PIL import Image

    page = open_page(qtbot, digits_file, monkeypatch, tmp_path)
    from workbench.core.project.data import project_dataset

    dataset = project_dataset(load_project(digits_file))
    x, _ = dataset.arrays(dataset.split_indices("test")[:1])
    path = tmp_path / "digit.png"
    Image.fromarray(np.rint(x[0, 0] * 255).astype(np.uint8)).save(path)
    with qtbot.waitSignal(page.predicted, timeout=5_000) as blocker:
        page.open_image(path)
    expected = page.model.session.run(x)[0]
    assert np.allclose(blocker.args[0], expected, atol=1e-5)
    assert page.answer.text().startswith(dataset.class_names[int(np.argmax(expected))])
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    assert page.open_image(broken) is None
    assert page.message.text().startswith("'broken.png' could not be opened as an image")
    huge = tmp_path / "huge.png"
    Image.new("1", (10_000, 10_000)).save(huge)          # 100 million pixels, a few kilobytes on disk
    assert page.open_image(huge) is None
    assert page.message.text().startswith("The image 'huge.png' is too large to read (100 million pixels; the limit "
                                          "is 89.5 million")


def test_a_table_model_takes_an_edited_row(qtbot, monkeypatch, tmp_path):
    path = trained(tmp_path, "mlp")
    page = open_page(qtbot, path, monkeypatch, tmp_path)
    assert page.inputs.currentWidget() is page.pages["table"]
    table = page.row_table
    names = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert names == ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    assert page.answer.text() != ""  # the pre-filled row (the column means) was answered
    values = {"sepal length (cm)": "6.7", "sepal width (cm)": "3.0", "petal length (cm)": "5.2",
              "petal width (cm)": "2.3"}
    for col, name in enumerate(names):
        rect = table.visualItemRect(table.item(0, col))
        qtbot.mouseClick(table.viewport(), LEFT, pos=rect.center())
        qtbot.keyClick(table, Qt.Key.Key_F2)
        editors = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
        assert len(editors) == 1  # F2 opened the cell's editor
        editor = editors[0]
        editor.selectAll()
        qtbot.keyClicks(editor, values[name])
        with qtbot.waitSignal(page.predicted, timeout=5_000) as blocker:
            qtbot.keyClick(editor, Qt.Key.Key_Return)
    expected = page.model.session.run(apply_preprocessing(page.model.preprocessing, [values]))[0]
    assert np.allclose(blocker.args[0], expected)
    assert page.answer.text().startswith(page.model.labels[int(np.argmax(expected))])


def test_a_model_not_from_workbench_is_refused_in_words(qtbot, digits_file, monkeypatch, tmp_path):
    import onnx
    from onnx import TensorProto, helper

    page = open_page(qtbot, digits_file, monkeypatch, tmp_path)
    graph = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    foreign = tmp_path / "foreign.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8), foreign)
    assert page.load(str(foreign))
    qtbot.waitUntil(lambda: page.worker is None, timeout=10_000)
    assert page.model_label.text() == ("'foreign.onnx' was not exported by Workbench: it does not say how to "
                                       "prepare its input, so it cannot be tried here.")
