"""ONNX export: GraphModule -> verified .onnx folder (metadata, model card, labels, predict.py), ONNX Runtime sessions
with the provider chosen by what the machine has, and the torch-vs-ONNX-Runtime benchmark.

Entry points: `onnx_export.export_module`, `bundle.write_bundle` (a verified folder), `runtime.open_session`,
`benchmark.benchmark_session` / `benchmark_torch`, `predictor.Predictor`. Exporting a project (which run, which
variant) is the project tier's `actions.export_project`.
Nothing here imports torch, onnx or onnxruntime at import time.
"""
