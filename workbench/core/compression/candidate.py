"""A variant before it is checked and saved (`Candidate`), and what the methods' candidate builders share: the
compacted fp32 ONNX model a variant starts from, and the trained network itself as the original's candidate.

A candidate builder is a method's ``make_candidate(method, tm, amount, epochs, student_graph, progress, threads)``:
`method` is its own `CompressionMethod` declaration, `tm` the `TrainedModel` to compress; it returns a `Candidate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.core.export.compact import compact
from workbench.core.export.onnx_export import DEFAULT_OPSET, export_module

ORIGINAL = "original"  # the name of the original's variant record
Progress = Callable[[float, str], None]


@dataclass
class Candidate:
    """A variant before it is checked and saved."""

    name: str
    method: str
    amount: float | None
    model: object  # onnx ModelProto (fp32 graph names compacted)
    graph: object  # the variant's architecture (Graph)
    module: object | None  # its own torch network (None for quantized / fp16)
    notes: str = ""
    layers: list[dict] = field(default_factory=list)
    own_graph: bool = False  # the architecture differs from the run's


def fp32_model(module, graph, opset: int | None = None):
    """The compacted fp32 ONNX model of a torch network (the form every variant starts from)."""
    model = export_module(module, graph, opset or DEFAULT_OPSET)
    compact(model, set(graph.nodes))
    return model


def original_candidate(method, tm, amount: float | None, epochs: int | None, student_graph, progress: Progress,
                       threads: int) -> Candidate:
    """The trained network unchanged, in fp32 (the original's builder; it takes no amount or epochs)."""
    return Candidate(ORIGINAL, method.name, None, fp32_model(tm.module, tm.graph), tm.graph, tm.module,
                     "The trained network, unchanged.")


def finetune_epochs(epochs: int | None, default: int) -> int:
    """The epochs asked for (at least one), or `default`."""
    return max(1, int(epochs)) if epochs is not None else default


def param_count(module) -> int:
    return int(sum(p.numel() for p in module.parameters()))
