"""Every layer type exports to ONNX and computes the same on ONNX Runtime as its torch module, with a dynamic batch."""

import numpy as np
import onnxruntime as ort
import pytest
import torch

from tests.core.layers.layer_cases import CASES
from workbench.core.build import build_module
from workbench.core.export.onnx_export import export_module
from workbench.core.graph.model import Graph

SINGLE = [(t, p, s, d) for t, cases in CASES.items() for p, s, d in cases[:1] if t not in (
    "ClassificationHead", "RegressionHead", "MultiLabelHead")]


def _network(type_name, params, samples, dtype) -> Graph:
    graph = Graph()
    inputs = [graph.add_node("Input", {"shape": list(s) or [1], "dtype": dtype}).id for s in samples]
    layer = graph.add_node(type_name, params).id
    for i in inputs:
        graph.connect(i, layer)
    flat = graph.add_node("Flatten").id
    graph.connect(layer, flat)
    graph.connect(flat, graph.add_node("RegressionHead", {"outputs": 2}).id)
    return graph


@pytest.mark.parametrize("type_name,params,samples,dtype", SINGLE)
def test_every_layer_exports_and_runs_the_same_on_onnx_runtime(type_name, params, samples, dtype):
    if not all(samples):
        pytest.skip("a scalar sample has no Flatten after it")
    graph = _network(type_name, params, samples, dtype)
    module = build_module(graph).eval()
    torch.manual_seed(0)
    batch = 3
    tensors = [torch.randint(0, 5, (batch, *s)) if dtype == "int" else torch.randn(batch, *s) for s in samples]
    model = export_module(module, graph, 17, inputs=[t[:2] for t in tensors])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {i.name: t.numpy() for i, t in zip(session.get_inputs(), tensors)}
    with torch.no_grad():
        expected = module(*tensors).numpy()
    np.testing.assert_allclose(session.run(None, feeds)[0], expected, rtol=1e-4, atol=1e-5)
