"""The inspector, the problems list and the status line, driven by real clicks and typing."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from tests.gui.editor_driving import LEFT, NO_MOD, click_node, press_keys
from workbench.core.graph.model import Edge
from workbench.core.graph.serialize import graph_to_dict
from workbench.core.project.run_record import RunFiles, RunRecord
from workbench.core.training.status import RunStatus


def graph_of(window):
    return window.document.project.graph


def type_into(widget, text: str) -> None:
    widget.setFocus()
    line = widget if isinstance(widget, QLineEdit) else widget.lineEdit()
    line.selectAll()
    QTest.keyClicks(line, text)
    QTest.keyClick(line, Qt.Key.Key_Return)


def test_inspector_spin_box_changes_a_setting_as_one_undo_step(window):
    click_node(window, "conv1")
    inspector = window.design.inspector
    filters = inspector.editors["filters"].widget
    assert isinstance(filters, QSpinBox) and filters.value() == 16
    assert (filters.minimum(), filters.maximum()) == (1, 65_536)
    type_into(filters, "32")
    graph = graph_of(window)
    assert graph.node("conv1").params["filters"] == 32
    assert window.document.result.params["conv1"] == 32 * 9 + 32
    assert window.document.undo_stack.count() == 1
    press_keys(window, "Ctrl+Z")
    assert graph.node("conv1").params["filters"] == 16
    assert filters.value() == 16


def test_spin_box_refuses_values_out_of_range(window):
    click_node(window, "conv1")
    kernel = window.design.inspector.editors["kernel_size"].widget
    type_into(kernel, "99")  # at most 64: the second 9 is refused as it is typed
    value = graph_of(window).node("conv1").params["kernel_size"]
    assert value == 9 and kernel.value() == 9


def test_shape_field_refuses_bad_values_with_a_reason_and_accepts_good_ones(window):
    click_node(window, "input1")
    editor = window.design.inspector.editors["shape"]
    graph = graph_of(window)
    type_into(editor.widget, "1, 8, 0")
    assert graph.node("input1").params["shape"] == (1, 8, 8)
    assert not editor.error.isHidden() and "below the smallest allowed value" in editor.error.text()
    assert window.document.undo_stack.count() == 0
    type_into(editor.widget, "1, 16, 16")
    assert graph.node("input1").params["shape"] == (1, 16, 16)
    assert editor.error.isHidden()
    assert window.document.result.outputs["conv1"].shape == (None, 16, 16, 16)


def test_choice_and_switch_editors(window):
    graph = graph_of(window)
    click_node(window, "conv1")
    bias = window.design.inspector.editors["bias"].widget
    assert isinstance(bias, QCheckBox) and bias.isChecked()
    QTest.mouseClick(bias, LEFT, NO_MOD, QPoint(8, bias.height() // 2))  # on the box itself
    assert graph.node("conv1").params["bias"] is False
    assert window.document.result.params["conv1"] == 16 * 9
    click_node(window, "input1")
    dtype = window.design.inspector.editors["dtype"].widget
    assert isinstance(dtype, QComboBox) and [dtype.itemText(i) for i in range(dtype.count())] == ["float", "int"]
    dtype.setCurrentIndex(1)
    assert graph.node("input1").params["dtype"] == "int"
    assert any("token ids" in p.message for p in window.document.result.problems_for("conv1"))


def test_rename_in_the_inspector_and_refused_duplicate_name(window):
    graph = graph_of(window)
    click_node(window, "conv1")
    inspector = window.design.inspector
    type_into(inspector.name_edit, "stem")
    assert graph.node("conv1").name == "stem"
    assert window.design.scene.node_items["conv1"].name == "stem"
    type_into(inspector.name_edit, "relu1")
    assert graph.node("conv1").name == "stem"
    assert "Another layer is already called 'relu1'" in inspector.name_error.text()
    assert window.document.undo_stack.count() == 1


def test_f2_and_double_click_focus_the_name_field(window):
    click_node(window, "pool1")
    press_keys(window, "F2")
    assert window.design.inspector.name_edit.hasFocus()


def test_problems_list_click_selects_and_centres_the_layer(window):
    graph = graph_of(window)
    window.editor.scene.select_nodes(["flatten1"])
    window.editor.delete_selection()
    problems = window.design.problems
    rows = [problems.list.item(i) for i in range(problems.list.count())]
    target = next(r for r in rows if r.data(Qt.ItemDataRole.UserRole) == "dense1")
    assert "nothing connected to its input" in target.text()
    assert "error" in problems.title.text()
    view = window.design.view
    view.centerOn(-2000, -2000)
    rect = problems.list.visualItemRect(target)
    QTest.mouseClick(problems.list.viewport(), LEFT, NO_MOD, rect.center())
    assert window.design.scene.selected_node_ids() == ["dense1"]
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(window.design.scene.node_items["dense1"].sceneBoundingRect().center())
    window.editor.connect_ports("pool2", "out", "dense1", "in")
    assert Edge("pool2", "dense1") in graph.edges


def test_status_line_shows_parameters_macs_and_size(window):
    result = window.document.result
    text = window.size_label.text()
    assert f"{result.total_params:,} parameters" in text and "MACs" in text and "MB" in text
    window.editor.set_params("dense1", {"units": 128})
    assert f"{window.document.result.total_params:,} parameters" in window.size_label.text()
    assert window.document.result.total_params > result.total_params


def test_summary_says_whether_the_network_shown_is_the_one_trained(window):
    assert "Ready to train" in window.design.inspector.details.text()
    project = window.document.project
    project.add_run(RunRecord("run-1", "Run 1", RunStatus.COMPLETED, graph=graph_to_dict(project.graph),
                              files=RunFiles(weights="runs/demo/run-1/best.safetensors")))
    window.document.mark_dirty()  # as a finished run does
    assert "Trained (Run 1): ready to evaluate and export" in window.design.inspector.details.text()
    window.editor.rename("conv1", "stem")  # a name is not the architecture
    assert "Trained (Run 1)" in window.design.inspector.details.text()
    window.editor.set_params("dense1", {"units": 128})
    assert "Changed since Run 1 was trained: train again" in window.design.inspector.details.text()
    press_keys(window, "Ctrl+Z")
    assert "Trained (Run 1)" in window.design.inspector.details.text()
