"""A square pad to draw on with the mouse: white strokes on black, like the digits the demo model learned.

`drawn` is emitted when a stroke ends; `to_pil()` gives the drawing as a Pillow grayscale image for the model's
preprocessing (which resizes it to the model's input size), cropped to the ink and centred in a square with a small
margin, as the digits were written: a digit drawn small or in a corner then still looks like the training samples.
`show_picture` puts an opened image on the pad instead (as the model sees it: at its input size, scaled up without
smoothing); the next stroke starts a fresh drawing.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

PAD_PIXELS = 256
STROKE_SHARE = 0.09  # pen width as a share of the pad
MARGIN_SHARE = 0.12  # margin around the ink when centring, as a share of its larger side


class DrawingPad(QWidget):
    drawn = Signal()
    cleared = Signal()

    def __init__(self, parent=None, pixels: int = PAD_PIXELS):
        super().__init__(parent)
        self.image = QImage(pixels, pixels, QImage.Format.Format_Grayscale8)
        self.image.fill(0)
        self.last: QPointF | None = None
        self.strokes = 0
        self.picture: QImage | None = None  # an opened image shown instead of the drawing
        self.setMinimumSize(200, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the mouse; the model guesses when you let go")

    def clear(self) -> None:
        self.image.fill(0)
        self.strokes = 0
        self.picture = None
        self.update()
        self.cleared.emit()

    def show_picture(self, picture: QImage) -> None:
        """Shows `picture` (an opened image at the model's input size) in place of the drawing."""
        self.image.fill(0)
        self.strokes = 0
        self.picture = picture
        self.update()

    def is_empty(self) -> bool:
        return self.strokes == 0

    def _square(self):
        side = min(self.width(), self.height())
        return (self.width() - side) / 2, (self.height() - side) / 2, side

    def _to_image(self, pos: QPointF) -> QPointF:
        x0, y0, side = self._square()
        scale = self.image.width() / max(side, 1)
        return QPointF((pos.x() - x0) * scale, (pos.y() - y0) * scale)

    def _line(self, a: QPointF, b: QPointF) -> None:
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(QColor(255, 255, 255), self.image.width() * STROKE_SHARE, Qt.PenStyle.SolidLine,
                   Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawLine(a, b)
        painter.end()
        self.update()

    def mousePressEvent(self, event):
        if event.button() == Qt.MouseButton.LeftButton:
            if self.picture is not None:
                self.picture = None
            self.last = self._to_image(event.position())
            self._line(self.last, self.last)

    def mouseMoveEvent(self, event):
        if self.last is not None:
            point = self._to_image(event.position())
            self._line(self.last, point)
            self.last = point

    def mouseReleaseEvent(self, event):
        if self.last is not None and event.button() == Qt.MouseButton.LeftButton:
            self.last = None
            self.strokes += 1
            self.drawn.emit()

    def paintEvent(self, event):
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#444"))
        x0, y0, side = self._square()
        if self.picture is not None:
            shown = self.picture.scaled(int(side), int(side), Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.FastTransformation)
            painter.fillRect(int(x0), int(y0), int(side), int(side), QColor(0, 0, 0))
            painter.drawImage(int(x0 + (side - shown.width()) / 2), int(y0 + (side - shown.height()) / 2), shown)
        else:
            painter.drawImage(int(x0), int(y0), self.image.scaled(int(side), int(side)))
        painter.end()

    def to_pil(self, centred: bool = True):
        """The drawing as a Pillow "L" image (cropped to the ink and centred unless `centred` is False)."""
        from PIL import Image  # lazy

        width, height = self.image.width(), self.image.height()
        stride = self.image.bytesPerLine()
        data = bytes(self.image.constBits())[:stride * height]
        image = Image.frombuffer("L", (width, height), data, "raw", "L", stride, 1).copy()
        box = image.getbbox()
        if not centred or box is None:
            return image
        left, top, right, bottom = box
        side = int(max(right - left, bottom - top) * (1 + 2 * MARGIN_SHARE)) + 1
        square = Image.new("L", (side, side), 0)
        square.paste(image.crop(box), ((side - (right - left)) // 2, (side - (bottom - top)) // 2))
        return square
