"""INT8 and FP16 variants of an fp32 ONNX model, with ONNX Runtime's quantization tools.

* Static INT8 (QDQ): calibrated on samples of the training split. Convolution weights are quantized per output
  channel; dense weights per tensor (per-channel scales cost more bytes than they gain on dense layers); biases stay
  float (ONNX Runtime quantizes them when it loads the model, and still runs QLinearConv / QGemm kernels).
  The Quantize/Dequantize pair in front of the graph's output is removed, so the scores come out in full precision.
* Dynamic INT8: only dense layers (MatMul/Gemm) and recurrent layers are quantized; convolutions are left in fp32,
  because ONNX Runtime's ConvInteger is 3-8x slower than its fp32 convolution on CPUs.
* FP16: weights and arithmetic in 16-bit floats, inputs and outputs kept fp32 (for GPUs).

INT8 weights use 7 of their 8 bits (``reduce_range``): x86 CPUs without VNNI multiply uint8 by int8 with 16-bit
intermediate sums that saturate, which measured 13% output error on the digits CNN at full range and 1% with it.

The candidate builders at the end make each of these a variant, with every layer's error measured.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from pathlib import Path

import numpy as np

from workbench.core.compression.candidate import Candidate, Progress, fp32_model
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.layer_effects import effect_rows, quantization_errors
from workbench.core.export.compact import compact
from workbench.core.export.onnx_export import input_names
from workbench.core.wording import agreeing, plural

CONV_OPS = ("Conv", "ConvTranspose")
DYNAMIC_OPS = ["MatMul", "Gemm", "LSTM", "GRU", "Attention"]  # quantized after the preparation step
PASS_THROUGH_OPS = ("MaxPool", "Flatten", "Reshape")  # exact on quantized values: no re-quantization needed
CALIBRATION_SAMPLES = 256


@contextlib.contextmanager
def _quiet_quantizer():
    """The quantization tools log warnings through `logging`; keep them out of the user's console."""
    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _calibration_reader(names: list[str], samples: list[np.ndarray], batch: int = 16):
    from onnxruntime.quantization import CalibrationDataReader  # lazy

    class Reader(CalibrationDataReader):
        def __init__(self):
            n = len(samples[0])
            self._feeds = iter([{name: np.ascontiguousarray(x[s:s + batch]) for name, x in zip(names, samples)}
                                for s in range(0, n, batch)])

        def get_next(self):
            return next(self._feeds, None)

    return Reader()


def _conv_weight_overrides(model) -> dict:
    """Per-channel (axis 0) quantization for the weights of convolutions; everything else per tensor."""
    inits = {i.name for i in model.graph.initializer}
    overrides = {}
    for node in model.graph.node:
        if node.op_type in CONV_OPS and len(node.input) > 1 and node.input[1] in inits:
            overrides[node.input[1]] = [{"axis": 0 if node.op_type == "Conv" else 1}]
    return overrides


def _strip_output_requantization(model) -> None:
    """Graph output produced by Q -> DQ: let the op before the Q write the output directly (full precision)."""
    graph = model.graph
    producers = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            consumers[name] = consumers.get(name, 0) + 1
    for output in graph.output:
        dq = producers.get(output.name)
        if dq is None or dq.op_type != "DequantizeLinear":
            continue
        q = producers.get(dq.input[0])
        if q is None or q.op_type != "QuantizeLinear" or consumers.get(q.output[0], 0) != 1 or \
                consumers.get(dq.output[0], 0):
            continue
        source = producers.get(q.input[0])
        if source is None or consumers.get(q.input[0], 0) != 1:
            continue
        source.output[list(source.output).index(q.input[0])] = output.name
        graph.node.remove(q)
        graph.node.remove(dq)
    used = {name for node in graph.node for name in node.input}
    for init in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(init)


