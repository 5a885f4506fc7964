"""Latency (p50 / p99 at batch 1) and throughput (samples per second at a larger batch), torch eager vs ONNX Runtime.

Each measurement warms up first, then times single calls until it has `repeats` of them or its time budget is
spent, so a benchmark of a tiny model takes well under a second and one of a big model stays bounded. Torch runs
with the same thread count as the ONNX Runtime session, so the two are compared on equal terms.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass

import numpy as np

from workbench.core.fields import FieldReader

THROUGHPUT_BATCH = 256
REPEATS = 200
BUDGET_S = 0.6


@dataclass
class Timing:
    """One engine's figures for one model."""

    engine: str  # "torch" | "onnxruntime"
    provider: str  # e.g. "CPU", "CUDA (GPU)"
    p50_ms: float
    p99_ms: float
    throughput: float  # samples per second at `batch`
    batch: int

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data, where: str) -> Timing:
        r = FieldReader(data, where)
        timing = cls(engine=r.text("engine"), provider=r.text("provider"), p50_ms=r.number("p50_ms"),
                     p99_ms=r.number("p99_ms"), throughput=r.number("throughput"), batch=r.integer("batch", low=1))
        r.finish()
        return timing


def time_calls(fn, warmup: int = 10, repeats: int = REPEATS, budget_s: float = BUDGET_S) -> np.ndarray:
    """Seconds taken by each of up to `repeats` calls of `fn()` (at least 5), after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = []
    deadline = time.perf_counter() + budget_s
    while len(times) < repeats and (len(times) < 5 or time.perf_counter() < deadline):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return np.asarray(times)


def summarize(engine: str, provider: str, single, batched, batch: int, repeats: int = REPEATS,
              budget_s: float = BUDGET_S) -> Timing:
    """Times `single()` (one sample) for latency and `batched()` (`batch` samples) for throughput."""
    latencies = time_calls(single, repeats=repeats, budget_s=budget_s) * 1000.0
    batch_times = time_calls(batched, warmup=2, repeats=max(5, repeats // 10), budget_s=budget_s)
    return Timing(engine, provider, float(np.percentile(latencies, 50)), float(np.percentile(latencies, 99)),
                  float(batch / np.median(batch_times)), batch)


@contextlib.contextmanager
def torch_threads(threads: int):
    import torch  # lazy

    before = torch.get_num_threads()
    torch.set_num_threads(max(1, threads))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def batch_of(samples: list[np.ndarray], size: int) -> list[np.ndarray]:
    """`size` samples (repeating the given ones when there are fewer)."""
    n = len(samples[0])
    index = np.arange(size) % n
    return [np.ascontiguousarray(x[index]) for x in samples]


def benchmark_torch(module, samples: list[np.ndarray], threads: int = 1, batch: int = THROUGHPUT_BATCH,
                    repeats: int = REPEATS, budget_s: float = BUDGET_S) -> Timing:
    """Torch eager on the CPU, in inference mode."""
    import torch  # lazy

    one = [torch.from_numpy(x) for x in batch_of(samples, 1)]
    many = [torch.from_numpy(x) for x in batch_of(samples, batch)]
    module = module.eval()
    with torch_threads(threads), torch.inference_mode():
        return summarize("torch", "CPU", lambda: module(*one), lambda: module(*many), batch, repeats, budget_s)


def benchmark_session(session, samples: list[np.ndarray], batch: int = THROUGHPUT_BATCH, repeats: int = REPEATS,
                      budget_s: float = BUDGET_S) -> Timing:
    """A `RuntimeSession` (its own provider and thread count)."""
    names = session.input_names
    one = dict(zip(names, batch_of(samples, 1)))
    many = dict(zip(names, batch_of(samples, batch)))
    run = session.session.run
    return summarize("onnxruntime", session.provider_title, lambda: run(None, one), lambda: run(None, many), batch,
                     repeats, budget_s)
