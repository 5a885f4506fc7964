"""The guided tour: a sentence at a time, a callout that points at the real widget (switching to its page first),
with Back, Next and Skip. The window around the widget is dimmed and blocked while the tour runs; Escape skips.

`TOUR_STEPS` names each step's page (a tab title of the window, or "Design") and how to find its widget on it.
Whether the tour was seen is kept in the app's settings (`tour_seen`, `mark_tour_seen`), so it starts by itself
only once, after the first choice on the welcome page; Help ▸ Tour starts it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from workbench.gui.user_paths import data_dir

SEEN_KEY = "tour/seen"
CALLOUT_WIDTH = 340
MARGIN = 6  # around the highlighted widget
SMALL_TARGET = 120  # pixels high: the callout goes below such a widget rather than beside it


def app_settings() -> QSettings:
    """The app's own settings, in the user's data folder (tests point it at a temporary folder)."""
    return QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)


def tour_seen() -> bool:
    return app_settings().value(SEEN_KEY, False, type=bool)


def mark_tour_seen() -> None:
    settings = app_settings()
    settings.setValue(SEEN_KEY, True)
    settings.sync()


@dataclass(frozen=True)
class TourStep:
    title: str
    text: str
    page: str  # "Design" or the title of one of the window's other tabs
    target: Callable[[QWidget, QWidget], QWidget]  # (window, page) -> the widget pointed at
    area: Callable[[QWidget], QRect | None] = lambda window: None  # a part of the widget, in its coordinates


def _first_wire_area(window) -> QRect | None:
    """Where the first wire's shape label is in the canvas, or None when there is no wire."""
    view = window.design.view
    items = list(window.design.scene.edge_items.values())
    if not items:
        return None
    rect = view.mapFromScene(items[0].sceneBoundingRect()).boundingRect()
    return rect.intersected(view.viewport().rect()).translated(view.viewport().pos()) or None


TOUR_STEPS: tuple[TourStep, ...] = (
    TourStep("Layers", "These are the building blocks: drag one onto the canvas, or double-click it to add it after "
             "the selected layer; right-click one (or press F1) to read what it does.",
             "Design", lambda w, page: w.design.palette),
    TourStep("The canvas", "This is your network: data enters at the Input on the left and flows along the wires to "
             "the output on the right; drag from one layer's dot to another's to connect them.",
             "Design", lambda w, page: w.design.view),
    TourStep("Wires and shapes", "Each wire shows the shape of what flows along it, and each layer counts its "
             "weights; a layer drawn in red has a problem, explained in the list below the canvas.",
             "Design", lambda w, page: w.design.view, _first_wire_area),
    TourStep("Data", "Choose what the network learns from here: a built-in dataset, your own CSV table or a folder "
             "of pictures.", "Data", lambda w, page: page.sources),
    TourStep("Train", "Press Train and watch the loss fall as the network learns; you can pause or stop at any "
             "time.", "Train", lambda w, page: page.train_button),
    TourStep("Evaluate", "Once trained, see how well the network does on samples it never saw, and which answers "
             "it mixes up.", "Evaluate", lambda w, page: page),
    TourStep("Export", "Save the trained network as an ONNX model that other programs can run, checked against the "
             "original and with a ready-to-run script.", "Export", lambda w, page: page.export_button),
    TourStep("Try it", "Draw, type or open a sample and see the network's answer straight away.", "Try it",
             lambda w, page: page),
)


