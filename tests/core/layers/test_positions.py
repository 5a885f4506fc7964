"""Positional encoding: with it, the same words in another order give another output; without it, attention sees
a bag of words."""

import pytest
import torch

from workbench.core.build import build_module
from workbench.core.graph.model import Graph
from workbench.core.layers.modules import sinusoidal_positions
from workbench.core.project.templates import open_template


def _attention_graph(positions: str | None) -> Graph:
    graph = Graph()
    chain = [("Input", {"shape": [6], "dtype": "int"}), ("Embedding", {"vocab_size": 10, "dim": 8})]
    if positions:
        chain.append(("PositionalEncoding", {"kind": positions}))
    chain += [("TransformerBlock", {"heads": 2, "ff_dim": 16}), ("SequencePool", {"mode": "mean"}),
              ("ClassificationHead", {"classes": 2})]
    previous = None
    for type_name, params in chain:
        node = graph.add_node(type_name, params)
        if previous:
            graph.connect(previous, node.id)
        previous = node.id
    return graph


def _outputs_in_two_orders(graph: Graph):
    torch.manual_seed(0)
    module = build_module(graph).eval()
    words = torch.tensor([[3, 5, 7, 9, 0, 0]])
    reordered = torch.tensor([[9, 7, 5, 3, 0, 0]])
    with torch.no_grad():
        return module(words), module(reordered)


@pytest.mark.parametrize("kind", ["learned", "sinusoidal"])
def test_word_order_changes_the_output_with_positions(kind):
    first, second = _outputs_in_two_orders(_attention_graph(kind))
    assert not torch.allclose(first, second, atol=1e-4)


def test_without_positions_attention_sees_a_bag_of_words():
    first, second = _outputs_in_two_orders(_attention_graph(None))
    torch.testing.assert_close(first, second, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("template", ["transformer", "encoder"])
def test_the_attention_templates_see_word_order(template):
    graph = open_template(template).graph
    assert any(node.type == "PositionalEncoding" for node in graph.nodes.values())
    torch.manual_seed(0)
    module = build_module(graph).eval()
    time = graph.input_nodes()[0].params["shape"][0]
    words = torch.zeros(1, time, dtype=torch.long)
    words[0, :4] = torch.tensor([3, 5, 7, 9])
    reordered = words.clone()
    reordered[0, :4] = torch.tensor([9, 7, 5, 3])
    with torch.no_grad():
        assert not torch.allclose(module(words), module(reordered), atol=1e-5)


def test_sinusoidal_positions_are_the_published_ones():
    table = sinusoidal_positions(5, 4)
    assert torch.allclose(table[3], torch.tensor([torch.sin(torch.tensor(3.0)), torch.cos(torch.tensor(3.0)),
                                                  torch.sin(torch.tensor(0.03)), torch.cos(torch.tensor(0.03))]))
    assert sinusoidal_positions(5, 5).shape == (5, 5)


def test_sinusoidal_positions_save_no_weights():
    torch.manual_seed(0)
    module = build_module(_attention_graph("sinusoidal"))
    assert not any("positions" in name for name in module.state_dict())
    assert any("positions" in name for name in build_module(_attention_graph("learned")).state_dict())
