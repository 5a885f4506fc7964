"""Turn parsed columns into a table `Dataset`: pick the target and the task, leave out identifier-like columns,
handle missing values, split, fit the encoders on the training rows only, and build float32 x block by block.

Used by the CSV loader and, with plain numeric columns, by the built-in tables and 2-D arrays. Every decision is
written to the report, one line per column, in the user's words.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from workbench.core.data.columns import ColumnData, column_width, encode_into, feature_names
from workbench.core.data.dataset import Dataset
from workbench.core.data.memory import release_freed_memory
from workbench.core.data.multilabel import (binary_problem, can_be_label, check_labels_vary, label_columns_target,
                                            reads_separated_labels, separated_labels_target, separator_of)
from workbench.core.data.progress import ProgressReporter
from workbench.core.data.splits import check_classes_in_train, make_splits
from workbench.core.data.target import FEW_CLASSES, suggest_target
from workbench.core.errors import DataError

MAX_ONE_HOT = 50
MAX_CLASSES = 1000
AUTO_CLASSES = 20
DEFAULT_MISSING = "impute"      # mean / most frequent value, and a "was missing" input for each column with gaps
FILLS_NUMBERS_WITH_MEAN = ("mean", "impute")


def fmt(value: float) -> str:
    return f"{value:.4g}"


def quote_list(values: list[str], limit: int = 6) -> str:
    shown = ", ".join(values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


@dataclass
class TableSource:
    """Where the columns came from, for messages and the preprocessing record."""

    title: str                    # "'data.csv'" or "the iris data"
    name: str                     # dataset name
    source_columns: list[str]     # every column of the source, in order
    read: dict                    # how to read raw rows again, e.g. {"delimiter": ",", "header": true}
    chunk_rows: list[int]         # rows per chunk, shared by all columns


@dataclass
class ColumnPlan:
    data: ColumnData
    role: str = "feature"         # feature | target | ignored | excluded
    reason: str = ""              # why excluded
    analysis: str = ""            # numeric | categorical | identifier | text | constant | empty | overflow


def _concat(chunks: list) -> np.ndarray:
    return np.concatenate([c for c in chunks if c is not None])


def _running_number(chunks: list) -> bool:
    """Whether the numbers of the blocks ``chunks`` are whole and each one more than the one before (1, 2, 3...);
    judged block by block, so a column of measurements is told apart at its first block."""
    chunks = [c for c in chunks if c is not None]
    if sum(map(len, chunks)) < 3:
        return False
    last = None
    for values in chunks:
        if not len(values):
            continue
        if np.isnan(values).any() or not np.all(values == np.round(values)) or not np.all(np.diff(values) == 1.0):
            return False
        if last is not None and values[0] - last != 1.0:
            return False
        last = values[-1]
    return True


def _finite_range(chunks: list) -> tuple[float, float, float] | None:
    """(the first number, the smallest, the largest) of a numeric column's blocks, NaN left out; None if none."""
    first = low = high = None
    for values in chunks:
        if values is None or not len(values):
            continue
        low_here = np.fmin.reduce(values)                  # NaN left out, NaN itself only when all are
        if np.isnan(low_here):
            continue
        high_here = np.fmax.reduce(values)
        if first is None:
            first, low, high = values[np.argmin(np.isnan(values))], low_here, high_here
        else:
            low, high = min(low, low_here), max(high, high_here)
    return None if first is None else (first, low, high)


def declared_kinds(options: dict) -> dict[str, str]:
    """{column: "categorical" | "numeric"} as the user declared them; a column given an encoding is categorical."""
    kinds = {name: "categorical" for name in options.get("encodings", {})}
    kinds.update(options.get("kinds", {}))
    return kinds


