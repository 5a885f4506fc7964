"""GELU as exporters write it below opset 20 (Div or Mul, Erf, Add, two Mul; three orders of the products) is
imported as one GELU layer, and the imported model gives the original's outputs; look-alikes with other constants
stay what they are."""

import io
import warnings

import pytest
import torch
from torch import nn

from workbench.core.onnx_import import import_onnx


class TorchGelu(nn.Module):  # nn.GELU, as torch's exporter writes it: x * (1 + erf(x / sqrt 2)) * 0.5
    def forward(self, x):
        return nn.functional.gelu(x)


class HalfFirst(nn.Module):  # (x * 0.5) * (1 + erf(x * 1/sqrt 2)), as other exporters write it
    def forward(self, x):
        return (x * 0.5) * (1.0 + torch.erf(x * 0.70710678))


class HalfLast(nn.Module):  # x * ((1 + erf(x / sqrt 2)) * 0.5)
    def forward(self, x):
        return x * ((1.0 + torch.erf(x / 1.41421356)) * 0.5)


class NotGelu(nn.Module):  # erf with another scale: not a GELU
    def forward(self, x):
        return x * (1.0 + torch.erf(x / 3.0)) * 0.5


def network(activation: nn.Module) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), activation, nn.Linear(16, 16), activation, nn.Linear(16, 3)).eval()


def write(model: nn.Module, path, opset: int) -> None:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (torch.randn(2, 6),), buffer, dynamo=False, opset_version=opset,
                          input_names=["input"], output_names=["output"], dynamic_axes={"input": {0: "batch"}})
    path.write_bytes(buffer.getvalue())


@pytest.mark.parametrize("opset", [13, 17])
@pytest.mark.parametrize("activation", [TorchGelu, HalfFirst, HalfLast])
def test_an_erf_gelu_becomes_one_gelu_layer_with_the_same_outputs(activation, opset, tmp_path):
    path = tmp_path / "gelu.onnx"
    write(network(activation()), path, opset)
    imported = import_onnx(path)
    types = [node.type for node in imported.graph.nodes.values()]
    assert imported.report.complete, imported.report.lines()
    assert types == ["Input", "Dense", "GELU", "Dense", "GELU", "ClassificationHead"]  # the last Dense is the head
    assert imported.report.round_trip.ok and imported.report.round_trip.max_relative_diff <= 1e-4


def test_an_erf_with_other_constants_is_not_taken_for_a_gelu(tmp_path):
    path = tmp_path / "not-gelu.onnx"
    write(network(NotGelu()), path, 17)
    imported = import_onnx(path)
    assert "GELU" not in [node.type for node in imported.graph.nodes.values()]
    assert not imported.report.complete
    assert any("Erf" in str(p) for p in imported.report.placeholders)
