"""A Block node reads as a block on the canvas: a stack of cards whose front one names its block, and "×N" while the
block is used N times (Ctrl+D makes another instance; deleting one takes the count back down)."""

from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QStyleOptionGraphicsItem

from tests.gui.editor_driving import press_keys
from tests.gui.pages.design.test_block_rename import context_action, type_block_name
from tests.gui.pages.design.test_blocks import select
from workbench.gui.canvas.node_item import NODE_HEIGHT, NODE_WIDTH, STACK_STEP, TEXT_MARGIN


def painted(item) -> QImage:
    """The item drawn on its own, its card's top-left corner at (20, 20)."""
    image = QImage(int(NODE_WIDTH) + 60, int(NODE_HEIGHT) + 60, QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.translate(20, 20)
    item.paint(painter, QStyleOptionGraphicsItem(), None)
    painter.end()
    return image


def test_a_block_card_is_a_stack_naming_its_block_and_how_often_it_is_used(window, qtbot, tmp_path):
    design = window.design
    select(window, ["conv1", "relu1"])
    press_keys(window, "Ctrl+B")
    block = design.scene.node_items["block1"]
    layer = design.scene.node_items["pool1"]
    assert block.type_text() == "Block 1" and "×" not in block.tooltip_text()
    assert block.boundingRect().right() >= NODE_WIDTH + 2 * STACK_STEP
    assert block.boundingRect().top() <= -2 * STACK_STEP
    assert layer.boundingRect().right() < NODE_WIDTH + 2 * STACK_STEP
    # the cards behind show right of the front card, where a layer's card leaves the paper white
    beside = [(x, 20 + int(NODE_HEIGHT) // 2) for x in range(20 + int(NODE_WIDTH) + 1, 20 + int(NODE_WIDTH) + 11)]
    assert any(painted(block).pixelColor(*point) != QColor("#ffffff") for point in beside)
    assert all(painted(layer).pixelColor(*point) == QColor("#ffffff") for point in beside)
    press_keys(window, "Ctrl+D")
    copy = next(nid for nid in design.scene.node_items if nid not in ("block1",) and nid.startswith("block"))
    assert block.type_text() == "Block 1  ×2" and design.scene.node_items[copy].type_text() == "Block 1  ×2"
    assert "used 2 times in the network" in block.tooltip_text()
    design.view.fit_to_graph()
    design.view.grab().save(str(tmp_path / "block_cards.png"))
    design.view.grab().save("/tmp/blk/block_cards.png")
    press_keys(window, "Delete")
    assert copy not in design.scene.node_items and block.type_text() == "Block 1"


def test_a_long_block_name_loses_its_middle_on_the_card_keeps_its_count_and_shows_whole_in_the_tooltip(window, qtbot):
    design = window.design
    select(window, ["conv1", "relu1"])
    press_keys(window, "Ctrl+B")
    long_name = "Residual unit (layers one to three, wide)"
    context_action(window, "block1", "Rename block…").trigger()
    type_block_name(window, long_name)
    select(window, ["block1"])
    press_keys(window, "Ctrl+D")
    block = design.scene.node_items["block1"]
    font = QFont(design.view.font())
    font.setPointSizeF(8.5)
    metrics = QFontMetricsF(font)
    line = block.type_line(metrics)
    assert line.endswith("×2") and "…" in line and line.startswith("Resid")
    assert line.split("…")[1].rstrip(" ×2").endswith("wide)")  # the end of the name shows, not only its start
    assert metrics.horizontalAdvance(line) <= NODE_WIDTH - 2 * TEXT_MARGIN
    assert long_name in block.tooltip_text()
    design.view.fit_to_graph()
    design.view.grab().save("/tmp/blocks-long-name.png")
