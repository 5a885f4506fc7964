"""An operator Workbench has no layer for becomes a placeholder node that names it: an error on the canvas (the
validation problem names the operator and node), and training and export are refused until it is replaced."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from workbench.core.build import InvalidGraphError, build_module
from workbench.core.graph.validate import validate
from workbench.core.onnx_import import import_onnx


def _model_with_cos(tmp_path):
    weight = numpy_helper.from_array(np.ones((3, 4), np.float32), "w")
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="first_relu"),
             helper.make_node("Cos", ["r"], ["c"], name="the_cosine"),
             helper.make_node("Gemm", ["c", "w"], ["y"], name="classifier", transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])], [weight])
    path = tmp_path / "cos.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8), path)
    return path


def test_an_unmapped_operator_is_a_placeholder_that_blocks_training_and_export(tmp_path):
    imported = import_onnx(_model_with_cos(tmp_path))
    graph, report = imported.graph, imported.report
    placeholder = graph.node_by_name("the_cosine")
    assert placeholder.type == "UnsupportedOnnx"
    assert placeholder.params == {"operator": "Cos", "onnx_node": "the_cosine"}
    assert [e.src for e in graph.incoming(placeholder.id)] == [graph.node_by_name("first_relu").id]
    assert [e.src for e in graph.incoming(graph.node_by_name("classifier").id)] == [placeholder.id]
    assert not report.complete and [p.operator for p in report.placeholders] == ["Cos"]
    text = "\n".join(report.lines())
    assert "1 operator(s) have no Workbench layer" in text and "Cos (node 'the_cosine')" in text
    assert "The round trip was not checked: the placeholders must be replaced first." in text
    errors = validate(graph).problems_for(placeholder.id)
    assert errors[0].severity == "error"
    assert errors[0].message == ("Unsupported ONNX operator 'the_cosine': stands for the ONNX operator Cos (node "
                                 "'the_cosine'), which Workbench has no layer for. Replace it with layers that do "
                                 "the same before training or exporting")
    with pytest.raises(InvalidGraphError, match="Cos"):  # training and export build the network first
        build_module(graph)


def test_replacing_the_placeholder_makes_the_network_whole(tmp_path):
    imported = import_onnx(_model_with_cos(tmp_path))
    graph = imported.graph
    placeholder = graph.node_by_name("the_cosine")
    relu, head = graph.node_by_name("first_relu").id, graph.node_by_name("classifier").id
    graph.remove_node(placeholder.id)
    graph.connect(relu, graph.add_node("Tanh").id)
    graph.connect(graph.node_by_name("tanh1").id, head)
    assert validate(graph).ok
    module = build_module(graph)
    assert module.layers[head].weight.shape == (3, 4)
