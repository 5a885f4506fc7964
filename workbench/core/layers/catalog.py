"""The layer catalog: one `LayerSpec` per layer type, registered by type name.

Shape rules take the parameters and the incoming `TensorInfo`s and return the outgoing one, raising `ShapeError`
(or `NeedsRank`) with a message in the user's words. Cost rules return (parameters, multiply-accumulates per
sample). Builders import torch lazily, so the catalog is cheap to import. Every declaration states its
`CompressionTraits` (what magnitude pruning, structured pruning and distillation need to know about it).
"""

from __future__ import annotations

import math

from workbench.core.errors import ShapeError
from workbench.core.layers.spec import (BATCH, ChannelRole, CompressionTraits, LayerSpec, NeedsRank, Port, Setting,
                                        TensorInfo)

CATALOG: dict[str, LayerSpec] = {}

CATEGORIES = ("Input & output", "Dense", "Convolution", "Pooling", "Normalisation", "Activation", "Structure",
              "Merge", "Sequence")


def register(spec: LayerSpec) -> LayerSpec:
    assert spec.type_name not in CATALOG, spec.type_name
    assert spec.category in CATEGORIES, spec.category
    CATALOG[spec.type_name] = spec
    return spec


def get_spec(type_name: str) -> LayerSpec:
    return CATALOG[type_name]


# --- what compression needs to know, for the layers without weights -------------------------------------------------

PASSES_VALUES = CompressionTraits(magnitude_pruned=False, channels=ChannelRole.ELEMENTWISE, width=None,
                                  channel_axis=None, weight_input_axis=None)
KEEPS_CHANNELS = CompressionTraits(magnitude_pruned=False, channels=ChannelRole.KEEPS_CHANNELS_FIRST, width=None,
                                   channel_axis=None, weight_input_axis=None)
BLOCKS_PRUNING = CompressionTraits(magnitude_pruned=False, channels=ChannelRole.BLOCKS, width=None, channel_axis=None,
                                   weight_input_axis=None)


# --- helpers for shape rules -------------------------------------------------------------------------------------

IMAGE = "(batch, channels, height, width)"
SIGNAL = "(batch, channels, length)"
SEQUENCE = "(batch, time, features)"
FEATURES = "(batch, features)"


def _one(ins: list[TensorInfo], ranks: tuple[int, ...] = (), layout: str = "") -> TensorInfo:
    t = ins[0]
    if ranks and t.rank not in ranks:
        raise NeedsRank(ranks, layout)
    if t.dtype != "float":
        raise ShapeError("needs numbers, but receives token ids (whole numbers); put an Embedding first")
    return t


def _prod(values) -> int:
    return math.prod(int(v) for v in values)


def _sliding(size: int, kernel: int, stride: int, padding: int, dilation: int = 1, what: str = "kernel") -> int:
    span = dilation * (kernel - 1) + 1
    if size + 2 * padding < span:
        raise ShapeError(f"the {what} ({span}) is larger than its input ({size} with padding {padding}); "
                         f"use a smaller {what} or more padding")
    return (size + 2 * padding - span) // stride + 1


def _pool_stride(p: dict) -> int:
    return p["stride"] or p["kernel_size"]


def _check_pool_padding(p: dict) -> None:
    if p["padding"] * 2 > p["kernel_size"]:
        raise ShapeError(f"padding ({p['padding']}) may be at most half the window ({p['kernel_size']})")


def _linear(p_in: int, p_out: int, bias: bool = True) -> int:
    return p_in * p_out + (p_out if bias else 0)


# --- settings reused by several layers ----------------------------------------------------------------------------

def _kernel(default=3):
    return Setting("kernel_size", "int", default, "Kernel size", "Width of the sliding window", 1, 64)


def _stride(default=1, zero_means_kernel=False):
    text = "Step of the sliding window" + ("; 0 means the same as the window" if zero_means_kernel else "")
    return Setting("stride", "int", default, "Stride", text, 0 if zero_means_kernel else 1, 64)


def _padding(default=0):
    return Setting("padding", "int", default, "Padding", "Zeros added on each side", 0, 64)