def _remove_requantization(model) -> None:
    """Drops a Q -> DQ pair that only feeds pass-through ops (MaxPool, Flatten, ...) which are re-quantized right
    after with the same scale, when what enters the Q comes from the graph input or another pass-through op:
    pass-through ops commute with quantization, so the pair changes nothing but the file size."""
    graph = model.graph
    inputs = {i.name for i in graph.input}
    producers = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)

    def same_grid(a, b) -> bool:
        return list(a.input[1:3]) == list(b.input[1:3])

    for q in [n for n in graph.node if n.op_type == "QuantizeLinear"]:
        before = producers.get(q.input[0])
        if not (q.input[0] in inputs or (before is not None and before.op_type in PASS_THROUGH_OPS)):
            continue
        after = consumers.get(q.output[0], [])
        if len(after) != 1 or after[0].op_type != "DequantizeLinear" or not same_grid(q, after[0]):
            continue
        dq = after[0]
        users = consumers.get(dq.output[0], [])
        if not users or any(u.op_type not in PASS_THROUGH_OPS for u in users):
            continue
        requantized = all(len(consumers.get(u.output[0], [])) == 1 and consumers[u.output[0]][0].op_type ==
                          "QuantizeLinear" and same_grid(consumers[u.output[0]][0], q) for u in users)
        if not requantized:
            continue
        for user in users:
            user.input[:] = [q.input[0] if name == dq.output[0] else name for name in user.input]
        graph.node.remove(q)
        graph.node.remove(dq)
    used = {name for node in graph.node for name in node.input}
    for init in [i for i in graph.initializer if i.name not in used]:
        graph.initializer.remove(init)


def _prepare(source: Path, prepared: Path) -> None:
    """ONNX Runtime's recommended preparation (shape inference, constant folding); dynamic INT8 needs it."""
    from onnxruntime.quantization.shape_inference import quant_pre_process  # lazy

    quant_pre_process(str(source), str(prepared), skip_symbolic_shape=True)


def quantize_static_int8(model, input_names: list[str], calibration: list[np.ndarray], layers: set[str]):
    """A static QDQ INT8 copy of `model` (an fp32 ModelProto), calibrated on `calibration` (model inputs)."""
    import onnx  # lazy
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static  # lazy

    with tempfile.TemporaryDirectory(prefix="workbench-quant-") as tmp, _quiet_quantizer():
        source, prepared, target = Path(tmp, "fp32.onnx"), Path(tmp, "prepared.onnx"), Path(tmp, "int8.onnx")
        onnx.save_model(model, str(source))
        try:
            _prepare(source, prepared)
            prepared_model = onnx.load(str(prepared))
            quantize_static(str(prepared), str(target), _calibration_reader(input_names, calibration),
                            quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8,
                            weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                            per_channel=False, reduce_range=True,
                            extra_options={"QuantizeBias": False,
                                           "TensorQuantOverrides": _conv_weight_overrides(prepared_model)})
        except Exception as exc:
            raise CompressionError(f"Static INT8 quantization failed: {exc}. Try dynamic INT8 or FP16 instead.") \
                from None
        quantized = onnx.load(str(target))
    _strip_output_requantization(quantized)
    _remove_requantization(quantized)
    compact(quantized, layers)
    return quantized


def quantize_dynamic_int8(model, layers: set[str]):
    """A dynamic INT8 copy: dense and recurrent weights as int8, convolutions left in fp32 (see the docstring)."""
    import onnx  # lazy
    from onnxruntime.quantization import QuantType, quantize_dynamic  # lazy

    with tempfile.TemporaryDirectory(prefix="workbench-quant-") as tmp, _quiet_quantizer():
        source, prepared, target = Path(tmp, "fp32.onnx"), Path(tmp, "prepared.onnx"), Path(tmp, "int8.onnx")
        onnx.save_model(model, str(source))
        try:
            _prepare(source, prepared)
            if not {n.op_type for n in onnx.load(str(prepared)).graph.node} & set(DYNAMIC_OPS):
                raise CompressionError("Dynamic INT8 only quantizes dense and recurrent layers, and this network "
                                       "has none (its convolutions would run slower as ConvInteger). Use static "
                                       "INT8 instead.")
            quantize_dynamic(str(prepared), str(target), weight_type=QuantType.QInt8, reduce_range=True,
                             op_types_to_quantize=DYNAMIC_OPS)
        except CompressionError:
            raise
        except Exception as exc:
            raise CompressionError(f"Dynamic INT8 quantization failed: {exc}. Try static INT8 or FP16 instead.") \
                from None
        quantized = onnx.load(str(target))
    compact(quantized, layers)
    return quantized


