"""`apply_preprocessing`: the transform recorded at import time, applied to new raw data.

Evaluation, the try-it panel and the exported ``predict.py`` use it (or re-implement it from the recorded keys) so
that new data reaches the model exactly as the training data did; for the imported samples it reproduces
`Dataset.tensors` bit for bit. `inverse_target` turns a regression model's outputs back into the target's units.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from workbench.core.data.columns import encode_raw_rows
from workbench.core.data.dataset import IMAGE_SCALE
from workbench.core.data.images import image_to_array
from workbench.core.data.text import encode_texts
from workbench.core.errors import DataError
from workbench.core.wording import plural


def _rows_for(pre: dict, raw, names: list[str]) -> list[list]:
    """Raw rows (dicts, lists, 2-D arrays) -> lists of cells in the order of ``names``."""
    if isinstance(raw, dict):
        raw = [raw]
    elif isinstance(raw, np.ndarray):
        raw = raw.tolist() if raw.ndim == 2 else [raw.tolist()]
    else:
        raw = list(raw)
        if raw and not isinstance(raw[0], (dict, list, tuple, np.ndarray)):
            raw = [raw]
    source = pre.get("source_columns") or names
    rows = []
    for i, row in enumerate(raw):
        if isinstance(row, dict):
            absent = [n for n in names if n not in row]
            if absent and len(absent) == len(names):
                raise DataError(f"Row {i + 1} has none of the input columns ({', '.join(names[:6])}).")
            rows.append([row.get(n) for n in names])
            continue
        row = list(row)
        if len(row) == len(source) and source != names:
            index = {n: j for j, n in enumerate(source)}
            rows.append([row[index[n]] for n in names])
        elif len(row) == len(names):
            rows.append(row)
        else:
            raise DataError(f"Row {i + 1} has {len(row)} values; expected {len(names)} (the input columns "
                            f"{', '.join(names[:6])}{'...' if len(names) > 6 else ''}) or {len(source)} (every "
                            "column of the original file).")
    return rows


def _images(pre: dict, raw) -> np.ndarray:
    size = tuple(pre["size"])
    channels = pre["channels"]
    if hasattr(raw, "mode") and hasattr(raw, "size"):       # one PIL image
        raw = [raw]
    if isinstance(raw, (list, tuple)) and raw and hasattr(raw[0], "mode"):
        out = np.empty((len(raw), channels) + size, dtype=np.uint8)
        for i, img in enumerate(raw):
            image_to_array(img, size, channels, out=out[i])
        return out.astype(np.float32) / IMAGE_SCALE
    arr = np.asarray(raw)
    if arr.dtype.kind not in "biuf":
        raise DataError("Images must be Pillow images or arrays of pixel values.")
    per_sample = channels * size[0] * size[1]
    if arr.ndim == 2 and arr.shape == size and channels == 1:
        arr = arr[None]
    if arr.ndim == 2 and arr.shape[1] == per_sample:
        arr = arr.reshape((-1, channels) + size)
    elif arr.ndim == 3 and arr.shape[1:] == size and channels == 1:
        arr = arr[:, None]
    elif arr.ndim == 3 and arr.shape == (channels,) + size:
        arr = arr[None]
    elif arr.ndim == 4 and arr.shape[1:] == (channels,) + size:
        pass
    elif arr.ndim == 4 and arr.shape[1:] == size + (channels,):
        arr = arr.transpose(0, 3, 1, 2)
    else:
        raise DataError(f"Images must be {size[1]}x{size[0]} pixels with {plural(channels, 'channel')} (got an array of "
                        f"shape {list(arr.shape)}); pass Pillow images to have them resized.")
    raw_max = float(pre.get("raw_max", 255))
    if raw_max == 255 and arr.dtype == np.uint8:
        stored = arr
    else:
        stored = np.rint(np.clip(arr.astype(np.float64), 0, raw_max) * (255.0 / raw_max)).astype(np.uint8)
    return stored.astype(np.float32) / IMAGE_SCALE


def apply_preprocessing(preprocessing: dict, raw) -> np.ndarray:
    """New raw data -> the model's input, as recorded in ``preprocessing`` (a `Dataset.preprocessing`).

    ``raw`` by kind:
      table  -- rows as dicts {column: value} or lists/2-D arrays of cells (strings or numbers), either with the
                input columns in order or with every column of the original file; one row may be given alone.
      text   -- a string or a list of strings (or rows as for tables, with the text column).
      image  -- a Pillow image or a list of them (converted and resized as at import), or pixel arrays at the
                recorded size in the raw scale (0..raw_max): (H, W), (N, H, W), (N, C, H, W), (N, H, W, C) or
                flat (N, C*H*W).
      array  -- a numeric array of samples (or one sample) of the recorded shape.
      tokens -- a 2-D array of token ids.
    Returns float32 (N, ...) inputs, or int64 (N, L) token ids for text and tokens.
    """
    kind = preprocessing.get("kind")
    if kind == "table":
        columns = preprocessing["columns"]
        rows = _rows_for(preprocessing, raw, [c["name"] for c in columns])
        return encode_raw_rows(columns, rows)
    if kind == "text":
        if isinstance(raw, str):
            raw = [raw]
        texts = list(raw)
        if texts and not isinstance(texts[0], str) and texts[0] is not None:
            texts = [row[0] for row in _rows_for(preprocessing, raw, [preprocessing["column"]])]
        return encode_texts(texts, preprocessing)
    if kind == "image":
        return _images(preprocessing, raw)
    if kind == "array":
        shape = tuple(preprocessing["shape"])
        arr = np.asarray(raw, dtype=np.float64)
        if arr.shape == shape:
            arr = arr[None]
        if arr.shape[1:] != shape:
            raise DataError(f"Samples must have the shape {list(shape)} (got {list(arr.shape[1:])}).")
        if preprocessing.get("mean") is not None:
            arr = (arr - np.asarray(preprocessing["mean"])) / np.asarray(preprocessing["std"])
        return arr.astype(np.float32)
    if kind == "tokens":
        arr = np.asarray(raw)
        if arr.ndim == 1:
            arr = arr[None]
        if arr.ndim != 2 or arr.shape[1] != preprocessing["max_len"] or arr.dtype.kind not in "iu":
            raise DataError(f"Token ids must be whole numbers, {preprocessing['max_len']} per sample.")
        if arr.size and (arr.min() < 0 or arr.max() >= preprocessing["vocab_size"]):
            raise DataError(f"Token ids must be from 0 to {preprocessing['vocab_size'] - 1}.")
        return arr.astype(np.int64)
    raise DataError(f"Unknown preprocessing kind {kind!r}.")


def inverse_target(preprocessing: dict, y) -> np.ndarray:
    """Regression outputs (standardised) -> the target's own units; classification outputs are returned as is."""
    target = preprocessing.get("target") or {}
    y = np.asarray(y, dtype=np.float64)
    if target.get("task") != "regression" or not target.get("mean"):
        return y
    mean = np.asarray(target["mean"])
    std = np.asarray(target["std"])
    if y.ndim >= 1 and len(mean) == 1 and (y.ndim == 1 or y.shape[-1] != 1):
        return y * std[0] + mean[0]
    return y * std + mean


def class_names_of(preprocessing: dict) -> Sequence[str]:
    return list((preprocessing.get("target") or {}).get("classes") or [])