BIAS = Setting("bias", "bool", True, "Bias", "Learn an offset added to each output")


# --- input and output heads ------------------------------------------------------------------------------------------

def _input_shape(p, ins):
    ids = p["dtype"] == "int"
    return TensorInfo((BATCH, *p["shape"]), "int" if ids else "float",
                      masked=ids and len(p["shape"]) == 1 and p["padding"])


register(LayerSpec(
    "Input", "Input", "Input & output", "Where samples enter the network; its shape follows the dataset",
    (Setting("shape", "tuple", (1, 8, 8), "Shape", "Shape of one sample, without the batch", 1, 1_000_000),
     Setting("dtype", "choice", "float", "Values", "Numbers, or whole-number token ids for an Embedding",
             choices=("float", "int")),
     Setting("padding", "bool", True, "Id 0 is padding",
             "With token ids: 0 fills each text up to the length, and attention, pooling and recurrent layers leave "
             "it out (off for a model from elsewhere that reads 0 as a token)")),
    _input_shape, lambda p, ins: None, inputs=(), role="input", name_prefix="input", compression=BLOCKS_PRUNING))


def _head_shape(units_key):
    def rule(p, ins):
        t = _one(ins)
        if t.rank != 2:
            raise NeedsRank((2,), FEATURES)
        return TensorInfo((BATCH, p[units_key]))
    return rule


def _head_cost(units_key):
    def cost(p, ins, out):
        return _linear(ins[0].shape[-1], p[units_key]), ins[0].shape[-1] * p[units_key]
    return cost


HEAD_TRAITS = CompressionTraits(magnitude_pruned=False, channels=ChannelRole.CONSUMES, width=None, channel_axis=-1,
                                weight_input_axis=1)


def _build_head(units_key):
    def build(p, ins):
        from torch import nn  # lazy
        return nn.Linear(ins[0].shape[-1], p[units_key])
    return build


register(LayerSpec(
    "ClassificationHead", "Classification output", "Input & output",
    "Scores one output per class and trains with cross-entropy",
    (Setting("classes", "int", 10, "Classes", "Number of classes to tell apart", 2, 100_000),),
    _head_shape("classes"), _build_head("classes"), _head_cost("classes"), outputs=(), role="head",
    name_prefix="classifier", compression=HEAD_TRAITS))

register(LayerSpec(
    "RegressionHead", "Regression output", "Input & output",
    "Predicts one or more numbers and trains with squared or absolute error",
    (Setting("outputs", "int", 1, "Outputs", "How many numbers to predict", 1, 10_000),
     Setting("loss", "choice", "mse", "Loss", "Mean squared error, or mean absolute error",
             choices=("mse", "mae"))),
    _head_shape("outputs"), _build_head("outputs"), _head_cost("outputs"), outputs=(), role="head",
    name_prefix="regressor", compression=HEAD_TRAITS))


def _build_multilabel_head(p, ins):
    from workbench.core.layers.modules import MultiLabelOutput  # lazy
    return MultiLabelOutput(ins[0].shape[-1], p["labels"])


register(LayerSpec(
    "MultiLabelHead", "Multi-label output", "Input & output",
    "Says yes or no to each of several labels at once (sigmoid) and trains with binary cross-entropy",
    (Setting("labels", "int", 3, "Labels", "Number of yes-or-no labels each sample gets", 1, 10_000),),
    _head_shape("labels"), _build_multilabel_head, _head_cost("labels"), outputs=(), role="head",
    name_prefix="labeller", compression=HEAD_TRAITS))


# --- dense ---------------------------------------------------------------------------------------------------------------

def _dense_shape(p, ins):
    t = ins[0]
    if t.rank < 2:
        raise NeedsRank((2, 3), FEATURES)
    _one(ins)
    return TensorInfo((*t.shape[:-1], p["units"]), masked=t.masked)


def _dense_cost(p, ins, out):
    t = ins[0]
    positions = _prod(t.shape[1:-1])
    return _linear(t.shape[-1], p["units"], p["bias"]), positions * t.shape[-1] * p["units"]


