"""The second part of the layer catalog: the layer types people expect from other tools and that imported ONNX models
use (pooling variants, resizing, group and instance normalisation, more activations, element-wise product, axis
permutation, padding, channel shuffle, local response normalisation, standalone attention, a convolution along a
text's words), and the placeholder an ONNX operator without a Workbench layer becomes.

Declared exactly as in `catalog.py` (registered into the same `CATALOG`); kept apart so that file stays readable.
Cost rules count multiply-accumulates per sample as `catalog.py` does: the products of matrix and convolution work
as PyTorch's FLOP counter does (two FLOPs per multiply-accumulate); one per value for pooling, normalising and
merging, which that counter ignores; none for activations.
"""

from __future__ import annotations

from workbench.core.errors import ShapeError
from workbench.core.layers.catalog import (BLOCKS_PRUNING, FEATURES, IMAGE, KEEPS_CHANNELS, PASSES_VALUES, SEQUENCE,
                                           SIGNAL, _nn_builder, _one, _pool_build, _pool_cost, _pool_settings,
                                           _pool_shape, _prod, _same, register)
from workbench.core.layers.spec import (BATCH, ChannelRole, CompressionTraits, LayerSpec, NeedsRank, Port, Setting,
                                        TensorInfo)


def _elements(p, ins, out) -> tuple[int, int]:
    """No parameters; one operation per input value."""
    return 0, _prod(ins[0].shape[1:])


def _modules_builder(class_name: str, args=lambda p, ins: ()):
    def build(p, ins):
        import workbench.core.layers.modules as modules  # lazy
        return getattr(modules, class_name)(*args(p, ins))
    return build


# --- pooling -----------------------------------------------------------------------------------------------------------

register(LayerSpec("AvgPool1d", "AvgPool1d", "Pooling", "Averages each window of a sequence or signal",
                   _pool_settings(), _pool_shape(1), _pool_build("AvgPool1d"), _pool_cost(1), name_prefix="pool",
                   compression=KEEPS_CHANNELS))


def _global_pool_shape(p, ins):
    t = _one(ins, (3, 4), IMAGE + " or " + SIGNAL)
    return TensorInfo((BATCH, t.shape[1]))


register(LayerSpec("GlobalMaxPool", "GlobalMaxPool", "Pooling",
                   "Keeps the largest value of each channel over the whole image or signal",
                   (), _global_pool_shape, _modules_builder("GlobalMaxPool"), _elements, name_prefix="gmp",
                   compression=KEEPS_CHANNELS))


def _adaptive_shape(p, ins):
    t = _one(ins, (4,), IMAGE)
    height, width = p["output_size"]
    return TensorInfo((BATCH, t.shape[1], height, width))


def _adaptive_build(p, ins):
    from torch import nn  # lazy
    return nn.AdaptiveAvgPool2d(tuple(p["output_size"]))


register(LayerSpec("AdaptiveAvgPool2d", "AdaptiveAvgPool2d", "Pooling",
                   "Averages an image of any size down to a fixed height and width",
                   (Setting("output_size", "tuple", (1, 1), "Output size", "Height and width of the result", 1, 4096,
                            min_length=2, max_length=2),),
                   _adaptive_shape, _adaptive_build, _elements, name_prefix="pool", compression=KEEPS_CHANNELS))


def _upsample_shape(p, ins):
    t = _one(ins, (3, 4), IMAGE + " or " + SIGNAL)
    if p["mode"] == "bilinear" and t.rank != 4:
        raise ShapeError("bilinear resizing needs an image (batch, channels, height, width); use 'nearest'")
    return TensorInfo((BATCH, t.shape[1], *(s * p["scale"] for s in t.shape[2:])))


def _upsample_build(p, ins):
    from torch import nn  # lazy
    return nn.Upsample(scale_factor=p["scale"], mode=p["mode"])


def _upsample_cost(p, ins, out):
    return 0, 0 if p["mode"] == "nearest" else 4 * _prod(out.shape[1:])  # bilinear: four weighted neighbours


register(LayerSpec("Upsample", "Upsample", "Pooling",
                   "Enlarges an image or signal by a whole factor, copying or blending neighbouring values",
                   (Setting("scale", "int", 2, "Scale", "How many times larger each side becomes", 1, 16),
                    Setting("mode", "choice", "nearest", "Mode", "Copy the nearest value, or blend the four nearest "
                            "(images)", choices=("nearest", "bilinear"))),
                   _upsample_shape, _upsample_build, _upsample_cost, name_prefix="upsample",
                   compression=KEEPS_CHANNELS))


# --- normalisation -------------------------------------------------------------------------------------------------------

