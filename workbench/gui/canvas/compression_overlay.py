"""What compression did to each layer, drawn on the Design canvas: a small badge over every affected layer.

Given a `VariantRecord` (its ``layers``: `LayerEffect` rows, one per layer compression touched), each affected
layer gets a badge ("int8 err 0.8%", "sparsity 52%", "channels 16→8") coloured from green (harmless)
to red (costly), with the figures in its tooltip; the costliest layer is outlined. A legend in the canvas corner
names the variant, explains the colours and has a Hide button.

The overlay changes neither the graph nor the editor's items: each badge is its own item, made a child of the
layer's card (found in the scene's ``node_items``), so it follows the card while it is dragged, undone or laid out.
Badges whose card is gone (a layer deleted) come back when the card does. The overlay clears itself when the project
is replaced or the user hides it. One overlay belongs to each scene: `CompressionOverlay.of(scene)`.
"""

from __future__ import annotations

import html

import shiboken6
from PySide6.QtCore import QEvent, QObject, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPen
from PySide6.QtWidgets import QFrame, QGraphicsItem, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from workbench.core.compression.methods import COMPRESSION_METHODS, method_title
from workbench.gui.style import current_theme

ERROR_AT_WORST = 0.05  # an output error of 5% or more is drawn in the worst colour
BADGE_HEIGHT = 18.0
BADGE_GAP = 4.0  # between the badge and the top of the card
GOOD_HUE, BAD_HUE = 130, 0
SCALE_CAPTIONS = {"error": f"output error 0% → {100 * ERROR_AT_WORST:.0f}% or more",
                  "sparsity": "weights set to zero 0% → 100%", "channels": "channels removed 0% → 100%"}


def _percent(fraction: float) -> str:
    value = 100 * fraction
    if value == 0:
        return "0%"
    return f"{value:.1f}%" if value >= 0.1 else f"{value:.2g}%"


def is_affected(row) -> bool:
    """Whether compression changed the layer at all (a convolution left in fp32 by dynamic INT8 was not)."""
    if row.kind == "channels":
        return row.after != row.before
    return row.value > 0


def _unit(row) -> str:
    return "channels" if row.type.startswith("Conv") else "neurons"


def badge_text(row, method: str) -> str:
    """The few words on a layer's badge."""
    if row.kind == "channels":
        return f"{_unit(row)} {row.before}→{row.after}"
    if row.kind == "sparsity":
        return f"sparsity {100 * row.value:.0f}%"
    declared = COMPRESSION_METHODS.get(method)
    number_format = declared.number_format if declared is not None and declared.number_format else method
    return f"{number_format} err {_percent(row.value)}"


def badge_cost(row) -> float:
    """How much the change may cost, from 0 (nothing) to 1 (the worst colour)."""
    if row.kind == "channels":
        return 1.0 - row.after / row.before if row.before else 0.0
    if row.kind == "sparsity":
        return min(1.0, max(0.0, row.value))
    return min(1.0, max(0.0, row.value / ERROR_AT_WORST))


def cost_colour(cost: float) -> QColor:
    """Green for 0, through amber, to red for 1."""
    hue = GOOD_HUE + (BAD_HUE - GOOD_HUE) * min(1.0, max(0.0, cost))
    return QColor.fromHsv(round(hue), 200, 205)


def badge_tooltip(row, title: str, costliest: bool) -> str:
    """The figures behind a badge, in words."""
    head = f"<b>{html.escape(row.name)}</b> ({html.escape(row.type)}) &mdash; {html.escape(title)}"
    if row.kind == "channels":
        removed = 1.0 - row.after / row.before if row.before else 0.0
        body = (f"{row.after} of its {row.before} {_unit(row)} kept ({100 * removed:.0f}% removed), "
                "then fine-tuned.")
    elif row.kind == "sparsity":
        body = f"{100 * row.value:.1f}% of its weights are zero after pruning and fine-tuning."
    else:
        body = (f"Its output differs from the fp32 network's by {_percent(row.value)} (RMS of the difference "
                "relative to the fp32 output, on calibration samples from the training split).")
    tail = "<br><i>The costliest layer of this variant.</i>" if costliest else ""
    return f"{head}<br>{body}{tail}"