def convert_fp16(model, layers: set[str]):
    """An FP16 copy (inputs and outputs stay fp32), its nodes in a valid order."""
    from onnxruntime.transformers.float16 import convert_float_to_float16  # lazy

    with _quiet_quantizer():
        try:
            converted = convert_float_to_float16(model, keep_io_types=True, disable_shape_infer=False)
        except Exception as exc:
            raise CompressionError(f"FP16 conversion failed: {exc}.") from None
    _sort_topologically(converted.graph)
    compact(converted, layers)
    return converted


def _sort_topologically(graph) -> None:
    """Reorders `graph.node` so every node comes after the producers of its inputs (fp16 casts are appended)."""
    available = {i.name for i in graph.input} | {i.name for i in graph.initializer} | {""}
    pending = list(graph.node)
    ordered = []
    while pending:
        progressed = False
        rest = []
        for node in pending:
            if all(name in available for name in node.input):
                ordered.append(node)
                available.update(node.output)
                progressed = True
            else:
                rest.append(node)
        if not progressed:
            raise CompressionError("FP16 conversion produced a graph whose nodes cannot be ordered.")
        pending = rest
    copies = [type(n)() for n in ordered]
    for copy, node in zip(copies, ordered):
        copy.CopyFrom(node)
    del graph.node[:]
    graph.node.extend(copies)


# --- the variants -----------------------------------------------------------------------------------------------

def _converted_candidate(method, tm, progress: Progress, conversion) -> Candidate:
    """`conversion(input names, calibration samples, layer ids)` gives (the function converting an fp32 model, the
    variant's notes)."""
    layers = set(tm.graph.nodes)
    names = input_names(tm.module)
    progress(0.1, "Exporting the trained network")
    base = fp32_model(tm.module, tm.graph)
    calibration, _ = tm.samples("train", CALIBRATION_SAMPLES, seed=1)
    convert, notes = conversion(names, calibration, layers)
    progress(0.3, f"Converting to {method.title}")
    model = convert(base)
    progress(0.5, "Measuring each layer's error")
    errors = quantization_errors(base, convert, tm.graph, names, calibration)
    return Candidate("", method.name, None, model, tm.graph, None, notes, effect_rows(tm.graph, "error", errors))


def int8_static_candidate(method, tm, amount, epochs, student_graph, progress: Progress, threads: int) -> Candidate:
    def conversion(names, calibration, layers):
        notes = (f"Calibrated on {len(calibration[0])} training samples; convolution weights per channel, dense "
                 "weights per tensor; biases kept in float.")
        return (lambda m: quantize_static_int8(m, names, calibration, layers)), notes

    return _converted_candidate(method, tm, progress, conversion)


def int8_dynamic_candidate(method, tm, amount, epochs, student_graph, progress: Progress, threads: int) -> Candidate:
    def conversion(names, calibration, layers):
        convs = sum(1 for n in tm.graph.nodes.values() if n.type.startswith("Conv"))
        notes = "Dense and recurrent weights in INT8, activations quantized on the fly." + (
            f" The {plural(convs, 'convolution layer')} {agreeing(convs, 'stays', 'stay')} fp32: as ConvInteger they would run 3-8x slower on CPUs; use "
            "static INT8 for convolutions." if convs else "")
        return (lambda m: quantize_dynamic_int8(m, layers)), notes

    return _converted_candidate(method, tm, progress, conversion)


def fp16_candidate(method, tm, amount, epochs, student_graph, progress: Progress, threads: int) -> Candidate:
    def conversion(names, calibration, layers):
        notes = "Weights and arithmetic in FP16, for GPUs; on a CPU it is usually slower than fp32."
        return (lambda m: convert_fp16(m, layers)), notes

    return _converted_candidate(method, tm, progress, conversion)
