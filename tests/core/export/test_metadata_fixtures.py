"""The ONNX metadata that predict.py and the Try-it page read, as Workbench 0.1.0 wrote it (frozen fixtures in
tests/data/onnx_metadata_v1/): today's readers still understand it, and today's writer still writes it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import onnx
import pytest

from workbench.core.data import apply_preprocessing
from workbench.core.export.bundle import PREDICT_SOURCE
from workbench.core.export.metadata import build_metadata, read_metadata
from workbench.core.export.predictor import Predictor

FIXTURES = Path(__file__).resolve().parents[2] / "data" / "onnx_metadata_v1"


class Stored:
    """An ONNX Runtime model-metadata look-alike holding the frozen entries."""

    def __init__(self, entries: dict[str, str]):
        self.custom_metadata_map = entries


@pytest.mark.parametrize("kind", ["table", "image"])
def test_frozen_metadata_reads_back_whole_and_is_what_the_writer_writes(kind):
    stored = json.loads((FIXTURES / f"{kind}.json").read_text())
    meta = read_metadata(Stored(stored))
    assert meta["workbench"] == "1" and meta["task"] == "classification"
    assert meta["preprocessing"]["kind"] == kind
    target = meta["preprocessing"]["target"]
    assert target["task"] == "classification" and target["classes"] == meta["labels"]
    again = build_metadata(name=meta["name"], description=meta["description"], task=meta["task"],
                           labels=meta["labels"], preprocessing=meta["preprocessing"],
                           compression=meta["compression"])
    assert again == stored  # the same strings, byte for byte


def test_the_frozen_table_model_answers_in_try_it_and_in_predict_py(tmp_path):
    predictor = Predictor.from_file(FIXTURES / "table.onnx")
    assert predictor.labels == ["setosa", "versicolor", "virginica"]
    row = {"sepal length (cm)": "5.1", "sepal width (cm)": "3.5", "petal length (cm)": "1.4",
           "petal width (cm)": "0.2"}
    answer = predictor.predict([row])
    assert [name for name, _ in answer.classes] == sorted(predictor.labels, key=lambda n: -dict(answer.classes)[n])
    assert abs(sum(p for _, p in answer.classes) - 1.0) < 1e-6
    expected = predictor.session.run(apply_preprocessing(predictor.preprocessing, [row]))[0]
    assert (answer.outputs == expected).all()

    model = tmp_path / "model.onnx"
    model.write_bytes((FIXTURES / "table.onnx").read_bytes())
    (tmp_path / "predict.py").write_bytes(PREDICT_SOURCE.read_bytes())
    (tmp_path / "rows.csv").write_text(",".join(row) + "\n" + ",".join(row.values()) + "\n")
    done = subprocess.run([sys.executable, str(tmp_path / "predict.py"), str(tmp_path / "rows.csv")],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert answer.classes[0][0] in done.stdout
    assert onnx.load(str(model)).metadata_props  # the fixture itself is a Workbench export
