"""What the desktop sees of the app: the .wbproj project extension in the Save dialog and in drops, and the icon
on the window and in the About box."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QTimer, QUrl
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from tests.gui.editor_driving import menu_action
from workbench import PROJECT_SUFFIX, RESOURCES_DIR
from workbench.core.project import open_template, save_project
from workbench.gui.app_icon import ICON_SIZES, app_icon
from workbench.gui.canvas.view import dropped_project_path


def test_project_suffix_is_wbproj():
    assert PROJECT_SUFFIX == ".wbproj"


def fake_save_dialog(monkeypatch, answer: str) -> dict:
    """Replaces the Save dialog by one that records what it was offered and answers `answer`."""
    offered = {}

    def get_save_file_name(parent, caption, start, file_filter):
        offered.update(start=start, filter=file_filter)
        return answer, file_filter.split(";;")[0]

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(get_save_file_name))
    return offered


def test_save_dialog_offers_wbproj_and_json_and_new_files_get_wbproj(window, monkeypatch, tmp_path):  # noqa: F811
    offered = fake_save_dialog(monkeypatch, str(tmp_path / "digits"))
    assert window.files.ask_save_path() == str(tmp_path / "digits.wbproj")
    assert offered["filter"].split(";;")[0] == "Workbench projects (*.wbproj *.json)"
    assert offered["start"].endswith("digits-cnn.wbproj")


def test_save_as_writes_a_wbproj_file_that_opens_again(window, monkeypatch, tmp_path):  # noqa: F811
    fake_save_dialog(monkeypatch, str(tmp_path / "mine"))
    window.editor.rename("conv1", "stem")
    menu_action(window, "File", "Save As").trigger()
    target = tmp_path / "mine.wbproj"
    assert target.is_file() and not (tmp_path / "mine.json").exists()
    assert window.document.project.path == target.resolve()
    assert "mine.wbproj" in window.windowTitle()
    menu_action(window, "File", "New Empty Project").trigger()
    assert window.files.open_path(target)
    assert window.document.project.graph.node("conv1").name == "stem"


def test_a_chosen_json_name_is_kept(window, monkeypatch, tmp_path):  # noqa: F811
    fake_save_dialog(monkeypatch, str(tmp_path / "old.JSON"))
    assert window.files.ask_save_path() == str(tmp_path / "old.JSON")


def test_dropped_wbproj_and_json_files_are_projects(tmp_path):
    for name in ("a.wbproj", "b.json"):
        path = tmp_path / name
        save_project(open_template("mlp"), path)
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        assert dropped_project_path(mime) == path
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    assert dropped_project_path(mime) is None


def test_every_icon_size_is_shipped():
    for size in ICON_SIZES:
        assert (RESOURCES_DIR / "icons" / f"workbench-{size}.png").is_file()
    assert (RESOURCES_DIR / "icons" / "workbench.svg").is_file()
    assert sorted(s.width() for s in app_icon().availableSizes()) == sorted(ICON_SIZES)


def test_window_has_the_app_icon(window):  # noqa: F811
    assert not window.windowIcon().isNull()
    assert window.windowIcon().cacheKey() != QApplication.style().standardIcon(
        QApplication.style().StandardPixmap.SP_TitleBarMenuButton).cacheKey()
    assert window.windowIcon().availableSizes() == app_icon().availableSizes()


def test_about_box_shows_the_icon(window, qtbot):  # noqa: F811
    seen = {}

    def inspect_and_close():
        box = QApplication.activeModalWidget()
        seen["box"] = isinstance(box, QMessageBox)
        if isinstance(box, QMessageBox):
            seen["title"] = box.windowTitle()
            seen["icon_null"] = box.iconPixmap().isNull()
            box.accept()

    QTimer.singleShot(0, inspect_and_close)
    menu_action(window, "Help", "About").trigger()
    assert seen == {"box": True, "title": "About Workbench", "icon_null": False}
