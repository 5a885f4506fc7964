"""DatasetSpec: JSON round trip, defaults, and a clear ProjectFileError naming every bad field."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from workbench.core.data import BUILTIN_NAMES, DatasetSpec, builtin_datasets
from workbench.core.errors import ProjectFileError


def test_round_trip_through_json_keeps_every_field():
    spec = DatasetSpec(
        source="csv", path="data/houses.csv",
        options={"target": "price", "ignore": ["id"], "include": ["zip"], "delimiter": ";", "header": True,
                 "missing": "mean", "categorical": "index", "encodings": {"city": "one_hot"},
                 "text": {"column": "notes", "mode": "chars", "max_len": 40, "max_vocab": 500, "lowercase": False},
                 "task": "regression", "scale_target": False},
        split={"train": 0.6, "val": 0.2, "test": 0.2, "seed": 7, "stratify": False},
        augmentation={})
    d = json.loads(json.dumps(spec.to_dict()))
    assert DatasetSpec.from_dict(d) == spec
    assert DatasetSpec.from_dict(d).to_dict() == d


def test_defaults_fill_a_minimal_dict():
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "digits"})
    assert spec == DatasetSpec(source="builtin", name="digits")
    assert spec.split == {"train": 0.7, "val": 0.15, "test": 0.15, "seed": 0, "stratify": True}
    assert spec.to_dict() == {"source": "builtin", "name": "digits", "options": {},
                              "split": {"train": 0.7, "val": 0.15, "test": 0.15, "seed": 0, "stratify": True},
                              "augmentation": {}}


def test_partial_split_is_completed_with_defaults():
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "iris", "split": {"seed": 3}})
    assert spec.split == {"train": 0.7, "val": 0.15, "test": 0.15, "seed": 3, "stratify": True}


def test_images_and_augmentation_round_trip():
    d = {"source": "images", "path": "/data/pets", "options": {"image_size": [32, 48], "color_mode": "rgb"},
         "split": {"train": 0.8, "val": 0.1, "test": 0.1, "seed": 1, "stratify": True},
         "augmentation": {"hflip": True, "vflip": False, "rotate_deg": 10, "shift_px": 2, "noise": 0.05}}
    assert DatasetSpec.from_dict(d).to_dict() == {**d}


BAD = [
    ("not a dict", "dataset", "must be an object with a source"),
    ({"source": "web"}, "dataset.source", "must be one of builtin, csv, images, npz, idx (got 'web')."),
    ({"source": "builtin", "name": "mnist"}, "dataset.name", "must be one of digits, iris, wine, breast_cancer, "
                                                             "diabetes, moons, spirals, reviews, digit_traits (got "
                                                             "'mnist')."),
    ({"source": "builtin", "name": "iris", "path": "x"}, "dataset.path", "a built-in dataset takes no path."),
    ({"source": "csv"}, "dataset.path", "must be the file or folder to read for csv data (got None)."),
    ({"source": "csv", "path": "  "}, "dataset.path", "must be the file or folder to read"),
    ({"source": "csv", "path": "a.csv", "colour": 1}, "dataset.colour", "unknown setting 'colour'"),
    ({"source": "csv", "path": "a.csv", "options": []}, "dataset.options", "must be an object (got [])."),
    ({"source": "csv", "path": "a.csv", "options": {"targt": "y"}}, "dataset.options.targt",
     "unknown setting 'targt'"),
    ({"source": "csv", "path": "a.csv", "options": {"image_size": 8}}, "dataset.options.image_size",
     "unknown setting 'image_size'"),
    ({"source": "csv", "path": "a.csv", "options": {"target": 3}}, "dataset.options.target",
     "must be a list of column names (got 3)."),
    ({"source": "csv", "path": "a.csv", "options": {"target": []}}, "dataset.options.target",
     "must name at least one column."),
    ({"source": "csv", "path": "a.csv", "options": {"ignore": "id"}}, "dataset.options.ignore",
     "must be a list of column names (got 'id')."),
    ({"source": "csv", "path": "a.csv", "options": {"delimiter": ";;"}}, "dataset.options.delimiter",
     "must be a single character"),
    ({"source": "csv", "path": "a.csv", "options": {"header": "yes"}}, "dataset.options.header",
     "must be true or false (got 'yes')."),
    ({"source": "csv", "path": "a.csv", "options": {"missing": "zero"}}, "dataset.options.missing",
     "must be one of impute, drop, mean, most_frequent (got 'zero')."),
    ({"source": "csv", "path": "a.csv", "options": {"categorical": "hash"}}, "dataset.options.categorical",
     "must be one of one_hot, index (got 'hash')."),
    ({"source": "csv", "path": "a.csv", "options": {"encodings": {"city": "bits"}}},
     "dataset.options.encodings.city", "must be one of one_hot, index (got 'bits')."),
    ({"source": "csv", "path": "a.csv", "options": {"text": {"mode": "words"}}}, "dataset.options.text.column",
     "must name the text column."),
    ({"source": "csv", "path": "a.csv", "options": {"text": {"column": "t", "mode": "bytes"}}},
     "dataset.options.text.mode", "must be one of words, chars (got 'bytes')."),
    ({"source": "csv", "path": "a.csv", "options": {"text": {"column": "t", "max_len": 0}}},
     "dataset.options.text.max_len", "must be a whole number from 1 to 10000 (got 0)."),
    ({"source": "csv", "path": "a.csv", "options": {"text": {"column": "t", "max_vocab": 2}}},
     "dataset.options.text.max_vocab", "must be a whole number from 3 to 1000000 (got 2)."),
    ({"source": "csv", "path": "a.csv", "options": {"text": {"column": "t", "stem": True}}},
     "dataset.options.text.stem", "unknown setting 'stem'"),
    ({"source": "csv", "path": "a.csv", "options": {"task": "clustering"}}, "dataset.options.task",
     "must be one of auto, classification, regression, multilabel (got 'clustering')."),
    ({"source": "images", "path": "p", "options": {"image_size": 0}}, "dataset.options.image_size",
     "must be a whole number from 1 to 1024 (got 0)."),
    ({"source": "images", "path": "p", "options": {"image_size": [8]}}, "dataset.options.image_size",
     "must be one size or [height, width] (got [8])."),
    ({"source": "images", "path": "p", "options": {"image_size": [8, 2000]}}, "dataset.options.image_size[1]",
     "must be a whole number from 1 to 1024 (got 2000)."),
    ({"source": "images", "path": "p", "options": {"color_mode": "cmyk"}}, "dataset.options.color_mode",
     "must be one of auto, grayscale, rgb (got 'cmyk')."),
    ({"source": "builtin", "name": "moons", "options": {"n_samples": 5}}, "dataset.options.n_samples",
     "must be a whole number from 10 to 1000000 (got 5)."),
    ({"source": "builtin", "name": "moons", "options": {"noise": -1}}, "dataset.options.noise",
     "must be a number from 0 to 10 (got -1)."),
    ({"source": "builtin", "name": "spirals", "options": {"classes": 1}}, "dataset.options.classes",
     "must be a whole number from 2 to 10 (got 1)."),
    ({"source": "idx", "path": "x", "options": {"labels_path": ""}}, "dataset.options.labels_path",
     "must be the path of the labels file"),
    ({"source": "builtin", "name": "iris", "split": []}, "dataset.split", "must be an object"),
    ({"source": "builtin", "name": "iris", "split": {"train": 1.5}}, "dataset.split.train",
     "must be a number from 0 to 1 (got 1.5)."),
    ({"source": "builtin", "name": "iris", "split": {"train": True}}, "dataset.split.train",
     "must be a number from 0 to 1 (got True)."),
    ({"source": "builtin", "name": "iris", "split": {"train": 0.0, "val": 0.5, "test": 0.5}}, "dataset.split.train",
     "must be more than 0"),
    ({"source": "builtin", "name": "iris", "split": {"train": 0.7, "val": 0.2, "test": 0.2}}, "dataset.split",
     "train, val and test must add up to 1 (they add up to 1.1)."),
    ({"source": "builtin", "name": "iris", "split": {"seed": -1}}, "dataset.split.seed",
     "must be a whole number from 0 to 4294967295 (got -1)."),
    ({"source": "builtin", "name": "iris", "split": {"seed": 1.5}}, "dataset.split.seed", "must be a whole number"),
    ({"source": "builtin", "name": "iris", "split": {"stratify": 1}}, "dataset.split.stratify",
     "must be true or false (got 1)."),
    ({"source": "builtin", "name": "iris", "split": {"shuffle": True}}, "dataset.split.shuffle",
     "unknown setting 'shuffle'"),
    ({"source": "builtin", "name": "iris", "augmentation": {"hflip": "yes"}}, "dataset.augmentation.hflip",
     "must be true or false (got 'yes')."),
    ({"source": "builtin", "name": "iris", "augmentation": {"rotate_deg": 270}}, "dataset.augmentation.rotate_deg",
     "must be a number from 0 to 180 (got 270)."),
    ({"source": "builtin", "name": "iris", "augmentation": {"shift_px": 1.5}}, "dataset.augmentation.shift_px",
     "must be a whole number from 0 to 64 (got 1.5)."),
    ({"source": "builtin", "name": "iris", "augmentation": {"noise": float("nan")}},
     "dataset.augmentation.noise", "must be a number from 0 to 1"),
    ({"source": "builtin", "name": "iris", "augmentation": {"blur": 1}}, "dataset.augmentation.blur",
     "unknown setting 'blur'"),
]


@pytest.mark.parametrize(("data", "field", "message"), BAD, ids=[b[1] + ":" + b[2][:20] for b in BAD])
def test_bad_fields_are_named(data, field, message):
    with pytest.raises(ProjectFileError) as info:
        DatasetSpec.from_dict(data)
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: {message}")


def test_field_prefix_follows_the_caller():
    with pytest.raises(ProjectFileError) as info:
        DatasetSpec.from_dict({"source": "web"}, field="runs[2].dataset")
    assert info.value.field == "runs[2].dataset.source"


def test_from_dict_copies_its_input():
    d = {"source": "csv", "path": "a.csv", "options": {"ignore": ["id"]}}
    spec = DatasetSpec.from_dict(d)
    spec.options["ignore"].append("x")
    assert d["options"]["ignore"] == ["id"]


def test_builtin_catalog_lists_every_name_without_importing_heavy_modules():
    code = ("import sys, json; from workbench.core.data import builtin_datasets; "
            "json.dump([sorted(builtin_datasets()[0]), [d['name'] for d in builtin_datasets()], "
            "[m for m in ('sklearn', 'torch', 'PIL', 'PySide6') if m in sys.modules]], sys.stdout)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    keys, names, heavy = json.loads(out)
    assert keys == ["description", "kind", "name", "size", "task", "title"]
    assert names == list(BUILTIN_NAMES)
    assert heavy == []
    entries = {d["name"]: d for d in builtin_datasets()}
    assert entries["digits"]["size"] == "1,797 images of 8x8 pixels, 10 classes"
    assert entries["diabetes"]["task"] == "regression"
    assert all(d["description"].endswith(".") for d in entries.values())
