"""What a CSV import decides on its own, as a user means it: the suggested target, missing values filled in with
a "was missing" input, column kinds the user declares, free text that repeats, the summary of the decisions, and
PyArrow's reader giving the same table as the `csv` module, also where a column it parses as numbers holds text
after the sample it was chosen from."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from workbench.core.data import DatasetSpec, apply_preprocessing, csv_arrow, csv_reader, data_summary, load_dataset
from workbench.core.errors import DataError

SPLIT = {"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0, "stratify": True}
SPECIES = ["Adelie", "Gentoo", "Chinstrap"]


def write(tmp_path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load(path: str, **options):
    return load_dataset(DatasetSpec(source="csv", path=path, options=options, split=dict(SPLIT)))


def line_of(ds, name: str) -> str:
    return next(line for line in ds.report if line.startswith(f"Column {name!r}"))


def penguins(n: int = 60, gaps: bool = True) -> str:
    """species first and a year last, as in the real file whose year was taken for the target."""
    rows = ["species,island,bill_length_mm,sex,year"]
    for i in range(n):
        bill = "NA" if gaps and i % 10 == 4 else f"{38 + i % 9 + 0.1 * (i % 7):.1f}"
        sex = "" if gaps and i % 15 == 7 else "mf"[i % 2]
        rows.append(f"{SPECIES[i % 3]},{['Biscoe', 'Dream'][i % 2]},{bill},{sex},{2007 + i % 3}")
    return "\n".join(rows) + "\n"


# ------------------------------------------------------------------------------------------------ the target

def test_a_column_named_like_a_target_is_suggested_not_the_last_one(tmp_path):
    ds = load(write(tmp_path, penguins()))
    assert ds.preprocessing["target"]["columns"] == ["species"] and ds.class_names == sorted(SPECIES)
    assert ("Target: 'species', suggested because its name says so (choose another target if this is not what "
            "the model should predict).") in ds.report


@pytest.mark.parametrize("name", ["label", "Class", "y", "target", "wine_class", "Species", "sale_price"])
def test_target_names(tmp_path, name):
    text = f"{name},a,b\n" + "".join(f"{'pq'[i % 2]},{i * 0.5},{i % 7}\n" for i in range(30))
    assert load(write(tmp_path, text)).preprocessing["target"]["columns"] == [name]


def test_else_the_column_of_few_categories(tmp_path):
    text = "size,kind,weight\n" + "".join(f"{i * 0.3:.1f},{['pear', 'fig'][i % 2]},{100 + i * 7 % 41}\n"
                                          for i in range(40))
    ds = load(write(tmp_path, text))
    assert ds.preprocessing["target"]["columns"] == ["kind"]
    assert ds.report[2].startswith("Target: 'kind', suggested because it is the only column of few categories "
                                   "(2 different values)")


def test_else_the_last_column_and_it_says_why(tmp_path):
    text = "a,b\n" + "".join(f"{i * 0.37:.2f},{i * 1.3 + 0.1:.2f}\n" for i in range(30))
    ds = load(write(tmp_path, text))
    assert ds.preprocessing["target"]["columns"] == ["b"] and ds.task == "regression"
    assert ds.report[2].startswith("Target: 'b', suggested because it is the last column: no column is named like "
                                   "a target or holds few categories")


def test_a_chosen_target_is_not_second_guessed(tmp_path):
    ds = load(write(tmp_path, penguins()), target="island")
    assert ds.class_names == ["Biscoe", "Dream"]
    assert not any(line.startswith("Target: ") for line in ds.report)
    assert data_summary(ds)[0] == "Target: 'island', as you chose."


# ------------------------------------------------------------------------------------------- missing values

def test_missing_values_are_filled_with_an_indicator_by_default(tmp_path):
    text = penguins()
    ds = load(write(tmp_path, text))
    assert ds.num_samples == 60                                   # no row dropped
    bill, sex = (c for c in ds.preprocessing["columns"] if c["name"] in ("bill_length_mm", "sex"))
    assert bill["missing_indicator"] and sex["missing_indicator"] and sex["fill"] in ("f", "m")
    assert ds.preprocessing["missing"] == "impute"
    names = ds.preprocessing["feature_names"]
    assert "bill_length_mm was missing" in names and "sex was missing" in names
    assert ("Kept 10 rows with missing values: the gaps are filled in, numbers with the column's mean and categories "
            "with the most frequent one, and an input for each such column says where a value was missing (choose "
            "“drop rows” as the missing-value policy to leave such rows out).") in ds.report
    assert line_of(ds, "bill_length_mm").endswith(f"; 6 missing values filled with the mean ({bill['fill']:.4g}), "
                                                  "and an input says where a value was missing.")
    gap = names.index("bill_length_mm was missing")
    rows = [line.split(",") for line in text.splitlines()[1:]]
    assert ds.x[:, gap].tolist() == [1.0 if r[2] == "NA" else 0.0 for r in rows]
    assert np.array_equal(apply_preprocessing(ds.preprocessing, rows), ds.x)  # new rows as the import
    dropped = load(write(tmp_path, text), missing="drop")
    assert dropped.num_samples == 50 and not any(c.get("missing_indicator") for c in
                                                 dropped.preprocessing["columns"])


def test_preview_shows_a_filled_gap_as_the_empty_cell_it_was(tmp_path):
    from workbench.core.data import preview

    ds = load(write(tmp_path, penguins()))
    shown = preview(ds, "train", 60)
    bill = shown["columns"].index("bill_length_mm")
    gaps = {i for i in shown["indices"] if i % 10 == 4}
    assert gaps and all((row[bill] == "") == (i in gaps) for i, row in zip(shown["indices"], shown["rows"]))


# -------------------------------------------------------------------------------------------- declared kinds

def codes_table() -> str:
    """A code of a few numbers (a category, not a measure) and a score with many junk cells."""
    return "zip,score,label\n" + "".join(
        f"{[10, 3, 250][i % 3]},{'n/k' if i % 3 == 0 else 'ask' if i % 3 == 1 else i * 1.5},{'pq'[i % 2]}\n"
        for i in range(60))


def test_a_numeric_column_declared_categorical_keeps_the_files_texts(tmp_path):
    path = write(tmp_path, codes_table())
    auto = load(path)
    assert next(c for c in auto.preprocessing["columns"] if c["name"] == "zip")["type"] == "numeric"
    ds = load(path, kinds={"zip": "categorical"})
    zip_col = next(c for c in ds.preprocessing["columns"] if c["name"] == "zip")
    assert zip_col["type"] == "categorical" and zip_col["categories"] == ["10", "250", "3"]
    assert apply_preprocessing(ds.preprocessing, [{"zip": 3, "score": "1"}])[0, :3].tolist() == [0, 0, 1]
    assert "Read as you declared: 'zip' as categories." in data_summary(ds)


def test_an_encoding_of_a_numeric_column_in_the_project_file_is_honoured(tmp_path):
    ds = load(write(tmp_path, codes_table()), encodings={"zip": "one_hot"})
    zip_col = next(c for c in ds.preprocessing["columns"] if c["name"] == "zip")
    assert zip_col["type"] == "categorical" and zip_col["encoding"] == "one_hot"


def test_a_text_column_declared_numeric_reads_its_numbers(tmp_path):
    path = write(tmp_path, codes_table())
    auto = next(c for c in load(path).preprocessing["columns"] if c["name"] == "score")
    assert auto["type"] == "categorical"          # two thirds of its cells are text
    ds = load(path, kinds={"score": "numeric"})
    score = next(c for c in ds.preprocessing["columns"] if c["name"] == "score")
    assert score["type"] == "numeric" and score["missing_indicator"]
    assert "40 values that are not numbers ('n/k', 'ask'" in line_of(ds, "score")


def test_free_text_declared_categorical_is_used_as_categories(tmp_path):
    notes = [f"the parcel number {k} arrived late again" for k in range(30)]
    text = "note,w,label\n" + "".join(f"{notes[i % 30]},{i % 9},{'pq'[i % 2]}\n" for i in range(90))
    path = write(tmp_path, text)
    assert "left out because it looks like free text" in line_of(load(path), "note")
    ds = load(path, kinds={"note": "categorical"})
    assert line_of(ds, "note").startswith("Column 'note': 30 categories")


def test_an_unknown_declared_column_is_named(tmp_path):
    with pytest.raises(DataError, match=r"has no column 'nope'\. Its columns are: zip, score, label\.$"):
        load(write(tmp_path, codes_table()), kinds={"nope": "numeric"})


# ------------------------------------------------------------------------------------------------------ text

def test_repeated_sentences_are_text_not_categories(tmp_path):
    """2,000 rows drawn from 60 sentences: before, the column came out as 60 categories."""
    rng = np.random.default_rng(0)
    sentences = [f"the {a} was {b} but not {c}" for a in ("food", "room", "staff", "view", "bed")
                 for b in ("good", "bad", "fine", "great") for c in ("cheap", "quiet", "clean")]
    picks = rng.integers(0, len(sentences), 2000)
    text = "review,label\n" + "".join(f"{sentences[k]},{'pn'[k % 2]}\n" for k in picks)
    ds = load(write(tmp_path, text))
    assert ds.kind == "text" and ds.preprocessing["column"] == "review"


# ---------------------------------------------------------------------------------------------- the summary

def test_the_summary_has_a_line_per_decision(tmp_path):
    text = "id," + penguins().replace("\n", "\n0,", 60).rstrip("0,")
    lines = text.splitlines()
    text = "\n".join([lines[0]] + [f"{i + 1}{line[1:]}" for i, line in enumerate(lines[1:])]) + "\n"
    ds = load(write(tmp_path, text), ignore=["island"])
    assert data_summary(ds) == [
        "Target: 'species', suggested because its name says so (choose another target if this is not what the "
        "model should predict).",
        next(line for line in ds.report if line.startswith("Kept ")),
        "Left out 2 columns: 'id' (it looks like an identifier (a running number)), 'island' (as you chose).",
    ]


# ---------------------------------------------------------------------------------- PyArrow and the csv module

@pytest.mark.parametrize("text", [
    penguins(),
    codes_table(),
    'a,b,label\n1.5,"x, y",p\n2,"say ""hi""",q\n,z,p\n4,"two\nlines",q\n5,x,p\n6,z,q\n',
    "a;b;label\n" + "".join(f"{i},{'uv'[i % 2]};{i % 5};{'pq'[i % 2]}\n" for i in range(40)),
    "v,label\n" + "".join(f"{i * 0.5 if i < 500 else ['x', i][i % 2]},{'pq'[i % 2]}\n" for i in range(700)),
    "a,b,label\n" + "".join(f"{i},{'abc'[i % 3] * 20000},{'pq'[i % 2]}\n" for i in range(8)) +
    "".join(f'{i}, "q{i % 3}",{"pq"[i % 2]}\n' for i in range(300)),
], ids=["gaps", "codes", "quotes", "semicolons", "late-text", "spaced-quotes-after-the-start"])
def test_pyarrow_reads_the_same_table_as_the_csv_module(tmp_path, monkeypatch, text):
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)         # 256-row blocks: several of them
    path = write(tmp_path, text)
    arrow = load(path)
    monkeypatch.setattr(csv_reader, "arrow_can_read", lambda path, fmt: False)
    plain = load(path)
    assert arrow.report == plain.report and arrow.preprocessing == plain.preprocessing
    assert np.array_equal(arrow.x, plain.x) and np.array_equal(arrow.y, plain.y)


