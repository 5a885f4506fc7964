"""The round-trip check of an import: the imported network, exported to ONNX by Workbench, must compute what the
original model computes, on ONNX Runtime, for random inputs of the model's shape (largest difference relative to
the largest output value at most `TOLERANCE`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.core.export.onnx_export import DEFAULT_OPSET, export_module, input_names
from workbench.core.onnx_import.heads import OutputLink

TOLERANCE = 1e-4
BATCH = 2


@dataclass(frozen=True)
class RoundTrip:
    max_relative_diff: float
    opset: int
    samples: int

    @property
    def ok(self) -> bool:
        return self.max_relative_diff <= TOLERANCE

    def sentence(self) -> str:
        verdict = "the same outputs as" if self.ok else "outputs that DIFFER from"
        return (f"Exported again (opset {self.opset}), the imported network gives {verdict} the original on ONNX "
                f"Runtime: largest relative difference {self.max_relative_diff:.1e} over {self.samples} random "
                f"inputs (at most {TOLERANCE:.0e} is the same).")


def check_round_trip(original: bytes, input_vocab: dict[str, int], module, graph, links: list[OutputLink],
                     opset: int = DEFAULT_OPSET, seed: int = 0) -> RoundTrip:
    """Runs the original file and the re-exported network on the same random inputs; `input_vocab` gives, for each
    token-id input (by its ONNX name), how many distinct ids it takes."""
    import onnxruntime as ort  # lazy
    import torch  # lazy

    rng = np.random.default_rng(seed)
    original_session = _session(ort, original)
    feeds = {}
    for value in original_session.get_inputs():
        info = module.input_infos[len(feeds)]
        batch = value.shape[0] if isinstance(value.shape[0], int) and value.shape[0] > 0 else BATCH
        shape = (batch, *info.sample_shape)
        if info.dtype == "int":
            dtype = np.int32 if "int32" in value.type else np.int64
            feeds[value.name] = rng.integers(0, max(1, input_vocab.get(value.name, 2)), shape).astype(dtype)
        else:
            feeds[value.name] = rng.standard_normal(shape).astype(np.float32)
    expected = dict(zip([o.name for o in original_session.get_outputs()], original_session.run(None, feeds)))
    exported = export_module(module, graph, opset, inputs=[torch.as_tensor(v).long() if v.dtype.kind == "i"
                                                           else torch.as_tensor(v) for v in feeds.values()])
    session = _session(ort, exported.SerializeToString())
    ours = session.run(None, {name: (v.astype(np.int64) if v.dtype.kind == "i" else v)
                              for name, v in zip(input_names(module), feeds.values())})
    by_head = dict(zip(module.head_ids, ours))  # the exported outputs follow the module's head order
    worst = 0.0
    for link in links:
        if link.head_id is None:
            continue
        got = _apply(link.after, by_head[link.head_id].astype(np.float64))
        want = expected[link.onnx_name].astype(np.float64).reshape(got.shape)
        scale = max(float(np.abs(want).max()), 1e-12)
        worst = max(worst, float(np.abs(got - want).max()) / scale)
    return RoundTrip(worst, opset, next(iter(feeds.values())).shape[0])


def _apply(after: str | None, scores: np.ndarray) -> np.ndarray:
    if after is None:
        return scores
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probabilities = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    return log_probabilities if after == "LogSoftmax" else np.exp(log_probabilities)


def _session(ort, data: bytes):
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
