"""Samples as the user gave them: a table's stored (standardised, one-hot) rows turned back into the original
columns' values, for showing samples (the Evaluate page's wrong predictions) in the user's own units and words.

A numeric column is un-standardised (a missing value shows as the fill it was given); a categorical one gives its
category name (None when the row had none). Preprocessing this module does not know (a column type added later)
gives None: the caller then shows the stored values.
"""

from __future__ import annotations

import numpy as np

from workbench.core.data.columns import column_width

Row = list  # one value per original column: float, str or None


def original_columns(preprocessing: dict) -> list[str] | None:
    """The names of a table's input columns as in the user's file (None for other data)."""
    if preprocessing.get("kind") != "table":
        return None
    return [c["name"] for c in preprocessing.get("columns", [])]


def original_rows(preprocessing: dict, x: np.ndarray) -> list[Row] | None:
    """Stored table rows `x` (n, features) -> the original values per input column; None when the preprocessing
    is not a table's or does not describe `x`."""
    columns = preprocessing.get("columns") if preprocessing.get("kind") == "table" else None
    x = np.asarray(x, dtype=np.float64)
    if not columns or x.ndim != 2 or x.shape[1] != sum(map(column_width, columns)):
        return None
    decoded, offset = [], 0
    for col in columns:
        width = column_width(col)
        block = x[:, offset:offset + width]
        offset += width
        if col["type"] == "numeric":
            decoded.append([float(v) for v in block[:, 0] * col["std"] + col["mean"]])
        elif col["type"] == "categorical" and col.get("encoding") == "one_hot":
            names = col["categories"]
            decoded.append([names[int(np.argmax(r))] if r.max() > 0.5 else None for r in block])
        elif col["type"] == "categorical":
            names = col["categories"]
            codes = np.rint(block[:, 0] * col["std"] + col["mean"]).astype(np.int64)
            decoded.append([names[c] if 0 <= c < len(names) else None for c in codes])
        else:
            return None
    return [list(values) for values in zip(*decoded)] if decoded else [[] for _ in range(len(x))]


def format_value(value) -> str:
    """A value of `original_rows` as the user would write it ("39.1", "Adelie", "" for missing)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