def _group_norm_shape(p, ins):
    t = _one(ins, (3, 4), IMAGE + " or " + SIGNAL)
    if t.shape[1] % p["groups"]:
        raise ShapeError(f"its input channels ({t.shape[1]}) must divide evenly by the number of groups "
                         f"({p['groups']})")
    return t


def _group_norm_build(p, ins):
    from torch import nn  # lazy
    return nn.GroupNorm(p["groups"], ins[0].shape[1], eps=p["eps"])


_EPS = Setting("eps", "float", 1e-5, "Epsilon", "Small number added to the variance, to avoid dividing by zero",
               1e-12, 1.0)

register(LayerSpec("GroupNorm", "GroupNorm", "Normalisation",
                   "Normalises groups of channels within each sample; works with any batch size",
                   (Setting("groups", "int", 8, "Groups", "Number of channel groups normalised together", 1, 65_536),
                    _EPS),
                   _group_norm_shape, _group_norm_build,
                   lambda p, ins, out: (2 * ins[0].shape[1], _prod(ins[0].shape[1:])), name_prefix="gn",
                   compression=BLOCKS_PRUNING))  # a group spans several channels


def _instance_norm_shape(p, ins):
    t = _one(ins, (4,), IMAGE)
    if t.shape[2] * t.shape[3] < 2:
        raise ShapeError(f"needs images of more than one pixel to normalise, but receives {t}")
    return t


def _instance_norm_build(p, ins):
    from torch import nn  # lazy
    return nn.InstanceNorm2d(ins[0].shape[1], eps=p["eps"], affine=p["affine"])


register(LayerSpec("InstanceNorm2d", "InstanceNorm2d", "Normalisation",
                   "Normalises each channel of each image on its own (used in style transfer)",
                   (Setting("affine", "bool", True, "Learn scale and shift", "Learn a scale and an offset per channel"),
                    _EPS),
                   _instance_norm_shape, _instance_norm_build,
                   lambda p, ins, out: (2 * ins[0].shape[1] if p["affine"] else 0, _prod(ins[0].shape[1:])),
                   name_prefix="inorm", compression=KEEPS_CHANNELS))


def _lrn_build(p, ins):
    from torch import nn  # lazy
    return nn.LocalResponseNorm(p["size"], alpha=p["alpha"], beta=p["beta"], k=p["k"])


register(LayerSpec("LRN", "LRN", "Normalisation",
                   "Local response normalisation: damps each channel by its neighbours (AlexNet, GoogLeNet)",
                   (Setting("size", "int", 5, "Size", "Number of neighbouring channels looked at", 1, 64),
                    Setting("alpha", "float", 1e-4, "Alpha", "Strength of the damping", 0.0, 10.0),
                    Setting("beta", "float", 0.75, "Beta", "Exponent of the damping", 0.0, 10.0),
                    Setting("k", "float", 1.0, "k", "Constant added before the exponent", 0.0, 100.0)),
                   lambda p, ins: _one(ins, (3, 4), IMAGE + " or " + SIGNAL), _lrn_build,
                   lambda p, ins, out: (0, _prod(ins[0].shape[1:]) * p["size"]), name_prefix="lrn",
                   compression=BLOCKS_PRUNING))  # each output reads neighbouring channels


# --- activations ---------------------------------------------------------------------------------------------------------

def _activation(type_name, description, torch_name, compression, settings=(), kwargs=lambda p: {}, prefix=None):
    register(LayerSpec(type_name, type_name, "Activation", description, settings, _same,
                       _nn_builder(torch_name, kwargs), name_prefix=prefix or type_name.lower(),
                       compression=compression))


_activation("ELU", "Like ReLU, but negative values curve smoothly towards -alpha", "ELU", PASSES_VALUES,
            (Setting("alpha", "float", 1.0, "Alpha", "The value large negative inputs approach (negated)", 0.0,
                     100.0),), lambda p: {"alpha": p["alpha"]})
_activation("SELU", "A scaled ELU meant to keep activations normalised in deep stacks of Dense layers", "SELU",
            PASSES_VALUES)
_activation("Softplus", "A smooth ReLU: log(1 + exp(x))", "Softplus", PASSES_VALUES,
            (Setting("beta", "float", 1.0, "Beta", "Sharpness of the bend", 0.01, 100.0),),
            lambda p: {"beta": p["beta"]})
_activation("LogSoftmax", "The logarithm of Softmax over the last axis", "LogSoftmax", BLOCKS_PRUNING,
            kwargs=lambda p: {"dim": -1})  # each output depends on every feature


def _prelu_shape(p, ins):
    t = _one(ins)
    if t.rank < 2:
        raise NeedsRank((2, 3, 4), FEATURES)
    return t


def _prelu_build(p, ins):
    from torch import nn  # lazy
    return nn.PReLU(ins[0].shape[1] if p["per_channel"] else 1, init=0.25)


