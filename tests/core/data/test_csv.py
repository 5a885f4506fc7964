"""CSV/TSV tables: format detection, column handling, missing values, encodings, report, text columns, streaming,
and the preprocessing round trip (new raw rows give exactly the imported x)."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
import torch

from workbench.core.data import DatasetSpec, apply_preprocessing, csv_reader, inverse_target, load_dataset, preview
from workbench.core.errors import DataError

SPLIT = {"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0, "stratify": True}


def write(tmp_path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def load(path: str, split=SPLIT, **options):
    return load_dataset(DatasetSpec(source="csv", path=path, options=options, split=dict(split)))


def people(n: int = 40, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        rows.append({"id": str(i + 1), "name": f"person {i:03d}x", "age": str(int(rng.integers(18, 80))),
                     "height": f"{rng.normal(170, 10):.1f}", "city": ["Oslo", "Lima", "Pune"][i % 3],
                     "label": ["cat", "dog"][int(rng.integers(0, 2)) if i > 1 else i]})
    return rows


def to_csv(rows: list[dict], delimiter: str = ",") -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=delimiter, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def test_mixed_table_report_and_shapes(tmp_path):
    rows = people()
    ds = load(write(tmp_path, to_csv(rows)))
    assert ds.name == "data.csv" and ds.task == "classification" and ds.class_names == ["cat", "dog"]
    assert ds.preprocessing["feature_names"] == ["age", "height", "city=Lima", "city=Oslo", "city=Pune"]
    assert ds.x.shape == (40, 5) and ds.x.dtype == np.float32 and ds.input_shape == (5,)
    assert ds.report[:3] == [
        "Delimiter: ',' (comma) (detected).",
        "The first row holds the column names.",
        "Target: 'label', suggested because its name says so (choose another target if this is not what the model "
        "should predict).",
    ]
    lines = {line.split("'")[1]: line for line in ds.report[3:]}
    assert lines["id"] == "Column 'id': left out because it looks like an identifier (a running number). " \
                          "Include it to use it."
    assert lines["name"] == "Column 'name': left out because it looks like an identifier (different text in " \
                            "every row). Include it to use it."
    age = ds.preprocessing["columns"][0]
    assert lines["age"] == f"Column 'age': numbers, standardised (mean {age['mean']:.4g}, spread {age['std']:.4g})."
    assert lines["city"] == "Column 'city': 3 categories (Lima, Oslo, Pune), one-hot encoded into 3 inputs."
    assert lines["label"] == "Column 'label': the target, 2 classes (cat, dog)."
    train_ages = np.array([float(rows[i]["age"]) for i in ds.splits["train"]])
    assert age["mean"] == pytest.approx(train_ages.mean()) and age["std"] == pytest.approx(train_ages.std())
    assert np.array_equal(ds.y, [0 if r["label"] == "cat" else 1 for r in rows])


def test_round_trip_with_raw_rows_dicts_and_full_rows(tmp_path):
    rows = people()
    ds = load(write(tmp_path, to_csv(rows)), missing="mean")
    assert np.array_equal(apply_preprocessing(ds.preprocessing, rows), ds.x)
    as_strings = np.array([list(r.values()) for r in rows])             # every column of the file
    assert np.array_equal(apply_preprocessing(ds.preprocessing, as_strings), ds.x)
    inputs_only = [[r["age"], r["height"], r["city"]] for r in rows]     # just the input columns, in order
    assert np.array_equal(apply_preprocessing(ds.preprocessing, inputs_only), ds.x)
    one = apply_preprocessing(ds.preprocessing, {"age": 30, "height": 170.0, "city": "Oslo"})
    assert one.shape == (1, 5) and one[0, 2:].tolist() == [0.0, 1.0, 0.0]
    unknown = apply_preprocessing(ds.preprocessing, {"age": None, "height": "", "city": "Rome"})
    assert unknown[0].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0]             # mean-filled, unseen city -> zeros
    with pytest.raises(DataError, match=r"^Row 1 has 2 values; expected 3 \(the input columns age, height, city\) "
                                        r"or 6 \(every column of the original file\)\.$"):
        apply_preprocessing(ds.preprocessing, [["1", "2"]])


@pytest.mark.parametrize(("delimiter", "name", "title"), [
    (";", "data.csv", "';' (semicolon)"), ("\t", "data.tsv", "a tab"), ("|", "data.txt", "'|' (bar)"),
])
def test_other_delimiters_are_detected(tmp_path, delimiter, name, title):
    ds = load(write(tmp_path, to_csv(people(), delimiter), name))
    assert ds.report[0] == f"Delimiter: {title} (detected)."
    assert ds.x.shape == (40, 5) and ds.preprocessing["read"]["delimiter"] == delimiter


def test_chosen_delimiter_and_quotes(tmp_path):
    text = 'a;b;"c;d"\n"1,5";x;y\n2;"q;r";y\n3;x;z\n4;"a ""b""";z\n5;x;y\n6;x;z\n'
    ds = load(write(tmp_path, text), delimiter=";", target="c;d", ignore=["a"],
              split={"train": 1.0, "val": 0.0, "test": 0.0, "seed": 0, "stratify": True})
    assert ds.report[0] == "The first row holds the column names."
    assert ds.preprocessing["columns"][0]["categories"] == ['a "b"', "q;r", "x"]
    assert ds.class_names == ["y", "z"]


