"""The Data page's choice of several label columns: "Several labels per row (multi-label)" and, once ticked, a
checklist of the table's columns, in which the user ticks the columns of 0 and 1 that the network should predict
together (each row may have any number of the labels).

Which columns hold only 0 and 1 is known after an import (`Dataset.label_columns`): then the form suggests them when
there are two or more, ticks them when the choice is first opened, and greys out the other columns, saying why. A
column the project names as a label but which is not one (or no longer one) stays ticked, so nothing changes behind
the user's back, with a plain message to untick it. The CSV form turns the ticked columns into the target.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

NAME_COLUMN, NOTE_COLUMN = 0, 1
NOT_A_LABEL = "has values other than 0 and 1"
PROBLEM_STYLE = "QLabel { color: #8a1c1c; }"


def not_a_label_sentence(name: str) -> str:
    return f"{name!r} {NOT_A_LABEL}: it cannot be one of several labels."


class LabelColumnsChoice(QWidget):
    """The tick box that opens the label checklist, the checklist, the suggestion and the plain messages."""

    opened = Signal(bool)   # the user ticked or unticked "Several labels per row"
    edited = Signal()       # the user ticked or unticked a column in the checklist

    def __init__(self, parent=None):
        super().__init__(parent)
        self.names: list[str] = []
        self.candidates: list[str] | None = None    # the columns of 0 and 1; None until an import tells
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.several = QCheckBox("Several labels per row (multi-label)", self)
        self.several.setToolTip("Predict several yes-or-no columns together: each row may have any number of the "
                                "labels (for example a film that is both 'comedy' and 'drama')")
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.hint.setVisible(False)
        self.columns = QTreeWidget(self)
        self.columns.setHeaderLabels(["Label column", ""])
        self.columns.setRootIsDecorated(False)
        self.columns.setUniformRowHeights(True)
        self.columns.setToolTip("Tick the columns of 0 and 1 that the network should predict, one label each")
        self.columns.setVisible(False)
        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(PROBLEM_STYLE)
        self.problem.setVisible(False)
        for widget in (self.several, self.hint, self.columns, self.problem):
            layout.addWidget(widget)
        self.several.toggled.connect(self._toggled)
        self.columns.itemChanged.connect(self._ticked)

    # --- filling --------------------------------------------------------------------------------------------------

    def set_columns(self, names: list[str], chosen: list[str]) -> None:
        """A table's columns (those that can be a target) with ``chosen`` ticked; which are labels is not known."""
        self.names = list(names)
        self.candidates = None
        self._fill(chosen)

    def set_candidates(self, candidates: list[str]) -> None:
        """The columns of 0 and 1, as the import found them."""
        self.candidates = [n for n in candidates if n in self.names]
        self._fill(self.chosen())

    def set_open(self, open_: bool) -> None:
        """Shows or hides the checklist as the target says (without telling the form)."""
        self.several.blockSignals(True)
        self.several.setChecked(open_)
        self.several.blockSignals(False)
        self._update_notes()

    @property
    def is_open(self) -> bool:
        return self.several.isChecked()

    def items(self) -> list[QTreeWidgetItem]:
        return [self.columns.topLevelItem(i) for i in range(self.columns.topLevelItemCount())]

    def item(self, name: str) -> QTreeWidgetItem:
        return next(i for i in self.items() if i.data(NAME_COLUMN, Qt.ItemDataRole.UserRole) == name)

    def chosen(self) -> list[str]:
        """The ticked columns, in the table's order."""
        return [i.data(NAME_COLUMN, Qt.ItemDataRole.UserRole) for i in self.items()
                if i.checkState(NAME_COLUMN) == Qt.CheckState.Checked]

    def _fill(self, chosen: list[str]) -> None:
        self.columns.blockSignals(True)
        self.columns.clear()
        for name in self.names:
            label = self.candidates is None or name in self.candidates
            item = QTreeWidgetItem([name, "" if label else NOT_A_LABEL])
            item.setData(NAME_COLUMN, Qt.ItemDataRole.UserRole, name)
            item.setCheckState(NAME_COLUMN, Qt.CheckState.Checked if name in chosen else Qt.CheckState.Unchecked)
            if not label:
                item.setToolTip(NAME_COLUMN, not_a_label_sentence(name))
                item.setToolTip(NOTE_COLUMN, not_a_label_sentence(name))
                if name not in chosen:      # a ticked one stays enabled, so that it can be unticked
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.columns.addTopLevelItem(item)
        self.columns.blockSignals(False)
        self.columns.resizeColumnToContents(NAME_COLUMN)
        rows = min(max(len(self.names), 2), 8)
        self.columns.setFixedHeight(rows * (self.columns.sizeHintForRow(0) if self.names else 20)
                                    + self.columns.header().sizeHint().height() + 2 * self.columns.frameWidth() + 2)
        self._update_notes()

    # --- the user -------------------------------------------------------------------------------------------------

    def _toggled(self, on: bool) -> None:
        if on and not self.chosen() and self.candidates:
            self.columns.blockSignals(True)
            for item in self.items():
                if item.data(NAME_COLUMN, Qt.ItemDataRole.UserRole) in self.candidates:
                    item.setCheckState(NAME_COLUMN, Qt.CheckState.Checked)
            self.columns.blockSignals(False)
        self._update_notes()
        self.opened.emit(on)

    def _ticked(self, *_) -> None:
        self._update_notes()
        self.edited.emit()

    def _update_notes(self) -> None:
        open_ = self.is_open
        self.columns.setVisible(open_)
        candidates = self.candidates or []
        self.hint.setVisible(not open_ and len(candidates) >= 2)
        if len(candidates) >= 2:
            self.hint.setText(f"{len(candidates)} columns hold only 0 and 1 ({', '.join(candidates)}): tick "
                              "“Several labels per row” to predict them together.")
        problems = []
        if open_:
            chosen = self.chosen()
            wrong = [n for n in chosen if self.candidates is not None and n not in self.candidates]
            problems = [not_a_label_sentence(n) for n in wrong]
            if problems:
                problems.append("Untick it, or choose Regression as the Task to predict numbers." if len(wrong) == 1
                                else "Untick them, or choose Regression as the Task to predict numbers.")
            elif len(chosen) == 1:
                problems.append(f"With one column ticked the target is {chosen[0]!r} alone: tick two or more to "
                                "predict several labels.")
            elif not chosen:
                problems.append("Tick the columns of 0 and 1 the network should predict.")
        self.problem.setText(" ".join(problems))
        self.problem.setVisible(bool(problems))
