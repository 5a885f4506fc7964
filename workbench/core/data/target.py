"""Suggest which column of a table is the target when the user has not chosen one.

In this order: a column named like a target (label, target, class, y, species, ...); else the rightmost column of
categories with few different values (2 to `FEW_CLASSES`); else the rightmost column of few different whole
numbers; else the last column, saying that nothing looked like a target. The reason is returned with the name, so
the report and the command line can say why, and the app can ask the user to confirm it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from workbench.core.data.columns import ColumnData

TARGET_NAMES = frozenset({"label", "labels", "target", "targets", "class", "classes", "y", "species", "outcome",
                          "diagnosis", "survived", "churn", "category", "result", "price", "saleprice", "salary",
                          "income", "quality"})
TARGET_SUFFIXES = ("label", "target", "class", "price")      # "class_label", "is_target", "wine class", "sale price"
FEW_CLASSES = 20


@dataclass(frozen=True)
class TargetSuggestion:
    name: str
    reason: str     # completes "suggested because ...": "its name says so", ...

    @property
    def sentence(self) -> str:
        return f"Target: {self.name!r}, suggested because {self.reason} (choose another target if this is not " \
               "what the model should predict)."


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def named_like_target(name: str) -> bool:
    words = _words(name)
    return bool(words) and ("_".join(words) in TARGET_NAMES or words[-1] in TARGET_SUFFIXES or
                            (len(words) == 1 and words[0] in TARGET_NAMES))


def _few_categories(col: ColumnData, n_rows: int) -> int:
    """How many categories a column of categories has when they are few (else 0)."""
    if col.kind != "categorical" or col.overflow or col.looks_like_text:
        return 0
    present = n_rows - col.n_missing
    count = len(col.categories)
    return count if 2 <= count <= FEW_CLASSES and count < present else 0


def _few_whole_numbers(col: ColumnData) -> int:
    if col.kind != "numeric" or not col.chunks:
        return 0
    values = np.concatenate([c for c in col.chunks if c is not None])
    values = values[~np.isnan(values)]
    if not len(values) or not np.all(values == np.round(values)):
        return 0
    count = len(np.unique(values))
    return count if 2 <= count <= FEW_CLASSES and count < len(values) else 0


def suggest_target(cols: list[ColumnData], candidates: list[str], n_rows: int) -> TargetSuggestion:
    """The most likely target among ``candidates`` (column names in file order, none of them left out)."""
    by_name = {c.name: c for c in cols}
    named = [n for n in candidates if named_like_target(n)]
    if named:
        return TargetSuggestion(named[0], "its name says so")
    few = [(n, _few_categories(by_name[n], n_rows)) for n in candidates if n in by_name]
    few = [(n, k) for n, k in few if k]
    if few:
        name, k = few[-1]
        which = "the only column" if len(few) == 1 else "the rightmost column"
        return TargetSuggestion(name, f"it is {which} of few categories ({k} different values)")
    whole = [(n, _few_whole_numbers(by_name[n])) for n in candidates if n in by_name]
    whole = [(n, k) for n, k in whole if k]
    if whole:
        name, k = whole[-1]
        which = "the only column" if len(whole) == 1 else "the rightmost column"
        return TargetSuggestion(name, f"it is {which} of few different whole numbers ({k})")
    return TargetSuggestion(candidates[-1], "it is the last column: no column is named like a target or holds few "
                                            "categories")
