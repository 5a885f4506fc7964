"""Reading one record of a file field by field, each check naming the field at fault (project files, reports).

`FieldReader` wraps one JSON object and hands out its values by type (`text`, `integer`, `number`, ...), raising
`ProjectFileError` with the full place (``runs[0].metrics``) and what was found instead. `finish` makes sure no
field went unread: an unknown one is refused, or kept as it is when the file comes from a newer minor version.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypeVar

from workbench.core.errors import ProjectFileError, describe_value

T = TypeVar("T")
_REQUIRED = object()


def fail(message: str, where: str):
    raise ProjectFileError(message, where)


def expect_object(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        fail(f"expected an object, got {describe_value(value)}", where)
    return value


def expect_list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        fail(f"expected a list, got {describe_value(value)}", where)
    return value


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def number_map(value: Any, where: str) -> dict[str, float]:
    """An object whose every value is a finite number (metric figures, an epoch's row)."""
    for key, item in expect_object(value, where).items():
        if not is_number(item):
            fail(f"expected a number, got {describe_value(item)}", f"{where}.{key}")
    return dict(value)


class FieldReader:
    """Typed access to the fields of one record; see the module docstring."""

    def __init__(self, data: Any, where: str, keep_unknown: bool = False):
        self.data = expect_object(data, where)
        self.where = where
        self.keep_unknown = keep_unknown
        self.read: set[str] = set()

    def at(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def _get(self, key: str, default: Any) -> Any:
        self.read.add(key)
        if key not in self.data:
            if default is _REQUIRED:
                fail("this field is missing", self.at(key))
            return default
        return self.data[key]

    def text(self, key: str, default: Any = _REQUIRED, *, optional: bool = False, non_empty: bool = False) -> Any:
        value = self._get(key, default)
        if value is None and optional:
            return None
        if key in self.data and (not isinstance(value, str) or (non_empty and not value.strip())):
            fail(f"expected {'some ' if non_empty else ''}text, got {describe_value(value)}", self.at(key))
        return value

    def integer(self, key: str, default: Any = _REQUIRED, *, optional: bool = False, low: int = 0) -> Any:
        value = self._get(key, default)
        if value is None and optional:
            return None
        if key in self.data and (not isinstance(value, int) or isinstance(value, bool) or value < low):
            fail(f"expected a whole number from {low}, got {describe_value(value)}", self.at(key))
        return value

    def number(self, key: str, default: Any = _REQUIRED, *, optional: bool = False) -> Any:
        value = self._get(key, default)
        if value is None and optional:
            return None
        if key in self.data and not is_number(value):
            fail(f"expected a number, got {describe_value(value)}", self.at(key))
        return float(value) if isinstance(value, (int, float)) else value

    def object(self, key: str, default: Any = _REQUIRED, *, optional: bool = False) -> Any:
        value = self._get(key, default)
        if value is None and optional:
            return None
        if key in self.data:
            expect_object(value, self.at(key))
        return value

    def texts(self, key: str, default: Any = _REQUIRED) -> Any:
        value = self._get(key, default)
        if key in self.data:
            for i, item in enumerate(expect_list(value, self.at(key))):
                if not isinstance(item, str):
                    fail(f"expected text, got {describe_value(item)}", f"{self.at(key)}[{i}]")
        return value

    def nested(self, key: str, parse: Callable[[Any, str], T], default: Any = _REQUIRED, *,
               optional: bool = False) -> T:
        """`parse(value, where)` of the field (None stays None when `optional`)."""
        value = self._get(key, default)
        if key not in self.data or (value is None and optional):
            return value
        return parse(value, self.at(key))

    def items(self, key: str, parse: Callable[[Any, str], T], default: Any = _REQUIRED) -> list[T]:
        """`parse(item, where)` of every item of a list field."""
        value = self._get(key, default)
        if key not in self.data:
            return value
        return [parse(item, f"{self.at(key)}[{i}]") for i, item in enumerate(expect_list(value, self.at(key)))]

    def finish(self) -> dict:
        """The fields nobody read: kept (returned) when `keep_unknown`, else refused naming the first."""
        unknown = {k: v for k, v in self.data.items() if k not in self.read}
        if unknown and not self.keep_unknown:
            fail(f"unknown field {next(iter(unknown))!r}", self.at(next(iter(unknown))))
        return unknown
