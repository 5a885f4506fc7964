"""The shipped blocks: each a function that writes a block definition (a graph with BlockInput and BlockOutput
nodes) of a well-known building unit, with settings that suit a small network; the user changes them inside.

Width-keeping blocks (residual, Transformer encoder) add their input to their result, so their width setting must
match what comes in: validation says so on the block when it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from workbench.core.graph.model import Graph


@dataclass(frozen=True)
class ShippedBlock:
    name: str  # the block's name in the palette and in the project
    description: str  # one line, shown as a tooltip
    build: Callable[[], Graph]  # -> a new definition


class _Writer:
    """Adds layers in a row: each new layer reads the one before unless told what it reads."""

    def __init__(self):
        self.graph = Graph()
        self.graph.add_node("BlockInput", node_id="x", name="x", position=(0.0, 0.0))
        self.row = 0

    def add(self, type_name: str, node_id: str, reads: str | tuple[str, ...], column: int = 0, **params) -> str:
        self.row += 1
        self.graph.add_node(type_name, params, name=node_id, node_id=node_id,
                            position=(260.0 * column, 110.0 * self.row))
        for source in (reads,) if isinstance(reads, str) else reads:
            self.graph.connect(source, node_id)
        return node_id

    def finish(self, reads: str) -> Graph:
        self.add("BlockOutput", "y", reads)
        return self.graph


def conv_bn_relu() -> Graph:
    w = _Writer()
    w.add("Conv2d", "conv", "x", filters=32, kernel_size=3, padding=1, bias=False)
    w.add("BatchNorm2d", "bn", "conv")
    return w.finish(w.add("ReLU", "relu", "bn"))


def residual() -> Graph:
    w = _Writer()
    w.add("Conv2d", "conv1", "x", filters=32, kernel_size=3, padding=1, bias=False)
    w.add("BatchNorm2d", "bn1", "conv1")
    w.add("ReLU", "relu1", "bn1")
    w.add("Conv2d", "conv2", "relu1", filters=32, kernel_size=3, padding=1, bias=False)
    w.add("BatchNorm2d", "bn2", "conv2")
    w.add("Add", "add", ("bn2", "x"))
    return w.finish(w.add("ReLU", "relu2", "add"))


def depthwise_separable() -> Graph:
    w = _Writer()
    w.add("Conv2d", "depthwise", "x", filters=32, kernel_size=3, padding=1, groups=0, bias=False)
    w.add("BatchNorm2d", "bn1", "depthwise")
    w.add("ReLU", "relu1", "bn1")
    w.add("Conv2d", "pointwise", "relu1", filters=64, kernel_size=1, padding=0, bias=False)
    w.add("BatchNorm2d", "bn2", "pointwise")
    return w.finish(w.add("ReLU", "relu2", "bn2"))


def transformer_encoder() -> Graph:
    w = _Writer()
    w.add("MultiHeadAttention", "attention", "x", heads=4)
    w.add("Add", "add1", ("attention", "x"))
    w.add("LayerNorm", "norm1", "add1")
    w.add("Dense", "ff1", "norm1", units=128)
    w.add("ReLU", "relu", "ff1")
    w.add("Dense", "ff2", "relu", units=32)
    w.add("Add", "add2", ("ff2", "norm1"))
    return w.finish(w.add("LayerNorm", "norm2", "add2"))


def fire() -> Graph:
    w = _Writer()
    w.add("Conv2d", "squeeze", "x", filters=16, kernel_size=1, padding=0)
    w.add("ReLU", "relu_s", "squeeze")
    w.add("Conv2d", "expand1", "relu_s", filters=64, kernel_size=1, padding=0)
    w.add("Conv2d", "expand3", "relu_s", column=1, filters=64, kernel_size=3, padding=1)
    w.add("ReLU", "relu1", "expand1")
    w.add("ReLU", "relu3", "expand3", column=1)
    return w.finish(w.add("Concat", "concat", ("relu1", "relu3"), axis=1))


def inception() -> Graph:
    w = _Writer()
    w.add("Conv2d", "b1", "x", filters=16, kernel_size=1, padding=0)
    w.add("Conv2d", "b3_reduce", "x", column=1, filters=16, kernel_size=1, padding=0)
    w.add("Conv2d", "b3", "b3_reduce", column=1, filters=24, kernel_size=3, padding=1)
    w.add("Conv2d", "b5_reduce", "x", column=2, filters=4, kernel_size=1, padding=0)
    w.add("Conv2d", "b5", "b5_reduce", column=2, filters=8, kernel_size=5, padding=2)
    w.add("MaxPool2d", "pool", "x", column=3, kernel_size=3, stride=1, padding=1)
    w.add("Conv2d", "pool_proj", "pool", column=3, filters=8, kernel_size=1, padding=0)
    w.add("Concat", "concat", ("b1", "b3", "b5", "pool_proj"), axis=1)
    return w.finish(w.add("ReLU", "relu", "concat"))


SHIPPED_BLOCKS: dict[str, ShippedBlock] = {b.name: b for b in (
    ShippedBlock("Conv-BatchNorm-ReLU", "A 3x3 convolution, batch normalisation and ReLU: the unit of most image "
                 "networks", conv_bn_relu),
    ShippedBlock("Residual block", "Two convolutions whose result is added to the block's input (ResNet); its "
                 "filters must match the channels coming in", residual),
    ShippedBlock("Depthwise-separable conv", "A per-channel 3x3 convolution and a 1x1 one (MobileNet): most of a "
                 "convolution's work for a fraction of its cost", depthwise_separable),
    ShippedBlock("Transformer encoder", "Self-attention and a feed-forward part, each added to what came in and "
                 "normalised; its last Dense must match the features coming in", transformer_encoder),
    ShippedBlock("Fire module", "SqueezeNet's unit: a 1x1 squeeze, then 1x1 and 3x3 expansions joined side by side",
                 fire),
    ShippedBlock("Inception module", "Four branches (1x1, 3x3, 5x5 and pooling) joined side by side (GoogLeNet)",
                 inception),
)}