register(LayerSpec("PReLU", "PReLU", "Activation", "Like LeakyReLU, but learns the slope of negative values",
                   (Setting("per_channel", "bool", True, "One slope per channel",
                            "Learn a slope for each channel (axis 1), or one for all"),),
                   _prelu_shape, _prelu_build,
                   lambda p, ins, out: (ins[0].shape[1] if p["per_channel"] else 1, _prod(ins[0].shape[1:])),
                   name_prefix="prelu", compression=BLOCKS_PRUNING))  # its slope count is fixed by its input


# --- structure -----------------------------------------------------------------------------------------------------------

register(LayerSpec("Dropout2d", "Dropout2d", "Structure",
                   "Randomly zeroes whole channels of an image while training, to reduce overfitting",
                   (Setting("rate", "float", 0.25, "Rate", "Fraction of channels dropped", 0.0, 0.95),),
                   lambda p, ins: _one(ins, (4,), IMAGE), _nn_builder("Dropout2d", lambda p: {"p": p["rate"]}),
                   name_prefix="dropout", compression=KEEPS_CHANNELS))

register(LayerSpec("Identity", "Identity", "Structure", "Passes its input through unchanged",
                   (), lambda p, ins: ins[0], _nn_builder("Identity"), name_prefix="identity",
                   compression=PASSES_VALUES))


def _permute_shape(p, ins):
    t = ins[0]
    order = list(p["order"])
    if sorted(order) != list(range(1, t.rank)):
        raise ShapeError(f"the order must list each axis of its {t.rank - 1}-D sample once, numbered 1 to "
                         f"{t.rank - 1} (got {tuple(order)})")
    return TensorInfo((BATCH, *(t.shape[i] for i in order)), t.dtype)


register(LayerSpec("Permute", "Permute", "Structure",
                   "Reorders the axes of each sample, e.g. (time, features) to (features, time)",
                   (Setting("order", "tuple", (2, 1), "Order", "The sample's axes in their new order, numbered from 1 "
                            "(the batch stays first)", 1, 8, min_length=1, max_length=7),),
                   _permute_shape, _modules_builder("Permute", lambda p, ins: (tuple(p["order"]),)),
                   name_prefix="permute", compression=BLOCKS_PRUNING))


def _pad_shape(p, ins):
    t = _one(ins)
    pads = p["padding"]
    if len(pads) % 2:
        raise ShapeError("the padding must come in pairs: before and after, for the last axis first")
    axes = len(pads) // 2
    if axes > t.rank - 2:
        raise ShapeError(f"pads {axes} axes, but its input {t} has only {t.rank - 2} after the channels")
    if p["mode"] != "constant" and axes != t.rank - 2:
        raise ShapeError(f"{p['mode']} padding needs a pair for each axis after the channels: "
                         f"{2 * (t.rank - 2)} numbers for its input {t}")
    if p["mode"] == "reflect" and any(pads[2 * i] >= t.shape[-1 - i] or pads[2 * i + 1] >= t.shape[-1 - i]
                                      for i in range(axes)):
        raise ShapeError("reflect padding must be smaller than the axis it pads")
    shape = list(t.shape)
    for i in range(axes):
        shape[-1 - i] += pads[2 * i] + pads[2 * i + 1]
    return TensorInfo(tuple(shape))


register(LayerSpec("Pad", "Pad", "Structure", "Adds values around the edges of an image or signal",
                   (Setting("padding", "tuple", (1, 1, 1, 1), "Padding", "Before and after, for the last axis first: "
                            "left, right, top, bottom", 0, 1024, min_length=2, max_length=6),
                    Setting("mode", "choice", "constant", "Mode", "Fill with a constant, mirror the edge, or repeat it",
                            choices=("constant", "reflect", "replicate")),
                    Setting("value", "float", 0.0, "Value", "The constant to fill with", -1e6, 1e6)),
                   _pad_shape,
                   _modules_builder("Pad", lambda p, ins: (tuple(p["padding"]), p["mode"], p["value"])),
                   name_prefix="pad", compression=KEEPS_CHANNELS))


def _shuffle_shape(p, ins):
    t = _one(ins, (3, 4), IMAGE + " or " + SIGNAL)
    if t.shape[1] % p["groups"]:
        raise ShapeError(f"its input channels ({t.shape[1]}) must divide evenly by the number of groups "
                         f"({p['groups']})")
    return t


register(LayerSpec("ChannelShuffle", "ChannelShuffle", "Structure",
                   "Interleaves the channels of its groups, so grouped convolutions mix (ShuffleNet)",
                   (Setting("groups", "int", 2, "Groups", "Number of channel groups to interleave", 1, 65_536),),
                   _shuffle_shape, _modules_builder("ChannelShuffle", lambda p, ins: (p["groups"],)),
                   name_prefix="shuffle", compression=BLOCKS_PRUNING))


