"""Stream a delimited text file into columns, one block of rows at a time.

The file is read once, by PyArrow's CSV reader where it reads the file as the `csv` module does (`csv_arrow`: UTF-8,
no spaces before quotes...), else by the `csv` module; each block of about 500,000 cells becomes, column by column,
float64 numbers (parsed by PyArrow's reader in the columns a sample shows to hold numbers, else PyArrow's cast of the
block's distinct cells, or ``np.fromiter(map(float, ...))``) or int32 category codes (PyArrow's dictionary of the
block's distinct cells, or a dict per cell). The decisions below are ours in both cases, taken on the same blocks, so
both readers give the same table; where a column PyArrow parses as numbers holds a cell that is not one, it is read
again from the start as text. Nothing but the parsed blocks is kept, so a 200 MB file needs about the
memory of its numbers, not of its text. A column that turns out to hold text after many rows of numbers is read again
in a second pass (rare). Progress is by bytes or characters read.

A column that holds both numbers and text (missing-value tokens such as NA or ? aside) is read as numbers when
  * at most 5 % of its filled cells are text (typos, stray notes), or
  * numbers fill at least half of its filled cells and take more than 20 different values: they measure something,
    and the text ("unknown", "-", "see notes", "12,5") is a few cells that cannot be read as a measurement;
the text cells then become missing values, and the report says how many, which texts and in which rows. Otherwise
(sizes "S", "M", "L", "38", "40"; codes "A1", "7") every filled cell is a category, numbers included.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from workbench.core.data.columns import FLOAT32_MAX, MISSING_TOKENS, ColumnData
from workbench.core.data.csv_arrow import (ArrowCannotRead, ArrowRetype, Distinct, arrow_blocks, arrow_can_read,
                                           check_distinct, numeric_columns)
from workbench.core.data.csv_format import CHAR_BYTES, CsvFormat, csv_problem, delimiter_name, suggest_delimiter
from workbench.core.data.progress import ProgressReporter
from workbench.core.errors import DataError

CHUNK_CELLS = 500_000
MAX_CATEGORIES = 100_000
TEXT_SHARE_FOR_CATEGORIES = 0.05    # up to this share of text cells, a column of numbers stays numeric
MEASURE_DISTINCT_NUMBERS = 20       # more different numbers than this: the numbers are measurements, not codes
TEXT_ROWS_KEPT = 10                 # rows named in the report for the text cells of a numeric column
MISS = -2
MAX_RETYPES = 2                     # reads again after the first, when columns read as numbers hold text later


class _Counter:
    """The file's lines in batches of about 1 MB (read in C), counting characters for the progress fraction."""

    def __init__(self, f):
        self._f = f
        self.chars = 0

    def _batches(self) -> Iterator[list[str]]:
        while True:
            lines = self._f.readlines(1 << 20)
            if not lines:
                return
            self.chars += sum(map(len, lines))
            yield lines

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._batches())


