"""PReLU's slopes as ONNX broadcasts them: one for all, one per channel (axis 1, Workbench's PReLU, as torch's
nn.PReLU writes them, also on a sequence after a permute), or one per feature of the last axis (as Keras writes
them for a sequence), which becomes the PReLU between two Permutes; slopes along several axes stay a placeholder."""

import io
import warnings

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from workbench.core.onnx_import import import_onnx

TIME, FEATURES = 5, 10


class PerFeatureOnASequence(nn.Module):  # nn.PReLU(features) on (batch, time, features), through a permute
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(6, FEATURES)
        self.prelu = nn.PReLU(num_parameters=FEATURES)
        self.fc = nn.Linear(FEATURES, 3)
        self.prelu.weight.data.uniform_(-1.0, 1.0)

    def forward(self, x):
        return self.fc(self.prelu(self.embed(x).transpose(1, 2)).transpose(1, 2).mean(dim=1))


def test_a_torch_prelu_per_feature_of_a_sequence_imports_with_its_slopes(tmp_path):
    torch.manual_seed(0)
    model = PerFeatureOnASequence().eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(2, TIME, 6),), buffer, dynamo=False, opset_version=17,
                          input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "batch"}})
    path = tmp_path / "prelu.onnx"
    path.write_bytes(buffer.getvalue())
    imported = import_onnx(path)
    assert imported.report.complete and imported.report.round_trip.ok, imported.report.lines()
    prelu = next(n for n in imported.graph.nodes.values() if n.type == "PReLU")
    assert prelu.params["per_channel"]
    torch.testing.assert_close(imported.tensors[f"{prelu.id}.weight"], model.prelu.weight.detach())


def _prelu_on_a_sequence(path, slope: np.ndarray) -> None:
    """Dense, then PRelu on (batch, time, features) with `slope`, as tf2onnx writes a Keras PReLU."""
    rng = np.random.default_rng(0)
    stored = [numpy_helper.from_array(rng.standard_normal((6, FEATURES)).astype(np.float32), "w"),
              numpy_helper.from_array(slope.astype(np.float32), "slope")]
    nodes = [helper.make_node("MatMul", ["x", "w"], ["h"], name="dense"),
             helper.make_node("PRelu", ["h", "slope"], ["y"], name="the_prelu")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", TIME, 6])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", TIME, FEATURES])], stored)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)


@pytest.mark.parametrize("slope_shape", [(FEATURES,), (1, FEATURES)])
def test_slopes_along_the_last_axis_become_a_prelu_between_permutes(slope_shape, tmp_path):
    slope = np.linspace(-1.0, 1.0, FEATURES, dtype=np.float32).reshape(slope_shape)
    _prelu_on_a_sequence(tmp_path / "keras.onnx", slope)
    imported = import_onnx(tmp_path / "keras.onnx")
    assert imported.report.complete and imported.report.round_trip.ok, imported.report.lines()
    layers = list(imported.graph.nodes.values())
    assert [n.type for n in layers][:5] == ["Input", "Dense", "Permute", "PReLU", "Permute"]
    assert layers[2].params["order"] == (2, 1) and layers[4].params["order"] == (2, 1)
    np.testing.assert_array_equal(imported.tensors[f"{layers[3].id}.weight"].numpy(), slope.reshape(-1))


def test_slopes_along_several_axes_stay_a_placeholder_that_says_why(tmp_path):
    _prelu_on_a_sequence(tmp_path / "per-value.onnx", np.ones((TIME, FEATURES)))
    placeholders = import_onnx(tmp_path / "per-value.onnx").report.placeholders
    assert [p.operator for p in placeholders] == ["PRelu"]
    assert "its slopes vary along more than one axis" in placeholders[0].reason
