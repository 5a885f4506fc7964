"""CSV columns that used to be read silently wrong: numbers with more than 5 % junk cells became categories of
number strings, and a header with a repeated name was taken for data, so every column became "column N"."""

from __future__ import annotations

import numpy as np
import pytest

from hostile_inputs import tree_digest
from workbench.core.data import DatasetSpec, apply_preprocessing, load_dataset
from workbench.core.data import csv_reader

SPLIT = {"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0, "stratify": True}
JUNK = ["unknown", "-", "err"]


def load(path, **options):
    return load_dataset(DatasetSpec(source="csv", path=str(path), options=options, split=dict(SPLIT)))


def measurements(n: int = 200, junk_every: int = 8) -> tuple[str, list[int]]:
    """A table whose 'weight' column holds 122+ different numbers and, every few rows, a junk text (12 %)."""
    lines, junk_rows = ["weight,label"], []
    for i in range(n):
        if i % junk_every == 3:
            weight = JUNK[i % 3]
            junk_rows.append(i + 2)               # the header is row 1
        else:
            weight = f"{50 + (i * 7919 % 400) / 10:.1f}"
        lines.append(f"{weight},{'ab'[i % 2]}")
    return "\n".join(lines) + "\n", junk_rows


def column_line(ds, name):
    return next(line for line in ds.report if line.startswith(f"Column {name!r}"))


def test_numbers_with_twelve_percent_junk_stay_numbers(tmp_path):
    text, junk_rows = measurements()
    path = tmp_path / "w.csv"
    path.write_text(text)
    ds = load(path, missing="mean")
    spec = ds.preprocessing["columns"][0]
    assert spec["type"] == "numeric"
    values = [float(line.split(",")[0]) for line in text.splitlines()[1:] if line.split(",")[0] not in JUNK]
    assert spec["mean"] == pytest.approx(np.mean(values), rel=0.05)
    rows = ", ".join(map(str, junk_rows[:10]))
    assert column_line(ds, "weight").startswith(
        f"Column 'weight': numbers, standardised (mean {spec['mean']:.4g}, spread {spec['std']:.4g}); 25 values "
        f"that are not numbers ('unknown', 'err', '-'; rows {rows} and 15 more) read as missing; 25 missing "
        "values filled with the mean")
    new = apply_preprocessing(ds.preprocessing, [{"weight": "unknown"}, {"weight": "61.5"}])
    assert new[0, 0] == pytest.approx(0.0, abs=1e-6) and new[1, 0] != 0


def test_one_junk_cell_names_its_row(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("x,y\n" + "".join(f"{'n.a.' if i == 4 else i * 1.5},{'ab'[i % 2]}\n" for i in range(40)))
    line = column_line(load(path), "x")
    assert line.endswith("; 1 value that is not a number ('n.a.', row 6) read as missing.")


def test_few_different_numbers_among_much_text_stay_categories(tmp_path):
    sizes = ["S", "M", "L", "38", "40", "42", "38", "40"]
    path = tmp_path / "sizes.csv"
    path.write_text("size,y\n" + "".join(f"{sizes[i % 8]},{'ab'[i % 2]}\n" for i in range(80)))
    spec = load(path).preprocessing["columns"][0]
    assert spec["type"] == "categorical" and spec["categories"] == ["38", "40", "42", "L", "M", "S"]


def test_text_in_the_majority_stays_categories(tmp_path):
    path = tmp_path / "codes.csv"
    rows = [str(i) if i % 3 == 0 else f"A{i}" for i in range(90)]   # a third numbers, many codes
    path.write_text("code,y\n" + "".join(f"{c},{'ab'[i % 2]}\n" for i, c in enumerate(rows)))
    ds = load(path, include=["code"])
    assert ds.preprocessing["columns"][0]["type"] == "categorical"


def test_numbers_that_turn_to_junk_after_many_blocks_stay_numbers(tmp_path, monkeypatch):
    lines = ["v,y"] + [f"{i * 0.37 % 50:.2f},{'ab'[i % 2]}" for i in range(900)] + \
        [f"{'x' if i % 4 == 0 else i * 0.11},{'ab'[i % 2]}" for i in range(600)]
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n")
    whole = load(path, missing="mean")
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)          # 256-row blocks: the junk starts in block 4
    chunked = load(path, missing="mean")
    assert chunked.preprocessing == whole.preprocessing and chunked.report == whole.report
    assert np.array_equal(chunked.x, whole.x)
    assert chunked.preprocessing["columns"][0]["type"] == "numeric"
    assert "150 values that are not numbers ('x'; rows 902, 906, 910, 914, 918, 922, 926, 930, 934, 938 and 140 " \
        "more) read as missing" in column_line(chunked, "v")


# ------------------------------------------------------------------------------------------- duplicate headers

def test_a_repeated_header_name_is_renamed_and_said(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("x,x,y,x,label\n" + "".join(f"{i},{i * 2 % 7},{i % 5},{i % 3},{'ab'[i % 2]}\n"
                                                for i in range(30)))
    before = tree_digest(tmp_path)
    ds = load(path, include=["x"])
    assert ds.preprocessing["source_columns"] == ["x", "x (2)", "y", "x (3)", "label"]
    assert ("The header repeats column names ('x' 3 times); the repeats are called 'x (2)' and 'x (3)' here (the "
            "file is not changed).") in ds.report
    assert "The file has no header row; the columns are numbered." not in ds.report
    assert tree_digest(tmp_path) == before


def test_several_repeated_header_names_are_all_named(tmp_path):
    path = tmp_path / "dup2.csv"
    path.write_text("a,b,a,b,label\n" + "".join(f"{i},{i % 4},{i % 6},{i % 5},{'ab'[i % 2]}\n" for i in range(30)))
    ds = load(path)
    assert ds.preprocessing["source_columns"] == ["a", "b", "a (2)", "b (2)", "label"]
    assert ("The header repeats column names ('a' twice, 'b' twice); the repeats are called 'a (2)' and 'b (2)' "
            "here (the file is not changed).") in ds.report
