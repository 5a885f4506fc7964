"""Project files: round trip, atomic saves, frozen formats, and a corpus of bad files with their messages."""

import copy
import json
import os
from pathlib import Path

import pytest

from workbench.core.build import InvalidGraphError, build_module
from workbench.core.errors import ProjectFileError, WorkbenchError
from workbench.core.graph import validate
from workbench.core.project import (load_project, open_template, project_from_dict, project_to_dict,
                                    resolve_project_argument, save_project, template_names)

DATA = Path(__file__).parent.parent / "data"


def base() -> dict:
    return {"format": "workbench-project", "version": 1, "name": "t",
            "graph": {"nodes": [{"id": "a", "type": "Input", "params": {"shape": [4]}},
                                {"id": "b", "type": "Dense", "name": "dense1", "params": {"units": 3}},
                                {"id": "c", "type": "ClassificationHead", "params": {"classes": 3}}],
                      "edges": [{"from": "a", "to": "b"}, {"from": "b", "to": "c"}]}}


def test_templates_are_all_there_and_valid():
    assert {"mlp", "cnn", "resnet", "lstm", "transformer"} <= set(template_names())
    for name in template_names():
        project = open_template(name)
        assert validate(project.graph).ok, name
        assert project.path is None
    resnet = open_template("resnet").graph
    adds = [n for n in resnet.nodes.values() if n.type == "Add"]
    assert len(adds) == 2 and all(len(resnet.incoming(a.id)) == 2 for a in adds)


@pytest.mark.parametrize("name", ["mlp", "cnn", "resnet", "lstm", "transformer"])
def test_round_trip_keeps_everything(name, tmp_path):
    project = open_template(name)
    project.runs.append({"id": "run1", "test": {"accuracy": 0.9}})
    project.extra["variants"] = [{"name": "int8"}]
    first = project_to_dict(project)
    path = save_project(project, tmp_path / "p.json")
    again = load_project(path)
    assert project_to_dict(again) == first
    assert again.path == path.resolve()
    assert again.graph.positions == project.graph.positions


def test_frozen_version_1_fixture_still_loads():
    project = load_project(DATA / "project_v1.json")
    assert project.name == "Digits CNN"
    assert validate(project.graph).ok
    assert project.dataset["name"] == "digits"


