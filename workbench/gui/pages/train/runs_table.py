"""The Train page's table of runs side by side (`compare_runs`): sortable by any column, and from it a run can be
opened on the Evaluate page, its curves compared with the current ones, or deleted (after the user confirms) as an
edit that Edit > Undo takes back; its files go when the project is closed, if it was saved without the run."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QMessageBox, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from workbench.core.errors import WorkbenchError
from workbench.core.project import actions


class RunCell(QTableWidgetItem):
    """A cell that sorts by its `Cell.key`, not by its text."""

    def __init__(self, cell, run_id: str):
        super().__init__(cell.text)
        self.key = cell.key
        self.setData(Qt.ItemDataRole.UserRole, run_id)
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other):
        if isinstance(other, RunCell):
            try:
                return self.key < other.key
            except TypeError:
                return str(self.key) < str(other.key)
        return super().__lt__(other)


def confirm_delete(parent, title: str) -> bool:
    """Asks before a run's files go (a seam for tests)."""
    answer = QMessageBox.question(parent, "Delete run",
                                  f"Delete '{title}' with its curves and trained weights?\n\nEdit > Undo brings it "
                                  "back. Once you save the project without it, its weights are removed from the disk "
                                  "when you close the project.",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


class RunsTable(QWidget):
    open_requested = Signal(str)  # a run id to show on the Evaluate page
    compare_requested = Signal(list)  # run ids whose curves to overlay

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.table = QTableWidget(0, 0, self)
        self.table.setObjectName("runs_table")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda item: self.open_requested.emit(self._run_of(item)))
        self.open_button = QPushButton("Open on Evaluate", self)
        self.open_button.setObjectName("open_run_button")
        self.open_button.setToolTip("Show the chosen run's figures on the Evaluate page")
        self.compare_button = QPushButton("Compare curves", self)
        self.compare_button.setObjectName("compare_runs_button")
        self.compare_button.setToolTip("Draw the chosen runs' curves over the current ones")
        self.delete_button = QPushButton("Delete…", self)
        self.delete_button.setObjectName("delete_run_button")
        self.delete_button.setToolTip("Delete the chosen run and its trained weights")
        self.open_button.clicked.connect(lambda: self.open_requested.emit(self.selected_ids()[0]))
        self.compare_button.clicked.connect(lambda: self.compare_requested.emit(self.selected_ids()))
        self.delete_button.clicked.connect(self.delete_selected)
        document.records_changed.connect(self.refresh)  # a run finished, was deleted or brought back by undo
        self.message = QLabel("", self)
        self.message.setObjectName("runs_message")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(QLabel("Runs side by side (click a column to sort):", self), 1)
        for button in (self.open_button, self.compare_button, self.delete_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        self.refresh()

    def _run_of(self, item) -> str:
        return self.table.item(item.row(), 0).data(Qt.ItemDataRole.UserRole)

    def selected_ids(self) -> list[str]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) for r in rows]

    def refresh(self) -> None:
        """Fills the table from the project's runs (the newest first), keeping the chosen runs chosen."""
        chosen = set(self.selected_ids()) if self.table.rowCount() else set()
        self.message.clear()
        runs = actions.compare_runs(self.document.project)
        self.table.setSortingEnabled(False)
        self.table.clear()
        self.table.setColumnCount(len(runs.columns))
        self.table.setHorizontalHeaderLabels(runs.columns)
        self.table.setRowCount(len(runs.rows))
        for i, (run_id, row) in enumerate(zip(runs.run_ids, runs.rows)):
            for j, cell in enumerate(row):
                item = RunCell(cell, run_id)
                if isinstance(cell.key, (int, float)):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.table.setSortingEnabled(True)
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) in chosen:
                self.table.selectRow(r)
        self._update_buttons()

    def _update_buttons(self) -> None:
        ids = self.selected_ids() if self.table.rowCount() else []
        has_weights = {r.id for r in self.document.project.trained_runs()}
        self.open_button.setEnabled(len(ids) == 1 and ids[0] in has_weights)
        self.compare_button.setEnabled(bool(ids))
        self.delete_button.setEnabled(len(ids) == 1 and not self.document.busy_reason)

    def delete_selected(self) -> bool:
        """Deletes the chosen run once the user confirms, as one undoable edit (see `ProjectDocument.delete_run`)."""
        ids = self.selected_ids()
        if len(ids) != 1:
            return False
        record = self.document.project.find_run(ids[0])
        if not confirm_delete(self, record.title):
            return False
        try:
            self.document.delete_run(record.id)
        except WorkbenchError as err:
            self.message.setText(str(err))
            return False
        self.message.setText(f"Deleted '{record.title}'. Edit > Undo brings it back.")
        return True
