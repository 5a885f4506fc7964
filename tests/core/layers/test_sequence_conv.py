"""The sequence convolution: each step's output is made from the steps within its window and no others, and an even
window is refused in words (a step would see more neighbours on one side)."""

import torch

from workbench.core.build import build_module
from workbench.core.graph.model import Graph
from workbench.core.graph.validate import validate


def _graph(kernel_size: int) -> Graph:
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [9], "dtype": "int"}).id
    for type_name, params in (("Embedding", {"vocab_size": 12, "dim": 4}),
                              ("SequenceConv", {"filters": 3, "kernel_size": kernel_size})):
        node = graph.add_node(type_name, params)
        graph.connect(previous, node.id)
        previous = node.id
    graph.add_node("SequencePool", {"mode": "first"}, node_id="pool")
    graph.connect(previous, "pool")
    graph.add_node("ClassificationHead", {"classes": 3}, node_id="head")
    graph.connect("pool", "head")
    return graph


def test_each_step_reads_only_the_words_in_its_window():
    torch.manual_seed(0)
    module = build_module(_graph(5))  # the output read is the first step's: words 0, 1 and 2 reach it
    words = torch.tensor([[3, 4, 5, 6, 7, 8, 9, 10, 11]])
    near, far = words.clone(), words.clone()
    near[0, 2], far[0, 3] = 2, 2
    with torch.no_grad():
        first = module(words)
        assert not torch.allclose(module(near), first)
        assert torch.equal(module(far), first)


def test_an_even_window_is_refused_in_words():
    result = validate(_graph(4))
    assert [p.message for p in result.errors] == [
        "Sequence convolution 'seqconv1': the window (4) must be an odd number of steps, so that each step sees as "
        "many neighbours before it as after it"]
