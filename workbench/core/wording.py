"""Counted words for messages: "1 file", "2 files", and the verb that agrees with the count."""

from __future__ import annotations


def plural(count: int, word: str, words: str | None = None) -> str:
    """'1 file', '3 files' (`words` for an irregular plural: plural(2, "entry", "entries"))."""
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def agreeing(count: int, one: str, many: str) -> str:
    """The phrase that agrees with `count`: agreeing(1, "is not an image", "are not images")."""
    return one if count == 1 else many
