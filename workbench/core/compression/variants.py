"""Compressed variants of a trained model, each kept beside the original in the project's ``variants``.

`compress_trained` makes one variant by one method and returns its record (plus the "original" fp32 variant's
record the first time), without touching the project: the caller adds the records, so a failure leaves the
project as it was. Each variant's files live in ``<project folder>/variants/<project>/<variant>/``:
``model.onnx`` (with metadata), and for variants with their own weights ``weights.safetensors``.

A variant record (JSON-safe): name, method, amount, run (the run it came from), created, files {onnx, weights},
graph (its architecture when it differs from the run's), size_bytes, params, metrics {val, test}, latency
{onnxruntime: Timing, torch: Timing | None}, parity {max_abs_diff, agreement, samples, reference}, layers (per-layer
effect rows), notes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from workbench.core.export.errors import CompressionError, ParityError

METHODS = ("int8-dynamic", "int8-static", "fp16", "prune", "prune-structured", "distill")
METHOD_TITLES = {"none": "Original (fp32)", "int8-dynamic": "Dynamic INT8", "int8-static": "Static INT8 (QDQ)",
                 "fp16": "FP16", "prune": "Magnitude pruning", "prune-structured": "Structured pruning",
                 "distill": "Distillation"}
DEFAULT_AMOUNTS = {"prune": 0.5, "prune-structured": 0.5, "distill": 0.5}
ORIGINAL = "original"
VARIANTS_FOLDER = "variants"
ONNX_FILE = "model.onnx"
WEIGHTS_FILE = "weights.safetensors"
CALIBRATION_SAMPLES = 256
AGREEMENT_NEEDED = 0.9  # quantized classifiers must pick the fp32 model's class on at least this share
FP16_RELATIVE = 1e-2
INT8_RELATIVE = 0.1  # regression: max difference relative to the largest output

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


def _unique_name(taken: set[str], stem: str) -> str:
    if stem not in taken:
        return stem
    i = 2
    while f"{stem}-{i}" in taken:
        i += 1
    return f"{stem}-{i}"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _param_count(module) -> int:
    return int(sum(p.numel() for p in module.parameters()))


def _relative(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return str(path)


# --- checks -------------------------------------------------------------------------------------------------------

def check_variant_parity(method: str, task: str, reference: list[np.ndarray], actual: list[np.ndarray]) -> dict:
    """Compares a variant's outputs with its reference; raises `ParityError` when it is off by more than the
    method allows: 1e-4 for fp32 networks, 1% of the output range for FP16, and for INT8 the same class on 90% of
    the samples (classification) or 10% of the output range (regression)."""
    from workbench.core.export.verify import PARITY_TOLERANCE, max_abs_diff

    diff = max_abs_diff(reference, actual)
    scale = max(1.0, max(float(np.abs(r).max()) if r.size else 0.0 for r in reference))
    agreement = None
    if task == "classification":
        agreement = float(np.mean(reference[0].argmax(axis=1) == actual[0].argmax(axis=1)))
    title = METHOD_TITLES.get(method, method)
    if method in ("none", "prune", "prune-structured", "distill"):
        if not diff <= PARITY_TOLERANCE:
            raise ParityError(f"The {title} variant's ONNX file does not compute what its network computes: the "
                              f"largest difference is {diff:.3g} (at most {PARITY_TOLERANCE:g} is allowed). It was "
                              "not kept.", diff)
    elif method == "fp16":
        if not diff <= FP16_RELATIVE * scale:
            raise ParityError(f"The FP16 variant drifts too far from the trained network (largest difference "
                              f"{diff:.3g}, more than 1% of the output range). It was not kept; the network's values "
                              "probably overflow 16-bit floats.", diff)
    elif agreement is not None:
        if agreement < AGREEMENT_NEEDED:
            raise ParityError(f"The {title} variant picks a different class than the trained network on "
                              f"{100 * (1 - agreement):.0f}% of the samples (at most {100 * (1 - AGREEMENT_NEEDED):.0f}% "
                              "is accepted). It was not kept; try static INT8, or FP16.", diff)
    elif not diff <= INT8_RELATIVE * scale:
        raise ParityError(f"The {title} variant's predictions are off by up to {diff:.3g}, more than 10% of the "
                          "output range. It was not kept; try FP16 instead.", diff)
    return {"max_abs_diff": diff, "agreement": agreement}


# --- building candidates -----------------------------------------------------------------------------------------

def fp32_model(module, graph, opset: int | None = None):
    """The compacted fp32 ONNX model of a torch network (the form every variant starts from)."""
    from workbench.core.export.compact import compact
    from workbench.core.export.onnx_export import DEFAULT_OPSET, export_module

    model = export_module(module, graph, opset or DEFAULT_OPSET)
    compact(model, set(graph.nodes))
    return model


def _quantized_candidate(tm, method: str, progress: Progress) -> Candidate:
    from workbench.core.compression.layer_effects import effect_rows, quantization_errors
    from workbench.core.compression.quantize import convert_fp16, quantize_dynamic_int8, quantize_static_int8
    from workbench.core.export.onnx_export import input_names

    layers = set(tm.graph.nodes)
    names = input_names(tm.module)
    progress(0.1, "Exporting the trained network")
    base = fp32_model(tm.module, tm.graph)
    calibration, _ = tm.samples("train", CALIBRATION_SAMPLES, seed=1)
    if method == "int8-static":
        def convert(m):
            return quantize_static_int8(m, names, calibration, layers)
        notes = (f"Calibrated on {len(calibration[0])} training samples; convolution weights per channel, dense "
                 "weights per tensor; biases kept in float.")
    elif method == "int8-dynamic":
        def convert(m):
            return quantize_dynamic_int8(m, layers)
        convs = sum(1 for n in tm.graph.nodes.values() if n.type.startswith("Conv"))
        notes = "Dense and recurrent weights in INT8, activations quantized on the fly." + (
            f" The {convs} convolution layer(s) stay fp32: as ConvInteger they would run 3-8x slower on CPUs; use "
            "static INT8 for convolutions." if convs else "")
    else:
        def convert(m):
            return convert_fp16(m, layers)
        notes = "Weights and arithmetic in FP16, for GPUs; on a CPU it is usually slower than fp32."
    progress(0.3, f"Converting to {METHOD_TITLES[method]}")
    model = convert(base)
    progress(0.5, "Measuring each layer's error")
    errors = quantization_errors(base, convert, tm.graph, names, calibration)
    return Candidate("", method, None, model, tm.graph, None, notes, effect_rows(tm.graph, "error", errors))


def _epochs(epochs: int | None, default: int) -> int:
    return max(1, int(epochs)) if epochs is not None else default


def _pruned_candidate(tm, amount: float, epochs: int | None, progress: Progress, threads: int) -> Candidate:
    import copy

    from workbench.core.compression.finetune import DEFAULT_EPOCHS, finetune, finetune_settings
    from workbench.core.compression.layer_effects import effect_rows
    from workbench.core.compression.magnitude import layer_sparsity, overall_sparsity, prune_magnitude

    module = copy.deepcopy(tm.module)
    keep_pruned = prune_magnitude(tm.graph, module, amount)
    settings = finetune_settings(tm.settings, _epochs(epochs, DEFAULT_EPOCHS))
    finetune(module, tm.dataset, tm.graph, settings, progress, (0.05, 0.6), "Fine-tuning the pruned network",
             after_step=[keep_pruned], threads=threads)
    keep_pruned(module)
    sparsity = overall_sparsity(tm.graph, module)
    notes = (f"{100 * sparsity:.0f}% of the weights are zero, then fine-tuned. The zeros are still stored and "
             "computed: the file is not smaller and inference is not faster. Use structured pruning to shrink it.")
    rows = effect_rows(tm.graph, "sparsity", layer_sparsity(tm.graph, module))
    return Candidate("", "prune", amount, fp32_model(module, tm.graph), tm.graph, module, notes, rows)


def _structured_candidate(tm, amount: float, epochs: int | None, progress: Progress, threads: int) -> Candidate:
    from workbench.core.compression.finetune import DEFAULT_EPOCHS, finetune, finetune_settings
    from workbench.core.compression.layer_effects import effect_rows
    from workbench.core.compression.structured import prune_structured

    progress(0.05, "Removing channels")
    graph, module, plan = prune_structured(tm.graph, tm.module, amount)
    settings = finetune_settings(tm.settings, _epochs(epochs, DEFAULT_EPOCHS))
    finetune(module, tm.dataset, graph, settings, progress, (0.1, 0.6), "Fine-tuning the smaller network",
             threads=threads)
    removed = ", ".join(f"{graph.nodes[n].name} {a}→{b}" for n, (a, b) in plan.sizes.items())
    notes = f"Channels and neurons removed ({removed}), then fine-tuned."
    if plan.skipped:
        notes += " Kept whole: " + "; ".join(f"{tm.graph.nodes[n].name} ({why})" for n, why in plan.skipped.items()) \
            + "."
    rows = effect_rows(tm.graph, "channels", plan.sizes)
    return Candidate("", "prune-structured", amount, fp32_model(module, graph), graph, module, notes, rows,
                     own_graph=True)


def _distilled_candidate(tm, amount: float, student_graph, epochs: int | None, progress: Progress,
                         threads: int) -> Candidate:
    import copy

    from workbench.core.compression.distill import check_student, distillation_loss, shrunk_graph
    from workbench.core.compression.finetune import finetune, finetune_settings
    from workbench.core.training.objective import objective_for

    graph = student_graph if student_graph is not None else shrunk_graph(tm.graph, amount)
    student = check_student(tm.module, graph)
    objective = objective_for(student, tm.dataset, graph)
    settings = finetune_settings(tm.settings, _epochs(epochs, tm.settings.epochs))
    teacher = copy.deepcopy(tm.module)
    finetune(student, tm.dataset, graph, settings, progress, (0.05, 0.6), "Training the student",
             loss_fn=distillation_loss(teacher, objective, tm.task), threads=threads)
    ratio = _param_count(student) / max(1, _param_count(tm.module))
    how = "a network you drew" if student_graph is not None else f"the network with every width x{1 - amount:g}"
    notes = (f"Student: {how}, {100 * ratio:.0f}% of the teacher's parameters, trained on the teacher's softened "
             "outputs and the labels.")
    return Candidate("", "distill", None if student_graph is not None else amount, fp32_model(student, graph),
                     graph, student, notes, [], own_graph=True)


def original_candidate(tm) -> Candidate:
    return Candidate(ORIGINAL, "none", None, fp32_model(tm.module, tm.graph), tm.graph, tm.module,
                     "The trained network, unchanged.")


# --- checking and saving --------------------------------------------------------------------------------------

def finalize(tm, candidate: Candidate, taken: set[str], progress: Progress, threads: int = 1,
             workspace: Path | None = None) -> dict:
    """Checks a candidate (ONNX checker, ONNX Runtime, parity), measures it, saves its files; returns the record."""
    from workbench.core.export.benchmark import benchmark_session, benchmark_torch
    from workbench.core.export.bundle import model_info
    from workbench.core.export.metadata import build_metadata, write_metadata
    from workbench.core.export.runtime import open_session
    from workbench.core.export.verify import torch_outputs
    from workbench.core.graph.serialize import graph_to_dict
    from workbench.core.training.weights import layer_state, save_weights

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
    folder.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".variant-", dir=folder.parent))
    import onnx

    try:
        onnx_path = stage / ONNX_FILE
        onnx.save_model(candidate.model, str(onnx_path))
        onnx.checker.check_model(str(onnx_path), full_check=True)
        progress(0.7, "Checking it in ONNX Runtime")
        session = open_session(onnx_path, threads=threads)
        samples, _ = tm.samples("test")
        reference_module = candidate.module if candidate.module is not None else tm.module
        from workbench.core.export.verify import runtime_outputs

        parity = check_variant_parity(candidate.method, tm.task, torch_outputs(reference_module, samples),
                                      runtime_outputs(session, samples))
        parity.update(samples=len(samples[0]), reference="its own network" if candidate.module is not None else
                      "the trained fp32 network")
        progress(0.8, "Measuring accuracy")
        from workbench.core.compression.evaluate import variant_metrics

        metrics = variant_metrics(session, tm.dataset)
        progress(0.9, "Measuring speed")
        timing_ort = benchmark_session(session, samples).to_dict()
        timing_torch = benchmark_torch(candidate.module, samples, threads).to_dict() \
            if candidate.module is not None else None
        files = {"onnx": ONNX_FILE, "weights": None}
        if candidate.module is not None and candidate.method != "none":
            save_weights(layer_state(candidate.module), stage / WEIGHTS_FILE,
                         {nid: n.name for nid, n in candidate.graph.nodes.items()})
            files["weights"] = WEIGHTS_FILE
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(stage, folder)
    except onnx.checker.ValidationError as exc:
        raise CompressionError(f"The {METHOD_TITLES[candidate.method]} variant is not a valid ONNX file: {exc}") \
            from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    rel = _relative(folder, workspace)
    params = _param_count(candidate.module if candidate.module is not None else tm.module)
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
    if method not in METHODS:
        raise CompressionError(f"Unknown compression method '{method}'; choose one of {', '.join(METHODS)}.")
    if method in DEFAULT_AMOUNTS:
        amount = DEFAULT_AMOUNTS[method] if amount is None else float(amount)
        if not 0.0 < amount < 1.0:
            raise CompressionError(f"--amount must be between 0 and 1 for {method} (got {amount:g}).")
    elif amount is not None:
        raise CompressionError(f"{METHOD_TITLES[method]} takes no amount.")
    return amount


def compress_trained(tm, existing: list, method: str, amount: float | None = None, *, workspace=None,
                     student_graph=None, epochs: int | None = None, threads: int = 1,
                     progress: Progress | None = None) -> list[dict]:
    """Makes one variant of `tm` (and the original's when `existing`, the variant records so far, has none for
    this run yet); returns the new records as dicts. `workspace`: where the variant files go and what their
    recorded paths are relative to (default: the trained model's base folder)."""
    amount = checked_amount(method, amount)
    progress = progress or (lambda fraction, message: None)
    taken = {r.name for r in existing}
    if method in ("int8-static", "int8-dynamic", "fp16"):
        candidate = _quantized_candidate(tm, method, progress)
    elif method == "prune":
        candidate = _pruned_candidate(tm, amount, epochs, progress, threads)
    elif method == "prune-structured":
        candidate = _structured_candidate(tm, amount, epochs, progress, threads)
    else:
        candidate = _distilled_candidate(tm, amount, student_graph, epochs, progress, threads)
    records = []
    if not any(r.method == "none" and r.run == tm.run_id for r in existing):
        original = original_candidate(tm)
        original.name = _unique_name(taken, ORIGINAL)
        records.append(finalize(tm, original, taken, lambda f, m: None, threads, workspace))
        taken.add(records[-1]["name"])
    records.append(finalize(tm, candidate, taken, progress, threads, workspace))
    progress(1.0, "Done")
    return records