class _ColumnParser:
    """State of one column while blocks stream in: numeric, text (categories), or mixed (numbers, then text)."""

    def __init__(self, name: str, force_text: bool = False, keep_strings: bool = False, force_numeric: bool = False):
        self.name = name
        self.state = "text" if force_text else "numeric"
        self.force_numeric = force_numeric      # declared numbers: text cells are missing values, however many
        self.floats: list[np.ndarray] = []
        self.codes: list[np.ndarray | None] = []
        self.first_code_chunk = 0
        self.lookup: dict[str, int] = {}
        self.canonical: dict[str, int] = {}
        self.categories: list[str] = []
        self.n_numeric = 0
        self.n_missing = 0
        self.n_text = 0
        self.text_examples: list[str] = []
        self.text_rows: list[int] = []
        self.n_huge = 0
        self.huge_rows: list[int] = []
        self.overflow = False
        self.words = 0
        self.sampled = 0
        self.strings: list[list[str]] | None = [] if keep_strings else None

    # ------------------------------------------------------------------ per block
    def add(self, cells: tuple[str, ...], first_row: int) -> None:
        """One block of cells; ``first_row`` is the row number of its first cell in the file (the header is 1)."""
        if self.strings is not None:
            self.strings.append(list(cells))
        if self.state == "numeric":
            try:
                values = np.fromiter(map(float, cells), np.float64, len(cells))
            except ValueError:
                values = None
            if values is not None:
                self._add_floats(values, first_row)
                return
        self._add_cells(cells, first_row)

    def add_arrow(self, cells: np.ndarray | Distinct, first_row: int) -> None:
        """One block from `csv_arrow`: float64 numbers PyArrow parsed (a column that is not ``force_text`` and keeps
        no strings, whose state stays numeric), or the block's distinct cells and each cell's index into them."""
        if isinstance(cells, np.ndarray):
            self._add_floats(cells, first_row)
            return
        if self.strings is not None:
            self.strings.append(list(cells.strings()))
        if self.state == "numeric":
            values = cells.numbers()
            if values is not None:
                self._add_floats(values, first_row)
                return
        check_distinct(cells.cells)
        if self.state == "numeric" and self._add_distinct(cells.cells, cells.indices, first_row):
            return
        if self.state == "text":
            self.codes.append(self._dictionary_codes(cells.cells, cells.indices))
            return
        self._add_cells(cells.strings(), first_row)

    def _add_distinct(self, dictionary: list[str], indices: np.ndarray, first_row: int) -> bool:
        """A block of a numeric column judged by its distinct cells (as `_add_slow` judges every cell): numbers and
        missing cells only, or (no number read yet) text and missing cells only; False for a mix of the two."""
        values = np.empty(len(dictionary) + 1, dtype=np.float64)
        values[-1] = np.nan                               # index -1: a missing cell
        text = False
        for i, raw in enumerate(dictionary):
            t = raw.strip()
            if t.lower() in MISSING_TOKENS:
                values[i] = np.nan
                continue
            try:
                values[i] = float(t)
            except ValueError:
                values[i] = np.nan
                text = True
        if not text:
            self._add_floats(values[indices], first_row)
            return True
        if np.isfinite(values).any() or self.n_numeric or self.force_numeric:
            return False
        self.state = "text"
        self.codes = [np.full(len(f), -1, dtype=np.int32) for f in self.floats]
        self.floats = []
        self.codes.append(self._dictionary_codes(dictionary, indices))
        return True

    def _add_floats(self, values: np.ndarray, first_row: int) -> None:
        """A block that is numbers only (NaN where missing)."""
        n_bad = int(np.count_nonzero(np.isnan(values)))   # missing, infinite or huge
        if n_bad < len(values) and not -FLOAT32_MAX <= np.fmin.reduce(values) <= np.fmax.reduce(values) <= FLOAT32_MAX:
            n_bad = len(values) - int(np.count_nonzero(np.abs(values) <= FLOAT32_MAX))
            self._drop_huge(values, first_row)            # infinite or huge ones among them
        self.n_missing += n_bad
        self.n_numeric += len(values) - n_bad
        self.floats.append(values)

    def _add_cells(self, cells: tuple[str, ...], first_row: int) -> None:
        """A block of cells that are not numbers only, one cell at a time."""
        if self.state == "numeric":
            self._add_slow(cells, first_row)
        elif self.state == "text":
            self.codes.append(self._codes(cells))
        else:
            self._add_mixed(cells, first_row)

    def _add_slow(self, cells: tuple[str, ...], first_row: int) -> None:
        values = np.empty(len(cells), dtype=np.float64)
        text_at = []
        for i, cell in enumerate(cells):
            t = cell.strip()
            if t.lower() in MISSING_TOKENS:
                values[i] = np.nan
                continue
            try:
                v = float(t)
            except ValueError:
                values[i] = np.nan
                text_at.append(i)
                continue
            values[i] = v if np.isfinite(v) else np.nan
        self._drop_huge(values, first_row)
        n_nan = int(np.isnan(values).sum())
        if not text_at:
            self.n_missing += n_nan
            self.n_numeric += len(cells) - n_nan
            self.floats.append(values)
            return
        numbers_here = len(cells) - n_nan
        if self.n_numeric + numbers_here == 0 and not self.force_numeric:
            # nothing but missing values so far: the column is text from the start
            self.state = "text"
            self.codes = [np.full(len(f), -1, dtype=np.int32) for f in self.floats]
            self.floats = []
            self.codes.append(self._codes(cells))
            return
        self.state = "mixed"
        self.first_code_chunk = len(self.floats)
        self.floats.append(values)
        self._note_text([cells[i] for i in text_at], [first_row + i for i in text_at])
        self.n_numeric += numbers_here
        self.n_missing += n_nan - len(text_at)
        self.codes = [None] * self.first_code_chunk
        self.codes.append(self._codes(cells, count_missing=False))

    def _add_mixed(self, cells: tuple[str, ...], first_row: int) -> None:
        values = np.empty(len(cells), dtype=np.float64)
        texts, rows = [], []
        for i, cell in enumerate(cells):
            t = cell.strip()
            if t.lower() in MISSING_TOKENS:
                values[i] = np.nan
                self.n_missing += 1
                continue
            try:
                v = float(t)
                values[i] = v if np.isfinite(v) else np.nan
                self.n_numeric += 1
            except ValueError:
                values[i] = np.nan
                texts.append(t)
                rows.append(first_row + i)
        self._note_text(texts, rows)
        dropped = self._drop_huge(values, first_row)
        self.n_numeric -= dropped
        self.n_missing += dropped
        self.floats.append(values)
        self.codes.append(self._codes(cells, count_missing=False))

    def _drop_huge(self, values: np.ndarray, first_row: int) -> int:
        """Numbers beyond the 32-bit range (1e308, say) become missing, noted with their rows: the model's inputs
        are 32-bit, and a single one would make the column's spread infinite and every other value 0."""
        huge = np.flatnonzero(np.abs(values) > FLOAT32_MAX)
        if len(huge):
            values[huge] = np.nan
            self.n_huge += len(huge)
            self.huge_rows.extend((first_row + huge[:TEXT_ROWS_KEPT - len(self.huge_rows)]).tolist())
        return len(huge)

    def _note_text(self, texts: list[str], rows: list[int]) -> None:
        self.n_text += len(texts)
        self.text_rows.extend(rows[:TEXT_ROWS_KEPT - len(self.text_rows)])
        for t in texts:
            if len(self.text_examples) >= 3:
                break
            if t.strip() not in self.text_examples:
                self.text_examples.append(t.strip())

    def _codes(self, cells: tuple[str, ...], count_missing: bool = True) -> np.ndarray | None:
        if self.overflow:
            if count_missing:
                self.n_missing += sum(1 for c in cells if c.strip().lower() in MISSING_TOKENS)
            return None
        lookup = self.lookup
        codes = [lookup.get(c, MISS) for c in cells]
        for i, code in enumerate(codes):
            if code == MISS:
                codes[i] = self._new_code(cells[i])
        return self._checked(np.array(codes, dtype=np.int32), count_missing)

    def _dictionary_codes(self, dictionary: list[str], indices: np.ndarray) -> np.ndarray | None:
        """Codes of a block given as its distinct strings and each cell's index into them (-1: missing)."""
        if self.overflow:
            missing = np.array([s.strip().lower() in MISSING_TOKENS for s in dictionary] + [True])
            self.n_missing += int(missing[indices].sum())
            return None
        lookup = self.lookup
        mapped = [lookup.get(raw, MISS) for raw in dictionary]
        for i, code in enumerate(mapped):
            if code == MISS:
                mapped[i] = self._new_code(dictionary[i])
        return self._checked(np.array(mapped + [-1], dtype=np.int32)[indices], True)

    def _new_code(self, raw: str) -> int:
        """The code of a cell text not looked up before (-1 for a missing-value token), remembered."""
        t = raw.strip()
        if t.lower() in MISSING_TOKENS:
            code = -1
        else:
            code = self.canonical.get(t, MISS)
            if code == MISS:
                code = len(self.categories)
                self.canonical[t] = code
                self.categories.append(t)
                if self.sampled < 2000:
                    self.sampled += 1
                    self.words += len(t.split())
        self.lookup[raw] = code
        return code

    def _checked(self, out: np.ndarray, count_missing: bool) -> np.ndarray | None:
        if count_missing:
            self.n_missing += int((out < 0).sum())
        if len(self.categories) > MAX_CATEGORIES:
            self.overflow = True
            self.lookup, self.canonical = {}, {}
            self.codes = []
            return None
        return out

    # ------------------------------------------------------------------ result
    def needs_reread(self) -> bool:
        """A mixed column of categories, whose first blocks were read as numbers only."""
        return (self.state == "mixed" and not self._mostly_numbers() and self.first_code_chunk > 0
                and not self.overflow and not self.force_numeric)

    def _mostly_numbers(self) -> bool:
        """The rule of the module docstring: a mixed column whose text cells are missing numbers."""
        filled = self.n_text + self.n_numeric
        if self.n_text <= TEXT_SHARE_FOR_CATEGORIES * filled:
            return True
        return self.n_numeric >= 0.5 * filled and self._many_distinct_numbers()

    def _many_distinct_numbers(self) -> bool:
        seen: set[float] = set()
        for block in self.floats:
            seen.update(np.unique(block[~np.isnan(block)])[:MEASURE_DISTINCT_NUMBERS + 1].tolist())
            if len(seen) > MEASURE_DISTINCT_NUMBERS:
                return True
        return False

    def result(self) -> ColumnData:
        looks_like_text = self.sampled > 0 and self.words / self.sampled >= 3.0
        if self.state == "numeric" or (self.state == "mixed" and (self.force_numeric or self._mostly_numbers())):
            return ColumnData(self.name, "numeric", list(self.floats), n_missing=self.n_missing + self.n_text,
                              n_text_as_missing=self.n_text, text_examples=self.text_examples,
                              text_rows=self.text_rows, n_huge=self.n_huge, huge_rows=self.huge_rows,
                              strings=self.strings)
        if self.state == "mixed":
            # categories: numbers count as category text; missing cells only
            missing = sum(int((c < 0).sum()) for c in self.codes if c is not None)
            return ColumnData(self.name, "categorical", list(self.codes), list(self.categories), n_missing=missing,
                              overflow=self.overflow, looks_like_text=looks_like_text, strings=self.strings)
        return ColumnData(self.name, "categorical", list(self.codes), list(self.categories),
                          n_missing=self.n_missing, overflow=self.overflow, looks_like_text=looks_like_text,
                          strings=self.strings)


