"""Checks of an exported file: the ONNX checker, and parity of its outputs with the torch model on real samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workbench.core.export.errors import ParityError
from workbench.core.export.onnx_export import refused_by_onnx, with_probabilities
from workbench.core.graph.model import Graph

PARITY_TOLERANCE = 1e-4  # fp32: the largest absolute difference accepted between torch and ONNX Runtime
PARITY_BATCH = 64


def run_checker(path: Path, model, graph: Graph, opset: int) -> None:
    """`onnx.checker` with shape inference; a refusal becomes an `ExportError` naming the layer."""
    import onnx  # lazy

    try:
        onnx.checker.check_model(str(path), full_check=True)
    except onnx.checker.ValidationError as exc:
        raise refused_by_onnx("the ONNX checker", str(exc), model, graph, opset) from None
    except onnx.shape_inference.InferenceError as exc:
        raise refused_by_onnx("ONNX shape inference", str(exc), model, graph, opset) from None


def torch_outputs(module, inputs: list[np.ndarray], batch: int = PARITY_BATCH) -> list[np.ndarray]:
    """The module's outputs on NumPy inputs, in batches, as a list with one array per output head (multi-label
    outputs as probabilities, as exported)."""
    import torch  # lazy

    parts: list[list[np.ndarray]] = []
    n = len(inputs[0])
    module = module.eval()
    with torch.no_grad(), with_probabilities(module):
        for start in range(0, n, batch):
            out = module(*(torch.from_numpy(np.ascontiguousarray(x[start:start + batch])) for x in inputs))
            outs = out if isinstance(out, tuple) else (out,)
            parts.append([o.float().numpy() for o in outs])
    return [np.concatenate(column) for column in zip(*parts)]


def runtime_outputs(session, inputs: list[np.ndarray], batch: int = PARITY_BATCH) -> list[np.ndarray]:
    """A `RuntimeSession`'s outputs on NumPy inputs, in batches, one array per output."""
    parts: list[list[np.ndarray]] = []
    n = len(inputs[0])
    for start in range(0, n, batch):
        out = session.run(*(np.ascontiguousarray(x[start:start + batch]) for x in inputs))
        outs = out if isinstance(out, tuple) else (out,)
        parts.append([np.asarray(o, dtype=np.float32) for o in outs])
    return [np.concatenate(column) for column in zip(*parts)]


def max_abs_diff(expected: list[np.ndarray], actual: list[np.ndarray]) -> float:
    worst = 0.0
    for a, b in zip(expected, actual):
        if a.shape != b.shape:
            return float("inf")
        diff = np.abs(a.astype(np.float64) - b.astype(np.float64))
        if diff.size:
            worst = max(worst, float(np.nan_to_num(diff, nan=np.inf).max()))
    return worst


def check_parity(module, session, inputs: list[np.ndarray], tolerance: float = PARITY_TOLERANCE,
                 what: str = "The exported model") -> float:
    """Max |torch - ONNX Runtime| over `inputs`; raises `ParityError` above `tolerance`."""
    diff = max_abs_diff(torch_outputs(module, inputs), runtime_outputs(session, inputs))
    if not diff <= tolerance:
        raise ParityError(f"{what} does not compute the same outputs as the trained network: on "
                          f"{len(inputs[0])} test samples the largest difference is {diff:.3g}, above the "
                          f"{tolerance:g} allowed. It was not kept. Try another opset, or report this model.", diff)
    return diff