class CompressionBadge(QGraphicsItem):
    """A rounded label just above a layer's card (a child of the card, so it moves with it)."""

    def __init__(self, row, text: str, cost: float, tooltip: str, costliest: bool, parent: QGraphicsItem):
        super().__init__(parent)
        self.row = row
        self.node_id = row.node
        self.text = text
        self.cost = cost
        self.costliest = costliest
        self.colour = cost_colour(cost)
        self.font = QFont()
        self.font.setPointSizeF(8.0)
        self.font.setBold(costliest)
        width = QFontMetricsF(self.font).horizontalAdvance(text) + 14
        self._rect = QRectF(0, 0, width, BADGE_HEIGHT)
        self.setPos(0, -BADGE_HEIGHT - BADGE_GAP)
        self.setZValue(3)
        self.setToolTip(tooltip)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter, option, widget=None):
        outline = QColor("#1d2025") if self.costliest else self.colour.darker(130)
        painter.setPen(QPen(outline, 2.0 if self.costliest else 1.0))
        painter.setBrush(self.colour)
        painter.drawRoundedRect(self._rect, BADGE_HEIGHT / 2, BADGE_HEIGHT / 2)
        painter.setFont(self.font)
        light = self.colour.lightnessF() > 0.6
        painter.setPen(QColor("#1d2025") if light else QColor("#ffffff"))
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.text)


class OverlayLegend(QFrame):
    """The corner box: which variant, what the colours mean, the costliest layer, and Hide."""

    def __init__(self, parent):
        super().__init__(parent)
        self.setObjectName("compression_legend")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.title = QLabel(self)
        self.title.setStyleSheet("font-weight: bold;")
        self.title.setWordWrap(True)
        self.scale = QLabel(self)
        self.scale.setFixedHeight(10)
        self.scale.setMinimumWidth(180)
        stops = ", ".join(f"stop:{c / 4:g} {cost_colour(c / 4).name()}" for c in range(5))
        self.scale.setStyleSheet(f"background: qlineargradient(x1:0, y1:0, x2:1, y2:0, {stops}); border-radius: 3px;")
        self.scale_caption = QLabel(self)
        self.costliest = QLabel(self)
        self.costliest.setWordWrap(True)
        self.hide_button = QPushButton("Hide", self)
        self.hide_button.setObjectName("hide_compression_overlay")
        ends = QHBoxLayout()
        ends.addWidget(QLabel("harmless", self))
        ends.addStretch(1)
        ends.addWidget(QLabel("costly", self))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(4)
        layout.addWidget(self.title)
        layout.addWidget(self.scale)
        layout.addLayout(ends)
        layout.addWidget(self.scale_caption)
        layout.addWidget(self.costliest)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.hide_button)
        layout.addLayout(buttons)
        self.setFixedWidth(280)
        self.apply_theme()
        self.hide()

    def apply_theme(self) -> None:
        """The box in the palette's colours (light or dark), like the canvas it sits on."""
        theme = current_theme()
        body = theme.node_body
        self.setStyleSheet(f"#compression_legend {{ background: rgba({body.red()}, {body.green()}, {body.blue()}, "
                           f"235); border: 1px solid {theme.node_border.name()}; border-radius: 6px; }} "
                           f"QLabel {{ color: {theme.text.name()}; }}")
        self.scale_caption.setStyleSheet(f"color: {theme.muted_text.name()};")


