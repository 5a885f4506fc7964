"""Datasets: built-in data, the user's own files (CSV/TSV, image folders, .npz, IDX), splits, augmentation,
preview, and the preprocessing record that evaluation and export replay on new data.

Qt-free; NumPy only at import time (scikit-learn, Pillow and torch are imported where first needed).

The ``preprocessing`` record (`Dataset.preprocessing`, JSON-safe, written into the ONNX metadata and predict.py)
---------------------------------------------------------------------------------------------------------------
Every record has ``kind``, ``version`` (1) and ``target``:

``target``
    ``{"task": "classification", "columns": [name], "classes": [class names in output order]}`` or
    ``{"task": "regression", "columns": [names], "mean": [..] | None, "std": [..] | None}``: when ``mean`` is set
    the model learned ``(y - mean) / std``; `inverse_target` turns outputs back (``out * std + mean``).
    ``columns`` is empty for data without column names (images, arrays).

``kind == "table"`` (CSV files, built-in tables): input float32 (N, F)
    ``columns``: the input columns in order, each
      ``{"name", "type": "numeric", "mean", "std", "fill"}`` -> one input ``(value - mean) / std``; a missing or
      non-numeric cell becomes ``fill`` (``None``: the mean) first; or
      ``{"name", "type": "categorical", "encoding": "one_hot" | "index", "categories": [...], "fill"}`` ->
      one-hot: one 0/1 input per category (in list order); index: one input ``(index - mean) / std`` with extra
      keys ``mean``, ``std``. A missing cell takes the category ``fill`` when it is set; a missing cell without
      ``fill`` and a category not in the list give all zeros (one-hot) or 0 (index).
      Either type may have ``"missing_indicator": true``: one more input after the column's own, 1.0 where the
      cell was missing (before it was filled) and 0.0 elsewhere.
      Cells are compared stripped; missing cells are empty or one of NA, N/A, NaN, null, None, #N/A, <NA>, ?.
    ``feature_names``: the F input names (one-hot inputs are ``"column=category"``).
    ``source_columns``: every column of the original file, in order (rows may be given with all of them).
    ``read``: ``{"delimiter", "header", "encoding"}`` to read raw files the same way ({} for built-ins).
    ``missing``: the missing-value policy used at import (impute, the default: numbers filled with the mean,
    categories with the most frequent value, and a "was missing" input for each column with gaps in the training
    rows; drop; mean; most_frequent).

``kind == "text"`` (a text column of a CSV): input int64 (N, max_len) token ids
    ``column``, ``mode`` ("words": ``\\w+`` runs and single punctuation marks; "chars"), ``lowercase``,
    ``max_len`` (cut at the end, padded at the end), ``vocab`` (list; id = position), ``pad_id`` 0, ``unk_id`` 1,
    plus ``source_columns`` and ``read`` as for tables.

``kind == "image"`` (image folders, digits, uint8 arrays): input float32 (N, C, H, W) in [0, 1]
    ``size`` [H, W], ``channels`` 1 or 3, ``color_mode`` "grayscale" | "rgb", ``resample`` "bilinear" (Pillow,
    applied after conversion to 8-bit L or RGB), ``alpha_background`` 255 (transparent pixels laid on white),
    ``raw_max`` (the value meaning full intensity in raw pixel arrays: 16 for digits, else 255; Pillow images are
    always 0..255), ``layout`` "NCHW". Pixels: stored = round(raw * 255 / raw_max) as uint8, input = stored / 255.
    16-bit images are scaled by 255/65535 before. ``jpeg_draft`` true: a JPEG file at least twice ``size`` in both
    sides is first decoded at reduced scale with Pillow's ``img.draft(mode, (W, H))`` (called before the image is
    loaded), as the import does.

``kind == "array"`` (other .npz / IDX arrays): input float32 of ``shape``; ``mean`` and ``std`` (per feature, 2-D
    data only) or None: input = (x - mean) / std.

``kind == "tokens"`` (.npz with ``as_tokens``): input int64 (N, ``max_len``) ids below ``vocab_size``.
"""

from workbench.core.data.augment import augment_batch
from workbench.core.data.builtin import builtin_datasets
from workbench.core.data.dataset import Dataset
from workbench.core.data.loader import load_dataset, resolve_data_argument
from workbench.core.data.preprocess import apply_preprocessing, class_names_of, inverse_target
from workbench.core.data.preview import preview
from workbench.core.data.spec import BUILTIN_NAMES, DEFAULT_SPLIT, SOURCES, DatasetSpec
from workbench.core.data.summary import data_summary

__all__ = [
    "BUILTIN_NAMES",
    "DEFAULT_SPLIT",
    "SOURCES",
    "Dataset",
    "DatasetSpec",
    "apply_preprocessing",
    "augment_batch",
    "builtin_datasets",
    "class_names_of",
    "data_summary",
    "inverse_target",
    "load_dataset",
    "preview",
    "resolve_data_argument",
]
