"""The model card: a markdown page beside the .onnx file saying what the model is, how good, and how to use it."""

from __future__ import annotations

from workbench.core.layers import format_shape

PREDICT_NOTES = [
    "`predict.py` prints one line per input. It never predicts from a value the model cannot take without saying "
    "so: a table cell that is text in a number column, an infinite or absurdly large number, or a category not seen "
    "in training is reported on stderr with its row, column and value; by default (`--bad-values stop`) it then "
    "stops with exit status 3, and with `--bad-values skip` it skips that row, printing an empty line in its place. "
    "Missing cells are filled as in training. An image it cannot read (missing, damaged, over 89.5 million pixels) "
    "is reported and skipped (an empty line in its place) and the exit status is 2. CSV files are read in blocks, "
    "so any length fits in memory.",
]


def describe_preprocessing(pre: dict) -> list[str]:
    """Bullet lines saying how raw input becomes the model's input."""
    kind = pre.get("kind")
    if kind == "image":
        h, w = pre["size"]
        colour = "grayscale" if pre["channels"] == 1 else "RGB"
        lines = [f"Images are converted to {colour}, resized to {w}x{h} pixels (bilinear) and scaled to 0..1."]
        if pre.get("raw_max", 255) != 255:
            lines.append(f"Raw pixel arrays use 0..{pre['raw_max']} for full intensity.")
        return lines
    if kind == "table":
        lines = []
        for col in pre["columns"]:
            if col["type"] == "numeric":
                lines.append(f"`{col['name']}`: number, standardised (mean {col['mean']:.4g}, "
                             f"std {col['std']:.4g}); missing values become "
                             f"{col['mean'] if col.get('fill') is None else col['fill']:.4g}.")
            else:
                shown = ", ".join(str(c) for c in col["categories"][:8]) + \
                    (", ..." if len(col["categories"]) > 8 else "")
                how = "one-hot" if col["encoding"] == "one_hot" else "category index, standardised"
                lines.append(f"`{col['name']}`: category ({shown}), {how}.")
        return lines
    if kind == "text":
        unit = "words" if pre["mode"] == "words" else "characters"
        return [f"Column `{pre['column']}`: text split into {unit}"
                f"{', lower-cased' if pre.get('lowercase', True) else ''}, mapped to ids with a vocabulary of "
                f"{len(pre['vocab'])} tokens (0 padding, 1 unknown), padded or cut to {pre['max_len']}."]
    if kind == "array":
        shape = "x".join(str(s) for s in pre["shape"])
        return [f"Numeric arrays of shape {shape}" + (", standardised per feature." if pre.get("mean") else ".")]
    if kind == "tokens":
        return [f"Token ids: {pre['max_len']} per sample, below {pre['vocab_size']}."]
    return ["No preprocessing was recorded."]


def _metrics_table(metrics: dict) -> list[str]:
    splits = [s for s in ("val", "test") if isinstance(metrics.get(s), dict) and metrics[s]]
    if not splits:
        return ["No evaluation figures were recorded."]
    names = sorted({k for s in splits for k, v in metrics[s].items() if isinstance(v, (int, float))})
    titles = {"val": "Validation", "test": "Test"}
    lines = ["| Metric | " + " | ".join(titles[s] for s in splits) + " |",
             "| --- | " + " | ".join("---" for _ in splits) + " |"]
    for name in names:
        cells = []
        for s in splits:
            v = metrics[s].get(name)
            cells.append("" if v is None else f"{v:.4g}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def model_card(*, name: str, description: str, task: str, labels: list[str], dataset_summary: str,
               preprocessing: dict, inputs: list[dict], outputs: list[dict], metrics: dict, compression: dict,
               compression_note: str, params: int, size_bytes: int, opset: int, parity: dict, onnx_file: str) -> str:
    """The markdown text. `compression`: method, amount, variant; `compression_note`: what the method did, in
    words (the method's declaration says it); `parity`: ``{"max_abs_diff", "samples", "reference"}``."""
    lines = [f"# {name}", ""]
    if description:
        lines += [description, ""]
    lines += ["## Training data", "", dataset_summary or "Not recorded.", ""]
    lines += ["## Quality", "", *_metrics_table(metrics), ""]
    lines += ["## Input", ""]
    for item in inputs:
        kind = "token ids (int64)" if item["dtype"] == "int" else "float32"
        lines.append(f"- `{item['name']}`: {kind}, shape {format_shape(item['shape'])} (any batch size)")
    lines += ["", "Preprocessing (done by `predict.py`, recorded in the model's metadata):", ""]
    lines += [f"- {line}" for line in describe_preprocessing(preprocessing)]
    lines += ["", "## Output", ""]
    for item in outputs:
        lines.append(f"- `{item['name']}`: float32, shape {format_shape(item['shape'])}")
    if task == "classification":
        shown = ", ".join(labels[:20]) + (", ..." if len(labels) > 20 else "")
        lines.append(f"- One score (logit) per class, in the order of `labels.txt`: {shown}. Softmax gives "
                     "probabilities.")
    elif task == "multilabel":
        shown = ", ".join(labels[:20]) + (", ..." if len(labels) > 20 else "")
        lines.append(f"- The probability (0 to 1, sigmoid inside the model) of each label, in the order of "
                     f"`labels.txt`: {shown}. A label is given when its probability is above 0.5.")
    else:
        target = preprocessing.get("target") or {}
        lines.append("- Predicted value(s)" + (" in standardised units: multiply by the target's std and add its "
                                               "mean (predict.py does this)" if target.get("mean") else "") + ".")
    lines += ["", "## Compression", "", compression_note or compression.get("method", "none")]
    if compression.get("amount") is not None:
        lines.append(f"Amount: {compression['amount']}.")
    lines += ["", "## File", "",
              f"- `{onnx_file}`: ONNX opset {opset}, {size_bytes / 1024:.1f} KB, {params:,} parameters.",
              f"- Verified: on {parity['samples']} test samples ONNX Runtime and {parity['reference']} differ by at "
              f"most {parity['max_abs_diff']:.3g}.",
              "- `labels.txt`: the class names, one per line, in output order." if task == "classification" else
              "- `labels.txt`: the label names, one per line, in output order." if task == "multilabel" else
              "- `labels.txt`: the names of the predicted values.",
              "", "## Use", "", "```", "pip install onnxruntime numpy pillow",
              "python predict.py new_data.csv        # or image files for an image model",
              "python predict.py new_data.csv --bad-values skip   # skip the rows with bad values", "```", "",
              *PREDICT_NOTES, ""]
    return "\n".join(lines)