def numbers_then(late: str, row: int = 250) -> str:
    """Numbers in column v (and a category in w) with ``late`` in v at ``row``, far past a 200-byte sample."""
    return "v,w,label\n" + "".join(f"{late if i == row else i * 0.25},{'xyz'[i % 3]},{'pq'[i % 2]}\n"
                                    for i in range(300))


@pytest.mark.parametrize("late", ["unknown", " NA", "NaN", " nan(1)", "1_000", "1e400", " 2.5"])
def test_a_column_parsed_as_numbers_with_other_cells_later_gives_the_csv_modules_table(tmp_path, monkeypatch,
                                                                                       late):
    path = write(tmp_path, numbers_then(late))
    monkeypatch.setattr(csv_arrow, "SAMPLE_BYTES", 200)
    monkeypatch.setattr(csv_arrow, "BLOCK_BYTES", 1024)        # several batches before the cell
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)
    numeric = []
    arrow_blocks, csv_blocks = csv_reader.arrow_blocks, csv_reader._csv_blocks

    def blocks(path, fmt, use, rows, progress, numbers=frozenset()):
        numeric.append(sorted(numbers))
        return arrow_blocks(path, fmt, use, rows, progress, numbers)

    def no_csv_module(*args):
        raise AssertionError("PyArrow gave up")

    monkeypatch.setattr(csv_reader, "arrow_blocks", blocks)
    monkeypatch.setattr(csv_reader, "_csv_blocks", no_csv_module)
    arrow = load(path)
    assert numeric[0] == [0]                                   # the sample: v holds numbers
    read_again = late not in ("1e400", " 2.5")                 # PyArrow parses those as the cast would
    assert numeric[1:2] == ([[]] if read_again else [])
    monkeypatch.setattr(csv_reader, "_csv_blocks", csv_blocks)
    monkeypatch.setattr(csv_reader, "arrow_can_read", lambda path, fmt: False)
    plain = load(path)
    assert arrow.report == plain.report and arrow.preprocessing == plain.preprocessing
    assert np.array_equal(arrow.x, plain.x) and np.array_equal(arrow.y, plain.y)
    assert arrow.splits.keys() == plain.splits.keys()
    assert all(np.array_equal(arrow.splits[k], plain.splits[k]) for k in arrow.splits)


