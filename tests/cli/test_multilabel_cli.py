"""A tiny multi-label CSV through the command line: `workbench train` learns it well above chance, `evaluate` prints
the per-label figures, `export` ships a model that gives each label's probability (sigmoid inside, labels in the
metadata, parity checked) and its predict.py names the labels given; a malformed label column is a plain error."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

from workbench.cli import run_command
from workbench.core.data import DatasetSpec
from workbench.core.export.metadata import read_metadata
from workbench.core.project import load_project, open_template, save_project


def tiny_csv(path, separated: bool = False, n: int = 240):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n, 3))
    labels = np.stack([x[:, 0] > 0, x[:, 1] > 0.3, x[:, 0] + x[:, 2] < 0], axis=1)
    names = ["warm", "windy", "wet"]
    with open(path, "w", encoding="utf-8") as f:
        f.write("a,b,c," + ("weather" if separated else ",".join(names)) + "\n")
        for row, on in zip(x, labels):
            target = ";".join(n for n, o in zip(names, on) if o) if separated else ",".join(str(int(o)) for o in on)
            f.write(",".join(f"{v:.4f}" for v in row) + "," + target + "\n")
    return labels


def run_json(capsys, argv):
    code = run_command(argv)
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip().startswith("{") else None), out.err


def test_a_tiny_multilabel_csv_trains_evaluates_and_exports(tmp_path, capsys):
    data = tmp_path / "weather.csv"
    tiny_csv(data)
    project = tmp_path / "p.json"
    code, summary, err = run_json(capsys, ["train", "mlp", "--data", str(data), "--target", "warm,windy,wet",
                                           "--epochs", "60", "--threads", "1", "--out", str(project), "--json"])
    assert code == 0, err
    test = summary["test"]
    assert set(test) >= {"loss", "accuracy", "exact_match", "f1_micro", "f1_macro"}
    assert test["accuracy"] > 0.85 and test["exact_match"] > 0.6  # chance: about 0.5 and 0.15

    assert run_command(["evaluate", str(project)]) == 0
    text = capsys.readouterr().out
    assert "exact_match" in text and "label     accuracy  precision  recall     f1  support" in text
    assert "rows have at least one label wrong." in text

    out = tmp_path / "export"
    assert run_command(["export", str(project), "--out", str(out)]) == 0
    assert "matches the trained PyTorch network" in capsys.readouterr().out
    model = onnx.load(str(out / "model.onnx"))
    assert model.graph.node[-1].op_type == "Sigmoid"
    meta = read_metadata(model)
    assert meta["task"] == "multilabel" and meta["labels"] == ["warm", "windy", "wet"]
    assert (out / "labels.txt").read_text() == "warm\nwindy\nwet\n"
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    probabilities = session.run(None, {"input": np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)})[0]
    assert probabilities.shape == (5, 3) and ((probabilities > 0) & (probabilities < 1)).all()

    rows = tmp_path / "new.csv"
    rows.write_text("a,b,c\n2.0,-2.0,1.0\n-2.0,2.0,-2.0\n")
    done = subprocess.run([sys.executable, str(out / "predict.py"), str(rows)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    first, second = done.stdout.splitlines()
    assert first.startswith("warm (") and "windy" not in first and "wet" not in first
    assert "windy (" in second and "wet (" in second and "warm" not in second


def test_separated_labels_are_found_without_naming_the_target(tmp_path, capsys):
    data = tmp_path / "weather.csv"
    tiny_csv(data, separated=True)
    code, summary, err = run_json(capsys, ["train", "mlp", "--data", str(data), "--report", "--epochs", "40",
                                           "--threads", "1", "--out", str(tmp_path / "p.json"), "--json"])
    assert code == 0, err
    assert summary["test"]["accuracy"] > 0.8
    assert "note: Target: 'weather', suggested because it is the only column of few categories" in err
    assert "holds labels separated by ';', so the task is multi-label" in err


def test_a_malformed_label_column_is_a_plain_error(tmp_path, capsys):
    data = tmp_path / "bad.csv"
    data.write_text("a,b,warm,windy\n" + "".join(f"{i % 5},{i % 3},{i % 2},{'2' if i == 4 else '1'}\n"
                                               for i in range(30)))
    project = open_template("mlp")
    project.dataset = DatasetSpec(source="csv", path=str(data),
                                  options={"target": ["warm", "windy"], "task": "multilabel"})
    path = save_project(project, tmp_path / "p.json")
    before = path.read_bytes()
    code = run_command(["train", str(path), "--epochs", "1"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert "error: Column 'windy' holds 2, but a label column holds only 0 and 1. Choose regression to predict the " \
           "numbers, or leave the column out of the targets." in err
    assert path.read_bytes() == before


def test_a_multilabel_monitor_trains_a_multilabel_project_and_is_refused_by_a_classifier(tmp_path, capsys):
    """From the project file or --monitor."""
    data = tmp_path / "weather.csv"
    tiny_csv(data)
    project = open_template("mlp")
    project.dataset = DatasetSpec(source="csv", path=str(data), options={"target": ["warm", "windy", "wet"]})
    project.training = project.training.replaced(monitor="val_f1_micro", patience=3)
    path = save_project(project, tmp_path / "labels.json")
    code, summary, err = run_json(capsys, ["train", str(path), "--epochs", "30", "--threads", "1", "--json"])
    assert code == 0, err
    assert summary["monitor"] == load_project(summary["project"]).runs[-1].monitor == "val_f1_micro"
    assert summary["test"]["f1_micro"] > 0.7
    code, summary, err = run_json(capsys, ["train", str(path), "--epochs", "2", "--threads", "1", "--json",
                                           "--monitor", "val_exact_match", "--out", str(tmp_path / "exact.json")])
    assert code == 0 and summary["monitor"] == "val_exact_match", err

    classifier = open_template("mlp")
    classifier.dataset = DatasetSpec(source="builtin", name="iris")
    classifier.training = classifier.training.replaced(monitor="val_exact_match")
    path = save_project(classifier, tmp_path / "iris.json")
    before = path.read_bytes()
    code = run_command(["train", str(path), "--epochs", "1", "--threads", "1"])
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert "error: training.monitor: val_exact_match does not apply to a classification task: only a multi-label " \
           "run measures the validation exact match (rows with every label right). Choose val_loss, val_accuracy " \
           "or val_f1_macro." in err
    assert path.read_bytes() == before
    classifier.training = classifier.training.replaced(monitor="val_loss")
    path = save_project(classifier, tmp_path / "iris.json")
    assert run_command(["train", str(path), "--epochs", "1", "--threads", "1", "--monitor", "val_f1_micro"]) != 0
    assert "error: training.monitor: val_f1_micro does not apply to a classification task" in capsys.readouterr().err


def test_train_on_data_of_another_task_watches_the_validation_loss_instead(tmp_path, capsys):
    project = open_template("mlp")
    project.training = project.training.replaced(epochs=1, monitor="val_accuracy")
    save_project(project, tmp_path / "iris.wbproj")
    code, summary, err = run_json(capsys, ["train", str(tmp_path / "iris.wbproj"), "--data", "diabetes", "--out",
                                           str(tmp_path / "out.wbproj"), "--json"])
    assert code == 0, err
    assert summary["monitor"] == "val_loss"  # a regression has no accuracy to watch
    assert load_project(tmp_path / "out.wbproj").training.monitor == "val_loss"