def _dense_build(p, ins):
    from torch import nn  # lazy
    return nn.Linear(ins[0].shape[-1], p["units"], bias=p["bias"])


register(LayerSpec(
    "Dense", "Dense", "Dense", "Connects every input feature to every output unit (a linear layer)",
    (Setting("units", "int", 64, "Units", "Number of outputs", 1, 1_000_000), BIAS),
    _dense_shape, _dense_build, _dense_cost, name_prefix="dense",
    compression=CompressionTraits(magnitude_pruned=True, channels=ChannelRole.REMOVABLE, width="units", channel_axis=-1,
                                  weight_input_axis=1)))


# --- convolution ----------------------------------------------------------------------------------------------------------

def _conv_shape(dims: int):
    layout = IMAGE if dims == 2 else SIGNAL

    def rule(p, ins):
        t = _one(ins, (dims + 2,), layout)
        groups = conv_groups(p, ins)
        if t.shape[1] % groups or p["filters"] % groups:
            raise ShapeError(f"with {groups} groups, both its input channels ({t.shape[1]}) and its filters "
                             f"({p['filters']}) must divide evenly by {groups}")
        spatial = [_sliding(s, p["kernel_size"], p["stride"], p["padding"], p["dilation"]) for s in t.shape[2:]]
        return TensorInfo((BATCH, p["filters"], *spatial))
    return rule


def conv_groups(p: dict, ins: list[TensorInfo]) -> int:
    """The number of channel groups of a convolution: its ``groups`` setting, 0 meaning one per input channel."""
    return p["groups"] or ins[0].shape[1]


def _conv_cost(dims: int):
    def cost(p, ins, out):
        c_in = ins[0].shape[1] // conv_groups(p, ins)
        per_position = c_in * p["kernel_size"] ** dims
        params = p["filters"] * per_position + (p["filters"] if p["bias"] else 0)
        return params, _prod(out.shape[1:]) * per_position
    return cost


def _conv_build(dims: int):
    def build(p, ins):
        from torch import nn  # lazy
        kind = nn.Conv2d if dims == 2 else nn.Conv1d
        return kind(ins[0].shape[1], p["filters"], p["kernel_size"], stride=p["stride"], padding=p["padding"],
                    dilation=p["dilation"], groups=conv_groups(p, ins), bias=p["bias"])
    return build


CONV_TRAITS = CompressionTraits(magnitude_pruned=True, channels=ChannelRole.REMOVABLE, width="filters", channel_axis=1,
                                weight_input_axis=1)


def _conv_settings():
    return (Setting("filters", "int", 16, "Filters", "Number of output channels", 1, 65_536), _kernel(),
            _stride(), _padding(1),
            Setting("dilation", "int", 1, "Dilation", "Spacing between kernel elements", 1, 32), BIAS,
            Setting("groups", "int", 1, "Groups", "Channel groups, each filtered on its own; 0 means one per input "
                    "channel (a depthwise convolution)", 0, 65_536))


register(LayerSpec(
    "Conv1d", "Conv1d", "Convolution", "Slides learned filters along a sequence or signal",
    _conv_settings(), _conv_shape(1), _conv_build(1), _conv_cost(1), name_prefix="conv",
    compression=CONV_TRAITS))

register(LayerSpec(
    "Conv2d", "Conv2d", "Convolution", "Slides learned filters over an image to detect local patterns",
    _conv_settings(), _conv_shape(2), _conv_build(2), _conv_cost(2), name_prefix="conv",
    compression=CONV_TRAITS))


def _deconv_shape(p, ins):
    t = _one(ins, (4,), IMAGE)
    if p["output_padding"] >= p["stride"]:
        raise ShapeError(f"output padding ({p['output_padding']}) must be smaller than the stride ({p['stride']})")
    spatial = [(s - 1) * p["stride"] - 2 * p["padding"] + p["kernel_size"] + p["output_padding"]
               for s in t.shape[2:]]
    if min(spatial) < 1:
        raise ShapeError("the padding is too large for this input; the output would be empty")
    return TensorInfo((BATCH, p["filters"], *spatial))


