"""ONNX import: a model from elsewhere becomes an editable, trainable Workbench graph with its trained weights,
checked by exporting it again and comparing the two on ONNX Runtime."""

from workbench.core.onnx_import.errors import InputShapeNeeded, OnnxImportError
from workbench.core.onnx_import.importing import ImportReport, OnnxImport, import_onnx

__all__ = ["ImportReport", "InputShapeNeeded", "OnnxImport", "OnnxImportError", "import_onnx"]
