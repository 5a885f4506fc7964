"""Compressed variants of a trained model, each kept beside the original in the project's ``variants``.

`compress_trained` makes one variant by one method and returns its record (plus the "original" fp32 variant's
record the first time), without touching the project: the caller adds the records, so a failure leaves the
project as it was. The method's declaration (`methods`) builds the candidate; this module checks it
against its parity rule, measures it and saves it. Each variant's files live in
``<project folder>/variants/<project>/<variant>/``: ``model.onnx`` (with metadata), and for variants with their own
weights ``weights.safetensors``.

A variant record (JSON-safe): name, method, amount, run (the run it came from), created, files {onnx, weights},
graph (its architecture when it differs from the run's), size_bytes, params, metrics {val, test}, latency
{onnxruntime: Timing, torch: Timing | None}, parity {max_abs_diff, agreement, samples, reference}, layers (per-layer
effect rows), notes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from workbench.core.compression.candidate import ORIGINAL, Candidate, Progress, fp32_model, param_count
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.evaluate import variant_metrics
from workbench.core.compression.methods import ORIGINAL_METHOD, get_method, offered_method
from workbench.core.export.benchmark import benchmark_session, benchmark_torch
from workbench.core.export.bundle import model_info
from workbench.core.export.metadata import build_metadata, write_metadata
from workbench.core.export.runtime import open_session
from workbench.core.export.verify import max_abs_diff, runtime_outputs, torch_outputs
from workbench.core.graph.serialize import graph_to_dict
from workbench.core.training.weights import WeightsError, layer_state, save_weights

__all__ = ["ORIGINAL", "check_variant_parity", "checked_amount", "compress_trained", "finalize", "fp32_model"]

VARIANTS_FOLDER = "variants"
ONNX_FILE = "model.onnx"
WEIGHTS_FILE = "weights.safetensors"


def _cannot_write(folder: Path, exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
    return (f"Could not write the variant into '{folder}': {reason}. Nothing was added to the project; compress into "
            "a folder you can write to (save the project there first).")


def _unique_name(taken: set[str], stem: str) -> str:
    if stem not in taken:
        return stem
    i = 2
    while f"{stem}-{i}" in taken:
        i += 1
    return f"{stem}-{i}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


# --- checking and saving --------------------------------------------------------------------------------------

def check_variant_parity(method: str, task: str, reference: list[np.ndarray], actual: list[np.ndarray]) -> dict:
    """Compares a variant's outputs with its reference; raises `ParityError` when it is off by more than the
    method's declared `parity` rule allows (see `parity`)."""
    declared = get_method(method)
    diff = max_abs_diff(reference, actual)
    scale = max(1.0, max(float(np.abs(r).max()) if r.size else 0.0 for r in reference))
    agreement = None
    if task == "classification":
        agreement = float(np.mean(reference[0].argmax(axis=1) == actual[0].argmax(axis=1)))
    elif task == "multilabel":  # the share of labels given alike (both give probabilities)
        agreement = float(np.mean((reference[0] > 0.5) == (actual[0] > 0.5)))
    declared.parity.check(declared.title, diff, scale, agreement)
    return {"max_abs_diff": diff, "agreement": agreement}