class CompressionOverlay(QObject):
    """The badges and legend of one variant on one scene and its view (see the module docstring)."""

    def __init__(self, scene, view):
        super().__init__(scene)
        self.setObjectName("compression_overlay")
        self.scene = scene
        self.view = view
        self.record = None  # the VariantRecord shown
        self.rows: list[dict] = []
        self.badges: dict[str, CompressionBadge] = {}
        self.missing: list[str] = []  # affected layers the canvas does not show (the graph changed since)
        self._costliest: set[str] = set()
        self.legend = OverlayLegend(view)
        self.legend.hide_button.clicked.connect(self.clear)
        view.installEventFilter(self)
        scene.document.project_replaced.connect(self.clear)
        scene.document.graph_changed.connect(self._restore_lost_badges)

    @classmethod
    def of(cls, scene, view=None) -> CompressionOverlay:
        """The scene's overlay, made the first time it is asked for (on `view`, default: the scene's first view)."""
        overlay = scene.findChild(cls, "compression_overlay")
        return overlay if overlay is not None else cls(scene, view or scene.views()[0])

    def show_variant(self, record) -> int:
        """Shows a variant's per-layer effects; returns how many layers got a badge."""
        self._remove_badges()
        self.record = record
        self.rows = [row for row in (record.layers) if is_affected(row)]
        costs = [badge_cost(row) for row in self.rows]
        top = max(costs, default=0.0)
        tied = costs.count(top)
        self._costliest = {row.node for row, cost in zip(self.rows, costs) if cost == top} \
            if top > 0 and (tied < len(costs) or tied == 1) else set()  # not when every layer costs the same
        self._restore_lost_badges()
        self.missing = [row.name for row in self.rows if row.node not in self.badges]
        self._fill_legend()
        first = next(iter(self._costliest), None) or next(iter(self.badges), None)
        if first is not None:
            self.view.ensure_node_visible(first)
        return len(self.badges)

    def clear(self) -> None:
        """Removes the badges and the legend (the Hide button; another project opened)."""
        self._remove_badges()
        self.record = None
        self.rows = []
        self.missing = []
        self._costliest = set()
        self.legend.hide()

    # --- badges -------------------------------------------------------------------------------------------------

    def _restore_lost_badges(self) -> None:
        """Puts a badge on every affected layer whose card has none (first showing, or a deleted layer back)."""
        if self.record is None:
            return
        title = self._title()
        for row in self.rows:
            badge = self.badges.get(row.node)
            card = self.scene.node_items.get(row.node)
            if card is None or (badge is not None and shiboken6.isValid(badge) and badge.parentItem() is card):
                continue
            if badge is not None and shiboken6.isValid(badge) and badge.scene() is not None:
                badge.scene().removeItem(badge)
            costliest = row.node in self._costliest
            self.badges[row.node] = CompressionBadge(row, badge_text(row, self.record.method), badge_cost(row),
                                                        badge_tooltip(row, title, costliest), costliest, card)

    def _remove_badges(self) -> None:
        for badge in self.badges.values():
            if shiboken6.isValid(badge) and badge.scene() is not None:
                badge.scene().removeItem(badge)
        self.badges = {}

    # --- legend -------------------------------------------------------------------------------------------------

    def _title(self, with_name: bool = True) -> str:
        method = method_title(self.record.method)
        return f"{self.record.name} ({method})" if with_name else method

    def _fill_legend(self) -> None:
        legend = self.legend
        legend.title.setText(f"{self.record.name}: what {self._title(False)} did to each layer")
        kinds = {row.kind for row in self.rows}
        legend.scale_caption.setText(SCALE_CAPTIONS[kinds.pop()] if len(kinds) == 1 else "")
        if not self.rows:
            text = "No layer was changed by this method."
        elif self._costliest:
            text = "Costliest: " + ", ".join(f"{row.name} ({badge_text(row, self.record.method)})"
                                             for row in self.rows if row.node in self._costliest)
        else:
            text = "Every layer is changed alike."
        if self.missing:
            text += f" Not on the canvas any more: {', '.join(self.missing)}."
        legend.costliest.setText(text)
        legend.adjustSize()
        self._place_legend()
        legend.apply_theme()  # the palette may have changed (a dark theme switched on) since it was made
        legend.show()
        legend.raise_()

    def _place_legend(self) -> None:
        margin = 12
        scroll_bar = self.view.verticalScrollBar()
        right = self.view.width() - (scroll_bar.width() if scroll_bar.isVisible() else 0)
        self.legend.move(max(margin, right - self.legend.width() - margin), margin)

    def eventFilter(self, watched, event) -> bool:
        if watched is self.view and event.type() == QEvent.Type.Resize:
            self._place_legend()
        return False
