"""The Data page's CSV/TSV options: delimiter and header (shown as detected), target, columns and their declared
kinds, missing values, categories, task and a text column.

The import suggests a target when none is chosen; until the user confirms it ("Predict 'species'") or chooses
another, `target_unconfirmed` names it and the page does not use the data. Several columns of 0 and 1 can be the
target together, one label each (`LabelColumnsChoice`): they are one entry of the target list. A project that reads
its table as Workbench did before it suggested targets (``target_rule: last``) keeps doing so.

Opening a file reads only its start (`detect_format`) to list the columns. After an import the column list shows
what the import did with each column (the report's line for it) and which columns it left out on its own, such as
identifiers; a tick includes a column, no tick leaves it out. Only choices that differ from the automatic ones go
into the spec: ``ignore`` lists columns the user left out, ``include`` columns the import would have left out.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QLabel, QPushButton, QSpinBox, QTreeWidget, QTreeWidgetItem, QWidget

from workbench.core.data.csv_format import delimiter_name, detect_format
from workbench.core.errors import WorkbenchError
from workbench.gui.pages.data.label_choice import LabelColumnsChoice
from workbench.gui.pages.data.options import compact_form, select_data, set_auto_text, task_combo

DELIMITERS = (("Automatic", None), ("Comma  ,", ","), ("Semicolon  ;", ";"), ("Tab", "\t"), ("Bar  |", "|"),
              ("Space", " "))
DELIMITER_WORDS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar", " ": "space"}
HEADER_CHOICES = (("Automatic", None), ("Names in the first row", True), ("No header row", False))
MISSING_CHOICES = (("Fill in and mark the gaps", "impute"),
                   ("Drop rows with a missing value", "drop"), ("Fill with the mean (numbers)", "mean"),
                   ("Fill with the most frequent value", "most_frequent"))
KIND_CHOICES = (("As detected", None), ("Categories", "categorical"), ("Numbers", "numeric"))
ENCODING_CHOICES = (("One-hot (one input per category)", "one_hot"), ("Index (one number per column)", "index"))
TEXT_MODES = (("Words", "words"), ("Characters", "chars"))
SEVERAL_SEPARATOR = "\n"  # joins the names of several target columns in the target list's entry for them

NAME_COLUMN, NOTE_COLUMN = 0, 1


def _combo(parent: QWidget, choices) -> QComboBox:
    combo = QComboBox(parent)
    for text, value in choices:
        combo.addItem(text, value)
    return combo


def column_note(report: list[str], name: str) -> str:
    """The report's line about column ``name``, without the "Column 'name': " it starts with."""
    prefix = f"Column {name!r}: "
    return next((line[len(prefix):] for line in report if line.startswith(prefix)), "")


