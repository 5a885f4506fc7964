"""Column storage and the per-column transforms shared by the loader and `apply_preprocessing`.

A parsed column is kept in row blocks ("chunks", the same boundaries for every column of a table) so that the
final float32 table can be built block by block while the raw blocks are freed: peak memory stays near one copy.
Numbers are float64 with NaN for a missing value; categories are int32 codes into ``categories`` with -1 missing.

The encode functions here are the only place where raw values become model inputs, for the import and for new data
alike, so `apply_preprocessing` reproduces the imported ``x`` exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.core.errors import DataError

FLOAT32_MAX = float(np.finfo(np.float32).max)
"""Numbers beyond this are read as missing: the model's inputs are 32-bit (see csv_reader)."""

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none", "#n/a", "#na", "<na>", "?"})
"""Cell texts read as a missing value (compared stripped and lower-cased), as pandas and most spreadsheets do."""


def is_missing_text(text: str) -> bool:
    return text.strip().lower() in MISSING_TOKENS


def parse_number(text: object) -> float | None:
    """A cell as a number: float, NaN for missing (or infinite, or beyond the 32-bit range), None for text that is
    not a number."""
    if text is None:
        return float("nan")
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        value = float(text)
        return value if abs(value) <= FLOAT32_MAX else float("nan")
    s = str(text).strip()
    if s.lower() in MISSING_TOKENS:
        return float("nan")
    try:
        value = float(s)
    except ValueError:
        return None
    return value if abs(value) <= FLOAT32_MAX else float("nan")         # NaN and infinities fail the test too


def canonical_text(text: object) -> str | None:
    """A cell as a category: stripped text, None for missing."""
    if text is None:
        return None
    if isinstance(text, float) and not np.isfinite(text):
        return None
    s = str(text).strip()
    return None if s.lower() in MISSING_TOKENS else s


@dataclass
class ColumnData:
    """One parsed column: float64 chunks (``kind == "numeric"``) or int32 code chunks (``"categorical"``)."""

    name: str
    kind: str
    chunks: list[np.ndarray | None]
    categories: list[str] = field(default_factory=list)
    n_missing: int = 0
    n_text_as_missing: int = 0
    text_examples: list[str] = field(default_factory=list)
    text_rows: list[int] = field(default_factory=list)      # file rows of the first text cells read as missing
    n_huge: int = 0                                          # numbers beyond the 32-bit range, read as missing
    huge_rows: list[int] = field(default_factory=list)
    overflow: bool = False
    looks_like_text: bool = False       # three or more words per value on average
    strings: list[list[str]] | None = None
    ordered: bool = False               # categories are in a meaningful order (keep it for class names)

    def full(self) -> np.ndarray:
        return np.concatenate([c for c in self.chunks if c is not None]) if self.chunks else np.empty(0)


# ----------------------------------------------------------------------------------------------- encoders


def numeric_fill(col: dict) -> float:
    fill = col.get("fill")
    return float(col["mean"] if fill is None else fill)


def category_codes(texts: list, col: dict) -> np.ndarray:
    """Cell values -> indices into ``col["categories"]``; -1 for missing, -2 for a category not seen in training."""
    index = {c: i for i, c in enumerate(col["categories"])}
    out = np.empty(len(texts), dtype=np.int64)
    for i, t in enumerate(texts):
        key = canonical_text(t)
        out[i] = -1 if key is None else index.get(key, -2)
    return out


def encode_into(out: np.ndarray, raw: np.ndarray, col: dict) -> None:
    """Writes one column's model inputs into ``out`` (float32, (n, `column_width`), a view into the table):
    numbers (float64, NaN missing) standardised with the missing ones replaced by the column's fill; category
    indices (-1 missing, -2 unseen) as one-hot rows or one standardised index; then the "was missing" input (1.0
    where the cell was missing) when the column has one.

    A missing value takes the column's ``fill`` when it has one; a missing category without fill and a category
    not seen in training give all zeros (one-hot) or 0, the training mean (index encoding). The arithmetic is in
    float64, rounded to float32 once.
    """
    if col["type"] == "numeric":
        missing = np.isnan(raw)
        values = np.where(missing, numeric_fill(col), raw)
        values -= col["mean"]
        values /= col["std"]
        out[:, 0] = values
    else:
        codes = np.asarray(raw, dtype=np.int64)
        missing = codes == -1
        fill = col.get("fill")
        if fill is not None:
            codes = np.where(missing, col["categories"].index(fill), codes)
        if col["encoding"] == "one_hot":
            k = len(col["categories"])
            np.equal(codes[:, None], np.arange(k), out=out[:, :k])
        else:
            values = np.where(codes >= 0, codes.astype(np.float64), col["mean"])
            values -= col["mean"]
            values /= col["std"]
            out[:, 0] = values
    if col.get("missing_indicator"):
        out[:, -1] = missing


def column_width(col: dict) -> int:
    width = len(col["categories"]) if col["type"] == "categorical" and col["encoding"] == "one_hot" else 1
    return width + 1 if col.get("missing_indicator") else width


def feature_names(columns: list[dict]) -> list[str]:
    names = []
    for col in columns:
        if col["type"] == "categorical" and col["encoding"] == "one_hot":
            names.extend(f"{col['name']}={c}" for c in col["categories"])
        else:
            names.append(col["name"])
        if col.get("missing_indicator"):
            names.append(f"{col['name']} was missing")
    return names


def encode_raw_rows(columns: list[dict], rows: list[list]) -> np.ndarray:
    """Raw cells, one list per row in the order of ``columns`` -> float32 (n, features)."""
    if not columns:
        raise DataError("The preprocessing has no input columns.")
    n = len(rows)
    x = np.empty((n, sum(map(column_width, columns))), dtype=np.float32)
    start = 0
    for j, col in enumerate(columns):
        cells = [row[j] for row in rows]
        if col["type"] == "numeric":
            raw = np.empty(n, dtype=np.float64)
            for i, cell in enumerate(cells):
                value = parse_number(cell)
                raw[i] = float("nan") if value is None else value
        else:
            raw = category_codes(cells, col)
        width = column_width(col)
        encode_into(x[:, start:start + width], raw, col)
        start += width
    return x
