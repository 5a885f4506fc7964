"""Load a CSV/TSV file as a table or text `Dataset`: detect the format, stream the columns, build the table."""

from __future__ import annotations

from pathlib import Path

from workbench.core.data.csv_format import detect_format
from workbench.core.data.csv_reader import read_columns
from workbench.core.data.dataset import Dataset
from workbench.core.data.progress import ProgressReporter
from workbench.core.data.table import TableSource, build_table, declared_kinds, quote_list, resolve_columns
from workbench.core.data.text import TextBuilder
from workbench.core.errors import DataError


def load_csv(path: Path, options: dict, split: dict, reporter: ProgressReporter) -> Dataset:
    reporter.update(0.0, f"Reading {path.name}", force=True)
    fmt = detect_format(path, options.get("delimiter"), options.get("header"))
    report = list(fmt.notes)
    names = fmt.names
    title = f"The file {path.name!r}"
    text_opt = options.get("text")
    target = options.get("target")
    kinds = declared_kinds(options)
    asked = ([target] if isinstance(target, str) else list(target or [])) + list(options.get("ignore", [])) + \
        list(options.get("include", [])) + ([text_opt["column"]] if text_opt else []) + list(kinds)
    for name in asked:
        if name not in names:
            raise DataError(f"{title} has no column {name!r}. Its columns are: {quote_list(names, 12)}.")
    ignore = set(options.get("ignore", []))
    use = [j for j, name in enumerate(names) if name not in ignore]
    keep_strings = frozenset({names.index(text_opt["column"])}) if text_opt else frozenset()
    as_categories = frozenset(names.index(n) for n, kind in kinds.items() if kind == "categorical")
    as_numbers = frozenset(names.index(n) for n, kind in kinds.items() if kind == "numeric")
    reporter.stage(0.0, 0.85)
    cols, chunk_rows, reread = read_columns(path, fmt, use, reporter, force_text=as_categories,
                                            keep_strings=keep_strings, force_numeric=as_numbers)
    n_rows = sum(chunk_rows)
    if n_rows == 0:
        raise DataError(f"{title} has a header row but no data rows.")
    by_index = dict(zip(use, cols))
    if reread:
        reporter.stage(0.85, 0.9)
        again, _, _ = read_columns(path, fmt, reread, reporter, force_text=frozenset(reread),
                                   keep_strings=keep_strings & frozenset(reread), expect_chunks=chunk_rows)
        by_index.update(zip(reread, again))
    source = TableSource(title=title, name=path.name, source_columns=list(names),
                         read={"delimiter": fmt.delimiter, "header": fmt.header, "encoding": fmt.encoding},
                         chunk_rows=chunk_rows)
    if not text_opt:
        plans, _ = resolve_columns(list(by_index.values()), options, source, n_rows, [])
        features = [p for p in plans if p.role == "feature"]
        texts = [p for p in plans if p.role == "excluded" and p.analysis == "text"]
        if not features and len(texts) == 1:
            name = texts[0].data.name
            j = names.index(name)
            reporter.stage(0.85, 0.9)
            again, _, _ = read_columns(path, fmt, [j], reporter, force_text=frozenset({j}),
                                       keep_strings=frozenset({j}), expect_chunks=chunk_rows)
            by_index[j] = again[0]
            options = {**options, "text": {"column": name}}
            report.append(f"Column {name!r} holds free text and is the only input, so it is split into words "
                          "(choose the text settings to change this).")
    reporter.stage(0.9, 1.0)
    cols = [by_index[j] for j in sorted(by_index)]
    dataset = build_table(cols, options, split, source, n_rows, report, reporter, TextBuilder(options.get("text")))
    dataset.description = (f"{dataset.num_samples:,} rows of {path.name}, "
                           f"{'text' if dataset.kind == 'text' else f'{dataset.input_shape[0]} inputs'}.")
    return dataset