def _deconv_cost(p, ins, out):
    c_in = ins[0].shape[1]
    params = c_in * p["filters"] * p["kernel_size"] ** 2 + (p["filters"] if p["bias"] else 0)
    return params, _prod(ins[0].shape[1:]) * p["filters"] * p["kernel_size"] ** 2


def _deconv_build(p, ins):
    from torch import nn  # lazy
    return nn.ConvTranspose2d(ins[0].shape[1], p["filters"], p["kernel_size"], stride=p["stride"],
                              padding=p["padding"], output_padding=p["output_padding"], bias=p["bias"])


register(LayerSpec(
    "ConvTranspose2d", "ConvTranspose2d", "Convolution", "Upsamples an image with learned filters",
    (Setting("filters", "int", 16, "Filters", "Number of output channels", 1, 65_536), _kernel(2),
     _stride(2), _padding(0),
     Setting("output_padding", "int", 0, "Output padding", "Extra size added to one side of the output", 0, 63),
     BIAS),
    _deconv_shape, _deconv_build, _deconv_cost, name_prefix="upconv",
    compression=CompressionTraits(magnitude_pruned=True, channels=ChannelRole.CONSUMES, width="filters", channel_axis=1,
                                  weight_input_axis=0)))  # torch keeps its weight as (in, out, kernel, kernel)


# --- pooling ----------------------------------------------------------------------------------------------------------------

def _pool_shape(dims: int):
    layout = IMAGE if dims == 2 else SIGNAL

    def rule(p, ins):
        t = _one(ins, (dims + 2,), layout)
        _check_pool_padding(p)
        spatial = [_sliding(s, p["kernel_size"], _pool_stride(p), p["padding"], what="window") for s in t.shape[2:]]
        return TensorInfo((BATCH, t.shape[1], *spatial))
    return rule


def _pool_cost(dims: int):
    return lambda p, ins, out: (0, _prod(out.shape[1:]) * p["kernel_size"] ** dims)


def _pool_build(kind: str):
    def build(p, ins):
        from torch import nn  # lazy
        return getattr(nn, kind)(p["kernel_size"], stride=_pool_stride(p), padding=p["padding"])
    return build


def _pool_settings():
    return (Setting("kernel_size", "int", 2, "Window", "Size of the pooling window", 1, 64),
            _stride(0, zero_means_kernel=True), _padding(0))


register(LayerSpec("MaxPool1d", "MaxPool1d", "Pooling", "Keeps the largest value in each window of a sequence",
                   _pool_settings(), _pool_shape(1), _pool_build("MaxPool1d"), _pool_cost(1), name_prefix="pool",
                   compression=KEEPS_CHANNELS))
register(LayerSpec("MaxPool2d", "MaxPool2d", "Pooling", "Keeps the largest value in each window of an image",
                   _pool_settings(), _pool_shape(2), _pool_build("MaxPool2d"), _pool_cost(2), name_prefix="pool",
                   compression=KEEPS_CHANNELS))
register(LayerSpec("AvgPool2d", "AvgPool2d", "Pooling", "Averages each window of an image",
                   _pool_settings(), _pool_shape(2), _pool_build("AvgPool2d"), _pool_cost(2), name_prefix="pool",
                   compression=KEEPS_CHANNELS))


def _gap_shape(p, ins):
    t = _one(ins, (3, 4), IMAGE + " or " + SIGNAL)
    return TensorInfo((BATCH, t.shape[1]))


def _gap_build(p, ins):
    from workbench.core.layers.modules import GlobalAvgPool  # lazy
    return GlobalAvgPool()


register(LayerSpec("GlobalAvgPool", "GlobalAvgPool", "Pooling",
                   "Averages each channel over the whole image or signal, giving one number per channel",
                   (), _gap_shape, _gap_build, lambda p, ins, out: (0, _prod(ins[0].shape[1:])), name_prefix="gap",
                   compression=KEEPS_CHANNELS))


