"""The constant sub-graphs exporters emit (Constant, ConstantOfShape, Shape -> Gather -> Unsqueeze -> Concat chains
feeding a Reshape, casts and arithmetic on them), worked out with NumPy so that their values become layer settings.

Only the operators below are evaluated, by our own NumPy code: nothing in the file runs. The batch size is unknown
when a model is imported, so a `Shape` of a tensor gives `BATCH_MARK` in place of the batch; a Reshape recognises
it there, and a mark left anywhere else makes the layer a placeholder.
"""

from __future__ import annotations

import numpy as np

BATCH_MARK = 1_000_003  # a prime no real size is likely to be
MAX_ELEMENTS = 10_000_000  # a constant worked out here is a shape or a small table; a file asking for more is refused


class NotConstant(Exception):
    """The node cannot be worked out here (an operator this module does not evaluate)."""


def attributes(node) -> dict:
    """The node's attributes by name (read once per node: converters ask several times)."""
    cached = _ATTRIBUTES.get(id(node))
    if cached is not None and cached[0] is node:
        return cached[1]
    from onnx import helper  # lazy
    values = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if len(_ATTRIBUTES) > 100_000:
        _ATTRIBUTES.clear()
    _ATTRIBUTES[id(node)] = (node, values)
    return values


_ATTRIBUTES: dict[int, tuple] = {}


def to_array(tensor) -> np.ndarray:
    from onnx import numpy_helper  # lazy
    return np.asarray(numpy_helper.to_array(tensor))


def evaluate(node, values: list[np.ndarray | None]) -> list[np.ndarray]:
    """The outputs of `node` from its constant inputs (None for an input left empty); raises `NotConstant`."""
    op = node.op_type
    attrs = attributes(node)
    handler = _HANDLERS.get(op)
    if handler is None:
        raise NotConstant(op)
    result = handler(attrs, values)
    return result if isinstance(result, list) else [result]


def shape_of(shape: tuple) -> np.ndarray:
    """What ONNX's Shape gives for a tensor of `shape` (None: the batch)."""
    return np.array([BATCH_MARK if d is None else d for d in shape], dtype=np.int64)


def _constant(attrs, values):
    if "value" in attrs:
        return to_array(attrs["value"])
    for key, kind in (("value_float", np.float32), ("value_int", np.int64)):
        if key in attrs:
            return np.array(attrs[key], dtype=kind)
    for key, kind in (("value_floats", np.float32), ("value_ints", np.int64)):
        if key in attrs:
            return np.array(list(attrs[key]), dtype=kind)
    raise NotConstant("Constant")


def _checked_size(count: float) -> None:
    if count > MAX_ELEMENTS:
        raise NotConstant(f"it would make a constant of {count:,.0f} values")


def _constant_of_shape(attrs, values):
    fill = to_array(attrs["value"]).reshape(-1) if "value" in attrs else np.zeros(1, np.float32)
    shape = tuple(int(v) for v in values[0])
    _checked_size(float(np.prod([float(max(d, 0)) for d in shape])))
    return np.full(shape, fill[0], dtype=fill.dtype)


def _range(attrs, values):
    start, limit, delta = (float(np.asarray(v).reshape(-1)[0]) for v in values[:3])
    _checked_size(abs((limit - start) / delta) if delta else float("inf"))
    return np.arange(values[0], values[1], values[2])


def _axes(attrs, values, index=1):
    if len(values) > index and values[index] is not None:
        return [int(a) for a in values[index]]
    return [int(a) for a in attrs.get("axes", [])]


def _unsqueeze(attrs, values):
    out = values[0]
    rank = out.ndim + len(_axes(attrs, values))
    for axis in sorted(a % rank for a in _axes(attrs, values)):
        out = np.expand_dims(out, axis)
    return out


def _squeeze(attrs, values):
    axes = _axes(attrs, values)
    return np.squeeze(values[0], axis=tuple(axes) if axes else None)


def _slice(attrs, values):
    data = values[0]
    starts, ends = values[1], values[2]
    axes = values[3] if len(values) > 3 and values[3] is not None else range(len(starts))
    steps = values[4] if len(values) > 4 and values[4] is not None else [1] * len(starts)
    index = [slice(None)] * data.ndim
    for start, end, axis, step in zip(starts, ends, axes, steps):
        index[int(axis)] = slice(int(start), int(end), int(step))
    return data[tuple(index)]


def _cast(attrs, values):
    from onnx import helper  # lazy
    return values[0].astype(helper.tensor_dtype_to_np_dtype(attrs["to"]))


def _binary(fn):
    return lambda attrs, values: np.asarray(fn(values[0], values[1]))


def _integer_div(a, b):
    return a // b if np.issubdtype(np.asarray(a).dtype, np.integer) else a / b


_HANDLERS = {
    "Constant": _constant,
    "ConstantOfShape": _constant_of_shape,
    "Identity": lambda attrs, values: values[0],
    "Gather": lambda attrs, values: np.take(values[0], values[1].astype(np.int64), axis=attrs.get("axis", 0)),
    "Unsqueeze": _unsqueeze,
    "Squeeze": _squeeze,
    "Concat": lambda attrs, values: np.concatenate([np.atleast_1d(v) for v in values], axis=attrs["axis"]),
    "Slice": _slice,
    "Cast": _cast,
    "Reshape": lambda attrs, values: values[0].reshape([int(v) for v in values[1]]),
    "Transpose": lambda attrs, values: np.transpose(values[0], attrs.get("perm")),
    "Add": _binary(np.add),
    "Sub": _binary(np.subtract),
    "Mul": _binary(np.multiply),
    "Div": _binary(_integer_div),
    "Sqrt": lambda attrs, values: np.sqrt(values[0]),
    "Neg": lambda attrs, values: -values[0],
    "Range": _range,
    "Shape": lambda attrs, values: np.array(values[0].shape, dtype=np.int64),
}
