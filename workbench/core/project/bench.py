"""The benchmark of a project: every variant of its latest trained run in ONNX Runtime beside torch eager, latency
and throughput.

Torch eager runs the variant's own network where it has one (original, pruned, distilled); quantized and FP16
variants have no eager counterpart, so their torch column shows the fp32 network they were made from, labelled so.
Without variants, the original is exported in memory and measured.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.compression.variants import ORIGINAL, fp32_model
from workbench.core.data.loader import resolve_path
from workbench.core.export.benchmark import Timing, benchmark_session, benchmark_torch
from workbench.core.export.bundle import Progress
from workbench.core.export.runtime import choose_providers, gpu_count, open_session
from workbench.core.project.export import variant_network
from workbench.core.project.model import Project
from workbench.core.project.trained import trained_model


@dataclass(frozen=True)
class BenchRow:
    name: str
    method: str
    size_bytes: int
    onnxruntime: Timing
    torch: Timing
    torch_reference: str  # "own": the variant's own network; "fp32 source": the network it was quantized from

    @property
    def speedup(self) -> float:
        """Torch p50 latency over ONNX Runtime's."""
        return self.torch.p50_ms / self.onnxruntime.p50_ms

    def to_dict(self) -> dict:
        return {"name": self.name, "method": self.method, "size_bytes": self.size_bytes,
                "onnxruntime": self.onnxruntime.to_dict(), "torch": self.torch.to_dict(),
                "torch_reference": self.torch_reference, "speedup": self.speedup}


@dataclass(frozen=True)
class BenchReport:
    provider: str  # ONNX Runtime's, e.g. "CPU"
    threads: int
    gpu: bool  # a GPU is present
    rows: list[BenchRow]

    def to_dict(self) -> dict:
        return {"provider": self.provider, "threads": self.threads, "gpu": self.gpu,
                "rows": [row.to_dict() for row in self.rows]}


def bench_project(project: Project, *, dataset=None, base_dir=None, threads: int = 1, provider: str = "auto",
                  progress: Progress | None = None) -> BenchReport:
    """One row per variant of the latest trained run (the original first)."""
    progress = progress or (lambda fraction, message: None)
    progress(0.02, "Loading the trained model")
    tm = trained_model(project, dataset, base_dir)
    providers = choose_providers(provider)
    samples, _ = tm.samples("test")
    records = project.variants_of_run(tm.run_id)
    entries: list = list(records) if any(r.is_original for r in records) else [None, *records]  # None: in memory
    rows = []
    session = None
    for i, record in enumerate(entries):
        name = record.name if record is not None else ORIGINAL
        progress(0.05 + 0.9 * i / len(entries), f"Measuring {name}")
        if record is not None:
            path = resolve_path(record.files.onnx, tm.base_dir)
            session = open_session(path, providers, threads)
            size = path.stat().st_size
        else:
            data = fp32_model(tm.module, tm.graph).SerializeToString()
            session = open_session(data, providers, threads)
            size = len(data)
        if record is not None and record.files.weights:
            module, reference = variant_network(tm, record)[1], "own"
        elif record is None or record.is_original:
            module, reference = tm.module, "own"
        else:
            module, reference = tm.module, "fp32 source"
        ort_timing = benchmark_session(session, samples)
        torch_timing = benchmark_torch(module, samples, threads)
        rows.append(BenchRow(name, record.method if record is not None else "none", size, ort_timing, torch_timing,
                             reference))
    progress(1.0, "Done")
    return BenchReport(session.provider_title if session else "CPU", threads, gpu_count() > 0, rows)