def _seqpool_shape(p, ins):
    t = _one(ins, (3,), SEQUENCE)
    return TensorInfo((BATCH, t.shape[2]))


def _seqpool_build(p, ins):
    from workbench.core.layers.modules import SequencePool  # lazy
    return SequencePool(p["mode"])


register(LayerSpec("SequencePool", "SequencePool", "Sequence",
                   "Summarises a sequence into one vector: its mean, maximum, last or first step; padding is "
                   "left out",
                   (Setting("mode", "choice", "mean", "Mode", "How to summarise the time steps",
                            choices=("mean", "max", "last", "first")),),
                   _seqpool_shape, _seqpool_build, lambda p, ins, out: (0, _prod(ins[0].shape[1:])),
                   name_prefix="seqpool",
                   compression=CompressionTraits(magnitude_pruned=False, channels=ChannelRole.POOLS_TIME, width=None,
                                                 channel_axis=None, weight_input_axis=None)))


# --- normalisation ------------------------------------------------------------------------------------------------------------

def _bn_shape(ranks, layout):
    def rule(p, ins):
        return _one(ins, ranks, layout)
    return rule


def _bn_build(kind):
    def build(p, ins):
        from torch import nn  # lazy
        return getattr(nn, kind)(ins[0].shape[1], momentum=p["momentum"])
    return build


_MOMENTUM = Setting("momentum", "float", 0.1, "Momentum", "How fast the running statistics follow each batch",
                    0.0, 1.0)

register(LayerSpec("BatchNorm1d", "BatchNorm1d", "Normalisation",
                   "Normalises each feature over the batch; steadies and speeds up training",
                   (_MOMENTUM,), _bn_shape((2, 3), FEATURES + " or " + SIGNAL), _bn_build("BatchNorm1d"),
                   lambda p, ins, out: (2 * ins[0].shape[1], _prod(ins[0].shape[1:])), name_prefix="bn",
                   compression=KEEPS_CHANNELS))
register(LayerSpec("BatchNorm2d", "BatchNorm2d", "Normalisation",
                   "Normalises each channel of an image over the batch",
                   (_MOMENTUM,), _bn_shape((4,), IMAGE), _bn_build("BatchNorm2d"),
                   lambda p, ins, out: (2 * ins[0].shape[1], _prod(ins[0].shape[1:])), name_prefix="bn",
                   compression=KEEPS_CHANNELS))


def _ln_shape(p, ins):
    t = ins[0]
    if t.rank < 2:
        raise NeedsRank((2, 3), FEATURES)
    return _one(ins)


def _ln_build(p, ins):
    from torch import nn  # lazy
    return nn.LayerNorm(ins[0].shape[-1])


register(LayerSpec("LayerNorm", "LayerNorm", "Normalisation", "Normalises the features of each sample",
                   (), _ln_shape, _ln_build, lambda p, ins, out: (2 * ins[0].shape[-1], _prod(ins[0].shape[1:])),
                   name_prefix="norm", compression=BLOCKS_PRUNING))


# --- activations and element-wise layers -----------------------------------------------------------------------------------

def _same(p, ins):
    return _one(ins)


def _nn_builder(torch_name, kwargs=lambda p: {}):
    def build(p, ins):
        from torch import nn  # lazy
        return getattr(nn, torch_name)(**kwargs(p))
    return build


def _activation(type_name, description, torch_name, compression, settings=(), kwargs=lambda p: {}, prefix=None):
    register(LayerSpec(type_name, type_name, "Activation", description, settings, _same,
                       _nn_builder(torch_name, kwargs), name_prefix=prefix or type_name.lower(),
                       compression=compression))


_activation("ReLU", "Keeps positive values and sets negative ones to zero", "ReLU", PASSES_VALUES)
_activation("LeakyReLU", "Like ReLU, but lets a small fraction of negative values through", "LeakyReLU",
            PASSES_VALUES, (Setting("negative_slope", "float", 0.01, "Negative slope",
                                    "Factor applied to negative values", 0.0, 1.0),),
            lambda p: {"negative_slope": p["negative_slope"]}, "lrelu")
