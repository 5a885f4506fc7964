"""`data_summary`: the import's decisions in a few lines, for the command line (the full report has a line per
column): the target and why, rows dropped or filled in, the columns left out and why, the kinds the user declared,
the text input, cells read as missing, and how the file was read when that is not plain."""

from __future__ import annotations

from workbench.core.data.dataset import Dataset
from workbench.core.data.table import quote_list

KIND_WORDS = {"categorical": "categories", "numeric": "numbers"}
ROUTINE = ("Delimiter: ", "The first row holds the column names.")


def _left_out(dataset: Dataset, names: list[str]) -> str | None:
    reasons = []
    for name in names:
        prefix = f"Column {name!r}: left out"
        line = next((line for line in dataset.report if line.startswith(prefix)), None)
        if line is None:
            continue
        why = line[len(prefix):].removesuffix(" Include it to use it.").rstrip(".").lstrip(", ")
        why = why.removeprefix("because ")
        if why.startswith("(") and why.endswith(")"):
            why = why[1:-1]
        reasons.append(f"{name!r} ({why})")
    if not reasons:
        return None
    return f"Left out {len(reasons)} column{'s' if len(reasons) != 1 else ''}: {quote_list(reasons, 8)}."


def data_summary(dataset: Dataset) -> list[str]:
    """One line per decision of a table or text import, and every warning (nothing for other kinds of data):
    the report's lines but those on how the file is written when it is plain (the delimiter, the header) and those
    on single columns, whose decisions are summed up in a line on the columns left out."""
    pre = dataset.preprocessing
    if pre.get("kind") not in ("table", "text"):
        return []
    text_input = f"Column {pre['column']!r}: the input" if pre.get("kind") == "text" else None
    lines = []
    for line in dataset.report:
        if line.startswith(ROUTINE):
            continue
        if line.startswith("Column ") and " read as missing" not in line and \
                not (text_input and line.startswith(text_input)):
            continue
        lines.append(line)
    if not any(line.startswith("Target: ") for line in lines):
        targets = (pre.get("target") or {}).get("columns") or []
        lines.insert(0, f"Target: {', '.join(repr(t) for t in targets)}, as you chose.")
    options = dataset.spec.options if dataset.spec is not None else {}
    kinds = {**{name: "categorical" for name in options.get("encodings", {})}, **options.get("kinds", {})}
    if kinds:
        lines.append("Read as you declared: " + ", ".join(f"{name!r} as {KIND_WORDS[kind]}"
                                                          for name, kind in kinds.items()) + ".")
    left_out = _left_out(dataset, list(pre.get("source_columns") or []))
    if left_out:
        lines.append(left_out)
    return lines
