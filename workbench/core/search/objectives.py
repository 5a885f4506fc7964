"""What a search measures: a candidate's cost (parameters, multiply-accumulates, ONNX file size, or ONNX Runtime
latency at batch 1 on this computer) and a trained trial's validation error."""

from __future__ import annotations

import numpy as np

from workbench.core.build import build_module
from workbench.core.export.benchmark import time_calls
from workbench.core.export.compact import compact
from workbench.core.export.onnx_export import export_module
from workbench.core.export.runtime import choose_providers, open_session
from workbench.core.search.candidate import Candidate

LATENCY_REPEATS = 60
LATENCY_BUDGET_S = 0.3


def onnx_bytes(candidate: Candidate) -> bytes:
    """The candidate's fp32 ONNX file as export writes it (weights untrained: the size is the same)."""
    module = build_module(candidate.graph, candidate.validation)
    model = export_module(module, candidate.graph)
    compact(model, set(candidate.graph.nodes))
    return model.SerializeToString()


def latency_ms(data: bytes, threads: int = 1) -> float:
    """The median time of one sample through ONNX Runtime (the best provider here), in milliseconds."""
    session = open_session(data, choose_providers("auto"), threads)
    feed = dict(zip(session.input_names, example_inputs_of(session)))
    run = session.session.run
    times = time_calls(lambda: run(None, feed), warmup=5, repeats=LATENCY_REPEATS, budget_s=LATENCY_BUDGET_S)
    return float(np.median(times) * 1000.0)


def example_inputs_of(session) -> list[np.ndarray]:
    """One random sample for each input of an ONNX Runtime session (the batch dimension set to 1)."""
    arrays = []
    rng = np.random.default_rng(0)
    for item in session.session.get_inputs():
        shape = [1] + [d if isinstance(d, int) else 1 for d in item.shape[1:]]
        if "int" in item.type:
            arrays.append(np.zeros(shape, dtype=np.int64))
        else:
            arrays.append(rng.standard_normal(shape).astype(np.float32))
    return arrays


def measure_cost(candidate: Candidate, objective: str) -> float:
    """The candidate's cost for `objective` ("params", "macs", "size" or "latency")."""
    if objective == "params":
        return float(candidate.validation.total_params)
    if objective == "macs":
        return float(candidate.validation.total_macs)
    data = onnx_bytes(candidate)
    if objective == "size":
        return float(len(data))
    return latency_ms(data)


def validation_error(metrics: dict) -> float | None:
    """Lower is better: 1 − accuracy for classification, else the validation loss (None: no figures)."""
    if "accuracy" in metrics:
        return 1.0 - float(metrics["accuracy"])
    if "loss" in metrics:
        return float(metrics["loss"])
    return None
