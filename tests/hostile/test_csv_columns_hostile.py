"""CSV columns that used to be read silently wrong: numbers with more than 5 % junk cells became categories of
number strings, and a header with a repeated name was taken for data, so every column became "column N"."""

from __future__ import annotations

import numpy as np
import pytest
from hostile_inputs import tree_digest

from workbench.core.data import DatasetSpec, apply_preprocessing, csv_reader, load_dataset
from workbench.core.errors import DataError

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
    line = column_line(load(path, missing="drop"), "x")
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


# ------------------------------------------------------------------------------------- UTF-16 and unnamed columns

def table_text(rows: int = 60, delimiter: str = ",") -> str:
    lines = ["size,colour,label"] + [f"{i % 7 + 0.5},{['red', 'grün', 'blue'][i % 3]},{'ab'[i % 2]}"
                                     for i in range(rows)]
    return "\n".join(line.replace(",", delimiter) for line in lines) + "\n"


@pytest.mark.parametrize("codec, delimiter, rows", [
    ("utf-16", "\t", 60),           # Excel's "Unicode Text": UTF-16 with a byte-order mark, tab-separated
    ("utf-16", ",", 20_000),        # longer than the 256 KB sample, which then ends inside a character
    ("utf-16-le", ",", 60),         # no byte-order mark
])
def test_a_utf16_table_is_read_as_the_same_table_in_utf8(tmp_path, codec, delimiter, rows):
    (tmp_path / "utf8.csv").write_text(table_text(rows, delimiter), encoding="utf-8")
    (tmp_path / "utf16.csv").write_bytes(table_text(rows, delimiter).encode(codec))
    plain, wide = load(tmp_path / "utf8.csv"), load(tmp_path / "utf16.csv")
    assert wide.report[0] == "The file is UTF-16 text; it was read as UTF-16."
    assert wide.report[1:] == plain.report
    assert np.array_equal(wide.x, plain.x) and np.array_equal(wide.y, plain.y)
    assert wide.preprocessing["columns"][1]["categories"] == ["blue", "grün", "red"]
    assert wide.preprocessing["read"]["encoding"] == codec  # predict.py reads new files the same way


def test_a_utf16_mark_before_binary_bytes_is_no_table(tmp_path):
    path = tmp_path / "fake.csv"
    path.write_bytes(b"\xff\xfe" + bytes(range(1, 256)) * 4)
    with pytest.raises(DataError, match="is not a table"):
        load(path)


def test_a_header_with_an_unnamed_index_column_is_a_header(tmp_path):
    """pandas' ``to_csv`` writes the row index under an empty name: ``,size,colour,label``."""
    body = "".join(f"{i},{i % 7 + 0.5},{['red', 'green', 'blue'][i % 3]},{'ab'[i % 2]}\n" for i in range(40))
    path = tmp_path / "pandas.csv"
    path.write_text(",size,colour,label\n" + body)
    ds = load(path)
    assert ds.preprocessing["source_columns"] == ["column 1", "size", "colour", "label"]
    assert "Column 1 has no name in the header (pandas writes its row index so); it is called 'column 1' here." \
        in ds.report
    assert ds.preprocessing["feature_names"][0] == "size"           # the index is left out as an identifier
    assert ds.class_names == ["a", "b"]


@pytest.mark.parametrize("first_row", ["", "3.5", "red"], ids=["index column", "number", "category"])
def test_a_first_data_row_with_one_empty_cell_stays_data(tmp_path, first_row):
    """One empty cell in a first row of data is a missing value, not an unnamed column."""
    cells = {"": ",3.5,red,a", "3.5": "0,,red,a", "red": "0,3.5,,a"}[first_row]
    body = "".join(f"{i},{i % 7 + 0.5},{['red', 'green', 'blue'][i % 3]},{'ab'[i % 2]}\n" for i in range(1, 40))
    path = tmp_path / "data.csv"
    path.write_text(cells + "\n" + body)
    ds = load(path, missing="mean")
    assert "The file has no header row; the columns are numbered." in ds.report
    assert ds.num_samples == 40
