"""Errors of ONNX import, each a complete sentence for the user."""

from __future__ import annotations

from workbench.core.errors import WorkbenchError


class OnnxImportError(WorkbenchError):
    """An ONNX file that cannot be imported: not ONNX, damaged, too large, or asking for something refused."""


class InputShapeNeeded(OnnxImportError):
    """The model leaves the size of an input open; `inputs` maps each such input to its shape as the file gives it
    (None where a size is open), so a front end can ask for it."""

    def __init__(self, message: str, inputs: dict[str, tuple]):
        self.inputs = inputs
        super().__init__(message)