def analyse_column(col: ColumnData, n_rows: int, declared: str | None = None) -> tuple[str, str]:
    """(analysis, reason to leave it out or "") for one column; a column of a ``declared`` kind is never taken
    for an identifier or free text."""
    present = n_rows - col.n_missing
    if present == 0:
        return "empty", "it is empty"
    if declared is not None:
        if col.kind == "numeric":
            first, low, high = _finite_range(col.chunks)
            if low == high:
                return "constant", f"it has the same value ({fmt(first)}) in every row"
            return "numeric", ""
        if col.overflow:
            return "overflow", f"it has too many different values ({len(col.categories):,} or more)"
        if len(col.categories) == 1:
            return "constant", f"it has the same value ({col.categories[0]!r}) in every row"
        return "categorical", ""
    if col.kind == "numeric":
        first, low, high = _finite_range(col.chunks)
        if low == high:
            return "constant", f"it has the same value ({fmt(first)}) in every row"
        if _running_number(col.chunks):
            return "identifier", "it looks like an identifier (a running number)"
        return "numeric", ""
    if col.looks_like_text and (col.overflow or len(col.categories) > FEW_CLASSES):
        return "text", "it looks like free text; choose it as the text column to use it"
    if col.overflow:
        return "overflow", f"it has too many different values ({len(col.categories):,} or more)"
    if len(col.categories) == 1:
        return "constant", f"it has the same value ({col.categories[0]!r}) in every row"
    if len(col.categories) == present and present >= 3:
        return "identifier", "it looks like an identifier (different text in every row)"
    return "categorical", ""


def resolve_columns(cols: list[ColumnData], options: dict, source: TableSource, n_rows: int,
                    report: list[str]) -> tuple[list[ColumnPlan], list[ColumnPlan]]:
    """Decide each column's role. Returns (all plans, target plans)."""
    by_name = {c.name: c for c in cols}
    known = source.source_columns

    def check(name: str) -> None:
        if name not in known:
            raise DataError(f"{source.title} has no column {name!r}. Its columns are: {quote_list(known, 12)}.")

    target = options.get("target")
    targets = [target] if isinstance(target, str) else list(target or [])
    ignore = list(options.get("ignore", []))
    include = list(options.get("include", []))
    kinds = declared_kinds(options)
    for name in targets + ignore + include + list(kinds):
        check(name)
    if not targets:
        text_column = (options.get("text") or {}).get("column")
        candidates = [n for n in known if n not in ignore and n != text_column]
        if not candidates:
            raise DataError(f"{source.title} has no column left to be the target.")
        if options.get("target_rule") == "last":
            targets = [candidates[-1]]
            report.append(f"Target: {candidates[-1]!r}, the last column, as this project has always read it "
                          "(choose another target if this is not what the model should predict).")
        else:
            suggestion = suggest_target(cols, candidates, n_rows)
            targets = [suggestion.name]
            report.append(suggestion.sentence)
    for name in targets:
        if name in ignore:
            raise DataError(f"Column {name!r} is the target, so it cannot be left out.")
    plans: list[ColumnPlan] = []
    for name in known:
        if name not in by_name:          # not parsed: left out as asked
            plans.append(ColumnPlan(ColumnData(name, "numeric", []), role="ignored"))
            continue
        col = by_name[name]
        plan = ColumnPlan(col)
        plan.analysis, reason = analyse_column(col, n_rows, kinds.get(name))
        if name in targets:
            plan.role = "target"
        elif name in ignore:
            plan.role = "ignored"
        elif reason and name not in include:
            plan.role, plan.reason = "excluded", reason
        elif reason and plan.analysis in ("empty", "overflow", "text"):
            plan.role = "excluded"
            plan.reason = reason if plan.analysis != "text" else "it holds free text, which cannot be an input " \
                                                                 "column; choose it as the text column instead"
        plans.append(plan)
    target_plans = [p for p in plans if p.role == "target"]
    target_plans.sort(key=lambda p: targets.index(p.data.name))
    return plans, target_plans