def test_late_text_in_many_columns_read_as_numbers_reads_the_file_three_times_at_most(tmp_path, monkeypatch):
    rows = "".join(",".join("late" if i == 250 + j else f"{i * 0.5 + j}" for j in range(5)) + f",{'pq'[i % 2]}\n"
                   for i in range(300))
    path = write(tmp_path, "a,b,c,d,e,label\n" + rows)
    monkeypatch.setattr(csv_arrow, "SAMPLE_BYTES", 200)
    monkeypatch.setattr(csv_arrow, "BLOCK_BYTES", 1024)
    numeric = []
    arrow_blocks = csv_reader.arrow_blocks

    def blocks(path, fmt, use, rows, progress, numbers=frozenset()):
        numeric.append(sorted(numbers))
        return arrow_blocks(path, fmt, use, rows, progress, numbers)

    monkeypatch.setattr(csv_reader, "arrow_blocks", blocks)
    arrow = load(path)
    assert numeric == [[0, 1, 2, 3, 4], [1, 2, 3, 4], []]  # not once per column: the third read parses none
    monkeypatch.setattr(csv_reader, "arrow_can_read", lambda path, fmt: False)
    plain = load(path)
    assert arrow.report == plain.report and arrow.preprocessing == plain.preprocessing
    assert np.array_equal(arrow.x, plain.x) and np.array_equal(arrow.y, plain.y)


