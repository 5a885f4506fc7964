"""Project files: round trip, atomic saves, frozen formats, and a corpus of bad files with their messages."""

import copy
import dataclasses
import json
import os
import time
from pathlib import Path

import pytest

from workbench.core.build import InvalidGraphError, build_module
from workbench.core.errors import ProjectFileError, WorkbenchError
from workbench.core.graph import validate
from workbench.core.project import (FORMAT_MINOR, FORMAT_VERSION, RunRecord, VariantRecord, load_project, open_template,
                                    project_from_dict, project_to_dict, resolve_project_argument, save_project,
                                    template_names)
from workbench.core.project.storage import ChangedOnDiskError, FileState
from workbench.core.project.trained import build_trained_module
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.status import RunStatus

DATA = Path(__file__).resolve().parents[2] / "data"


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
    trained = load_project(DATA / "project_v1_trained" / "project.json")
    project.runs.extend(trained.runs)
    project.variants.extend(trained.variants)
    project.extra["later_feature"] = {"kept": [1, 2]}
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
    assert project.dataset.name == "digits"


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
    project.training = TrainingSettings(learning_rate=float("nan"))
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
                      "saved by a newer Workbench (file format 7; this version reads up to 2). Update Workbench"),
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
    project.dataset = DatasetSpec(source="csv", path=str(data_path))
    return project


