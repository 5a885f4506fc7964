"""The welcome page, pressed as a user would: every card leads to a project that can be trained (a template with
its data, a built-in dataset in a fitting network, the user's own CSV file or image folder through the Data page,
an empty project, a recent one); it is reached with the keyboard, Escape goes back, and it shows on first launch
and on File ▸ New."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from tests.gui.editor_driving import LEFT, menu_action
from workbench.core.project import actions, open_template, save_project
from workbench.gui.help.tour import TourOverlay, mark_tour_seen
from workbench.gui.recent_files import RecentFiles
from workbench.gui.workers import cancel_all_workers

WAIT_MS = 30_000


@pytest.fixture
def seen_tour(data_dir):
    mark_tour_seen()  # these tests are about the page; the tour after the first choice has tests of its own


def welcome(window):
    page = window.welcome.show()
    assert window.stack.currentWidget() is page and page.isVisible()
    return page


def press(qtbot, page, key: str) -> None:
    card = page.cards[key]
    assert card.isVisible() and card.isEnabled()
    qtbot.mouseClick(card, LEFT)


def wait_trainable(qtbot, window, train_in=None) -> None:
    """The project has its data loaded and no problem left: pressing Train would train it. With `train_in` (a
    folder), it is also trained for one epoch there, through the action the Train page calls."""
    document = window.document
    qtbot.waitUntil(lambda: document.project.dataset is not None and document.dataset is not None, timeout=WAIT_MS)
    document.revalidate()
    assert not document.result.errors, [p.message for p in document.result.errors]
    assert not window.welcome.is_showing and window.stack.currentWidget() is window.tabs
    if train_in is not None:
        project = document.project  # an action never changes the project it is given
        settings = dataclasses.replace(project.training, epochs=1)
        outcome = actions.train_project(project, train_in, dataset=document.dataset, settings=settings, num_threads=1)
        assert outcome.record.status.ok and outcome.record.has_weights


@pytest.mark.parametrize("template, dataset", [("mlp", "iris"), ("cnn", "digits"), ("resnet", "digits"),
                                               ("lstm", "reviews"), ("transformer", "reviews"),
                                               ("encoder", "reviews")])
def test_a_template_card_opens_the_template_on_its_data(qtbot, window, seen_tour, template, dataset):
    page = welcome(window)
    press(qtbot, page, f"template:{template}")
    project = window.document.project
    assert project.name == open_template(template).name and project.path is None
    assert project.dataset.name == dataset
    assert set(window.design.scene.node_items) == set(open_template(template).graph.nodes)
    wait_trainable(qtbot, window)


@pytest.mark.parametrize("dataset, template_input, head", [
    ("wine", (13,), ("ClassificationHead", "classes", 3)),
    ("breast_cancer", (30,), ("ClassificationHead", "classes", 2)),
    ("diabetes", (10,), ("RegressionHead", "outputs", 1)),
    ("moons", (2,), ("ClassificationHead", "classes", 2)),
    ("digits", (1, 8, 8), ("ClassificationHead", "classes", 10)),
    ("reviews", (15,), ("ClassificationHead", "classes", 2)),
])
def test_a_dataset_card_fits_a_network_to_the_data(qtbot, window, seen_tour, dataset, template_input, head,
                                                   tmp_path):
    page = welcome(window)
    press(qtbot, page, f"dataset:{dataset}")
    assert page.is_busy and not page.cards["csv"].isEnabled()  # loading in a worker; no second choice meanwhile
    qtbot.waitUntil(lambda: not window.welcome.is_showing, timeout=WAIT_MS)
    project = window.document.project
    assert project.dataset.source == "builtin" and project.dataset.name == dataset
    assert project.graph.input_nodes()[0].params["shape"] == template_input
    head_node = project.graph.head_nodes()[0]
    assert (head_node.type, head[1], head_node.params[head[1]]) == head
    assert window.document.undo_stack.count() == 0 and not window.document.is_dirty
    wait_trainable(qtbot, window, train_in=tmp_path / "runs" if dataset in ("wine", "diabetes") else None)


def test_open_my_csv_file_leads_to_the_data_page_with_the_table(qtbot, window, seen_tour, tmp_path, monkeypatch):
    table = tmp_path / "fruit.csv"
    rng = np.random.default_rng(0)
    rows = ["size,weight,kind"] + [f"{s:.2f},{w:.2f},{'apple' if s < 5 else 'melon'}"
                                   for s, w in rng.uniform(1, 9, size=(60, 2))]
    table.write_text("\n".join(rows) + "\n")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(table), ""))
    press(qtbot, welcome(window), "csv")
    data_page = window.pages["Data"].page
    assert window.tabs.currentWidget() is window.pages["Data"]
    qtbot.waitUntil(lambda: data_page.dataset is not None and not data_page.is_importing, timeout=WAIT_MS)
    assert not data_page.use_button.isEnabled()  # until the user confirms the target the import suggests
    qtbot.mouseClick(data_page.csv_form.confirm_target, LEFT)
    qtbot.waitUntil(data_page.use_button.isEnabled, timeout=WAIT_MS)
    qtbot.mouseClick(data_page.use_button, LEFT)
    assert window.document.project.dataset.path.endswith("fruit.csv")
    assert window.document.project.graph.input_nodes()[0].params["shape"] == (2,)
    wait_trainable(qtbot, window, train_in=tmp_path / "runs")


def test_open_my_image_folder_leads_to_the_data_page_with_the_pictures(qtbot, window, seen_tour, tmp_path,
                                                                       monkeypatch):
    folder = tmp_path / "shapes"
    for name, value in (("dark", 30), ("light", 220)):
        (folder / name).mkdir(parents=True)
        for i in range(12):
            image = QImage(16, 16, QImage.Format.Format_Grayscale8)
            image.fill(value + i)
            assert image.save(str(folder / name / f"{i}.png"))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    press(qtbot, welcome(window), "folder")
    data_page = window.pages["Data"].page
    qtbot.waitUntil(lambda: data_page.dataset is not None and not data_page.is_importing, timeout=WAIT_MS)
    qtbot.mouseClick(data_page.use_button, LEFT)
    assert window.document.project.dataset.source == "images"
    wait_trainable(qtbot, window)


def test_cancelling_the_file_dialog_leaves_a_trainable_project(qtbot, window, seen_tour, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    press(qtbot, welcome(window), "csv")
    assert window.document.project.name == open_template("mlp").name
    wait_trainable(qtbot, window)


def test_empty_project_and_recent_project_cards(qtbot, window, seen_tour, tmp_path):
    saved = save_project(open_template("resnet"), tmp_path / "mine.wbproj")
    window.files.recent.add(saved)
    page = welcome(window)
    press(qtbot, page, "blank")
    assert not window.document.project.graph.nodes and not window.welcome.is_showing
    page = welcome(window)
    assert page.cards["recent:0"].title == "mine"
    press(qtbot, page, "recent:0")
    assert window.document.project.path == saved.resolve() and not window.welcome.is_showing


def test_cards_are_reached_with_tab_and_pressed_with_space_or_enter(qtbot, window, seen_tour):
    page = welcome(window)
    first = page.cards["template:mlp"]
    qtbot.waitUntil(first.hasFocus)
    QTest.keyClick(first, Qt.Key.Key_Tab)
    assert page.cards["template:cnn"].hasFocus()
    QTest.keyClick(page.cards["template:cnn"], Qt.Key.Key_Return)
    assert window.document.project.name == open_template("cnn").name and not window.welcome.is_showing
    page = welcome(window)
    blank = page.cards["blank"]
    blank.setFocus()
    QTest.keyClick(blank, Qt.Key.Key_Space)
    assert not window.document.project.graph.nodes


def test_escape_and_back_return_to_the_current_project_unchanged(qtbot, window, seen_tour):
    window.editor.set_params("conv1", {"filters": 8})
    page = welcome(window)
    QTest.keyClick(page.cards["template:mlp"], Qt.Key.Key_Escape)
    assert not window.welcome.is_showing and window.stack.currentWidget() is window.tabs
    assert window.document.project.graph.node("conv1").params["filters"] == 8 and window.files.prompts == 0
    page = welcome(window)
    qtbot.mouseClick(page.back_button, LEFT)
    assert not window.welcome.is_showing and window.document.project.name == "Digits CNN"


def test_canvas_keys_do_nothing_to_the_hidden_canvas_while_it_shows(qtbot, window, seen_tour):
    window.design.scene.select_nodes(["conv1"])
    page = welcome(window)
    QTest.keyClick(page.cards["template:mlp"], Qt.Key.Key_Delete)
    QTest.keyClick(page.cards["template:mlp"], Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert "conv1" in window.document.project.graph.nodes and window.document.undo_stack.count() == 0
    QTest.keyClick(page, Qt.Key.Key_Escape)
    assert menu_action(window, "Edit", "Delete").isEnabled()


def test_closing_while_a_dataset_loads_drops_it(qtbot, window, seen_tour):
    page = welcome(window)
    press(qtbot, page, "dataset:wine")
    worker = window.welcome.worker
    QTest.keyClick(page.back_button, Qt.Key.Key_Escape)
    assert not window.welcome.is_showing
    assert worker.wait(WAIT_MS)
    qtbot.wait(50)  # the worker's answer, had it been taken, would arrive now
    assert window.document.project.name == "Digits CNN"


def test_a_choice_asks_before_losing_unsaved_work(qtbot, window, seen_tour):
    window.editor.set_params("conv1", {"filters": 8})
    window.files.answer = QMessageBox.StandardButton.Cancel
    page = welcome(window)
    press(qtbot, page, "template:mlp")
    press(qtbot, page, "dataset:iris")
    assert window.files.prompts == 2 and window.welcome.is_showing and not page.is_busy
    assert window.document.project.graph.node("conv1").params["filters"] == 8


def test_file_new_shows_the_welcome_page(qtbot, window, seen_tour):
    menu_action(window, "File", "New…").trigger()
    assert window.welcome.is_showing and window.document.project.name == "Digits CNN"
    QTest.keyClick(window.welcome.page, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)  # Ctrl+N: shown again
    assert window.welcome.is_showing


def test_first_launch_shows_it_and_a_later_launch_does_not(qtbot, window, seen_tour, tmp_path):
    window.show_welcome_on_first_launch()
    assert window.welcome.is_showing
    window.welcome.close()
    window.files.recent.add(save_project(open_template("mlp"), tmp_path / "p.wbproj"))
    window.show_welcome_on_first_launch()
    assert not window.welcome.is_showing


def test_opening_a_file_from_the_menu_while_it_shows_closes_it(qtbot, window, seen_tour, tmp_path):
    path = save_project(open_template("mlp"), tmp_path / "p.wbproj")
    welcome(window)
    assert window.files.open_path(path)
    assert not window.welcome.is_showing and window.stack.currentWidget() is window.tabs
    page = welcome(window)
    press(qtbot, page, "dataset:wine")
    worker = window.welcome.worker
    assert window.files.open_path(path)  # while the dataset loads: the file opened wins
    assert not window.welcome.is_showing
    assert worker.wait(WAIT_MS)
    qtbot.wait(50)
    assert window.document.project.path == path.resolve()


def test_the_first_choice_starts_the_tour_once(qtbot, window, data_dir):
    press(qtbot, welcome(window), "template:mlp")
    tour = window.findChild(TourOverlay, "tour_overlay")
    assert tour is not None and tour.isVisible()
    qtbot.mouseClick(tour.skip_button, LEFT)
    press(qtbot, welcome(window), "template:cnn")
    qtbot.wait(10)
    assert not [t for t in window.findChildren(TourOverlay) if t.isVisible()]


def launch(qapp, project_arg=None) -> dict:
    """Runs the app as a user starts it, and reports what its window showed once the project was loaded."""
    from workbench.gui.app import run_app
    from workbench.gui.main_window import MainWindow
    seen = {}

    def look_and_close():
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        seen["welcome"] = [w.welcome.is_showing for w in windows]
        seen["names"] = [w.document.project.name for w in windows]
        for w in windows:
            w.close()
        qapp.exit(0)

    qapp.setQuitOnLastWindowClosed(False)
    QTimer.singleShot(300, look_and_close)
    try:
        assert run_app(project_arg) == 0
    finally:
        qapp.setQuitOnLastWindowClosed(True)
        cancel_all_workers()  # the data of the project loading in the background
    return seen


def test_a_first_launch_opens_on_the_welcome_page_and_later_launches_do_not(qapp, data_dir, tmp_path):
    assert launch(qapp) == {"welcome": [True], "names": ["Digits CNN"]}  # the demo waits behind it
    assert launch(qapp, "resnet") == {"welcome": [False], "names": ["Small ResNet"]}
    RecentFiles().add(save_project(open_template("mlp"), tmp_path / "mine.wbproj"))
    assert launch(qapp) == {"welcome": [False], "names": ["Digits CNN"]}
