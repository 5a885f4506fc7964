"""Read a delimited text file in blocks of rows with PyArrow's CSV reader (C++, streaming), a large file by two
readers at once, one per half (`_segments`).

A sample from the start of the file says which columns hold numbers only: PyArrow parses those into float64 itself
(exactly as its cast of the same strings would, spaces around a number aside). Every other column comes as a
dictionary per block (its distinct cells and each cell's index into them), so our own column detection in
`csv_reader` decides what the column holds, exactly as it does for the `csv` module's cells. A column read as
numbers that turns out to hold a cell that is not one (text after the sample, or a NaN spelled in a way that is not a
missing-value token) stops the read with `ArrowRetype`: the caller reads the file again with that column as
dictionaries, so the table is the same as if it had been read so from the start.

PyArrow reads UTF-8 files only, and it splits some files differently from the `csv` module (spaces before a quote,
a space delimiter, cells over the `csv` module's size limit, a ragged row, invalid UTF-8 after the sample): then
`ArrowCannotRead` is raised, before or during the read, and the caller reads the file with the `csv` module instead,
which gives the same table or the same error.
"""

from __future__ import annotations

import csv
import io
import queue
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.data.columns import MISSING_TOKENS
from workbench.core.data.csv_format import CsvFormat
from workbench.core.data.files import refuse_special_file
from workbench.core.data.memory import release_freed_memory

BLOCK_BYTES = 2 << 20
READ_AHEAD = 4  # batches of BLOCK_BYTES read before the caller has taken them (8 MB at most); 0: no thread
TRIM_EVERY = 4  # blocks: the memory of the batches taken is handed back to the system this often (`memory`)
SPLIT_BYTES = 16 << 20  # a file this big is read by two of PyArrow's readers at once, one per half (`_segments`)
_END = object()
SAMPLE_BYTES = 1 << 20
ARROW_ENCODINGS = ("utf-8", "utf-8-sig")
NULL_TOKENS = sorted({t for token in MISSING_TOKENS for t in (token, token.upper(), token.title())})
CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): CSV conversion error")


class ArrowCannotRead(Exception):
    """PyArrow would not read this file as the `csv` module does; read it with the `csv` module."""


class ArrowRetype(Exception):
    """The column at index ``column``, read as numbers, holds a cell that is not one: read it as text."""

    def __init__(self, column: int):
        super().__init__(column)
        self.column = column