def write_csv(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{'xy'[i % 2]}\n" for i in range(30)), encoding="utf-8")
    return path


def test_data_inside_the_project_folder_is_saved_relative_and_the_folder_can_move(tmp_path):
    from workbench.core.project.data import forget_datasets, project_dataset

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
    project.dataset = dataclasses.replace(project.dataset, path="rows.csv")  # relative to the folder, tmp/a
    (tmp_path / "b").mkdir()
    second = save_project(project, tmp_path / "b" / "model.json")  # save as, into another folder
    assert json.loads(second.read_text())["dataset"]["path"] == str(inside)
    assert project.dataset.path == str(inside)  # and the open project reads it from there too
    third = save_project(project, tmp_path / "a" / "again.json")
    assert json.loads(third.read_text())["dataset"]["path"] == "rows.csv"


# --- typed records, format versions and migration ------------------------------------------------------------------

def trained_v2() -> dict:
    return json.loads((DATA / "project_v2_trained" / "project.json").read_text())


def with_settings_added_since(data: dict) -> dict:
    """The frozen file as this version writes it: the settings layers gained since, at their defaults."""
    data = copy.deepcopy(data)
    for node in data["graph"]["nodes"]:
        if node["type"] == "Input":
            node["params"].setdefault("padding", True)
    return data


@pytest.mark.parametrize("folder", ["project_v1_trained", "project_v2_trained"])
def test_frozen_trained_projects_load_with_typed_records_and_their_files(folder):
    project = load_project(DATA / folder / "project.json")
    run = project.runs[0]
    assert isinstance(run, RunRecord) and run.status is RunStatus.COMPLETED and run.has_weights
    assert run.settings.epochs == 3 and run.dataset.name == "iris" and run.curves.epochs
    assert [v.method for v in project.variants] == ["none", "int8-dynamic", "prune-structured"]
    assert all(isinstance(v, VariantRecord) and v.run == run.id for v in project.variants)
    assert project.variants[2].files.weights and project.variants[2].graph["nodes"]
    assert project.variants[1].layers[0].kind == "error" and project.variants[2].layers[0].kind == "channels"
    for relative in project.record_files():
        assert (project.folder / relative).is_file(), relative
    module = build_trained_module(project)
    assert sum(p.numel() for p in module.parameters()) == project.variants[0].params


def test_version_1_is_migrated_run_files_move_under_files():
    v1 = json.loads((DATA / "project_v1_trained" / "project.json").read_text())
    run_v1 = v1["runs"][0]
    project = project_from_dict(copy.deepcopy(v1))
    files = project.runs[0].files
    assert (files.weights, files.best, files.last, files.state) == (
        run_v1["weights"], run_v1["best_weights"], run_v1["last_weights"], run_v1["state"])
    saved = project_to_dict(project)
    assert saved["version"] == FORMAT_VERSION == 2 and saved["minor"] == FORMAT_MINOR == 2
    assert "best_weights" not in saved["runs"][0] and saved["runs"][0]["files"]["best"] == run_v1["best_weights"]
    assert saved["variants"] == v1["variants"]  # the same records, now a declared section
    assert project_to_dict(project_from_dict(copy.deepcopy(saved))) == saved


def test_version_2_fixture_round_trips_unchanged():
    data = trained_v2()
    assert data["minor"] == 0 and data["dataset"]["source"] == "builtin"
    assert project_to_dict(project_from_dict(copy.deepcopy(data))) == {**with_settings_added_since(data),
                                                                        "minor": FORMAT_MINOR}


def test_a_csv_table_of_minor_version_0_keeps_reading_as_it_did(tmp_path):
    from workbench.core.data import load_dataset

    table = tmp_path / "plants.csv"
    rows = ["species,height,year"] + [f"{'ab'[i % 2]},{'' if i == 3 else i % 7},{2000 + i % 2}" for i in range(40)]
    table.write_text("\n".join(rows) + "\n")
    data = trained_v2()
    spec = {"source": "csv", "path": str(table), "options": {"delimiter": ","}}
    data["dataset"] = spec
    data["runs"][0]["dataset"] = spec
    project = project_from_dict(copy.deepcopy(data))
    for migrated in (project.dataset, project.runs[0].dataset):
        assert migrated.options == {"delimiter": ",", "missing": "drop", "target_rule": "last"}
    old = load_dataset(project.dataset)
    assert old.class_names == ["2000", "2001"] and old.num_samples == 39  # the last column; the gap's row dropped
    assert "the last column, as this project has always read it" in " ".join(old.report)
    data["minor"] = FORMAT_MINOR  # written by this version: the new defaults
    new = load_dataset(project_from_dict(copy.deepcopy(data)).dataset)
    assert new.class_names == ["a", "b"] and new.num_samples == 40
    saved = project_to_dict(project)
    assert saved["minor"] == FORMAT_MINOR and saved["dataset"]["options"]["target_rule"] == "last"


def test_a_target_of_several_columns_of_minor_version_1_stays_a_regression():
    data = trained_v2()
    data["minor"] = 1
    spec = {"source": "csv", "path": "table.csv", "options": {"target": ["wet", "windy"]}}
    data["dataset"] = spec
    data["runs"][0]["dataset"] = spec
    project = project_from_dict(copy.deepcopy(data))
    for migrated in (project.dataset, project.runs[0].dataset):
        assert migrated.options["task"] == "regression"  # "auto" read several columns so then
    data["minor"] = FORMAT_MINOR  # written by this version: "auto" may find them multi-label
    assert project_from_dict(copy.deepcopy(data)).dataset.options.get("task", "auto") == "auto"
    spec["options"] = {"target": ["wet", "windy"], "task": "classification"}  # stated: left alone
    data["minor"] = 1
    assert project_from_dict(copy.deepcopy(data)).dataset.options["task"] == "classification"


def test_a_newer_minor_version_keeps_what_it_added():
    data = trained_v2()
    data["minor"] = 3
    data["deployment"] = {"device": "phone"}  # a section this version does not know
    data["search"] = {"space": {}, "settings": {}, "budget_usd": 3}  # a known one with a field it does not know
    data["runs"][0]["energy_kwh"] = 0.02
    data["variants"][0]["device_profile"] = {"name": "phone"}
    project = project_from_dict(copy.deepcopy(data))
    assert project.runs[0].extra == {"energy_kwh": 0.02}
    assert project.search.extra == {"budget_usd": 3}
    saved = project_to_dict(project)
    data["search"] = project.search.to_dict()  # the search section's defaults are written out in full
    assert saved == with_settings_added_since(data)  # written back unchanged, the minor version too
    assert saved["search"]["budget_usd"] == 3 and saved["deployment"] == {"device": "phone"}
    with pytest.raises(ProjectFileError, match=r"search.budget_usd: unknown field 'budget_usd'"):
        project_from_dict({**data, "minor": 0})
    del data["search"]
    data["minor"] = 0
    with pytest.raises(ProjectFileError, match=r"runs\[0\].energy_kwh: unknown field 'energy_kwh'"):
        project_from_dict(data)


def _runs(fn):
    data = trained_v2()
    fn(data)
    return data


BAD_RECORDS = {
    "metrics not an object": (lambda d: d["runs"][0].update(metrics="oops"),
                              "runs[0].metrics: expected an object, got the text 'oops'"),
    "figure not a number": (lambda d: d["runs"][0]["metrics"]["test"].update(accuracy="high"),
                            "runs[0].metrics.test.accuracy: expected a number, got the text 'high'"),
    "id as a number": (lambda d: d["runs"][0].update(id=3), "runs[0].id: expected some text, got the number 3"),
    "run without id": (lambda d: d["runs"][0].pop("id"), "runs[0].id: this field is missing"),
    "run without status": (lambda d: d["runs"][0].pop("status"), "runs[0].status: this field is missing"),
    "unknown status": (lambda d: d["runs"][0].update(status="finished"),
                       "runs[0].status: expected one of completed, early_stopped, stopped, diverged, out_of_memory"),
    "run not an object": (lambda d: d["runs"].insert(0, "run-1"), "runs[0]: expected an object, got the text"),
    "bad run settings": (lambda d: d["runs"][0]["settings"].update(batch_size=0),
                         "runs[0].settings.batch_size: must be a whole number from 1 to 65536"),
    "bad run graph": (lambda d: d["runs"][0]["graph"]["nodes"][0].update(type="Conv9d"),
                      "runs[0].graph.nodes[0].type: unknown layer type 'Conv9d'"),
    "files not an object": (lambda d: d["runs"][0].update(files=["a.safetensors"]),
                            "runs[0].files: expected an object, got a list"),
    "empty weights path": (lambda d: d["runs"][0]["files"].update(weights=""),
                           "runs[0].files.weights: expected some text"),
    "curves of unequal length": (lambda d: d["runs"][0]["curves"]["batch_step"].pop(),
                                 "runs[0].curves.batch_loss: has"),
    "epoch row with text": (lambda d: d["runs"][0]["curves"]["epochs"][1].update(val_loss="n/a"),
                            "runs[0].curves.epochs[1].val_loss: expected a number"),
    "transfer of the wrong shape": (lambda d: d["runs"][0].update(transfer={"loaded": "dense1"}),
                                    "runs[0].transfer.loaded: expected a list, got the text 'dense1'"),
    "variants not a list": (lambda d: d.update(variants={"original": {}}),
                            "variants: expected a list of variant records"),
    "variant without files": (lambda d: d["variants"][1].pop("files"), "variants[1].files: this field is missing"),
    "unknown method": (lambda d: d["variants"][1].update(method="zip"),
                       "variants[1].method: unknown compression method 'zip'"),
    "size as text": (lambda d: d["variants"][1].update(size_bytes="4 KB"),
                     "variants[1].size_bytes: expected a whole number from 0, got the text '4 KB'"),
    "latency without onnxruntime": (lambda d: d["variants"][0]["latency"].pop("onnxruntime"),
                                    "variants[0].latency.onnxruntime: this field is missing"),
    "parity samples negative": (lambda d: d["variants"][0]["parity"].update(samples=-1),
                                "variants[0].parity.samples: expected a whole number from 0, got the number -1"),
    "layer effect of an unknown kind": (lambda d: d["variants"][1]["layers"][0].update(kind="magic"),
                                        "variants[1].layers[0].kind: expected one of error, sparsity, channels"),
    "unknown field in a variant": (lambda d: d["variants"][1].update(colour="red"),
                                   "variants[1].colour: unknown field 'colour'"),
    "minor not a number": (lambda d: d.update(minor="1"), "minor: expected a whole number from 0"),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_malformed_run_and_variant_records_are_refused_naming_the_field(case, tmp_path):
    mutate_record, expected = BAD_RECORDS[case]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_runs(mutate_record)))
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    assert str(info.value).startswith("bad.json: ") and expected in str(info.value), str(info.value)


