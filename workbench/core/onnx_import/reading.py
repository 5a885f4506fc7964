"""Reading an ONNX file safely: it must be ONNX, whole, of a size Workbench agrees to convert, with any external
weights inside its own folder; older opsets are brought to `TARGET_OPSET` with ONNX's version converter; every
input gets a fixed sample shape (from the file, or from the caller where the file leaves a size open); ONNX's shape
inference then gives every tensor its shape; GELUs written out in pieces (with Erf or Tanh) become Gelu nodes
(`gelu_fusion.py`), and torch's LSTM and GRU, with the Transposes, Squeezes and zero states around them, one fused
node each (`recurrent.py`).

Nothing in the file is executed: it is parsed as data (protocol buffers), and the external-data references are
checked before any of them is read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.onnx_import.gelu_fusion import fuse_gelu
from workbench.core.onnx_import.recurrent import fuse_recurrent
from workbench.core.onnx_import.errors import InputShapeNeeded, OnnxImportError

TARGET_OPSET = 17  # what the converter works in; newer files (up to MAX_OPSET) are read as they are
MAX_OPSET = 23
MAX_NODES = 20_000  # far above the 400-500 layers of a large vision model
MAX_FILE_BYTES = 2 * 1024 ** 3  # protocol buffers cannot hold more
BATCH_NAME = "batch"


@dataclass(frozen=True)
class InputInfo:
    name: str
    sample_shape: tuple[int, ...]
    dtype: str  # "float" | "int"


@dataclass
class ReadModel:
    """A checked, normalised model: `model` has its inputs' shapes fixed and every tensor's shape inferred."""

    model: object  # onnx.ModelProto
    original: bytes  # the file as read (external data inlined), for the round-trip check
    inputs: list[InputInfo]
    opset: int  # the opset of the file
    notes: list[str]
    operators: int = 0  # the operators in the file (before any pattern was fused)
    recurrent_reasons: dict[str, str] = field(default_factory=dict)  # LSTM/GRU left as they are (first output): why


def read_onnx(path: str | os.PathLike, input_shapes: dict[str, tuple[int, ...]] | None = None) -> ReadModel:
    """Reads and normalises the model at `path`; raises `OnnxImportError` (or `InputShapeNeeded`) saying why it
    cannot. `input_shapes` gives the sample shape (without the batch) of inputs whose sizes the file leaves open."""
    import onnx  # lazy

    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise OnnxImportError(f"Could not read '{path}': {exc.strerror or exc}.") from None
    if size > MAX_FILE_BYTES:
        raise OnnxImportError(f"'{name}' is {size / 1024 ** 3:.1f} GB; Workbench imports models of up to 2 GB.")
    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # protobuf's DecodeError and friends
        raise OnnxImportError(f"'{name}' is not an ONNX model, or it is damaged (cut short?): it could not be "
                              f"read ({_short(exc)}).") from None
    if model.ir_version == 0 or not model.HasField("graph") or not model.opset_import:
        raise OnnxImportError(f"'{name}' is not an ONNX model: it holds no ONNX graph.")
    count = len(model.graph.node)
    if count > MAX_NODES:
        raise OnnxImportError(f"'{name}' has {count:,} operators; Workbench imports models of up to {MAX_NODES:,} "
                              "(a large vision model has a few hundred).")
    _load_external_data(model, path)
    try:
        onnx.checker.check_model(model)
    except Exception as exc:
        raise OnnxImportError(f"'{name}' is not a valid ONNX model: {_short(exc)}.") from None
    opset = _default_opset(model)
    notes = []
    if opset > MAX_OPSET:
        raise OnnxImportError(f"'{name}' uses ONNX opset {opset}; Workbench reads opsets up to {MAX_OPSET}.")
    original = model.SerializeToString()
    if opset < TARGET_OPSET:
        try:
            model = onnx.version_converter.convert_version(model, TARGET_OPSET)
        except Exception as exc:
            raise OnnxImportError(f"'{name}' uses ONNX opset {opset}, and ONNX's converter could not bring it to "
                                  f"opset {TARGET_OPSET}: {_short(exc)}.") from None
        notes.append(f"The model used ONNX opset {opset}; it was converted to opset {TARGET_OPSET} to import it.")
    inputs = _fix_input_shapes(model, input_shapes or {}, name)
    try:
        model = onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    except Exception as exc:
        given = " with the input size given" if input_shapes else ""
        raise OnnxImportError(f"The shapes of '{name}' could not be worked out{given}: {_short(exc)}.") from None
    fuse_gelu(model)
    reasons = fuse_recurrent(model)
    return ReadModel(model, original, inputs, opset, notes, count, reasons)


def _default_opset(model) -> int:
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            return int(entry.version)
    return 1


def _load_external_data(model, path: Path) -> None:
    """Reads the weights the file keeps in other files, after checking that each lies inside the file's folder."""
    from onnx.external_data_helper import load_external_data_for_model, uses_external_data  # lazy

    folder = path.resolve().parent
    external = [t for t in model.graph.initializer if uses_external_data(t)]
    for tensor in external:
        location = next((e.value for e in tensor.external_data if e.key == "location"), "")
        target = (folder / location).resolve()
        if not location or Path(location).is_absolute() or not target.is_relative_to(folder):
            raise OnnxImportError(f"'{path.name}' keeps the weights '{tensor.name}' in '{location}', outside the "
                                  "model's own folder; Workbench refuses to read files there. Put the weights file "
                                  "beside the model.")
        if not target.is_file():
            raise OnnxImportError(f"'{path.name}' keeps the weights '{tensor.name}' in '{location}', which is "
                                  "missing from the model's folder.")
    if external:
        try:
            load_external_data_for_model(model, str(folder))
        except Exception as exc:
            raise OnnxImportError(f"The weights of '{path.name}' could not be read: {_short(exc)}.") from None