def finalize(tm, candidate: Candidate, taken: set[str], progress: Progress, threads: int = 1,
             workspace: Path | None = None) -> dict:
    """Checks a candidate (ONNX checker, ONNX Runtime, parity), measures it, saves its files; returns the record."""

    if not candidate.name:
        stem = candidate.method if candidate.amount is None else f"{candidate.method}-{round(100 * candidate.amount)}"
        candidate.name = _unique_name(taken, stem)
    compression = {"method": candidate.method, "amount": candidate.amount, "variant": candidate.name}
    info = model_info(tm, compression)
    write_metadata(candidate.model, build_metadata(name=info.name, description=info.description, task=info.task,
                                                   labels=info.labels, preprocessing=info.preprocessing,
                                                   compression=compression))
    workspace = Path(workspace) if workspace is not None else tm.base_dir
    folder = workspace / VARIANTS_FOLDER / tm.slug / candidate.name
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".variant-", dir=folder.parent))
    except OSError as exc:
        raise CompressionError(_cannot_write(folder, exc)) from None
    import onnx  # lazy

    try:
        onnx_path = stage / ONNX_FILE
        onnx.save_model(candidate.model, str(onnx_path))
        onnx.checker.check_model(str(onnx_path), full_check=True)
        progress(0.7, "Checking it in ONNX Runtime")
        session = open_session(onnx_path, threads=threads)
        samples, _ = tm.samples("test")
        reference_module = candidate.module if candidate.module is not None else tm.module

        parity = check_variant_parity(candidate.method, tm.task, torch_outputs(reference_module, samples),
                                      runtime_outputs(session, samples))
        parity.update(samples=len(samples[0]), reference="its own network" if candidate.module is not None else
                      "the trained fp32 network")
        progress(0.8, "Measuring accuracy")

        metrics = variant_metrics(session, tm.dataset)
        progress(0.9, "Measuring speed")
        timing_ort = benchmark_session(session, samples).to_dict()
        timing_torch = benchmark_torch(candidate.module, samples, threads).to_dict() \
            if candidate.module is not None else None
        files = {"onnx": ONNX_FILE, "weights": None}
        if candidate.module is not None and candidate.method != ORIGINAL_METHOD.name:
            save_weights(layer_state(candidate.module), stage / WEIGHTS_FILE,
                         {nid: n.name for nid, n in candidate.graph.nodes.items()})
            files["weights"] = WEIGHTS_FILE
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(stage, folder)
    except onnx.checker.ValidationError as exc:
        raise CompressionError(f"The {get_method(candidate.method).title} variant is not a valid ONNX file: {exc}") \
            from None
    except (OSError, WeightsError) as exc:
        raise CompressionError(_cannot_write(folder, exc)) from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    rel = _relative(folder, workspace)
    params = param_count(candidate.module if candidate.module is not None else tm.module)
    return {
        "name": candidate.name,
        "method": candidate.method,
        "amount": candidate.amount,
        "run": tm.run_id,
        "created": _now(),
        "files": {k: (f"{rel}/{v}" if v else None) for k, v in files.items()},
        "graph": graph_to_dict(candidate.graph) if candidate.own_graph else None,
        "size_bytes": int((folder / ONNX_FILE).stat().st_size),
        "params": params,
        "metrics": metrics,
        "latency": {"onnxruntime": timing_ort, "torch": timing_torch},
        "parity": parity,
        "layers": candidate.layers,
        "notes": candidate.notes,
    }


def checked_amount(method: str, amount: float | None) -> float | None:
    """The amount `method` works with (its default when None); raises `CompressionError` for an unknown method or an
    amount it does not take."""
    chosen = offered_method(method)
    if chosen.takes_amount:
        amount = chosen.default_amount if amount is None else float(amount)
        if not 0.0 < amount < 1.0:
            raise CompressionError(f"--amount must be between 0 and 1 for {method} (got {amount:g}).")
    elif amount is not None:
        raise CompressionError(f"{chosen.title} takes no amount.")
    return amount


def compress_trained(tm, existing: list, method: str, amount: float | None = None, *, workspace=None,
                     student_graph=None, epochs: int | None = None, threads: int = 1,
                     progress: Progress | None = None) -> list[dict]:
    """Makes one variant of `tm` (and the original's when `existing`, the variant records so far, has none for
    this run yet); returns the new records as dicts. `workspace`: where the variant files go and what their
    recorded paths are relative to (default: the trained model's base folder)."""
    amount = checked_amount(method, amount)
    chosen = offered_method(method)
    progress = progress or (lambda fraction, message: None)
    taken = {r.name for r in existing}
    candidate = chosen.make_candidate(chosen, tm, amount, epochs, student_graph, progress, threads)
    records = []
    if not any(r.method == ORIGINAL_METHOD.name and r.run == tm.run_id for r in existing):
        original = ORIGINAL_METHOD.make_candidate(ORIGINAL_METHOD, tm, None, None, None, progress, threads)
        original.name = _unique_name(taken, ORIGINAL)
        records.append(finalize(tm, original, taken, lambda f, m: None, threads, workspace))
        taken.add(records[-1]["name"])
    records.append(finalize(tm, candidate, taken, progress, threads, workspace))
    progress(1.0, "Done")
    return records
