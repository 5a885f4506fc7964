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


def press_open_image(qtbot, page, monkeypatch, path):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *args, **kwargs: (str(path), "")))
    button = next(b for b in page.findChildren(QPushButton) if b.text() == "Open image…")
    qtbot.mouseClick(button, LEFT)


def test_an_opened_image_is_shown_on_the_pad_as_the_model_sees_it(qtbot, digits_file, monkeypatch, tmp_path):
    from PIL import Image

    page = open_page(qtbot, digits_file, monkeypatch, tmp_path)
    assert page.image_prompt.text() == "Draw a digit (white on black), or open an image file:"
    big = np.zeros((64, 64), np.uint8)
    big[8:56, 24:40] = 255                                           # a tall white bar: a "1"
    path = tmp_path / "one.png"
    Image.fromarray(big).save(path)
    with qtbot.waitSignal(page.predicted, timeout=5_000):
        press_open_image(qtbot, page, monkeypatch, path)
    picture = page.pad.picture
    assert picture is not None and (picture.width(), picture.height()) == (8, 8)   # the model's input size
    pixels = np.array([[picture.pixelColor(x, y).red() for x in range(8)] for y in range(8)])
    expected = np.asarray(Image.fromarray(big).resize((8, 8), Image.Resampling.BILINEAR))
    assert np.array_equal(pixels, expected)
    shown = page.pad.grab().toImage()                                  # on screen, scaled up, pixel for pixel
    side = min(shown.width(), shown.height())
    x0, y0 = (shown.width() - side) / 2, (shown.height() - side) / 2
    on_screen = np.array([[shown.pixelColor(int(x0 + (x + 0.5) * side / 8), int(y0 + (y + 0.5) * side / 8)).red()
                           for x in range(8)] for y in range(8)])
    assert np.array_equal(on_screen, expected) and expected.max() > 200
    assert page.answer.text() != "" and page.classes.rowCount() == 5
    page.grab().save(str(tmp_path / "tryit-opened.png"))

    # a file that is not an image clears the old answer and says why
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    press_open_image(qtbot, page, monkeypatch, broken)
    assert page.answer.text() == "" and page.classes.rowCount() == 0
    assert page.message.text().startswith("'broken.png' could not be opened as an image")

    # drawing starts afresh on a clear pad
    with qtbot.waitSignal(page.predicted, timeout=5_000):
        draw_one(qtbot, page.pad)
    assert page.pad.picture is None and not page.pad.is_empty() and page.message.text() == ""


def test_the_prompt_fits_a_model_of_colour_shapes(qtbot, monkeypatch, tmp_path):
    from PIL import Image

    root = tmp_path / "shapes"
    rng = np.random.default_rng(0)
    for name in ("circle", "square", "triangle"):
        (root / name).mkdir(parents=True)
        for i in range(6):
            Image.fromarray(rng.integers(0, 256, (12, 12, 3), dtype=np.uint8), "RGB").save(root / name / f"{i}.png")
    path = trained(tmp_path, "cnn", ["--data", str(root)])
    page = open_page(qtbot, path, monkeypatch, tmp_path)
    assert page.inputs.currentWidget() is page.pages["image"]
    prompt = page.image_prompt.text()
    assert "digit" not in prompt
    assert prompt.startswith("The model takes 12×12 colour images of 3 kinds (circle, square, triangle).")
    photo = tmp_path / "photo.jpg"
    Image.fromarray(rng.integers(0, 256, (30, 50, 3), dtype=np.uint8), "RGB").save(photo)
    with qtbot.waitSignal(page.predicted, timeout=5_000):
        press_open_image(qtbot, page, monkeypatch, photo)
    assert page.pad.picture.width() == 12 and not page.pad.picture.isGrayscale()
    assert page.answer.text().split("  (")[0] in ("circle", "square", "triangle")
    page.grab().save(str(tmp_path / "tryit-colour.png"))


def test_a_multilabel_model_answers_with_every_label_over_half(qtbot, monkeypatch, tmp_path):
    path = trained(tmp_path, "mlp", ["--data", "digit_traits"])
    page = open_page(qtbot, path, monkeypatch, tmp_path)
    assert "gives each label a probability" in page.model_label.text()
    assert page.image_prompt.text().startswith("The model takes 8×8 grayscale images and says which of 3 labels each "
                                               "has (even, greater than 4, prime)")
    with qtbot.waitSignal(page.predicted, timeout=5_000) as blocker:
        draw_one(qtbot, page.pad)
    probabilities = blocker.args[0]  # the exported file gives probabilities (sigmoid inside)
    assert probabilities.shape == (3,) and ((probabilities > 0) & (probabilities < 1)).all()
    names = ["even", "greater than 4", "prime"]
    given = [names[k] for k in np.argsort(-probabilities, kind="stable") if probabilities[k] > 0.5]
    expected = ", ".join(f"{n}  ({100 * probabilities[names.index(n)]:.1f}%)" for n in given) or "no label"
    assert page.answer.text() == expected
    assert page.classes.rowCount() == 3 and page.classes.horizontalHeaderItem(0).text() == "Label"
    shown = [page.classes.item(r, 0).text() for r in range(3)]
    assert sorted(shown) == sorted(names)
    assert [page.classes.cellWidget(r, 1).value() for r in range(3)] == \
        [int(round(1000 * probabilities[names.index(n)])) for n in shown]
