"""Text classifiers with torch's `nn.LSTM` and `nn.GRU` (batch_first=True), exported by torch's own exporter, come
back as one Workbench LSTM or GRU layer each, with the torch module's weights (ONNX's gate order re-ordered) and the
same outputs; recurrent layers a Workbench layer cannot compute stay placeholders that say why."""

import io
import warnings

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper
from torch import nn

from workbench.core.build import build_module
from workbench.core.onnx_import import import_onnx
from workbench.core.training.weights import load_state

VOCAB, TIME, DIM, HIDDEN = 30, 7, 8, 12


class RecurrentClassifier(nn.Module):
    """Embedding, a recurrent layer, a Dense head on what `read` takes from it."""

    def __init__(self, cell=nn.LSTM, bidirectional=False, num_layers=1, read="state"):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.rnn = cell(DIM, HIDDEN, batch_first=True, bidirectional=bidirectional, num_layers=num_layers)
        self.fc = nn.Linear(HIDDEN * (2 if bidirectional else 1), 3)
        self.read = read

    def forward(self, tokens):
        steps, state = self.rnn(self.embed(tokens))
        h = state[0] if isinstance(state, tuple) else state
        if self.read == "state":  # the top layer's final state, both directions side by side
            summary = torch.cat([h[-2], h[-1]], dim=1) if self.rnn.bidirectional else h[-1]
        elif self.read == "flat state":  # both directions side by side, laid out by hand
            summary = h.transpose(0, 1).reshape(tokens.shape[0], -1)
        elif self.read == "last step":
            summary = steps[:, -1]
        elif self.read == "mean":
            summary = steps.mean(dim=1)
        elif self.read == "cell state":
            summary = state[1][-1]
        elif self.read == "steps and state":
            summary = steps.mean(dim=1) + h[-1]
        else:
            raise AssertionError(self.read)
        return self.fc(summary)


def write(model: nn.Module, path, opset: int = 17, example=None) -> None:
    buffer = io.BytesIO()
    example = torch.randint(0, VOCAB, (2, TIME)) if example is None else example
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (example,), buffer, dynamo=False, opset_version=opset, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    path.write_bytes(buffer.getvalue())


def classifier(**settings) -> nn.Module:
    torch.manual_seed(0)
    return RecurrentClassifier(**settings).eval()


@pytest.mark.parametrize("opset", [9, 13, 17])
@pytest.mark.parametrize("cell, bidirectional, num_layers", [(nn.LSTM, False, 1), (nn.GRU, False, 1),
                                                             (nn.LSTM, True, 2), (nn.GRU, True, 2)])
def test_a_recurrent_classifier_imports_as_one_layer_with_the_same_outputs(cell, bidirectional, num_layers, opset,
                                                                           tmp_path):
    model = classifier(cell=cell, bidirectional=bidirectional, num_layers=num_layers)
    path = tmp_path / "text.onnx"
    write(model, path, opset)
    imported = import_onnx(path)
    report = imported.report
    assert report.complete, report.lines()
    operators = len(onnx.load(path).graph.node)  # the file's, not the fused nodes'
    assert report.lines()[0] == f"Imported 'text.onnx' (ONNX opset {opset}): {operators} operators became 4 layers."
    assert report.round_trip.ok and report.round_trip.max_relative_diff <= 1e-4
    kind = cell.__name__
    assert [n.type for n in imported.graph.nodes.values()] == ["Input", "Embedding", kind, "ClassificationHead"]
    layer = next(n for n in imported.graph.nodes.values() if n.type == kind)
    assert layer.name == "rnn"
    assert layer.params == {"hidden_size": HIDDEN, "num_layers": num_layers, "bidirectional": bidirectional,
                            "return_sequences": False}
    for name, value in model.rnn.state_dict().items():  # the gates in torch's order again
        torch.testing.assert_close(imported.tensors[f"{layer.id}.rnn.{name}"], value)
    module = build_module(imported.graph)
    load_state(module, imported.tensors)
    tokens = torch.randint(0, VOCAB, (5, TIME))
    with torch.no_grad():
        torch.testing.assert_close(module.eval()(tokens), model(tokens), rtol=1e-4, atol=1e-5)
    module.train()(tokens).square().mean().backward()  # it fine-tunes: the recurrent weights get gradients
    assert module.layers[layer.id].rnn.weight_hh_l0.grad.abs().sum() > 0


@pytest.mark.parametrize("opset", [9, 17])  # steps[:, -1]: Gather, or before opset 13 Slice and Squeeze
@pytest.mark.parametrize("read, pool", [("last step", "last"), ("mean", "mean")])
def test_reading_every_step_imports_as_a_layer_returning_sequences(read, pool, opset, tmp_path):
    path = tmp_path / "text.onnx"
    write(classifier(cell=nn.GRU, bidirectional=True, read=read), path, opset)
    imported = import_onnx(path)
    assert imported.report.complete and imported.report.round_trip.ok, imported.report.lines()
    layers = list(imported.graph.nodes.values())
    assert [n.type for n in layers] == ["Input", "Embedding", "GRU", "SequencePool", "ClassificationHead"]
    assert layers[2].params["return_sequences"] and layers[2].params["bidirectional"]
    assert layers[3].params["mode"] == pool


def test_a_state_laid_out_by_hand_is_the_layers_final_state(tmp_path):
    path = tmp_path / "text.onnx"
    write(classifier(bidirectional=True, read="flat state"), path)
    imported = import_onnx(path)
    assert imported.report.complete and imported.report.round_trip.ok, imported.report.lines()
    assert [n.type for n in imported.graph.nodes.values()] == ["Input", "Embedding", "LSTM", "ClassificationHead"]