def test_crlf_bom_multiline_cells_and_spaces(tmp_path):
    path = tmp_path / "data.csv"
    body = "".join(f'{i % 5},"line one\r\nline {i % 2}",{"ab"[i % 2]}\r\n' for i in range(20))
    path.write_bytes(("\ufeffx,note,y\r\n" + body).encode("utf-8"))
    ds = load(str(path))
    assert ds.preprocessing["source_columns"] == ["x", "note", "y"]
    assert ds.preprocessing["columns"][1]["categories"] == ["line one\r\nline 0", "line one\r\nline 1"]
    spaced = load(write(tmp_path, "a  b  y\n" + "".join(f"{i % 4}  {i % 3}  {'pq'[i % 2]}\n" for i in range(20)),
                        "spaced.txt"))
    assert spaced.report[0] == "Delimiter: a space (detected)."
    assert spaced.preprocessing["feature_names"] == ["a", "b"]


def test_no_header_is_detected_and_columns_numbered(tmp_path):
    ds = load(write(tmp_path, "".join(f"{i % 7},{i * 0.5},{'ab'[i % 2]}\n" for i in range(30))))
    assert "The file has no header row; the columns are numbered." in ds.report
    assert [c["name"] for c in ds.preprocessing["columns"]] == ["column 1", "column 2"]
    assert ds.class_names == ["a", "b"]
    assert ds.preprocessing["target"]["columns"] == ["column 3"]


def test_header_of_text_columns_is_detected(tmp_path):
    body = "".join(f"{'xy'[i % 2]},{'uvw'[i % 3]},{'pq'[(i // 2) % 2]}\n" for i in range(30))
    ds = load(write(tmp_path, "colour,shape,kind\n" + body))
    assert "The first row holds the column names." in ds.report
    assert ds.preprocessing["target"]["columns"] == ["kind"]
    ds2 = load(write(tmp_path, "colour,shape,kind\n" + body), header=False)
    assert ds2.num_samples == 31


def test_missing_value_policies(tmp_path):
    text = "x,c,y\n1,a,p\n,b,q\n3,,p\n4,a,q\nNA,a,p\n6,b,q\n7,a,p\n8,b,q\n9,a,p\n10,b,q\n"
    dropped = load(write(tmp_path, text), missing="drop", split={**SPLIT, "train": 0.8, "val": 0.1, "test": 0.1})
    assert dropped.num_samples == 7
    assert "Dropped 3 rows with missing values (missing-value policy: drop rows)." in dropped.report
    mean = load(write(tmp_path, text), missing="mean", split={**SPLIT, "train": 0.8, "val": 0.1, "test": 0.1})
    assert mean.num_samples == 10
    col_x, col_c = mean.preprocessing["columns"]
    train = mean.splits["train"]
    values = np.array([1, np.nan, 3, 4, np.nan, 6, 7, 8, 9, 10])
    assert col_x["fill"] == pytest.approx(np.nanmean(values[train]))
    assert col_x["fill"] == col_x["mean"]
    assert col_c["fill"] == "a"
    line = next(r for r in mean.report if r.startswith("Column 'x'"))
    assert line.endswith(f"; 2 missing values filled with the mean ({col_x['fill']:.4g}).")
    assert next(r for r in mean.report if r.startswith("Column 'c'")).endswith(
        "; 1 missing value filled with the most frequent value ('a').")
    frequent = load(write(tmp_path, text), missing="most_frequent",
                    split={**SPLIT, "train": 0.8, "val": 0.1, "test": 0.1})
    col_x = frequent.preprocessing["columns"][0]
    present = values[frequent.splits["train"]]
    present = present[~np.isnan(present)]
    assert col_x["fill"] == present.min()         # every value once: the smallest wins the tie
    assert np.array_equal(apply_preprocessing(frequent.preprocessing, [r.split(",")[:2] for r in
                                                                       text.splitlines()[1:]]), frequent.x)


