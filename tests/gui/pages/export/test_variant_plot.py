"""The variants plot: variants on one spot share a label, and the plot follows a dark palette."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from workbench.gui.pages.export.variant_plot import VariantPlot


class Variant:
    def __init__(self, name, size_bytes, accuracy):
        self.name, self.size_bytes, self.accuracy = name, size_bytes, accuracy

    def figures(self, split):
        return {"accuracy": self.accuracy}


@pytest.fixture
def dark_palette(qapp):
    before = QApplication.palette()
    dark = QPalette()
    for role, colour in ((QPalette.ColorRole.Window, "#202329"), (QPalette.ColorRole.Base, "#1a1c20"),
                         (QPalette.ColorRole.Text, "#e8eaee"), (QPalette.ColorRole.WindowText, "#e8eaee")):
        dark.setColor(role, QColor(colour))
    QApplication.setPalette(dark)
    yield dark
    QApplication.setPalette(before)


def label_texts(plot):
    return sorted(label.textItem.toPlainText() for label in plot.labels)


def test_variants_on_one_spot_share_a_label(qtbot):
    plot = VariantPlot()
    qtbot.addWidget(plot)
    plot.show_variants([Variant("fp32", 40_000, 0.95), Variant("int8-dynamic", 12_000, 0.94),
                        Variant("int8-static", 12_010, 0.94), Variant("fp16", 20_000, 0.95)])
    assert label_texts(plot) == ["fp16", "fp32", "int8-dynamic\nint8-static"]


def test_the_plot_follows_a_dark_palette(qtbot, dark_palette):
    plot = VariantPlot()
    qtbot.addWidget(plot)
    plot.resize(400, 300)
    plot.show_variants([Variant("fp32", 40_000, 0.95)])
    plot.show()
    qtbot.waitExposed(plot)
    image = plot.grab().toImage()
    assert image.pixelColor(image.width() - 20, 20).lightness() < 80      # the background, not white
    assert plot.labels[0].color.lightness() > 180                          # light text on it
