"""`VariantRecord`: one compressed variant (or the original's fp32 export) as the project keeps it, with `to_dict` /
`from_dict`. Like run records, a variant record is written once and never changed in place. Its files are relative
to the project's folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.core.compression.methods import COMPRESSION_METHODS, ORIGINAL_METHOD
from workbench.core.compression.records import LayerEffect, Parity
from workbench.core.export.benchmark import Timing
from workbench.core.fields import FieldReader, fail
from workbench.core.graph.serialize import graph_from_dict
from workbench.core.project.run_record import parse_metrics


@dataclass(frozen=True)
class VariantFiles:
    onnx: str
    weights: str | None = None  # variants with their own network (pruned, distilled)

    def to_dict(self) -> dict:
        return {"onnx": self.onnx, "weights": self.weights}

    def paths(self) -> list[str]:
        return [p for p in (self.onnx, self.weights) if p]

    @classmethod
    def from_dict(cls, data: Any, where: str) -> VariantFiles:
        r = FieldReader(data, where)
        files = cls(onnx=r.text("onnx", non_empty=True), weights=r.text("weights", None, optional=True,
                                                                           non_empty=True))
        r.finish()
        return files


@dataclass(frozen=True)
class VariantLatency:
    onnxruntime: Timing
    torch: Timing | None = None  # None for quantized and FP16 variants, which have no torch network of their own

    def to_dict(self) -> dict:
        return {"onnxruntime": self.onnxruntime.to_dict(), "torch": self.torch.to_dict() if self.torch else None}

    @classmethod
    def from_dict(cls, data: Any, where: str) -> VariantLatency:
        r = FieldReader(data, where)
        latency = cls(onnxruntime=r.nested("onnxruntime", Timing.from_dict),
                      torch=r.nested("torch", Timing.from_dict, None, optional=True))
        r.finish()
        return latency


def _method(value: Any, where: str, newer: bool) -> str:
    """A method this version declares; a file of a newer minor version may name one it added."""
    if value not in COMPRESSION_METHODS and not (newer and isinstance(value, str) and value):
        fail(f"unknown compression method {value!r}; expected {', '.join(COMPRESSION_METHODS)}", where)
    return value


def _graph(value: Any, where: str) -> dict:
    graph_from_dict(value, field=where)
    return value


@dataclass(frozen=True)
class VariantRecord:
    name: str
    method: str  # a compression method's name ("none" for the original)
    run: str  # id of the run it was made from
    files: VariantFiles
    size_bytes: int
    params: int
    latency: VariantLatency
    parity: Parity
    amount: float | None = None
    created: str = ""  # ISO 8601, UTC
    graph: dict | None = None  # its architecture when it differs from the run's (structured pruning, distillation)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    layers: list[LayerEffect] = field(default_factory=list)
    notes: str = ""
    extra: dict = field(default_factory=dict)  # fields of a newer minor version, kept as they are

    @property
    def is_original(self) -> bool:
        return self.method == ORIGINAL_METHOD.name

    def figures(self, split: str) -> dict[str, float]:
        return self.metrics.get(split) or {}

    def to_dict(self) -> dict:
        return {"name": self.name, "method": self.method, "amount": self.amount, "run": self.run,
                "created": self.created, "files": self.files.to_dict(), "graph": self.graph,
                "size_bytes": self.size_bytes, "params": self.params,
                "metrics": {k: dict(v) for k, v in self.metrics.items()}, "latency": self.latency.to_dict(),
                "parity": self.parity.to_dict(), "layers": [row.to_dict() for row in self.layers],
                "notes": self.notes, **self.extra}

    @classmethod
    def from_dict(cls, data: Any, where: str = "variant", keep_unknown: bool = False) -> VariantRecord:
        r = FieldReader(data, where, keep_unknown)
        fields = dict(
            name=r.text("name", non_empty=True), method=r.nested("method", lambda v, at: _method(v, at, keep_unknown)),
            amount=r.number("amount", None, optional=True), run=r.text("run", non_empty=True),
            created=r.text("created", ""), files=r.nested("files", VariantFiles.from_dict),
            graph=r.nested("graph", _graph, None, optional=True), size_bytes=r.integer("size_bytes"),
            params=r.integer("params"), metrics=r.nested("metrics", parse_metrics, {}),
            latency=r.nested("latency", VariantLatency.from_dict), parity=r.nested("parity", Parity.from_dict),
            layers=r.items("layers", LayerEffect.from_dict, []), notes=r.text("notes", ""))
        return cls(**fields, extra=r.finish())
