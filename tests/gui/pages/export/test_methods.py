"""The Export page's compression choices come from the method declarations: their titles in the list, their hints
under it, their amount and epochs enabled as each declares, and a method declared in a test is offered too."""

from workbench.core.compression.methods import offered_methods
from workbench.core.project import open_template
from workbench.gui.document.document import ProjectDocument
from workbench.gui.pages.export.page import ExportPage


def _page(qtbot, tmp_path, monkeypatch, show):
    monkeypatch.setenv("WORKBENCH_DATA_DIR", str(tmp_path / "user-data"))
    page = ExportPage(ProjectDocument(open_template("cnn")))
    show(page, 1100, 700)
    return page


def _choices(page):
    combo = page.method_combo
    return [(combo.itemData(i), combo.itemText(i)) for i in range(combo.count())]


def _choose(page, name):
    page.method_combo.setCurrentIndex(page.method_combo.findData(name))


def test_the_method_list_shows_the_declared_methods_and_their_hints(qtbot, tmp_path, monkeypatch, show):
    page = _page(qtbot, tmp_path, monkeypatch, show)
    assert _choices(page) == [(m.name, m.title) for m in offered_methods()]
    assert page.method_combo.currentData() == "int8-static"
    assert page.method_hint.text() == "About a quarter of the size; calibrated on training samples. Best for " \
                                      "convolutions."
    _choose(page, "prune")
    assert page.method_hint.text() == "Zeroes the smallest weights, then fine-tunes. The file is NOT smaller and " \
                                      "NOT faster."
    assert page.amount_spin.isEnabled() and page.epochs_spin.isEnabled()
    _choose(page, "fp16")
    assert not page.amount_spin.isEnabled() and not page.epochs_spin.isEnabled()


def test_a_newly_declared_method_is_offered_and_compressed_with(qtbot, tmp_path, monkeypatch, show,
                                                                temporary_method):
    temporary_method(name="test-squeeze", title="Test squeeze", hint="Squeezes nothing; a test method.",
                     takes_amount=True, takes_epochs=False)
    page = _page(qtbot, tmp_path, monkeypatch, show)
    assert _choices(page)[-1] == ("test-squeeze", "Test squeeze")
    _choose(page, "test-squeeze")
    assert page.method_hint.text() == "Squeezes nothing; a test method."
    assert page.amount_spin.isEnabled() and not page.epochs_spin.isEnabled()
    started = []
    monkeypatch.setattr(page, "_start", lambda kind, fn, *args: started.append((kind, *args[:3])) or True)
    page.amount_spin.setValue(0.25)
    assert page.compress()
    assert started == [("compression", "test-squeeze", 0.25, None)]
    assert page.status.text() == "Compressing with Test squeeze …"
