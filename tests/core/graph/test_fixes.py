"""Problems say in a few words what is wrong (for the layer's card) and, where the repair is mechanical, carry it as
data: the layer to put on which wire."""

from tests.core.graph.test_model import chain
from workbench.core.graph import Edge, Fix, Graph, validate


def test_an_image_into_a_classifier_is_fixed_by_a_flatten_on_its_wire():
    g = Graph()
    chain(g, ("Input", {"shape": [1, 8, 8]}), ("Conv2d", {"filters": 4}), ("ClassificationHead", {"classes": 3}))
    [error] = validate(g).errors
    assert error.short == "needs 2-D, gets 4-D"
    assert error.fix == Fix("Insert Flatten before 'classifier1'", "Flatten", (), Edge("conv1", "classifier1"))
    assert error.about_wire


def test_a_flat_row_into_a_convolution_is_reshaped_into_a_square_image():
    g = Graph()
    chain(g, ("Input", {"shape": [16]}), ("Dense", {"units": 64}), ("Conv2d", {}), "Flatten",
          ("ClassificationHead", {"classes": 3}))
    [error] = validate(g).errors
    assert error.short == "needs 4-D, gets 2-D"
    assert error.fix == Fix("Reshape to (batch, 1, 8, 8) before 'conv1'", "Reshape", (("target", (1, 8, 8)),),
                            Edge("dense1", "conv1"))


def test_no_fix_is_guessed_where_none_is_plain():
    g = Graph()
    chain(g, ("Input", {"shape": [10]}), ("Conv2d", {}), "Flatten", ("ClassificationHead", {"classes": 3}))
    [error] = validate(g).errors
    assert error.fix is None  # 10 values are no square image
    assert error.short == "needs 4-D, gets 2-D"


def test_dense_on_an_image_works_on_its_last_axis_and_says_so():
    g = Graph()
    chain(g, ("Input", {"shape": [1, 8, 8]}), ("Dense", {"units": 64}), "Flatten",
          ("ClassificationHead", {"classes": 3}))
    result = validate(g)
    assert result.ok
    [warning] = result.problems_for("dense1")
    assert warning.severity == "warning" and warning.about_wire and warning.short == "last axis only"
    assert warning.message == (
        "Dense 'dense1' gets (batch, 1, 8, 8) and works on its last axis only (8 values at a time), giving "
        "(batch, 1, 8, 64). Insert a Flatten before it to connect all 64 values of each sample.")
    assert warning.fix == Fix("Insert Flatten before 'dense1'", "Flatten", (), Edge("input1", "dense1"))


def test_dense_on_a_sequence_is_not_warned_about():
    g = Graph()
    chain(g, ("Input", {"shape": [5, 8]}), ("Dense", {"units": 4}), "Flatten", ("ClassificationHead", {"classes": 3}))
    assert validate(g).problems == []


def test_every_problem_of_a_layer_has_its_few_words():
    g = Graph()
    g.add_node("Dense")
    chain(g, ("Input", {"shape": [4]}), ("Dense", {"units": 3}))
    problems = [p for p in validate(g).problems if p.node_id]
    assert {p.short for p in problems} == {"nothing connected to its input", "its output goes nowhere"}