def _open_text(path: Path, fmt: CsvFormat):
    try:
        return open(path, encoding=fmt.encoding, errors="replace", newline="")
    except FileNotFoundError:
        raise DataError(f"The file {path.name!r} disappeared during the import; put it back and import again.") \
            from None
    except PermissionError:
        raise DataError(f"The file {path.name!r} cannot be read (permission denied).") from None


def read_columns(path: Path, fmt: CsvFormat, use: list[int], reporter: ProgressReporter,
                 force_text: frozenset[int] = frozenset(), keep_strings: frozenset[int] = frozenset(),
                 expect_chunks: list[int] | None = None,
                 force_numeric: frozenset[int] = frozenset()) -> tuple[list[ColumnData], list[int], list[int]]:
    """Parse the columns at indexes ``use``. Returns (columns, rows per block, indexes that need a second pass).
    Columns in ``force_text`` are read as categories, those in ``force_numeric`` as numbers (as the user declared).

    PyArrow splits the file where it reads it as the `csv` module does (`csv_arrow`); else, or when it finds out
    on the way that it does not, the `csv` module reads the file from the start."""
    rows_per_chunk = max(256, CHUNK_CELLS // max(len(fmt.names), 1))
    if arrow_can_read(path, fmt):
        def progress(fraction: float, rows: int) -> None:
            reporter.update(fraction, f"Reading {path.name}: {rows:,} rows")

        numeric = numeric_columns(path, fmt, [j for j in use if j not in force_text and j not in keep_strings])
        for again in range(MAX_RETYPES + 1):
            try:
                return _parse(path, fmt, use, force_text, force_numeric, keep_strings, expect_chunks, True,
                              arrow_blocks(path, fmt, use, rows_per_chunk, progress, numeric))
            except ArrowRetype as e:                # text after the sample in a column read as numbers: again
                # the next read without that column parsed as numbers; the last without any, so that a file with
                # late text in many columns is read three times at most, not once per such column
                numeric = numeric - {e.column} if again + 1 < MAX_RETYPES else frozenset()
            except ArrowCannotRead:
                break
    return _parse(path, fmt, use, force_text, force_numeric, keep_strings, expect_chunks, False,
                  _csv_blocks(path, fmt, use, rows_per_chunk, reporter))


def _parse(path: Path, fmt: CsvFormat, use: list[int], force_text: frozenset[int], force_numeric: frozenset[int],
           keep_strings: frozenset[int], expect_chunks: list[int] | None, arrow: bool,
           blocks) -> tuple[list[ColumnData], list[int], list[int]]:
    parsers = {j: _ColumnParser(fmt.names[j], j in force_text, j in keep_strings, j in force_numeric) for j in use}
    chunk_rows: list[int] = []
    row_number = 1 if fmt.header else 0
    for n, columns in blocks:
        if expect_chunks is not None:
            k = len(chunk_rows)
            if k >= len(expect_chunks) or expect_chunks[k] != n:
                raise DataError(f"The file {path.name!r} changed during the import; import it again.")
        chunk_rows.append(n)
        first_row = row_number + 1
        row_number += n
        for j, parser in parsers.items():
            if arrow:
                parser.add_arrow(columns[j], first_row)
            else:
                parser.add(columns[j], first_row)
        del columns
    if expect_chunks is not None and len(chunk_rows) != len(expect_chunks):
        raise DataError(f"The file {path.name!r} changed during the import; import it again.")
    reread = [j for j, p in parsers.items() if p.needs_reread()]
    return [parsers[j].result() for j in use], chunk_rows, reread


def _csv_blocks(path: Path, fmt: CsvFormat, use: list[int], rows_per_chunk: int,
                reporter: ProgressReporter) -> Iterator[tuple[int, list[tuple[str, ...]]]]:
    """(rows, cells of every column) per block, read with the `csv` module; its errors in the user's words."""
    ncols = len(fmt.names)
    try:
        size = max(path.stat().st_size // CHAR_BYTES.get(fmt.encoding, 1), 1)  # in characters, about
    except FileNotFoundError:
        raise DataError(f"The file {path.name!r} disappeared during the import; put it back and import again.") \
            from None
    row_number = 1 if fmt.header else 0
    with _open_text(path, fmt) as f:
        counter = _Counter(f)
        reader = csv.reader(counter, **fmt.dialect)
        if fmt.header:
            for first in reader:
                if first and not (len(first) == 1 and not first[0].strip()):
                    break
        while True:
            try:
                rows = list(itertools.islice(reader, rows_per_chunk))
            except csv.Error as e:
                raise DataError(f"The file {path.name!r} is not a readable table near row {row_number + 1}: "
                                f"{csv_problem(e)}.") from None
            if not rows:
                break
            if any(len(r) != ncols for r in rows):
                rows = _drop_blank(rows)
                for i, r in enumerate(rows):
                    if len(r) != ncols:
                        _bad_row(path, fmt, row_number + i + 1, len(r), ncols)
                if not rows:
                    continue
            row_number += len(rows)
            n = len(rows)
            columns = list(zip(*rows))
            del rows
            yield n, columns
            del columns
            reporter.update(counter.chars / size, f"Reading {path.name}: {row_number:,} rows")


def _drop_blank(rows: list[list[str]]) -> list[list[str]]:
    return [r for r in rows if r and not (len(r) == 1 and not r[0].strip())]


def _bad_row(path: Path, fmt: CsvFormat, row_number: int, found: int, expected: int) -> None:
    against = "the header has" if fmt.header else "the first row has"
    hint = f" Check the delimiter (now {delimiter_name(fmt.delimiter)})."
    better = suggest_delimiter(path, fmt.delimiter)
    if better is not None:
        hint = f" The file seems to use {delimiter_name(better)} as the delimiter, not {delimiter_name(fmt.delimiter)}."
    raise DataError(f"The file {path.name!r} is not a consistent table: row {row_number} has {found} "
                    f"field{'s' if found != 1 else ''}, but {against} {expected}.{hint}")
