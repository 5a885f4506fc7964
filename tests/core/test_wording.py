"""Counted words agree with their count."""

from workbench.core.wording import agreeing, plural


def test_one_is_singular_and_every_other_count_plural():
    assert plural(1, "file") == "1 file"
    assert plural(0, "file") == "0 files" and plural(2, "file") == "2 files"
    assert plural(1200, "entry", "entries") == "1,200 entries"
    assert f"{plural(1, 'file')} that {agreeing(1, 'is not an image', 'are not images')}" == \
        "1 file that is not an image"