class CsvOptionsForm(QWidget):
    changed = Signal()
    problem = Signal(str)  # the file could not be read with the chosen delimiter or header

    def __init__(self, parent=None):
        super().__init__(parent)
        self.several_targets = ""  # several target columns joined by SEVERAL_SEPARATOR, or none
        self.target_rule: str | None = None     # the project's rule for a target left to Automatic, kept as it is
        self._single_target: str | None = None  # the target before "Several labels" was ticked, to go back to
        form = compact_form(self)
        self.path: Path | None = None
        self.names: list[str] = []
        self.auto_excluded: set[str] = set()   # left out by the last import on its own (identifiers, constants)
        self.auto_target = ""
        self._filling = False

        self.delimiter = _combo(self, DELIMITERS)
        self.header = _combo(self, HEADER_CHOICES)
        self.target = QComboBox(self)
        self.target.setToolTip("The column the network learns to predict")
        self.confirm_target = QPushButton(self)
        self.confirm_target.setToolTip("The import suggests this column as the target: confirm it, or choose "
                                       "another one in the list")
        self.confirm_target.setVisible(False)
        self.confirm_target.clicked.connect(self._confirm_target)
        self.labels = LabelColumnsChoice(self)
        self.labels.opened.connect(self._several_opened)
        self.labels.edited.connect(self._labels_edited)
        self.kind = _combo(self, KIND_CHOICES)
        self.kind.setToolTip("How to read the column selected above: as detected, as categories (also when it "
                             "holds numbers, such as codes) or as numbers (cells that are not numbers become "
                             "missing values)")
        self.task = task_combo(self)
        self.columns = QTreeWidget(self)
        self.columns.setHeaderLabels(["Column", "What the import does"])
        self.columns.setRootIsDecorated(False)
        self.columns.setUniformRowHeights(True)
        self.columns.setToolTip("Tick the columns the network may learn from")
        self.missing = _combo(self, MISSING_CHOICES)
        self.missing.setToolTip("Fill in and mark the gaps: a missing number becomes the column's mean, a missing "
                                "category the most frequent one, and an extra input tells the network where a "
                                "value was missing")
        self.categorical = _combo(self, ENCODING_CHOICES)
        self.text_column = QComboBox(self)
        self.text_column.setToolTip("A column of free text, split into tokens for the sequence templates "
                                    "(LSTM, Transformer)")
        self.text_mode = _combo(self, TEXT_MODES)
        self.max_len = QSpinBox(self)
        self.max_len.setRange(0, 10_000)
        self.max_len.setSpecialValueText("Automatic")
        self.max_len.setSuffix(" tokens")
        self.max_len.setToolTip("Texts are cut to this many tokens, shorter ones padded")
        form.addRow("Delimiter", self.delimiter)
        form.addRow("Header", self.header)
        form.addRow("Target", self.target)
        form.addRow("", self.confirm_target)
        form.addRow("", self.labels)
        form.addRow("Task", self.task)
        form.addRow(QLabel("Columns to learn from", self))
        form.addRow(self.columns)
        form.addRow("Column kind", self.kind)
        form.addRow("Missing values", self.missing)
        form.addRow("Categories", self.categorical)
        form.addRow("Text column", self.text_column)
        form.addRow("Split text into", self.text_mode)
        form.addRow("Text length", self.max_len)

        self.delimiter.currentIndexChanged.connect(self._format_changed)
        self.header.currentIndexChanged.connect(self._format_changed)
        self.target.currentIndexChanged.connect(self._target_chosen)
        self.text_column.currentIndexChanged.connect(self._text_chosen)
        for combo in (self.task, self.missing, self.categorical, self.text_mode):
            combo.currentIndexChanged.connect(self._edited)
        self.max_len.valueChanged.connect(self._edited)
        self.columns.itemChanged.connect(self._edited)
        self.columns.currentItemChanged.connect(self._show_kind)
        self.kind.currentIndexChanged.connect(self._kind_chosen)
        self.kinds: dict[str, str] = {}       # column -> "categorical" | "numeric", as the user declared
        self._update_text_rows()

    # --- the file -------------------------------------------------------------------------------------------------

    def set_file(self, path: str | Path, options: dict | None = None) -> None:
        """Shows a new file's columns (reads its start); raises `WorkbenchError` when it is not a table."""
        options = options or {}
        self.path = Path(path)
        self.auto_excluded, self.auto_target = set(), ""
        self.kinds = dict(options.get("kinds", {}))
        target = options.get("target")
        # several target columns (numbers to predict, or 0/1 labels), as the command line or a project file gives
        # them: one entry of the target list, kept as the user's choice
        self.several_targets = SEVERAL_SEPARATOR.join(target) if isinstance(target, list) and len(target) > 1 \
            else ""
        self.target_rule = options.get("target_rule")
        self._filling = True
        try:
            select_data(self.delimiter, options.get("delimiter"))
            select_data(self.header, options.get("header"))
            for combo in (self.delimiter, self.header, self.target, self.task):
                set_auto_text(combo, None)
            self._read_names()
            select_data(self.target, target if isinstance(target, str) else self.several_targets or None)
            select_data(self.task, options.get("task", "auto"))
            select_data(self.missing, options.get("missing", "impute"))
            select_data(self.categorical, options.get("categorical", "one_hot"))
            text = options.get("text") or {}
            select_data(self.text_column, text.get("column"))
            select_data(self.text_mode, text.get("mode", "words"))
            self.max_len.setValue(text.get("max_len") or 0)
            self._fill_columns(set(options.get("ignore", [])), set(options.get("include", [])))
            self._fill_labels()
        finally:
            self._filling = False
        self._update_text_rows()
        self._update_confirmation()

    def _read_names(self) -> None:
        fmt = detect_format(self.path, self.delimiter.currentData(), self.header.currentData())
        self.names = list(fmt.names)
        if self.delimiter.currentData() is None:
            set_auto_text(self.delimiter, DELIMITER_WORDS.get(fmt.delimiter, delimiter_name(fmt.delimiter)))
        if self.header.currentData() is None:
            set_auto_text(self.header, "names in the first row" if fmt.header else "no header row")
        for combo, empty in ((self.target, "Automatic"), (self.text_column, "None")):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(empty, None)
            for name in self.names:
                combo.addItem(name, name)
            several = self.several_targets.split(SEVERAL_SEPARATOR) if self.several_targets else []
            if combo is self.target and several and all(n in self.names for n in several):
                combo.addItem(f"{', '.join(several)} (several columns)", self.several_targets)
            select_data(combo, current)
            combo.blockSignals(False)

    def _format_changed(self, *_):
        if self._filling or self.path is None:
            return
        ignored, included = set(self.ignored()), set(self.included())
        try:
            self._read_names()
        except WorkbenchError as err:
            self.problem.emit(str(err))
            return
        self.auto_excluded, self.auto_target = set(), ""
        self._fill_columns(ignored, included)
        self._fill_labels()
        self._update_confirmation()
        self.changed.emit()

    # --- the column list ------------------------------------------------------------------------------------------

    def _fill_columns(self, ignored: set[str], included: set[str], notes: dict[str, str] | None = None) -> None:
        notes = notes or {}
        current = self.columns.currentItem()
        current_name = current.data(NAME_COLUMN, Qt.ItemDataRole.UserRole) if current is not None else None
        self.columns.blockSignals(True)
        self.columns.clear()
        for name in self.names:
            item = QTreeWidgetItem([name, notes.get(name, "")])
            item.setData(NAME_COLUMN, Qt.ItemDataRole.UserRole, name)
            item.setToolTip(NOTE_COLUMN, notes.get(name, ""))
            used = name in included or (name not in ignored and name not in self.auto_excluded)
            item.setCheckState(NAME_COLUMN, Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)
            self.columns.addTopLevelItem(item)
            if name == current_name:
                self.columns.setCurrentItem(item)
        self.columns.blockSignals(False)
        self._show_kind(self.columns.currentItem())
        self._mark_roles()
        self.columns.resizeColumnToContents(NAME_COLUMN)
        rows = min(max(len(self.names), 3), 12)
        self.columns.setFixedHeight(rows * (self.columns.sizeHintForRow(0) if self.names else 20)
                                    + self.columns.header().sizeHint().height() + 2 * self.columns.frameWidth() + 2)

    def _mark_roles(self) -> None:
        """The target and the text column are not inputs: no tick box, and the note says so."""
        targets = (self.target.currentData() or self.auto_target).split(SEVERAL_SEPARATOR)
        text = self.text_column.currentData()
        self.columns.blockSignals(True)
        for item in self.items():
            name = item.data(NAME_COLUMN, Qt.ItemDataRole.UserRole)
            fixed = name in targets or name == text
            flags = item.flags()
            if fixed:
                item.setFlags(flags & ~Qt.ItemFlag.ItemIsUserCheckable)
                item.setData(NAME_COLUMN, Qt.ItemDataRole.CheckStateRole, None)
                if not item.text(NOTE_COLUMN) or item.data(NOTE_COLUMN, Qt.ItemDataRole.UserRole):
                    item.setText(NOTE_COLUMN, "the target" if name in targets else "the text input")
                    item.setData(NOTE_COLUMN, Qt.ItemDataRole.UserRole, True)   # a role note, not the report's
            elif not flags & Qt.ItemFlag.ItemIsUserCheckable:
                item.setFlags(flags | Qt.ItemFlag.ItemIsUserCheckable)
                checked = name not in self.auto_excluded
                item.setCheckState(NAME_COLUMN, Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
                if item.data(NOTE_COLUMN, Qt.ItemDataRole.UserRole):
                    item.setText(NOTE_COLUMN, "")
                    item.setData(NOTE_COLUMN, Qt.ItemDataRole.UserRole, None)
        self.columns.blockSignals(False)

    def items(self) -> list[QTreeWidgetItem]:
        return [self.columns.topLevelItem(i) for i in range(self.columns.topLevelItemCount())]

    def item(self, name: str) -> QTreeWidgetItem:
        return next(i for i in self.items() if i.data(NAME_COLUMN, Qt.ItemDataRole.UserRole) == name)

    def _checkable_states(self) -> list[tuple[str, bool]]:
        return [(item.data(NAME_COLUMN, Qt.ItemDataRole.UserRole),
                 item.checkState(NAME_COLUMN) == Qt.CheckState.Checked)
                for item in self.items() if item.flags() & Qt.ItemFlag.ItemIsUserCheckable]

    def ignored(self) -> list[str]:
        """Columns the user left out that the import would have used."""
        return [name for name, used in self._checkable_states() if not used and name not in self.auto_excluded]

    def included(self) -> list[str]:
        """Columns the user ticked that the import would have left out on its own."""
        return [name for name, used in self._checkable_states() if used and name in self.auto_excluded]

    def _target_chosen(self, *_):
        """The user chose a target in the list: "Several labels" shows whether it is the entry of several (whose
        columns are then the ticked ones)."""
        if not self._filling:
            self._fill_labels(self.labels.candidates)
        self._roles_changed()

    def _roles_changed(self, *_):
        if self._filling:
            return
        self._mark_roles()
        self._update_text_rows()
        self._update_confirmation()
        self.changed.emit()

    # --- several labels -------------------------------------------------------------------------------------------

    def _fill_labels(self, candidates: list[str] | None = None) -> None:
        """The label checklist for the columns read (the text column cannot be a label); ``candidates``: the
        columns of 0 and 1, when known."""
        text = self.text_column.currentData()
        chosen = self.several_targets.split(SEVERAL_SEPARATOR) if self.several_targets else []
        self.labels.set_columns([n for n in self.names if n != text], chosen)
        if candidates is not None:
            self.labels.set_candidates(candidates)
        self.labels.set_open(SEVERAL_SEPARATOR in (self.target.currentData() or ""))

    def _text_chosen(self, *_) -> None:
        if not self._filling:
            self._fill_labels(self.labels.candidates)
        self._roles_changed()

    def _several_opened(self, on: bool) -> None:
        if on:
            current = self.target.currentData()
            self._single_target = current if SEVERAL_SEPARATOR not in (current or "") else None
            self._labels_edited()
        else:
            self._set_target(self._single_target)

    def _labels_edited(self) -> None:
        """The ticked label columns are the target: two or more the entry of several, one that column alone."""
        chosen = self.labels.chosen()
        if len(chosen) >= 2:
            self.several_targets = SEVERAL_SEPARATOR.join(chosen)
            self.target.blockSignals(True)
            index = next((i for i in range(self.target.count())
                          if SEVERAL_SEPARATOR in (self.target.itemData(i) or "")), -1)
            if index < 0:
                self.target.addItem("", None)
                index = self.target.count() - 1
            self.target.setItemText(index, f"{', '.join(chosen)} (several columns)")
            self.target.setItemData(index, self.several_targets)
            self.target.blockSignals(False)
        self._set_target(self.several_targets if len(chosen) >= 2 else chosen[0] if chosen else self._single_target)

    def _set_target(self, target: str | None) -> None:
        """Selects ``target`` without closing the label checklist, and tells the page."""
        self.target.blockSignals(True)
        select_data(self.target, target)
        self.target.blockSignals(False)
        self._roles_changed()

    # --- the target the import suggests ---------------------------------------------------------------------------

    @property
    def target_unconfirmed(self) -> str:
        """The suggested target while the user has not confirmed it (or chosen another); "" otherwise."""
        return self.auto_target if self.target.currentData() is None else ""

    def _update_confirmation(self) -> None:
        pending = self.target_unconfirmed
        self.confirm_target.setText(f"Predict {pending!r}" if pending else "")
        self.confirm_target.setVisible(bool(pending))

    def _confirm_target(self) -> None:
        if self.auto_target:
            select_data(self.target, self.auto_target)      # emits: the target is now the user's choice

    # --- declared column kinds ------------------------------------------------------------------------------------

    def _show_kind(self, item, _previous=None) -> None:
        name = item.data(NAME_COLUMN, Qt.ItemDataRole.UserRole) if item is not None else None
        self.kind.blockSignals(True)
        select_data(self.kind, self.kinds.get(name))
        self.kind.blockSignals(False)
        self.kind.setEnabled(name is not None)

    def _kind_chosen(self, *_) -> None:
        item = self.columns.currentItem()
        if self._filling or item is None:
            return
        name = item.data(NAME_COLUMN, Qt.ItemDataRole.UserRole)
        if self.kind.currentData() is None:
            self.kinds.pop(name, None)
        else:
            self.kinds[name] = self.kind.currentData()
        self.changed.emit()

    def _edited(self, *_):
        if not self._filling:
            self.changed.emit()

    def _update_text_rows(self) -> None:
        has_text = self.text_column.currentData() is not None
        form = self.layout()
        for widget in (self.text_mode, self.max_len):
            widget.setEnabled(has_text)
            form.labelForField(widget).setEnabled(has_text)

    # --- the spec -------------------------------------------------------------------------------------------------

    def options(self) -> dict:
        options: dict = {}
        if self.delimiter.currentData() is not None:
            options["delimiter"] = self.delimiter.currentData()
        if self.header.currentData() is not None:
            options["header"] = self.header.currentData()
        if self.target.currentData():
            target = self.target.currentData()
            options["target"] = target.split(SEVERAL_SEPARATOR) if SEVERAL_SEPARATOR in target else target
        elif self.target_rule is not None:
            options["target_rule"] = self.target_rule
        if self.ignored():
            options["ignore"] = self.ignored()
        if self.included():
            options["include"] = self.included()
        options["missing"] = self.missing.currentData()
        options["categorical"] = self.categorical.currentData()
        kinds = {name: kind for name, kind in self.kinds.items() if name in self.names}
        if kinds:
            options["kinds"] = kinds
        if self.task.currentData() != "auto":
            options["task"] = self.task.currentData()
        if self.text_column.currentData():
            text = {"column": self.text_column.currentData(), "mode": self.text_mode.currentData()}
            if self.max_len.value():
                text["max_len"] = self.max_len.value()
            options["text"] = text
        return options

    def show_detected(self, dataset) -> None:
        """After an import: what Automatic chose, and the report's line for every column."""
        pre = dataset.preprocessing
        read = pre.get("read", {})
        self._filling = True
        try:
            if "delimiter" in read:
                set_auto_text(self.delimiter, DELIMITER_WORDS.get(read["delimiter"], repr(read["delimiter"])))
                set_auto_text(self.header, "names in the first row" if read.get("header") else "no header row")
            targets = pre["target"].get("columns") or []
            self.auto_target = targets[0] if targets else ""
            set_auto_text(self.target, ", ".join(targets))
            set_auto_text(self.task, dataset.task)
            self.max_len.setSpecialValueText(f"Automatic ({pre['max_len']})" if pre.get("kind") == "text"
                                             else "Automatic")
            if pre.get("kind") == "table":
                used = {c["name"] for c in pre["columns"]}
            else:
                used = {pre.get("column")}
            options = dataset.spec.options if dataset.spec is not None else {}
            ignored = set(options.get("ignore", []))
            text = pre.get("column") if pre.get("kind") == "text" else None
            self.auto_excluded = {n for n in self.names if n not in used and n not in ignored and n not in targets
                                  and n != text}
            notes = {name: column_note(dataset.report, name) for name in self.names}
            self._fill_columns(ignored, set(options.get("include", [])) & used, notes)
            self.labels.set_candidates(dataset.label_columns)
        finally:
            self._filling = False
        self._update_confirmation()
