"""A large CSV file is read by two of PyArrow's readers at once, one per half, cut at a line end past the middle
when no quote comes before it: the table, the report, the errors and the progress are those of one reader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.core.data.test_import_decisions import load, stopped_by_our_error, write
from workbench.core.data import csv_arrow, csv_reader
from workbench.core.data.csv_format import detect_format
from workbench.core.errors import DataError


@pytest.fixture
def small_halves(monkeypatch):
    """Files of 4 kB and more are cut in two, read in batches of 1 kB, in blocks of 256 rows."""
    monkeypatch.setattr(csv_arrow, "SPLIT_BYTES", 4096)
    monkeypatch.setattr(csv_arrow, "BLOCK_BYTES", 1024)
    monkeypatch.setattr(csv_reader, "CHUNK_CELLS", 4)


def table(rows: int = 1500, late: dict[int, str] | None = None) -> str:
    """Numbers, categories with gaps and a label; ``late`` puts other cells into column v at some rows."""
    late = late or {}
    lines = ["v,w,size,label"]
    for i in range(rows):
        v = late.get(i, f"{i * 0.37 % 11:.2f}" if i % 13 else "")
        lines.append(f"{v},{'' if i % 17 == 3 else 'xyz'[i % 3]},{['S', 'M', 'L'][i % 3]},{'pq'[i * 7 % 5 > 1]}")
    return "\n".join(lines) + "\n"


def same(a, b) -> None:
    assert a.report == b.report and a.preprocessing == b.preprocessing
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert all(np.array_equal(a.splits[k], b.splits[k]) for k in ("train", "val", "test"))


def one_reader(path: str, monkeypatch, **options):
    with monkeypatch.context() as m:
        m.setattr(csv_arrow, "SPLIT_BYTES", 1 << 40)
        return load(path, **options)


def csv_module(path: str, monkeypatch, **options):
    with monkeypatch.context() as m:
        m.setattr(csv_reader, "arrow_can_read", lambda path, fmt: False)
        return load(path, **options)


def test_the_cut_is_at_the_first_line_end_past_the_middle(tmp_path, small_halves):
    path = Path(write(tmp_path, table()))
    size = path.stat().st_size
    (first, middle), (again, end) = csv_arrow._segments(path, size)
    data = path.read_bytes()
    assert first == 0 and again == middle and end == size
    assert data[middle - 1:middle] == b"\n" and b"\n" not in data[size // 2:middle - 1]


def test_a_file_cut_in_two_gives_the_table_of_one_reader_and_of_the_csv_module(tmp_path, monkeypatch, small_halves):
    path = write(tmp_path, table())
    halves = load(path)
    same(halves, one_reader(path, monkeypatch))
    same(halves, csv_module(path, monkeypatch))


def test_crlf_line_ends_and_a_file_without_a_last_line_end(tmp_path, monkeypatch, small_halves):
    path = tmp_path / "data.csv"
    path.write_bytes(table().replace("\n", "\r\n").rstrip("\r\n").encode())
    assert len(csv_arrow._segments(path, path.stat().st_size)) == 2
    same(load(str(path)), csv_module(str(path), monkeypatch))


def test_a_quote_before_the_middle_keeps_one_reader(tmp_path, monkeypatch, small_halves):
    text = table()
    middle = len(text) // 2
    cut = text.rfind("\n", 0, middle - 200) + 1                # a quoted cell over the middle, with line ends
    line_end = text.find("\n", cut)
    row = text[cut:line_end].split(",")
    row[1] = '"a cell\n' + "\n".join(["of many lines"] * 40) + '"'
    text = text[:cut] + ",".join(row) + text[line_end:]
    path = Path(write(tmp_path, text))
    assert csv_arrow._segments(path, path.stat().st_size) == [(0, path.stat().st_size)]
    same(load(str(path)), csv_module(str(path), monkeypatch))


def test_quotes_after_the_middle_only_still_cut_the_file(tmp_path, monkeypatch, small_halves):
    text = table()
    at = len(text) * 2 // 3                                    # the middle of the longer file comes before
    text = text[:at] + text[at:].replace(",y,", ',"y",')
    path = Path(write(tmp_path, text))
    assert len(csv_arrow._segments(path, path.stat().st_size)) == 2
    same(load(str(path)), csv_module(str(path), monkeypatch))


def test_late_text_in_the_second_half_reads_again_and_gives_the_same_table(tmp_path, monkeypatch, small_halves):
    monkeypatch.setattr(csv_arrow, "SAMPLE_BYTES", 300)
    path = write(tmp_path, table(late={1400: "unknown", 1410: "n/a"}))
    halves = load(path)
    assert any("'unknown'" in line for line in halves.report)
    same(halves, csv_module(path, monkeypatch))


def test_a_ragged_row_in_the_second_half_gets_the_csv_modules_error(tmp_path, monkeypatch, small_halves):
    text = table()
    lines = text.splitlines(keepends=True)
    lines[1300] = lines[1300].rstrip("\n") + ",extra\n"
    path = write(tmp_path, "".join(lines))
    with pytest.raises(DataError, match="row 1301 has 5 fields, but the header has 4"):
        load(path)


def test_an_error_of_ours_in_the_first_half_stops_both_readers(tmp_path, monkeypatch, small_halves):
    path = write(tmp_path, table())
    stopped_by_our_error(monkeypatch, path, 6)


def test_progress_rises_with_the_rows_across_the_cut(tmp_path, small_halves):
    path = Path(write(tmp_path, table(3000)))
    fmt = detect_format(path, None, None)
    fractions = []
    blocks = csv_arrow.arrow_blocks(path, fmt, [0, 1, 2, 3], 256, lambda fraction, rows: fractions.append(fraction))
    assert sum(rows for rows, _ in blocks) == 3000
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert fractions[0] < 0.15 and 0.35 < fractions[len(fractions) // 2] < 0.65   # by rows, not by bytes read ahead
