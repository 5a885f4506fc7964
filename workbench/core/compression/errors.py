"""The error of compression: a method that cannot be applied as asked, in a sentence for the user."""

from __future__ import annotations

from workbench.core.errors import WorkbenchError


class CompressionError(WorkbenchError):
    """A compression method cannot be applied as asked."""
