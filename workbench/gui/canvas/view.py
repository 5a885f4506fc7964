"""The canvas widget: zoom (wheel, fit), pan (middle button or space + drag), rubber-band selection, drops.

A layer dragged from the palette is added where it is dropped; a project file dropped here is opened. Refusals
the editor reports appear in a banner over the canvas for a few seconds.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsView, QLabel

from workbench import PROJECT_SUFFIXES
from workbench.core.layers import CATALOG
from workbench.gui.canvas.scene import GraphScene

LAYER_MIME_TYPE = "application/x-workbench-layer-type"
BLOCK_MIME_TYPE = "application/x-workbench-block"  # carries a block's name (one from the palette's Blocks)
MIN_ZOOM, MAX_ZOOM = 0.1, 2.5
FIT_MIN_ZOOM, FIT_MAX_ZOOM = 0.8, 1.0  # at 0.8 a layer's smallest text is still 9 pixels high
FIT_MARGIN_X, FIT_MARGIN_Y = 80.0, 100.0  # room around the graph when it is fitted
GRID = 24.0
SCENE_MARGIN = 2000.0  # how far past the graph the canvas scrolls
BANNER_MS = 5000


def dropped_project_path(mime) -> Path | None:
    """The project file in a drop of files, if there is one (.wbproj or .json)."""
    if not mime.hasUrls():
        return None
    for url in mime.urls():
        if url.isLocalFile() and url.toLocalFile().lower().endswith(PROJECT_SUFFIXES):
            return Path(url.toLocalFile())
    return None


def grid_tile(theme) -> QPixmap:
    """One cell of the dotted canvas grid, tiled by the background brush."""
    tile = QPixmap(int(GRID), int(GRID))
    tile.fill(Qt.GlobalColor.transparent)
    painter = QPainter(tile)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(theme.grid)
    painter.drawEllipse(QPointF(1.5, 1.5), 1.3, 1.3)
    painter.end()
    return tile


class GraphView(QGraphicsView):
    file_dropped = Signal(object)  # Path of a project file dropped on the canvas
    layer_dropped = Signal(str, QPointF)  # layer type, scene position
    block_dropped = Signal(str, QPointF)  # block name, scene position
    context_menu_requested = Signal(QPointF, QPoint)  # scene position, screen position

    def __init__(self, scene: GraphScene, parent=None):
        super().__init__(scene, parent)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.ItemSelectionMode.IntersectsItemShape)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)  # the problems list opening below moves nothing
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self._pan_from: QPointF | None = None
        self._space_held = False
        self._grid_tile = None
        scene.sceneRectChanged.connect(self._grow_scene_rect)  # layers moved or added beyond the edge
        self.banner = QLabel(self)
        self.banner.setWordWrap(True)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self.banner.hide)
        self.apply_theme()

    def apply_theme(self) -> None:
        theme = self.scene().theme
        self.banner.setStyleSheet(
            f"QLabel {{ background: {theme.banner_fill.name()}; color: {theme.banner_text.name()};"
            f" border: 1px solid {theme.error.name()}; border-radius: 8px; padding: 8px 14px; }}")
        self.viewport().update()

    # --- messages ---------------------------------------------------------------------------------------------------

    def show_message(self, text: str) -> None:
        self.banner.setText(text)
        self._place_banner()
        self.banner.show()
        self.banner.raise_()
        self._banner_timer.start(BANNER_MS)

    def _place_banner(self) -> None:
        width = min(560, self.viewport().width() - 40)
        self.banner.setFixedWidth(max(width, 200))
        self.banner.adjustSize()
        self.banner.move((self.width() - self.banner.width()) // 2, 14)

    def resizeEvent(self, event):
        super().resizeEvent(event)
        if self.banner.isVisible():
            self._place_banner()

    # --- zoom and centring -----------------------------------------------------------------------------------------

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float) -> None:
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom() * factor))
        factor = target / self.zoom()
        self.scale(factor, factor)

    def zoom_in(self) -> None:
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.zoom_by(1.25)
        self.setTransformationAnchor(anchor)

    def zoom_out(self) -> None:
        anchor = self.transformationAnchor()
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.zoom_by(0.8)
        self.setTransformationAnchor(anchor)

    def reset_zoom(self) -> None:
        self.zoom_by(1.0 / self.zoom())

    def fit_to_graph(self) -> None:
        """Shows the whole graph, but never so small that labels cannot be read: a graph too large for that is shown
        from its top-left corner at the smallest readable zoom, to scroll from there."""
        rect = self.scene().graph_rect()
        if rect.isNull():
            self.resetTransform()
            size = self.viewport().size()
            self.setSceneRect(QRectF(-size.width() / 2, -size.height() / 2, size.width(), size.height()))
            self.centerOn(0, 0)
            return
        rect = rect.adjusted(-FIT_MARGIN_X / 2, -FIT_MARGIN_Y / 2, FIT_MARGIN_X / 2, FIT_MARGIN_Y / 2)
        self.setSceneRect(rect.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN))
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        zoom = self.zoom()
        if not FIT_MIN_ZOOM <= zoom <= FIT_MAX_ZOOM:
            clamped = FIT_MAX_ZOOM if zoom > FIT_MAX_ZOOM else FIT_MIN_ZOOM
            self.resetTransform()
            self.scale(clamped, clamped)
            visible = self.mapToScene(self.viewport().rect()).boundingRect()
            x = rect.left() + visible.width() / 2 if visible.width() < rect.width() else rect.center().x()
            y = rect.top() + visible.height() / 2 if visible.height() < rect.height() else rect.center().y()
            self.centerOn(x, y)

    def _grow_scene_rect(self, rect: QRectF) -> None:
        """Lets the user scroll to `rect` and a margin around it."""
        wanted = rect.adjusted(-SCENE_MARGIN, -SCENE_MARGIN, SCENE_MARGIN, SCENE_MARGIN)
        if not self.sceneRect().contains(wanted):
            self.setSceneRect(self.sceneRect().united(wanted))

    def centre_on_node(self, node_id: str) -> None:
        item = self.scene().node_items.get(node_id)
        if item is not None:
            self.centerOn(item)

    def ensure_node_visible(self, node_id: str) -> None:
        item = self.scene().node_items.get(node_id)
        if item is not None:
            self._grow_scene_rect(item.sceneBoundingRect())
            self.ensureVisible(item, 60, 60)

    def visible_centre(self) -> QPointF:
        return self.mapToScene(self.viewport().rect().center())

    def wheelEvent(self, event):
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    # --- panning ----------------------------------------------------------------------------------------------------

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.MiddleButton or (
                self._space_held and event.button() == Qt.MouseButton.LeftButton):
            self._pan_from = event.position()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event):
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self._grow_scene_rect(self.mapToScene(self.viewport().rect()).boundingRect())
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event):
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Escape:
            if self.scene().cancel_wire() is None:
                self.scene().clearSelection()
            event.accept()
            return
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = True
            self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event):
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def contextMenuEvent(self, event):
        self.context_menu_requested.emit(self.mapToScene(event.pos()), event.globalPos())
        event.accept()

    # --- drops ------------------------------------------------------------------------------------------------------

    def _accepts(self, mime) -> bool:
        if mime.hasFormat(LAYER_MIME_TYPE):
            return bytes(mime.data(LAYER_MIME_TYPE)).decode("utf-8", "replace") in CATALOG
        if mime.hasFormat(BLOCK_MIME_TYPE):
            return True
        return dropped_project_path(mime) is not None

    @staticmethod
    def _accept_as_copy(event) -> None:
        """Drops always copy: a move would make the palette remove the layer it was dragged from."""
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()

    def dragEnterEvent(self, event):
        if self._accepts(event.mimeData()):
            self._accept_as_copy(event)
        else:
            event.ignore()

    def dragMoveEvent(self, event):
        if self._accepts(event.mimeData()):
            self._accept_as_copy(event)
        else:
            event.ignore()

    def dropEvent(self, event):
        mime = event.mimeData()
        if mime.hasFormat(LAYER_MIME_TYPE):
            type_name = bytes(mime.data(LAYER_MIME_TYPE)).decode("utf-8", "replace")
            if type_name in CATALOG:
                self._accept_as_copy(event)
                self.layer_dropped.emit(type_name, self.mapToScene(event.position().toPoint()))
                return
        if mime.hasFormat(BLOCK_MIME_TYPE):
            self._accept_as_copy(event)
            self.block_dropped.emit(bytes(mime.data(BLOCK_MIME_TYPE)).decode("utf-8", "replace"),
                                    self.mapToScene(event.position().toPoint()))
            return
        path = dropped_project_path(mime)
        if path is not None:
            self._accept_as_copy(event)
            self.file_dropped.emit(path)
            return
        event.ignore()

    # --- painting ---------------------------------------------------------------------------------------------------

    def drawBackground(self, painter: QPainter, rect: QRectF):
        theme = self.scene().theme
        painter.fillRect(rect, theme.canvas)
        if self.zoom() < 0.35:
            return
        if self._grid_tile is None or self._grid_tile[0] != theme.grid.rgba():
            self._grid_tile = (theme.grid.rgba(), grid_tile(theme))
        brush = QBrush(self._grid_tile[1])
        painter.setBrushOrigin(0, 0)
        painter.fillRect(rect, brush)

    def drawForeground(self, painter: QPainter, rect: QRectF):
        if self.scene().node_items:
            return
        painter.save()
        painter.resetTransform()
        font = QFont(self.font())
        font.setPointSizeF(12)
        painter.setFont(font)
        colour = QColor(self.scene().theme.muted_text)
        painter.setPen(colour)
        painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter,
                         "Drag layers here from the palette, or double-click one to add it.")
        painter.restore()