class TwoRecurrentModules(nn.Module):  # an LSTM feeding a GRU of another size: torch drops the Transposes between
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.lstm = nn.LSTM(DIM, HIDDEN, batch_first=True)
        self.gru = nn.GRU(HIDDEN, 5, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(10, 3)

    def forward(self, tokens):
        h = self.gru(self.lstm(self.embed(tokens))[0])[1]
        return self.fc(torch.cat([h[-2], h[-1]], dim=1))


def test_two_recurrent_modules_in_a_row_import_as_two_layers(tmp_path):
    path = tmp_path / "text.onnx"
    torch.manual_seed(0)
    write(TwoRecurrentModules().eval(), path)
    imported = import_onnx(path)
    assert imported.report.complete and imported.report.round_trip.ok, imported.report.lines()
    layers = list(imported.graph.nodes.values())
    assert [n.type for n in layers] == ["Input", "Embedding", "LSTM", "GRU", "ClassificationHead"]
    assert layers[2].params["return_sequences"] and not layers[3].params["return_sequences"]


class GivenState(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, DIM)
        self.rnn = nn.GRU(DIM, HIDDEN, batch_first=True)
        self.h0 = nn.Parameter(torch.randn(1, 1, HIDDEN))
        self.fc = nn.Linear(HIDDEN, 3)

    def forward(self, tokens):
        return self.fc(self.rnn(self.embed(tokens), self.h0.expand(1, tokens.shape[0], HIDDEN).contiguous())[1][-1])


class TimeFirst(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(DIM, HIDDEN)  # batch_first=False: (time, batch, features)
        self.fc = nn.Linear(HIDDEN, 3)

    def forward(self, x):
        return self.fc(self.rnn(x)[0].mean(dim=0))


@pytest.mark.parametrize("model, example, reason", [
    (lambda: classifier(read="cell state"), None, "its final cell state is used"),
    (lambda: classifier(read="steps and state"), None, "both its steps and its final state are used"),
    (lambda: classifier(num_layers=2, read="steps and state"), None, "both its steps and its final state are used"),
    (GivenState, None, "it starts from a state given to it; Workbench's layer starts from zeros"),
    (TimeFirst, torch.randn(TIME, 2, DIM), "it reads the sequence time first"),
])
def test_a_recurrent_layer_that_does_not_fit_stays_a_placeholder_that_says_why(model, example, reason, tmp_path):
    path = tmp_path / "text.onnx"
    torch.manual_seed(0)
    write(model().eval(), path, example=example)
    imported = import_onnx(path)
    recurrent = [p for p in imported.report.placeholders if p.operator in ("LSTM", "GRU")]
    assert recurrent and all(reason in p.reason for p in recurrent), imported.report.lines()
    assert not any(n.type in ("LSTM", "GRU") for n in imported.graph.nodes.values())


def _hand_made(path, op_type: str = "GRU", **attributes) -> None:
    """Transpose to time first, the recurrent node (without initial state), its final state squeezed, a ReLU."""
    rng = np.random.default_rng(0)
    gates = 3 if op_type == "GRU" else 4
    stored = [numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32), name) for name, shape in
              (("W", (1, gates * HIDDEN, DIM)), ("R", (1, gates * HIDDEN, HIDDEN)), ("B", (1, 2 * gates * HIDDEN)))]
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0, 2]),
             helper.make_node(op_type, ["t", "W", "R", "B"], ["y", "h"], name=f"the_{op_type.lower()}", **attributes),
             helper.make_node("Squeeze", ["h", "axes"], ["s"]),
             helper.make_node("Relu", ["s"], ["out"])]
    stored.append(numpy_helper.from_array(np.array([0], np.int64), "axes"))
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", TIME, DIM])],
                              [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["n", HIDDEN])], stored)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)


@pytest.mark.parametrize("op_type, attributes, reason", [
    ("GRU", {"linear_before_reset": 0}, "it resets before its linear step (linear_before_reset=0)"),
    ("LSTM", {"direction": "reverse"}, "it reads the sequence backwards only"),
    ("LSTM", {"activations": ["Relu", "Tanh", "Tanh"]}, "it uses the activations Relu, Tanh, Tanh"),
    ("GRU", {"clip": 3.0, "linear_before_reset": 1}, "it clips its values"),
    ("LSTM", {"input_forget": 1}, "it couples its input and forget gates"),
])
def test_a_recurrent_node_a_workbench_layer_cannot_compute_stays_a_placeholder(op_type, attributes, reason,
                                                                               tmp_path):
    _hand_made(tmp_path / "other.onnx", op_type, hidden_size=HIDDEN, **attributes)
    placeholders = import_onnx(tmp_path / "other.onnx").report.placeholders
    [recurrent] = [p for p in placeholders if p.operator == op_type]
    assert reason in recurrent.reason


@pytest.mark.parametrize("op_type, attributes", [("GRU", {"linear_before_reset": 1}), ("LSTM", {})])
def test_a_hand_made_recurrent_node_as_torch_writes_it_is_imported(op_type, attributes, tmp_path):
    _hand_made(tmp_path / "torch-like.onnx", op_type, hidden_size=HIDDEN, **attributes)
    imported = import_onnx(tmp_path / "torch-like.onnx")
    assert imported.report.complete and imported.report.round_trip.ok, imported.report.lines()
    assert [n.type for n in imported.graph.nodes.values()][:2] == ["Input", op_type]
