"""The Data page: choose the data (built in, a CSV/TSV table, an image folder, a NumPy .npz or IDX file), set how it
is read, split and augmented, import it in a worker (progress bar, Cancel), look at it, and use it in the project.

Choosing a source imports it at once with automatic settings. A table is read again as soon as one of its settings
changes (after a pause of `LIVE_DELAY_MS`, so typing does not start an import per key), so the preview and the report
follow the settings; for other sources Import applies them. The target a table import suggests must be confirmed
(or another chosen) before the data can be used. "Use this dataset" is one undoable edit
(`ProjectDocument.set_dataset`: the dataset section, the Input shape, the head, an Embedding's vocabulary) and hands
the imported data to the shared cache, so training starts without reading the files again. When the project already has data, the page shows it (loaded by the `DatasetKeeper`).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QGroupBox, QHBoxLayout, QLabel, QProgressBar, QPushButton, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from workbench.core.data import DatasetSpec, load_dataset, preview, resolve_data_argument
from workbench.core.data.builtin import builtin_datasets
from workbench.core.data_fit import plan_fit
from workbench.core.errors import WorkbenchError
from workbench.core.project import Project
from workbench.core.project.data import remember_project_dataset
from workbench.gui.document.dataset_keeper import DatasetKeeper
from workbench.gui.pages.data.csv_form import CsvOptionsForm
from workbench.gui.pages.data.options import (GENERATED_DEFAULTS, ArrayOptionsForm, AugmentationForm,
                                              GeneratedOptionsForm, ImageOptionsForm, SplitForm)
from workbench.gui.pages.data.preview import DatasetPreview
from workbench.gui.pages.data.sources import SourceChooser, ask_path
from workbench.gui.workers import start_worker

PREVIEW_SAMPLES = 40
LIVE_DELAY_MS = 300
USE_TEXTS = {(True, True): "In use", (True, False): "Fit the network to it", (False, True): "Use this dataset",
             (False, False): "Use this dataset"}
BANNER_STYLES = {"error": "background:#fbe3e3; color:#8a1c1c; border:1px solid #e3a0a0;",
                 "info": "background:#e6f0fa; color:#1d4470; border:1px solid #a9c4e3;",
                 "ok": "background:#e4f4ea; color:#1f5c36; border:1px solid #a3d3b4;"}


def import_job(control, spec: dict, base_dir: Path | None):
    """In the worker: load the data as ``spec`` (the page's settings) says and compute its preview."""
    dataset = load_dataset(DatasetSpec(**spec), base_dir, progress=lambda f, m: control.report((f, m)),
                           should_cancel=lambda: control.cancelled)
    control.check()
    return dataset, preview(dataset, "train", PREVIEW_SAMPLES)


def preview_job(control, dataset):
    """In the worker: the preview of data that is loaded already (the project's)."""
    return dataset, preview(dataset, "train", PREVIEW_SAMPLES)


def loading_key(spec: dict | None) -> str | None:
    """What decides the loaded data (augmentation does not: it is applied while training)."""
    if spec is None:
        return None
    return json.dumps({k: spec.get(k) for k in ("source", "name", "path", "options", "split")}, sort_keys=True)


class DataPage(QWidget):
    imported = Signal(object)  # the Dataset an import produced, once its preview is shown

    def __init__(self, document, parent=None):
        super().__init__(parent)
        self.document = document
        self.keeper = DatasetKeeper.of(document)
        self.worker = None
        self.dataset = None            # the data in the preview: just imported here, or the project's
        self.source: dict | None = None    # {"source": ..., "name" or "path": ...}
        self.showing_project = False   # the preview shows the project's data (follows undo and reloads)
        self._imported_key: str | None = None
        self._filling = False
        self.error = ""                # the last failure, shown until the next import or source
        self.live_import = QTimer(self)    # a table's settings changed: read it again after a pause
        self.live_import.setSingleShot(True)
        self.live_import.setInterval(LIVE_DELAY_MS)
        self.live_import.timeout.connect(lambda: self.import_data())

        self.preview = DatasetPreview(self)
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.banner.setVisible(False)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 6, 6, 6)
        right_layout.addWidget(self.banner)
        right_layout.addWidget(self.preview, 1)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self._build_settings())
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([440, 960])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        document.project_replaced.connect(self._project_replaced)
        document.dataset_changed.connect(self._project_data_changed)
        document.validated.connect(self._update_state)
        self.keeper.state_changed.connect(self._update_state)
        self.keeper.progress.connect(self._keeper_progress)
        self._project_replaced()

    # --- building -------------------------------------------------------------------------------------------------

    def _build_settings(self) -> QWidget:
        sources = SourceChooser(self)
        self.sources = sources
        sources.builtin_chosen.connect(self.choose_builtin)
        sources.csv_button.clicked.connect(lambda: self.open_csv_file())
        sources.folder_button.clicked.connect(lambda: self.open_image_folder())
        sources.array_button.clicked.connect(lambda: self.open_array_file())
        self.description = QLabel(self)
        self.description.setWordWrap(True)

        self.options_box = QGroupBox("How to read it", self)
        self.generated_form = GeneratedOptionsForm(self)
        self.csv_form = CsvOptionsForm(self)
        self.image_form = ImageOptionsForm(self)
        self.array_form = ArrayOptionsForm(self)
        builtin_page = QWidget(self)
        builtin_layout = QVBoxLayout(builtin_page)
        builtin_layout.setContentsMargins(0, 0, 0, 0)
        builtin_layout.addWidget(self.description)
        builtin_layout.addWidget(self.generated_form)
        self.builtin_page = builtin_page
        self.option_pages = (builtin_page, self.csv_form, self.image_form, self.array_form)
        options_layout = QVBoxLayout(self.options_box)
        for page in self.option_pages:
            options_layout.addWidget(page)
        self._show_options_page(None)
        self.split_form = SplitForm(self)
        self.augmentation_form = AugmentationForm(self)
        for form in (self.generated_form, self.csv_form, self.image_form, self.array_form, self.split_form,
                     self.augmentation_form):
            form.changed.connect(self._settings_edited)
        self.csv_form.problem.connect(self._failed)

        column = QWidget(self)
        column_layout = QVBoxLayout(column)
        for box in (sources, self.options_box, self.split_form, self.augmentation_form):
            column_layout.addWidget(box)
        column_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(column)
        scroll.setWidgetResizable(True)
        scroll.setMinimumWidth(360)

        self.import_button = QPushButton("Import", self)
        self.import_button.setToolTip("Read the data again with these settings")
        self.import_button.clicked.connect(lambda: self.import_data())
        self.use_button = QPushButton("Use this dataset", self)
        self.use_button.setObjectName("use_button")
        self.use_button.setToolTip("Train the project on this data: the input shape and the output head follow it "
                                   "(one step to undo)")
        self.use_button.clicked.connect(lambda: self.use_dataset())
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.clicked.connect(lambda: self.cancel_import())
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 6)
        left_layout.addWidget(scroll, 1)
        left_layout.addLayout(progress_row)
        left_layout.addWidget(self.status)
        left_layout.addLayout(buttons)
        return left

    # --- choosing a source ----------------------------------------------------------------------------------------

    def choose_builtin(self, name: str) -> None:
        self._set_source({"source": "builtin", "name": name})
        self.import_data()

    def open_csv_file(self, path: str | None = None) -> None:
        """Opens a table (asks for it when no path is given) and imports it with automatic settings."""
        path = path or ask_path(self, "csv", self._start_folder())
        if path is None:
            return
        try:
            self.csv_form.set_file(path)
        except WorkbenchError as err:
            self._failed(str(err))
            return
        self._set_source({"source": "csv", "path": str(Path(path).resolve())})
        self.import_data()

    def open_image_folder(self, path: str | None = None) -> None:
        path = path or ask_path(self, "images", self._start_folder())
        if path is None:
            return
        self.image_form.set_options({})
        self._set_source({"source": "images", "path": str(Path(path).resolve())})
        self.import_data()

    def open_array_file(self, path: str | None = None) -> None:
        """An .npz or IDX file (a table or image folder chosen here is opened as such)."""
        path = path or ask_path(self, "array", self._start_folder())
        if path is None:
            return

        try:
            source = resolve_data_argument(path).source
        except WorkbenchError as err:
            self._failed(str(err))
            return
        if source == "csv":
            self.open_csv_file(path)
            return
        if source == "images":
            self.open_image_folder(path)
            return
        self.array_form.set_options({})
        self._set_source({"source": source, "path": str(Path(path).resolve())})
        self.import_data()

    def _start_folder(self) -> str:
        folder = self.document.project.folder
        return str(folder) if folder else str(Path.home())

    def _set_source(self, source: dict) -> None:
        self.source = source
        kind = source["source"]
        self._filling = True
        try:
            if kind == "builtin":
                entry = next(e for e in builtin_datasets() if e["name"] == source["name"])
                self.sources.show_source(source, entry["title"])
                self.description.setText(f"{entry['description']}\n\n{entry['size']}.")
                generated = source["name"] in GENERATED_DEFAULTS
                self.generated_form.setVisible(generated)
                if generated:
                    self.generated_form.set_name(source["name"])
                self._show_options_page(self.builtin_page)
            else:
                self.sources.show_source(source, Path(source["path"]).name)
                if kind in ("npz", "idx"):
                    self.array_form.set_source(kind)
                self._show_options_page(self._file_form(kind))
            self._show_augmentation(kind == "images" or source.get("name") == "digits")
        finally:
            self._filling = False

    def _file_form(self, kind: str):
        """The options form of a file source: "csv", "images", "npz" or "idx"."""
        return {"csv": self.csv_form, "images": self.image_form, "npz": self.array_form, "idx": self.array_form}[kind]

    def _show_options_page(self, page: QWidget | None) -> None:
        """Only the options of the chosen source are shown (a hidden page takes no room)."""
        for each in self.option_pages:
            each.setVisible(each is page)
        self.options_box.setVisible(page is not None)

    def _show_augmentation(self, images: bool) -> None:
        self.augmentation_form.setVisible(images)

    def current_spec(self) -> dict | None:
        """The spec the settings on the page describe (None before a source is chosen)."""
        if self.source is None:
            return None
        kind = self.source["source"]
        if kind == "builtin":
            options = self.generated_form.options() if self.source["name"] in GENERATED_DEFAULTS else {}
        else:
            options = self._file_form(kind).options()
        augmentation = self.augmentation_form.augmentation() if self.augmentation_form.isVisibleTo(self) else {}
        return {**self.source, "options": options, "split": self.split_form.split(), "augmentation": augmentation}

    # --- importing ------------------------------------------------------------------------------------------------

    def import_data(self) -> None:
        """Imports what the page's settings describe, in a worker; a running import is cancelled first."""
        spec = self.current_spec()
        if spec is None:
            return
        self.live_import.stop()
        self._stop_worker()
        self.showing_project = False
        self.error = ""
        self._imported_key = loading_key(spec)
        self.worker = start_worker(import_job, spec, self.document.project.folder)
        self.worker.progress.connect(self._on_progress)
        self.worker.returned.connect(self._on_imported)
        self.worker.errored.connect(self._on_error)
        self.worker.cancelled.connect(self._on_cancelled)
        self.worker.finished.connect(self._on_finished)
        self.progress.setValue(0)
        self.status.setText("Importing…")
        self._update_state()

    def cancel_import(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.status.setText("Cancelling…")

    @property
    def is_importing(self) -> bool:
        return self.worker is not None

    def _stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker = None

    def _current(self) -> bool:
        return self.worker is not None and self.sender() is self.worker

    def _on_progress(self, payload) -> None:
        if self._current():
            fraction, message = payload
            self.progress.setValue(int(fraction * 1000))
            self.status.setText(message)

    def _on_imported(self, outcome) -> None:
        if not self._current():
            return
        self.worker = None
        dataset, preview = outcome
        self._show(dataset, preview)
        self.status.setText(f"Imported {dataset.num_samples:,} samples.")
        self._update_state()
        self.imported.emit(dataset)

    def _on_error(self, message: str, _details: str) -> None:
        if self._current():
            self.worker = None
            self._failed(message)

    def _on_cancelled(self) -> None:
        if self._current():
            self.worker = None
            self.dataset = None
            self.preview.clear("The import was cancelled; the project is unchanged.")
            self.status.setText("Import cancelled.")
            self._update_state()

    def _on_finished(self) -> None:
        if self._current():
            self.worker = None
            self._update_state()

    def _failed(self, message: str) -> None:
        self.dataset = None
        self.showing_project = False
        self.preview.clear("Nothing imported: see the message above.")
        self.status.setText("")
        self.error = f"{message} The project is unchanged."
        self._update_state()

    def _show(self, dataset, preview: dict) -> None:
        self.dataset = dataset
        self._filling = True
        try:
            if self.source is not None and self.source["source"] != "builtin":
                self._file_form(self.source["source"]).show_detected(dataset)
        finally:
            self._filling = False
        self._show_augmentation(dataset.kind == "image")
        self.preview.show_dataset(dataset, preview)

    # --- using it -------------------------------------------------------------------------------------------------

    def spec_to_use(self) -> DatasetSpec | None:
        """The project's dataset for the data in the preview, with the augmentation set on the page."""
        if self.dataset is None or self.dataset.spec is None:
            return None
        augmentation = self.augmentation_form.augmentation() if self.dataset.kind == "image" else {}
        return dataclasses.replace(self.dataset.spec, augmentation=augmentation)

    @property
    def settings_changed(self) -> bool:
        """The settings no longer describe the data in the preview (Import applies them)."""
        return self.dataset is not None and loading_key(self.current_spec()) != self._imported_key

    def use_dataset(self) -> bool:
        """Applies the previewed data to the project as one undoable edit; False (with a message) when refused."""
        spec = self.spec_to_use()
        if spec is None or self.settings_changed or self.is_importing:
            return False
        dataset = self.dataset
        try:
            self.document.set_dataset(spec, dataset.input_shape, dataset.input_dtype, dataset.task,
                                      dataset.output_size, label=f"{self.use_button.text()}: “{dataset.name}”",
                                      vocab_size=dataset.vocab_size)
        except WorkbenchError as err:
            self.error = f"{err} The project is unchanged."
            self._update_state()
            return False
        # the keeper looks for the data only once this edit is complete, so it finds this copy in the cache
        kept = remember_project_dataset(Project(dataset=copy.deepcopy(spec), path=self.document.project.path),
                                        dataset)
        self.document.set_loaded_dataset(spec, kept)
        self.dataset = kept
        self.showing_project = True
        self.error = ""
        self._update_state()
        return True

    # --- the project's data ---------------------------------------------------------------------------------------

    def _project_replaced(self) -> None:
        self._stop_worker()
        self.dataset = None
        self.source = None
        self.showing_project = True
        self.error = ""
        self.preview.clear()
        self._show_project_data()

    def _project_data_changed(self) -> None:
        if self.showing_project or (self.dataset is None and not self.is_importing):
            self.showing_project = True
            self._show_project_data()
        else:
            self._update_state()

    def _show_project_data(self) -> None:
        """Shows the project's dataset section in the settings and its loaded data in the preview."""
        spec = self.document.project.dataset
        loaded = self.document.dataset
        if spec is None:
            self.source = self.dataset = None
            self.preview.clear()
            self.sources.show_source(None)
            self._show_options_page(None)
        elif self.dataset is None or self.dataset is not loaded:
            self._fill_from_spec(spec.to_dict())
            self.dataset = loaded
            self._imported_key = loading_key(self.current_spec())
            self.preview.clear("Loading the project's data…" if loaded is None else "Preparing the preview…")
            if loaded is not None:
                worker = start_worker(preview_job, loaded)
                worker.returned.connect(self._on_project_preview)
        self._update_state()

    def _on_project_preview(self, outcome) -> None:
        dataset, preview = outcome
        if self.showing_project and dataset is self.dataset:
            self._show(dataset, preview)
            self._update_state()

    def _fill_from_spec(self, spec: dict) -> None:
        source = {k: spec[k] for k in ("source", "name", "path") if spec.get(k) is not None}
        options = spec.get("options", {})
        self._filling = True
        try:
            if spec["source"] == "builtin" and spec["name"] in GENERATED_DEFAULTS:
                self.generated_form.set_name(spec["name"])
                self.generated_form.set_options(options)
            elif spec["source"] == "csv":
                try:
                    self.csv_form.set_file(self._resolve(spec["path"]), options)
                except WorkbenchError as err:
                    self.error = f"The project's table cannot be read: {err}"
            elif spec["source"] == "images":
                self.image_form.set_options(options)
            elif spec["source"] in ("npz", "idx"):
                self.array_form.set_options(options)
            self.split_form.set_split(spec.get("split", {}))
            self.augmentation_form.set_augmentation(spec.get("augmentation", {}))
        finally:
            self._filling = False
        self._set_source(source)

    def _resolve(self, path: str) -> Path:
        p = Path(path).expanduser()
        folder = self.document.project.folder
        return p if p.is_absolute() or folder is None else folder / p

    # --- state ----------------------------------------------------------------------------------------------------

    def _settings_edited(self) -> None:
        if self._filling:
            return
        live = self.source is not None and self.source["source"] == "csv"
        if self.error:        # the user acts on the message: the next import tells whether it is solved
            self.error = ""
            if self.dataset is None and not live:
                self.preview.clear("Press Import to read the data with these settings.")
        if live and (self.settings_changed or self.dataset is None):
            self.live_import.start()
        self._update_state()

    def _unconfirmed_target(self) -> str:
        """The target a table import suggested and the user has not confirmed yet ("" when there is none)."""
        if self.dataset is None or self.showing_project or self.source is None or self.source["source"] != "csv":
            return ""
        return self.csv_form.target_unconfirmed

    def _keeper_progress(self, fraction: float, message: str) -> None:
        if self.showing_project and not self.is_importing:
            self.progress.setValue(int(fraction * 1000))
            self.status.setText(message)

    def _update_state(self) -> None:
        importing = self.is_importing
        keeper_loading = self.showing_project and self.keeper.loading
        self.progress.setVisible(importing or keeper_loading)
        self.cancel_button.setVisible(importing)
        self.import_button.setEnabled(self.source is not None)
        changed = self.settings_changed
        spec = self.spec_to_use()
        in_use = spec is not None and self.document.dataset is not None and spec == self.document.project.dataset
        fits = not in_use or self.network_fits()
        unconfirmed = self._unconfirmed_target()
        self.use_button.setEnabled(spec is not None and not changed and not importing and not (in_use and fits)
                                   and not unconfirmed)
        self.use_button.setText(USE_TEXTS[(in_use and not changed, fits)])
        self.import_button.setDefault(changed)
        if keeper_loading:
            self.status.setText("Loading the project's data…")
        if self.error:
            self._say(self.error, "error")
        elif self.showing_project and self.keeper.error:
            self._say(self.keeper.error, "error")
        elif importing or keeper_loading:
            self._say("", None)
        elif changed and self.live_import.isActive():
            self._say("Reading the data again with these settings…", "info")
        elif changed:
            self._say("The settings changed: press Import to see the data with them.", "info")
        elif unconfirmed:
            why = next((line.split(" (choose another")[0] for line in self.dataset.report
                        if line.startswith(f"Target: {unconfirmed!r}, suggested")), "")
            reason = why.split(", suggested ", 1)[1] if ", suggested " in why else ""
            self._say(f"Which column should the network predict? The import suggests {unconfirmed!r}"
                      + (f" {reason}" if reason else "") + f". Press “Predict {unconfirmed!r}” to confirm it, or "
                      "choose another column as the Target.", "info")
        elif in_use and not fits:
            self._say("The network no longer fits this data (see the problems on the Design page): press “Fit "
                      "the network to it” to set its input and output for this data again.", "error")
        elif self.dataset is not None and in_use:
            self._say("The project trains on this data.", "ok")
        elif self.dataset is not None:
            self._say("Not used yet: press “Use this dataset” to train the project on it.", "info")
        else:
            self._say("", None)

    def network_fits(self) -> bool:
        """Whether the graph's inputs and head are as the data in the preview needs (`plan_fit` has nothing to do)."""

        data = self.dataset
        return data is None or plan_fit(self.document.project.graph, data.input_shape, data.input_dtype, data.task,
                                        data.output_size, data.vocab_size).empty

    def _say(self, message: str, kind: str | None) -> None:
        self.banner.setText(message)
        self.banner.setStyleSheet(f"QLabel {{ {BANNER_STYLES[kind]} padding: 6px; border-radius: 4px; }}"
                                  if kind else "")
        self.banner.setVisible(bool(message))
