"""Fitting a graph to data: `plan_fit` and the problems list's `dataset_problems`, node by node."""

from __future__ import annotations

from workbench.core.data_fit import apply_fit, dataset_problems, plan_fit
from workbench.core.graph import validate
from workbench.core.project import open_template

DIGITS = {"name": "digits", "task": "classification", "input_shape": [1, 8, 8], "input_dtype": "float",
          "output_size": 10, "class_names": [str(i) for i in range(10)], "vocab_size": None}


def test_a_graph_that_fits_its_data_has_no_problems():
    graph = open_template("cnn").graph
    assert plan_fit(graph, (1, 8, 8), "float", "classification", 10).empty
    assert dataset_problems(graph, DIGITS) == []


def test_a_changed_input_shape_is_an_error_at_the_input():
    graph = open_template("cnn").graph
    graph.set_params("input1", {"shape": (1, 16, 16)})
    problems = dataset_problems(graph, DIGITS)
    assert [(p.severity, p.node_id) for p in problems] == [("error", "input1")]
    message = problems[0].message
    assert message.startswith("Input 'input1' takes samples of shape (1, 16, 16) but the samples of the data "
                              "'digits' have shape (1, 8, 8)")


def test_too_few_classes_is_an_error_and_too_many_a_warning():
    graph = open_template("cnn").graph
    graph.set_params("classifier1", {"classes": 3})
    (problem,) = dataset_problems(graph, DIGITS)
    assert problem.severity == "error" and problem.node_id == "classifier1"
    assert "tells 3 classes apart" in problem.message and "has 10" in problem.message
    graph.set_params("classifier1", {"classes": 12})
    (problem,) = dataset_problems(graph, DIGITS)
    assert problem.severity == "warning" and "2 of its outputs are never right" in problem.message


def test_a_head_of_the_wrong_kind_is_named():
    graph = open_template("cnn").graph
    info = {**DIGITS, "name": "diabetes", "task": "regression", "output_size": 1, "class_names": []}
    problems = dataset_problems(graph, info)
    assert [(p.severity, p.node_id) for p in problems] == [("error", "classifier1")]
    assert "'diabetes', whose task is regression" in problems[0].message
    assert "Regression output layer" in problems[0].message


def test_regression_outputs_that_differ_are_an_error():
    graph = open_template("mlp").graph
    info = {"name": "", "task": "regression", "input_shape": [4], "input_dtype": "float", "output_size": 2}
    apply_fit(graph, plan_fit(graph, (4,), "float", "regression", 1))
    (problem,) = dataset_problems(graph, info)
    assert problem.severity == "error" and "predicts 1 number but the data has 2 targets" in problem.message


def test_token_data_on_a_float_input_and_the_vocabulary():
    graph = open_template("lstm").graph
    graph.set_params("input1", {"shape": (40,)})  # the template opens fitted to its reviews; a data file of 40
    graph.set_params("embed1", {"vocab_size": 2000})  # tokens was chosen before, with 2,000 words
    info = {"name": "reviews.csv", "task": "classification", "input_shape": [40], "input_dtype": "int",
            "output_size": 2, "vocab_size": 5000}
    (problem,) = dataset_problems(graph, info)
    assert problem.severity == "error" and problem.node_id == "embed1"
    assert "2,000 tokens" in problem.message and "5,000" in problem.message
    assert dataset_problems(graph, {**info, "vocab_size": 500})[0].severity == "warning"
    graph.set_params("input1", {"dtype": "float"})
    problems = dataset_problems(graph, {**info, "vocab_size": 2000})
    assert [(p.severity, p.node_id) for p in problems] == [("error", "input1")]
    assert "token ids" in problems[0].message


def test_applying_the_plan_removes_every_problem():
    graph = open_template("cnn").graph
    info = {"name": "wine", "task": "classification", "input_shape": [13], "input_dtype": "float",
            "output_size": 3}
    assert dataset_problems(graph, info)
    apply_fit(graph, plan_fit(graph, (13,), "float", "classification", 3))
    assert dataset_problems(graph, info) == []
    assert validate(graph).problems  # the convolutions no longer fit a flat input: the graph says so itself
