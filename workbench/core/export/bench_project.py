"""The benchmark of a project: every variant in ONNX Runtime beside torch eager, latency and throughput.

Torch eager runs the variant's own network where it has one (original, pruned, distilled); quantized and FP16
variants have no eager counterpart, so their torch column shows the fp32 network they were made from, labelled so.
Without variants, the original is exported in memory and measured.
"""

from __future__ import annotations

from workbench.core.export.bundle import Progress


def benchmark_project(project, *, dataset=None, base_dir=None, threads: int = 1, provider: str = "auto",
                      progress: Progress | None = None) -> dict:
    """``{"provider", "threads", "gpu", "rows": [...]}``; each row: name, method, size_bytes, onnxruntime (Timing
    dict), torch (Timing dict or None), torch_reference ("own" | "fp32 source"), speedup (torch p50 / ORT p50)."""
    from workbench.core.compression.variants import ORIGINAL, fp32_model, variants_of
    from workbench.core.data.loader import resolve_path
    from workbench.core.export.benchmark import benchmark_session, benchmark_torch
    from workbench.core.export.project_export import variant_network
    from workbench.core.export.runtime import choose_providers, gpu_count, open_session
    from workbench.core.export.source import trained_model

    progress = progress or (lambda fraction, message: None)
    progress(0.02, "Loading the trained model")
    tm = trained_model(project, dataset, base_dir)
    providers = choose_providers(provider)
    samples, _ = tm.samples("test")
    records = [r for r in variants_of(project) if r.get("run") == tm.run.get("id")]
    if not any(r.get("method") == "none" for r in records):
        records.insert(0, {"name": ORIGINAL, "method": "none", "files": {}, "size_bytes": None})
    rows = []
    session = None
    for i, record in enumerate(records):
        progress(0.05 + 0.9 * i / len(records), f"Measuring {record['name']}")
        if record["files"].get("onnx"):
            path = resolve_path(record["files"]["onnx"], tm.base_dir)
            session = open_session(path, providers, threads)
            size = path.stat().st_size
        else:
            data = fp32_model(tm.module, tm.graph).SerializeToString()
            session = open_session(data, providers, threads)
            size = len(data)
        if record["files"].get("weights"):
            module, reference = variant_network(tm, record)[1], "own"
        elif record["method"] == "none":
            module, reference = tm.module, "own"
        else:
            module, reference = tm.module, "fp32 source"
        ort_timing = benchmark_session(session, samples)
        torch_timing = benchmark_torch(module, samples, threads)
        rows.append({"name": record["name"], "method": record["method"], "size_bytes": size,
                     "onnxruntime": ort_timing.to_dict(), "torch": torch_timing.to_dict(),
                     "torch_reference": reference, "speedup": torch_timing.p50_ms / ort_timing.p50_ms})
    progress(1.0, "Done")
    return {"provider": session.provider_title if session else "CPU", "threads": threads, "gpu": gpu_count() > 0,
            "rows": rows}
