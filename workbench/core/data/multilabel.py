"""Multi-label targets: each row carries any number of yes-or-no labels, read from a table in one of two ways.

- several target columns, each holding only 0 and 1 (or true/false, yes/no): one label per column;
- one target column of labels separated by ``|`` or ``;`` (``"action|comedy"``): one label per different name, and
  an empty cell means the row has none of them.

The target becomes float32 ``y`` of shape (rows, labels) holding 0 and 1, with the label names in column order (or
sorted, for a column of separated labels). Every refusal says which column and which value is at fault.
"""

from __future__ import annotations

import numpy as np

from workbench.core.data.columns import ColumnData
from workbench.core.errors import DataError

SEPARATORS = ("|", ";")
MAX_LABELS = 1000
_BINARY_WORDS = ({"0", "1"}, {"false", "true"}, {"no", "yes"}, {"n", "y"})


def _values(col: ColumnData) -> np.ndarray:
    return np.concatenate([c for c in col.chunks if c is not None]) if col.chunks else np.empty(0)


def binary_problem(col: ColumnData) -> str | None:
    """Why `col` cannot be a 0/1 label column (None when it can)."""
    if col.kind == "numeric":
        values = _values(col)
        values = values[~np.isnan(values)]
        wrong = values[(values != 0) & (values != 1)]
        if len(wrong):
            return f"holds {wrong[0]:g}, but a label column holds only 0 and 1"
        return None
    words = {c.strip().lower() for c in col.categories}
    if any(words <= allowed for allowed in _BINARY_WORDS):
        return None
    example = next((c for c in col.categories if not any(c.strip().lower() in a for a in _BINARY_WORDS)),
                   col.categories[0] if col.categories else "")
    return f"holds {example!r}, but a label column holds only 0 and 1 (or yes and no, true and false)"


def can_be_label(col: ColumnData) -> bool:
    """Whether `col` holds only 0 and 1 (or yes and no, true and false), both of them, so it can be one of several
    labels; reads a column of numbers block by block and stops at the first block with another value."""
    if col.kind == "numeric":
        zeros = ones = False
        for block in col.chunks:
            if block is None:
                continue
            zero, one = block == 0, block == 1
            if not np.all(zero | one | np.isnan(block)):
                return False
            zeros, ones = zeros or bool(zero.any()), ones or bool(one.any())
        return zeros and ones
    return len(col.categories) == 2 and binary_problem(col) is None


def separator_of(col: ColumnData) -> str | None:
    """The separator of a column of separated labels (``|`` before ``;``), or None when no value holds one."""
    if col.kind != "categorical" or col.looks_like_text:
        return None
    for sep in SEPARATORS:
        if any(sep in c for c in col.categories):
            return sep
    return None


def reads_separated_labels(targets: list[ColumnData]) -> bool:
    """Whether multi-label targets are one column of separated label names (else: 0/1 columns, one per label)."""
    return len(targets) == 1 and targets[0].kind == "categorical" and binary_problem(targets[0]) is not None


def _binary_values(col: ColumnData, rows: np.ndarray) -> np.ndarray:
    values = _values(col)[rows]
    if col.kind == "numeric":
        return values.astype(np.float32)
    yes = np.array([c.strip().lower() in ("1", "true", "yes", "y") for c in col.categories] + [False])
    return yes[values].astype(np.float32)  # code -1 indexes the trailing False (no missing rows are kept)


def label_columns_target(cols: list[ColumnData], kept_rows: np.ndarray) -> tuple[np.ndarray, list[str], dict]:
    """(y, label names, target info) from several 0/1 columns, one label each."""
    for col in cols:
        problem = binary_problem(col)
        if problem:
            raise DataError(f"Column {col.name!r} {problem}. Choose regression to predict the numbers, or leave "
                            "the column out of the targets.")
    y = np.stack([_binary_values(col, kept_rows) for col in cols], axis=1)
    names = [col.name for col in cols]
    return y, names, {"task": "multilabel", "columns": names, "labels": names}


def separated_labels_target(col: ColumnData, kept_rows: np.ndarray,
                            report: list[str]) -> tuple[np.ndarray, list[str], dict]:
    """(y, label names, target info) from one column of labels separated by ``|`` or ``;`` (a column of
    categories: see `reads_separated_labels`)."""
    sep = separator_of(col) or SEPARATORS[0]
    per_category = [sorted({part.strip() for part in c.split(sep) if part.strip()}) for c in col.categories]
    names = sorted({name for parts in per_category for name in parts})
    if len(names) > MAX_LABELS:
        raise DataError(f"Column {col.name!r} has {len(names):,} different labels: too many (at most "
                        f"{MAX_LABELS:,}). Is it the right target column?")
    if not names:
        raise DataError(f"Column {col.name!r} holds no labels: every cell is empty.")
    index = {name: i for i, name in enumerate(names)}
    table = np.zeros((len(col.categories) + 1, len(names)), np.float32)  # last row: an empty cell, no labels
    for code, parts in enumerate(per_category):
        table[code, [index[p] for p in parts]] = 1.0
    codes = _values(col)[kept_rows]
    y = table[codes]
    empty = int((codes < 0).sum())
    if empty:
        report.append(f"{empty} row{'s have' if empty != 1 else ' has'} an empty {col.name!r} cell, read as none "
                      "of the labels.")
    return y, names, {"task": "multilabel", "columns": [col.name], "labels": names, "separator": sep}


def check_labels_vary(y: np.ndarray, train: np.ndarray, names: list[str], report: list[str]) -> None:
    """A report line for each label that the training rows never (or always) give: the model cannot learn it."""
    if not len(train):
        return
    share = y[train].mean(axis=0)
    never = [n for n, s in zip(names, share) if s == 0]
    always = [n for n, s in zip(names, share) if s == 1]
    if never:
        report.append(f"No training row has the label{'s' if len(never) > 1 else ''} {', '.join(map(repr, never))}, "
                      "so the model will learn never to give it.")
    if always:
        report.append(f"Every training row has the label{'s' if len(always) > 1 else ''} "
                      f"{', '.join(map(repr, always))}, so the model will learn always to give it.")
