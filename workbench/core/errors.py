"""Typed errors of the core, each carrying a message written for the user.

Every error the core raises on bad input derives from `WorkbenchError`; the GUI shows `str(error)` as it is and
the command line prints it without a traceback.
"""

from __future__ import annotations


def describe_value(value) -> str:
    """A value as a message shows what was found instead: "an object", "the text 'oops'", "the number 3"."""
    if value is None:
        return "nothing (null)"
    return {dict: "an object", list: "a list", str: f"the text {value!r}", bool: f"{str(value).lower()}",
            int: f"the number {value}", float: f"the number {value}"}.get(type(value), type(value).__name__)


class WorkbenchError(Exception):
    """Base of every user-facing error: `str(error)` is a complete sentence for the user."""


class GraphEditError(WorkbenchError):
    """An edit that the graph model refuses (the graph is left unchanged)."""


class CycleError(GraphEditError):
    """Connecting these ports would make the graph loop back on itself."""


class PortOccupiedError(GraphEditError):
    """The input port takes a single connection and already has one."""


class UnknownNodeError(GraphEditError):
    """An edit names a node that is not in the graph."""


class ShapeError(WorkbenchError):
    """A layer cannot accept the tensors that reach it (raised by shape rules, reported per node)."""


class ProjectFileError(WorkbenchError):
    """A project file that cannot be read; `field` names the place at fault, e.g. ``graph.nodes[2].type``."""

    def __init__(self, message: str, field: str | None = None):
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class DataError(WorkbenchError):
    """Data that cannot be loaded or used as asked (empty file, single class, too few samples, ...)."""


class CancelledError(WorkbenchError):
    """A long job stopped because the user cancelled it."""

    def __init__(self, message: str = "Cancelled."):
        super().__init__(message)