_activation("GELU", "A smooth ReLU used in Transformers", "GELU", PASSES_VALUES,
            (Setting("approximation", "choice", "none", "Approximation",
                     "none: the exact curve; tanh: the faster estimate some models were trained with",
                     choices=("none", "tanh")),),
            lambda p: {"approximate": p["approximation"]})
_activation("SiLU", "A smooth ReLU (x times sigmoid of x), also called Swish", "SiLU", PASSES_VALUES)
_activation("Sigmoid", "Squashes values into the range 0 to 1", "Sigmoid", PASSES_VALUES)
_activation("Tanh", "Squashes values into the range -1 to 1", "Tanh", PASSES_VALUES)
_activation("Softmax", "Turns the last axis into probabilities that sum to 1", "Softmax", BLOCKS_PRUNING,
            kwargs=lambda p: {"dim": -1})  # each output depends on every feature

register(LayerSpec("Dropout", "Dropout", "Structure", "Randomly zeroes a fraction of values while training, "
                   "to reduce overfitting",
                   (Setting("rate", "float", 0.25, "Rate", "Fraction of values dropped", 0.0, 0.95),),
                   _same, _nn_builder("Dropout", lambda p: {"p": p["rate"]}), name_prefix="dropout",
                   compression=PASSES_VALUES))


# --- structure -------------------------------------------------------------------------------------------------------------------

def _flatten_shape(p, ins):
    t = ins[0]
    if t.rank < 2:
        raise NeedsRank((2, 3, 4), "(batch, ...)")
    return TensorInfo((BATCH, _prod(t.shape[1:])), t.dtype)


register(LayerSpec("Flatten", "Flatten", "Structure", "Lays out each sample as one long row of features",
                   (), _flatten_shape, _nn_builder("Flatten"), name_prefix="flatten",
                   compression=CompressionTraits(magnitude_pruned=False, channels=ChannelRole.FLATTENS, width=None,
                                                 channel_axis=None, weight_input_axis=None)))


def _reshape_target(p, ins) -> tuple[int, ...]:
    t = ins[0]
    size = _prod(t.shape[1:])
    target = list(p["target"])
    if target.count(-1) > 1:
        raise ShapeError("at most one size may be -1 (meaning 'whatever is left')")
    if any(v == 0 or v < -1 for v in target):
        raise ShapeError("sizes must be positive (or -1 once, for 'whatever is left')")
    known = _prod(v for v in target if v != -1)
    if -1 in target:
        if size % known:
            raise ShapeError(f"cannot split {size} values into {tuple(target)}")
        target[target.index(-1)] = size // known
    elif known != size:
        raise ShapeError(f"cannot reshape {size} values into {tuple(target)}, which holds {known}")
    return tuple(target)


def _reshape_build(p, ins):
    from workbench.core.layers.modules import Reshape  # lazy
    return Reshape(_reshape_target(p, ins))


register(LayerSpec("Reshape", "Reshape", "Structure",
                   "Rearranges the values of each sample into a new shape (-1: whatever is left)",
                   (Setting("target", "tuple", (-1,), "Shape", "New shape of one sample, without the batch",
                            -1, 1_000_000),),
                   lambda p, ins: TensorInfo((BATCH, *_reshape_target(p, ins)), ins[0].dtype), _reshape_build,
                   name_prefix="reshape", compression=BLOCKS_PRUNING))


# --- merging ----------------------------------------------------------------------------------------------------------------------

def _add_shape(p, ins):
    first = ins[0]
    if len(ins) < 2:
        raise ShapeError("needs at least two inputs to add")
    for t in ins:
        if t.dtype != "float":
            raise ShapeError("needs numbers, but receives token ids (whole numbers)")
    for t in ins[1:]:
        if t.shape != first.shape:
            raise ShapeError(f"can only add inputs of the same shape, but receives {first} and {t}")
    return first


def _add_build(p, ins):
    from workbench.core.layers.modules import Sum  # lazy
    return Sum()


