"""The help browser: a window beside the main one with the index of layers and glossary words on the left, a search
box above it, and the chosen page on the right. `open_help(widget, topic)` shows a topic ("layer:Conv2d",
"glossary:loss") in the browser of the widget's window, making it the first time. Back (Alt+Left) returns to the
pages read before.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QHBoxLayout, QLineEdit, QPushButton, QSplitter, QTextBrowser, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from workbench.core.help import NoHelpError, help_index, search_topics, topic_html, topic_title

TOPIC_ROLE = Qt.ItemDataRole.UserRole
FIRST_TOPIC = "glossary:loss"


class HelpPageView(QTextBrowser):
    """The page: its own Back key (Alt+Left, handled by QTextBrowser itself) goes to the browser's history."""

    back_requested = Signal()

    def backward(self) -> None:  # a Qt override, called by QTextBrowser's key handling
        self.back_requested.emit()


class HelpBrowser(QWidget):
    """The help window: index, search and the page of the current topic."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("help_browser")
        self.setWindowTitle("Workbench Help")
        self.topic: str | None = None
        self.history: list[str] = []  # the topics shown before this one, oldest first
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search the help")
        self.search.setClearButtonEnabled(True)
        self.index = QTreeWidget(self)
        self.index.setHeaderHidden(True)
        self.index.setIndentation(12)
        self.page = HelpPageView(self)
        self.page.setOpenLinks(False)
        self.page.document().setDocumentMargin(16)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.sections: list[QTreeWidgetItem] = []
        for section, topics in help_index():
            group = QTreeWidgetItem(self.index, [section])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.sections.append(group)
            for topic in topics:
                item = QTreeWidgetItem(group, [topic_title(topic)])
                item.setData(0, TOPIC_ROLE, topic)
                self.items[topic] = item
        self.index.expandAll()

        self.back_button = QPushButton("← Back", self)
        self.back_button.setToolTip("The page you read before (Alt+Left)")
        self.back_button.setEnabled(False)
        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(6, 6, 0, 6)
        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.search, 1)
        left_layout.addLayout(top)
        left_layout.addWidget(self.index)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.page)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([240, 560])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        self.resize(860, 620)

        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._open_first_match)
        self.index.currentItemChanged.connect(self._item_chosen)
        self.page.anchorClicked.connect(self._link_clicked)
        self.back_button.clicked.connect(self.back)
        self.page.back_requested.connect(self.back)
        QShortcut(QKeySequence(Qt.Modifier.ALT | Qt.Key.Key_Left), self, self.back)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self.close)
        QShortcut(QKeySequence.StandardKey.Find, self, self.search.setFocus)

    def show_topic(self, topic: str) -> None:
        """Shows the page of `topic` and selects it in the index."""
        text = topic_html(topic)
        if self.topic is not None and topic != self.topic:
            self.history.append(self.topic)
        self._show(topic, text)

    def back(self) -> None:
        """Shows the page read before this one, if any."""
        if self.history:
            topic = self.history.pop()
            self._show(topic, topic_html(topic))

    def _show(self, topic: str, text: str) -> None:
        self.page.setHtml(text)
        self.topic = topic
        self.back_button.setEnabled(bool(self.history))
        item = self.items.get(topic)
        if item is not None and self.index.currentItem() is not item:
            self.index.setCurrentItem(item)

    def filter(self, text: str) -> None:
        """Shows in the index only the topics whose title or page holds every word of `text`."""
        matches = set(search_topics(text))
        for topic, item in self.items.items():
            item.setHidden(topic not in matches)
        for group in self.sections:
            group.setHidden(all(group.child(i).isHidden() for i in range(group.childCount())))

    def visible_topics(self) -> list[str]:
        return [t for t, item in self.items.items() if not item.isHidden()]

    def _open_first_match(self) -> None:
        matches = search_topics(self.search.text())
        if matches:
            self.show_topic(matches[0])

    def _item_chosen(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        topic = item.data(0, TOPIC_ROLE) if item is not None else None
        if topic and topic != self.topic:
            self.show_topic(topic)

    def _link_clicked(self, url: QUrl) -> None:
        try:
            self.show_topic(url.toString())
        except NoHelpError:
            pass  # a page links only to topics of the index (checked by the tests)


def help_browser(widget: QWidget) -> HelpBrowser:
    """The help browser of `widget`'s window, made the first time it is asked for."""
    window = widget.window()
    browser = window.findChild(HelpBrowser, "help_browser", Qt.FindChildOption.FindDirectChildrenOnly)
    return browser or HelpBrowser(window)


def open_help(widget: QWidget, topic: str | None = None) -> HelpBrowser:
    """Shows `topic` (or the page last shown, or the first) in the help browser of `widget`'s window."""
    browser = help_browser(widget)
    browser.show_topic(topic or browser.topic or FIRST_TOPIC)
    browser.show()
    browser.raise_()
    browser.activateWindow()
    return browser
