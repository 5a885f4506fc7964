"""The command line's --data argument, regression preview, and the Qt-free import of the data package."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from workbench.core.data import DatasetSpec, load_dataset, preview, resolve_data_argument
from workbench.core.errors import DataError


def test_builtin_names():
    assert resolve_data_argument("digits") == DatasetSpec(source="builtin", name="digits")
    with pytest.raises(DataError, match=r"^--target and --ignore apply to CSV tables, not to the built-in dataset "
                                        r"'iris'\.$"):
        resolve_data_argument("iris", target="class")


@pytest.mark.parametrize("name", ["t.csv", "t.TSV", "t.txt"])
def test_tables_with_target_and_ignore(tmp_path, name, monkeypatch):
    (tmp_path / name).write_text("a,b\n1,2\n")
    monkeypatch.chdir(tmp_path)
    spec = resolve_data_argument(name, target="b", ignore=["a", " "])
    assert spec == DatasetSpec(source="csv", path=str(tmp_path / name), options={"target": "b", "ignore": ["a"]})


def test_folders_npz_and_idx(tmp_path):
    (tmp_path / "imgs" / "a").mkdir(parents=True)
    assert resolve_data_argument(str(tmp_path / "imgs")).source == "images"
    np.savez(tmp_path / "d.npz", x=np.zeros((2, 2)), y=np.zeros(2))
    assert resolve_data_argument(str(tmp_path / "d.npz")).source == "npz"
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + bytes(12))
    assert resolve_data_argument(str(tmp_path / "train-images-idx3-ubyte")).source == "idx"
    with pytest.raises(DataError, match=r"^--target and --ignore apply to CSV tables only\.$"):
        resolve_data_argument(str(tmp_path / "d.npz"), target="y")


def test_unknown_arguments(tmp_path):
    with pytest.raises(DataError, match=r"^'mnist' is neither a built-in dataset \(digits, iris, wine, "
                                        r"breast_cancer, diabetes, moons, spirals, reviews, digit_traits\) nor a "
                                        r"file or folder that exists\.$"):
        resolve_data_argument("mnist")
    Image.new("L", (2, 2)).save(tmp_path / "one.png")
    with pytest.raises(DataError, match=r"is a single image; give the folder that holds one sub-folder of images "
                                        r"per class\.$"):
        resolve_data_argument(str(tmp_path / "one.png"))
    (tmp_path / "notes.doc").write_text("x")
    with pytest.raises(DataError, match=r"^Cannot tell what kind of data 'notes.doc' holds; use a \.csv, \.tsv or "
                                        r"\.txt table, an \.npz file, an IDX file or a folder of images\.$"):
        resolve_data_argument(str(tmp_path / "notes.doc"))


def test_resolved_csv_loads_with_the_target(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,c\n" + "".join(f"{i % 4},{i % 2},{i * 0.3:.1f}\n" for i in range(30)))
    ds = load_dataset(resolve_data_argument(str(tmp_path / "t.csv"), target="b"))
    assert ds.task == "classification" and ds.class_names == ["0", "1"]
    assert ds.preprocessing["feature_names"] == ["a", "c"]


def test_regression_preview_has_a_histogram_in_target_units():
    ds = load_dataset(DatasetSpec(source="builtin", name="diabetes"))
    pv = preview(ds, "val", n=5)
    assert "class_counts" not in pv and len(pv["target_histogram"]["counts"]) == 20
    assert sum(pv["target_histogram"]["counts"]) == len(ds.splits["val"])
    assert pv["target_histogram"]["edges"][0] >= 25 - 1e-6               # diabetes targets run 25..346
    assert len(pv["labels"]) == 5 and float(pv["labels"][0]) > 20


def test_data_package_imports_without_qt_torch_or_sklearn():
    code = ("import sys, workbench.core.data as d; d.DatasetSpec('builtin', 'iris'); "
            "print(sorted(m for m in ('PySide6', 'torch', 'sklearn', 'PIL', 'pyqtgraph') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
