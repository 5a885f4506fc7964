"""`workbench import MODEL.onnx --out PROJECT` as a user runs it: the report, the saved project with the model's
weights as a run, the placeholder list and a non-zero exit when operators are left to replace, clear errors."""

import json

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper, numpy_helper

from tests.core.onnx_import.torch_models import export_bytes, make_model
from workbench.__main__ import main
from workbench.core.project import actions
from workbench.core.project.trained import build_trained_module


def run_cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_import_writes_a_project_whose_run_computes_the_original(capsys, tmp_path):
    model = tmp_path / "colleague.onnx"
    model.write_bytes(export_bytes("vgg", 13))
    code, out, err = run_cli(capsys, "import", model, "--out", tmp_path / "p" / "vgg.json")
    assert code == 0, err
    assert "Imported 'colleague.onnx' (ONNX opset 13)" in out
    assert "gives the same outputs as the original on ONNX Runtime" in out
    project = actions.open_project(tmp_path / "p" / "vgg.json")
    run = project.find_run()
    assert run.name == "imported from colleague.onnx" and run.has_weights
    assert (tmp_path / "p" / run.files.weights).is_file()
    module = build_trained_module(project, run)
    x = torch.randn(3, 1, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(module(x), make_model("vgg")(x), rtol=1e-4, atol=1e-5)
    code, _, err = run_cli(capsys, "import", model, "--out", tmp_path / "p" / "vgg.json")
    assert code == 2 and "already exists; choose another --out, or add --overwrite" in err


def test_import_lists_placeholders_and_exits_non_zero(capsys, tmp_path):
    weight = numpy_helper.from_array(np.ones((3, 4), np.float32), "w")
    nodes = [helper.make_node("Einsum", ["x"], ["e"], name="mystery", equation="bi->bi"),
             helper.make_node("Gemm", ["e", "w"], ["y"], name="head", transB=1)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
              tmp_path / "m.onnx")
    code, out, err = run_cli(capsys, "import", tmp_path / "m.onnx", "--out", tmp_path / "m.json", "--json")
    assert code == 1 and "1 operator(s) must be replaced" in err
    summary = json.loads(out)
    assert summary["placeholders"] == [{"operator": "Einsum", "onnx_node": "mystery", "layer": "mystery",
                                        "reason": "Workbench has no layer for this operator"}]
    assert (tmp_path / "m.json").is_file()  # saved, to be fixed in the app
    code, out, err = run_cli(capsys, "validate", tmp_path / "m.json")
    assert code == 1 and "stands for the ONNX operator Einsum (node 'mystery')" in out


def test_import_asks_for_an_open_input_size_and_takes_it_as_a_flag(capsys, tmp_path):
    weight = numpy_helper.from_array(np.ones((4, 2), np.float32), "w")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"], name="dense")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", "f"])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])], [weight])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8),
              tmp_path / "m.onnx")
    code, _, err = run_cli(capsys, "import", tmp_path / "m.onnx", "--out", tmp_path / "m.json")
    assert code == 2 and err.startswith("error: The model leaves the size of its input open") and \
        "`--input-shape`" in err and "Traceback" not in err
    assert not (tmp_path / "m.json").exists()
    code, out, err = run_cli(capsys, "import", tmp_path / "m.onnx", "--out", tmp_path / "m.json",
                             "--input-shape", "x=4")
    assert code == 0, err
    with pytest.raises(SystemExit) as exit_info:  # argparse refuses the flag itself
        run_cli(capsys, "import", tmp_path / "m.onnx", "--out", tmp_path / "n.json", "--input-shape", "a,b")
    assert exit_info.value.code == 2 and "expected sizes like 3,224,224" in capsys.readouterr().err


def test_a_file_that_is_not_onnx_is_an_error_line(capsys, tmp_path):
    (tmp_path / "x.onnx").write_bytes(b"\x00\x01garbage")
    code, _, err = run_cli(capsys, "import", tmp_path / "x.onnx", "--out", tmp_path / "x.json")
    assert code == 2 and err.startswith("error: 'x.onnx' is not an ONNX model") and "Traceback" not in err
    assert not (tmp_path / "x.json").exists()


def test_import_with_data_and_a_new_head_is_ready_to_fine_tune(capsys, tmp_path):
    model = tmp_path / "mlp.onnx"
    model.write_bytes(export_bytes("mlp", 17))
    code, _, err = run_cli(capsys, "import", model, "--out", tmp_path / "a.json", "--new-head")
    assert code == 2 and "--new-head needs --data" in err
    code, out, err = run_cli(capsys, "import", model, "--out", tmp_path / "p.json", "--data", "moons", "--new-head")
    assert code == 0, err
    assert "replaced by 'new_head', a new one for the data's 2 classes" in out
    project = actions.open_project(tmp_path / "p.json")
    assert project.dataset.name == "moons" and project.training.init_from == {"run": "imported"}
    assert project.graph.input_nodes()[0].params["shape"] == (2,)  # moons has 2 features, the model took 20
    first = project.graph.node_by_name("net/net.0/Gemm")
    assert len(project.training.frozen_nodes) == 4 and first.id not in project.training.frozen_nodes
    assert "net/net.0/Gemm no longer fit the weights of 'imported from mlp.onnx'" in out


def test_import_shows_repeated_units_as_blocks_unless_no_blocks(capsys, tmp_path):
    model = tmp_path / "resnet.onnx"
    model.write_bytes(export_bytes("resnet_units", 17))
    code, out, err = run_cli(capsys, "import", model, "--out", tmp_path / "b.json")
    assert code == 0, err
    assert "3 repeated units of 5 layers are shown as the block 'Residual unit (layer1)' (layer1/layer1.0, layer1/layer1.1, " \
           "layer1/layer1.2)" in out
    project = actions.open_project(tmp_path / "b.json")
    assert sum(n.type == "Block" for n in project.graph.nodes.values()) == 3 and list(project.graph.blocks) == \
        ["Residual unit (layer1)"]
    code, out, err = run_cli(capsys, "import", model, "--out", tmp_path / "f.json", "--no-blocks", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["blocks"] == [] and summary["round_trip"]["ok"]
    project = actions.open_project(tmp_path / "f.json")
    assert not project.graph.blocks and len(project.graph.nodes) == 21
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(build_trained_module(project, project.find_run())(x), make_model("resnet_units")(x),
                                   rtol=1e-4, atol=1e-5)
    code, out, err = run_cli(capsys, "import", model, "--out", tmp_path / "j.json", "--json")
    assert json.loads(out)["blocks"] == [{"name": "Residual unit (layer1)", "instances": ["layer1/layer1.0", "layer1/layer1.1",
                                                                             "layer1/layer1.2"], "layers": 5}]
