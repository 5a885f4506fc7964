"""The inspector: the selected layer's name and settings, each with an editor that fits its type and range.

Whole numbers get spin boxes bounded by the setting's range, choices a drop-down, switches a check box, and shapes
a text field checked by the setting itself; a value out of range is refused with the reason and changes nothing.
Every change goes to the editor, which pushes one undoable command.
"""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QLabel, QLineEdit,
                               QPushButton, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from workbench.core.graph.validate import ValidationResult
from workbench.core.help import layer_topic
from workbench.core.layers.spec import Setting
from workbench.gui.formatting import compact_count, megabytes
from workbench.gui.help.browser import open_help
from workbench.gui.style import category_colour

INT_LIMIT = 2_147_483_647
FLOAT_LIMIT = 1e12


def parse_tuple(text: str) -> list[int]:
    """'1, 8, 8' or '1x8x8' or '(1 8 8)' as numbers; raises ValueError in the user's words."""
    parts = [p for p in re.split(r"[\s,x\u00d7()\[\]]+", text.strip()) if p]
    if not parts:
        raise ValueError("enter one or more whole numbers, separated by commas")
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"enter whole numbers separated by commas, e.g. 1, 8, 8 (not {text.strip()!r})") from None


def _rule(parent: QWidget) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class SettingEditor:
    """One setting's widget: reads the current value in, sends a checked new value out through `commit`."""

    def __init__(self, setting: Setting, commit, parent: QWidget):
        self.setting = setting
        self.commit = commit
        self.error = QLabel(parent)
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #d93636;")
        self.error.hide()
        kind = setting.kind
        if kind == "int":
            widget = QSpinBox(parent)
            widget.setRange(int(setting.minimum) if setting.minimum is not None else -INT_LIMIT,
                            int(setting.maximum) if setting.maximum is not None else INT_LIMIT)
            widget.setKeyboardTracking(False)
            widget.setGroupSeparatorShown(True)
            widget.valueChanged.connect(lambda v: self._send(int(v)))
        elif kind == "float":
            widget = QDoubleSpinBox(parent)
            low = setting.minimum if setting.minimum is not None else -FLOAT_LIMIT
            high = setting.maximum if setting.maximum is not None else FLOAT_LIMIT
            widget.setDecimals(4)
            widget.setRange(low, high)
            widget.setSingleStep((high - low) / 20 if high - low <= 10 else 0.1)
            widget.setKeyboardTracking(False)
            widget.valueChanged.connect(lambda v: self._send(float(v)))
        elif kind == "choice":
            widget = QComboBox(parent)
            widget.addItems(list(setting.choices))
            widget.currentTextChanged.connect(self._send)
        elif kind == "bool":
            widget = QCheckBox(parent)
            widget.toggled.connect(lambda v: self._send(bool(v)))
        elif kind == "text":  # shown, not edited (what an imported placeholder stands for)
            widget = QLineEdit(parent)
            widget.setReadOnly(True)
        else:
            widget = QLineEdit(parent)
            widget.setPlaceholderText("e.g. 1, 8, 8")
            widget.editingFinished.connect(self._send_text)
        widget.setToolTip(setting.help)
        self.widget = widget
        self._loading = False

    def load(self, value) -> None:
        self._loading = True
        w = self.widget
        try:
            if isinstance(w, (QSpinBox, QDoubleSpinBox)):
                if w.value() != value:
                    w.setValue(value)
            elif isinstance(w, QComboBox):
                w.setCurrentText(str(value))
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif self.setting.kind == "text":
                w.setText(value)
            else:
                text = ", ".join(str(v) for v in value)
                if not w.hasFocus() or self.error.isHidden():
                    w.setText(text)
                    self._set_error("")
        finally:
            self._loading = False

    def _send_text(self) -> None:
        try:
            value = self.setting.check(parse_tuple(self.widget.text()))
        except ValueError as exc:
            self._set_error(f"Not changed: {exc}.")
            return
        self._set_error("")
        self._send(value)

    def _set_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        self.widget.setStyleSheet("QLineEdit { border: 1px solid #d93636; }" if text else "")

    def _send(self, value) -> None:
        if not self._loading:
            self.commit(self.setting.name, value)


