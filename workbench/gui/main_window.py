"""The main window: menus, the Design page and the other pages as tabs, and a status line with the model's size.

Pages other than Design are listed in `PAGES` as ("Tab title", "module:Class") and built the first time their tab is
opened, as Class(document, parent), so their heavy imports (torch, pyqtgraph) wait until they are needed.
"""

from __future__ import annotations

import datetime
import importlib
import traceback

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QStackedWidget, QTabWidget, QVBoxLayout, QWidget

from workbench import __version__
from workbench.core.project import template_names
from workbench.gui.app_icon import app_icon
from workbench.gui.autosave import Autosaver, find_leftovers
from workbench.gui.canvas.view import dropped_project_path
from workbench.gui.document.dataset_keeper import DatasetKeeper
from workbench.gui.document.document import ProjectDocument
from workbench.gui.formatting import compact_count, megabytes
from workbench.gui.help.browser import open_help
from workbench.gui.help.tour import start_tour
from workbench.gui.model_import import ModelImporter
from workbench.gui.pages.design.page import DesignPage
from workbench.gui.project_files import ProjectFiles
from workbench.gui.style import current_theme
from workbench.gui.warm_up import plots_import_lock
from workbench.gui.welcome.flow import WelcomeFlow

PAGES: list[tuple[str, str]] = [
    ("Data", "workbench.gui.pages.data.page:DataPage"),
    ("Train", "workbench.gui.pages.train.page:TrainPage"),
    ("Evaluate", "workbench.gui.pages.evaluate.page:EvaluatePage"),
    ("Export", "workbench.gui.pages.export.page:ExportPage"),
    ("Try it", "workbench.gui.pages.tryit.page:TryItPage"),
    ("Search", "workbench.gui.pages.search.page:SearchPage"),
]

TEMPLATE_TITLES = {"cnn": "Image classifier (CNN, the demo)", "resnet": "Residual network (ResNet)",
                   "mlp": "Table classifier (MLP)", "lstm": "Text classifier (LSTM)",
                   "transformer": "Text classifier (Transformer)",
                   "encoder": "Text classifier (BERT-style encoder)"}


class LazyPage(QWidget):
    """A tab's place holder that builds the page from its "module:Class" path when first shown. While it builds
    (0.1-0.5 s, or about a second more for a page whose plotting library the warm-up has not loaded yet), the tab
    says "Opening the <title> page..." instead of staying blank."""

    def __init__(self, target: str, document, parent=None, title: str = ""):
        super().__init__(parent)
        self.target = target
        self.document = document
        self.page: QWidget | None = None
        self.setLayout(QVBoxLayout())
        self.layout().setContentsMargins(0, 0, 0, 0)
        self.opening = QLabel(f"Opening the {title} page\N{HORIZONTAL ELLIPSIS}" if title else
                              "Opening\N{HORIZONTAL ELLIPSIS}", self)
        self.opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.opening.setEnabled(False)  # drawn in the theme's quiet text colour
        self.layout().addWidget(self.opening)

    def build(self) -> None:
        if self.page is not None:
            return
        self.layout().activate()  # the label gets its size now, and is painted now: the build holds the event loop
        self.repaint()
        module_name, _, class_name = self.target.partition(":")
        try:
            with plots_import_lock:  # the warm-up may be importing the plotting library this page needs
                page_class = getattr(importlib.import_module(module_name), class_name)
            self.page = page_class(self.document, self)
        except Exception:  # a broken page must not take the window down; say what happened instead
            self.page = QLabel(f"This page could not be opened:\n\n{traceback.format_exc(limit=3)}", self)
            self.page.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.layout().removeWidget(self.opening)
        self.opening.hide()  # at once: the deletion waits for the event loop
        self.opening.deleteLater()
        self.opening = None
        self.layout().addWidget(self.page)


