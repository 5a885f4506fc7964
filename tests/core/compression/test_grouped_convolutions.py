"""Structured pruning keeps grouped and depthwise convolutions whole (their channels are tied to their groups), and
keeps whole the layers that feed them; the rest of the network is still pruned and runs."""

import torch

from workbench.core.build import build_module
from workbench.core.compression.structured import prune_structured
from workbench.core.graph.model import Graph


def _separable() -> Graph:
    """conv1 -> ReLU -> depthwise conv -> pointwise conv -> ReLU -> GAP -> dense -> head"""
    g = Graph()
    ids = [g.add_node("Input", {"shape": [3, 8, 8]}).id]
    for type_name, params in [("Conv2d", {"filters": 8}), ("ReLU", {}), ("Conv2d", {"filters": 8, "groups": 0}),
                              ("Conv2d", {"filters": 12, "kernel_size": 1, "padding": 0}), ("ReLU", {}),
                              ("GlobalAvgPool", {}), ("Dense", {"units": 10}), ("ClassificationHead", {"classes": 3})]:
        ids.append(g.add_node(type_name, params).id)
        g.connect(ids[-2], ids[-1])
    return g


def test_grouped_convolutions_and_their_inputs_keep_their_channels():
    graph = _separable()
    module = build_module(graph).eval()
    smaller, pruned, plan = prune_structured(graph, module, 0.5)
    assert plan.skipped["conv1"] == "Conv2d 'conv2' is a grouped convolution, which needs all of its input channels"
    assert plan.skipped["conv2"] == "a grouped convolution keeps its filters whole"
    assert plan.sizes == {"conv3": (12, 6), "dense1": (10, 5)}
    assert smaller.nodes["conv2"].params["filters"] == 8
    assert pruned(torch.randn(2, 3, 8, 8)).shape == (2, 3)
