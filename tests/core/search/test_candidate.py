"""Building candidates from the CNN template: settings, widths, skipped layers, repeated chains, infeasible ones."""

import pytest

from workbench.core.graph.validate import validate
from workbench.core.project import open_template
from workbench.core.search import (Choices, InfeasibleCandidateError, NumberRange, RepeatChain, SearchSpace,
                                   build_candidate)

SPACE = SearchSpace(ranges=(NumberRange("conv1.filters", 4, 32, integer=True),),
                    choices=(Choices("training.optimizer", ("adam", "sgd")),),
                    optional=("dropout1", "dense1", "relu3"), repeats=(RepeatChain(("conv2", "relu2"), 0, 3),),
                    width=(0.5, 1.0, 2.0))


@pytest.fixture
def project():
    return open_template("cnn")


def test_choices_become_the_candidate_and_the_project_is_not_changed(project):
    before = validate(project.graph).total_params
    candidate = build_candidate(project.graph, project.training, SPACE,
                                {"conv1.filters": 8, "training.optimizer": "sgd", "width": 0.5, "keep.dropout1": False})
    assert candidate.graph.nodes["conv1"].params["filters"] == 4  # 8 at half width
    assert candidate.graph.nodes["conv2"].params["filters"] == 16
    assert candidate.graph.nodes["dense1"].params["units"] == 32
    assert candidate.graph.nodes["classifier1"].params["classes"] == 10  # heads keep their size
    assert "dropout1" not in candidate.graph.nodes
    assert any(e.src == "relu3" and e.dst == "classifier1" for e in candidate.graph.edges)
    assert candidate.settings.optimizer == "sgd" and project.training.optimizer == "adam"
    assert candidate.validation.total_params < before
    assert validate(project.graph).total_params == before and "dropout1" in project.graph.nodes


def test_a_chain_repeats_and_can_be_left_out(project):
    three = build_candidate(project.graph, project.training, SPACE, {"repeat.conv2": 3})
    convs = [n for n in three.graph.nodes.values() if n.type == "Conv2d"]
    assert len(convs) == 4 and three.validation.ok
    none = build_candidate(project.graph, project.training, SPACE, {"repeat.conv2": 0})
    assert "conv2" not in none.graph.nodes and none.validation.ok
    assert validate(project.graph).ok and len(project.graph.nodes) == 12


def test_a_candidate_whose_shapes_do_not_fit_is_infeasible(project):
    project.graph.set_params("pool2", {"kernel_size": 4})  # 4x4 after pool1: fine as it is ...
    assert validate(project.graph).ok
    with pytest.raises(InfeasibleCandidateError, match="shapes do not fit"):  # ... but not after more pooling
        build_candidate(project.graph, project.training,
                        SearchSpace(repeats=(RepeatChain(("pool1",), 1, 2),)), {"repeat.pool1": 2})


def test_dense_and_its_activation_can_both_be_skipped(project):
    candidate = build_candidate(project.graph, project.training, SPACE,
                                {"keep.dense1": False, "keep.relu3": False, "keep.dropout1": False})
    assert candidate.validation.ok
    assert any(e.src == "flatten1" and e.dst == "classifier1" for e in candidate.graph.edges)
