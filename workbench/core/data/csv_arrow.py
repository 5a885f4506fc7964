"""Read a delimited text file in blocks of rows with PyArrow's CSV reader (C++, multithreaded, streaming).

Every cell comes as a string (the missing-value tokens as nulls), so our own column detection in `csv_reader`
decides what a column holds, exactly as it does for the `csv` module's cells; PyArrow only splits the file and
turns whole blocks of strings into numbers or dictionaries in C. PyArrow reads UTF-8 files only, and it splits some
files differently from the `csv` module (spaces before a quote, a space delimiter, cells over the `csv` module's
size limit, a ragged row, invalid UTF-8 after the sample): then `ArrowCannotRead` is raised, before or during the
read, and the caller reads the file with the `csv` module instead, which gives the same table or the same error.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from workbench.core.data.columns import MISSING_TOKENS
from workbench.core.data.csv_format import CsvFormat
from workbench.core.data.files import refuse_special_file

BLOCK_BYTES = 4 << 20
ARROW_ENCODINGS = ("utf-8", "utf-8-sig")
NULL_TOKENS = sorted({t for token in MISSING_TOKENS for t in (token, token.upper(), token.title())})


class ArrowCannotRead(Exception):
    """PyArrow would not read this file as the `csv` module does; read it with the `csv` module."""


def arrow_can_read(path: Path, fmt: CsvFormat) -> bool:
    """Whether PyArrow reads the file as the `csv` module would, judged from its format and start."""
    if fmt.encoding not in ARROW_ENCODINGS or fmt.delimiter in ' "\r\n':
        return False
    try:
        with open(path, "rb") as f:
            start = f.read(1 << 16)
    except OSError:
        return False
    text = start.decode("utf-8", errors="replace").lstrip("\ufeff")
    if not text or text[0] in "\r\n":             # blank lines before the header: the csv module skips them
        return False
    # a quote after spaces is a quoted cell for the csv module (skipinitialspace), plain text for PyArrow
    return re.search(re.escape(fmt.delimiter) + r'[ \t]+"', text) is None


def _column_key(j: int) -> str:
    return f"c{j}"


def arrow_blocks(path: Path, fmt: CsvFormat, use: list[int], rows_per_block: int,
                 progress) -> Iterator[tuple[int, dict[int, object]]]:
    """(rows, {column index: pyarrow string array}) per block of ``rows_per_block`` rows (the last one shorter);
    ``progress(fraction, rows so far)`` after each block. Raises `ArrowCannotRead` where the `csv` module would
    read the file otherwise."""
    import pyarrow as pa  # lazy
    import pyarrow.csv as pacsv  # lazy

    refuse_special_file(path, "a table file")
    names = [_column_key(j) for j in range(len(fmt.names))]
    keep = [_column_key(j) for j in use]
    read = pacsv.ReadOptions(column_names=names, skip_rows=1 if fmt.header else 0, block_size=BLOCK_BYTES,
                             use_threads=True)
    parse = pacsv.ParseOptions(delimiter=fmt.delimiter, quote_char='"', double_quote=True, escape_char=False,
                               newlines_in_values=True, ignore_empty_lines=True)
    convert = pacsv.ConvertOptions(column_types={name: pa.string() for name in keep}, include_columns=keep,
                                   null_values=NULL_TOKENS, strings_can_be_null=True, quoted_strings_can_be_null=True)
    limit = csv.field_size_limit() // 4            # in bytes, for at most 4 bytes per character
    size = max(path.stat().st_size, 1)
    pending: list = []                              # record batches not handed out yet; the first one in part
    start = pending_rows = done = 0
    with open(path, "rb") as f:
        try:
            reader = pacsv.open_csv(f, read_options=read, parse_options=parse, convert_options=convert)
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                _check_cells(batch, limit)
                pending.append(batch)
                pending_rows += batch.num_rows
                while pending_rows >= rows_per_block:
                    columns, pending, start = _take(pending, start, rows_per_block, keep, use)
                    pending_rows -= rows_per_block
                    done += rows_per_block
                    yield rows_per_block, columns
                    progress(min(f.tell() / size, 1.0), done)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
            raise ArrowCannotRead from None
    if pending_rows:
        columns, _, _ = _take(pending, start, pending_rows, keep, use)
        yield pending_rows, columns
        progress(1.0, done + pending_rows)
    pending = columns = None
    pa.default_memory_pool().release_unused()      # PyArrow's allocator keeps freed blocks; the table needs room


def _take(batches: list, start: int, rows: int, keep: list[str], use: list[int]):
    """The next ``rows`` rows from ``batches`` (the first one from row ``start``) as one array per column (no copy
    unless they span batches); returns (columns, batches left, start in the first of them)."""
    import pyarrow as pa  # lazy

    parts, taken = [], 0
    while taken < rows:
        batch = batches[0]
        n = min(batch.num_rows - start, rows - taken)
        parts.append(batch.slice(start, n))
        taken += n
        start += n
        if start == batch.num_rows:
            batches, start = batches[1:], 0
    columns = {}
    for j, key in zip(use, keep):
        pieces = [part.column(key) for part in parts]
        columns[j] = pieces[0] if len(pieces) == 1 else pa.concat_arrays(pieces)
    return columns, batches, start


def _check_cells(batch, limit: int) -> None:
    """A cell longer than the `csv` module takes (an unclosed quote, often) is its error to report."""
    for column in batch.columns:
        if column.nbytes > limit and len(column):   # else no cell can be that long
            ends = np.frombuffer(column.buffers()[1], dtype=np.int32, count=len(column) + 1,
                                 offset=column.offset * 4)       # a string array's offsets: cell j is ends[j:j+2]
            if int(np.diff(ends).max()) > limit:
                raise ArrowCannotRead


def arrow_floats(cells) -> np.ndarray | None:
    """A string array as float64 numbers (NaN for nulls), or None when a cell is not a plain number."""
    import pyarrow as pa  # lazy
    import pyarrow.compute as pc  # lazy

    try:
        numbers = pc.cast(cells, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return numbers.to_numpy(zero_copy_only=False).copy()  # into numpy's heap, which hands freed blocks back


def arrow_dictionary(cells) -> tuple[list[str | None], np.ndarray]:
    """(the distinct strings in order of first appearance, int32 index of each cell into them, -1 for a null)."""
    import pyarrow.compute as pc  # lazy

    encoded = pc.dictionary_encode(cells)
    indices = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32, copy=False)
    return encoded.dictionary.to_pylist(), indices


def check_distinct(dictionary: list[str]) -> None:
    """A cell that starts with spaces and a quote is a quoted cell for the `csv` module (spaces skipped), plain text
    for PyArrow: `arrow_can_read` looks for one at the start of the file, this in the later blocks."""
    for cell in dictionary:
        if cell[:1].isspace() and cell.lstrip().startswith('"'):
            raise ArrowCannotRead


def arrow_strings(cells) -> tuple[str, ...]:
    """A string array as Python strings, "" for nulls (which are missing-value tokens)."""
    return tuple("" if s is None else s for s in cells.to_pylist())
