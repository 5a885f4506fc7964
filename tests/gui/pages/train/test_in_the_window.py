"""The Train and Evaluate pages in the main window, and the Diagnostics dialog from the Help menu."""

import pytest

from workbench.gui.diagnostics_dialog import DiagnosticsDialog
from workbench.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_train_and_evaluate_pages_open_from_their_tabs(qtbot, window):
    from workbench.gui.pages.evaluate.page import EvaluatePage
    from workbench.gui.pages.train.page import TrainPage

    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert "Train" in titles and "Evaluate" in titles
    window.tabs.setCurrentIndex(titles.index("Train"))
    assert isinstance(window.pages["Train"].page, TrainPage)
    window.tabs.setCurrentIndex(titles.index("Evaluate"))
    assert isinstance(window.pages["Evaluate"].page, EvaluatePage)


def test_diagnostics_from_the_help_menu(qtbot, window):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    action = next(a for a in help_menu.actions() if a.text().startswith("&Diagnostics"))
    action.trigger()
    dialog = window.findChild(DiagnosticsDialog)
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=20_000)
    text = dialog.text.toPlainText()
    assert "PyTorch" in text and "ONNX Runtime" in text and "Training will run on: CPU" in text
    assert "Training runs on: <b>CPU</b>" in dialog.summary.text()
    assert dialog.copy_button.isEnabled()
    dialog.close()
