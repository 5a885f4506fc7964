"""The problems list: the graph's errors and warnings; clicking one selects its layer and centres it.

Inside a block it lists that block's own problems (those of the instance opened) and, when the network has others,
one last line that counts them and, clicked, goes back out to the network.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QStyle, QVBoxLayout, QWidget

from workbench.core.graph.validate import ValidationResult

NODE_ROLE = Qt.ItemDataRole.UserRole
ELSEWHERE_ROLE = Qt.ItemDataRole.UserRole + 1  # the line that counts the problems outside the block shown


class ProblemsPanel(QWidget):
    problem_clicked = Signal(str)  # node id of the problem's layer
    elsewhere_clicked = Signal()  # the line counting the problems outside the block shown

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

    def show_result(self, result: ValidationResult, elsewhere: tuple = (), block: str | None = None) -> None:
        """Lists `result`'s problems; inside `block` (its name), `elsewhere` are the network's other problems."""
        problems = tuple(sorted(result.problems, key=lambda p: p.severity != "error"))
        shown = (problems, tuple(elsewhere), block)
        if shown == self._shown and self.list.count() == len(problems) + bool(elsewhere):
            return
        self._shown = shown
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
        if elsewhere:
            count = len(elsewhere)
            errors_there = any(p.severity == "error" for p in elsewhere)
            item = QListWidgetItem(error_icon if errors_there else warning_icon,
                                   f"{count} {'more ' if problems else ''}problem{'s' if count != 1 else ''} "
                                   f"elsewhere in the network: click to go back to it")
            item.setData(ELSEWHERE_ROLE, True)
            item.setToolTip("Back to the network, where they are listed")
            self.list.addItem(item)
        self.list.setVisible(bool(problems or elsewhere))
        errors = sum(p.severity == "error" for p in problems)
        warnings = len(problems) - errors
        where = "Problems" if block is None else f"Problems in {html.escape(block)}"
        if not problems and block is not None:
            self.title.setText(f"<b>{where}</b> &nbsp; none")
        elif not problems:
            self.title.setText("<b>Problems</b> &nbsp; none: the network is ready to train")
        else:
            parts = [f"{errors} error{'s' if errors != 1 else ''}" if errors else "",
                     f"{warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""]
            self.title.setText(f"<b>{where}</b> &nbsp; " + ", ".join(p for p in parts if p))

    def _clicked(self, item: QListWidgetItem) -> None:
        if item.data(ELSEWHERE_ROLE):
            self.elsewhere_clicked.emit()
            return
        node_id = item.data(NODE_ROLE)
        if node_id:
            self.problem_clicked.emit(node_id)
