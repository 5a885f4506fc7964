"""Every bad input from issue 3, message by message: a clear DataError, and the spec left as it was."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from PIL import Image

from workbench.core.data import DatasetSpec, csv_loader, load_dataset, progress
from workbench.core.errors import DataError

SPLIT = {"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0, "stratify": True}


def expect(spec: DatasetSpec, message: str, base_dir=None, exact: bool = True, **kw) -> None:
    before = copy.deepcopy(spec.to_dict())
    with pytest.raises(DataError) as info:
        load_dataset(spec, base_dir=base_dir, **kw)
    if exact:
        assert str(info.value) == message
    else:
        assert str(info.value).startswith(message), str(info.value)
    assert spec.to_dict() == before                      # nothing changed


def csv_spec(tmp_path, content, name="x.csv", **options) -> DatasetSpec:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return DatasetSpec(source="csv", path=str(path), options=options, split=dict(SPLIT))


def table(n=20, label=lambda i: "ab"[i % 2]):
    return "a,b,label\n" + "".join(f"{i % 5},{i * 7 % 11},{label(i)}\n" for i in range(n))


# ------------------------------------------------------------------------------------------- tables

@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_file(tmp_path, content):
    expect(csv_spec(tmp_path, content), "The file 'x.csv' is empty.")


def test_missing_file(tmp_path):
    expect(DatasetSpec(source="csv", path="nope.csv"), f"The file {str(tmp_path / 'nope.csv')!r} does not exist.",
           base_dir=tmp_path)


def test_binary_file_is_not_a_table(tmp_path):
    png = tmp_path / "img.png"
    Image.new("L", (4, 4)).save(png)
    expect(csv_spec(tmp_path, png.read_bytes()),
           "The file 'x.csv' is not a table: it holds binary data, not text. Choose a CSV or TSV file.")


def test_prose_is_not_a_table(tmp_path):
    expect(csv_spec(tmp_path, "Dear reader\nthis is a letter\nnot a table\n"),
           "The file 'x.csv' is not a table: no delimiter (comma, semicolon, tab or |) splits its lines into "
           "columns.")


def test_ragged_rows(tmp_path):
    expect(csv_spec(tmp_path, "a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n"),
           "The file 'x.csv' is not a consistent table: row 3 has 4 fields, but the header has 3. Check the "
           "delimiter (now ',' (comma)).")


def test_wrong_delimiter_every_row_one_column(tmp_path):
    expect(csv_spec(tmp_path, table(), delimiter=";"),
           "With the delimiter ';' (semicolon), every row of 'x.csv' is a single column; the file seems to use ',' "
           "(comma). Choose that delimiter or leave it on automatic.")


def test_wrong_delimiter_splitting_most_rows(tmp_path):
    content = "a;b;c\n" + "".join(f"{i},5;{i};{'xy'[i % 2]}\n" for i in range(10))
    expect(csv_spec(tmp_path, content, delimiter=","),
           "The file 'x.csv' is not a table: the header has 1 fields but most rows have 2. The file seems to use "
           "';' (semicolon) as the delimiter, not ',' (comma).")


def test_wrong_delimiter_found_at_a_later_row(tmp_path):
    content = "".join(f"{i},5;{i};{'xy'[i % 2]}\n" for i in range(10)) + "7;8;x\n"
    expect(csv_spec(tmp_path, content, delimiter=",", header=False),
           "The file 'x.csv' is not a consistent table: row 11 has 1 field, but the first row has 2. The file seems "
           "to use ';' (semicolon) as the delimiter, not ',' (comma).")


def test_header_only(tmp_path):
    expect(csv_spec(tmp_path, "a,b,label\n"), "The file 'x.csv' has a header row but no data rows.")


def test_unknown_columns(tmp_path):
    expect(csv_spec(tmp_path, table(), target="lable"),
           "The file 'x.csv' has no column 'lable'. Its columns are: a, b, label.")
    expect(csv_spec(tmp_path, table(), ignore=["c"]),
           "The file 'x.csv' has no column 'c'. Its columns are: a, b, label.")
    expect(csv_spec(tmp_path, table(), target="a", ignore=["a"]),
           "Column 'a' is the target, so it cannot be left out.")


def test_target_with_a_single_class(tmp_path):
    expect(csv_spec(tmp_path, table(label=lambda i: "a")),
           "Column 'label' has a single class ('a'); a classifier needs at least two.")


def test_single_class_after_dropping_missing_targets(tmp_path):
    expect(csv_spec(tmp_path, table(label=lambda i: "a" if i % 2 else "")),
           "Column 'label' has a single class ('a'); a classifier needs at least two.")


def test_non_numeric_target_for_regression(tmp_path):
    expect(csv_spec(tmp_path, table(label=lambda i: ["low", "high"][i % 2]), task="regression"),
           "Column 'label' holds text ('low'), not numbers, so it cannot be a regression target. Choose "
           "classification, or another column as the target.")


def test_empty_target_column(tmp_path):
    expect(csv_spec(tmp_path, table(label=lambda i: "")), "The target column 'label' is empty.")


def test_too_many_classes(tmp_path):
    content = "a,b\n" + "".join(f"{i % 3},{i}.5\n" for i in range(1200))
    expect(csv_spec(tmp_path, content, task="classification", target="b"),
           "Column 'b' has 1200 different values: too many classes (at most 1000). Choose regression to predict "
           "the numbers.")


def test_target_with_too_many_distinct_texts(tmp_path, monkeypatch):
    from workbench.core.data import csv_reader

    monkeypatch.setattr(csv_reader, "MAX_CATEGORIES", 50)
    content = "a,label\n" + "".join(f"{i % 3},name{i}\n" for i in range(80))
    expect(csv_spec(tmp_path, content),
           "Column 'label' has 80 or more different values: too many classes. Is it the right target column?")


def test_fewer_samples_than_the_split_needs(tmp_path):
    expect(csv_spec(tmp_path, "a,label\n1,x\n2,y\n"),
           "The data has 2 samples, but a training / validation / test split needs at least 3 (one for each part). "
           "Add data or set the other parts to 0.")


def test_training_split_smaller_than_the_classes(tmp_path):
    expect(csv_spec(tmp_path, "a,label\n1,x\n2,y\n1,z\n2,x\n1,w\n"),
           "The training split has 3 samples, fewer than the 4 classes, so some classes could not be learned. Add "
           "data or give training a larger share.")


def test_rare_class_outside_training_without_stratification(tmp_path):
    spec = csv_spec(tmp_path, "a,label\n" + "".join(f"{i % 3},{'y' if i == 9 else 'x'}\n" for i in range(10)))
    spec.split["stratify"] = False
    expect(spec, "Class 'y' is not in the training split (it has too few samples); give it more samples or turn on "
                 "stratified splitting.")


def test_every_row_dropped_for_missing_values(tmp_path):
    content = "a,b,label\n" + "".join(f"{'' if i % 2 else i % 3},{i % 4 if i % 2 else ''},{'xy'[i % 2]}\n"
                                       for i in range(8))
    expect(csv_spec(tmp_path, content, missing="drop"),
           "No rows are left after dropping the rows with missing values; choose another missing-value policy or "
           "leave out the emptiest columns.")


def test_no_usable_columns(tmp_path):
    content = "id,label\n" + "".join(f"{i + 1},{'xy'[i % 2]}\n" for i in range(10))
    expect(csv_spec(tmp_path, content),
           "The file 'x.csv' has no columns left to learn from: every column is the target, left out, or looks "
           "like an identifier. Include a column to use it.")


def test_text_column_errors(tmp_path):
    expect(csv_spec(tmp_path, table(), target="label", text={"column": "label"}),
           "Column 'label' is the target, so it cannot also be the text input.")
    expect(csv_spec(tmp_path, table(), text={"column": "words"}),
           "The file 'x.csv' has no column 'words'. Its columns are: a, b, label.")


def test_file_vanishing_mid_import(tmp_path, monkeypatch):
    spec = csv_spec(tmp_path, table())
    real = csv_loader.detect_format

    def detect_then_vanish(path, *args):
        found = real(path, *args)
        path.unlink()
        return found

    monkeypatch.setattr(csv_loader, "detect_format", detect_then_vanish)
    expect(spec, "The file 'x.csv' disappeared during the import; put it back and import again.")


def test_file_changing_between_passes(tmp_path, monkeypatch):
    from workbench.core.data import csv_reader

    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)
    rows = [f"{i % 7},{'SML'[i % 3] if i >= 600 else 36 + i % 3 * 2},{'xy'[i % 2]}" for i in range(900)]  # sizes
    path = tmp_path / "x.csv"
    path.write_text("a,mixed,label\n" + "\n".join(rows) + "\n")
    real = csv_loader.read_columns
    calls = []

    def shrink_after_first_pass(*args, **kwargs):
        if calls:
            path.write_text("a,mixed,label\n" + "\n".join(rows[:500]) + "\n")
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(csv_loader, "read_columns", shrink_after_first_pass)
    expect(DatasetSpec(source="csv", path=str(path)),
           "The file 'x.csv' changed during the import; import it again.")
    assert len(calls) == 2


def test_bad_settings_are_a_data_error(tmp_path):
    expect(DatasetSpec(source="csv", path="x.csv", split={"train": 2.0}),
           "The dataset settings are not valid: dataset.split.train: must be a number from 0 to 1 (got 2.0).")


# ------------------------------------------------------------------------------------------- images

def folder(tmp_path, classes, per_class=3, name="pics"):
    root = tmp_path / name
    root.mkdir()
    for c in classes:
        (root / c).mkdir()
        for i in range(per_class):
            Image.new("L", (4, 4), i * 40).save(root / c / f"{i}.png")
    return root


def image_spec(root) -> DatasetSpec:
    return DatasetSpec(source="images", path=str(root), split=dict(SPLIT))


def test_folder_missing(tmp_path):
    expect(image_spec(tmp_path / "none"), f"The folder {str(tmp_path / 'none')!r} does not exist.")


def test_folder_with_no_images(tmp_path):
    root = tmp_path / "pics"
    (root / "a").mkdir(parents=True)
    (root / "a" / "readme.txt").write_text("x")
    expect(image_spec(root), "The folder 'pics' holds no images (png, jpg, bmp, gif or webp) in its sub-folders.")


def test_images_without_class_folders(tmp_path):
    root = tmp_path / "pics"
    root.mkdir()
    Image.new("L", (4, 4)).save(root / "one.png")
    expect(image_spec(root), "The folder 'pics' holds images but no sub-folders. Put the images of each class in a "
                             "sub-folder named after the class, e.g. 'pics/cats/one.png'.")


def test_folder_with_a_single_class(tmp_path):
    expect(image_spec(folder(tmp_path, ["cats"])),
           "The folder 'pics' holds a single class ('cats'); a classifier needs at least two sub-folders of images, "
           "one per class.")


def test_only_one_class_readable(tmp_path):
    root = folder(tmp_path, ["cats", "dogs"])
    for f in (root / "dogs").iterdir():
        f.write_bytes(b"broken")
    expect(image_spec(root), "Only the class 'cats' has readable images; a classifier needs at least two.")


def test_no_image_readable(tmp_path):
    root = folder(tmp_path, ["cats", "dogs"])
    for f in root.rglob("*.png"):
        f.write_bytes(b"broken")
    expect(image_spec(root), "None of the 6 images in 'pics' could be read.")


def test_too_few_images_for_the_split(tmp_path):
    expect(image_spec(folder(tmp_path, ["a", "b"], per_class=1)),
           "The data has 2 samples, but a training / validation / test split needs at least 3 (one for each part). "
           "Add data or set the other parts to 0.")


def test_mixed_sizes_and_modes_are_not_errors(tmp_path):
    root = folder(tmp_path, ["a", "b"], per_class=3)
    Image.new("RGBA", (7, 5), (10, 20, 30, 128)).save(root / "a" / "rgba.png")
    Image.new("P", (3, 9)).save(root / "b" / "pal.gif")
    Image.fromarray(np.full((4, 4), 60000, np.uint16)).save(root / "b" / "deep.png")
    ds = load_dataset(image_spec(root))
    assert ds.num_samples == 9 and ds.input_shape == (1, 4, 4)
    assert {"2 images were resized.", "1 image with transparency laid on a white background.",
            "1 palette image converted to full color.",
            "1 image with 16 or 32 bits per pixel scaled to 8 bits."} <= set(ds.report)


def test_image_vanishing_mid_import(tmp_path, monkeypatch):
    root = folder(tmp_path, ["cats", "dogs"], per_class=4)
    monkeypatch.setattr(progress, "INTERVAL_S", 0.0)

    def vanish(fraction, message):
        target = root / "dogs" / "3.png"
        if message.startswith("Reading images") and target.exists():
            target.unlink()

    expect(image_spec(root), "The file 'dogs/3.png' disappeared during the import; put it back and import again.",
           progress=vanish)


# ------------------------------------------------------------------------------------------- arrays

def npz_spec(tmp_path, name="d.npz", **arrays) -> DatasetSpec:
    np.savez(tmp_path / name, **arrays)
    return DatasetSpec(source="npz", path=str(tmp_path / name), split=dict(SPLIT))


def test_npz_not_an_archive(tmp_path):
    (tmp_path / "d.npz").write_text("hello")
    expect(DatasetSpec(source="npz", path=str(tmp_path / "d.npz")), "The file 'd.npz' is not a NumPy .npz archive.")


def test_npz_single_array(tmp_path):
    np.save(tmp_path / "d.npy", np.zeros(3))
    (tmp_path / "d.npy").rename(tmp_path / "d.npz")
    expect(DatasetSpec(source="npz", path=str(tmp_path / "d.npz")),
           "The file 'd.npz' holds a single array; save x and y together with numpy.savez(path, x=..., y=...).")


def test_npz_without_x_and_y(tmp_path):
    expect(npz_spec(tmp_path, data=np.zeros((3, 2)), labels=np.zeros(3)),
           "The file 'd.npz' needs arrays named x and y; it holds data, labels.")


def test_npz_with_python_objects_is_never_unpickled(tmp_path):
    x = np.empty(3, dtype=object)
    x[:] = [{"a": 1}, None, [2]]
    expect(npz_spec(tmp_path, x=x, y=np.zeros(3)),
           "The file 'd.npz' holds Python objects (pickled data), which Workbench never loads, for safety. Save "
           "plain number arrays.")


@pytest.mark.parametrize(("arrays", "message"), [
    ({"x": np.zeros((5, 2)), "y": np.zeros(4)}, "The arrays of 'd.npz' do not match: x has 5 samples but y has 4."),
    ({"x": np.array([["a", "b"]] * 4), "y": np.arange(4)}, "The array x of 'd.npz' must hold numbers, not text."),
    ({"x": np.array([[1.0, np.nan]] * 4), "y": np.arange(4) % 2}, "The array x of 'd.npz' holds 4 missing or "
                                                                  "infinite values; fill or remove them first."),
    ({"x": np.zeros((0, 2)), "y": np.zeros(0)}, "'d.npz' holds no samples."),
    ({"x": np.zeros(4), "y": np.zeros(4)}, "The array x of 'd.npz' must have one row per sample (it has shape "
                                           "(4,))."),
    ({"x": np.zeros((6, 2)), "y": np.ones(6, dtype=np.int64)}, "The labels y of 'd.npz' have a single class ('1'); "
                                                               "a classifier needs at least two."),
    ({"x": np.zeros((6, 2)), "y": np.zeros((6, 2, 2))}, "The array y of 'd.npz' must be a list of labels or "
                                                        "targets (shape (6, 2, 2), type float64)."),
])
def test_npz_bad_arrays(tmp_path, arrays, message):
    expect(npz_spec(tmp_path, **arrays), message)


def test_npz_text_labels_for_regression(tmp_path):
    spec = npz_spec(tmp_path, x=np.zeros((4, 2)), y=np.array(["a", "b", "a", "b"]))
    spec.options = {"task": "regression"}
    expect(spec, "The labels y of 'd.npz' are text, not numbers, so they cannot be regression targets. Choose "
                 "classification.")


def test_idx_errors(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + (10).to_bytes(4, "big") * 3 + b"\x00")
    expect(DatasetSpec(source="idx", path=str(tmp_path / "train-images-idx3-ubyte")),
           "Found no matching IDX file for 'train-images-idx3-ubyte': expected 'train-labels-idx1-ubyte' next to "
           "it. Choose the labels file in the options.")
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01" + (10).to_bytes(4, "big") + bytes(10))
    expect(DatasetSpec(source="idx", path=str(tmp_path / "train-images-idx3-ubyte")),
           "The file 'train-images-idx3-ubyte' is cut short: it should hold 1,000 bytes of data but holds 1.")
    (tmp_path / "junk").write_bytes(b"PK\x03\x04 not idx")
    expect(DatasetSpec(source="idx", path=str(tmp_path / "junk"), options={"labels_path": str(tmp_path / "junk")}),
           "The file 'junk' is not an IDX file (MNIST format).")
