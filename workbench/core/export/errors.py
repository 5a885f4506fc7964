"""Errors of export, each a full sentence for the user; `node_id` names the layer at fault."""

from __future__ import annotations

from workbench.core.errors import WorkbenchError


class ExportError(WorkbenchError):
    """The model could not be turned into a working ONNX file; `node_id` is the graph node at fault, if known."""

    def __init__(self, message: str, node_id: str | None = None):
        self.node_id = node_id
        super().__init__(message)


class ParityError(ExportError):
    """The exported model does not compute what the torch model computes (beyond the tolerance)."""

    def __init__(self, message: str, max_abs_diff: float):
        self.max_abs_diff = max_abs_diff
        super().__init__(message)