def decide_task(target_plans: list[ColumnPlan], options: dict, n_rows: int, report: list[str]) -> str:
    task = options.get("task", "auto")
    if len(target_plans) > 1:
        if task == "classification":
            raise DataError("A classifier predicts a single column; choose one target column, or choose regression "
                            "to predict several numbers.")
        if task == "multilabel":
            return task
        problems = [(p.data, binary_problem(p.data)) for p in target_plans]
        if task == "auto" and not any(problem for _, problem in problems):
            report.append(f"The {len(target_plans)} target columns hold only 0 and 1, so the task is multi-label: "
                          "each row can have several of the labels (choose regression to predict the numbers).")
            return "multilabel"
        text = next(((col, problem) for col, problem in problems if problem and col.kind != "numeric"), None)
        if task == "auto" and text is not None and any(not problem for _, problem in problems):
            col, problem = text     # labels and a column of text: not numbers to predict, so meant as a label
            raise DataError(f"Column {col.name!r} {problem}: it cannot be one of several labels. Leave it out of "
                            "the target columns, or choose it alone as the target.")
        for plan in target_plans:
            _check_regression_target(plan)
        return "regression"
    plan = target_plans[0]
    col = plan.data
    if col.overflow:
        raise DataError(f"Column {col.name!r} has {len(col.categories):,} or more different values: too many "
                        "classes. Is it the right target column?")
    if n_rows - col.n_missing == 0:
        raise DataError(f"The target column {col.name!r} is empty.")
    if task == "regression":
        _check_regression_target(plan)
        return task
    if task in ("classification", "multilabel"):
        return task
    separator = separator_of(col)
    if separator is not None:
        report.append(f"Column {col.name!r} holds labels separated by {separator!r}, so the task is multi-label: "
                      "each row can have several of them (choose classification to treat each combination as one "
                      "class).")
        return "multilabel"
    if col.kind != "numeric":
        return "classification"
    values = _concat(col.chunks)
    values = values[~np.isnan(values)]
    distinct = np.unique(values)
    if np.all(distinct == np.round(distinct)) and len(distinct) <= AUTO_CLASSES:
        report.append(f"Column {col.name!r} holds {len(distinct)} different whole numbers, so the task is "
                      "classification (choose regression to predict the numbers themselves).")
        return "classification"
    return "regression"


def _check_regression_target(plan: ColumnPlan) -> None:
    col = plan.data
    if col.kind != "numeric":
        example = col.categories[0] if col.categories else "text"
        raise DataError(f"Column {col.name!r} holds text ({example!r}), not numbers, so it cannot be a regression "
                        "target. Choose classification, or another column as the target.")


def _missing_mask(col: ColumnData, chunk: int) -> np.ndarray:
    data = col.chunks[chunk]
    return np.isnan(data) if col.kind == "numeric" else data < 0


