"""Built-in datasets: shapes, classes, scaling, generated sets from a seed, and the preprocessing round trip."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from workbench.core.data import Dataset, DatasetSpec, apply_preprocessing, inverse_target, load_dataset
from workbench.core.errors import DataError

_CACHE: dict[str, Dataset] = {}


def builtin(name: str, **options) -> Dataset:
    key = f"{name}{sorted(options.items())}"
    if key not in _CACHE:
        _CACHE[key] = load_dataset(DatasetSpec(source="builtin", name=name, options=options))
    return _CACHE[key]


def test_digits_are_8x8_images_of_ten_classes():
    from sklearn.datasets import load_digits

    ds = builtin("digits")
    assert (ds.name, ds.task, ds.input_shape, ds.input_dtype) == ("Handwritten digits (8x8)", "classification",
                                                                  (1, 8, 8), "float")
    assert ds.x.dtype == np.uint8 and ds.x.shape == (1797, 1, 8, 8)
    assert ds.class_names == [str(i) for i in range(10)]
    assert (ds.num_classes, ds.output_size) == (10, 10)
    raw = load_digits()
    assert np.array_equal(ds.x[:, 0], np.rint(raw.images * 255 / 16).astype(np.uint8))
    assert np.array_equal(ds.y, raw.target)
    x, y = ds.tensors("train")
    assert x.dtype == torch.float32 and y.dtype == torch.int64
    assert x.shape == (len(ds.splits["train"]), 1, 8, 8)
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0
    assert torch.equal(x, torch.from_numpy(ds.x[ds.splits["train"]].astype(np.float32) / 255))
    assert ds.preprocessing["raw_max"] == 16 and ds.preprocessing["size"] == [8, 8]


def test_digits_round_trip_from_raw_values():
    from sklearn.datasets import load_digits

    ds = builtin("digits")
    raw = load_digits()
    idx = ds.splits["test"][:50]
    expected, _ = ds.tensors("test")
    assert np.array_equal(apply_preprocessing(ds.preprocessing, raw.images[idx]), expected[:50].numpy())
    assert np.array_equal(apply_preprocessing(ds.preprocessing, raw.data[idx]), expected[:50].numpy())


@pytest.mark.parametrize(("name", "rows", "features", "classes"), [
    ("iris", 150, 4, ["setosa", "versicolor", "virginica"]),
    ("wine", 178, 13, ["class_0", "class_1", "class_2"]),
    ("breast_cancer", 569, 30, ["malignant", "benign"]),
])
def test_tables(name, rows, features, classes):
    from sklearn import datasets as sk

    ds = builtin(name)
    assert ds.task == "classification" and ds.class_names == classes
    assert ds.x.shape == (rows, features) and ds.x.dtype == np.float32 and ds.input_shape == (features,)
    bunch = getattr(sk, f"load_{name}")()
    assert np.array_equal(ds.y, bunch.target)           # sklearn's class order is kept
    train = ds.x[ds.splits["train"]].astype(np.float64)
    assert np.allclose(train.mean(axis=0), 0, atol=1e-5) and np.allclose(train.std(axis=0), 1, atol=1e-4)
    # round trip: the raw sklearn rows through the recorded preprocessing give exactly x
    assert np.array_equal(apply_preprocessing(ds.preprocessing, bunch.data), ds.x)
    assert ds.preprocessing["feature_names"] == list(bunch.feature_names)


def test_diabetes_is_regression_with_scaled_target():
    from sklearn.datasets import load_diabetes

    ds = builtin("diabetes")
    raw = load_diabetes()
    assert (ds.task, ds.class_names, ds.num_classes, ds.output_size) == ("regression", [], 0, 1)
    assert ds.y.dtype == np.float32 and ds.y.shape == (442,)
    target = ds.preprocessing["target"]
    assert target["task"] == "regression" and target["columns"] == ["progression"]
    train = raw.target[ds.splits["train"]]
    assert target["mean"][0] == pytest.approx(train.mean(), rel=1e-6)
    assert np.allclose(inverse_target(ds.preprocessing, ds.y), raw.target, atol=1e-3)
    _, y = ds.tensors("val")
    assert y.dtype == torch.float32
    assert any("standardised for training" in line for line in ds.report)


def test_diabetes_unscaled_target_on_request():
    ds = builtin("diabetes", scale_target=False)
    from sklearn.datasets import load_diabetes

    assert np.array_equal(ds.y, load_diabetes().target.astype(np.float32))
    assert ds.preprocessing["target"]["mean"] is None


def test_moons_and_spirals_are_generated_from_a_seed():
    a = load_dataset(DatasetSpec(source="builtin", name="moons", options={"n_samples": 200, "seed": 4}))
    b = load_dataset(DatasetSpec(source="builtin", name="moons", options={"n_samples": 200, "seed": 4}))
    c = load_dataset(DatasetSpec(source="builtin", name="moons", options={"n_samples": 200, "seed": 5}))
    assert a.x.shape == (200, 2) and np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)
    assert a.class_names == ["moon 1", "moon 2"] and np.bincount(a.y).tolist() == [100, 100]
    s = load_dataset(DatasetSpec(source="builtin", name="spirals",
                                 options={"n_samples": 301, "classes": 3, "noise": 0.0}))
    assert s.class_names == ["arm 1", "arm 2", "arm 3"] and np.bincount(s.y).tolist() == [101, 100, 100]
    assert s.description == "301 generated points (seed 0)."


def test_generated_options_are_refused_for_bundled_sets():
    with pytest.raises(DataError, match=r"^The option 'n_samples' applies only to the generated datasets "
                                        r"\(moons, spirals\)\.$"):
        load_dataset(DatasetSpec(source="builtin", name="iris", options={"n_samples": 100}))
    with pytest.raises(DataError, match="^Two moons always has two classes; use spirals for more.$"):
        load_dataset(DatasetSpec(source="builtin", name="moons", options={"classes": 3}))


def test_digits_cannot_be_regression():
    with pytest.raises(DataError, match="^The digits are classes, not numbers to predict; choose classification.$"):
        load_dataset(DatasetSpec(source="builtin", name="digits", options={"task": "regression"}))


def test_iris_regression_is_refused_with_the_column_named():
    with pytest.raises(DataError, match=r"^Column 'class' holds text \('setosa'\), not numbers"):
        load_dataset(DatasetSpec(source="builtin", name="iris", options={"task": "regression"}))


def test_info_and_summary():
    ds = builtin("iris")
    assert ds.summary() == "Iris flowers: 150 samples of shape 4, 3 classes; split 105 / 23 / 22."
    assert ds.info() == {"name": "Iris flowers", "task": "classification", "input_shape": [4],
                         "input_dtype": "float", "output_size": 3,
                         "class_names": ["setosa", "versicolor", "virginica"], "vocab_size": None,
                         "num_samples": 150, "splits": {"train": 105, "val": 23, "test": 22}}


def test_batches_cover_the_split_once():
    ds = builtin("digits")
    seen = []
    for xb, yb in ds.iter_batches("val", 64, shuffle=True, seed=1):
        assert xb.shape[1:] == (1, 8, 8) and xb.dtype == torch.float32 and len(xb) <= 64
        seen.append(yb)
    assert torch.cat(seen).sort().values.tolist() == sorted(ds.y[ds.splits["val"]].tolist())
    with pytest.raises(DataError, match="^There is no 'dev' split; the splits are train, val, test.$"):
        ds.tensors("dev")
