"""Find how a delimited text file is written: encoding, delimiter, header row and column names.

Reads only the first 256 KB. The encoding is UTF-8 (with or without a byte-order mark); UTF-16 or UTF-32 when the
file starts with that byte-order mark (Excel's "Unicode Text" and Windows Notepad's "Unicode" save UTF-16), or UTF-16
without one when every other byte of the start is zero; else Latin-1, said in the report. The delimiter comes from
`csv.Sniffer`, checked against the lines (every line must split into the same number of fields); when the sniffer
fails or disagrees, each of ``, ; tab |`` is tried and the one that splits the lines most consistently into the most
columns wins; spaces count only when they split every line alike. The header is detected from the types: a first
row of names above columns of numbers, or first-row texts that never recur in their column; one empty name (the
index column pandas writes) is named after its place.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.data.columns import is_missing_text, parse_number
from workbench.core.data.files import refuse_special_file
from workbench.core.errors import DataError

SAMPLE_BYTES = 256 * 1024
CANDIDATES = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "',' (comma)", ";": "';' (semicolon)", "\t": "a tab", "|": "'|' (bar)", " ": "a space"}


def delimiter_name(d: str) -> str:
    return DELIMITER_NAMES.get(d, repr(d))


@dataclass
class CsvFormat:
    encoding: str
    delimiter: str
    header: bool
    names: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def dialect(self) -> dict:
        return {"delimiter": self.delimiter, "quotechar": '"', "doublequote": True, "skipinitialspace": True,
                "strict": False}


def file_title(path: Path) -> str:
    return f"The file {path.name!r}"


def _read_sample(path: Path) -> bytes:
    refuse_special_file(path, "a table file")
    try:
        with open(path, "rb") as f:
            return f.read(SAMPLE_BYTES)
    except FileNotFoundError:
        raise DataError(f"The file {str(path)!r} does not exist.") from None
    except IsADirectoryError:
        raise DataError(f"{str(path)!r} is a folder, not a table file.") from None
    except PermissionError:
        raise DataError(f"The file {path.name!r} cannot be read (permission denied).") from None


UNICODE_MARKS = ((codecs.BOM_UTF32_LE, "utf-32", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
                 (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"))
CHAR_BYTES = {"utf-16": 2, "utf-16-le": 2, "utf-16-be": 2, "utf-32": 4}  # for the progress of a file read


def wide_encoding(sample: bytes) -> tuple[str, str] | None:
    """(codec, name) of UTF-16 or UTF-32 text: a byte-order mark, or (UTF-16 without one) a start whose every other
    byte is zero and the others not, as ASCII-range text is written in UTF-16; None for anything else."""
    for mark, codec, name in UNICODE_MARKS:
        if sample.startswith(mark):
            return codec, name
    head = sample[:4096]
    head = head[:len(head) // 2 * 2]
    if len(head) >= 16:
        even, odd = head[0::2], head[1::2]
        if odd.count(0) == len(odd) and even.count(0) == 0:
            return "utf-16-le", "UTF-16"
        if even.count(0) == len(even) and odd.count(0) == 0:
            return "utf-16-be", "UTF-16"
    return None


def _decode(sample: bytes, truncated: bool, notes: list[str]) -> tuple[str, str]:
    wide = wide_encoding(sample)
    if wide is not None:                  # a cut-short last character waits for bytes that never come: dropped
        codec, name = wide
        text = codecs.getincrementaldecoder(codec)(errors="replace").decode(sample, final=not truncated)
        notes.append(f"The file is {name} text; it was read as {name}.")
        return text, codec
    if truncated:                         # do not cut a character or a line in half
        cut = sample.rfind(b"\n")
        sample = sample[:cut + 1] if cut > 0 else sample
    try:
        return sample.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        notes.append("The file is not UTF-8 text; it was read as Latin-1.")
        return sample.decode("latin-1"), "latin-1"


def _rows(lines: list[str], delimiter: str) -> list[list[str]]:
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, skipinitialspace=True,
                        strict=False)
    return [r for r in reader if r and not (len(r) == 1 and not r[0].strip())]


def _consistency(rows: list[list[str]]) -> tuple[float, int]:
    if not rows:
        return 0.0, 0
    counts = Counter(len(r) for r in rows)
    mode, freq = counts.most_common(1)[0]
    return freq / len(rows), mode


def _best_delimiter(lines: list[str], prefer: tuple[str, ...]) -> tuple[str, float, int]:
    """The candidate that splits the lines most consistently into the most columns (earlier wins ties)."""
    best: tuple[str, float, int] | None = None
    for d in prefer:
        share, width = _consistency(_rows(lines, d))
        if width > 1 and (best is None or (share, width) > (best[1], best[2])):
            best = (d, share, width)
    return best or (prefer[0], 0.0, 1)


def _sniff(text: str, lines: list[str], prefer: tuple[str, ...]) -> str:
    try:
        sniffed = csv.Sniffer().sniff(text[:64 * 1024], delimiters="".join(prefer)).delimiter
    except csv.Error:
        sniffed = None
    best, best_share, best_width = _best_delimiter(lines, prefer)
    if sniffed is not None:
        share, width = _consistency(_rows(lines, sniffed))
        if width > 1 and share >= 0.99 and (share, width) >= (best_share, 0):
            return sniffed
    return best


def _detect_header(rows: list[list[str]]) -> bool:
    """Whether the first row names the columns. One empty cell may be a header's unnamed column (pandas writes its
    row index as ``,a,b``): it does not vote, and without a name above a column of numbers the row is a header only
    when the unnamed column holds numbers and the other cells are names that never recur below them."""
    first, rest = rows[0], rows[1:51]
    empty = [j for j, c in enumerate(first) if not c.strip()]
    if len(empty) == 1 and len(first) > 1:
        first = [c if c.strip() else None for c in first]
    if not rest:
        return all(c is None or parse_number(c) is None for c in first)
    if any(c is not None and is_missing_text(c) for c in first):
        return False
    for j, cell in enumerate(first):
        if cell is None or parse_number(cell) is not None:
            continue
        below = [r[j] for r in rest if j < len(r) and not is_missing_text(r[j])]
        if below and sum(parse_number(c) is not None for c in below) >= 0.8 * len(below):
            return True
    if None in first:  # an unnamed column of numbers (an index) beside names only, none of them a number
        j = first.index(None)
        below = [r[j] for r in rest if j < len(r)]
        if not below or any(parse_number(c) is None for c in below) or \
                any(c is not None and parse_number(c) is not None for c in first):
            return False
    elif all(parse_number(c) is not None for c in first):
        return False
    # text everywhere: a header's names do not recur below them
    return all(all(j >= len(r) or r[j].strip() != cell.strip() for r in rest) for j, cell in enumerate(first)
               if cell is not None)


def _unique_names(raw: list[str], notes: list[str]) -> list[str]:
    """The header's names, an empty one named after its place ("column 1") and a repeated one numbered ("x",
    "x (2)", ...), each with a note."""
    names, seen, renamed = [], set(), []
    for j, name in enumerate(raw):
        base = name.strip() or f"column {j + 1}"
        if not name.strip():
            notes.append(f"Column {j + 1} has no name in the header (pandas writes its row index so); it is called "
                         f"{base!r} here.")
        candidate, k = base, 2
        while candidate in seen:
            candidate, k = f"{base} ({k})", k + 1
        if candidate != base:
            renamed.append(candidate)
        seen.add(candidate)
        names.append(candidate)
    if renamed:
        counts = Counter(name.strip() for name in raw)
        repeated = ", ".join(f"{name!r} {'twice' if n == 2 else f'{n} times'}" for name, n in counts.items() if n > 1)
        shown = [repr(name) for name in renamed]
        listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
        notes.append(f"The header repeats column names ({repeated}); the repeats are called {listed} here (the file "
                     "is not changed).")
    return names


def csv_problem(error: csv.Error) -> str:
    """The csv module's complaint in the user's words."""
    if "field larger than field limit" in str(error):
        return (f"a cell is longer than {csv.field_size_limit():,} characters (often a quote that is never "
                "closed)")
    return str(error)


def detect_format(path: Path, delimiter: str | None = None, header: bool | None = None) -> CsvFormat:
    """Encoding, delimiter, header and column names of a delimited text file; `DataError` when it is no table."""
    try:
        return _detect_format(path, delimiter, header)
    except csv.Error as e:
        raise DataError(f"{file_title(path)} is not a readable table: {csv_problem(e)}.") from None


def _detect_format(path: Path, delimiter: str | None, header: bool | None) -> CsvFormat:
    raw = _read_sample(path)
    title = file_title(path)
    if not raw.strip():
        raise DataError(f"{title} is empty.")
    if b"\x00" in raw and wide_encoding(raw) is None:
        raise DataError(f"{title} is not a table: it holds binary data, not text. Choose a CSV or TSV file.")
    notes: list[str] = []
    truncated = len(raw) == SAMPLE_BYTES
    text, encoding = _decode(raw, truncated, notes)
    if "\x00" in text:
        raise DataError(f"{title} is not a table: it holds binary data, not text. Choose a CSV or TSV file.")
    if not text.strip():
        raise DataError(f"{title} is empty.")
    lines = text.splitlines(keepends=True)
    if truncated and len(lines) > 1:
        lines = lines[:-1]              # the last line may be cut short
    lines = lines[:500]
    prefer = CANDIDATES
    if path.suffix.lower() == ".tsv":
        prefer = ("\t",) + tuple(d for d in CANDIDATES if d != "\t")
    if delimiter is None:
        delimiter = _sniff(text, lines, prefer)
        share, width = _consistency(_rows(lines, delimiter))
        if width < 2:
            space_share, space_width = _consistency(_rows(lines, " "))
            if space_width > 1 and space_share >= 0.99:      # columns separated by spaces, every line alike
                delimiter, share, width = " ", space_share, space_width
        if width < 2:
            raise DataError(f"{title} is not a table: no delimiter (comma, semicolon, tab or |) splits its lines "
                            "into columns.")
        notes.append(f"Delimiter: {delimiter_name(delimiter)} (detected).")
    else:
        share, width = _consistency(_rows(lines, delimiter))
        if width < 2:
            best, best_share, best_width = _best_delimiter(lines, prefer)
            if best_width > 1:
                raise DataError(f"With the delimiter {delimiter_name(delimiter)}, every row of {path.name!r} is a "
                                f"single column; the file seems to use {delimiter_name(best)}. Choose that "
                                "delimiter or leave it on automatic.")
            raise DataError(f"{title} is not a table: its lines do not split into columns.")
    rows = _rows(lines, delimiter)
    if header is None:
        header = _detect_header(rows)
        notes.append("The first row holds the column names." if header else
                     "The file has no header row; the columns are numbered.")
    names = _unique_names(rows[0], notes) if header else [f"column {j + 1}" for j in range(len(rows[0]))]
    if len(rows[0]) != width and header:
        best, best_share, best_width = _best_delimiter(lines, prefer)
        hint = f"Check the delimiter (now {delimiter_name(delimiter)})."
        if best != delimiter and best_width > 1 and best_share >= 0.99:
            hint = f"The file seems to use {delimiter_name(best)} as the delimiter, not {delimiter_name(delimiter)}."
        raise DataError(f"{title} is not a table: the header has {len(rows[0])} fields but most rows have {width}. "
                        + hint)
    return CsvFormat(encoding=encoding, delimiter=delimiter, header=header, names=names, notes=notes)


def suggest_delimiter(path: Path, current: str) -> str | None:
    """Another delimiter that splits the start of the file consistently, for error messages."""
    raw = _read_sample(path)
    text, _ = _decode(raw, len(raw) == SAMPLE_BYTES, [])
    lines = text.splitlines(keepends=True)[:200]
    best, share, width = _best_delimiter(lines, CANDIDATES)
    return best if best != current and width > 1 and share >= 0.99 else None
