"""ONNX export: GraphModule -> verified .onnx folder (metadata, model card, labels, predict.py), ONNX Runtime sessions
with the provider chosen by what the machine has, and the torch-vs-ONNX-Runtime benchmark.

Entry points: `project_export.export_project` (one click), `onnx_export.export_module`, `bundle.write_bundle`,
`runtime.open_session`, `benchmark.benchmark_session` / `benchmark_torch`, `bench_project.benchmark_project`.
Nothing here imports torch, onnx or onnxruntime at import time.
"""