def test_save_is_atomic_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "p.json"
    project = open_template("mlp")
    save_project(project, path)
    before = path.read_bytes()
    project.name = "changed"

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(WorkbenchError, match="No space left on device. The file on disk is unchanged."):
        save_project(project, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.json"]  # no temporary file left behind


def test_unserialisable_content_fails_before_touching_the_file(tmp_path):
    path = tmp_path / "p.json"
    project = open_template("mlp")
    save_project(project, path)
    before = path.read_bytes()
    project.training = {"learning_rate": float("nan")}
    with pytest.raises(ValueError):
        save_project(project, path)
    assert path.read_bytes() == before


def mutate(fn):
    d = base()
    fn(d)
    return json.dumps(d)


BAD_FILES = {
    "not json": ("{ nodes: ", "it is not valid JSON (Expecting property name enclosed in double quotes at line 1"),
    "empty": ("  \n", "The file is empty."),
    "a list": ("[]", "the file holds JSON, but not an object"),
    "no format": (json.dumps({"version": 1}), "expected 'format' to be 'workbench-project'"),
    "newer version": (mutate(lambda d: d.update(version=7)),
                      "saved by a newer Workbench (file format 7; this version reads up to 1). Update Workbench"),
    "version as text": (mutate(lambda d: d.update(version="1")), "version: expected a whole number from 1"),
    "no graph": (mutate(lambda d: d.pop("graph")), "graph: this field is missing"),
    "no nodes": (mutate(lambda d: d["graph"].pop("nodes")), "graph.nodes: this field is missing"),
    "nodes not a list": (mutate(lambda d: d["graph"].update(nodes={})),
                         "graph.nodes: expected a list of layers, got an object"),
    "unknown layer": (mutate(lambda d: d["graph"]["nodes"][1].update(type="Conv3d")),
                      "graph.nodes[1].type: unknown layer type 'Conv3d'"),
    "setting of the wrong type": (mutate(lambda d: d["graph"]["nodes"][1]["params"].update(units="many")),
                                  "graph.nodes[1].params.units: expected a whole number, got 'many'"),
    "setting out of range": (mutate(lambda d: d["graph"]["nodes"][1]["params"].update(units=-3)),
                             "graph.nodes[1].params.units: -3 is below the smallest allowed value, 1"),
    "unknown setting": (mutate(lambda d: d["graph"]["nodes"][1]["params"].update(colour="red")),
                        "graph.nodes[1].params.colour: Dense has no setting called 'colour'"),
    "missing id": (mutate(lambda d: d["graph"]["nodes"][0].pop("id")), "graph.nodes[0].id: this field is missing"),
    "duplicate id": (mutate(lambda d: d["graph"]["nodes"][2].update(id="b")),
                     "graph.nodes[2].id: the id 'b' is used twice"),
    "bad id": (mutate(lambda d: d["graph"]["nodes"][0].update(id="a.b")), "graph.nodes[0].id: 'a.b' is not a valid id"),
    "edge to a missing node": (mutate(lambda d: d["graph"]["edges"][1].update(to="ghost")),
                               "graph.edges[1].to: there is no node with id 'ghost'"),
    "edge without from": (mutate(lambda d: d["graph"]["edges"][0].pop("from")),
                          "graph.edges[0].from: this field is missing"),
    "two wires into one input": (mutate(lambda d: d["graph"]["edges"].append({"from": "a", "to": "c"})),
                                 "graph.edges[2]: Classification output 'c' already takes its input from 'dense1'"),
    "NaN": (mutate(lambda d: None).replace('"units": 3', '"units": NaN'), "it contains NaN, which JSON does not"),
    "training not an object": (mutate(lambda d: d.update(training=[1])),
                               "training: expected an object of training settings"),
    "runs not a list": (mutate(lambda d: d.update(runs={"a": 1})), "runs: expected a list of run records"),
    "bad position is ignored, bad ui is not": (mutate(lambda d: d.update(ui=3)), "ui: expected an object"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_project_files_get_clear_messages(case, tmp_path):
    text, expected = BAD_FILES[case]
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    assert expected in str(info.value)
    assert str(info.value).startswith("bad.json: ")


def test_binary_huge_missing_and_folder_files(tmp_path):
    binary = tmp_path / "weights.json"
    binary.write_bytes(b"\x80\x04\x95PK\xff\xfe")
    with pytest.raises(ProjectFileError, match="is not a Workbench project: it is not a text file"):
        load_project(binary)
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as f:
        f.truncate(200 * 1024 * 1024)  # sparse: nothing is written
    with pytest.raises(ProjectFileError, match="far larger than a project file can be"):
        load_project(huge)
    with pytest.raises(ProjectFileError, match="There is no file"):
        load_project(tmp_path / "nope.json")
    with pytest.raises(ProjectFileError, match="is a folder, not a project file"):
        load_project(tmp_path)


def test_a_million_node_file_is_refused_while_parsing(tmp_path):
    d = base()
    node = '{"id": "n", "type": "Dense"}'
    text = json.dumps(d).replace('"nodes": [', '"nodes": [' + ",".join([node] * 1_000_000) + ",", 1)
    path = tmp_path / "million.json"
    path.write_text(text)
    with pytest.raises(ProjectFileError, match="more entries than any project can"):
        load_project(path)


def test_absurd_layer_loads_but_is_refused_before_building():
    d = base()
    d["graph"]["nodes"][0]["params"]["shape"] = [1_000_000]
    d["graph"]["nodes"][1]["params"]["units"] = 1_000_000
    project = project_from_dict(copy.deepcopy(d))
    result = validate(project.graph)
    assert "Dense 'dense1' would have 1,000,001,000,000 parameters" in result.errors[0].message
    with pytest.raises(InvalidGraphError, match="cannot be built until these problems are fixed"):
        build_module(project.graph)


def test_loops_in_a_file_load_and_show_as_validation_errors():
    d = base()
    d["graph"]["nodes"].insert(2, {"id": "s", "type": "Add"})
    d["graph"]["edges"] = [{"from": "a", "to": "s"}, {"from": "s", "to": "b"}, {"from": "b", "to": "s"},
                           {"from": "b", "to": "c"}]
    project = project_from_dict(d)
    assert any("part of a loop" in p.message for p in validate(project.graph).errors)


def test_template_names_are_accepted_where_a_path_is(tmp_path):
    assert resolve_project_argument("cnn").name == "cnn.json"
    path = tmp_path / "mine.json"
    path.write_text("{}")
    assert resolve_project_argument(str(path)) == path
    with pytest.raises(ProjectFileError, match="no project file or template called 'nope'. Templates: cnn"):
        resolve_project_argument("nope")


def csv_project(data_path):
    from workbench.core.data import DatasetSpec

    project = open_template("mlp")
    project.dataset = DatasetSpec(source="csv", path=str(data_path)).to_dict()
    return project


def write_csv(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{'xy'[i % 2]}\n" for i in range(30)), encoding="utf-8")
    return path


def test_data_inside_the_project_folder_is_saved_relative_and_the_folder_can_move(tmp_path):
    from workbench.core.training.project_data import forget_datasets, project_dataset

    data = write_csv(tmp_path / "work" / "data" / "table.csv")
    saved = save_project(csv_project(data), tmp_path / "work" / "model.json")
    assert json.loads(saved.read_text())["dataset"]["path"] == "data/table.csv"

    moved = tmp_path / "elsewhere"
    (tmp_path / "work").rename(moved)
    forget_datasets()
    project = load_project(moved / "model.json")
    assert len(project_dataset(project).x) == 30  # read from the moved folder


def test_data_outside_stays_absolute_and_save_as_keeps_pointing_at_the_same_file(tmp_path):
    data = write_csv(tmp_path / "shared" / "table.csv")
    project = csv_project(data)
    (tmp_path / "a").mkdir()
    first = save_project(project, tmp_path / "a" / "model.json")
    assert json.loads(first.read_text())["dataset"]["path"] == str(data)

    inside = write_csv(tmp_path / "a" / "rows.csv")
    project.dataset = {**project.dataset, "path": "rows.csv"}  # relative to the project's folder, tmp/a
    (tmp_path / "b").mkdir()
    second = save_project(project, tmp_path / "b" / "model.json")  # save as, into another folder
    assert json.loads(second.read_text())["dataset"]["path"] == str(inside)
    assert project.dataset["path"] == str(inside)  # and the open project reads it from there too
    third = save_project(project, tmp_path / "a" / "again.json")
    assert json.loads(third.read_text())["dataset"]["path"] == "rows.csv"
