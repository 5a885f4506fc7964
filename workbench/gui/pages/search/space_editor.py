"""The search space editor: for each layer setting and training setting a range or a set of choices, layers marked
optional, a repeated chain of layers, the width multipliers, and the search's settings (objective, limit, budget,
seed). `section()` reads the widgets into a `SearchSection`, raising `WorkbenchError` naming the row at fault."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListWidget, QListWidgetItem, QSpinBox, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from workbench.core.errors import WorkbenchError
from workbench.core.graph.model import Graph
from workbench.core.search.settings import OBJECTIVE_TITLES, OBJECTIVES, SearchSection, SearchSettings
from workbench.core.search.space import Choices, NumberRange, RepeatChain, SearchSpace
from workbench.core.search.suggest import SUGGESTED_WIDTHS

COLUMNS = ("Vary", "Layer", "Setting", "From", "To  (or: choices)")
LOG_SCALE = ("training.learning_rate",)
TRAINING_ROWS = (("learning_rate", "float", 3e-4, 1e-2), ("weight_decay", "float", 0.0, 1e-3),
                 ("batch_size", "choices", "32, 64, 128", None), ("optimizer", "choices", "adam, adamw, sgd", None))
OBJECTIVE_LIMIT_UNITS = {"params": "parameters", "macs": "MACs", "size": "bytes", "latency": "ms"}


def _number_text(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _parse_value(text: str, kind: str, where: str):
    text = text.strip()
    if kind == "choices":
        return text
    try:
        number = float(text)
    except ValueError:
        raise WorkbenchError(f"{where}: {text!r} is not a number.") from None
    if kind == "int":
        if not number.is_integer():
            raise WorkbenchError(f"{where}: {text!r} is not a whole number.")
        return int(number)
    return number


def _choice_value(text: str):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


class SpaceEditor(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("space_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setToolTip("Tick a setting to let the search vary it: numbers from 'From' to 'To', or one of the "
                              "choices written in 'To', separated by commas.")
        self.optional = QListWidget(self)
        self.optional.setObjectName("optional_layers")
        self.optional.setToolTip("Ticked layers are kept by some trials and skipped by others (where the shapes "
                                 "allow).")
        self.optional.setMaximumHeight(110)
        self.width_edit = QLineEdit(self)
        self.width_edit.setObjectName("width_edit")
        self.width_edit.setPlaceholderText("e.g. 0.25, 0.5, 1  (empty: keep every width)")
        self.width_edit.setToolTip("Multipliers of every layer's filters and units, one chosen per trial.")
        self.chain_edit = QLineEdit(self)
        self.chain_edit.setObjectName("chain_edit")
        self.chain_edit.setPlaceholderText("layers in order, e.g. conv2, relu2  (empty: none)")
        self.chain_low, self.chain_high = QSpinBox(self), QSpinBox(self)
        for spin, value in ((self.chain_low, 1), (self.chain_high, 2)):
            spin.setRange(0, 16)
            spin.setValue(value)
        chain_row = QHBoxLayout()
        chain_row.addWidget(self.chain_edit, 1)
        chain_row.addWidget(QLabel("from", self))
        chain_row.addWidget(self.chain_low)
        chain_row.addWidget(QLabel("to", self))
        chain_row.addWidget(self.chain_high)
        chain_row.addWidget(QLabel("times", self))

        self.objective = QComboBox(self)
        self.objective.setObjectName("objective_combo")
        for name in OBJECTIVES:
            self.objective.addItem(OBJECTIVE_TITLES[name].capitalize(), name)
        self.limit = QDoubleSpinBox(self)
        self.limit.setObjectName("limit_spin")
        self.limit.setRange(0, 1e12)
        self.limit.setDecimals(3)
        self.limit.setSpecialValueText("none: the Pareto front")
        self.limit.setToolTip("At most this cost: the search then looks for the lowest error under it.")
        self.trials = QSpinBox(self)
        self.trials.setObjectName("trials_spin")
        self.trials.setRange(1, 100_000)
        self.epochs = QSpinBox(self)
        self.epochs.setObjectName("epochs_spin")
        self.epochs.setRange(1, 100_000)
        self.timeout = QSpinBox(self)
        self.timeout.setObjectName("timeout_spin")
        self.timeout.setRange(0, 7 * 24 * 3600)
        self.timeout.setSuffix(" s")
        self.timeout.setSpecialValueText("no time limit")
        self.seed = QSpinBox(self)
        self.seed.setObjectName("seed_spin")
        self.seed.setRange(0, 2**31 - 1)
        form = QFormLayout()
        form.addRow("Cost to set against error", self.objective)
        form.addRow("Limit", self.limit)
        form.addRow("Trials", self.trials)
        form.addRow("Epochs per trial (at most)", self.epochs)
        form.addRow("Time limit", self.timeout)
        form.addRow("Seed", self.seed)
        settings_box = QGroupBox("How to search", self)
        settings_box.setLayout(form)

        space_box = QGroupBox("What may vary", self)
        inner = QVBoxLayout(space_box)
        inner.addWidget(self.table, 1)
        inner.addWidget(QLabel("Optional layers", self))
        inner.addWidget(self.optional)
        width_form = QFormLayout()
        width_form.addRow("Width multipliers", self.width_edit)
        width_form.addRow("Repeated chain", chain_row)
        inner.addLayout(width_form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(space_box, 1)
        layout.addWidget(settings_box)
        self.graph = Graph()
        self.extra: dict = {}
        self.settings = SearchSettings()

    # --- filling ---------------------------------------------------------------------------------------------------

    def set_project(self, graph: Graph, section: SearchSection | None) -> None:
        """Shows the rows of `graph` with `section`'s entries ticked (none: a suggested start, unticked)."""
        self.graph = graph
        self.settings = section.settings if section is not None else SearchSettings()
        self.extra = dict(section.extra) if section is not None else {}
        space = section.space if section is not None else SearchSpace()
        entries = {e.target: e for e in (*space.ranges, *space.choices)}
        self.table.setRowCount(0)
        for nid in graph.topological_order():
            node = graph.nodes[nid]
            if node.spec.role in ("input", "head"):
                continue
            for setting in node.spec.settings:
                if setting.kind in ("int", "float"):
                    value = node.params[setting.name]  # offered from half to twice the value it has
                    low = max(setting.minimum or 0, value / 2 if setting.kind == "float" else value // 2)
                    high = value * 2 if setting.maximum is None else min(setting.maximum, value * 2)
                    self._add_row(nid, node.name, setting.name, setting.kind, low, high, entries)
                elif setting.kind == "choice":
                    self._add_row(nid, node.name, setting.name, "choices", ", ".join(setting.choices), None, entries)
        for name, kind, low, high in TRAINING_ROWS:
            self._add_row("training", "Training", name, kind, low, high, entries)
        self.optional.clear()
        for nid in graph.topological_order():
            node = graph.nodes[nid]
            if node.spec.role in ("input", "head"):
                continue
            item = QListWidgetItem(node.name, self.optional)
            item.setData(Qt.ItemDataRole.UserRole, nid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if nid in space.optional else Qt.CheckState.Unchecked)
        self.width_edit.setText(", ".join(f"{w:g}" for w in space.width) if section is not None else
                                ", ".join(f"{w:g}" for w in SUGGESTED_WIDTHS))
        chain = space.repeats[0] if space.repeats else None
        names = [graph.nodes[n].name for n in chain.nodes if n in graph.nodes] if chain else []
        self.chain_edit.setText(", ".join(names))
        self.chain_low.setValue(chain.low if chain else 1)
        self.chain_high.setValue(chain.high if chain else 2)
        s = self.settings
        self.objective.setCurrentIndex(OBJECTIVES.index(s.objective))
        self.limit.setValue(s.limit or 0)
        self.trials.setValue(s.trials)
        self.epochs.setValue(s.epochs)
        self.timeout.setValue(int(s.timeout_s or 0))
        self.seed.setValue(s.seed)

    def _add_row(self, nid, layer, setting, kind, low, high, entries) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        target = f"{nid}.{setting}"
        entry = entries.get(target)
        vary = QTableWidgetItem()
        vary.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        vary.setCheckState(Qt.CheckState.Checked if entry is not None else Qt.CheckState.Unchecked)
        vary.setData(Qt.ItemDataRole.UserRole, (target, kind))
        self.table.setItem(row, 0, vary)
        for column, text in ((1, layer), (2, setting.replace("_", " "))):
            item = QTableWidgetItem(text)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, column, item)
        if isinstance(entry, NumberRange):
            low, high = entry.low, entry.high
        elif isinstance(entry, Choices):
            low, high = ", ".join(_number_text(v) for v in entry.values), None
        if kind == "choices":
            self.table.setItem(row, 3, self._fixed(""))
            self.table.setItem(row, 4, QTableWidgetItem(str(low)))
        else:
            self.table.setItem(row, 3, QTableWidgetItem(_number_text(low)))
            self.table.setItem(row, 4, QTableWidgetItem(_number_text(high)))

    @staticmethod
    def _fixed(text: str) -> QTableWidgetItem:
        item = QTableWidgetItem(text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        return item

    def row_of(self, target: str) -> int:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)[0] == target:
                return row
        raise KeyError(target)

    # --- reading ---------------------------------------------------------------------------------------------------

    def space(self) -> SearchSpace:
        ranges, choices = [], []
        for row in range(self.table.rowCount()):
            vary = self.table.item(row, 0)
            if vary.checkState() != Qt.CheckState.Checked:
                continue
            target, kind = vary.data(Qt.ItemDataRole.UserRole)
            where = f"{self.table.item(row, 1).text()} {self.table.item(row, 2).text()}"
            to_text = self.table.item(row, 4).text()
            if kind == "choices":
                values = [_choice_value(v.strip()) for v in to_text.split(",") if v.strip()]
                if not values:
                    raise WorkbenchError(f"{where}: write the choices, separated by commas.")
                choices.append(Choices(target, tuple(dict.fromkeys(values))))
                continue
            low = _parse_value(self.table.item(row, 3).text(), kind, where)
            high = _parse_value(to_text, kind, where)
            if high < low:
                raise WorkbenchError(f"{where}: the range ends ({high:g}) below where it starts ({low:g}).")
            log = target in LOG_SCALE and low > 0
            ranges.append(NumberRange(target, low, high, integer=kind == "int", log=log))
        optional = tuple(self.optional.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.optional.count())
                         if self.optional.item(i).checkState() == Qt.CheckState.Checked)
        width = []
        for text in self.width_edit.text().replace(";", ",").split(","):
            if text.strip():
                value = _parse_value(text, "float", "Width multipliers")
                if not 0 < value <= 16:
                    raise WorkbenchError(f"Width multipliers: {value:g} is not above 0 and at most 16.")
                width.append(value)
        repeats = ()
        names = [n.strip() for n in self.chain_edit.text().split(",") if n.strip()]
        if names:
            ids = []
            for name in names:
                node = self.graph.node_by_name(name) or self.graph.nodes.get(name)
                if node is None:
                    raise WorkbenchError(f"Repeated chain: there is no layer called '{name}'.")
                ids.append(node.id)
            if self.chain_high.value() < self.chain_low.value():
                raise WorkbenchError("Repeated chain: 'to' is below 'from'.")
            repeats = (RepeatChain(tuple(ids), self.chain_low.value(), self.chain_high.value()),)
        return SearchSpace(tuple(ranges), tuple(choices), optional, repeats, tuple(dict.fromkeys(width)))

    def search_settings(self) -> SearchSettings:
        return self.settings.replaced(objective=self.objective.currentData(), limit=self.limit.value() or None,
                                      trials=self.trials.value(), epochs=self.epochs.value(),
                                      timeout_s=float(self.timeout.value()) or None, seed=self.seed.value())

    def section(self) -> SearchSection:
        return SearchSection(self.space(), self.search_settings(), self.extra)
