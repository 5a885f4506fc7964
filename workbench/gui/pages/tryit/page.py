"""The Try-it page: runs an exported model in ONNX Runtime on new input and shows its answer.

The model is one of the project's variants, an .onnx file exported by Workbench, or the trained network exported
in memory. What the page asks for follows the preprocessing recorded in the model's metadata: draw a digit or open
an image for image models, edit a row for table models, type text for text models. Loading a model runs in a
worker (it imports ONNX Runtime and may export the network); a prediction on one sample takes well under a
millisecond for the models Workbench builds, so it runs as soon as the input changes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPlainTextEdit,
                               QProgressBar, QPushButton, QStackedWidget, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from workbench.core.compression.methods import method_title
from workbench.core.data.images import image_to_array, open_image
from workbench.core.data.loader import resolve_path
from workbench.core.errors import WorkbenchError
from workbench.core.export.predictor import Predictor
from workbench.core.project import actions
from workbench.gui.pages.tryit.drawing_pad import DrawingPad
from workbench.gui.plots.pixels import pixels_to_qimage
from workbench.gui.workers import start_worker

TRAINED = "__trained__"
DIGITS = [str(d) for d in range(10)]
MAX_NAMED_CLASSES = 8


def image_prompt(preprocessing: dict, labels: list[str], task: str = "classification") -> str:
    """What the image input asks for, from the model's data: digits are drawn, other images described by size,
    colour and the classes the model tells apart (or the labels it gives)."""
    if labels == DIGITS and preprocessing.get("channels", 1) == 1:
        return "Draw a digit (white on black), or open an image file:"
    height, width = preprocessing.get("size") or (0, 0)
    colour = "grayscale" if preprocessing.get("channels", 1) == 1 else "colour"
    what = f"The model takes {width}×{height} {colour} images"
    if labels and task == "multilabel":
        named = ", ".join(labels[:MAX_NAMED_CLASSES]) + (", …" if len(labels) > MAX_NAMED_CLASSES else "")
        what += f" and says which of {len(labels)} labels each has ({named})"
    elif labels:
        named = ", ".join(labels[:MAX_NAMED_CLASSES]) + (", …" if len(labels) > MAX_NAMED_CLASSES else "")
        what += f" of {len(labels)} kinds ({named})"
    return f"{what}. Open an image file, or draw one on the pad (white on black):"


def load_job(control, source, project=None, base_dir=None):
    """Opens a model: a path to an .onnx file, or TRAINED (the project's trained network, exported in memory)."""
    control.report((0.2, "Loading the model"))
    return actions.open_predictor(None if source == TRAINED else source, project, base_dir=base_dir,
                                  raise_if_cancelled=control.check)


class TryItPage(QWidget):
    predicted = Signal(object)  # the model's outputs for the sample, as a NumPy array
    model_loaded = Signal(object)  # Predictor

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.model: Predictor | None = None
        self.worker = None

        self.source_combo = QComboBox(self)
        self.source_combo.setObjectName("source_combo")
        self.source_combo.activated.connect(self._source_chosen)
        open_model = QPushButton("Open .onnx…", self)
        open_model.clicked.connect(self._open_model_file)
        self.model_label = QLabel("No model loaded.", self)
        self.model_label.setObjectName("model_label")
        self.model_label.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel("Model:", self))
        top.addWidget(self.source_combo, 1)
        top.addWidget(open_model)

        self.pad = DrawingPad(self)
        self.pad.setObjectName("drawing_pad")
        self.pad.drawn.connect(self.predict_drawing)
        clear = QPushButton("Clear", self)
        clear.setObjectName("clear_button")
        clear.clicked.connect(self._clear_drawing)
        open_image = QPushButton("Open image…", self)
        open_image.clicked.connect(self._open_image_file)
        image_page = QWidget(self)
        image_layout = QVBoxLayout(image_page)
        self.image_prompt = QLabel(image_prompt({}, DIGITS), image_page)
        self.image_prompt.setObjectName("image_prompt")
        self.image_prompt.setWordWrap(True)
        image_layout.addWidget(self.image_prompt)
        image_layout.addWidget(self.pad, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(clear)
        buttons.addWidget(open_image)
        image_layout.addLayout(buttons)

        self.row_table = QTableWidget(1, 0, self)
        self.row_table.setObjectName("row_table")
        self.row_table.itemChanged.connect(lambda _item: self.predict_row())
        table_page = QWidget(self)
        table_layout = QVBoxLayout(table_page)
        table_layout.addWidget(QLabel("Edit the row; the model answers after each change. An empty or unreadable "
                                      "cell counts as missing.", table_page))
        table_layout.addWidget(self.row_table)
        table_layout.addStretch(1)

        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setObjectName("text_edit")
        self.text_edit.textChanged.connect(self.predict_text)
        text_page = QWidget(self)
        text_layout = QVBoxLayout(text_page)
        text_layout.addWidget(QLabel("Type some text:", text_page))
        text_layout.addWidget(self.text_edit)

        self.numbers_edit = QLineEdit(self)
        self.numbers_edit.setObjectName("numbers_edit")
        self.numbers_edit.setPlaceholderText("Numbers separated by commas")
        self.numbers_edit.editingFinished.connect(self.predict_numbers)
        numbers_page = QWidget(self)
        numbers_layout = QVBoxLayout(numbers_page)
        numbers_layout.addWidget(QLabel("One sample, as numbers separated by commas:", numbers_page))
        numbers_layout.addWidget(self.numbers_edit)
        numbers_layout.addStretch(1)

        self.empty_page = QLabel("Load a model to try it: train the project, or open an exported .onnx file.", self)
        self.empty_page.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.inputs = QStackedWidget(self)
        self.pages = {"none": self.empty_page, "image": image_page, "table": table_page, "text": text_page,
                      "numbers": numbers_page}
        for page in self.pages.values():
            self.inputs.addWidget(page)

        self.answer = QLabel("", self)
        self.answer.setObjectName("answer_label")
        self.answer.setWordWrap(True)
        font = self.answer.font()
        font.setPointSize(font.pointSize() + 4)
        font.setBold(True)
        self.answer.setFont(font)
        self.classes = QTableWidget(0, 2, self)
        self.classes.setObjectName("classes_table")
        self.classes.setHorizontalHeaderLabels(["Class", "Probability"])
        self.classes.verticalHeader().setVisible(False)
        self.classes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.message = QLabel("", self)
        self.message.setObjectName("tryit_message")
        self.message.setWordWrap(True)
        answer_box = QVBoxLayout()
        answer_box.addWidget(QLabel("The model says:", self))
        answer_box.addWidget(self.answer)
        answer_box.addWidget(self.classes, 1)
        answer_box.addWidget(self.message)

        body = QHBoxLayout()
        body.addWidget(self.inputs, 3)
        body.addLayout(answer_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.model_label)
        layout.addLayout(body, 1)

        document.project_replaced.connect(self.refresh_sources)
        document.dirty_changed.connect(lambda _dirty: self.refresh_sources())
        self.refresh_sources()

    # --- choosing a model -----------------------------------------------------------------------------------------

    def refresh_sources(self) -> None:
        current = self.source_combo.currentData()
        self.source_combo.blockSignals(True)
        self.source_combo.clear()
        base = self.document.workspace_dir()
        for record in self.document.project.variants:
            title = method_title(record.method)
            self.source_combo.addItem(f"{record.name} ({title})", str(resolve_path(record.files.onnx, base)))
        if self.document.project.trained_runs():
            self.source_combo.addItem("Trained network (exported in memory)", TRAINED)
        index = self.source_combo.findData(current)
        self.source_combo.setCurrentIndex(index if index >= 0 else 0)
        self.source_combo.blockSignals(False)
        if self.model is None and self.worker is None and self.source_combo.count():
            self.load(self.source_combo.currentData())

    def _source_chosen(self, index: int) -> None:
        self.load(self.source_combo.itemData(index))

    def _open_model_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an exported model", str(self.document.workspace_dir()),
                                              "ONNX models (*.onnx)")
        if path:
            self.load(path)

    def load(self, source) -> bool:
        """Loads a model (a path or TRAINED) in a worker; `model_loaded` follows."""
        if self.worker is not None:
            return False
        self.model_label.setText("Loading the model…")
        project = self.document.project.snapshot() if source == TRAINED else None
        self.worker = start_worker(load_job, source, project, self.document.workspace_dir())
        self.worker.returned.connect(self._on_loaded)
        self.worker.errored.connect(lambda message, _details: self.model_label.setText(message))
        self.worker.finished.connect(self._on_finished)
        return True

    def _on_finished(self) -> None:
        self.worker = None

    def _on_loaded(self, model: Predictor) -> None:
        self.model = model
        pre = model.preprocessing
        kind = pre.get("kind")
        what = {"image": "images", "table": "table rows", "text": "text", "array": "numbers", "tokens": "token ids"}
        self.model_label.setText(f"Running {model.title} in ONNX Runtime on {model.session.provider_title}; it "
                                 f"takes {what.get(kind, kind)} and "
                                 + ("tells classes apart." if model.task == "classification" else
                                    "gives each label a probability; those above 50% are its answer."
                                    if model.task == "multilabel" else "predicts numbers."))
        self.answer.setText("")
        self.classes.setRowCount(0)
        if kind == "image":
            self.image_prompt.setText(image_prompt(pre, model.labels, model.task))
            self.inputs.setCurrentWidget(self.pages["image"])
        elif kind == "table":
            self._fill_row(pre)
            self.inputs.setCurrentWidget(self.pages["table"])
        elif kind == "text":
            self.inputs.setCurrentWidget(self.pages["text"])
        else:
            self.inputs.setCurrentWidget(self.pages["numbers"])
        self.model_loaded.emit(model)

    def _fill_row(self, pre: dict) -> None:
        columns = pre["columns"]
        self.row_table.blockSignals(True)
        self.row_table.setColumnCount(len(columns))
        self.row_table.setHorizontalHeaderLabels([c["name"] for c in columns])
        for col, c in enumerate(columns):
            if c["type"] == "numeric":
                value = f"{c['mean']:.4g}"
            else:
                value = c.get("fill") or (c["categories"][0] if c["categories"] else "")
            self.row_table.setItem(0, col, QTableWidgetItem(str(value)))
        self.row_table.resizeColumnsToContents()
        self.row_table.blockSignals(False)
        self.predict_row()

    # --- predicting ---------------------------------------------------------------------------------------------------

    def predict_raw(self, raw) -> np.ndarray | None:
        """Asks the model about `raw` (prepared as its metadata says), shows the answer; returns the outputs."""
        if self.model is None:
            return None
        try:
            answer = self.model.predict(raw)
        except WorkbenchError as err:
            self._forget_answer()
            self.message.setText(str(err))
            return None
        self.message.setText("")
        self._show(answer)
        self.predicted.emit(answer.outputs)
        return answer.outputs

    def predict_drawing(self) -> np.ndarray | None:
        if self.pad.is_empty():
            return None
        image = self.pad.to_pil()
        if self.model is not None and self.model.preprocessing.get("channels") == 3:
            image = image.convert("RGB")
        return self.predict_raw([image])

    def open_image(self, path: str | Path) -> np.ndarray | None:
        """Shows the image file on the pad as the model sees it and asks the model about it; a file that cannot
        be opened clears the previous answer and says why."""
        from PIL import UnidentifiedImageError  # lazy

        try:
            with open_image(path) as img:       # refuses an image too large to decode, before decoding it
                img.load()
                image = img.copy()
        except WorkbenchError as exc:
            self._forget_answer()
            self.message.setText(str(exc))
            return None
        except (OSError, UnidentifiedImageError) as exc:
            self._forget_answer()
            self.message.setText(f"'{Path(path).name}' could not be opened as an image ({exc}).")
            return None
        pre = self.model.preprocessing if self.model is not None else {}
        if pre.get("kind") == "image":
            pixels = image_to_array(image.copy(), tuple(pre["size"]), pre["channels"])
            self.pad.show_picture(pixels_to_qimage(pixels))
        return self.predict_raw([image])

    def _open_image_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an image", str(Path.home()),
                                              "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp)")
        if path:
            self.open_image(path)

    def _clear_drawing(self) -> None:
        self.pad.clear()
        self._forget_answer()

    def _forget_answer(self) -> None:
        self.answer.setText("")
        self.classes.setRowCount(0)

    def predict_row(self) -> np.ndarray | None:
        if self.model is None or self.model.preprocessing.get("kind") != "table":
            return None
        row = {}
        for col in range(self.row_table.columnCount()):
            header = self.row_table.horizontalHeaderItem(col).text()
            item = self.row_table.item(0, col)
            row[header] = item.text() if item is not None else ""
        return self.predict_raw([row])

    def predict_text(self) -> np.ndarray | None:
        if self.model is None or self.model.preprocessing.get("kind") != "text":
            return None
        return self.predict_raw([self.text_edit.toPlainText()])

    def predict_numbers(self) -> np.ndarray | None:
        if self.model is None:
            return None
        try:
            values = [float(v) for v in self.numbers_edit.text().replace(";", ",").split(",") if v.strip()]
        except ValueError:
            self.message.setText("Type numbers separated by commas, e.g. 0.5, 1, 2.")
            return None
        pre = self.model.preprocessing
        if pre.get("kind") == "tokens":
            return self.predict_raw(np.asarray([values], dtype=np.int64))
        shape = pre.get("shape") or [len(values)]
        if len(values) != int(np.prod(shape)):
            self.message.setText(f"The model takes {int(np.prod(shape))} numbers per sample; you typed "
                                 f"{len(values)}.")
            return None
        return self.predict_raw(np.asarray(values).reshape(shape))

    def _show(self, answer) -> None:
        self.answer.setText(answer.text)
        rows = answer.labels or answer.classes  # a multi-label model: every label, most likely first
        self.classes.setHorizontalHeaderLabels(["Label" if answer.labels else "Class", "Probability"])
        self.classes.setRowCount(len(rows))
        for row, (name, probability) in enumerate(rows):
            self.classes.setItem(row, 0, QTableWidgetItem(name))
            bar = QProgressBar(self.classes)
            bar.setRange(0, 1000)
            bar.setValue(int(round(1000 * probability)))
            bar.setFormat(f"{100 * probability:.1f}%")
            self.classes.setCellWidget(row, 1, bar)