def build_table(cols: list[ColumnData], options: dict, split: dict, source: TableSource, n_rows: int,
                report: list[str], reporter: ProgressReporter, text_builder=None) -> Dataset:
    """The whole table pipeline; ``text_builder(plans, target info...)`` handles a text column when chosen."""
    plans, target_plans = resolve_columns(cols, options, source, n_rows, report)
    task = decide_task(target_plans, options, n_rows, report)
    label_columns = [c.name for c in cols if can_be_label(c)]  # read before the blocks are freed
    features = [p for p in plans if p.role == "feature"]
    missing_policy = options.get("missing", DEFAULT_MISSING)
    n_chunks = len(source.chunk_rows)
    bounds = np.concatenate([[0], np.cumsum(source.chunk_rows)]).astype(np.int64)

    # rows to keep: a target is needed; with the drop policy every used feature is needed as well
    keep = np.ones(n_rows, dtype=bool)
    target_missing = 0
    separated = task == "multilabel" and reads_separated_labels([p.data for p in target_plans])  # empty: no label
    for plan in target_plans if not separated else ():
        for k in range(n_chunks):
            lost = _missing_mask(plan.data, k)
            target_missing += int((lost & keep[bounds[k]:bounds[k + 1]]).sum())
            keep[bounds[k]:bounds[k + 1]] &= ~lost
    if target_missing:
        report.append(f"Dropped {target_missing} row{'s' if target_missing != 1 else ''} without a target value.")
    text_plan = None
    if text_builder is not None:
        text_plan = text_builder.plan(plans)
        if text_plan is not None:
            features = []
    complete = None
    if features:
        complete = keep.copy()
        for plan in features:
            for k in range(n_chunks):
                complete[bounds[k]:bounds[k + 1]] &= ~_missing_mask(plan.data, k)
        gaps = int(keep.sum()) - int(complete.sum())
        if gaps and missing_policy == "drop":
            keep = complete
            report.append(f"Dropped {gaps} row{'s' if gaps != 1 else ''} with missing values (missing-value "
                          "policy: drop rows).")
        elif gaps:
            report.append(_filled_line(gaps, missing_policy))
    kept_rows = np.flatnonzero(keep)
    n = len(kept_rows)
    if n == 0:
        raise DataError("No rows are left after dropping the rows with missing values; choose another "
                        "missing-value policy or leave out the emptiest columns.")

    y, class_names, target_info = _build_target(target_plans, task, kept_rows, options, report)
    labels = y if task == "classification" else None
    splits = make_splits(n, split, labels)
    if task == "classification":
        check_classes_in_train(splits, y, class_names, report)
    if task == "multilabel":
        check_labels_vary(y, splits["train"], class_names, report)
    train_rows = kept_rows[splits["train"]]
    if task == "regression" and target_info.get("mean") is not None:
        scale_regression_target(y, splits["train"], target_info)

    if text_plan is not None:
        dataset = text_builder.build(text_plan, kept_rows, splits, y, task, class_names, target_info, source, report,
                                     reporter, plans)
        dataset.label_columns = label_columns
        return dataset

    if not features:
        raise DataError(f"{source.title} has no columns left to learn from: every column is the target, left out, "
                        "or looks like an identifier. Include a column to use it.")
    specs = [_fit_column(p, train_rows, keep, options, missing_policy) for p in features]
    for plan in plans:
        report.append(_column_line(plan, specs, target_info, class_names))
    widths = [column_width(s) for s in specs]
    width = sum(widths)
    # before x takes its room: what only the target and the fit needed (row indices, the target and left-out columns)
    kept_rows = train_rows = complete = None
    for plan in plans:
        if plan.role != "feature":
            plan.data.chunks = [None] * len(plan.data.chunks)
    release_freed_memory()
    x = np.empty((n, width), dtype=np.float32)
    # per column: map its own codes to the fitted categories (-2: not seen in training)
    remaps = []
    for plan, spec in zip(features, specs):
        if spec["type"] == "categorical":
            index = {c: i for i, c in enumerate(spec["categories"])}
            remaps.append(np.array([index.get(c, -2) for c in plan.data.categories] + [-1], dtype=np.int64))
        else:
            remaps.append(None)
    _encode_blocks(x, features, specs, remaps, widths, keep, bounds, source.chunk_rows, reporter)
    preprocessing = {
        "kind": "table",
        "version": 1,
        "columns": specs,
        "feature_names": feature_names(specs),
        "source_columns": list(source.source_columns),
        "read": dict(source.read),
        "missing": missing_policy,
        "target": target_info,
    }
    return Dataset(name=source.name, task=task, x=x, y=y, class_names=class_names, input_shape=(width,),
                   input_dtype="float", preprocessing=preprocessing, splits=splits, report=report,
                   label_columns=label_columns)


def _encode_blocks(x: np.ndarray, features: list[ColumnPlan], specs: list[dict], remaps: list, widths: list[int],
                   keep: np.ndarray, bounds: np.ndarray, chunk_rows: list[int], reporter: ProgressReporter) -> None:
    """Fill x block by block, freeing each column's raw block once it is encoded.

    A block is encoded into a column-major scratch, where each input column is contiguous (writing the columns of
    x's rows in place strides across every row: 2.7x the time), then a thread of its own copies it into its rows of
    x while the next block is encoded into the other scratch: the copy, and the first touch of x's memory that
    comes with it, hold no interpreter lock, so they run beside the encoding."""
    scratches = [np.empty((x.shape[1], max(chunk_rows)), dtype=np.float32) for _ in range(2)]
    copies: list[Future | None] = [None, None]
    row = 0
    with ThreadPoolExecutor(1, thread_name_prefix="table-rows") as copier:
        for k in range(len(chunk_rows)):
            kept_here = keep[bounds[k]:bounds[k + 1]]
            rows_here = slice(None) if kept_here.all() else np.flatnonzero(kept_here)
            m = int(kept_here.sum())
            if copies[k % 2] is not None:
                copies[k % 2].result()                           # its scratch is free again
            block = scratches[k % 2][:, :m].T                    # (m, width), each column contiguous
            col0 = 0
            for plan, spec, remap, w in zip(features, specs, remaps, widths):
                data = plan.data.chunks[k][rows_here]
                encode_into(block[:, col0:col0 + w], data if remap is None else remap[data], spec)  # -1 stays -1
                col0 += w
                plan.data.chunks[k] = None                       # free the raw block as soon as it is used
            copies[k % 2] = copier.submit(np.copyto, x[row:row + m], block)
            row += m
            if k % 4 == 3:
                release_freed_memory()
            reporter.update(0.9 + 0.1 * (k + 1) / len(chunk_rows), "Encoding the columns")
        for copy in copies:
            if copy is not None:
                copy.result()


