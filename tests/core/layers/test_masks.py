"""Padding masks: a text padded after its end gives the same output as the same text unpadded, through every
sequence layer and every text template; shape inference marks the wires a mask travels on."""

import pytest
import torch

from workbench.core.build import build_module
from workbench.core.graph.model import Graph
from workbench.core.graph.validate import validate
from workbench.core.project.templates import open_template

TIME = 9
WORDS = [5, 3, 8, 2, 7]


def _chain(*layers, time=TIME):
    graph = Graph()
    previous = graph.add_node("Input", {"shape": [time], "dtype": "int"}).id
    for type_name, params in (("Embedding", {"vocab_size": 12, "dim": 8}), *layers):
        node = graph.add_node(type_name, params)
        graph.connect(previous, node.id)
        previous = node.id
    return graph


def _padded_and_unpadded(module, time=TIME):
    torch.manual_seed(0)
    padded = torch.tensor([WORDS + [0] * (time - len(WORDS))])
    unpadded = torch.tensor([WORDS])
    module.eval()
    with torch.no_grad():
        return module(padded), module(unpadded)


POOL = ("SequencePool", {"mode": "mean"})
HEAD = ("ClassificationHead", {"classes": 3})
LAYERS = {
    "lstm": [("LSTM", {"hidden_size": 6})],
    "lstm 2 layers": [("LSTM", {"hidden_size": 6, "num_layers": 2})],
    "lstm bidirectional": [("LSTM", {"hidden_size": 6, "bidirectional": True})],
    "lstm bidirectional 2 layers": [("LSTM", {"hidden_size": 5, "num_layers": 2, "bidirectional": True})],
    "lstm sequences": [("LSTM", {"hidden_size": 6, "return_sequences": True}), POOL],
    "lstm bidirectional sequences": [("LSTM", {"hidden_size": 6, "bidirectional": True,
                                               "return_sequences": True}), ("SequencePool", {"mode": "max"})],
    "gru": [("GRU", {"hidden_size": 6})],
    "gru bidirectional 2 layers": [("GRU", {"hidden_size": 4, "num_layers": 2, "bidirectional": True})],
    "gru sequences": [("GRU", {"hidden_size": 6, "return_sequences": True}), ("SequencePool", {"mode": "last"})],
    "transformer": [("TransformerBlock", {"heads": 2, "ff_dim": 16}), POOL],
    "transformer max": [("TransformerBlock", {"heads": 2, "ff_dim": 16}), ("SequencePool", {"mode": "max"})],
    "multi-head attention": [("MultiHeadAttention", {"heads": 2}), POOL],
    "sequence convolution": [("SequenceConv", {"filters": 6, "kernel_size": 5}), ("ReLU", {}), POOL],
    "sequence convolution then attention": [("SequenceConv", {"kernel_size": 3}), ("PositionalEncoding", {}),
                                            ("TransformerBlock", {"heads": 2}), ("SequencePool", {"mode": "last"})],
    "positions learned": [("PositionalEncoding", {"kind": "learned"}), ("TransformerBlock", {"heads": 2}), POOL],
    "positions sinusoidal": [("PositionalEncoding", {"kind": "sinusoidal"}), ("TransformerBlock", {"heads": 4}),
                             ("SequencePool", {"mode": "first"})],
    "dense then pool": [("Dense", {"units": 5}), ("ReLU", {}), ("Dropout", {}), ("LayerNorm", {}), POOL],
    "pool mean": [POOL],
    "pool max": [("SequencePool", {"mode": "max"})],
    "pool last": [("SequencePool", {"mode": "last"})],
}


@pytest.mark.parametrize("name", list(LAYERS))
def test_padding_changes_nothing(name):
    module = build_module(_chain(*LAYERS[name], HEAD))
    padded, unpadded = _padded_and_unpadded(module)
    torch.testing.assert_close(padded, unpadded, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["lstm", "lstm bidirectional", "transformer", "multi-head attention", "pool mean",
                                  "pool last"])
def test_without_the_mask_padding_would_change_the_output(name):
    """The test above can fail: the same layers fed the embedded text as plain numbers see the padding."""
    module = build_module(_chain(*LAYERS[name], HEAD))
    module.mask_from.clear()
    padded, unpadded = _padded_and_unpadded(module)
    assert not torch.allclose(padded, unpadded, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("name", ["lstm bidirectional 2 layers", "gru bidirectional 2 layers",
                                  "lstm bidirectional sequences"])
def test_a_text_without_padding_reads_as_the_plain_recurrent_layer_reads_it(name):
    """The masked path (each direction on its own) keeps the weights' meaning: the same output as the one
    bidirectional torch layer when nothing is padding."""
    module = build_module(_chain(*LAYERS[name], HEAD)).eval()
    ids = torch.tensor([[5, 3, 8, 2, 7, 1, 4, 6, 9], [2, 2, 3, 11, 10, 9, 8, 7, 1]])
    with torch.no_grad():
        masked = module(ids)
        module.mask_from.clear()
        plain = module(ids)
    torch.testing.assert_close(masked, plain, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("template", ["lstm", "transformer", "encoder"])
def test_padding_changes_nothing_in_the_text_templates(template):
    graph = open_template(template).graph
    time = next(iter(graph.input_nodes())).params["shape"][0]
    module = build_module(graph)
    padded, unpadded = _padded_and_unpadded(module, time)
    torch.testing.assert_close(padded, unpadded, rtol=1e-5, atol=1e-5)


def test_a_text_of_padding_only_gives_numbers():
    module = build_module(_chain(*LAYERS["lstm bidirectional"], HEAD)).eval()
    with torch.no_grad():
        out = module(torch.zeros(2, TIME, dtype=torch.long))
    assert torch.isfinite(out).all()


def test_shape_inference_marks_where_the_mask_travels():
    graph = _chain(("PositionalEncoding", {}), ("TransformerBlock", {"heads": 2}), ("Dense", {"units": 4}),
                   ("SequencePool", {}), HEAD)
    result = validate(graph)
    marked = [graph.nodes[nid].type for nid in result.order if result.outputs[nid].masked]
    assert marked == ["Input", "Embedding", "PositionalEncoding", "TransformerBlock", "Dense"]
