"""Handing freed memory back to the system while a large table is read and built."""

from __future__ import annotations


def release_freed_memory() -> None:
    """Hand freed heap pages back to the system (glibc only; elsewhere a no-op).

    The C heap keeps the pages of what was freed: without this, PyArrow's batches, once copied into the table's
    blocks, and then the raw blocks, once encoded into x, would still count towards the import's peak memory.
    """
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None