register(LayerSpec("Add", "Add", "Merge", "Adds its inputs element by element (a skip connection)",
                   (), _add_shape, _add_build, lambda p, ins, out: (0, _prod(out.shape[1:]) * (len(ins) - 1)),
                   inputs=(Port("in", multi=True),), name_prefix="add", compression=BLOCKS_PRUNING))


def _concat_shape(p, ins):
    if len(ins) < 2:
        raise ShapeError("needs at least two inputs to join")
    rank = ins[0].rank
    if p["axis"] == 0:
        raise ShapeError("cannot join along axis 0, the batch; use 1 (channels or features) or -1 (the last axis)")
    axis = p["axis"] if p["axis"] > 0 else rank + p["axis"]
    if not 1 <= axis < rank:
        raise ShapeError(f"axis {p['axis']} does not exist in a {rank}-D input {ins[0]}")
    for t in ins:
        if t.rank != rank or t.dtype != ins[0].dtype:
            raise ShapeError(f"can only join inputs of the same kind and rank, but receives {ins[0]} and {t}")
        others = [d for i, d in enumerate(t.shape) if i != axis]
        if others != [d for i, d in enumerate(ins[0].shape) if i != axis]:
            raise ShapeError(f"inputs must match on every axis except {p['axis']}, but receives {ins[0]} and {t}")
    shape = list(ins[0].shape)
    shape[axis] = sum(t.shape[axis] for t in ins)
    return TensorInfo(tuple(shape), ins[0].dtype)


def _concat_build(p, ins):
    from workbench.core.layers.modules import Concat  # lazy
    return Concat(p["axis"])


register(LayerSpec("Concat", "Concat", "Merge", "Joins its inputs side by side along one axis",
                   (Setting("axis", "int", 1, "Axis", "Axis to join along: 1 is channels or features, "
                                                      "-1 the last", -4, 4),),
                   _concat_shape, _concat_build, inputs=(Port("in", multi=True),), name_prefix="concat",
                   compression=BLOCKS_PRUNING))


# --- sequences -------------------------------------------------------------------------------------------------------------------

def _embedding_shape(p, ins):
    t = ins[0]
    if t.dtype != "int":
        raise ShapeError("needs token ids (whole numbers), but receives decimal numbers; set the Input's values "
                         "to 'int'")
    if t.rank not in (1, 2):
        raise NeedsRank((1, 2), "(batch, time)")
    return TensorInfo((*t.shape, p["dim"]), masked=t.masked)


def _embedding_build(p, ins):
    from torch import nn  # lazy
    return nn.Embedding(p["vocab_size"], p["dim"])


register(LayerSpec("Embedding", "Embedding", "Sequence", "Turns each token id into a learned vector",
                   (Setting("vocab_size", "int", 1000, "Vocabulary", "Number of distinct tokens", 2, 10_000_000),
                    Setting("dim", "int", 32, "Size", "Length of each token's vector", 1, 65_536)),
                   _embedding_shape, _embedding_build,
                   lambda p, ins, out: (p["vocab_size"] * p["dim"], 0), name_prefix="embed",
                   compression=BLOCKS_PRUNING))


def _rnn_shape(p, ins):
    t = _one(ins, (3,), SEQUENCE)
    width = p["hidden_size"] * (2 if p["bidirectional"] else 1)
    if p["return_sequences"]:
        return TensorInfo((BATCH, t.shape[1], width), masked=t.masked)
    return TensorInfo((BATCH, width))


def _rnn_cost(gates):
    def cost(p, ins, out):
        dirs = 2 if p["bidirectional"] else 1
        h = p["hidden_size"]
        params = 0
        macs = 0
        in_size = ins[0].shape[2]
        for _ in range(p["num_layers"]):
            per_direction = gates * h * (in_size + h)
            params += dirs * (per_direction + 2 * gates * h)
            macs += dirs * per_direction * ins[0].shape[1]
            in_size = h * dirs
        return params, macs
    return cost


