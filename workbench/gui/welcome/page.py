"""The welcome page: the ways to start, as cards the user presses (or reaches with Tab and presses with Space or
Enter). Templates show a picture of their network and what they are good for; the built-in datasets, the user's
own CSV file or image folder and an empty project follow; recent projects, when there are any, come first.

The page only says what was chosen (its signals); `workbench.gui.welcome.flow` turns a choice into a project.
Escape or "Back to my project" emits `closed`.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from workbench.core.data.builtin import builtin_datasets, builtin_title
from workbench.core.project import open_template, template_names
from workbench.gui.welcome.cards import ChoiceCard
from workbench.gui.welcome.thumbnail import network_picture

# what each shipped template is good for, in the words of someone who has data rather than a network in mind
TEMPLATE_USES = {"mlp": "Good for tables: rows of numbers and categories",
                 "cnn": "Good for small images, such as scanned digits",
                 "resnet": "Good for images, when a small CNN is not enough",
                 "lstm": "Good for text: sorting short messages or reviews",
                 "transformer": "Good for text, with attention",
                 "encoder": "Good for text, the way BERT-style models read it"}
TEMPLATE_ORDER = ("mlp", "cnn", "resnet", "lstm", "transformer", "encoder")
DATASET_TEMPLATES = {"digits": "cnn", "digit_traits": "cnn", "reviews": "lstm"}  # the network a built-in dataset starts with; tables: "mlp"
NETWORK_KINDS = {"cnn": "a network for images (CNN)", "lstm": "a network for text (LSTM)"}
TABLE_TEMPLATE, IMAGE_TEMPLATE = "mlp", "cnn"
COLUMNS = 5
PICTURE_SIZE = (196, 64)


def template_for_dataset(name: str) -> str:
    return DATASET_TEMPLATES.get(name, TABLE_TEMPLATE)


def _section(title: str, parent: QWidget) -> QLabel:
    label = QLabel(title, parent)
    label.setStyleSheet("font-size: 13pt; font-weight: 600; margin-top: 14px;")
    return label


class WelcomePage(QWidget):
    template_chosen = Signal(str)
    dataset_chosen = Signal(str)
    csv_chosen = Signal()
    folder_chosen = Signal()
    blank_chosen = Signal()
    recent_chosen = Signal(object)  # Path
    closed = Signal()

    def __init__(self, recent: list[Path], parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("welcome_page")
        self.cards: dict[str, ChoiceCard] = {}  # "template:mlp", "dataset:iris", "csv", "folder", "blank", "recent:0"
        content = QWidget(self)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(32, 24, 32, 24)

        top = QHBoxLayout()
        heading = QLabel("<span style='font-size:20pt; font-weight:600'>Welcome to Workbench</span><br>"
                         "Choose how to start. Each choice opens a network that is ready to train on its data; "
                         "you can change everything later.", content)
        heading.setWordWrap(True)
        top.addWidget(heading, 1)
        self.back_button = QPushButton("Back to my project", content)
        self.back_button.setToolTip("Close this page and go on with the open project (Escape)")
        self.back_button.clicked.connect(self.closed)
        top.addWidget(self.back_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        self.status = QLabel("", content)
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #3d8bfd; font-weight: 600;")
        self.status.hide()
        layout.addWidget(self.status)

        if recent:  # a returning user sees their projects first
            layout.addWidget(_section("Recent projects", content))
            cards = [self._card(f"recent:{i}", ChoiceCard(path.stem, [str(path.parent)], parent=content),
                                lambda p=path: self.recent_chosen.emit(p)) for i, path in enumerate(recent)]
            layout.addLayout(self._grid(cards))
        layout.addWidget(_section("Start from a network", content))
        layout.addLayout(self._grid([self._template_card(name, content) for name in self._template_order()]))
        # before the built-in datasets: on a 900-pixel-high screen the user's own data is then in sight at once
        layout.addWidget(_section("Start from your own data", content))
        own = [self._card("csv", ChoiceCard("Open my CSV file", [
                   "A table saved as CSV: one row per example, one column with the answer to learn.",
                   "Starts with a network for tables."], symbol="▦", parent=content), self.csv_chosen.emit),
               self._card("folder", ChoiceCard("Open my image folder", [
                   "A folder with one sub-folder of pictures per class (cats/, dogs/...).",
                   "Starts with a network for images."], symbol="▣", parent=content), self.folder_chosen.emit),
               self._card("blank", ChoiceCard("Empty project", [
                   "An empty canvas: build the network yourself from the layers."], symbol="＋", parent=content),
                   self.blank_chosen.emit)]
        layout.addLayout(self._grid(own))
        layout.addWidget(_section("Start from a built-in dataset", content))
        layout.addLayout(self._grid([self._dataset_card(entry, content) for entry in builtin_datasets()]))
        layout.addStretch(1)

        scroll = QScrollArea(self)
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.closed.emit)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)

    # --- building -------------------------------------------------------------------------------------------------

    @staticmethod
    def _template_order() -> list[str]:
        names = template_names()
        return [n for n in TEMPLATE_ORDER if n in names] + [n for n in names if n not in TEMPLATE_ORDER]

    def _template_card(self, name: str, parent: QWidget) -> ChoiceCard:
        project = open_template(name)
        if project.dataset is not None and project.dataset.source == "builtin":
            data = f"Starts on the built-in {builtin_title(project.dataset.name).lower()}."
        else:
            data = "Asks for your CSV file with a column of text next."
        uses = TEMPLATE_USES.get(name, project.description.split(".")[0])
        picture = network_picture(project.graph, *PICTURE_SIZE)
        card = ChoiceCard(project.name, [uses, data], picture=picture, parent=parent)
        card.setToolTip(project.description)
        return self._card(f"template:{name}", card, lambda: self.template_chosen.emit(name))

    def _dataset_card(self, entry: dict, parent: QWidget) -> ChoiceCard:
        network = NETWORK_KINDS.get(template_for_dataset(entry["name"]), "a network for tables (MLP)")
        what = {"regression": "predict a number", "multilabel": "give each sample its labels"}.get(
            entry["task"], "sort into classes")
        card = ChoiceCard(entry["title"], [entry["size"], f"To {what}, with {network}."], parent=parent)
        card.setToolTip(entry["description"])
        return self._card(f"dataset:{entry['name']}", card, lambda: self.dataset_chosen.emit(entry["name"]))

    def _card(self, key: str, card: ChoiceCard, slot) -> ChoiceCard:
        card.clicked.connect(lambda _=False: slot())
        self.cards[key] = card
        return card

    @staticmethod
    def _grid(cards: list[ChoiceCard]) -> QGridLayout:
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(12)
        for i, card in enumerate(cards):
            grid.addWidget(card, i // COLUMNS, i % COLUMNS)
        grid.setColumnStretch(COLUMNS, 1)
        return grid

    # --- state ----------------------------------------------------------------------------------------------------

    def set_busy(self, message: str | None) -> None:
        """While a choice is being prepared: says so and takes no other choice."""
        self.status.setText(message or "")
        self.status.setVisible(bool(message))
        for card in self.cards.values():
            card.setEnabled(not message)

    @property
    def is_busy(self) -> bool:
        return self.status.isVisible()

    def focus_first_card(self) -> None:
        next(iter(self.cards.values())).setFocus(Qt.FocusReason.TabFocusReason)
