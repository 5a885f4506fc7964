"""Every shipped block builds, infers its shapes, trains a step and exports to ONNX computing the same as torch."""

import numpy as np
import onnxruntime as ort
import pytest
import torch

from workbench.core.blocks import SHIPPED_BLOCKS
from workbench.core.build import build_module
from workbench.core.export.onnx_export import export_module
from workbench.core.graph import Graph, validate
from workbench.core.graph.blocks import flatten

SAMPLES = {"Conv-BatchNorm-ReLU": (3, 8, 8), "Residual block": (32, 8, 8), "Depthwise-separable conv": (8, 8, 8),
           "Transformer encoder": (6, 32), "Fire module": (8, 8, 8), "Inception module": (8, 8, 8)}


def network(block: str) -> Graph:
    g = Graph()
    g.add_block(block, SHIPPED_BLOCKS[block].build())
    g.add_node("Input", {"shape": list(SAMPLES[block])}, node_id="input")
    g.add_node("Block", {"block": block}, node_id="unit1")
    g.add_node("Flatten", node_id="flatten")
    g.add_node("ClassificationHead", {"classes": 3}, node_id="head")
    g.connect("input", "unit1", "out", "x")
    g.connect("unit1", "flatten", "y", "in")
    g.connect("flatten", "head")
    return g


def test_the_palette_offers_the_six_blocks_each_described():
    assert list(SHIPPED_BLOCKS) == ["Conv-BatchNorm-ReLU", "Residual block", "Depthwise-separable conv",
                                    "Transformer encoder", "Fire module", "Inception module"]
    assert all(b.description for b in SHIPPED_BLOCKS.values())


@pytest.mark.parametrize("block", sorted(SAMPLES))
def test_a_shipped_block_infers_trains_and_exports_with_parity(block):
    g = network(block)
    result = validate(g)
    assert result.ok, result.problems
    flat = validate(flatten(g))
    assert result.params["unit1"] == flat.total_params - flat.params["head"] > 0
    assert result.macs["unit1"] > 0
    torch.manual_seed(0)
    module = build_module(g)
    x = torch.randn(4, *SAMPLES[block])
    y = torch.tensor([0, 1, 2, 0])
    optimiser = torch.optim.SGD(module.parameters(), lr=0.1)
    before = [p.detach().clone() for p in module.parameters()]
    loss = torch.nn.functional.cross_entropy(module(x), y)
    loss.backward()
    optimiser.step()
    assert torch.isfinite(loss) and all(not torch.equal(a, b) for a, b in zip(before, module.parameters()))
    module.eval()
    model = export_module(module, flatten(g), 17, inputs=[x[:2]])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feed = {session.get_inputs()[0].name: x.numpy()}
    with torch.no_grad():
        expected = module(x).numpy()
    np.testing.assert_allclose(session.run(None, feed)[0], expected, rtol=1e-4, atol=1e-5)
