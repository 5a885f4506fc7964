"""The exported predict.py on input it cannot use: bad table cells are reported by row, column and value and the run
stops (or skips the row, as asked); a bad image among good ones is reported and the others predicted; a long CSV is
streamed in bounded memory; a decompression bomb is refused before decoding. Run as a user runs it, in its own
process, with only onnxruntime, numpy and Pillow."""

from __future__ import annotations

import ast
import sys

import pytest
from hostile_inputs import export_folder, image_export, png_bytes, run_predict, small_png, table_export, tree_digest


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    folder, pre = table_export(tmp_path_factory.mktemp("table"))
    return folder


@pytest.fixture(scope="module")
def size_column(table):
    """The 'size' column of the exported model's preprocessing (its training mean and spread)."""
    import onnx

    from workbench.core.export.metadata import read_metadata

    pre = read_metadata(onnx.load(str(table / "model.onnx")))["preprocessing"]
    return next(c for c in pre["columns"] if c["name"] == "size")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return image_export(tmp_path_factory.mktemp("images") / "export")


def write_csv(folder, name, lines):
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


BAD_ROWS = ["size,colour,label",
            "3.5,red,a",                # row 2
            "abc,red,a",                # row 3: text in a number column
            "2.5,purple,b",             # row 4: a colour never seen in training
            "inf,green,a",              # row 5
            "1e308,blue,b",             # row 6
            "4.5,blue",                 # row 7: a value short
            ",,",                       # row 8: missing cells are filled as in training
            "1.5,green,b"]              # row 9



def reported(path, size: dict) -> list[str]:
    return [f"{path} row 3, column 'size': 'abc' is not a number.",
            f"{path} row 4, column 'colour': 'purple' is not one of the categories the model was trained on (blue, "
            "green, red).",
            f"{path} row 5, column 'size': 'inf' is not a finite number.",
            f"{path} row 6, column 'size': '1e308' is far outside the values the model was trained on (mean "
            f"{size['mean']:.4g}, spread {size['std']:.4g})."]


def test_bad_cells_stop_the_run_by_default_after_the_good_rows_before(table, size_column, tmp_path):
    path = write_csv(tmp_path, "new.csv", BAD_ROWS)
    before = tree_digest(tmp_path)
    done = run_predict(table, path)
    assert done.returncode == 3
    assert len(done.stdout.splitlines()) == 1 and done.stdout.strip() in ("a", "b")
    assert done.stderr.splitlines() == [reported(path, size_column)[0],
                                        f"error: stopped at {path} row 3 because of the bad value above; the rows "
                                        "before it were predicted. Correct it, or run with --bad-values skip to "
                                        "predict the other rows."]
    assert tree_digest(tmp_path) == before


def test_skip_reports_every_bad_cell_and_keeps_the_lines_in_step(table, size_column, tmp_path):
    path = write_csv(tmp_path, "new.csv", BAD_ROWS)
    done = run_predict(table, path, "--bad-values", "skip", "--batch", "3")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")[:-1]
    assert len(lines) == 8                                    # one line per data row
    assert [bool(line) for line in lines] == [True, False, False, False, False, False, True, True]
    expected = []
    for row, line in zip((3, 4, 5, 6), reported(path, size_column)):
        expected += [line, f"{path} row {row}: skipped."]
    expected[8:8] = [f"{path} row 7: 2 values, but 3 columns are expected.", f"{path} row 7: skipped."]
    assert done.stderr.splitlines() == expected


def test_good_rows_print_nothing_on_stderr(table, tmp_path):
    path = write_csv(tmp_path, "good.csv", ["colour,size", "red,3.5", "n/a,", " blue , 2 "])
    done = run_predict(table, path)
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout.splitlines()) == 3


def test_a_header_with_repeated_names_reads_as_the_import_read_it(tmp_path):
    from workbench.core.data import DatasetSpec, load_dataset

    train = write_csv(tmp_path, "train.csv", ["x,x,label"] + [f"{i % 5},{i % 3},{'ab'[i % 2]}" for i in range(30)])
    pre = load_dataset(DatasetSpec(source="csv", path=str(train))).preprocessing
    assert [c["name"] for c in pre["columns"]] == ["x", "x (2)"]
    folder = export_folder(tmp_path / "export", pre, "classification", ["a", "b"], (2,), 2)
    done = run_predict(folder, write_csv(tmp_path, "new.csv", ["x,x", "1,2", "3,0"]))
    assert (done.returncode, done.stderr) == (0, "")
    assert len(done.stdout.splitlines()) == 2


# --------------------------------------------------------------------------------------------------- images

def test_one_bad_image_does_not_stop_the_others(images, tmp_path):
    small_png(tmp_path / "good1.png", 10)
    small_png(tmp_path / "good2.png", 90)
    (tmp_path / "bomb.png").write_bytes(png_bytes(20_000, 20_000))       # Pillow refuses it with an exception
    (tmp_path / "huge.png").write_bytes(png_bytes(10_000, 10_000))       # Pillow only warns about it
    (tmp_path / "broken.png").write_bytes(b"not an image")
    (tmp_path / "notes.txt").write_text("hello")
    names = ["good1.png", "bomb.png", "huge.png", "broken.png", "missing.png", "notes.txt", "good2.png"]
    before = tree_digest(tmp_path)
    done = run_predict(images, *(tmp_path / n for n in names), "--batch", "2")
    assert done.returncode == 2
    lines = done.stdout.split("\n")[:-1]
    assert [bool(line) for line in lines] == [True, False, False, False, False, False, True]
    assert set(lines) <= {"", "cats", "dogs"}
    assert done.stderr.splitlines() == [
        f"error: {tmp_path / 'bomb.png'}: too large to read (400 million pixels; the limit is 89.5 million).",
        f"error: {tmp_path / 'huge.png'}: too large to read (100 million pixels; the limit is 89.5 million).",
        f"error: {tmp_path / 'broken.png'}: not an image file Pillow can read.",
        f"error: {tmp_path / 'missing.png'}: no such file.",
        f"error: {tmp_path / 'notes.txt'}: not an image file (this model takes png, jpg, bmp, gif or webp files).",
    ]
    assert tree_digest(tmp_path) == before


def test_the_script_needs_nothing_but_onnxruntime_numpy_and_pillow(table):
    tree = ast.parse((table / "predict.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported - set(sys.stdlib_module_names) == {"numpy", "onnxruntime", "PIL"}


def test_the_help_and_the_model_card_document_the_same_flag(table):
    from workbench.core.export.model_card import PREDICT_NOTES

    shown = run_predict(table, "--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "--bad-values {stop,skip}" in text and "'stop' (the default)" in text
    assert "`--bad-values stop`" in PREDICT_NOTES[0] and "`--bad-values skip`" in PREDICT_NOTES[0]


def test_an_unreadable_file_among_several_is_named_and_the_others_predicted(table, tmp_path):
    good = write_csv(tmp_path, "good.csv", ["size,colour", "3.5,red"])
    done = run_predict(table, tmp_path / "missing.csv", good)
    assert done.returncode == 2 and len(done.stdout.splitlines()) == 1
    assert done.stderr == f"error: {tmp_path / 'missing.csv'}: no such file.\n"
