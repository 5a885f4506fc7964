"""Weights files of the right keys and shapes but values that cannot be weights (bool, int8, NaN, infinity) are
refused by name, whether loaded whole, taken over layer by layer, or met by `workbench evaluate`."""

from __future__ import annotations

import math

import pytest
import torch
from hostile_inputs import tiny_module, tree_digest, write_weights

from workbench.core.training.weights import WeightsError, layer_state, load_matching_weights, load_weights, read_weights


def spoiled(state: dict, key: str, how: str) -> dict:
    tensors = dict(state)
    good = tensors[key]
    if how == "bool":
        tensors[key] = good > 0
    elif how == "int8":
        tensors[key] = (good * 100).to(torch.int8)
    elif how == "nan":
        bad = good.clone()
        bad.view(-1)[[0, 3, 5]] = math.nan
        tensors[key] = bad
    elif how == "inf":
        bad = good.clone()
        bad.view(-1)[0] = math.inf
        tensors[key] = bad
    return tensors


CASES = [
    ("bool", "holds bool values, not floating-point numbers. The file is damaged or was not written by Workbench "
             "for this network."),
    ("int8", "holds int8 values, not floating-point numbers. The file is damaged or was not written by Workbench "
             "for this network."),
    ("nan", "holds 3 NaN values. NaN or infinite weights make every output NaN; retrain, or start from an earlier "
            "checkpoint."),
    ("inf", "holds 1 infinite value. NaN or infinite weights make every output NaN; retrain, or start from an "
            "earlier checkpoint."),
]


@pytest.mark.parametrize("how, problem", CASES)
def test_load_weights_refuses_a_tensor_that_cannot_be_weights(tmp_path, how, problem):
    project, module = tiny_module()
    state = layer_state(module)
    key = sorted(k for k in state if k.endswith(".weight"))[-1]
    node_id = key.split(".")[0]
    names = {nid: n.name for nid, n in project.graph.nodes.items()}
    path = write_weights(tmp_path / "w.safetensors", spoiled(state, key, how), names)
    before = {k: v.clone() for k, v in module.layers.state_dict().items()}
    digest = tree_digest(tmp_path)
    with pytest.raises(WeightsError) as caught:
        load_weights(module, path)
    assert str(caught.value) == (f"w.safetensors cannot be used: the tensor '{key}' (layer "
                                 f"'{names[node_id]}') {problem}")
    assert all(torch.equal(before[k], v) for k, v in module.layers.state_dict().items())   # nothing half-loaded
    assert tree_digest(tmp_path) == digest


def test_a_file_without_layer_names_names_the_tensor(tmp_path):
    _, module = tiny_module()
    state = layer_state(module)
    key = sorted(state)[0]
    path = write_weights(tmp_path / "w.safetensors", spoiled(state, key, "bool"))
    with pytest.raises(WeightsError, match=f"^w.safetensors cannot be used: the tensor '{key}' holds bool"):
        load_weights(module, path)


def test_taking_over_layers_refuses_nan_weights(tmp_path):
    project, module = tiny_module()
    state = layer_state(module)
    key = sorted(k for k in state if k.endswith(".weight"))[0]
    names = {nid: n.name for nid, n in project.graph.nodes.items()}
    tensors, _ = read_weights(write_weights(tmp_path / "w.safetensors", spoiled(state, key, "nan"), names))
    with pytest.raises(WeightsError) as caught:
        load_matching_weights(module, names, tensors, names)
    assert str(caught.value).startswith(f"The weights to start from cannot be used: the tensor '{key}' (layer "
                                        f"'{names[key.split('.')[0]]}') holds 3 NaN values.")


def test_half_precision_and_double_weights_still_load(tmp_path):
    _, module = tiny_module()
    state = layer_state(module)
    for dtype in (torch.float16, torch.float64):
        path = write_weights(tmp_path / f"{dtype}.safetensors",
                             {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()})
        load_weights(module, path)


def test_evaluate_refuses_nan_weights_in_one_line(tmp_path, capsys):
    from workbench.cli import run_command
    from workbench.core.project import load_project

    project_path = tmp_path / "p.json"
    assert run_command(["train", "mlp", "--epochs", "1", "--threads", "1", "--device", "cpu", "--out",
                        str(project_path), "--json"]) == 0
    capsys.readouterr()
    project = load_project(project_path)
    weights = project.folder / project.runs[-1].files.weights
    tensors, meta = read_weights(weights)
    key = sorted(k for k in tensors if k.endswith(".weight"))[0]
    tensors[key] = torch.full_like(tensors[key], math.nan)
    write_weights(weights, tensors)
    assert run_command(["evaluate", str(project_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {weights.name} cannot be used: the tensor '{key}' holds ")
    assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("how, problem", CASES[::2])
def test_resuming_refuses_best_weights_that_cannot_be_weights(tmp_path, how, problem):
    """A stopped run's best.safetensors is checked as its last weights are: resumed from a spoiled one, the run
    would carry NaN (or bool) weights as its best and end with them."""
    from workbench.core.project import actions, open_template
    from workbench.core.training import Callback, RunControl

    control = RunControl()

    class StopAfterTwo(Callback):
        def on_epoch_end(self, trainer, info):
            if info.epoch == 1:
                control.stop()

    project = open_template("mlp")
    settings = project.training.replaced(epochs=5, device="cpu", early_stopping=False)
    first = actions.train_project(project, tmp_path, settings=settings, callbacks=[StopAfterTwo()], control=control,
                                  num_threads=1)
    assert first.record.status == "stopped" and first.record.files.best
    first.add_to(project)
    best = tmp_path / first.record.files.best
    tensors, meta = read_weights(best)
    key = sorted(k for k in tensors if k.endswith(".weight"))[0]
    names = {nid: n.name for nid, n in project.graph.nodes.items()}
    write_weights(best, spoiled(tensors, key, how), names)
    digest = tree_digest(tmp_path)
    with pytest.raises(WeightsError) as caught:
        actions.train_project(project, tmp_path, resume_run=first.record.id, num_threads=1)
    assert str(caught.value) == (f"best.safetensors cannot be used: the tensor '{key}' (layer "
                                 f"'{names[key.split('.')[0]]}') {problem}")
    assert tree_digest(tmp_path) == digest
