"""The layer palette: the catalog by category, with a search box and each layer's description as its tooltip.

Drag a layer onto the canvas to add it there; double-click it (or press Enter) to add it after the selected layer.
Right-click it for its help page (F1 in the window opens the help of the current layer). The Blocks section lists
the shipped blocks and the user's own (My blocks, JSON files in the user's data folder); a block drags and
double-clicks like a layer. While the canvas shows the inside of a block, the Block ports section on top offers
its ports (Block input, Block output), to give the block more inputs or outputs.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QMenu, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from workbench.core.blocks import SHIPPED_BLOCKS
from workbench.core.help import layer_topic
from workbench.core.layers import CATALOG, CATEGORIES
from workbench.gui.canvas.view import BLOCK_MIME_TYPE, LAYER_MIME_TYPE
from workbench.gui.help.browser import open_help
from workbench.gui.pages.design.my_blocks import load_my_blocks
from workbench.gui.style import category_colour

TYPE_ROLE = Qt.ItemDataRole.UserRole
BLOCK_ROLE = Qt.ItemDataRole.UserRole + 1  # a block item's block name
BLOCKS_SECTION = "Blocks"
PORTS_SECTION = "Block ports"
PORT_TYPES = ("BlockInput", "BlockOutput")


def swatch(colour: QColor, size: int = 12) -> QIcon:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    painter.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    painter.end()
    return QIcon(pixmap)


class PaletteTree(QTreeWidget):
    """The tree of layers; dragging an item carries its layer type."""

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME_TYPE, BLOCK_MIME_TYPE]

    def mimeData(self, items) -> QMimeData:
        mime = QMimeData()
        types = [item.data(0, TYPE_ROLE) for item in items if item.data(0, TYPE_ROLE)]
        blocks = [item.data(0, BLOCK_ROLE) for item in items if item.data(0, BLOCK_ROLE)]
        if types:
            mime.setData(LAYER_MIME_TYPE, types[0].encode("utf-8"))
        elif blocks:
            mime.setData(BLOCK_MIME_TYPE, blocks[0].encode("utf-8"))
        return mime


class PalettePanel(QWidget):
    layer_activated = Signal(str)  # double-click or Enter: add this layer type after the selection
    block_activated = Signal(str)  # double-click or Enter on a block: add it (by name)
    my_block_renamed = Signal(str, str)  # one of My blocks was given a new name in the list: old name, new name

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search layers")
        self.search.setClearButtonEnabled(True)
        self.tree = PaletteTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(12)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setFrameShape(QTreeWidget.Shape.NoFrame)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)  # a double-click adds; Rename edits
        self.tree.setStyleSheet("QTreeView::item { padding: 2px 0; }")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.items: dict[str, QTreeWidgetItem] = {}
        self.categories: dict[str, QTreeWidgetItem] = {}
        self.block_items: dict[str, QTreeWidgetItem] = {}
        self.port_items: dict[str, QTreeWidgetItem] = {}  # the Block ports section's, by layer type
        self.blocks_group: QTreeWidgetItem | None = None
        self.ports_group: QTreeWidgetItem | None = None
        self.ports_shown = False  # whether the canvas shows the inside of a block
        self._fill()
        self.fill_blocks()
        self.search.textChanged.connect(self.filter)
        self.tree.itemActivated.connect(self._activated)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.tree.itemChanged.connect(self._item_changed)

    def _fill(self) -> None:
        for category in CATEGORIES:
            specs = [s for s in CATALOG.values() if s.category == category and s.addable]
            if not specs:
                continue
            group = QTreeWidgetItem(self.tree, [category])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setIcon(0, swatch(category_colour(category)))
            self.categories[category] = group
            for spec in specs:
                item = QTreeWidgetItem(group, [spec.display_name])
                item.setData(0, TYPE_ROLE, spec.type_name)
                item.setToolTip(0, spec.description)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsDragEnabled)
                self.items[spec.type_name] = item
        self._fill_ports()
        self.tree.expandAll()

    def _fill_ports(self) -> None:
        group = self.ports_group = QTreeWidgetItem([PORTS_SECTION])
        self.tree.insertTopLevelItem(0, group)
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = group.font(0)
        font.setBold(True)
        group.setFont(0, font)
        group.setIcon(0, swatch(category_colour("Structure")))
        for type_name in PORT_TYPES:
            spec = CATALOG[type_name]
            item = QTreeWidgetItem(group, [spec.display_name])
            item.setData(0, TYPE_ROLE, spec.type_name)
            item.setToolTip(0, spec.description)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            self.port_items[type_name] = item
        group.setHidden(True)

    def show_block_ports(self, shown: bool) -> None:
        """Offers the block ports (inside a block, where the Input and the output layers are not offered) or hides
        them (in the network)."""
        if shown != self.ports_shown:
            self.ports_shown = shown
            self.filter(self.search.text())

    def fill_blocks(self) -> None:
        """(Re)lists the Blocks section: the user's blocks under My blocks, then the shipped ones."""
        if self.blocks_group is not None:
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(self.blocks_group))
        self.block_items = {}
        group = self.blocks_group = QTreeWidgetItem(self.tree, [BLOCKS_SECTION])
        group.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = group.font(0)
        font.setBold(True)
        group.setFont(0, font)
        group.setIcon(0, swatch(category_colour("Structure")))
        mine = QTreeWidgetItem(group, ["My blocks"])
        mine.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for name in load_my_blocks():
            self._block_item(mine, name, "Your block, saved in your data folder (right-click to rename it)")
            self.block_items[name].setFlags(self.block_items[name].flags() | Qt.ItemFlag.ItemIsEditable)
        shipped = QTreeWidgetItem(group, ["Shipped"])
        shipped.setFlags(Qt.ItemFlag.ItemIsEnabled)
        for block in SHIPPED_BLOCKS.values():
            self._block_item(shipped, block.name, block.description)
        group.setExpanded(True)
        mine.setExpanded(True)
        shipped.setExpanded(True)

    def _block_item(self, parent: QTreeWidgetItem, name: str, tip: str) -> None:
        if name in self.block_items:  # a user's block of a shipped block's name comes first
            return
        item = QTreeWidgetItem(parent, [name])
        item.setData(0, BLOCK_ROLE, name)
        item.setToolTip(0, tip)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
        self.block_items[name] = item

    def block_mime_data_for(self, name: str) -> QMimeData:
        """What dragging the block `name` out of the palette carries."""
        return self.tree.mimeData([self.block_items[name]])

    def filter(self, text: str) -> None:
        """Shows the layers whose name, category or description contains `text` (inside a block, those that can go
        there: not the Input and the output layers)."""
        needle = text.strip().lower()
        for category, group in self.categories.items():
            visible = 0
            for i in range(group.childCount()):
                item = group.child(i)
                spec = CATALOG[item.data(0, TYPE_ROLE)]
                haystack = f"{spec.display_name} {spec.type_name} {spec.category} {spec.description}".lower()
                match = (not needle or needle in haystack) and not (self.ports_shown
                                                                    and spec.role in ("input", "head"))
                item.setHidden(not match)
                visible += match
            group.setHidden(visible == 0)
            group.setExpanded(True)
        visible_ports = 0
        for type_name, item in self.port_items.items():
            spec = CATALOG[type_name]
            haystack = f"{spec.display_name} {spec.type_name} block port {spec.description}".lower()
            match = not needle or needle in haystack
            item.setHidden(not match)
            visible_ports += match
        self.ports_group.setHidden(not self.ports_shown or visible_ports == 0)
        self.ports_group.setExpanded(True)
        shown_blocks = 0
        for name, item in self.block_items.items():
            match = not needle or needle in f"{name} block {item.toolTip(0)}".lower()
            item.setHidden(not match)
            shown_blocks += match
        if self.blocks_group is not None:
            self.blocks_group.setHidden(shown_blocks == 0)

    def visible_types(self) -> list[str]:
        return [t for t, item in self.items.items() if not item.isHidden() and not item.parent().isHidden()]

    def mime_data_for(self, type_name: str) -> QMimeData:
        """What dragging `type_name` out of the palette carries."""
        return self.tree.mimeData([self.items.get(type_name) or self.port_items[type_name]])

    def help_topic(self) -> str | None:
        """The help topic of the layer under the keyboard focus, if any."""
        item = self.tree.currentItem()
        type_name = item.data(0, TYPE_ROLE) if item is not None else None
        return layer_topic(type_name) if type_name else None

    def context_menu_for(self, type_name: str) -> QMenu:
        """The right-click menu of a layer: add it, or read its help."""
        menu = QMenu(self)
        name = CATALOG[type_name].display_name
        menu.addAction(f"Add {name} after the selection", lambda: self.layer_activated.emit(type_name))
        menu.addAction(f"Help on {name}", lambda: open_help(self, layer_topic(type_name))).setShortcut("F1")
        return menu

    def block_context_menu_for(self, name: str) -> QMenu:
        """The right-click menu of a block: add it, and for one of My blocks, rename it."""
        menu = QMenu(self)
        menu.addAction(f"Add {name}", lambda: self.block_activated.emit(name))
        item = self.block_items[name]
        if item.flags() & Qt.ItemFlag.ItemIsEditable:
            menu.addAction("Rename…", lambda: self.tree.editItem(item, 0))
        return menu

    def _item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        old = item.data(0, BLOCK_ROLE)
        if old and item.text(0) != old:
            self.my_block_renamed.emit(old, item.text(0))

    def _context_menu(self, point) -> None:
        item = self.tree.itemAt(point)
        type_name = item.data(0, TYPE_ROLE) if item is not None else None
        block = item.data(0, BLOCK_ROLE) if item is not None else None
        if type_name or block:
            menu = self.context_menu_for(type_name) if type_name else self.block_context_menu_for(block)
            menu.exec(self.tree.viewport().mapToGlobal(point))
            menu.deleteLater()

    def _activated(self, item: QTreeWidgetItem, column: int) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.layer_activated.emit(type_name)
        elif item.data(0, BLOCK_ROLE):
            self.block_activated.emit(item.data(0, BLOCK_ROLE))