@dataclass
class Distinct:
    """One block of a column read as text: its distinct cells in order of first appearance (among those new to the
    column), and each cell's index into them, -1 for a null (a missing-value token)."""

    cells: list[str]
    indices: np.ndarray

    def strings(self) -> tuple[str, ...]:
        """Every cell as a Python string, "" for a null."""
        return tuple(np.array(self.cells + [""], dtype=object)[self.indices].tolist())

    def numbers(self) -> np.ndarray | None:
        """Every cell as a float64 number (NaN for a null) as PyArrow's cast reads it, or None when a cell is not a
        plain number."""
        import pyarrow as pa  # lazy
        import pyarrow.compute as pc  # lazy

        try:
            numbers = pc.cast(pa.array(self.cells, pa.string()), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        return np.append(numbers.to_numpy(zero_copy_only=False), np.nan)[self.indices]


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


def reader_options(fmt: CsvFormat, use: list[int], numeric: frozenset[int]):
    """PyArrow's read, parse and convert options: the columns ``use``, those in ``numeric`` as float64, the others
    as dictionaries of strings, the missing-value tokens as nulls."""
    import pyarrow as pa  # lazy
    import pyarrow.csv as pacsv  # lazy

    read = pacsv.ReadOptions(column_names=[_column_key(j) for j in range(len(fmt.names))],
                             skip_rows=1 if fmt.header else 0, block_size=BLOCK_BYTES, use_threads=True)
    parse = pacsv.ParseOptions(delimiter=fmt.delimiter, quote_char='"', double_quote=True, escape_char=False,
                               newlines_in_values=True, ignore_empty_lines=True)
    text = pa.dictionary(pa.int32(), pa.string())
    types = {_column_key(j): pa.float64() if j in numeric else text for j in use}
    convert = pacsv.ConvertOptions(column_types=types, include_columns=[_column_key(j) for j in use],
                                   null_values=NULL_TOKENS, strings_can_be_null=True, quoted_strings_can_be_null=True)
    return read, parse, convert


def numeric_columns(path: Path, fmt: CsvFormat, candidates: list[int]) -> frozenset[int]:
    """The columns among ``candidates`` whose cells in the first megabyte of the file are numbers (some at least)
    and missing-value tokens only: PyArrow's reader parses those as float64. Empty when the sample cannot be read
    (a quoted cell over its end, a ragged row...): then every column comes as text, as the reader sees fit."""
    import pyarrow as pa  # lazy
    import pyarrow.compute as pc  # lazy
    import pyarrow.csv as pacsv  # lazy

    if not candidates:
        return frozenset()
    refuse_special_file(path, "a table file")
    with open(path, "rb") as f:
        data = f.read(SAMPLE_BYTES)
        if f.read(1):                                       # more follows: end the sample at a line's end
            data = data[:data.rfind(b"\n") + 1]
    read, parse, convert = reader_options(fmt, candidates, frozenset())
    try:
        sample = pacsv.read_csv(pa.py_buffer(data), read_options=read, parse_options=parse,
                                convert_options=convert)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError):
        return frozenset()
    numeric = set()
    for j in candidates:
        cells = sample.column(_column_key(j))
        if cells.null_count == len(cells):
            continue
        try:
            numbers = pc.cast(cells.cast(pa.string()), pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
        if not pc.any(pc.is_nan(numbers)).as_py():             # a NaN read from a cell: see `_floats`
            numeric.add(j)
    return frozenset(numeric)


def arrow_blocks(path: Path, fmt: CsvFormat, use: list[int], rows_per_block: int, progress,
                 numeric: frozenset[int] = frozenset()) -> Iterator[tuple[int, dict[int, object]]]:
    """(rows, {column index: cells}) per block of ``rows_per_block`` rows (the last one shorter), where cells are
    float64 numbers with NaN for a null (the columns in ``numeric``) or a `Distinct`; ``progress(fraction, rows so
    far)`` after each block. Raises `ArrowCannotRead` where the `csv` module would read the file otherwise, and
    `ArrowRetype` where a column in ``numeric`` holds a cell that is not a number."""
    import pyarrow as pa  # lazy

    refuse_special_file(path, "a table file")
    options = reader_options(fmt, use, numeric)
    keys = {j: _column_key(j) for j in use}
    limit = csv.field_size_limit() // 4            # in bytes, for at most 4 bytes per character
    size = max(path.stat().st_size, 1)
    pending: list[tuple[object, dict]] = []         # PyArrow's batches not handed out yet, with their dictionaries
    start = pending_rows = done = 0
    try:
        rows_expected = _rows_expected(path, size)
        for batch in _read_ahead(path, _segments(path, size), options):
            pending.append((batch, {j: _strings(batch.column(key), limit) for j, key in keys.items()
                                    if j not in numeric}))
            pending_rows += batch.num_rows
            while pending_rows >= rows_per_block:
                columns, pending, start = _take(pending, start, rows_per_block, keys, numeric)
                pending_rows -= rows_per_block
                done += rows_per_block
                yield rows_per_block, columns
                progress(min(done / rows_expected, 0.99), done)
                if done % (TRIM_EVERY * rows_per_block) == 0:
                    release_freed_memory()
                    pa.default_memory_pool().release_unused()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeDecodeError) as e:
        conversion = CONVERSION_ERROR.match(str(e))
        if conversion and int(conversion.group(1)) in numeric:
            raise ArrowRetype(int(conversion.group(1))) from None
        raise ArrowCannotRead from None
    if pending_rows:
        columns, _, _ = _take(pending, start, pending_rows, keys, numeric)
        yield pending_rows, columns
        progress(1.0, done + pending_rows)
    pending = columns = batch = None
    pa.default_memory_pool().release_unused()      # PyArrow's allocator keeps freed blocks; the table needs room