def test_rows_without_target_are_dropped(tmp_path):
    text = "x,y\n" + "".join(f"{i % 7},{'' if i % 5 == 0 else 'ab'[i % 2]}\n" for i in range(20))
    ds = load(write(tmp_path, text), missing="mean")
    assert ds.num_samples == 16
    assert "Dropped 4 rows without a target value." in ds.report


def test_index_encoding_and_per_column_override(tmp_path):
    text = "a,b,y\n" + "".join(f"{'pqr'[i % 3]},{'st'[i % 2]},{'uv'[(i // 3) % 2]}\n" for i in range(24))
    ds = load(write(tmp_path, text), categorical="index", encodings={"b": "one_hot"})
    a, b = ds.preprocessing["columns"]
    assert (a["encoding"], b["encoding"]) == ("index", "one_hot")
    assert ds.preprocessing["feature_names"] == ["a", "b=s", "b=t"]
    codes = np.array([i % 3 for i in range(24)], dtype=np.float64)
    train = codes[ds.splits["train"]]
    assert a["mean"] == pytest.approx(train.mean()) and a["std"] == pytest.approx(train.std())
    assert np.allclose(ds.x[:, 0], (codes - a["mean"]) / a["std"], atol=1e-6)
    line = next(r for r in ds.report if r.startswith("Column 'a'"))
    assert line == "Column 'a': 3 categories (p, q, r), encoded as one number (the category's index)."


def test_many_categories_switch_to_index_encoding(tmp_path):
    text = "a,y\n" + "".join(f"k{i % 60},{'uv'[i % 2]}\n" for i in range(240))
    ds = load(write(tmp_path, text))
    assert ds.preprocessing["columns"][0]["encoding"] == "index"
    assert next(r for r in ds.report if r.startswith("Column 'a'")).endswith(
        "encoded as one number (the category's index), as they are more than 50.")


def test_include_ignore_and_constant_columns(tmp_path):
    rows = people(30)
    for r in rows:
        r["const"] = "same"
    path = write(tmp_path, to_csv(rows))
    ds = load(path, include=["id"], ignore=["height"], target="label")
    assert ds.preprocessing["feature_names"][:2] == ["id", "age"]
    assert "Column 'height': left out, as you chose." in ds.report
    assert "Column 'const': left out because it has the same value ('same') in every row. Include it to use it." \
        in ds.report
    assert ds.preprocessing["source_columns"] == ["id", "name", "age", "height", "city", "label", "const"]


def test_default_target_skips_ignored_and_text_columns(tmp_path):
    text = "a,y,note\n" + "".join(f"{i % 4},{'pq'[i % 2]},word {i} and more words\n" for i in range(20))
    ds = load(write(tmp_path, text), ignore=["note"])
    assert ds.class_names == ["p", "q"]
    assert ds.report[2] == ("Target: 'y', suggested because its name says so (choose another target if this is not "
                            "what the model should predict).")
    tokens = load(write(tmp_path, text), text={"column": "note"})
    assert tokens.kind == "text" and tokens.preprocessing["target"]["columns"] == ["y"]


def test_target_choice_and_numeric_classes(tmp_path):
    text = "a,b,grade\n" + "".join(f"{i},{i * i % 7},{i % 3 + 1}\n" for i in range(1, 31))
    ds = load(write(tmp_path, text), target="grade", include=["a"])
    assert ds.task == "classification" and ds.class_names == ["1", "2", "3"]
    assert "Column 'grade' holds 3 different whole numbers, so the task is classification (choose regression to " \
           "predict the numbers themselves)." in ds.report
    reg = load(write(tmp_path, text), target="grade", task="regression")
    assert reg.task == "regression" and reg.output_size == 1


