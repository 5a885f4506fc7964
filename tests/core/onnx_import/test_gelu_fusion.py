"""GELU as exporters write it below opset 20, exact (Div or Mul, Erf, Add, two Mul; three orders of the products)
or with the tanh approximation (x³ as two Mul or a Pow, then Tanh), is imported as one GELU layer of the same
approximation, and the imported model gives the original's outputs; so is opset 20's Gelu node; look-alikes with
other constants stay what they are."""

import io
import math
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


class TanhFirst(nn.Module):  # the tanh GELU as Hugging Face's "gelu_new" writes it, with a Pow
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class NotTanhGelu(nn.Module):  # the tanh GELU's shape with another factor of x³: not a GELU
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.05 * torch.pow(x, 3.0))))


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


@pytest.mark.parametrize("opset", [13, 17, 20])  # 20: one Gelu node with approximate="tanh"
@pytest.mark.parametrize("activation", [lambda: nn.GELU(approximate="tanh"), TanhFirst])
def test_a_tanh_gelu_becomes_one_gelu_layer_of_that_approximation(activation, opset, tmp_path):
    path = tmp_path / "gelu.onnx"
    write(network(activation()), path, opset)
    imported = import_onnx(path)
    assert imported.report.complete, imported.report.lines()
    layers = list(imported.graph.nodes.values())
    assert [node.type for node in layers] == ["Input", "Dense", "GELU", "Dense", "GELU", "ClassificationHead"]
    assert [node.params["approximation"] for node in layers if node.type == "GELU"] == ["tanh", "tanh"]
    assert imported.report.round_trip.ok and imported.report.round_trip.max_relative_diff <= 1e-4


def test_the_exact_gelu_keeps_the_exact_curve(tmp_path):
    path = tmp_path / "gelu.onnx"
    write(network(nn.GELU()), path, 20)
    imported = import_onnx(path)
    assert {n.params["approximation"] for n in imported.graph.nodes.values() if n.type == "GELU"} == {"none"}
    assert imported.report.round_trip.ok


def test_a_tanh_with_other_constants_is_not_taken_for_a_gelu(tmp_path):
    path = tmp_path / "not-gelu.onnx"
    write(network(NotTanhGelu()), path, 17)
    imported = import_onnx(path)
    assert "GELU" not in [node.type for node in imported.graph.nodes.values()]
    assert any("Pow" in str(p) for p in imported.report.placeholders)
