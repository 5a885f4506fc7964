"""One-click export of a project's trained model (or one of its variants) into a verified folder.

The original is exported fresh from its trained weights at the chosen opset. A variant with its own weights (pruned,
distilled) is exported the same way from its network; a quantized or FP16 variant ships its stored ONNX file (made at
the default opset) after the same checks, compared with the trained network within that method's tolerance.
"""

from __future__ import annotations

from pathlib import Path

from workbench.core.build import build_module
from workbench.core.compression.methods import card_note, method_title
from workbench.core.compression.variants import check_variant_parity
from workbench.core.data.loader import resolve_path
from workbench.core.export.bundle import (ExportResult, Progress, Verification, WouldReplaceFilesError,
                                          files_to_replace, io_descriptions, model_info, write_bundle)
from workbench.core.export.compact import compact
from workbench.core.export.onnx_export import DEFAULT_OPSET, check_opset, export_module
from workbench.core.export.verify import check_parity, runtime_outputs, torch_outputs
from workbench.core.graph.serialize import graph_from_dict
from workbench.core.project.model import Project
from workbench.core.project.trained import trained_model
from workbench.core.project.variant_record import VariantRecord
from workbench.core.training.weights import load_weights

REFERENCE_OWN = "the trained PyTorch network"


def variant_network(tm, record: VariantRecord):
    """(graph, torch network) of a variant with its own weights."""
    graph = graph_from_dict(record.graph, field="variants.graph") if record.graph else tm.graph
    module = build_module(graph)
    load_weights(module, resolve_path(record.files.weights, tm.base_dir))
    return graph, module.eval()


def export_project(project: Project, out_dir: str | Path, *, opset: int = DEFAULT_OPSET, variant: str | None = None,
                   dataset=None, base_dir=None, run_id: str | None = None, threads: int = 1,
                   progress: Progress | None = None, overwrite: bool = False) -> ExportResult:
    """Exports and verifies; raises `ExportError` / `ParityError` / `NotTrainedError` with the reason in words, and
    `WouldReplaceFilesError` (before any work) for files in the folder that Workbench did not write, unless
    `overwrite`."""
    progress = progress or (lambda fraction, message: None)
    check_opset(opset)
    foreign = [] if overwrite or not Path(out_dir).is_dir() else files_to_replace(out_dir)
    if foreign:
        raise WouldReplaceFilesError(Path(out_dir), foreign)
    progress(0.02, "Loading the trained model")
    record = project.find_variant(variant) if variant and variant != "original" else None
    tm = trained_model(project, dataset, base_dir, run_id or (record.run if record else None))
    samples, _ = tm.samples("test")
    graph, module = tm.graph, tm.module
    compression = {"method": "none"}
    metrics = None
    if record is not None:
        compression = {"method": record.method, "amount": record.amount, "variant": record.name}
        metrics = record.metrics
    if record is None or record.files.weights:
        if record is not None:
            graph, module = variant_network(tm, record)
        progress(0.1, f"Exporting to ONNX (opset {opset})")
        model = export_module(module, graph, opset, inputs=[x[:2] for x in samples])
        compact(model, set(graph.nodes))

        def verify(session) -> Verification:
            diff = check_parity(module, session, samples)
            return Verification(diff, len(samples[0]), REFERENCE_OWN)
    else:
        import onnx  # lazy

        model = onnx.load(str(resolve_path(record.files.onnx, tm.base_dir)))

        def verify(session) -> Verification:
            result = check_variant_parity(record.method, tm.task, torch_outputs(module, samples),
                                          runtime_outputs(session, samples))
            return Verification(result["max_abs_diff"], len(samples[0]),
                                f"the trained network ({method_title(record.method)} tolerance)")
    params = int(sum(p.numel() for p in module.parameters()))
    info = model_info(tm, compression, metrics, card_note(compression["method"]))
    return write_bundle(model, out_dir, info, io_descriptions(module), params, graph, verify, threads, progress,
                        overwrite)
