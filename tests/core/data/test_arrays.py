"""NumPy .npz archives and MNIST-format IDX files (plain and gzipped)."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest
import torch

from workbench.core.data import DatasetSpec, apply_preprocessing, inverse_target, load_dataset, preview
from workbench.core.data.arrays import read_idx

SPLIT = {"train": 0.6, "val": 0.2, "test": 0.2, "seed": 0, "stratify": True}


def npz(tmp_path, name="data.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


def load(source, path, split=SPLIT, **options):
    return load_dataset(DatasetSpec(source=source, path=str(path), options=options, split=dict(split)))


def write_idx(path, arr: np.ndarray, gz: bool = False) -> None:
    codes = {np.dtype(np.uint8): 0x08, np.dtype(np.int8): 0x09, np.dtype(">i2"): 0x0B, np.dtype(">i4"): 0x0C,
             np.dtype(">f4"): 0x0D, np.dtype(">f8"): 0x0E}
    big = arr.astype(arr.dtype.newbyteorder(">")) if arr.dtype.itemsize > 1 else arr
    head = bytes([0, 0, codes[big.dtype], arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    data = head + big.tobytes()
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


def test_npz_table_is_standardised_with_training_rows(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(5, 2, size=(60, 3))
    y = np.arange(60) % 3
    ds = load("npz", npz(tmp_path, x=x, y=y))
    assert (ds.task, ds.class_names, ds.input_shape, ds.x.dtype) == ("classification", ["0", "1", "2"], (3,),
                                                                     np.float32)
    train = x[ds.splits["train"]]
    assert np.allclose(ds.x, (x - train.mean(0)) / train.std(0), atol=1e-5)
    assert np.array_equal(apply_preprocessing(ds.preprocessing, x), ds.x)
    assert np.array_equal(apply_preprocessing(ds.preprocessing, x[0]), ds.x[:1])
    assert ds.report[0] == "Task: classification, from the labels y (choose the task to change it)."
    raw = load("npz", npz(tmp_path, x=x, y=y), standardize=False)
    assert np.array_equal(raw.x, x.astype(np.float32)) and raw.preprocessing["mean"] is None


def test_npz_string_labels_and_regression(tmp_path):
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    ds = load("npz", npz(tmp_path, x=x, y=np.array(["no", "yes"] * 10)))
    assert ds.class_names == ["no", "yes"] and ds.y.tolist() == [0, 1] * 10
    reg = load("npz", npz(tmp_path, x=x, y=np.linspace(0, 1, 20) ** 2))
    assert reg.task == "regression" and reg.y.dtype == np.float32
    assert np.allclose(inverse_target(reg.preprocessing, reg.y), np.linspace(0, 1, 20) ** 2, atol=1e-6)
    multi = load("npz", npz(tmp_path, x=x, y=np.stack([x[:, 0], -x[:, 1]], 1)))
    assert multi.task == "regression" and multi.output_size == 2
    forced = load("npz", npz(tmp_path, x=x, y=np.arange(20) % 2), task="regression", scale_target=False)
    assert forced.task == "regression" and forced.y.tolist() == [0.0, 1.0] * 10


def test_npz_uint8_images_in_either_layout(tmp_path):
    rng = np.random.default_rng(1)
    nhwc = rng.integers(0, 256, size=(12, 5, 4, 3), dtype=np.uint8)
    ds = load("npz", npz(tmp_path, x=nhwc, y=np.arange(12) % 2))
    assert ds.kind == "image" and ds.input_shape == (3, 5, 4) and ds.x.dtype == np.uint8
    assert np.array_equal(ds.x, nhwc.transpose(0, 3, 1, 2))
    x, _ = ds.tensors("train")
    assert np.array_equal(apply_preprocessing(ds.preprocessing, nhwc[ds.splits["train"]]), x.numpy())
    gray = load("npz", npz(tmp_path, x=nhwc[..., 0], y=np.arange(12) % 2))
    assert gray.input_shape == (1, 5, 4)


def test_npz_float_volumes_and_tokens(tmp_path):
    vol = np.random.default_rng(2).normal(size=(10, 2, 3, 4)).astype(np.float32)
    ds = load("npz", npz(tmp_path, x=vol, y=np.arange(10) % 2))
    assert ds.kind == "array" and ds.input_shape == (2, 3, 4) and np.array_equal(ds.x, vol)
    assert np.array_equal(apply_preprocessing(ds.preprocessing, vol), vol)
    tokens = np.random.default_rng(3).integers(0, 50, size=(10, 7))
    tk = load("npz", npz(tmp_path, x=tokens, y=np.arange(10) % 2), as_tokens=True)
    assert (tk.kind, tk.input_dtype, tk.vocab_size, tk.input_shape) == ("tokens", "int", int(tokens.max()) + 1, (7,))
    xt, _ = tk.tensors("train")
    assert xt.dtype == torch.int64
    pv = preview(tk)
    assert pv["kind"] == "tokens" and pv["arrays"].shape[1] == 7


@pytest.mark.parametrize("gz", [False, True])
def test_idx_pair(tmp_path, gz):
    rng = np.random.default_rng(4)
    images = rng.integers(0, 256, size=(20, 6, 5), dtype=np.uint8)
    labels = (np.arange(20) % 4).astype(np.uint8)
    suffix = ".gz" if gz else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", images, gz)
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", labels, gz)
    ds = load("idx", tmp_path / f"train-images-idx3-ubyte{suffix}")
    assert ds.name == f"train-images-idx3-ubyte{suffix}"
    assert ds.kind == "image" and ds.input_shape == (1, 6, 5) and np.array_equal(ds.x[:, 0], images)
    assert ds.class_names == ["0", "1", "2", "3"] and np.array_equal(ds.y, labels)
    from_labels = load("idx", tmp_path / f"train-labels-idx1-ubyte{suffix}")   # either file of the pair
    assert np.array_equal(from_labels.x, ds.x)


def test_idx_types_and_explicit_labels(tmp_path):
    feats = np.random.default_rng(5).normal(size=(15, 4)).astype(">f4")
    write_idx(tmp_path / "features.idx", feats)
    write_idx(tmp_path / "targets.idx", np.arange(15, dtype=">i2") % 3)
    assert np.array_equal(read_idx(tmp_path / "features.idx"), feats.astype(np.float32))
    assert read_idx(tmp_path / "targets.idx").dtype == np.dtype(np.int16)
    ds = load_dataset(DatasetSpec(source="idx", path="features.idx",
                                  options={"labels_path": "targets.idx", "standardize": False}), base_dir=tmp_path)
    assert ds.class_names == ["0", "1", "2"] and np.array_equal(ds.x, feats.astype(np.float32))


def test_relative_paths_resolve_against_the_project_folder(tmp_path):
    npz(tmp_path, name="d.npz", x=np.arange(20.0).reshape(10, 2), y=np.arange(10) % 2)
    ds = load_dataset(DatasetSpec(source="npz", path="d.npz"), base_dir=tmp_path)
    assert ds.num_samples == 10 and ds.spec.path == "d.npz"