def _filled_line(rows: int, policy: str) -> str:
    """The report's line on rows kept with their missing values filled in."""
    how = {"impute": "numbers with the column's mean and categories with the most frequent one, and an input "
                     "for each such column says where a value was missing",
           "mean": "numbers with the column's mean and categories with the most frequent one",
           "most_frequent": "with the column's most frequent value"}[policy]
    return (f"Kept {rows} row{'s' if rows != 1 else ''} with missing values: the gaps are filled in, {how} "
            "(choose “drop rows” as the missing-value policy to leave such rows out).")


def _build_target(target_plans, task, kept_rows, options, report):
    if task == "multilabel":
        if reads_separated_labels([p.data for p in target_plans]):
            return separated_labels_target(target_plans[0].data, kept_rows, report)
        return label_columns_target([p.data for p in target_plans], kept_rows)
    if task == "classification":
        col = target_plans[0].data
        if col.kind == "numeric":
            values = _concat(col.chunks)[kept_rows]
            distinct = np.unique(values)
            if len(distinct) > MAX_CLASSES:
                raise DataError(f"Column {col.name!r} has {len(distinct)} different values: too many classes "
                                f"(at most {MAX_CLASSES}). Choose regression to predict the numbers.")
            names = [fmt_class(v) for v in distinct]
            y = np.searchsorted(distinct, values).astype(np.int64)
        else:
            codes = _concat(col.chunks)
            if len(kept_rows) < len(codes):
                codes = codes.take(kept_rows)
            used = np.flatnonzero(np.bincount(codes + 1)) - 1          # np.unique's answer, without sorting
            if len(used) > MAX_CLASSES:
                raise DataError(f"Column {col.name!r} has {len(used)} different values: too many classes "
                                f"(at most {MAX_CLASSES}). Is it the right target column?")
            used = used[used >= 0]
            names_unsorted = [col.categories[c] for c in used]
            order = list(range(len(used))) if col.ordered else sorted(range(len(used)),
                                                                       key=lambda i: names_unsorted[i])
            names = [names_unsorted[i] for i in order]
            remap = np.zeros(len(col.categories), dtype=np.int64)
            for new, old in enumerate(order):
                remap[used[old]] = new
            y = remap[codes]
        if len(names) < 2:
            raise DataError(f"Column {col.name!r} has a single class ({names[0]!r}); a classifier needs at least "
                            "two.")
        return y, names, {"task": "classification", "columns": [col.name], "classes": names}
    ys = []
    for plan in target_plans:
        ys.append(_concat(plan.data.chunks)[kept_rows])
    y = (ys[0] if len(ys) == 1 else np.stack(ys, axis=1)).astype(np.float32)
    info = {"task": "regression", "columns": [p.data.name for p in target_plans], "mean": None, "std": None}
    if options.get("scale_target", True):
        info["mean"] = []   # filled from the training rows once the split is known
    return y, [], info


def fmt_class(value: float) -> str:
    return str(int(value)) if value == np.round(value) else repr(float(value))


