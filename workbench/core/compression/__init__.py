"""Compression of a trained model into variants kept beside the original: dynamic and static INT8, FP16, magnitude
pruning, structured pruning by graph surgery, and distillation into a smaller student.

Entry point: `variants.compress_trained` (a `TrainedModel` in, the new variants' records out); the project tier's
`actions.compress_project` adds which run and where. Nothing here imports torch, onnx or onnxruntime at import time.
"""
