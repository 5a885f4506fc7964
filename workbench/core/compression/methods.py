"""The compression methods: one `CompressionMethod` declaration per method, registered by name in declaration order.

The Export page's method list and hints, the command line's ``--method`` choices and help, the model card's note,
the parity check and `variants.compress_project` all read these declarations, so adding a method means adding one
declaration here (and a builder beside the technique it uses). The original ("none") is declared the same way, but
is not offered as a way to compress.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from workbench.core.compression.candidate import Candidate, original_candidate
from workbench.core.compression.distill import distilled_candidate
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.magnitude import pruned_candidate
from workbench.core.compression.parity import ExactParity, ParityRule, SameClass, WithinRange
from workbench.core.compression.quantize import fp16_candidate, int8_dynamic_candidate, int8_static_candidate
from workbench.core.compression.structured import structured_candidate

# make_candidate(method, tm, amount, epochs, student_graph, progress, threads) -> Candidate (see candidate.py)
CandidateBuilder = Callable[..., Candidate]


@dataclass(frozen=True)
class CompressionMethod:
    """The single declaration of a compression method."""

    name: str  # stable identifier used in project files, variant names and ``--method``
    title: str  # what the user reads: "Static INT8 (QDQ)"
    hint: str  # the Export page's one line under the method list
    card_note: str  # the model card's "Compression" paragraph
    takes_amount: bool  # the user chooses a share to remove (0 to 1)
    default_amount: float | None  # the share when none is given (methods that take one); else None
    takes_epochs: bool  # it trains (a fine-tune or a student): the user may choose the epochs
    parity: ParityRule  # how close its ONNX outputs must stay to its reference network's
    make_candidate: CandidateBuilder  # how it makes a variant
    number_format: str | None  # the number format it stores weights in when it changes it ("int8", "fp16")
    offered: bool  # the user can choose it to compress (False only for the original)


COMPRESSION_METHODS: dict[str, CompressionMethod] = {}


def register_method(method: CompressionMethod) -> CompressionMethod:
    assert method.name not in COMPRESSION_METHODS, method.name
    COMPRESSION_METHODS[method.name] = method
    return method


def offered_methods() -> tuple[CompressionMethod, ...]:
    """The methods a user can compress with, in declaration order."""
    return tuple(m for m in COMPRESSION_METHODS.values() if m.offered)


def get_method(name: str) -> CompressionMethod:
    """The method declared as `name` (the original's "none" too); raises `CompressionError` for any other name."""
    if name not in COMPRESSION_METHODS:
        raise _unknown(name)
    return COMPRESSION_METHODS[name]


def offered_method(name: str) -> CompressionMethod:
    """The method a user asked to compress with; raises `CompressionError` naming the choices."""
    method = COMPRESSION_METHODS.get(name)
    if method is None or not method.offered:
        raise _unknown(name)
    return method


def method_title(name: str) -> str:
    """The title of a variant record's method, or its name when this version does not know it."""
    method = COMPRESSION_METHODS.get(name)
    return method.title if method is not None else name


def card_note(name: str) -> str:
    """What the model card says a variant's method did, or its name when this version does not know it."""
    method = COMPRESSION_METHODS.get(name)
    return method.card_note if method is not None else name


def _unknown(name: str) -> CompressionError:
    choices = ", ".join(m.name for m in offered_methods())
    return CompressionError(f"Unknown compression method '{name}'; choose one of {choices}.")


EXACT = ExactParity()
INT8_PARITY = SameClass(agreement=0.9, share=0.1)  # the class on 90% of the samples, or 10% of the output range

ORIGINAL_METHOD = register_method(CompressionMethod(
    name="none", title="Original (fp32)",
    hint="The trained network as it is, in full (32-bit) precision.",
    card_note="None: the trained weights in full (32-bit) precision.",
    takes_amount=False, default_amount=None, takes_epochs=False, parity=EXACT, make_candidate=original_candidate,
    number_format=None, offered=False))

register_method(CompressionMethod(
    name="int8-dynamic", title="Dynamic INT8",
    hint="Dense and recurrent layers in INT8; convolutions stay fp32 (ConvInteger is slow on CPUs).",
    card_note="Dynamic INT8 quantization: weights stored as 8-bit integers, activations quantized on the fly. "
              "Best for dense layers at larger batches; convolutions become slower on most CPUs.",
    takes_amount=False, default_amount=None, takes_epochs=False, parity=INT8_PARITY,
    make_candidate=int8_dynamic_candidate, number_format="int8", offered=True))

register_method(CompressionMethod(
    name="int8-static", title="Static INT8 (QDQ)",
    hint="About a quarter of the size; calibrated on training samples. Best for convolutions.",
    card_note="Static INT8 quantization (QDQ, per channel), calibrated on samples of the training split. "
              "About a quarter of the size; accuracy measured below.",
    takes_amount=False, default_amount=None, takes_epochs=False, parity=INT8_PARITY,
    make_candidate=int8_static_candidate, number_format="int8", offered=True))

register_method(CompressionMethod(
    name="fp16", title="FP16",
    hint="Half the size; faster on GPUs only.",
    card_note="FP16: weights and computation in 16-bit floats (inputs and outputs stay 32-bit). Half the size; "
              "meant for GPUs, where it is faster. On a CPU it is usually slower than FP32.",
    takes_amount=False, default_amount=None, takes_epochs=False,
    parity=WithinRange(share=0.01, advice="the network's values probably overflow 16-bit floats"),
    make_candidate=fp16_candidate, number_format="fp16", offered=True))

register_method(CompressionMethod(
    name="prune", title="Magnitude pruning",
    hint="Zeroes the smallest weights, then fine-tunes. The file is NOT smaller and NOT faster.",
    card_note="Magnitude pruning: the smallest weights set to zero, then a short fine-tune. The zeros are still "
              "stored and still computed, so the file is not smaller and inference is not faster; it shows how "
              "much of the network the accuracy needs.",
    takes_amount=True, default_amount=0.5, takes_epochs=True, parity=EXACT, make_candidate=pruned_candidate,
    number_format=None, offered=True))

register_method(CompressionMethod(
    name="prune-structured", title="Structured pruning",
    hint="Removes whole channels and neurons, then fine-tunes: really smaller and faster.",
    card_note="Structured pruning: whole channels and neurons removed (a smaller network with fewer weights), "
              "then a short fine-tune. The file is smaller and inference faster.",
    takes_amount=True, default_amount=0.5, takes_epochs=True, parity=EXACT, make_candidate=structured_candidate,
    number_format=None, offered=True))

register_method(CompressionMethod(
    name="distill", title="Distillation",
    hint="Trains a narrower copy of the network on the trained network's outputs.",
    card_note="Knowledge distillation: a smaller student network trained to match the trained (teacher) "
              "network's softened outputs.",
    takes_amount=True, default_amount=0.5, takes_epochs=True, parity=EXACT, make_candidate=distilled_candidate,
    number_format=None, offered=True))