def test_regression_and_several_targets(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 2))
    text = "x1,x2,t1,t2\n" + "".join(f"{a:.5f},{b:.5f},{a * 3 + 100:.5f},{b - 7:.5f}\n" for a, b in x)
    single = load(write(tmp_path, text), target="t1", ignore=["t2"])
    assert single.task == "regression" and single.y.shape == (50,)
    assert np.allclose(inverse_target(single.preprocessing, single.y), x[:, 0] * 3 + 100, atol=1e-3)
    both = load(write(tmp_path, text), target=["t1", "t2"])
    assert both.y.shape == (50, 2) and both.output_size == 2 and both.y.dtype == np.float32
    assert np.allclose(inverse_target(both.preprocessing, both.y), np.stack([x[:, 0] * 3 + 100, x[:, 1] - 7], 1),
                       atol=1e-3)
    assert both.preprocessing["target"]["columns"] == ["t1", "t2"]
    with pytest.raises(DataError, match="^A classifier predicts a single column; choose one target column, or "
                                        "choose regression to predict several numbers.$"):
        load(write(tmp_path, text), target=["t1", "t2"], task="classification")
    raw = load(write(tmp_path, text), target="t1", ignore=["t2"], scale_target=False)
    assert np.allclose(raw.y, x[:, 0] * 3 + 100, atol=1e-4)


def test_numeric_column_with_a_few_text_values(tmp_path):
    text = "x,y\n" + "".join(f"{'unknown' if i == 7 else i * 1.5},{'ab'[i % 2]}\n" for i in range(60))
    ds = load(write(tmp_path, text), missing="mean")
    line = next(r for r in ds.report if r.startswith("Column 'x'"))
    assert line.endswith("; 1 value that is not a number ('unknown', row 9) read as missing; 1 missing value filled "
                         f"with the mean ({ds.preprocessing['columns'][0]['fill']:.4g}).")
    assert ds.preprocessing["columns"][0]["type"] == "numeric"


def test_mixed_column_mostly_text_is_categorical(tmp_path):
    sizes = ["S", "M", "L", "10", "12"]
    text = "size,y\n" + "".join(f"{sizes[i % 5]},{'ab'[i % 2]}\n" for i in range(50))
    ds = load(write(tmp_path, text))
    assert ds.preprocessing["columns"][0]["categories"] == ["10", "12", "L", "M", "S"]


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 20)     # blocks of 256 rows at least: use long files


def test_streaming_blocks_give_the_same_result(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    n = 1500
    cities = ["Oslo", "Lima", "Pune", ""]
    lines = ["num,late,city,y"]
    for i in range(n):
        late = ["36", "38", "40"][i % 3] if i < 900 else ["S", "M", "L"][i % 3]   # sizes; text after block 3
        lines.append(f"{rng.normal():.6f},{late},{cities[i % 4]},{'ab'[int(rng.integers(0, 2))]}")
    path = write(tmp_path, "\n".join(lines) + "\n")
    whole = load(path, missing="most_frequent")
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)      # 256-row blocks
    chunked = load(path, missing="most_frequent")
    assert np.array_equal(whole.x, chunked.x) and np.array_equal(whole.y, chunked.y)
    assert whole.preprocessing == chunked.preprocessing and whole.report == chunked.report
    late = chunked.preprocessing["columns"][1]
    assert late["type"] == "categorical" and late["categories"] == ["36", "38", "40", "L", "M", "S"]
    assert np.array_equal(apply_preprocessing(chunked.preprocessing, [l.split(",") for l in lines[1:]]),
                          chunked.x)


def test_progress_and_cancel(tmp_path, monkeypatch):
    from workbench.core.errors import CancelledError

    path = write(tmp_path, "a,b,y\n" + "".join(f"{i % 13},{i % 7},{'ab'[i % 2]}\n" for i in range(3000)))
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)
    seen = []
    load_dataset(DatasetSpec(source="csv", path=path), progress=lambda f, m: seen.append((f, m)))
    assert seen[0] == (0.0, "Reading data.csv") and seen[-1] == (1.0, "Loaded 3,000 samples.")
    assert all(b[0] >= a[0] for a, b in zip(seen, seen[1:]))
    with pytest.raises(CancelledError, match="^The import was cancelled.$"):
        load_dataset(DatasetSpec(source="csv", path=path), should_cancel=lambda: True)


