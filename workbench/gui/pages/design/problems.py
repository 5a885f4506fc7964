"""The problems list: the graph's errors and warnings; clicking one selects its layer and centres it."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget

from workbench.core.graph.validate import ValidationResult

NODE_ROLE = Qt.ItemDataRole.UserRole


class ProblemsPanel(QWidget):
    problem_clicked = Signal(str)  # node id of the problem's layer

    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel(self)
        self.list = QListWidget(self)
        self.list.setWordWrap(True)
        self.list.setAlternatingRowColors(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        self.list.itemClicked.connect(self._clicked)
        self.list.itemActivated.connect(self._clicked)
        self._shown: tuple = ()
        self.show_result(ValidationResult())

    def show_result(self, result: ValidationResult) -> None:
        problems = tuple(sorted(result.problems, key=lambda p: p.severity != "error"))
        if problems == self._shown and self.list.count() == len(problems):
            return
        self._shown = problems
        self.list.clear()
        style = self.style()
        error_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical)
        warning_icon = style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for problem in problems:
            item = QListWidgetItem(error_icon if problem.severity == "error" else warning_icon, problem.message)
            item.setData(NODE_ROLE, problem.node_id)
            if problem.node_id:
                item.setToolTip("Click to show this layer")
            self.list.addItem(item)
        self.list.setVisible(bool(problems))
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        if not problems:
            self.title.setText("<b>Problems</b> &nbsp; none: the network is ready to train")
        else:
            parts = [f"{errors} error{'s' if errors != 1 else ''}" if errors else "",
                     f"{warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""]
            self.title.setText("<b>Problems</b> &nbsp; " + ", ".join(p for p in parts if p))

    def _clicked(self, item: QListWidgetItem) -> None:
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.problem_clicked.emit(node_id)