class TourOverlay(QWidget):
    """The tour over a main window: dims it, rings the current step's widget and shows the callout beside it."""

    finished = Signal(bool)  # True when the last step was reached, False when skipped

    def __init__(self, window, steps: tuple[TourStep, ...] = TOUR_STEPS):
        super().__init__(window)
        self.setObjectName("tour_overlay")
        self.window_ = window
        self.steps = steps
        self.index = 0
        self.return_to = window.tabs.currentWidget()  # the page shown again when the tour ends
        self.target: QWidget | None = None
        self._area = steps[0].area
        self.hole = QRect()
        self.callout = QFrame(self)
        self.callout.setObjectName("tour_callout")
        self.callout.setFrameShape(QFrame.Shape.StyledPanel)
        self.callout.setAutoFillBackground(True)
        self.callout.setFixedWidth(CALLOUT_WIDTH)
        self.callout.setStyleSheet("#tour_callout { background: palette(window); border: 2px solid #3d8bfd; "
                                   "border-radius: 8px; }")
        self.step_label = QLabel(self.callout)
        self.step_label.setStyleSheet("color: gray;")
        self.title_label = QLabel(self.callout)
        self.title_label.setStyleSheet("font-size: 13pt; font-weight: 600;")
        self.text_label = QLabel(self.callout)
        self.text_label.setWordWrap(True)
        self.back_button = QPushButton("Back", self.callout)
        self.next_button = QPushButton("Next", self.callout)
        self.next_button.setDefault(True)
        self.skip_button = QPushButton("Skip tour", self.callout)
        self.skip_button.setFlat(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.skip_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self.callout)
        layout.addWidget(self.step_label)
        layout.addWidget(self.title_label)
        layout.addWidget(self.text_label)
        layout.addLayout(buttons)
        self.back_button.clicked.connect(lambda: self.go(self.index - 1))
        self.next_button.clicked.connect(self.next)
        self.skip_button.clicked.connect(self.skip)
        window.installEventFilter(self)

    # --- running ----------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self.setGeometry(self.window_.rect())
        self.show()
        self.raise_()
        self.go(0)

    def go(self, index: int) -> None:
        self.index = max(0, min(index, len(self.steps) - 1))
        step = self.steps[self.index]
        window = self.window_
        if step.page == "Design":
            window.tabs.setCurrentWidget(window.design)
            page = window.design
        else:
            holder = window.pages[step.page]
            window.tabs.setCurrentWidget(holder)  # builds the page the first time, as a click on its tab does
            page = holder.page
            page.show()  # a page just built would be shown after the next events; its widgets' places are needed now
            holder.layout().activate()
        self.target = step.target(window, page)
        self.step_label.setText(f"Step {self.index + 1} of {len(self.steps)}")
        self.title_label.setText(step.title)
        self.text_label.setText(step.text)
        self.back_button.setEnabled(self.index > 0)
        last = self.index == len(self.steps) - 1
        self.next_button.setText("Done" if last else "Next")
        self.skip_button.setVisible(not last)
        self._area = step.area
        self._place()
        QTimer.singleShot(0, self, self._place)  # again once the page has laid itself out
        self.next_button.setFocus()

    def next(self) -> None:
        if self.index == len(self.steps) - 1:
            self._end(True)
        else:
            self.go(self.index + 1)

    def skip(self) -> None:
        self._end(False)

    def _end(self, completed: bool) -> None:
        self.window_.removeEventFilter(self)
        self.window_.tabs.setCurrentWidget(self.return_to)
        self.hide()
        self.finished.emit(completed)
        self.deleteLater()

    # --- placing ----------------------------------------------------------------------------------------------------

    def target_rect(self) -> QRect:
        """The ringed area, in this overlay's (the window's) coordinates."""
        if self.target is None:
            return QRect()
        area = self._area(self.window_) or self.target.rect()
        return QRect(self.target.mapTo(self.window_, area.topLeft()), area.size())

    def _place(self) -> None:
        self.setGeometry(self.window_.rect())
        self.hole = self.target_rect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN).intersected(self.rect())
        self.callout.adjustSize()
        size = self.callout.size()
        bounds = self.rect().adjusted(12, 12, -12, -12)
        hole = self.hole
        right = QPoint(hole.right() + 16, hole.top())
        left = QPoint(hole.left() - 16 - size.width(), hole.top())
        below = QPoint(hole.left(), hole.bottom() + 16)
        above = QPoint(hole.left(), hole.top() - 16 - size.height())
        inside = QPoint(hole.center().x() - size.width() // 2, hole.center().y() - size.height() // 2)
        small = hole.height() < SMALL_TARGET  # a button or a wire: below it, so its neighbours stay in sight
        candidates = [below, right, left, above, inside] if small else [right, left, below, above, inside]
        spot = next((p for p in candidates if bounds.contains(QRect(p, size))), candidates[-1])
        spot.setX(max(bounds.left(), min(spot.x(), bounds.right() - size.width())))
        spot.setY(max(bounds.top(), min(spot.y(), bounds.bottom() - size.height())))
        self.callout.move(spot)
        self.callout.raise_()
        self.update()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.window_ and event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event):
        if event.key() == Qt.Key.Key_Escape:
            self.skip()
            return
        super().keyPressEvent(event)

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        dim = QPainterPath()
        dim.addRect(QRectF(self.rect()))
        ring = QPainterPath()
        ring.addRoundedRect(QRectF(self.hole), 8, 8)
        painter.fillPath(dim.subtracted(ring), QColor(0, 0, 0, 110))
        painter.setPen(QPen(QColor("#3d8bfd"), 3))
        painter.drawPath(ring)
        callout = QRectF(self.callout.geometry())
        painter.drawLine(_nearest_point(callout, QRectF(self.hole)), _nearest_point(QRectF(self.hole), callout))
        painter.end()


def _nearest_point(rect: QRectF, other: QRectF):
    """The point of `rect`'s edge nearest to the centre of `other`: where the callout's pointer line starts."""
    centre = other.center()
    x = max(rect.left(), min(centre.x(), rect.right()))
    y = max(rect.top(), min(centre.y(), rect.bottom()))
    return type(centre)(x, y)


def start_tour(window) -> TourOverlay:
    """Starts the tour over `window` (ending a tour already running there) and remembers it was seen."""
    running = window.findChild(TourOverlay, "tour_overlay")
    if running is not None:
        running.skip()
    tour = TourOverlay(window)
    tour.start()
    mark_tour_seen()
    return tour