# --- merging -------------------------------------------------------------------------------------------------------------

def _multiply_shape(p, ins):
    if len(ins) < 2:
        raise ShapeError("needs at least two inputs to multiply")
    for t in ins:
        if t.dtype != "float":
            raise ShapeError("needs numbers, but receives token ids (whole numbers)")
    for t in ins[1:]:
        if t.shape != ins[0].shape:
            raise ShapeError(f"can only multiply inputs of the same shape, but receives {ins[0]} and {t}")
    return ins[0]


register(LayerSpec("Multiply", "Multiply", "Merge", "Multiplies its inputs element by element (a gate)",
                   (), _multiply_shape, _modules_builder("Product"),
                   lambda p, ins, out: (0, _prod(out.shape[1:]) * (len(ins) - 1)),
                   inputs=(Port("in", multi=True),), name_prefix="multiply", compression=BLOCKS_PRUNING))


# --- sequences -----------------------------------------------------------------------------------------------------------

def _attention_shape(p, ins):
    t = _one(ins, (3,), SEQUENCE)
    if t.shape[2] % p["heads"]:
        raise ShapeError(f"the feature size ({t.shape[2]}) must divide evenly by the number of heads "
                         f"({p['heads']})")
    return t


def _attention_cost(p, ins, out):
    time, dim = ins[0].shape[1], ins[0].shape[2]
    return 4 * dim * dim + 4 * dim, 4 * time * dim * dim + 2 * time * time * dim


register(LayerSpec("MultiHeadAttention", "Multi-head attention", "Sequence",
                   "Lets every time step look at every other one (self-attention), with several heads",
                   (Setting("heads", "int", 4, "Heads", "Number of attention heads", 1, 128),
                    Setting("dropout", "float", 0.0, "Dropout", "Dropout of the attention weights while training",
                            0.0, 0.9)),
                   _attention_shape,
                   _modules_builder("SelfAttention", lambda p, ins: (ins[0].shape[2], p["heads"], p["dropout"])),
                   _attention_cost, name_prefix="attention",
                   compression=CompressionTraits(magnitude_pruned=True, channels=ChannelRole.BLOCKS, width=None,
                                                 channel_axis=None, weight_input_axis=None)))


def _sequence_conv_shape(p, ins):
    t = _one(ins, (3,), SEQUENCE)
    if p["kernel_size"] % 2 == 0:
        raise ShapeError(f"the window ({p['kernel_size']}) must be an odd number of steps, so that each step sees "
                         "as many neighbours before it as after it")
    return TensorInfo((BATCH, t.shape[1], p["filters"]), masked=t.masked)


def _sequence_conv_cost(p, ins, out):
    per_step = ins[0].shape[2] * p["kernel_size"] * p["filters"]
    return per_step + p["filters"], ins[0].shape[1] * per_step


register(LayerSpec("SequenceConv", "Sequence convolution", "Sequence",
                   "Slides learned filters along a sequence, so each word is read with its neighbours; padding "
                   "reads as nothing",
                   (Setting("filters", "int", 32, "Filters", "Length of each step's output vector", 1, 65_536),
                    Setting("kernel_size", "int", 5, "Window", "How many steps each filter sees, centred on its "
                            "own (odd)", 1, 63)),
                   _sequence_conv_shape,
                   _modules_builder("SequenceConv", lambda p, ins: (ins[0].shape[2], p["filters"], p["kernel_size"])),
                   _sequence_conv_cost, name_prefix="seqconv",
                   compression=CompressionTraits(magnitude_pruned=True, channels=ChannelRole.BLOCKS, width=None,
                                                 channel_axis=None, weight_input_axis=None)))


# --- imported models -----------------------------------------------------------------------------------------------------

def _placeholder_shape(p, ins):
    raise ShapeError(f"stands for the ONNX operator {p['operator']} (node '{p['onnx_node']}'), which Workbench has no "
                     f"layer for. Replace it with layers that do the same before training or exporting")


def _placeholder_build(p, ins):
    raise ShapeError(f"the ONNX operator {p['operator']} has no Workbench layer")


register(LayerSpec("UnsupportedOnnx", "Unsupported ONNX operator", "Structure",
                   "An operator of an imported ONNX model that Workbench has no layer for; replace it",
                   (Setting("operator", "text", "", "ONNX operator", "The operator this node stands for"),
                    Setting("onnx_node", "text", "", "ONNX node", "The node's name in the imported model")),
                   _placeholder_shape, _placeholder_build, inputs=(Port("in", multi=True),), role="placeholder",
                   name_prefix="unsupported", compression=BLOCKS_PRUNING))
