"""The Data page's source chooser: the built-in datasets (title, size, description; scikit-learn is not imported
until one is loaded) and the buttons that open a table, an image folder or an .npz / IDX file.

The chooser only asks; the page does the rest. A built-in set is announced with ``builtin_chosen(name)``; the file
buttons call the page's ``open_*`` methods, which ask with `ask_path` when they are given no path.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QGroupBox, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout

from workbench.core.data.builtin import builtin_datasets

NAME_ROLE = Qt.ItemDataRole.UserRole

DIALOGS = {
    "csv": ("Open a CSV or TSV table", "Tables (*.csv *.tsv *.txt);;All files (*)"),
    "images": ("Open a folder with one sub-folder of images per class", None),
    "array": ("Open a NumPy .npz or IDX file", "NumPy and IDX files (*.npz *.idx* *-ubyte *.gz);;All files (*)"),
}


def ask_path(parent, kind: str, start_folder: str) -> str | None:
    """Asks for a file ("csv", "array") or a folder ("images"); None when the user cancels."""
    title, filters = DIALOGS[kind]
    if filters is None:
        path = QFileDialog.getExistingDirectory(parent, title, start_folder)
    else:
        path, _ = QFileDialog.getOpenFileName(parent, title, start_folder, filters)
    return path or None


class SourceChooser(QGroupBox):
    builtin_chosen = Signal(str)

    def __init__(self, parent=None):
        super().__init__("Data source", parent)
        self.builtin_list = QListWidget(self)
        self.builtin_list.setWordWrap(True)
        self.builtin_list.setSpacing(1)
        for entry in builtin_datasets():
            item = QListWidgetItem(f"{entry['title']}\n    {entry['size']}")
            item.setData(NAME_ROLE, entry["name"])
            item.setToolTip(entry["description"])
            self.builtin_list.addItem(item)
        rows_height = sum(self.builtin_list.sizeHintForRow(r) + 2 for r in range(self.builtin_list.count()))
        self.builtin_list.setMinimumHeight(rows_height + 2 * self.builtin_list.frameWidth() + 4)
        self.builtin_list.itemClicked.connect(lambda item: self.builtin_chosen.emit(item.data(NAME_ROLE)))
        self.builtin_list.itemActivated.connect(lambda item: self.builtin_chosen.emit(item.data(NAME_ROLE)))
        self.csv_button = QPushButton("Open CSV/TSV file…", self)
        self.folder_button = QPushButton("Open image folder…", self)
        self.array_button = QPushButton("Open NumPy .npz / IDX file…", self)
        self.csv_button.setToolTip("A table with one row per sample and the target in one of its columns")
        self.folder_button.setToolTip("A folder with one sub-folder of images (png, jpg, bmp, gif, webp) per class")
        self.array_button.setToolTip("An .npz file with arrays x and y, or MNIST-style IDX files")
        self.source_label = QLabel(self)
        self.source_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Built in (no download needed):", self))
        layout.addWidget(self.builtin_list)
        for button in (self.csv_button, self.folder_button, self.array_button):
            layout.addWidget(button)
        layout.addWidget(self.source_label)
        self.show_source(None)

    def item(self, name: str) -> QListWidgetItem:
        return next(self.builtin_list.item(r) for r in range(self.builtin_list.count())
                    if self.builtin_list.item(r).data(NAME_ROLE) == name)

    def show_source(self, source: dict | None, title: str = "") -> None:
        """Names the chosen source and marks a built-in one in the list."""
        if source is None:
            self.source_label.setText("No data chosen yet.")
        elif source["source"] == "builtin":
            self.source_label.setText(f"Source: <b>{title}</b> (built in)")
        else:
            path = source["path"]
            self.source_label.setText(f"Source: <b>{title}</b><br><small>{path}</small>")
            self.source_label.setToolTip(path)
        if source is not None and source["source"] == "builtin":
            self.builtin_list.setCurrentItem(self.item(source["name"]))
        else:
            self.builtin_list.setCurrentRow(-1)
            self.builtin_list.clearSelection()