def _rnn_build(cell):
    def build(p, ins):
        from workbench.core.layers.modules import Recurrent  # lazy
        return Recurrent(cell, ins[0].shape[2], p["hidden_size"], p["num_layers"], p["bidirectional"],
                         p["return_sequences"])
    return build


RECURRENT_TRAITS = CompressionTraits(magnitude_pruned=True, channels=ChannelRole.BLOCKS, width="hidden_size",
                                     channel_axis=None, weight_input_axis=None)


def _rnn_settings():
    return (Setting("hidden_size", "int", 64, "Hidden size", "Size of the memory carried along the sequence",
                    1, 65_536),
            Setting("num_layers", "int", 1, "Layers", "Number of stacked recurrent layers", 1, 16),
            Setting("bidirectional", "bool", False, "Bidirectional", "Also read the sequence backwards"),
            Setting("return_sequences", "bool", False, "Return sequences",
                    "Output every time step instead of only the final summary"))


register(LayerSpec("LSTM", "LSTM", "Sequence", "A recurrent layer with long short-term memory; a text's "
                   "summary is read at its last word, before the padding",
                   _rnn_settings(), _rnn_shape, _rnn_build("lstm"), _rnn_cost(4), name_prefix="lstm",
                   compression=RECURRENT_TRAITS))
register(LayerSpec("GRU", "GRU", "Sequence", "A recurrent layer with gated units, lighter than an LSTM; a "
                   "text's summary is read at its last word, before the padding",
                   _rnn_settings(), _rnn_shape, _rnn_build("gru"), _rnn_cost(3), name_prefix="gru",
                   compression=RECURRENT_TRAITS))


def _transformer_shape(p, ins):
    t = _one(ins, (3,), SEQUENCE)
    if t.shape[2] % p["heads"]:
        raise ShapeError(f"the feature size ({t.shape[2]}) must divide evenly by the number of heads "
                         f"({p['heads']})")
    return t


def _transformer_cost(p, ins, out):
    time, dim = ins[0].shape[1], ins[0].shape[2]
    ff = p["ff_dim"]
    params = 4 * dim * dim + 4 * dim + 2 * dim * ff + ff + dim + 4 * dim
    macs = time * (4 * dim * dim + 2 * dim * ff) + 2 * time * time * dim
    return params, macs


def _transformer_build(p, ins):
    from workbench.core.layers.modules import TransformerBlock  # lazy
    return TransformerBlock(ins[0].shape[2], p["heads"], p["ff_dim"], p["dropout"])


register(LayerSpec("TransformerBlock", "Transformer block", "Sequence",
                   "Multi-head self-attention and a feed-forward net, each with a skip connection",
                   (Setting("heads", "int", 4, "Heads", "Number of attention heads", 1, 128),
                    Setting("ff_dim", "int", 128, "Feed-forward size", "Width of the inner feed-forward layer",
                            1, 65_536),
                    Setting("dropout", "float", 0.1, "Dropout", "Dropout rate while training", 0.0, 0.9)),
                   _transformer_shape, _transformer_build, _transformer_cost, name_prefix="transformer",
                   compression=CompressionTraits(magnitude_pruned=True, channels=ChannelRole.BLOCKS, width="ff_dim",
                                                 channel_axis=None, weight_input_axis=None)))


def _positions_shape(p, ins):
    return _one(ins, (3,), SEQUENCE)


def _positions_build(p, ins):
    from workbench.core.layers.modules import PositionalEncoding  # lazy
    return PositionalEncoding(p["kind"], ins[0].shape[1], ins[0].shape[2])


register(LayerSpec("PositionalEncoding", "Positional encoding", "Sequence",
                   "Adds each step's position to its features, so attention can tell word order",
                   (Setting("kind", "choice", "learned", "Kind",
                            "A learned vector per position, or fixed sines and cosines (nothing to learn)",
                            choices=("learned", "sinusoidal")),),
                   _positions_shape, _positions_build,
                   lambda p, ins, out: (_prod(ins[0].shape[1:]) if p["kind"] == "learned" else 0,
                                        _prod(ins[0].shape[1:])),
                   name_prefix="positions", compression=BLOCKS_PRUNING))