def test_latin1_file(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("name,y\n".encode() + "".join(f"{'café' if i % 2 else 'thé'},{'ab'[i % 2]}\n"
                                                   for i in range(20)).encode("latin-1"))
    ds = load(str(path))
    assert "The file is not UTF-8 text; it was read as Latin-1." in ds.report
    assert ds.preprocessing["columns"][0]["categories"] == ["café", "thé"]
    assert ds.preprocessing["read"]["encoding"] == "latin-1"


def test_text_column_words(tmp_path):
    texts = ["The cat sat.", "A dog ran far away", "the cat ran", "dogs bark", "cats, dogs and birds",
             "hello world", "", "one two three four five six seven"] * 5
    text = "text,y\n" + "".join(f'"{t}",{"ab"[i % 2]}\n' for i, t in enumerate(texts))
    ds = load(write(tmp_path, text), text={"column": "text", "max_len": 5, "max_vocab": 12})
    pre = ds.preprocessing
    assert (pre["kind"], pre["mode"], pre["max_len"], pre["pad_id"], pre["unk_id"]) == ("text", "words", 5, 0, 1)
    assert len(pre["vocab"]) == 12 and pre["vocab"][:2] == ["<pad>", "<unk>"]
    assert (ds.x.dtype, ds.x.shape, ds.input_shape, ds.input_dtype, ds.vocab_size) == (np.int64, (40, 5), (5,),
                                                                                        "int", 12)
    x, _ = ds.tensors("train")
    assert x.dtype == torch.int64
    # vocabulary from the training rows only
    from collections import Counter

    from workbench.core.data.text import tokenize

    counts = Counter(t for i in ds.splits["train"] for t in tokenize(texts[i], "words"))
    expected = [t for t, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))][:10]
    assert pre["vocab"][2:] == expected
    assert np.array_equal(apply_preprocessing(pre, texts), ds.x)
    assert apply_preprocessing(pre, "the the the the the the")[0].tolist() == [pre["vocab"].index("the")] * 5
    assert apply_preprocessing(pre, "")[0].tolist() == [0] * 5
    assert ds.report[-2].startswith("Column 'text': the input, text split into words; a vocabulary of 12 tokens")
    assert "; 5 texts were longer and cut; 5 empty." in ds.report[-2]
    pv = preview(ds, "train", n=4)
    assert len(pv["texts"]) == 4 and pv["stats"][0]["name"] == "tokens per text"


def test_text_column_chars_and_auto_length(tmp_path):
    texts = ["abc", "abcd", "ab", "zzzzzzzz"] * 10
    text = "t,y\n" + "".join(f"{t},{'ab'[i % 2]}\n" for i, t in enumerate(texts))
    ds = load(write(tmp_path, text), text={"column": "t", "mode": "chars", "lowercase": False})
    lengths = np.array([len(texts[i]) for i in ds.splits["train"]])
    assert ds.preprocessing["max_len"] == int(np.percentile(lengths, 95))
    assert "(the length of 95% of the training texts)" in ds.report[-2]
    assert np.array_equal(apply_preprocessing(ds.preprocessing, texts), ds.x)


def test_free_text_alone_is_tokenised_automatically(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    words = ["good", "bad", "movie", "plot", "actor", "great", "boring", "fun"]
    rows = [" ".join(rng.choice(words, 6)) + f" {i}" for i in range(600)]
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)
    ds = load(write(tmp_path, "review,stars\n" + "".join(f"{r},{i % 2}\n" for i, r in enumerate(rows))))
    assert ds.kind == "text" and ds.x.shape[0] == 600
    assert "Column 'review' holds free text and is the only input, so it is split into words (choose the text " \
           "settings to change this)." in ds.report
    assert np.array_equal(apply_preprocessing(ds.preprocessing, rows), ds.x)


def test_table_preview_shows_original_units(tmp_path):
    rows = people()
    ds = load(write(tmp_path, to_csv(rows)))
    pv = preview(ds, "train", n=6)
    assert pv["columns"] == ["age", "height", "city"]
    for index, row in zip(pv["indices"], pv["rows"]):
        assert row[0] == pytest.approx(float(rows[index]["age"]), abs=1e-4)
        assert row[2] == rows[index]["city"]
    assert pv["labels"] == [rows[i]["label"] for i in pv["indices"]]
    assert pv["labels"][:2] == ["cat", "dog"]                       # classes take turns
    age = [r for r in pv["stats"] if r["name"] == "age"][0]
    ages = np.array([float(rows[i]["age"]) for i in ds.splits["train"]])
    assert age["mean"] == pytest.approx(ages.mean(), rel=1e-5) and age["max"] == pytest.approx(ages.max())
    assert pv["class_counts"]["names"] == ["cat", "dog"]
    assert sum(pv["class_counts"]["train"]) == len(ds.splits["train"])