def test_a_version_1_record_that_is_malformed_is_refused_after_migration():
    v1 = json.loads((DATA / "project_v1_trained" / "project.json").read_text())
    v1["runs"][0]["metrics"] = "oops"
    with pytest.raises(ProjectFileError, match=r"runs\[0\].metrics: expected an object, got the text 'oops'"):
        project_from_dict(v1)
    v1 = json.loads((DATA / "project_v1_trained" / "project.json").read_text())
    v1["variants"] = "none"  # version 1 read this as 'no variants' and the next compression overwrote it
    with pytest.raises(ProjectFileError, match="variants: expected a list of variant records"):
        project_from_dict(v1)


def test_records_round_trip_through_their_own_dicts():
    project = load_project(DATA / "project_v2_trained" / "project.json")
    for record in project.runs:
        assert RunRecord.from_dict(record.to_dict(), "run") == record
    for record in project.variants:
        assert VariantRecord.from_dict(record.to_dict(), "variant") == record


def test_saving_into_another_folder_copies_the_files_the_records_name(tmp_path):
    import shutil

    shutil.copytree(DATA / "project_v2_trained", tmp_path / "first")
    project = load_project(tmp_path / "first" / "project.json")
    (tmp_path / "second").mkdir()
    before = project.record_files()
    save_project(project, tmp_path / "second" / "copy.json")
    after = project.record_files()  # filed under the new name: runs/copy/..., variants/copy/...
    assert len(after) == len(before) and all(path.split("/")[1] == "copy" for path in after)
    for old, new in zip(before, after):
        assert (tmp_path / "second" / new).read_bytes() == (tmp_path / "first" / old).read_bytes()
    reopened = load_project(tmp_path / "second" / "copy.json")
    assert build_trained_module(reopened) is not None