def _rows_expected(path: Path, size: int) -> float:
    """About how many rows the file has, from the length of its first lines: the progress of a read, which the
    bytes PyArrow has read do not tell (its reader reads tens of megabytes ahead of the batches it hands out)."""
    with open(path, "rb") as f:
        start = f.read(SAMPLE_BYTES // 4)
    lines = start.count(b"\n")
    return max(size / (len(start) / lines) if lines else 1.0, 1.0)


def _segments(path: Path, size: int) -> list[tuple[int, int]]:
    """The (start, end) bytes of the file that PyArrow's readers read at once, one each: the whole file, or for a
    file of `SPLIT_BYTES` or more, its halves, cut after the first line end past the middle when no quote comes
    before it. A line end is then the end of a row (a quoted cell, whose line ends are its text, would need a
    quote before), and the second reader starts at a row as the first reader would reach it."""
    if size < SPLIT_BYTES or READ_AHEAD == 0:
        return [(0, size)]
    with open(path, "rb") as f:
        f.seek(size // 2)
        f.readline()
        middle = f.tell()
        if middle >= size:
            return [(0, size)]
        f.seek(0)
        buffer = bytearray(4 << 20)
        at = 0
        while at < middle:
            n = f.readinto(buffer)
            if not n:
                return [(0, size)]                  # the file shrank meanwhile: one reader, which will say so
            if buffer.find(b'"', 0, min(n, middle - at)) >= 0:
                return [(0, size)]
            at += n
    return [(0, middle), (middle, size)]


class _Segment(io.RawIOBase):
    """Bytes ``start`` to ``end`` of a file, for one of PyArrow's readers."""

    def __init__(self, path: Path, start: int, end: int):
        super().__init__()
        self._file = open(path, "rb", buffering=0)
        self._file.seek(start)
        self.position = start
        self._end = end

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = min(len(buffer), self._end - self.position)
        if n <= 0:
            return 0
        got = self._file.readinto(memoryview(buffer)[:n])
        self.position += got
        return got

    def close(self) -> None:
        self._file.close()
        super().close()


def _read_ahead(path: Path, segments: list[tuple[int, int]], options) -> Iterator:
    """PyArrow's batches of the ``segments`` in order, each segment read by a thread of its own: PyArrow parses without holding the interpreter lock, so the
    readers and our work on the batches before run on two cores at once. The first segment's thread reads up to
    `READ_AHEAD` batches ahead of the caller, the second's as far as it gets (its batches, about the memory the
    caller keeps of the first half, wait for the caller to reach them). A reader's error is raised here, in the
    caller's thread, when the caller reaches it; a caller that stops early (an error of its own, a cancel) stops
    the threads before this returns. With `READ_AHEAD` 0 the caller's thread reads."""
    import pyarrow.csv as pacsv  # lazy

    start, parse, convert = options
    rest = pacsv.ReadOptions(column_names=start.column_names, skip_rows=0, block_size=start.block_size,
                             use_threads=start.use_threads)                # no header in the second half

    def open_reader(segment: _Segment, first: bool):
        return pacsv.open_csv(segment, read_options=start if first else rest, parse_options=parse,
                              convert_options=convert)

    if READ_AHEAD == 0:
        with _Segment(path, *segments[0]) as segment:
            reader = open_reader(segment, True)
            while True:
                try:
                    yield reader.read_next_batch()
                except StopIteration:
                    return
    stop = threading.Event()
    queues = [queue.Queue(READ_AHEAD if i == 0 else 0) for i in range(len(segments))]

    def read(i: int) -> None:
        batches = queues[i]

        def put(item) -> bool:
            while not stop.is_set():
                try:
                    batches.put(item, timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        try:
            with _Segment(path, *segments[i]) as segment:
                reader = open_reader(segment, i == 0)
                while put(reader.read_next_batch()):
                    pass
        except StopIteration:
            put(_END)
        except BaseException as e:  # noqa: BLE001 - handed to the caller's thread, which raises it
            put(e)

    threads = [threading.Thread(target=read, args=(i,), name="csv-read-ahead", daemon=True)
               for i in range(len(segments))]
    for thread in threads:
        thread.start()
    try:
        for batches in queues:
            while True:
                item = batches.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                yield item
    finally:
        stop.set()
        for thread in threads:
            thread.join()


def _strings(cells, limit: int) -> list[str]:
    """The strings of a dictionary array of PyArrow's. A cell longer than the `csv` module takes (an unclosed quote,
    often) is its error to report."""
    strings = cells.dictionary
    if strings.nbytes > limit and len(strings):     # else no cell can be that long
        ends = np.frombuffer(strings.buffers()[1], dtype=np.int32, count=len(strings) + 1,
                             offset=strings.offset * 4)  # a string array's offsets: cell j is ends[j:j+2]
        if int(np.diff(ends).max()) > limit:
            raise ArrowCannotRead
    return strings.to_pylist()


def _take(pending: list[tuple[object, dict]], start: int, rows: int, keys: dict[int, str], numeric: frozenset[int]):
    """The next ``rows`` rows of the ``pending`` batches (the first one from row ``start``), column by column, copied
    once out of PyArrow's memory; returns (columns, batches left, start in the first of them)."""
    parts, taken = [], 0
    while taken < rows:
        batch, strings = pending[0]
        n = min(batch.num_rows - start, rows - taken)
        parts.append((batch, strings, start, n))
        taken += n
        start += n
        if start == batch.num_rows:
            pending, start = pending[1:], 0
    columns = {}
    for j, key in keys.items():
        if j in numeric:
            columns[j] = _floats([batch.column(key).slice(first, n) for batch, _, first, n in parts], rows, j)
        else:
            columns[j] = _distinct([(strings[j], _codes(batch.column(key).indices.slice(first, n)))
                                    for batch, strings, first, n in parts])
    return columns, pending, start


def _floats(pieces: list, rows: int, j: int) -> np.ndarray:
    """Consecutive pieces of a float64 array of PyArrow's as one of numpy's (whose heap hands freed blocks back),
    NaN for a null. A NaN among the numbers ("NaN", "nan(1)") stops the read: its cell may not be what our reading of
    the strings takes for one."""
    values = np.empty(rows, dtype=np.float64)
    at = nulls = 0
    for cells in pieces:
        out = values[at:at + len(cells)]
        out[:] = np.frombuffer(cells.buffers()[1], dtype=np.float64, count=len(cells), offset=cells.offset * 8)
        if cells.null_count:
            out[_nulls(cells)] = np.nan
            nulls += cells.null_count
        at += len(cells)
    if np.count_nonzero(np.isnan(values)) != nulls:
        raise ArrowRetype(j)
    return values


def _codes(indices) -> np.ndarray:
    """The int32 indices of a dictionary array of PyArrow's as numpy's, -1 for a null."""
    codes = np.frombuffer(indices.buffers()[1], dtype=np.int32, count=len(indices), offset=indices.offset * 4).copy()
    if indices.null_count:
        codes[_nulls(indices)] = -1
    return codes


def _nulls(cells) -> np.ndarray:
    """Where a PyArrow array (with nulls) has them, from its validity bitmap."""
    skip, first = cells.offset % 8, cells.offset // 8           # the bytes of the slice only
    bits = np.frombuffer(cells.buffers()[0], dtype=np.uint8, count=(skip + len(cells) + 7) // 8, offset=first)
    return np.unpackbits(bits, count=skip + len(cells), bitorder="little")[skip:] == 0


def _distinct(pieces: list[tuple[list[str], np.ndarray]]) -> Distinct:
    """One `Distinct` of consecutive pieces of dictionary arrays: the strings that occur, in the order of the
    dictionaries (of first appearance in each, so of first appearance among the strings new to this block)."""
    if len(pieces) == 1:
        strings, codes = pieces[0]
        used = np.zeros(len(strings) + 1, dtype=bool)
        used[codes] = True                              # -1 (a null) marks the last
        kept = np.flatnonzero(used[:-1])
        if len(kept) == len(strings):
            return Distinct(strings, codes)
        remap = np.full(len(strings) + 1, -1, dtype=np.int32)
        remap[kept] = np.arange(len(kept), dtype=np.int32)
        return Distinct([strings[i] for i in kept.tolist()], remap[codes])
    cells: list[str] = []
    index_of: dict[str, int] = {}
    parts = []
    for strings, codes in pieces:
        used = np.zeros(len(strings) + 1, dtype=bool)
        used[codes] = True
        remap = np.full(len(strings) + 1, -1, dtype=np.int32)
        for i in np.flatnonzero(used[:-1]).tolist():
            k = index_of.setdefault(strings[i], len(cells))
            if k == len(cells):
                cells.append(strings[i])
            remap[i] = k
        parts.append(remap[codes])
    return Distinct(cells, np.concatenate(parts))


def check_distinct(dictionary: list[str]) -> None:
    """A cell that starts with spaces and a quote is a quoted cell for the `csv` module (spaces skipped), plain text
    for PyArrow: `arrow_can_read` looks for one at the start of the file, this in the later blocks."""
    for cell in dictionary:
        if cell[:1].isspace() and cell.lstrip().startswith('"'):
            raise ArrowCannotRead
