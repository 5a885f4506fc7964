"""Which Workbench layers each ONNX operator becomes, with its settings and weights: `OPERATORS` maps an operator
name to a function of (converter, node) that adds the layers, or raises `Unmappable` saying why it cannot (the node
then becomes a placeholder). Weights are laid out as the torch modules of the layers keep them. Besides ONNX's own
operators it maps the nodes of patterns fused before the walk, keyed by (domain, type): LSTM and GRU runs
(`recurrent.py`); GELUs written out in pieces arrive as ONNX Gelu nodes (`gelu_fusion.py`).
"""

from __future__ import annotations

import numpy as np

from workbench.core.onnx_import.constants import BATCH_MARK, attributes
from workbench.core.onnx_import.converter import Converter, Unmappable
from workbench.core.onnx_import.lookup import input_name
from workbench.core.onnx_import.recurrent import FUSED_DOMAIN

TORCH_BN_EPS = 1e-5  # the epsilon of Workbench's BatchNorm layers (torch's default)


def _same(values, what: str) -> int:
    values = [int(v) for v in values]
    if len(set(values)) > 1:
        raise Unmappable(f"its {what} differs between axes ({', '.join(map(str, values))}); Workbench's layers use "
                         "one for every axis")
    return values[0]


def _spatial_pads(attrs: dict, in_shape: tuple, kernel: int, stride: int, dilation: int, dims: int) -> list[int]:
    """The (begin..., end...) padding of a sliding window, `auto_pad` worked out."""
    auto = attrs.get("auto_pad", b"NOTSET")
    auto = auto.decode() if isinstance(auto, bytes) else auto
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        begin, end = [], []
        for size in in_shape[2:]:
            out = -(-size // stride)
            total = max(0, (out - 1) * stride + dilation * (kernel - 1) + 1 - size)
            small, large = total // 2, total - total // 2
            begin.append(small if auto == "SAME_UPPER" else large)
            end.append(large if auto == "SAME_UPPER" else small)
        return begin + end
    if auto == "VALID":
        return [0] * (2 * dims)
    return [int(p) for p in attrs.get("pads", [0] * (2 * dims))]


def _pad_pairs(begin: list[int], end: list[int]) -> list[int]:
    """(before, after) pairs for the Pad layer, the last axis first."""
    pairs = []
    for b, e in zip(reversed(begin), reversed(end)):
        pairs += [int(b), int(e)]
    return pairs


def _window(cv: Converter, node, kernel_shape, default_stride: int = 1) -> tuple[int, int, int, list[int], list[int]]:
    """(kernel, stride, dilation, pads begin, pads end) of a convolution or pooling node."""
    attrs = attributes(node)
    dims = len(kernel_shape)
    if dims not in (1, 2):
        raise Unmappable(f"it works on {dims} spatial axes; Workbench's layers work on one or two")
    kernel = _same(kernel_shape, "window size")
    stride = _same(attrs.get("strides", [default_stride] * dims), "stride")
    dilation = _same(attrs.get("dilations", [1] * dims), "dilation")
    pads = _spatial_pads(attrs, cv.shape(node.input[0]), kernel, stride, dilation, dims)
    return kernel, stride, dilation, pads[:dims], pads[dims:]


def _maybe_pad(cv: Converter, source: str, begin: list[int], end: list[int], value: float = 0.0) -> tuple[str, int]:
    """(node to read from, symmetric padding left for the layer): a Pad layer first when the padding is uneven."""
    if len(set(begin + end)) <= 1:
        return source, (begin or [0])[0]
    return cv.add("Pad", {"padding": _pad_pairs(begin, end), "mode": "constant", "value": value}, [source],
                  suffix="_pad"), 0


# --- convolution and dense -------------------------------------------------------------------------------------------

def conv(cv: Converter, node) -> None:
    x = node.input[0]
    weight = cv.need_const(node.input[1], "weight")
    bias = cv.const(input_name(node, 2))
    in_shape = cv.shape(x)
    dims = weight.ndim - 2
    kernel, stride, dilation, begin, end = _window(cv, node, attributes(node).get("kernel_shape", weight.shape[2:]))
    groups = int(attributes(node).get("group", 1))
    source, padding = _maybe_pad(cv, cv.source(x), begin, end)
    params = {"filters": int(weight.shape[0]), "kernel_size": kernel, "stride": stride, "padding": padding,
              "dilation": dilation, "bias": bias is not None, "groups": groups}
    weights = {"weight": weight.astype(np.float32)}
    if bias is not None:
        weights["bias"] = bias.astype(np.float32)
    if len(in_shape) != dims + 2:
        raise Unmappable("its input and weight ranks do not match")
    cv.output(node.output[0], cv.add("Conv2d" if dims == 2 else "Conv1d", params, [source], weights))


def conv_transpose(cv: Converter, node) -> None:
    attrs = attributes(node)
    weight = cv.need_const(node.input[1], "weight")
    bias = cv.const(input_name(node, 2))
    if weight.ndim != 4:
        raise Unmappable("Workbench's transposed convolution works on images only")
    if int(attrs.get("group", 1)) != 1 or "output_shape" in attrs:
        raise Unmappable("it is grouped or sets its output shape, which Workbench's transposed convolution cannot")
    kernel = _same(attrs.get("kernel_shape", weight.shape[2:]), "window size")
    stride = _same(attrs.get("strides", [1, 1]), "stride")
    if _same(attrs.get("dilations", [1, 1]), "dilation") != 1:
        raise Unmappable("it is dilated, which Workbench's transposed convolution is not")
    pads = [int(p) for p in attrs.get("pads", [0] * 4)]
    auto = attrs.get("auto_pad", b"NOTSET")
    if (auto.decode() if isinstance(auto, bytes) else auto) not in ("NOTSET", "VALID"):
        raise Unmappable("it pads automatically (SAME), which Workbench's transposed convolution cannot")
    padding = _same(pads, "padding")
    output_padding = _same(attrs.get("output_padding", [0, 0]), "output padding")
    params = {"filters": int(weight.shape[1]), "kernel_size": kernel, "stride": stride, "padding": padding,
              "output_padding": output_padding, "bias": bias is not None}
    weights = {"weight": weight.astype(np.float32)}
    if bias is not None:
        weights["bias"] = bias.astype(np.float32)
    cv.output(node.output[0], cv.add("ConvTranspose2d", params, [cv.source(node.input[0])], weights))


def gemm(cv: Converter, node) -> None:
    attrs = attributes(node)
    if attrs.get("transA", 0):
        raise Unmappable("it transposes its input, which a Dense layer does not")
    b = cv.need_const(node.input[1], "weight")
    weight = (b if attrs.get("transB", 0) else b.T) * float(attrs.get("alpha", 1.0))
    c = cv.const(input_name(node, 2))
    if input_name(node, 2) and c is None:
        raise Unmappable("its offset is computed by the model")
    units = weight.shape[0]
    weights = {"weight": weight.astype(np.float32)}
    if c is not None:
        weights["bias"] = (np.broadcast_to(c.reshape(-1) if c.size == units else c, (units,))
                           * float(attrs.get("beta", 1.0))).astype(np.float32)
    if len(cv.shape(node.input[0])) != 2:
        raise Unmappable("its input is not a batch of feature rows")
    cv.output(node.output[0], cv.add("Dense", {"units": int(units), "bias": c is not None},
                                     [cv.source(node.input[0])], weights))


def matmul(cv: Converter, node) -> None:
    b = cv.need_const(node.input[1], "weight")
    if b.ndim != 2:
        raise Unmappable("it multiplies by a stack of matrices, which a Dense layer does not")
    if len(cv.shape(node.input[0])) < 2:
        raise Unmappable("its input is not a batch of feature rows")
    source = cv.source(node.input[0])
    cv.output(node.output[0], cv.add("Dense", {"units": int(b.shape[1]), "bias": False}, [source],
                                     {"weight": b.T.astype(np.float32)}))


# --- element-wise merges -----------------------------------------------------------------------------------------------

def add(cv: Converter, node) -> None:
    a, b = node.input[0], node.input[1]
    if cv.const(a) is None and cv.const(b) is None:
        _merge(cv, node, "Add")
        return
    x, c = (a, cv.const(b)) if cv.const(b) is not None else (b, cv.const(a))
    _fold_bias(cv, node, x, c)


def _fold_bias(cv: Converter, node, x: str, c: np.ndarray) -> None:
    """An Add of a constant straight after a Dense or convolution becomes that layer's bias."""
    source = cv.source(x)
    layer = cv.graph.nodes[source]
    if layer.type not in ("Dense", "Conv1d", "Conv2d", "ConvTranspose2d") or cv.only_consumer(x) is not node:
        raise Unmappable("it adds a constant, which only a Dense or convolution layer before it can take as its "
                         "bias")
    width = layer.params["units" if layer.type == "Dense" else "filters"]
    shape = cv.shape(x)
    axis = len(shape) - 1 if layer.type == "Dense" else 1
    expected = [1] * (len(shape) - axis - 1)
    flat = c.reshape(-1)
    if flat.size not in (1, width) or (c.ndim > 1 and list(c.shape[-len(expected):] if expected else []) not in (
            expected, [])):
        raise Unmappable("it adds a constant that is not one number per output")
    bias = np.broadcast_to(flat, (width,)).astype(np.float32)
    key = f"{source}.bias"
    cv.weights[key] = cv.weights.get(key, np.zeros(width, np.float32)) + bias
    if not layer.params["bias"]:
        cv.graph.set_params(source, {"bias": True})
    cv.output(node.output[0], source)


def _merge(cv: Converter, node, type_name: str) -> None:
    names = [n for n in node.input if n]
    shapes = {cv.shape(n) for n in names}
    if len(shapes) > 1:
        raise Unmappable("its inputs have different shapes (broadcasting), which Workbench's merge layers do not do")
    sources = [cv.source(n) for n in names]
    if len(sources) == 1:
        cv.output(node.output[0], sources[0])
        return
    if len(set(sources)) < len(sources):
        raise Unmappable("it combines a tensor with itself")
    cv.output(node.output[0], cv.add(type_name, {}, sources))


def mul(cv: Converter, node) -> None:
    if any(cv.const(n) is not None for n in node.input):
        raise Unmappable("it multiplies by a constant, which no Workbench layer does")
    _merge(cv, node, "Multiply")


def concat(cv: Converter, node) -> None:
    names = [n for n in node.input if n]
    rank = len(cv.shape(names[0]))
    axis = int(attributes(node)["axis"]) % rank
    if axis == 0:
        raise Unmappable("it joins along the batch axis")
    if any(cv.const(n) is not None for n in names):
        raise Unmappable("it joins a constant to computed values")
    cv.output(node.output[0], cv.add("Concat", {"axis": axis}, [cv.source(n) for n in names]))


# --- normalisation ----------------------------------------------------------------------------------------------------

def batch_norm(cv: Converter, node) -> None:
    attrs = attributes(node)
    if attrs.get("training_mode", 0) or len([o for o in node.output if o]) > 1:
        raise Unmappable("it is in training mode")
    scale, bias, mean, var = (cv.need_const(node.input[i], what).astype(np.float32)
                              for i, what in ((1, "scale"), (2, "offset"), (3, "mean"), (4, "variance")))
    eps = float(attrs.get("epsilon", 1e-5))
    var = np.maximum(var + eps - TORCH_BN_EPS, 0.0).astype(np.float32)  # the same output with torch's epsilon
    rank = len(cv.shape(node.input[0]))
    if rank not in (2, 3, 4):
        raise Unmappable(f"it normalises a {rank}-D tensor")
    momentum = min(max(1.0 - float(attrs.get("momentum", 0.9)), 0.0), 1.0)
    weights = {"weight": scale, "bias": bias, "running_mean": mean, "running_var": var,
               "num_batches_tracked": np.array(0, dtype=np.int64)}
    cv.output(node.output[0], cv.add("BatchNorm2d" if rank == 4 else "BatchNorm1d", {"momentum": momentum},
                                     [cv.source(node.input[0])], weights))


def instance_norm(cv: Converter, node) -> None:
    if len(cv.shape(node.input[0])) != 4:
        raise Unmappable("Workbench's InstanceNorm2d works on images only")
    weights = {"weight": cv.need_const(node.input[1], "scale").astype(np.float32),
               "bias": cv.need_const(node.input[2], "offset").astype(np.float32)}
    eps = float(attributes(node).get("epsilon", 1e-5))
    cv.output(node.output[0], cv.add("InstanceNorm2d", {"affine": True, "eps": eps}, [cv.source(node.input[0])],
                                     weights))


def lrn(cv: Converter, node) -> None:
    attrs = attributes(node)
    size = int(attrs["size"])
    if size % 2 == 0:
        raise Unmappable("its window is of even size, which Workbench's LRN centres differently")
    params = {"size": size, "alpha": float(attrs.get("alpha", 1e-4)), "beta": float(attrs.get("beta", 0.75)),
              "k": float(attrs.get("bias", 1.0))}
    cv.output(node.output[0], cv.add("LRN", params, [cv.source(node.input[0])]))


# --- activations ------------------------------------------------------------------------------------------------------

def _simple(type_name: str, params=lambda attrs: {}):
    def convert(cv: Converter, node) -> None:
        cv.output(node.output[0], cv.add(type_name, params(attributes(node)), [cv.source(node.input[0])]))
    return convert


def selu(cv: Converter, node) -> None:
    attrs = attributes(node)
    if abs(attrs.get("alpha", 1.67326319217681884765625) - 1.6732632) > 1e-5 or \
            abs(attrs.get("gamma", 1.05070102214813232421875) - 1.0507010) > 1e-5:
        raise Unmappable("its alpha or gamma differ from SELU's standard values")
    _simple("SELU")(cv, node)


def gelu(cv: Converter, node) -> None:
    approximation = _text(attributes(node).get("approximate", b"none"))
    if approximation not in ("none", "tanh"):
        raise Unmappable(f"it uses the '{approximation}' approximation, which Workbench's GELU does not")
    _simple("GELU", lambda attrs: {"approximation": approximation})(cv, node)


def _softmax(type_name: str):
    def convert(cv: Converter, node) -> None:
        rank = len(cv.shape(node.input[0]))
        if int(attributes(node).get("axis", -1)) % rank != rank - 1:
            raise Unmappable("it works along an axis other than the last")
        _simple(type_name)(cv, node)
    return convert


def prelu(cv: Converter, node) -> None:
    """One slope, or one per channel (axis 1: Workbench's PReLU); one per feature of the last axis of a sequence or
    a channels-last image (the slope broadcast along the last axis, as Keras writes it) becomes that PReLU between
    two Permutes that bring the last axis to axis 1 and back."""
    slope = cv.need_const(node.input[1], "slope").astype(np.float32)
    shape = cv.shape(node.input[0])
    rank = len(shape)
    if slope.size == 1:
        cv.output(node.output[0], cv.add("PReLU", {"per_channel": False}, [cv.source(node.input[0])],
                                         {"weight": slope.reshape(1)}))
        return
    if slope.ndim > rank or rank < 2:
        raise Unmappable("its slopes do not fit its input")
    aligned = (1,) * (rank - slope.ndim) + slope.shape  # ONNX broadcasts the slope from the last axis
    varying = [axis for axis, size in enumerate(aligned) if size != 1]
    if varying == [1]:
        cv.output(node.output[0], cv.add("PReLU", {"per_channel": True}, [cv.source(node.input[0])],
                                         {"weight": slope.reshape(-1)}))
        return
    if varying != [rank - 1]:
        raise Unmappable("its slopes vary along more than one axis (or along the batch); Workbench's PReLU has one "
                         "slope per channel, or one for all")
    to_front = cv.add("Permute", {"order": [rank - 1, *range(1, rank - 1)]}, [cv.source(node.input[0])],
                      suffix="_features_first")
    activation = cv.add("PReLU", {"per_channel": True}, [to_front], {"weight": slope.reshape(-1)})
    cv.output(node.output[0], cv.add("Permute", {"order": [*range(2, rank), 1]}, [activation],
                                     suffix="_features_last"))


def identity(cv: Converter, node) -> None:
    cv.alias(node.output[0], node.input[0])


def dropout(cv: Converter, node) -> None:
    ratio = cv.const(input_name(node, 1))
    rate = float(ratio) if ratio is not None else float(attributes(node).get("ratio", 0.5))
    if len([o for o in node.output if o]) > 1 and cv.consumers.get(node.output[1]):
        raise Unmappable("its mask output is used")
    cv.output(node.output[0], cv.add("Dropout", {"rate": min(rate, 0.95)}, [cv.source(node.input[0])]))


# --- pooling ----------------------------------------------------------------------------------------------------------

def _pool(kind: str):
    def convert(cv: Converter, node) -> None:
        attrs = attributes(node)
        if attrs.get("ceil_mode", 0):
            raise Unmappable("it rounds its output size up (ceil mode)")
        if len([o for o in node.output if o]) > 1:
            raise Unmappable("it also outputs the positions of its maxima")
        kernel, stride, dilation, begin, end = _window(cv, node, attrs["kernel_shape"])
        if dilation != 1:
            raise Unmappable("it is dilated")
        dims = len(attrs["kernel_shape"])
        source = cv.source(node.input[0])
        if kind == "Avg" and any(begin + end) and not attrs.get("count_include_pad", 0):
            raise Unmappable("it leaves the padding out of its averages, which Workbench's pooling counts in")
        if len(set(begin + end)) > 1 and kind == "Max":
            raise Unmappable("its padding differs between sides")
        source, padding = _maybe_pad(cv, source, begin, end)
        params = {"kernel_size": kernel, "stride": 0 if stride == kernel else stride, "padding": padding}
        cv.output(node.output[0], cv.add(f"{kind}Pool{dims}d", params, [source]))
    return convert


def _global_pool(kind: str):
    def convert(cv: Converter, node) -> None:
        shape = cv.shape(node.input[0])
        source = cv.source(node.input[0])
        if kind == "Avg" and len(shape) == 4:
            cv.output(node.output[0], cv.add("AdaptiveAvgPool2d", {"output_size": [1, 1]}, [source]))
            return
        if len(shape) not in (3, 4):
            raise Unmappable(f"it pools a {len(shape)}-D tensor")
        pooled = cv.add(f"Global{kind}Pool", {}, [source])
        cv.output(node.output[0], cv.add("Reshape", {"target": [shape[1]] + [1] * (len(shape) - 2)}, [pooled],
                                         suffix="_keepdims"))
    return convert


def _reduce(mode: str):
    def convert(cv: Converter, node) -> None:
        attrs = attributes(node)
        shape = cv.shape(node.input[0])
        axes = cv.const(input_name(node, 1))
        axes = [int(a) % len(shape) for a in (axes if axes is not None else attrs.get("axes", []))]
        if len(shape) == 3 and axes == [1] and not attrs.get("keepdims", 1):
            cv.output(node.output[0], cv.add("SequencePool", {"mode": mode}, [cv.source(node.input[0])]))
            return
        if mode == "mean" and len(shape) in (3, 4) and sorted(axes) == list(range(2, len(shape))) and \
                not attrs.get("keepdims", 1):
            cv.output(node.output[0], cv.add("GlobalAvgPool", {}, [cv.source(node.input[0])]))
            return
        raise Unmappable("it reduces axes that no Workbench pooling layer reduces")
    return convert


def resize(cv: Converter, node) -> None:
    attrs = attributes(node)
    shape = cv.shape(node.input[0])
    scales = cv.const(input_name(node, 2))
    sizes = cv.const(input_name(node, 3))
    if scales is not None and scales.size:
        factors = [float(s) for s in scales]
    elif sizes is not None and sizes.size:
        factors = [float(s) / float(d) if d else 1.0 for s, d in zip(sizes, (1, *shape[1:]))]
        factors[0] = 1.0
    else:
        raise Unmappable("its scale is computed by the model")
    if factors[:2] != [1.0, 1.0] or len(set(factors[2:])) != 1 or not float(factors[2]).is_integer():
        raise Unmappable("it does not enlarge every side by the same whole factor")
    mode = _text(attrs.get("mode", b"nearest"))
    transform = _text(attrs.get("coordinate_transformation_mode", b"half_pixel"))
    if mode == "nearest" and transform == "asymmetric" and _text(attrs.get("nearest_mode", b"round_prefer_floor")) \
            == "floor":
        workbench_mode = "nearest"
    elif mode == "linear" and transform in ("half_pixel", "pytorch_half_pixel") and len(shape) == 4:
        workbench_mode = "bilinear"
    else:
        raise Unmappable(f"it resizes in '{mode}' mode with '{transform}' coordinates, which Upsample does not")
    cv.output(node.output[0], cv.add("Upsample", {"scale": int(factors[2]), "mode": workbench_mode},
                                     [cv.source(node.input[0])]))


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


# --- structure --------------------------------------------------------------------------------------------------------

def flatten(cv: Converter, node) -> None:
    shape = cv.shape(node.input[0])
    axis = int(attributes(node).get("axis", 1)) % max(len(shape), 1)
    if axis != 1:
        raise Unmappable(f"it flattens from axis {axis}, not from the one after the batch")
    cv.output(node.output[0], cv.add("Flatten", {}, [cv.source(node.input[0])]))


def _sample_target(in_shape: tuple, target: list[int]) -> list[int]:
    """The Reshape layer's target (without the batch) for an ONNX Reshape to `target`."""
    target = [in_shape[i] if v == 0 and i < len(in_shape) else v for i, v in enumerate(target)]
    first, rest = target[0], target[1:]
    if first is None or first == BATCH_MARK:
        pass
    elif first == -1:
        if -1 in rest:
            raise Unmappable("it leaves two sizes open")
    else:
        rest_known = int(np.prod([v for v in rest if v != -1])) if rest else 1
        sample = int(np.prod(in_shape[1:]))
        if -1 not in rest and rest_known != sample:
            raise Unmappable("it moves values across the batch")
    if any(v is None or v == BATCH_MARK for v in rest):
        raise Unmappable("it moves the batch axis")
    return [int(v) for v in rest]


def reshape(cv: Converter, node) -> None:
    if attributes(node).get("allowzero", 0):
        raise Unmappable("it allows sizes of zero")
    target = [int(v) for v in _shape_constant(cv, node.input[1])]
    in_shape = cv.shape(node.input[0])
    if _channel_shuffle(cv, node, in_shape, target):
        return
    sample = _sample_target(in_shape, target)
    if not sample:
        raise Unmappable("it leaves each sample a single number")
    cv.output(node.output[0], cv.add("Reshape", {"target": sample}, [cv.source(node.input[0])]))


def _shape_constant(cv: Converter, tensor: str) -> np.ndarray:
    value = cv.const(tensor)
    if value is None:
        raise Unmappable("its target shape is computed by the model")
    return value.reshape(-1)


def _channel_shuffle(cv: Converter, node, in_shape: tuple, target: list[int]) -> bool:
    """Reshape (B, C, ...) -> (B, g, C/g, ...), Transpose of axes 1 and 2, Reshape back: at the last of the three
    (when its target is known), the Reshape and Permute layers made of the first two become one ChannelShuffle."""
    graph = cv.graph
    permute_id = cv.producer.get(node.input[0])
    permute = graph.nodes.get(permute_id) if permute_id else None
    if permute is None or permute.type != "Permute" or cv.only_consumer(node.input[0]) is not node or \
            list(permute.params["order"]) != [2, 1, *range(3, len(in_shape))]:
        return False
    split = graph.nodes[graph.incoming(permute.id)[0].src]
    split_outputs = [t for t, n in cv.producer.items() if n == split.id]
    if split.type != "Reshape" or len(split_outputs) != 1 or cv.only_consumer(split_outputs[0]) is None:
        return False
    source = graph.incoming(split.id)[0].src
    original = cv.infos.get(source)
    groups, per_group, *rest = split.params["target"]
    if original is None or original.shape != (None, groups * per_group, *rest):
        return False
    try:
        if _sample_target(in_shape, target) != list(original.shape[1:]):
            return False
    except Unmappable:
        return False
    graph.remove_node(permute.id)
    graph.remove_node(split.id)
    cv.output(node.output[0], cv.add("ChannelShuffle", {"groups": int(groups)}, [source]))
    return True


def transpose(cv: Converter, node) -> None:
    shape = cv.shape(node.input[0])
    perm = [int(p) for p in attributes(node).get("perm", list(reversed(range(len(shape)))))]
    if perm[0] != 0:
        raise Unmappable("it moves the batch axis")
    if perm == list(range(len(shape))):
        identity(cv, node)
        return
    cv.output(node.output[0], cv.add("Permute", {"order": perm[1:]}, [cv.source(node.input[0])]))


def _squeeze_like(cv: Converter, node) -> None:
    out_shape = cv.shape(node.output[0])
    if out_shape[0] is not None or len(out_shape) < 2:
        raise Unmappable("it changes the batch axis")
    cv.output(node.output[0], cv.add("Reshape", {"target": list(out_shape[1:])}, [cv.source(node.input[0])]))


def pad(cv: Converter, node) -> None:
    attrs = attributes(node)
    shape = cv.shape(node.input[0])
    pads = cv.const(input_name(node, 1))
    pads = [int(p) for p in (pads if pads is not None else attrs.get("pads", []))]
    if input_name(node, 1) and cv.const(input_name(node, 1)) is None:
        raise Unmappable("its padding is computed by the model")
    axes = cv.const(input_name(node, 3))
    rank = len(shape)
    if axes is not None:
        full = [0] * (2 * rank)
        for i, axis in enumerate(int(a) % rank for a in axes):
            full[axis], full[rank + axis] = pads[i], pads[len(axes) + i]
        pads = full
    begin, end = pads[:rank], pads[rank:]
    if any(begin[:2]) or any(end[:2]) or min(pads, default=0) < 0:
        raise Unmappable("it pads the batch or channel axis, or crops")
    mode = {"constant": "constant", "reflect": "reflect", "edge": "replicate"}.get(_text(attrs.get("mode",
                                                                                                  b"constant")))
    if mode is None:
        raise Unmappable(f"it pads in '{_text(attrs.get('mode'))}' mode")
    value = cv.const(input_name(node, 2))
    value = float(value.reshape(-1)[0]) if value is not None and value.size else float(attrs.get("value", 0.0))
    if rank < 3:
        raise Unmappable("it pads a tensor without spatial axes")
    cv.output(node.output[0], cv.add("Pad", {"padding": _pad_pairs(begin[2:], end[2:]), "mode": mode,
                                             "value": value}, [cv.source(node.input[0])]))


def gather(cv: Converter, node) -> None:
    table = cv.const(node.input[0])
    if table is None and _one_step(cv, node):
        return
    if table is None or table.ndim != 2 or int(attributes(node).get("axis", 0)) != 0:
        raise Unmappable("it picks values out of computed tensors, which only an Embedding's table can be")
    cv.output(node.output[0], cv.add("Embedding", {"vocab_size": int(table.shape[0]), "dim": int(table.shape[1])},
                                     [cv.source(node.input[1])], {"weight": table.astype(np.float32)}))


# --- recurrent layers (fused before the walk: recurrent.py) ------------------------------------------------------------

LSTM_GATES = [0, 2, 3, 1]  # ONNX's gates i, o, f, c in torch's order i, f, g (c), o
GRU_GATES = [1, 0, 2]  # ONNX's z, r, h in torch's order r, z, n


def recurrent(cv: Converter, node) -> None:
    """A fused LSTM or GRU run becomes one layer, each ONNX layer's weights (per direction) re-ordered into the
    torch module's `rnn.weight_ih_l<k>[_reverse]`, `weight_hh`, `bias_ih`, `bias_hh`."""
    attrs = attributes(node)
    hidden, layers = int(attrs["hidden_size"]), int(attrs["num_layers"])
    directions = ["", "_reverse"] if attrs["bidirectional"] else [""]
    order = LSTM_GATES if node.op_type == "LSTM" else GRU_GATES
    rows = len(order) * hidden
    shape = cv.shape(node.input[0])
    if len(shape) != 3:
        raise Unmappable("its input is not a sequence of (batch, time, features)")
    weights = {}
    for layer in range(layers):
        w, r = (cv.need_const(name, "weights").astype(np.float32) for name in node.input[1 + 3 * layer:3 + 3 * layer])
        b = cv.const(node.input[3 + 3 * layer])
        b = np.zeros((len(directions), 2 * rows), np.float32) if b is None else b.astype(np.float32)
        features = shape[2] if layer == 0 else hidden * len(directions)
        if w.shape != (len(directions), rows, features) or r.shape != (len(directions), rows, hidden) or \
                b.shape != (len(directions), 2 * rows):
            raise Unmappable("its weights do not have the shapes of its settings")
        for direction, suffix in enumerate(directions):
            weights[f"rnn.weight_ih_l{layer}{suffix}"] = _gates(w[direction], order, hidden)
            weights[f"rnn.weight_hh_l{layer}{suffix}"] = _gates(r[direction], order, hidden)
            weights[f"rnn.bias_ih_l{layer}{suffix}"] = _gates(b[direction, :rows], order, hidden)
            weights[f"rnn.bias_hh_l{layer}{suffix}"] = _gates(b[direction, rows:], order, hidden)
    params = {"hidden_size": hidden, "num_layers": layers, "bidirectional": len(directions) == 2,
              "return_sequences": bool(attrs["return_sequences"])}
    cv.output(node.output[0], cv.add(node.op_type, params, [cv.source(node.input[0])], weights))


def _gates(values: np.ndarray, order: list[int], hidden: int) -> np.ndarray:
    """`values` (the gates stacked along the first axis) with its gates re-ordered."""
    return values.reshape(len(order), hidden, *values.shape[1:])[order].reshape(values.shape)


def recurrent_left(cv: Converter, node) -> None:
    """An ONNX LSTM or GRU that recurrent.py could not fuse: a placeholder saying why."""
    raise Unmappable(cv.read.recurrent_reasons.get(node.output[0], f"Workbench's {node.op_type} cannot compute it"))


def _one_step(cv: Converter, node) -> bool:
    """`x[:, -1]` or `x[:, 0]` of a (batch, time, features) sequence becomes a SequencePool of its last or first
    step; True if it did."""
    index = cv.const(node.input[1])
    shape = cv.shape(node.input[0])
    if index is None or index.ndim != 0 or len(shape) != 3 or int(attributes(node).get("axis", 0)) % 3 != 1:
        return False
    step = int(index) % shape[1]
    if step not in (0, shape[1] - 1):
        raise Unmappable("it picks one step of a sequence other than the first or the last")
    mode = "first" if step == 0 else "last"
    cv.output(node.output[0], cv.add("SequencePool", {"mode": mode}, [cv.source(node.input[0])]))
    return True


def slice_one_step(cv: Converter, node) -> None:
    """`x[:, -1]` or `x[:, 0]` of a (batch, time, features) sequence as exporters write it before opset 13, a Slice
    of one step and a Squeeze of the time axis: one SequencePool of the last or first step (the Squeeze is taken
    with it)."""
    shape = cv.shape(node.input[0])
    starts, ends, axes, steps = (cv.const(input_name(node, i)) for i in (1, 2, 3, 4))
    squeeze = cv.only_consumer(node.output[0])
    squeezed = squeeze is not None and squeeze.op_type == "Squeeze" and \
        cv.shapes.get(squeeze.output[0]) == (None, shape[-1])  # its axes may be a Constant written after it
    if len(shape) != 3 or starts is None or ends is None or axes is None or starts.size != 1 or \
            int(axes.reshape(-1)[0]) % 3 != 1 or (steps is not None and int(steps.reshape(-1)[0]) != 1) or \
            not squeezed:
        raise Unmappable("it cuts out part of a tensor; Workbench's layers do that only for the first or last step "
                         "of a sequence (x[:, 0] or x[:, -1])")
    time = shape[1]
    start = int(starts.reshape(-1)[0])
    start = start + time if start < 0 else min(start, time)
    end = int(ends.reshape(-1)[0])
    end = end + time if end < 0 else min(end, time)
    if end != start + 1 or start not in (0, time - 1):
        raise Unmappable("it picks one step of a sequence other than the first or the last")
    pool = cv.add("SequencePool", {"mode": "first" if start == 0 else "last"}, [cv.source(node.input[0])])
    cv.skip.add(id(squeeze))
    cv.output(squeeze.output[0], pool)


OPERATORS = {
    "Conv": conv, "ConvTranspose": conv_transpose, "Gemm": gemm, "MatMul": matmul,
    "Add": add, "Sum": lambda cv, node: _merge(cv, node, "Add"), "Mul": mul, "Concat": concat,
    "BatchNormalization": batch_norm, "InstanceNormalization": instance_norm, "LRN": lrn,
    "Relu": _simple("ReLU"), "LeakyRelu": _simple("LeakyReLU", lambda a: {"negative_slope": a.get("alpha", 0.01)}),
    "Elu": _simple("ELU", lambda a: {"alpha": a.get("alpha", 1.0)}), "Selu": selu, "PRelu": prelu,
    "Sigmoid": _simple("Sigmoid"), "Tanh": _simple("Tanh"), "Softplus": _simple("Softplus"), "Gelu": gelu,
    "Softmax": _softmax("Softmax"), "LogSoftmax": _softmax("LogSoftmax"),
    "Identity": identity, "Dropout": dropout,
    "MaxPool": _pool("Max"), "AveragePool": _pool("Avg"),
    "GlobalAveragePool": _global_pool("Avg"), "GlobalMaxPool": _global_pool("Max"),
    "ReduceMean": _reduce("mean"), "ReduceMax": _reduce("max"), "Resize": resize,
    "Flatten": flatten, "Reshape": reshape, "Transpose": transpose, "Squeeze": _squeeze_like,
    "Unsqueeze": _squeeze_like, "Pad": pad, "Gather": gather,
    "Slice": slice_one_step, "LSTM": recurrent_left, "GRU": recurrent_left,
    (FUSED_DOMAIN, "LSTM"): recurrent, (FUSED_DOMAIN, "GRU"): recurrent,
}
