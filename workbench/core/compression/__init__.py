"""Compression of a trained model into variants kept beside the original: dynamic and static INT8, FP16, magnitude
pruning, structured pruning by graph surgery, and distillation into a smaller student.

The methods are declared in `methods` (`get_method`, `offered_methods`); each layer type's `LayerSpec.compression`
says what pruning and distillation need to know about it. Entry point: `variants.compress_trained` (a `TrainedModel`
in, the new variants' records out); the project tier's `actions.compress_project` adds which run and where.
Nothing here imports torch, onnx or onnxruntime at import time.
"""
