"""The training settings form: optimiser, learning rate, batch size, epochs, schedule, early stopping, device, the
GPUs to use (shown only where PyTorch sees several; `set_gpus`), and (under Transfer learning) the weights to start
from and the layers to freeze.

The form edits a `TrainingSettings`; every change is checked by `TrainingSettings` itself and announced with
`changed` so the panel can store it in the project (as an undoable step). Undo and Redo keys pressed in a number field
go to the window's Undo and Redo, as on the canvas, not to the field's text. Widgets carry object names for tests
and tooltips for people.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QLabel, QListWidget, QListWidgetItem, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from workbench.core.help import GLOSSARY
from workbench.core.training.settings import (DEVICES, OPTIMIZER_TITLES, SCHEDULE_TITLES, TASK_MONITORS,
                                               TrainingSettings)
from workbench.gui.help.glossary_links import MONITOR_TERMS  # the monitor's tooltip: its glossary text

DEVICE_TITLES = {"auto": "Automatic (GPU if there is one)", "cpu": "CPU", "cuda": "NVIDIA GPU (CUDA)",
                 "mps": "Apple GPU (MPS)"}
MONITOR_TITLES = {"val_loss": "Validation loss", "val_accuracy": "Validation accuracy",
                  "val_f1_macro": "Validation F1", "val_mae": "Validation MAE", "val_rmse": "Validation RMSE",
                  "val_r2": "Validation R²"}
# a multi-label run's figures, named as the glossary and the Evaluate page name them
MULTILABEL_MONITOR_TITLES = {"val_loss": "Validation loss", "val_accuracy": "Validation labels right",
                             "val_f1_macro": "Validation F1 (mean over labels)",
                             "val_f1_micro": "Validation F1 (all labels together)",
                             "val_exact_match": "Validation exact match"}
NOT_FOR_TASK = "{title} (not measured for this data)"  # a monitor the project names that the task does not give
REDO_ALSO = QKeySequence("Ctrl+Y")[0]  # the window's second Redo key


class LogSpinBox(QDoubleSpinBox):
    """A spin box for rates: arrows multiply or divide by about 2 (1, 2, 5 steps), shown without trailing zeros."""

    def stepBy(self, steps: int) -> None:
        value = self.value()
        if value <= 0:
            self.setValue(self.minimum() if steps > 0 else 0.0)
            return
        ladder = (1.0, 2.0, 5.0)
        exponent = math.floor(math.log10(value) + 1e-9)
        mantissa = value / 10 ** exponent
        index = min(range(3), key=lambda i: abs(ladder[i] - mantissa))
        position = exponent * 3 + index + steps
        self.setValue(ladder[position % 3] * 10 ** (position // 3))

    def textFromValue(self, value: float) -> str:
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text, pos):
        from PySide6.QtGui import QValidator  # lazy

        try:
            value = float(text.replace(",", "."))
        except ValueError:
            return QValidator.State.Intermediate, text, pos
        ok = self.minimum() <= value <= self.maximum()
        return (QValidator.State.Acceptable if ok else QValidator.State.Intermediate), text, pos


class TrainSettingsForm(QWidget):
    changed = Signal(object)  # TrainingSettings

    def __init__(self, parent=None):
        super().__init__(parent)
        self._loading = False
        self._settings = TrainingSettings()
        self._task = "classification"
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)

        basics = QGroupBox("Training", self)
        form = QFormLayout(basics)
        self.optimizer = self._combo("optimizer", OPTIMIZER_TITLES,
                                     "How the weights are updated. Adam works well almost everywhere.")
        form.addRow("Optimiser", self.optimizer)
        self.learning_rate = LogSpinBox(self)
        self.learning_rate.setObjectName("learning_rate")
        self.learning_rate.setDecimals(7)
        self.learning_rate.setRange(1e-7, 10.0)
        self.learning_rate.setToolTip("How big each update step is. Too high: the loss jumps or becomes NaN; too low: "
                                      "training crawls. 0.001 suits Adam.")
        form.addRow("Learning rate", self.learning_rate)
        self.batch_size = self._spin("batch_size", 1, 65536, "Samples per update step.")
        form.addRow("Batch size", self.batch_size)
        self.epochs = self._spin("epochs", 1, 100_000, "Passes over the training data (early stopping may end "
                                                        "sooner).")
        form.addRow("Epochs", self.epochs)
        self.schedule = self._combo("schedule", SCHEDULE_TITLES, "How the learning rate changes during training.")
        form.addRow("Schedule", self.schedule)
        self.weight_decay = LogSpinBox(self)
        self.weight_decay.setObjectName("weight_decay")
        self.weight_decay.setDecimals(7)
        self.weight_decay.setRange(0.0, 1.0)
        self.weight_decay.setToolTip("Pulls weights towards zero to fight overfitting; 0 turns it off.")
        form.addRow("Weight decay", self.weight_decay)
        self.momentum = QDoubleSpinBox(self)
        self.momentum.setObjectName("momentum")
        self.momentum.setRange(0.0, 0.9999)
        self.momentum.setDecimals(4)
        self.momentum.setSingleStep(0.05)
        self.momentum.setToolTip("SGD only: how much of the previous step carries over.")
        form.addRow("Momentum", self.momentum)
        outer.addWidget(basics)

        stopping = QGroupBox("Stopping and repeatability", self)
        form = QFormLayout(stopping)
        self.early_stopping = QCheckBox("Stop when it stops improving", self)
        self.early_stopping.setObjectName("early_stopping")
        form.addRow(self.early_stopping)
        self.monitor = self._combo("monitor", MONITOR_TITLES, "The figure that decides the best epoch (and when "
                                   "to stop early); the list offers the figures this data's task measures.")
        form.addRow("Watch", self.monitor)
        self.patience = self._spin("patience", 1, 100_000, "Epochs without improvement before stopping.")
        form.addRow("Patience (epochs)", self.patience)
        self.restore_best = QCheckBox("Keep the weights of the best epoch", self)
        self.restore_best.setObjectName("restore_best")
        form.addRow(self.restore_best)
        self.grad_clip = QDoubleSpinBox(self)
        self.grad_clip.setObjectName("grad_clip")
        self.grad_clip.setRange(0.0, 1e6)
        self.grad_clip.setSpecialValueText("Off")
        self.grad_clip.setToolTip("Limits the size of each update; helps when the loss becomes NaN.")
        form.addRow("Gradient clipping", self.grad_clip)
        self.seed = self._spin("seed", 0, 2_147_483_647, "The random start; the same seed gives the same start.")
        form.addRow("Seed", self.seed)
        self.deterministic = QCheckBox("Repeatable (same curve every time)", self)
        self.deterministic.setObjectName("deterministic")
        form.addRow(self.deterministic)
        self.device = self._combo("device", {d: DEVICE_TITLES[d] for d in DEVICES}, "Where to compute.")
        form.addRow("Device", self.device)
        self.gpus = QComboBox(self)
        self.gpus.setObjectName("gpus")
        self.gpus.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.gpus.setMinimumContentsLength(14)  # long GPU names must not widen the form (they show in the list)
        self.gpus.setToolTip("Train on one GPU, or on several together: each GPU trains on its share of every "
                             "batch round and they average what they learned (PyTorch's DistributedDataParallel).")
        self.gpus_label = QLabel("GPUs to use", self)
        form.addRow(self.gpus_label, self.gpus)
        self._gpu_list = []
        self._show_gpus()
        self.mixed_precision = QCheckBox("Mixed precision on the GPU (faster)", self)
        self.mixed_precision.setObjectName("mixed_precision")
        form.addRow(self.mixed_precision)
        outer.addWidget(stopping)

        transfer = QGroupBox("Transfer learning", self)
        box = QVBoxLayout(transfer)
        row = QHBoxLayout()
        row.addWidget(QLabel("Start from", self))
        self.init_from = QComboBox(self)
        self.init_from.setObjectName("init_from")
        self.init_from.setToolTip("Start from trained weights: layers are matched by name and shape.")
        row.addWidget(self.init_from, 1)
        self.choose_weights = QPushButton("Other…", self)
        self.choose_weights.setToolTip("Start from another project's trained run or a .safetensors weights file")
        self.choose_weights.clicked.connect(self._choose_source)
        row.addWidget(self.choose_weights)
        box.addLayout(row)
        box.addWidget(QLabel("Frozen layers (not trained):", self))
        self.frozen = QListWidget(self)
        self.frozen.setObjectName("frozen_nodes")
        self.frozen.setMaximumHeight(110)
        box.addWidget(self.frozen)
        outer.addWidget(transfer)
        outer.addStretch(1)

        for spin in (self.learning_rate, self.weight_decay, self.momentum, self.grad_clip):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._edited)
        for spin in (self.batch_size, self.epochs, self.patience, self.seed):
            spin.valueChanged.connect(self._edited)
        for combo in (self.optimizer, self.schedule, self.monitor, self.device, self.gpus, self.init_from):
            combo.currentIndexChanged.connect(self._edited)
        for check in (self.early_stopping, self.restore_best, self.deterministic, self.mixed_precision):
            check.toggled.connect(self._edited)
        self.frozen.itemChanged.connect(self._edited)
        for spin in (self.learning_rate, self.weight_decay, self.momentum, self.grad_clip, self.batch_size,
                     self.epochs, self.patience, self.seed):
            spin.installEventFilter(self)
            spin.lineEdit().installEventFilter(self)
        self.set_settings(self._settings)

    def eventFilter(self, watched, event) -> bool:
        """Undo and Redo keys in a number field reach the window's Undo and Redo (settings are undone like edits)."""
        if event.type() == QEvent.Type.ShortcutOverride and (
                event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
                or event.keyCombination() == REDO_ALSO):
            return True  # not accepted by the field, so the window's shortcut takes the key
        return super().eventFilter(watched, event)

    def _combo(self, name: str, titles: dict, tip: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        for key, title in titles.items():
            combo.addItem(title, key)
        combo.setToolTip(tip)
        return combo

    def _spin(self, name: str, low: int, high: int, tip: str) -> QSpinBox:
        spin = QSpinBox(self)
        spin.setObjectName(name)
        spin.setRange(low, high)
        spin.setKeyboardTracking(False)
        spin.setGroupSeparatorShown(True)
        spin.setToolTip(tip)
        return spin

    # --- in and out -------------------------------------------------------------------------------------------

    def set_context(self, graph, params: dict[str, int], runs: list[dict], task: str) -> None:
        """The layers that can be frozen (those with weights: `params` maps node ids to parameter counts), the
        earlier runs to start from, and the task (which metrics to offer)."""
        self._loading = True
        self._task = task
        self.frozen.clear()
        for node_id, node in graph.nodes.items():
            if not params.get(node_id):
                continue
            item = QListWidgetItem(f"{node.name}  ({node.spec.display_name})", self.frozen)
            item.setData(Qt.ItemDataRole.UserRole, node_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
        self._runs = [r for r in runs if r.files.weights]
        self._loading = False
        self.set_settings(self._settings)

    def set_gpus(self, gpus: list) -> None:
        """The NVIDIA GPUs PyTorch sees here (`GpuInfo`s, from the warm-up); the choice shows only with two or more."""
        self._gpu_list = list(gpus)
        self._loading = True
        self._show_gpus()
        self._loading = False
        self.set_settings(self._settings)

    def _show_gpus(self) -> None:
        self.gpus.clear()
        count = len(self._gpu_list)
        for gpu in self._gpu_list:
            self.gpus.addItem(f"1 GPU — {gpu.title}", (1, gpu.index))
        for n in range(2, count):
            self.gpus.addItem(f"{n} GPUs together", (n, 0))
        if count >= 2:
            self.gpus.addItem(f"All {count} GPUs together", (0, 0))
        self.gpus.setVisible(count >= 2)
        self.gpus_label.setVisible(count >= 2)

    def _select_gpus(self, gpus: int, gpu: int) -> None:
        if not self.gpus.count():
            return
        wanted = (1, gpu) if gpus == 1 else (gpus, 0)
        if wanted not in [self.gpus.itemData(i) for i in range(self.gpus.count())]:  # chosen on another machine
            self.gpus.addItem(f"1 GPU — GPU {gpu}" if gpus == 1 else f"{gpus} GPUs together", wanted)
        _select(self.gpus, wanted)

    def set_settings(self, settings: TrainingSettings) -> None:
        self._loading = True
        self._settings = settings
        s = settings
        _select(self.optimizer, s.optimizer)
        self.learning_rate.setValue(s.learning_rate)
        self.batch_size.setValue(s.batch_size)
        self.epochs.setValue(s.epochs)
        _select(self.schedule, s.schedule)
        self.weight_decay.setValue(s.weight_decay)
        self.momentum.setValue(s.momentum)
        self.early_stopping.setChecked(s.early_stopping)
        self._fill_monitors(s.monitor)
        self.patience.setValue(s.patience)
        self.restore_best.setChecked(s.restore_best)
        self.grad_clip.setValue(s.grad_clip)
        self.seed.setValue(min(s.seed, self.seed.maximum()))
        self.deterministic.setChecked(s.deterministic)
        _select(self.device, s.device)
        self._select_gpus(s.gpus, s.gpu)
        self.mixed_precision.setChecked(s.mixed_precision)
        self._fill_sources(s.init_from)
        frozen = set(s.frozen_nodes)
        for i in range(self.frozen.count()):
            item = self.frozen.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in frozen
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        self._update_enabled()
        self._loading = False

    def settings(self) -> TrainingSettings:
        return self._settings

    def _fill_monitors(self, current: str) -> None:
        """Only the figures the task measures; one the project names that it does not is shown as such (training
        then says why it cannot follow it), so that nothing changes until the user chooses."""
        titles = MULTILABEL_MONITOR_TITLES if self._task == "multilabel" else MONITOR_TITLES
        allowed = TASK_MONITORS.get(self._task, TASK_MONITORS["classification"])
        self.monitor.clear()
        for key in allowed:
            self.monitor.addItem(titles[key], key)
            self.monitor.setItemData(self.monitor.count() - 1, GLOSSARY[MONITOR_TERMS[key]].text,
                                     Qt.ItemDataRole.ToolTipRole)
        if current not in allowed:
            title = MULTILABEL_MONITOR_TITLES.get(current) or MONITOR_TITLES.get(current, current)
            self.monitor.addItem(NOT_FOR_TASK.format(title=title), current)
        _select(self.monitor, current)

    def _fill_sources(self, current: dict | None) -> None:
        self.init_from.clear()
        self.init_from.addItem("Random weights (from scratch)", None)
        for record in reversed(getattr(self, "_runs", [])):
            test = record.figures("test")
            figure = f" — test accuracy {test['accuracy']:.1%}" if "accuracy" in test else \
                (f" — test R² {test['r2']:.3f}" if "r2" in test else "")
            self.init_from.addItem(f"{record.title}{figure}", {"run": record.id})
        if current and current not in [self.init_from.itemData(i) for i in range(self.init_from.count())]:
            label = current.get("weights") or current.get("project")
            self.init_from.addItem(f"{label}" + (f" (run {current['run']})" if "run" in current and
                                                 "project" in current else ""), current)
        for i in range(self.init_from.count()):
            if self.init_from.itemData(i) == current:
                self.init_from.setCurrentIndex(i)
                break

    def _choose_source(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Start from trained weights", "",
                                              "Workbench projects and weights (*.json *.safetensors)")
        if not path:
            return
        source = {"weights": path} if path.endswith(".safetensors") else {"project": path}
        self.init_from.addItem(path, source)
        self.init_from.setCurrentIndex(self.init_from.count() - 1)

    def _edited(self, *_):
        if self._loading:
            return
        frozen = [self.frozen.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.frozen.count())
                  if self.frozen.item(i).checkState() == Qt.CheckState.Checked]
        values = dict(optimizer=self.optimizer.currentData(), learning_rate=self.learning_rate.value(),
                      batch_size=self.batch_size.value(), epochs=self.epochs.value(),
                      schedule=self.schedule.currentData(), weight_decay=self.weight_decay.value(),
                      momentum=self.momentum.value(), early_stopping=self.early_stopping.isChecked(),
                      monitor=self.monitor.currentData(), patience=self.patience.value(),
                      restore_best=self.restore_best.isChecked(), grad_clip=self.grad_clip.value(),
                      seed=self.seed.value(), deterministic=self.deterministic.isChecked(),
                      device=self.device.currentData(), mixed_precision=self.mixed_precision.isChecked(),
                      frozen_nodes=frozen, init_from=self.init_from.currentData())
        if self.gpus.count():
            values["gpus"], values["gpu"] = self.gpus.currentData()
        self._settings = self._settings.replaced(**values)
        self._update_enabled()
        self.changed.emit(self._settings)

    def _update_enabled(self) -> None:
        self.momentum.setEnabled(self.optimizer.currentData() == "sgd")
        stopping = self.early_stopping.isChecked()
        self.patience.setEnabled(stopping)
        self.mixed_precision.setEnabled(self.device.currentData() != "cpu")
        self.gpus.setEnabled(self.device.currentData() in ("auto", "cuda"))


def _select(combo: QComboBox, key) -> None:
    for i in range(combo.count()):
        if combo.itemData(i) == key:
            combo.setCurrentIndex(i)
            return