def scale_regression_target(y: np.ndarray, train_idx: np.ndarray, info: dict) -> None:
    """Standardise regression targets in place with training statistics; the model learns z-scores and
    ``inverse_target`` turns its outputs back into the column's units."""
    train = y[train_idx].astype(np.float64)
    mean = np.atleast_1d(train.mean(axis=0))
    std = np.atleast_1d(train.std(axis=0))
    std = np.where(std > 0, std, 1.0)
    info["mean"] = [float(v) for v in mean]
    info["std"] = [float(v) for v in std]
    if y.ndim == 1:
        y[:] = ((y.astype(np.float64) - mean[0]) / std[0]).astype(np.float32)
    else:
        y[:] = ((y.astype(np.float64) - mean) / std).astype(np.float32)


def _fit_column(plan: ColumnPlan, train_rows: np.ndarray, keep: np.ndarray, options: dict, policy: str) -> dict:
    """The encoder of one input column, fitted on the training rows (``train_rows``, ascending indices of the file's
    rows; ``keep``, a mask of the rows kept), with what the report says about it; the column's blocks are joined
    for the while (one column's worth of memory at a time)."""
    col = plan.data
    values = np.concatenate(col.chunks)               # the whole column at once: 100x fewer calls than per block
    train = values.take(train_rows)                   # 10x faster than a mask of the rows, in the same order
    kept = values if keep.all() else values[keep]

    def kept_count(count) -> int:
        return int(np.count_nonzero(count(kept)))

    if col.kind == "numeric":
        present = train[~np.isnan(train)]
        if len(present) == 0:
            raise DataError(f"Column {col.name!r} has no values in the training rows; leave it out.")
        mean = float(present.mean())
        std = float(present.std())
        spec = {"name": col.name, "type": "numeric", "mean": mean, "std": std if std > 0 else 1.0, "fill": None}
        if policy in FILLS_NUMBERS_WITH_MEAN:
            spec["fill"] = mean
        elif policy == "most_frequent":
            distinct, counts = np.unique(present, return_counts=True)
            spec["fill"] = float(distinct[np.argmax(counts)])
        if policy == "impute" and len(present) < len(train):
            spec["missing_indicator"] = True
        spec["_missing"] = kept_count(np.isnan)
        spec["_how"] = "the mean" if policy in FILLS_NUMBERS_WITH_MEAN else "the most frequent value"
        spec["_text"] = col.n_text_as_missing
        spec["_examples"] = list(col.text_examples)
        spec["_text_rows"] = list(col.text_rows)
        spec["_huge"] = (col.n_huge, list(col.huge_rows))
        return spec
    present = train[train >= 0]
    if len(present) == 0:
        raise DataError(f"Column {col.name!r} has no values in the training rows; leave it out.")
    counts = np.bincount(present, minlength=len(col.categories))
    seen = np.flatnonzero(counts)
    categories = sorted(col.categories[i] for i in seen)
    encoding = options.get("encodings", {}).get(col.name)
    auto_index = False
    if encoding is None:
        encoding = options.get("categorical", "one_hot")
        if encoding == "one_hot" and len(categories) > MAX_ONE_HOT:
            encoding, auto_index = "index", True
    spec = {"name": col.name, "type": "categorical", "encoding": encoding, "categories": categories, "fill": None}
    if policy != "drop":
        top = counts.max()
        spec["fill"] = min(col.categories[i] for i in seen if counts[i] == top)
    if policy == "impute" and len(present) < len(train):
        spec["missing_indicator"] = True
    if encoding == "index":
        index = {c: i for i, c in enumerate(categories)}
        remap = np.array([index.get(c, -1) for c in col.categories], dtype=np.int64)
        train_index = remap[present].astype(np.float64)
        spec["mean"] = float(train_index.mean())
        std = float(train_index.std())
        spec["std"] = std if std > 0 else 1.0
    train_set = set(categories)
    unseen_codes = [i for i, c in enumerate(col.categories) if c not in train_set]
    spec["_missing"] = kept_count(lambda codes: codes < 0)
    spec["_how"] = "the most frequent value"
    spec["_unseen"] = kept_count(lambda codes: np.isin(codes, unseen_codes)) if unseen_codes else 0
    spec["_auto_index"] = auto_index
    return spec