class InspectorPanel(QScrollArea):
    new_head_requested = Signal()  # an output layer's "New head for this dataset" was pressed

    def __init__(self, document, editor, parent=None):
        super().__init__(parent)
        self.document = document
        self.editor = editor
        self.node_id: str | None = None
        self.selection: list[str] = []
        self.editors: dict[str, SettingEditor] = {}
        self.name_edit: QLineEdit | None = None
        self.block_name_edit: QLineEdit | None = None  # a Block node's: the name of its block (definition)
        self.help_button: QPushButton | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setMinimumWidth(250)
        editor.selection_changed.connect(self.show_selection)
        document.validated.connect(self.refresh)
        document.busy_changed.connect(lambda _: self.show_selection(self.selection))
        document.project_replaced.connect(lambda: self.show_selection([]))
        document.records_changed.connect(lambda: self.refresh(document.result))  # a run ended: "Trained (Run 2)"
        self.show_selection([])

    # --- building the form ------------------------------------------------------------------------------------------

    def show_selection(self, node_ids: list[str]) -> None:
        self.selection = list(node_ids)
        node_id = node_ids[0] if len(node_ids) == 1 else None
        self.node_id = node_id
        self.editors = {}
        self.name_edit = None
        self.block_name_edit = None
        self.help_button = None
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        self.header = QLabel(page)
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.header)
        self.details = QLabel(page)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if node_id is not None and node_id in self.document.shown_graph.nodes:
            layout.addWidget(_rule(page))
            self._build_node_form(page, layout, node_id)
            layout.addWidget(_rule(page))
            busy = self.document.busy_reason
            if busy:
                locked = QLabel(f"{busy}: the settings are locked until it finishes.", page)
                locked.setWordWrap(True)
                layout.addWidget(locked)
                for editor in self.editors.values():
                    editor.widget.setEnabled(False)
                self.name_edit.setEnabled(False)
                if self.block_name_edit is not None:
                    self.block_name_edit.setEnabled(False)
        layout.addWidget(self.details)
        layout.addStretch(1)
        self.setWidget(page)
        self.refresh(self.document.result)

    def _build_node_form(self, page: QWidget, layout: QVBoxLayout, node_id: str) -> None:
        node = self.document.shown_graph.node(node_id)
        spec = node.spec
        self.help_button = QPushButton(f"?  What does {spec.display_name} do?", page)
        self.help_button.setToolTip("Its help page: what it does, when to use it, what each setting means (F1)")
        self.help_button.clicked.connect(lambda: open_help(self, layer_topic(spec.type_name)))
        layout.addWidget(self.help_button)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        self.name_edit = QLineEdit(node.name, page)
        self.name_edit.setMaxLength(64)
        self.name_edit.editingFinished.connect(self._rename)
        self.name_error = QLabel(page)
        self.name_error.setStyleSheet("color: #d93636;")
        self.name_error.setWordWrap(True)
        self.name_error.hide()
        form.addRow("Name", self.name_edit)
        form.addRow(self.name_error)
        settings = spec.settings
        if node.definition is not None:  # the block's name is edited here, for every instance of it
            settings = tuple(s for s in settings if s.name != "block")
            self.block_name_edit = QLineEdit(node.params["block"], page)
            self.block_name_edit.setMaxLength(64)
            self.block_name_edit.setToolTip("The name of the block this node is an instance of: renaming it renames "
                                            "it for every instance")
            self.block_name_edit.editingFinished.connect(self._rename_block)
            self.block_name_error = QLabel(page)
            self.block_name_error.setStyleSheet("color: #d93636;")
            self.block_name_error.setWordWrap(True)
            self.block_name_error.hide()
            form.addRow("Block name", self.block_name_edit)
            form.addRow(self.block_name_error)
        for setting in settings:
            editor = SettingEditor(setting, self._commit, page)
            label = QLabel(setting.label, page)
            label.setToolTip(setting.help)
            form.addRow(label, editor.widget)
            form.addRow(editor.error)
            self.editors[setting.name] = editor
        layout.addLayout(form)
        if not settings and node.definition is None:
            hint = QLabel(f"{spec.display_name} has no settings.", page)
            hint.setEnabled(False)
            layout.addWidget(hint)
        if spec.role == "head":
            new_head = QPushButton("New head for this dataset", page)
            new_head.setObjectName("new_head_button")
            new_head.setToolTip("Fine-tune a trained (or imported) network on the chosen data: replace this output "
                                "layer with a fresh one for the data's classes or labels, freeze the layers before "
                                "it and start from the trained weights (one undo step)")
            new_head.clicked.connect(self.new_head_requested)
            layout.addWidget(new_head)

    # --- keeping it current -----------------------------------------------------------------------------------------

    def refresh(self, result: ValidationResult) -> None:
        graph = self.document.shown_graph
        if self.node_id is not None and self.node_id not in graph.nodes:
            self.show_selection([])
            return
        if self.node_id is None:
            self._show_summary(result)
            return
        node = graph.node(self.node_id)
        result = self.document.shown_result(result)
        spec = node.spec
        colour = category_colour(spec.category).name()
        self.header.setText(f"<span style='color:{colour}; font-weight:600'>{html.escape(spec.category)}</span>"
                            f"<br><span style='font-size:15pt; font-weight:600'>{html.escape(spec.display_name)}"
                            f"</span><br><span>{html.escape(spec.description)}</span>")
        if self.name_edit is not None and not self.name_edit.hasFocus():
            self.name_edit.setText(node.name)
        if self.block_name_edit is not None and not self.block_name_edit.hasFocus():
            self.block_name_edit.setText(node.params["block"])
        for name, editor in self.editors.items():
            editor.load(node.params[name])
        lines = []
        output = result.outputs.get(node.id)
        lines.append(f"<b>Output</b>: {html.escape(str(output)) if output is not None else 'unknown'}")
        if node.id in result.params:
            lines.append(f"<b>Parameters</b>: {result.params[node.id]:,}")
            lines.append(f"<b>Multiply-accumulates</b>: {compact_count(result.macs.get(node.id, 0))} per sample")
        for problem in result.problems_for(node.id):
            colour = "#d93636" if problem.severity == "error" else "#b07800"
            lines.append(f"<span style='color:{colour}'>{html.escape(problem.message)}</span>")
        self.details.setText("<br>".join(lines))

    def _show_summary(self, result: ValidationResult) -> None:
        graph = self.document.shown_graph
        if self.selection:
            self.header.setText(f"<span style='font-size:13pt; font-weight:600'>{len(self.selection)} layers "
                                f"selected</span>")
        else:
            self.header.setText(f"<span style='font-size:13pt; font-weight:600'>"
                                f"{html.escape(self.document.project.name)}</span>")
        errors = len(result.errors)
        self.details.setText(
            f"{len(graph.nodes)} layers, {len(graph.edges)} connections<br>"
            f"<b>Parameters</b>: {result.total_params:,}<br>"
            f"<b>Multiply-accumulates</b>: {compact_count(result.total_macs)} per sample<br>"
            f"<b>Size</b>: {megabytes(result.size_mb)}<br>"
            + (f"<span style='color:#d93636'>{errors} problem{'s' if errors != 1 else ''} to fix</span>"
               if errors else self._training_state())
            + ("" if self.selection else "<br><br><span style='color:gray'>Select a layer to see and change its "
                                         "settings.</span>"))

    def _training_state(self) -> str:
        """Whether the project's network (not only the block shown) is the one its newest run trained."""
        trained = self.document.project.trained_runs()
        if not trained:
            return "Ready to train"
        newest = html.escape(trained[0].title)
        if trained[0].trained_graph(self.document.project.graph):
            return f"Trained ({newest}): ready to evaluate and export"
        return f"Changed since {newest} was trained: train again to use the changes"

    # --- sending edits ----------------------------------------------------------------------------------------------

    def _commit(self, setting: str, value) -> None:
        if self.node_id is None:
            return
        node_id = self.node_id
        if not self.editor.set_params(node_id, {setting: value}) and node_id in self.document.shown_graph.nodes:
            self.editors[setting].load(self.document.shown_graph.node(node_id).params[setting])

    def _rename(self) -> None:
        if self.node_id is None or self.name_edit is None:
            return
        if self.editor.rename(self.node_id, self.name_edit.text()):
            self.name_error.hide()
        else:
            self.name_error.setText(f"Not renamed: {self.editor.last_message}")
            self.name_error.show()

    def _rename_block(self) -> None:
        if self.node_id is None or self.block_name_edit is None:
            return
        node = self.document.shown_graph.nodes.get(self.node_id)
        if node is None or node.definition is None:
            return
        if self.editor.rename_block(node.params["block"], self.block_name_edit.text()):
            self.block_name_error.hide()
        else:
            self.block_name_error.setText(f"Not renamed: {self.editor.last_message}")
            self.block_name_error.show()

    def focus_block_name(self) -> None:
        if self.block_name_edit is not None:
            self.block_name_edit.setFocus()
            self.block_name_edit.selectAll()

    def help_topic(self) -> str | None:
        """The help topic of the layer shown, if one is."""
        if self.node_id is None or self.node_id not in self.document.shown_graph.nodes:
            return None
        return layer_topic(self.document.shown_graph.node(self.node_id).type)

    def focus_name(self) -> None:
        if self.name_edit is not None:
            self.name_edit.setFocus()
            self.name_edit.selectAll()
