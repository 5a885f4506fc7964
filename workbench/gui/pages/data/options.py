"""The Data page's small option forms: split, augmentation, image folder, arrays and generated data.

Each form turns its widgets into the JSON-safe pieces of a `DatasetSpec` (``options()``, ``split()``,
``augmentation()``), shows a saved spec again (``set_options`` ...), and emits ``changed`` when the user edits it.
After an import, ``show_detected(dataset)`` writes what "Automatic" chose next to it. The CSV form, the largest,
lives in `dataset_csv_form`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QWidget)

TASK_CHOICES = (("Automatic", "auto"), ("Classification (classes)", "classification"),
                ("Regression (numbers)", "regression"), ("Multi-label (several labels per row)", "multilabel"))


def select_data(combo: QComboBox, value) -> None:
    """Selects the entry whose data is ``value`` (the first entry when none is)."""
    index = combo.findData(value)
    combo.setCurrentIndex(max(index, 0))


def set_auto_text(combo: QComboBox, detected: str | None) -> None:
    """Names what "Automatic" (the entry with data None or "auto") chose, e.g. "Automatic (comma)"."""
    index = combo.findData("auto")
    if index < 0:
        index = combo.findData(None)
    if index >= 0:
        combo.setItemText(index, f"Automatic ({detected})" if detected else "Automatic")


def task_combo(parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    for text, value in TASK_CHOICES:
        combo.addItem(text, value)
    combo.setToolTip("Classification sorts samples into classes; regression predicts numbers; multi-label gives "
                     "each sample any number of labels (several target columns of 0 and 1, see “Several labels "
                     "per row”, or one column of labels separated by '|' or ';'). Automatic decides from the target.")
    return combo


def compact_form(widget: QWidget) -> QFormLayout:
    form = QFormLayout(widget)
    form.setContentsMargins(0, 0, 0, 0)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    return form


class SplitForm(QGroupBox):
    """Train / validation / test shares (test is what is left), the shuffling seed and stratification."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__("Split", parent)
        form = QFormLayout(self)
        self.train = self._percent(70, "Share of the samples the network learns from")
        self.val = self._percent(15, "Share kept aside to watch the training (early stopping, best epoch)")
        self.test_label = QLabel(self)
        self.test_label.setToolTip("What is left: samples used once, at the end, to measure the trained network")
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setToolTip("The same seed gives the same split every time")
        self.stratify = QCheckBox("Keep the class balance in every part", self)
        self.stratify.setChecked(True)
        self.stratify.setToolTip("Stratified split: each class is split in the same proportions (classification)")
        form.addRow("Training", self.train)
        form.addRow("Validation", self.val)
        form.addRow("Test", self.test_label)
        form.addRow("Seed", self.seed)
        form.addRow(self.stratify)
        for spin in (self.train, self.val):
            spin.valueChanged.connect(self._shares_changed)
        self.seed.valueChanged.connect(self.changed)
        self.stratify.toggled.connect(self.changed)
        self._shares_changed()

    def _percent(self, value: int, tip: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setRange(0, 100)
        spin.setSuffix(" %")
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    def _shares_changed(self, *_):
        self.train.setMinimum(1)
        self.val.setMaximum(100 - self.train.value())
        self.train.setMaximum(100 - self.val.value())
        self.test_label.setText(f"{100 - self.train.value() - self.val.value()} %")
        self.changed.emit()

    def split(self) -> dict:
        train, val = self.train.value(), self.val.value()
        return {"train": train / 100, "val": val / 100, "test": round(1 - train / 100 - val / 100, 10),
                "seed": self.seed.value(), "stratify": self.stratify.isChecked()}

    def set_split(self, split: dict) -> None:
        self.val.setMaximum(100)
        self.train.setMaximum(100)
        self.val.setValue(0)
        self.train.setValue(round(split.get("train", 0.7) * 100))
        self.val.setValue(round(split.get("val", 0.15) * 100))
        self.seed.setValue(int(split.get("seed", 0)))
        self.stratify.setChecked(bool(split.get("stratify", True)))


class AugmentationForm(QGroupBox):
    """Random changes to the training images, a new draw every epoch (done on the tensors during training)."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__("Augmentation (training images only)", parent)
        form = QFormLayout(self)
        self.hflip = QCheckBox("Flip left-right", self)
        self.vflip = QCheckBox("Flip upside down", self)
        self.rotate = QSpinBox(self)
        self.rotate.setRange(0, 180)
        self.rotate.setSuffix("°")
        self.rotate.setSpecialValueText("off")
        self.shift = QSpinBox(self)
        self.shift.setRange(0, 64)
        self.shift.setSuffix(" px")
        self.shift.setSpecialValueText("off")
        self.noise = QDoubleSpinBox(self)
        self.noise.setRange(0.0, 1.0)
        self.noise.setSingleStep(0.01)
        self.noise.setDecimals(2)
        self.noise.setSpecialValueText("off")
        self.rotate.setToolTip("Rotate each training image by a random angle up to this")
        self.shift.setToolTip("Move each training image by up to this many pixels")
        self.noise.setToolTip("Add random noise of this strength (pixel values are 0 to 1)")
        self.hflip.setToolTip("Mirror half of the training images; right for photos, wrong for digits and text")
        flips = QWidget(self)
        row = QHBoxLayout(flips)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.hflip)
        row.addWidget(self.vflip)
        form.addRow(flips)
        form.addRow("Rotate up to", self.rotate)
        form.addRow("Shift up to", self.shift)
        form.addRow("Noise", self.noise)
        for box in (self.hflip, self.vflip):
            box.toggled.connect(self.changed)
        for spin in (self.rotate, self.shift, self.noise):
            spin.valueChanged.connect(self.changed)

    def augmentation(self) -> dict:
        aug: dict = {}
        if self.hflip.isChecked():
            aug["hflip"] = True
        if self.vflip.isChecked():
            aug["vflip"] = True
        if self.rotate.value():
            aug["rotate_deg"] = float(self.rotate.value())
        if self.shift.value():
            aug["shift_px"] = self.shift.value()
        if self.noise.value():
            aug["noise"] = round(self.noise.value(), 2)
        return aug

    def set_augmentation(self, aug: dict) -> None:
        self.hflip.setChecked(bool(aug.get("hflip", False)))
        self.vflip.setChecked(bool(aug.get("vflip", False)))
        self.rotate.setValue(round(aug.get("rotate_deg", 0)))
        self.shift.setValue(int(aug.get("shift_px", 0)))
        self.noise.setValue(float(aug.get("noise", 0.0)))


class ImageOptionsForm(QWidget):
    """Image folders: the size every image is resized to, and grayscale or colour."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        form = compact_form(self)
        self.size = QSpinBox(self)
        self.size.setRange(0, 1024)
        self.size.setSuffix(" px")
        self.size.setSpecialValueText("Automatic")
        self.size.setToolTip("Every image is resized to this width and height; Automatic keeps the usual size "
                             "of the images (made smaller when it is large)")
        self.color = QComboBox(self)
        for text, value in (("Automatic", "auto"), ("Grayscale (1 channel)", "grayscale"), ("RGB (3 channels)", "rgb")):
            self.color.addItem(text, value)
        form.addRow("Image size", self.size)
        form.addRow("Colour", self.color)
        self.size.valueChanged.connect(self.changed)
        self.color.currentIndexChanged.connect(self.changed)

    def options(self) -> dict:
        options: dict = {}
        if self.size.value():
            options["image_size"] = self.size.value()
        if self.color.currentData() != "auto":
            options["color_mode"] = self.color.currentData()
        return options

    def set_options(self, options: dict) -> None:
        size = options.get("image_size", 0)
        self.size.setValue(size[0] if isinstance(size, list) else int(size))
        select_data(self.color, options.get("color_mode", "auto"))

    def show_detected(self, dataset) -> None:
        pre = dataset.preprocessing
        height, width = pre.get("size", (0, 0))
        self.size.setSpecialValueText(f"Automatic ({width}x{height})" if height else "Automatic")
        set_auto_text(self.color, "RGB" if pre.get("channels") == 3 else "grayscale")


class ArrayOptionsForm(QWidget):
    """NumPy .npz and IDX files: standardising, the task, and for IDX the labels file when it is not found."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        form = compact_form(self)
        self.standardize = QCheckBox("Standardise the features (tables of numbers)", self)
        self.standardize.setChecked(True)
        self.standardize.setToolTip("Scale every column to mean 0 and spread 1, as measured on the training split")
        self.task = task_combo(self)
        self.labels = QLineEdit(self)
        self.labels.setReadOnly(True)
        self.labels.setPlaceholderText("found next to the images file")
        self.labels_button = QPushButton("Labels file…", self)
        self.labels_button.clicked.connect(lambda: self.choose_labels())
        labels_row = QWidget(self)
        row = QHBoxLayout(labels_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.labels, 1)
        row.addWidget(self.labels_button)
        self.labels_row = labels_row
        form.addRow(self.standardize)
        form.addRow("Task", self.task)
        form.addRow("Labels", labels_row)
        self.source = "npz"
        self.standardize.toggled.connect(self.changed)
        self.task.currentIndexChanged.connect(self.changed)

    def set_source(self, source: str) -> None:
        self.source = source
        self.labels_row.setVisible(source == "idx")
        self.layout().labelForField(self.labels_row).setVisible(source == "idx")

    def choose_labels(self, path: str | None = None) -> None:
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Choose the IDX labels file")
            if not path:
                return
        self.labels.setText(str(Path(path)))
        self.changed.emit()

    def options(self) -> dict:
        options: dict = {}
        if not self.standardize.isChecked():
            options["standardize"] = False
        if self.task.currentData() != "auto":
            options["task"] = self.task.currentData()
        if self.source == "idx" and self.labels.text():
            options["labels_path"] = self.labels.text()
        return options

    def set_options(self, options: dict) -> None:
        self.standardize.setChecked(options.get("standardize", True))
        select_data(self.task, options.get("task", "auto"))
        self.labels.setText(options.get("labels_path", ""))

    def show_detected(self, dataset) -> None:
        set_auto_text(self.task, dataset.task)


GENERATED_DEFAULTS = {"moons": {"n_samples": 1000, "noise": 0.1, "seed": 0},
                      "spirals": {"n_samples": 1000, "noise": 0.05, "seed": 0, "classes": 2}}


class GeneratedOptionsForm(QWidget):
    """Two moons and spirals: how many points, how noisy, how many arms, and the seed that draws them."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        form = compact_form(self)
        self.points = QSpinBox(self)
        self.points.setRange(10, 1_000_000)
        self.points.setSingleStep(100)
        self.points.setGroupSeparatorShown(True)
        self.noise = QDoubleSpinBox(self)
        self.noise.setRange(0.0, 10.0)
        self.noise.setSingleStep(0.01)
        self.arms = QSpinBox(self)
        self.arms.setRange(2, 10)
        self.seed = QSpinBox(self)
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setToolTip("The same seed draws the same points")
        form.addRow("Points", self.points)
        form.addRow("Noise", self.noise)
        form.addRow("Arms (classes)", self.arms)
        form.addRow("Seed", self.seed)
        self.name = ""
        for spin in (self.points, self.noise, self.arms, self.seed):
            spin.valueChanged.connect(self.changed)

    def set_name(self, name: str) -> None:
        """Shows the settings of "moons" or "spirals", at their defaults when the name changes."""
        if name == self.name:
            return
        self.name = name
        self.arms.setVisible(name == "spirals")
        self.layout().labelForField(self.arms).setVisible(name == "spirals")
        self.set_options({})

    def options(self) -> dict:
        options = {"n_samples": self.points.value(), "noise": round(self.noise.value(), 2), "seed": self.seed.value()}
        if self.name == "spirals":
            options["classes"] = self.arms.value()
        return options

    def set_options(self, options: dict) -> None:
        values = {**GENERATED_DEFAULTS[self.name], **options}
        self.points.setValue(values["n_samples"])
        self.noise.setValue(values["noise"])
        self.arms.setValue(values.get("classes", 2))
        self.seed.setValue(values["seed"])