# --- reading and writing files safely ------------------------------------------------------------------------------

def test_a_pipe_or_a_device_is_refused_without_reading(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(ProjectFileError, match="is not a file but a pipe, so it is not a Workbench project"):
        load_project(fifo)  # returns at once: nothing writes to the pipe, and opening it would wait for a writer
    with pytest.raises(ProjectFileError, match="is not a file but a device"):
        load_project("/dev/zero")


def test_a_byte_order_mark_is_fine_and_latin_1_is_named_as_such(tmp_path):
    template = open_template("mlp")
    path = save_project(template, tmp_path / "p.json")
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_project(bom).name == template.name
    latin = tmp_path / "latin.json"
    latin.write_bytes(path.read_bytes().replace(b'"Tabular MLP"', '"Café"'.encode("latin-1"), 1))
    with pytest.raises(ProjectFileError, match=r"is text, but not UTF-8.*the byte 0xE9 at line 5, column 14.*save "
                                               r"it as UTF-8"):
        load_project(latin)


def test_temporaries_left_by_a_crashed_save_are_cleared_on_the_next_open(tmp_path):
    path = save_project(open_template("mlp"), tmp_path / "p.json")
    stale, fresh = tmp_path / ".p.json.k3j2.tmp", tmp_path / ".p.json.x9q1.tmp"
    for leftover in (stale, fresh):
        leftover.write_bytes(path.read_bytes())
    an_hour_ago = time.time() - 3600
    os.utime(stale, (an_hour_ago, an_hour_ago))
    load_project(path)
    assert not stale.exists() and fresh.exists()  # a fresh one may be another window's save under way
    os.utime(fresh, (an_hour_ago, an_hour_ago))
    save_project(load_project(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json"]


def test_a_file_changed_on_disk_is_not_overwritten_unawares(tmp_path):
    path = save_project(open_template("mlp"), tmp_path / "p.json")
    mine, theirs = load_project(path), load_project(path)
    os.utime(path)  # touched, not changed: saving is fine
    mine.name = "mine"
    save_project(mine)
    theirs.name = "theirs"
    with pytest.raises(ChangedOnDiskError, match="'p.json' was changed on disk since it was opened"):
        save_project(theirs)
    assert load_project(path).name == "mine"
    save_project(theirs, overwrite=True)
    assert load_project(path).name == "theirs"
    other = tmp_path / "other.json"
    seen = FileState.of(other)  # a command's --out: not there when it began
    save_project(open_template("cnn"), other)  # ... then another program writes it
    with pytest.raises(ChangedOnDiskError):
        save_project(theirs, other, expected=seen)
    assert load_project(other).name == "Digits CNN"


def test_files_outside_the_project_folder_are_named_and_the_cli_warns(tmp_path, capsys):
    from workbench.cli import run_command
    from workbench.core.project.storage import paths_outside

    folder = tmp_path / "shared"
    data = write_csv(folder / "data" / "rows.csv")
    project = csv_project(data)
    save_project(project, folder / "p.json")
    assert paths_outside(load_project(folder / "p.json")) == []
    sneaky = json.loads((folder / "p.json").read_text())
    sneaky["dataset"]["path"] = "../../../../../../etc/passwd"
    sneaky["training"]["init_from"] = {"weights": str(tmp_path / "elsewhere.safetensors")}
    (folder / "sneaky.json").write_text(json.dumps(sneaky))
    assert paths_outside(load_project(folder / "sneaky.json")) == [Path("/etc/passwd"),
                                                                   tmp_path / "elsewhere.safetensors"]
    run_command(["validate", str(folder / "sneaky.json")])
    err = capsys.readouterr().err
    assert "warning: sneaky.json reads /etc/passwd, which is outside its folder." in err
    assert f"reads {tmp_path / 'elsewhere.safetensors'}" in err


def test_save_as_keeps_the_weights_a_run_starts_from_reachable(tmp_path):
    from workbench.core.project.storage import paths_outside

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "start.safetensors").write_bytes(b"weights")
    project = open_template("mlp")
    project.training = TrainingSettings(init_from={"weights": "start.safetensors"})
    save_project(project, tmp_path / "a" / "p.json")
    (tmp_path / "b").mkdir()
    saved = save_project(project, tmp_path / "b" / "p.json")
    assert json.loads(saved.read_text())["training"]["init_from"] == {"weights": str(tmp_path / "a" /
                                                                                     "start.safetensors")}
    assert project.training.init_from == {"weights": str(tmp_path / "a" / "start.safetensors")}
    assert paths_outside(load_project(saved)) == [tmp_path / "a" / "start.safetensors"]