def test_an_error_in_the_middle_of_a_read_stops_the_read_ahead_thread(tmp_path, monkeypatch):
    path = write(tmp_path, "v,w,label\n" + "".join(f"{i},x,{'pq'[i % 2]}\n" for i in range(3000)))
    monkeypatch.setattr(csv_arrow, "BLOCK_BYTES", 1024)         # many batches, a few read ahead
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)
    stopped_by_our_error(monkeypatch, path, 20)  # of 12 blocks x 3 columns


def stopped_by_our_error(monkeypatch, path: str, columns_read: int) -> None:
    """Our work on the blocks fails after ``columns_read`` column blocks: the import raises that error, and no
    reading thread outlives it."""
    calls = []
    add_arrow = csv_reader._ColumnParser.add_arrow

    def failing(self, cells, first_row):
        calls.append(first_row)
        if len(calls) == columns_read:
            raise DataError("stopped here")
        return add_arrow(self, cells, first_row)

    monkeypatch.setattr(csv_reader._ColumnParser, "add_arrow", failing)
    with pytest.raises(DataError, match="stopped here"):
        load(path)
    assert not [t for t in threading.enumerate() if t.name == "csv-read-ahead"]


def test_reading_in_the_callers_thread_gives_the_same_table(tmp_path, monkeypatch):
    path = write(tmp_path, numbers_then("unknown"))
    monkeypatch.setattr(csv_arrow, "BLOCK_BYTES", 1024)
    ahead = load(path)
    monkeypatch.setattr(csv_arrow, "READ_AHEAD", 0)
    serial = load(path)
    assert ahead.report == serial.report and np.array_equal(ahead.x, serial.x) and np.array_equal(ahead.y, serial.y)
