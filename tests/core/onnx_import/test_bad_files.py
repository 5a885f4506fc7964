"""Files that cannot be imported as they are get a clear sentence, and nothing else happens: not ONNX, cut short,
weights kept outside the model's folder, input sizes left open, and graphs too large to convert."""

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from onnx.external_data_helper import set_external_data

from tests.core.onnx_import.torch_models import export_bytes
from workbench.core.errors import WorkbenchError
from workbench.core.onnx_import import InputShapeNeeded, OnnxImportError, import_onnx
from workbench.core.onnx_import import reading


def _dense_model(weight_location: str | None = None, inputs=(("x", [None, 4]),)) -> onnx.ModelProto:
    weight = numpy_helper.from_array(np.ones((4, 3), np.float32), "w")
    if weight_location is not None:
        set_external_data(weight, location=weight_location)
        weight.ClearField("raw_data")
        weight.data_location = TensorProto.EXTERNAL
    graph_inputs = [helper.make_tensor_value_info(name, TensorProto.FLOAT, shape) for name, shape in inputs]
    nodes = [helper.make_node("MatMul", [inputs[0][0], "w"], ["y"], name="dense")]
    graph = helper.make_graph(nodes, "g", graph_inputs, [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                                                       [None, 3])], [weight])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)


def test_a_file_that_is_not_onnx(tmp_path):
    path = tmp_path / "notes.onnx"
    path.write_text("These are my notes, not a model.")
    with pytest.raises(OnnxImportError, match="'notes.onnx' is not an ONNX model"):
        import_onnx(path)


def test_a_truncated_file(tmp_path):
    path = tmp_path / "cut.onnx"
    path.write_bytes(export_bytes("vgg", 17)[:5000])
    with pytest.raises(OnnxImportError, match="'cut.onnx' is not an ONNX model, or it is damaged"):
        import_onnx(path)


def test_a_missing_file_is_a_sentence(tmp_path):
    with pytest.raises(OnnxImportError, match="Could not read"):
        import_onnx(tmp_path / "nowhere.onnx")


@pytest.mark.parametrize("location", ["../secret.bin", "/etc/passwd", "sub/../../secret.bin"])
def test_weights_outside_the_models_folder_are_refused_before_reading_them(tmp_path, location):
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "secret.bin").write_bytes(np.ones(12, np.float32).tobytes())
    onnx.save(_dense_model(location), folder / "m.onnx")
    with pytest.raises(OnnxImportError, match="outside the model's own folder; Workbench refuses to read files"):
        import_onnx(folder / "m.onnx")


def test_weights_beside_the_model_are_read(tmp_path):
    (tmp_path / "m.bin").write_bytes(np.full(12, 2.0, np.float32).tobytes())
    onnx.save(_dense_model("m.bin"), tmp_path / "m.onnx")
    imported = import_onnx(tmp_path / "m.onnx")
    assert imported.report.round_trip.ok
    assert float(imported.tensors["dense.weight"].sum()) == 24.0


def test_an_open_input_size_is_asked_for_and_then_used(tmp_path):
    onnx.save(_dense_model(inputs=(("x", [None, "features"]),)), tmp_path / "m.onnx")
    with pytest.raises(InputShapeNeeded, match=r"leaves the size of its input open \('x' \(batch, \?\)") as info:
        import_onnx(tmp_path / "m.onnx")
    assert info.value.inputs == {"x": (None, None)}
    assert import_onnx(tmp_path / "m.onnx", {"x": (4,)}).report.round_trip.ok
    assert import_onnx(tmp_path / "m.onnx", {"": (4,)}).report.round_trip.ok
    with pytest.raises(OnnxImportError, match="could not be worked out with the input size given: .*MatMul"):
        import_onnx(tmp_path / "m.onnx", {"x": (5,)})  # MatMul with a 4-row weight cannot take 5 features
    with pytest.raises(OnnxImportError, match="the size given, \\(batch, 4, 2\\), does not fit"):
        import_onnx(tmp_path / "m.onnx", {"x": (4, 2)})


def test_several_inputs_each_become_an_input_layer(tmp_path):
    model = _dense_model(inputs=(("x", [None, 4]), ("extra", [None, "n"])))
    onnx.save(model, tmp_path / "m.onnx")
    with pytest.raises(InputShapeNeeded) as info:
        import_onnx(tmp_path / "m.onnx")
    assert list(info.value.inputs) == ["extra"]
    with pytest.raises(OnnxImportError, match="no input called 'y'"):
        import_onnx(tmp_path / "m.onnx", {"y": (2,)})
    imported = import_onnx(tmp_path / "m.onnx", {"extra": (2,)})
    assert sorted(n.name for n in imported.graph.input_nodes()) == ["extra", "x"]


def test_a_graph_of_100000_nodes_is_refused_before_it_is_converted(tmp_path, monkeypatch):
    nodes = [helper.make_node("Relu", [f"t{i}"], [f"t{i + 1}"]) for i in range(100_000)]
    graph = helper.make_graph(nodes, "huge", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [None, 4])],
                              [helper.make_tensor_value_info("t100000", TensorProto.FLOAT, [None, 4])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
              tmp_path / "huge.onnx")

    def not_reached(*args):
        raise AssertionError("the model was processed further")
    monkeypatch.setattr(reading, "_load_external_data", not_reached)
    with pytest.raises(OnnxImportError, match="'huge.onnx' has 100,000 operators; Workbench imports models of up "
                                              "to 20,000"):
        import_onnx(tmp_path / "huge.onnx")


def test_every_refusal_is_a_workbench_error():
    assert issubclass(OnnxImportError, WorkbenchError) and issubclass(InputShapeNeeded, OnnxImportError)


def test_a_constant_too_large_to_work_out_is_not_allocated(tmp_path):
    """ConstantOfShape asking for 50 million values (a hostile file can ask for terabytes): the node becomes a
    placeholder instead of taking the memory."""
    constants = [numpy_helper.from_array(np.array(v, np.int64), name) for v, name in (
        ([5_000, 10_000], "shape"), ([0, 0], "starts"), ([1, 4], "ends"))]
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["huge"], name="filler"),
             helper.make_node("Slice", ["huge", "starts", "ends"], ["row"], name="row"),
             helper.make_node("Add", ["x", "row"], ["y"], name="add")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])], constants)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
              tmp_path / "m.onnx")
    imported = import_onnx(tmp_path / "m.onnx")
    assert [p.operator for p in imported.report.placeholders] == ["ConstantOfShape", "Slice"]
    assert "the placeholders must be replaced first" in imported.report.not_checked
