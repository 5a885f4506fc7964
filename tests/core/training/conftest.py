"""Fixtures for the training loop's tests: a small two-class task and a fresh network for it."""

import pytest
import torch

from workbench.core.build import build_module
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template


@pytest.fixture(scope="session")
def moons():
    """(graph, dataset): the MLP template fitted to 240 samples of the built-in moons."""
    project = open_template("mlp")
    dataset = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": "moons",
                                                  "options": {"n_samples": 240}}))
    fit_graph_to_dataset(project.graph, dataset)
    return project.graph, dataset


@pytest.fixture
def new_module(moons):
    """A function giving a freshly initialised network for `moons` (the same one for the same seed)."""
    graph, _ = moons

    def make(seed: int = 0):
        torch.manual_seed(seed)
        return build_module(graph)

    return make


@pytest.fixture
def weights_of():
    """A function giving a copy of a module's layer weights."""
    return lambda module: {k: v.detach().clone() for k, v in module.layers.state_dict().items()}