class MainWindow(QMainWindow):
    def __init__(self, document: ProjectDocument | None = None, autosave_interval_ms: int | None = None):
        super().__init__()
        self.document = document or ProjectDocument(parent=self)
        self.files = ProjectFiles(self.document, self)
        self.model_importer = ModelImporter(self.document, self.files, self)
        self.autosaver = Autosaver(self.document, **({"interval_ms": autosave_interval_ms}
                                                     if autosave_interval_ms else {}), parent=self)
        self.dataset_keeper = DatasetKeeper.of(self.document)  # the project's data stays loaded for every page
        self.design = DesignPage(self.document, self)
        self.editor = self.design.editor
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.design, "Design")
        self.pages: dict[str, LazyPage] = {}
        for title, target in PAGES:
            page = LazyPage(target, self.document, self, title)
            self.pages[title] = page
            self.tabs.addTab(page, title)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.stack = QStackedWidget(self)  # the pages, or the welcome page above them
        self.stack.addWidget(self.tabs)
        self.stack.currentChanged.connect(lambda _: self._tab_changed(self.tabs.currentIndex()))
        self.setCentralWidget(self.stack)
        self.welcome = WelcomeFlow(self)
        self.setAcceptDrops(True)
        self.setWindowIcon(app_icon())
        self.resize(1440, 900)

        self.size_label = QLabel(self)
        self.problems_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.problems_label)
        self.statusBar().addPermanentWidget(self.size_label)
        self._build_menus()

        self.document.validated.connect(self._show_totals)
        self.document.dirty_changed.connect(self.setWindowModified)
        self.document.path_changed.connect(self._update_title)
        self.document.project_replaced.connect(self._update_title)
        self.document.busy_changed.connect(self._busy_changed)
        self.editor.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.design.view.file_dropped.connect(self.files.open_path)
        self._show_totals(self.document.result)
        self._update_title()
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._theme_changed)

    # --- menus --------------------------------------------------------------------------------------------------------

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        K = QKeySequence.StandardKey
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&New…", self.welcome.show, K.New, "Choose how to start: a template, a dataset, "
                     "your own data or an empty project")
        self._action(file_menu, "New &Empty Project", self.files.new_blank, tip="Start an empty project")
        templates = file_menu.addMenu("New from &Template")
        for name in template_names():
            self._action(templates, TEMPLATE_TITLES.get(name, name), lambda n=name: self.files.new_from_template(n),
                         tip=f"Start from the {name} template")
        self._action(file_menu, "&Open…", self.files.open, K.Open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file_menu, "&Import ONNX Model…", self.model_importer.start,
                     tip="Open a model from elsewhere (.onnx) as a new project, with its trained weights")
        file_menu.addSeparator()
        self._action(file_menu, "&Save", self.files.save, K.Save)
        self._action(file_menu, "Save &As…", self.files.save_as, K.SaveAs if not QKeySequence(K.SaveAs).isEmpty()
                     else "Ctrl+Shift+S")
        file_menu.addSeparator()
        self._action(file_menu, "Run on a &Cluster…", lambda: self._on_train_page().open_cluster_dialog(),
                     tip="Write a folder that trains this project on a cluster (SLURM or torchrun)")
        self._action(file_menu, "Open C&luster Run…", lambda: self._on_train_page().bring_back(),
                     tip="Add the run of a cluster job folder, back from the cluster, to the project's runs")
        file_menu.addSeparator()
        quit_action = self._action(file_menu, "&Quit", self.close, K.Quit if not QKeySequence(K.Quit).isEmpty()
                                   else "Ctrl+Q")
        quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)  # also while a drop-down list is open

        edit = bar.addMenu("&Edit")
        stack = self.document.undo_stack
        self.undo_action = self._action(edit, "&Undo", self.undo, [K.Undo])
        self.redo_action = self._action(edit, "&Redo", self.redo, ["Ctrl+Shift+Z", "Ctrl+Y"])
        stack.canUndoChanged.connect(self.undo_action.setEnabled)
        stack.canRedoChanged.connect(self.redo_action.setEnabled)
        stack.undoTextChanged.connect(lambda t: self.undo_action.setText(f"&Undo {t}".strip()))
        stack.redoTextChanged.connect(lambda t: self.redo_action.setText(f"&Redo {t}".strip()))
        self.undo_action.setEnabled(stack.canUndo())
        self.redo_action.setEnabled(stack.canRedo())
        edit.addSeparator()
        e = self.editor
        self.canvas_actions = [
            self._action(edit, "Cu&t", e.cut_selection, K.Cut),
            self._action(edit, "&Copy", e.copy_selection, K.Copy),
            self._action(edit, "&Paste", e.paste, K.Paste),
            self._action(edit, "&Duplicate", e.duplicate_selection, "Ctrl+D"),
            self._action(edit, "Make &Block", e.make_block, "Ctrl+B", "Turn the selected layers into one block"),
            self._action(edit, "&Delete", e.delete_selection, [K.Delete, "Backspace"]),
        ]
        edit.addSeparator()
        self.canvas_actions += [
            self._action(edit, "Select &All", e.select_all, K.SelectAll),
            self._action(edit, "Re&name Layer", self._rename_selected, "F2"),
            self._action(edit, "Arrange &Left to Right", e.auto_layout, "Ctrl+L",
                         "Lay the network out in columns from input to output"),
        ]

        view = bar.addMenu("&View")
        v = self.design.view
        self.canvas_actions += [
            self._action(view, "Zoom &In", v.zoom_in, [K.ZoomIn, "Ctrl+="]),
            self._action(view, "Zoom &Out", v.zoom_out, K.ZoomOut),
            self._action(view, "&Fit to Window", v.fit_to_graph, "Ctrl+0"),
            self._action(view, "&Actual Size", v.reset_zoom, "Ctrl+1"),
        ]

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "Workbench &Help", self.show_help, "F1",
                     "What each layer does, and the words on the Train and Evaluate pages")
        self._action(help_menu, "&Tour", lambda: start_tour(self), tip="A short tour of the window, a step a page")
        help_menu.addSeparator()
        self._action(help_menu, "&Keyboard and Mouse", self._show_controls)
        self._action(help_menu, "&Diagnostics…", self.show_diagnostics,
                     tip="Python, PyTorch, GPU and ONNX Runtime of this installation")
        self._action(help_menu, "&About Workbench", self._show_about)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        paths = self.files.recent.paths()
        for path in paths:
            self._action(self.recent_menu, path.name, lambda p=path: self.files.open_path(p), tip=str(path))
        if paths:
            self.recent_menu.addSeparator()
            self._action(self.recent_menu, "Clear Recent Files", self.files.recent.clear)
        else:
            placeholder = self.recent_menu.addAction("No recent projects")
            placeholder.setEnabled(False)

    # --- actions ------------------------------------------------------------------------------------------------------

    def undo(self) -> None:
        if self._refuse_while_busy():
            return
        self.document.undo_stack.undo()

    def redo(self) -> None:
        if self._refuse_while_busy():
            return
        self.document.undo_stack.redo()

    def _refuse_while_busy(self) -> bool:
        reason = self.document.busy_reason
        if reason:
            self.editor.refuse(f"{reason}: the network cannot be changed until it finishes.")
            return True
        return False

    def _rename_selected(self) -> None:
        selected = self.design.scene.selected_node_ids()
        if len(selected) != 1:
            self.editor.refuse("Select one layer to rename it.")
            return
        self.design.inspector.focus_name()

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, LazyPage) and widget.page is None:
            widget.build()
            if hasattr(widget.page, "canvas_requested"):
                widget.page.canvas_requested.connect(self.show_variant_on_canvas)
            if hasattr(widget.page, "run_open_requested"):
                widget.page.run_open_requested.connect(self.show_run_on_evaluate)
        on_canvas = widget is self.design and self.stack.currentWidget() is self.tabs
        for action in self.canvas_actions:
            action.setEnabled(on_canvas)

    def _on_train_page(self):
        """Switches to the Train page (where cluster jobs are written and their runs shown) and returns it."""
        self.tabs.setCurrentWidget(self.pages["Train"])
        return self.pages["Train"].page

    def show_run_on_evaluate(self, run_id: str) -> None:
        """Switches to the Evaluate page showing run `run_id` (the Train page's "Open on Evaluate")."""
        self.tabs.setCurrentWidget(self.pages["Evaluate"])
        self.pages["Evaluate"].page.show_run(run_id)

    def show_variant_on_canvas(self, record) -> None:
        """Switches to the Design page and draws a variant's per-layer effects over its layers (the Export page's
        "Show on canvas"), then tells the page how many it drew."""
        from workbench.gui.canvas.compression_overlay import CompressionOverlay  # lazy: wanted after a compression

        self.tabs.setCurrentWidget(self.design)
        shown = CompressionOverlay.of(self.design.scene, self.design.view).show_variant(record)
        page = self.pages["Export"].page
        page.canvas_shown(record, shown)

    def show_help(self) -> None:
        """Opens the help: on the layer picked in the palette (when it has the focus) or the inspector, if any."""
        topic = None
        if self.stack.currentWidget() is self.tabs and self.tabs.currentWidget() is self.design:
            palette = self.design.palette
            topic = (palette.help_topic() if palette.tree.hasFocus() else None) or self.design.inspector.help_topic()
        open_help(self, topic)

    def show_diagnostics(self) -> None:
        from workbench.gui.diagnostics_dialog import show_diagnostics  # lazy: not needed for the first frame

        show_diagnostics(self)

    def show_welcome_on_first_launch(self) -> None:
        """The welcome page, when no project was ever opened or saved here."""
        if not self.files.recent.paths():
            self.welcome.show()

    def _show_controls(self) -> None:
        QMessageBox.information(self, "Keyboard and mouse", (
            "Drag a layer from the palette onto the canvas, or double-click it to add it after the selected layer.\n"
            "Drag from a layer's output dot to another layer's input dot to connect them; drop a wire on empty "
            "canvas to choose a layer that fits there.\n\n"
            "Wheel: zoom    Middle button or Space + drag: pan    Drag on empty canvas: select\n"
            "Delete: remove    Ctrl+C / Ctrl+X / Ctrl+V: copy, cut, paste    Ctrl+D: duplicate    Ctrl+B: make block "
            "(double-click a block to edit inside)\n"
            "Ctrl+Z / Ctrl+Shift+Z: undo, redo    F2: rename    Ctrl+L: arrange    Ctrl+0: fit to window"))

    def _show_about(self) -> None:
        box = QMessageBox(QMessageBox.Icon.NoIcon, "About Workbench", f"<b>Workbench {__version__}</b><br>Design, "
                          "train, compress and export neural networks visually.", QMessageBox.StandardButton.Ok, self)
        box.setIconPixmap(app_icon().pixmap(96, 96))
        box.exec()

    # --- status and title -----------------------------------------------------------------------------------------------

    def _show_totals(self, result) -> None:
        self.size_label.setText(f"  {result.total_params:,} parameters  ·  {compact_count(result.total_macs)} MACs"
                                f"  ·  {megabytes(result.size_mb)}  ")
        self.size_label.setToolTip("Trainable parameters, multiply-accumulates per sample, and the size of the "
                                   "weights in 32-bit floats")
        errors, warnings = len(result.errors), len(result.warnings)
        if errors:
            text = f"<span style='color:#d93636'>● {errors} error{'s' if errors != 1 else ''}</span>"
        elif warnings:
            text = f"<span style='color:#c98a0b'>● {warnings} warning{'s' if warnings != 1 else ''}</span>"
        else:
            text = "<span style='color:#2f9e6e'>● ready</span>"
        self.problems_label.setText(text)

    def _update_title(self) -> None:
        project = self.document.project
        where = project.path.name if project.path else "not saved"
        self.setWindowTitle(f"{project.name} ({where})[*] — Workbench")
        self.setWindowModified(self.document.is_dirty)

    def _busy_changed(self, reason) -> None:
        if reason:
            self.statusBar().showMessage(f"{reason}: editing the network is paused.")
        else:
            self.statusBar().clearMessage()

    def _theme_changed(self, *_):
        self.design.scene.set_theme(current_theme())
        self.design.view.apply_theme()

    # --- opening, recovery, closing -------------------------------------------------------------------------------------

    def offer_restore(self) -> bool:
        """After a crash: offers the newest autosaved copy; returns whether it was restored."""
        leftovers = find_leftovers()
        if not leftovers:
            return False
        newest, older = leftovers[0], leftovers[1:]
        for leftover in older:
            leftover.discard()
        if self.ask_restore(newest) != QMessageBox.StandardButton.Yes:
            newest.discard()
            return False
        try:
            project, workspace = newest.load()
        except Exception as exc:  # an unreadable copy is reported, then dropped
            self.files.show_error("Cannot restore", str(exc))
            newest.discard()
            return False
        self.document.replace_project(project, dirty=True, workspace_key=workspace)
        newest.discard()
        self.autosaver.save_now()
        return True

    def ask_restore(self, leftover) -> QMessageBox.StandardButton:
        when = datetime.datetime.fromtimestamp(leftover.saved_at).strftime("%d %b %Y, %H:%M")
        return QMessageBox.question(
            self, "Restore unsaved work?",
            f"Workbench did not close properly last time. Restore the unsaved changes to “{leftover.project_name}”"
            f" autosaved on {when}?", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)

    def dragEnterEvent(self, event):
        if dropped_project_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event):
        path = dropped_project_path(event.mimeData())
        if path is not None:
            event.acceptProposedAction()
            self.files.open_path(path)

    def closeEvent(self, event):
        if self.document.busy_reason and QMessageBox.question(
                self, "Quit?", f"{self.document.busy_reason}. Quit anyway?") != QMessageBox.StandardButton.Yes:
            event.ignore()
            return
        if not self.files.confirm_discard():
            event.ignore()
            return
        self.autosaver.close()
        self.document.remove_deleted_run_files()
        event.accept()