def _fix_input_shapes(model, given: dict[str, tuple[int, ...]], name: str) -> list[InputInfo]:
    """Sets each graph input's shape to (batch, sample shape) and returns the inputs."""
    from onnx import TensorProto  # lazy

    initializers = {t.name for t in model.graph.initializer}
    inputs, open_sizes = [], {}
    graph_inputs = [i for i in model.graph.input if i.name not in initializers]
    if not graph_inputs:
        raise OnnxImportError(f"'{name}' has no input.")
    unknown = sorted(set(given) - {i.name for i in graph_inputs})
    if unknown and not (len(graph_inputs) == 1 and list(given) == [""]):
        raise OnnxImportError(f"The model has no input called '{unknown[0]}'; its inputs are "
                              f"{', '.join(i.name for i in graph_inputs)}.")
    for value in graph_inputs:
        tensor_type = value.type.tensor_type
        if not value.type.HasField("tensor_type") or not tensor_type.HasField("shape"):
            raise OnnxImportError(f"The input '{value.name}' of '{name}' is not a tensor of known rank.")
        elem = tensor_type.elem_type
        if elem in (TensorProto.FLOAT, TensorProto.FLOAT16, TensorProto.DOUBLE):
            dtype = "float"
        elif elem in (TensorProto.INT64, TensorProto.INT32):
            dtype = "int"
        else:
            raise OnnxImportError(f"The input '{value.name}' of '{name}' holds {TensorProto.DataType.Name(elem)} "
                                  "values; Workbench takes numbers or whole-number token ids.")
        dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in tensor_type.shape.dim]
        if not dims:
            raise OnnxImportError(f"The input '{value.name}' of '{name}' is a single number; Workbench needs a "
                                  "batch of samples.")
        sample = given.get(value.name, given.get("") if len(graph_inputs) == 1 else None)
        if sample is not None:
            sample = tuple(int(s) for s in sample)
            if len(sample) != len(dims) - 1 or any(s < 1 for s in sample) or any(
                    d is not None and d != s for d, s in zip(dims[1:], sample)):
                raise OnnxImportError(f"The input '{value.name}' has shape {_shape_text(dims)}; the size given, "
                                      f"{_shape_text([None, *sample])}, does not fit it.")
        elif any(d is None for d in dims[1:]):
            open_sizes[value.name] = tuple(dims)
            continue
        else:
            sample = tuple(dims[1:])
        for dim, size in zip(tensor_type.shape.dim, (None, *sample)):
            dim.Clear()
            if size is None:
                dim.dim_param = BATCH_NAME
            else:
                dim.dim_value = size
        inputs.append(InputInfo(value.name, sample, dtype))
    if open_sizes:
        listed = ", ".join(f"'{n}' {_shape_text(s)}" for n, s in open_sizes.items())
        raise InputShapeNeeded(f"The model leaves the size of its input open ({listed}: '?' is open). Give the "
                               "size of one sample, e.g. 3, 224, 224 (`--input-shape` on the command line).",
                               open_sizes)
    return inputs


def _shape_text(dims) -> str:
    return "(" + ", ".join("batch" if i == 0 else ("?" if d is None else str(d)) for i, d in enumerate(dims)) + ")"


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"