def _rows_named(rows: list[int], count: int) -> str:
    """'row 6', 'rows 4, 9 and 12', or 'rows 4, 9, ... and 35 more' for the first rows of ``count``."""
    if count == 1:
        return f"row {rows[0]}"
    named = [str(r) for r in rows]
    if count > len(named):
        return f"rows {', '.join(named)} and {count - len(named)} more"
    return f"rows {', '.join(named[:-1])} and {named[-1]}"


def _text_cells_note(count: int, examples: list[str], rows: list[int]) -> str:
    """'3 values that are not numbers ('n/a', '-'; rows 4, 9 and 12) read as missing'."""
    shown = ", ".join(repr(e) for e in examples[:3])
    if count == 1:
        return f"1 value that is not a number ({shown}, {_rows_named(rows, count)}) read as missing"
    return f"{count} values that are not numbers ({shown}; {_rows_named(rows, count)}) read as missing"


def _column_line(plan: ColumnPlan, specs: list[dict], target_info: dict, class_names: list[str]) -> str:
    name = plan.data.name
    if plan.role == "ignored":
        return f"Column {name!r}: left out, as you chose."
    if plan.role == "excluded":
        if plan.analysis in ("identifier", "constant"):
            return f"Column {name!r}: left out because {plan.reason}. Include it to use it."
        return f"Column {name!r}: left out because {plan.reason}."
    if plan.role == "target":
        if target_info["task"] == "multilabel":
            if target_info.get("separator"):
                return (f"Column {name!r}: the target, {len(class_names)} labels separated by "
                        f"{target_info['separator']!r} ({quote_list(class_names)}); each row can have several.")
            return f"Column {name!r}: one label of the target (0 or 1)."
        if target_info["task"] == "classification":
            return f"Column {name!r}: the target, {len(class_names)} classes ({quote_list(class_names)})."
        i = target_info["columns"].index(name)
        scale = ""
        if target_info.get("mean"):
            scale = (f", standardised for training (mean {fmt(target_info['mean'][i])}, spread "
                     f"{fmt(target_info['std'][i])}); predictions are turned back into its units")
        return f"Column {name!r}: the regression target{scale}."
    spec = next(s for s in specs if s["name"] == name)
    missing = spec.pop("_missing")
    if spec["type"] == "numeric":
        text_count = spec.pop("_text")
        examples = spec.pop("_examples")
        rows = spec.pop("_text_rows")
        line = f"Column {name!r}: numbers, standardised (mean {fmt(spec['mean'])}, spread {fmt(spec['std'])})"
        if text_count:
            line += "; " + _text_cells_note(text_count, examples, rows)
        huge, huge_rows = spec.pop("_huge")
        if huge:
            line += (f"; {huge} number{'s' if huge != 1 else ''} beyond the 32-bit range "
                     f"({_rows_named(huge_rows, huge)}) read as missing")
    else:
        unseen = spec.pop("_unseen")
        auto_index = spec.pop("_auto_index")
        cats = spec["categories"]
        line = f"Column {name!r}: {len(cats)} categories ({quote_list(cats)}), "
        if spec["encoding"] == "one_hot":
            line += f"one-hot encoded into {len(cats)} inputs"
        else:
            line += "encoded as one number (the category's index)"
            if auto_index:
                line += f", as they are more than {MAX_ONE_HOT}"
        if unseen:
            line += (f"; {unseen} value{'s' if unseen != 1 else ''} outside the training rows "
                     f"{'have categories' if unseen != 1 else 'has a category'} not seen in training (treated as "
                     "unknown)")
    how = spec.pop("_how")
    if missing:
        fill = spec.get("fill")
        if fill is None:
            line += f"; {missing} missing value{'s' if missing != 1 else ''}"
        else:
            shown = fmt(fill) if spec["type"] == "numeric" else repr(fill)
            line += f"; {missing} missing value{'s' if missing != 1 else ''} filled with {how} ({shown})"
            if spec.get("missing_indicator"):
                line += ", and an input says where a value was missing"
    return line + "."
