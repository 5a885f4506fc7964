"""`preview`: what the dataset dialog shows — sample images or rows with labels, class balance, basic statistics.

Everything returned is plain Python or small NumPy arrays. Statistics are exact and computed in blocks, so a preview
of 100,000 images needs no more than a block of floats at a time. Table rows are shown in the file's own units
(standardisation and one-hot undone), so the user recognises their data.
"""

from __future__ import annotations

import numpy as np

from workbench.core.data.dataset import Dataset
from workbench.core.data.preprocess import inverse_target

BLOCK_VALUES = 1 << 22          # values per block of float64 statistics (32 MB)


def _pick(dataset: Dataset, indices: np.ndarray, n: int) -> np.ndarray:
    """Up to n samples; for classification round-robin over the classes so that every class shows."""
    if len(indices) <= n:
        return indices
    if dataset.task != "classification":
        return indices[np.linspace(0, len(indices) - 1, n).round().astype(np.int64)]
    labels = dataset.y[indices]
    per_class = [indices[labels == k] for k in range(dataset.num_classes)]
    picked: list[int] = []
    depth = 0
    while len(picked) < n:
        added = False
        for members in per_class:
            if depth < len(members) and len(picked) < n:
                picked.append(int(members[depth]))
                added = True
        if not added:
            break
        depth += 1
    return np.array(picked, dtype=np.int64)


def _label(dataset: Dataset, i: int) -> str:
    if dataset.task == "classification":
        return dataset.class_names[int(dataset.y[i])]
    if dataset.task == "multilabel":
        return ", ".join(n for n, on in zip(dataset.class_names, dataset.y[i]) if on) or "(no label)"
    value = inverse_target(dataset.preprocessing, dataset.y[i])
    return ", ".join(f"{v:.4g}" for v in np.atleast_1d(value))


def _stats_blocks(x: np.ndarray, indices: np.ndarray, axis_keep: int | None) -> dict:
    """Exact mean/std/min/max over the samples, per feature (axis_keep=1) or per channel of images."""
    total = 0
    acc_sum = acc_sq = low = high = None
    per_sample = int(np.prod(x.shape[1:])) or 1
    step = max(1, BLOCK_VALUES // per_sample)
    for start in range(0, len(indices), step):
        block = x[indices[start:start + step]].astype(np.float64)
        if block.ndim == 4:                              # images: per channel
            block = block.transpose(1, 0, 2, 3).reshape(block.shape[1], -1).T
        elif block.ndim > 2:
            block = block.reshape(len(block), -1)
        s, q = block.sum(axis=0), (block * block).sum(axis=0)
        lo, hi = block.min(axis=0), block.max(axis=0)
        acc_sum = s if acc_sum is None else acc_sum + s
        acc_sq = q if acc_sq is None else acc_sq + q
        low = lo if low is None else np.minimum(low, lo)
        high = hi if high is None else np.maximum(high, hi)
        total += len(block)
    if not total:
        return {"mean": [], "std": [], "min": [], "max": []}
    mean = acc_sum / total
    std = np.sqrt(np.maximum(acc_sq / total - mean * mean, 0.0))
    return {"mean": mean.tolist(), "std": std.tolist(), "min": low.tolist(), "max": high.tolist()}


def _table_rows(dataset: Dataset, picked: np.ndarray) -> tuple[list[str], list[list]]:
    """Rows in the original units: standardisation and one-hot encoding undone."""
    columns = dataset.preprocessing["columns"]
    x = dataset.x[picked].astype(np.float64)
    rows = [[] for _ in range(len(picked))]
    pos = 0
    for col in columns:
        cells: list = []
        if col["type"] == "numeric":
            values = x[:, pos] * col["std"] + col["mean"]
            cells = [float(np.round(v, 6)) for v in values]
            pos += 1
        elif col["encoding"] == "one_hot":
            block = x[:, pos:pos + len(col["categories"])]
            cells = [col["categories"][int(onehot.argmax())] if onehot.max() > 0 else "" for onehot in block]
            pos += len(col["categories"])
        else:
            index = np.rint(x[:, pos] * col["std"] + col["mean"]).astype(int)
            cells = [col["categories"][k] if 0 <= k < len(col["categories"]) else "" for k in index]
            pos += 1
        if col.get("missing_indicator"):          # a filled-in gap shows as the empty cell it was
            cells = ["" if was_missing else cell for cell, was_missing in zip(cells, x[:, pos] > 0.5)]
            pos += 1
        for r, cell in zip(rows, cells):
            r.append(cell)
    return [c["name"] for c in columns], rows


def _feature_units(columns: list[dict]) -> tuple[list[float], list[float]]:
    """Per input feature, the scale and shift back to the column's own units (one-hot inputs stay 0/1 shares)."""
    scale, shift = [], []
    for col in columns:
        if col["type"] == "categorical" and col["encoding"] == "one_hot":
            scale += [1.0] * len(col["categories"])
            shift += [0.0] * len(col["categories"])
        else:
            scale.append(col["std"])
            shift.append(col["mean"])
        if col.get("missing_indicator"):
            scale.append(1.0)
            shift.append(0.0)
    return scale, shift


def preview(dataset: Dataset, split: str = "train", n: int = 16) -> dict:
    """Data for the preview of one split: samples with labels, class counts per split, statistics, the report.

    Keys: kind, task, split, sizes {train, val, test, total}, labels (one string per sample), and by kind
    images (uint8 (n, H, W) grayscale or (n, H, W, 3) RGB), or columns + rows (tables, original units), or
    texts (tokens joined) + token_ids; class_counts {names, train, val, test} for classification (for multi-label:
    the samples with each label) or
    target_histogram {edges, counts} for regression; stats (per feature in the column's units, one-hot inputs as
    shares; per channel in 0..1; or text lengths); report.
    """
    indices = dataset.split_indices(split)
    picked = _pick(dataset, indices, n)
    kind = dataset.kind
    out: dict = {
        "kind": kind,
        "task": dataset.task,
        "split": split,
        "sizes": {**dataset.split_sizes(), "total": dataset.num_samples},
        "labels": [_label(dataset, int(i)) for i in picked],
        "indices": picked.tolist(),
        "report": list(dataset.report),
    }
    if kind == "image":
        imgs = dataset.x[picked]
        out["images"] = imgs[:, 0] if imgs.shape[1] == 1 else imgs.transpose(0, 2, 3, 1).copy()
        stats = _stats_blocks(dataset.x, indices, None)
        scale = 1.0 / 255.0
        names = ["gray"] if dataset.x.shape[1] == 1 else ["red", "green", "blue"][:dataset.x.shape[1]]
        out["stats"] = [{"name": name, **{k: v[j] * scale for k, v in stats.items()}} for j, name in
                        enumerate(names)]
    elif kind == "table":
        out["columns"], out["rows"] = _table_rows(dataset, picked)
        stats = _stats_blocks(dataset.x, indices, 1)
        names = dataset.preprocessing["feature_names"]
        scale, shift = _feature_units(dataset.preprocessing["columns"])
        out["stats"] = [{"name": name, "mean": stats["mean"][j] * scale[j] + shift[j],
                         "std": stats["std"][j] * scale[j], "min": stats["min"][j] * scale[j] + shift[j],
                         "max": stats["max"][j] * scale[j] + shift[j]} for j, name in enumerate(names)] \
            if stats["mean"] else []
    elif kind == "text":
        vocab = dataset.preprocessing["vocab"]
        joiner = " " if dataset.preprocessing["mode"] == "words" else ""
        ids = dataset.x[picked]
        out["token_ids"] = ids.tolist()
        out["texts"] = [joiner.join(vocab[t] for t in row if t != 0) for row in ids]
        lengths = (dataset.x[indices] != 0).sum(axis=1) if len(indices) else np.zeros(0)
        unknown = float((dataset.x[indices] == 1).sum() / max((dataset.x[indices] != 0).sum(), 1))
        out["stats"] = [{"name": "tokens per text", "mean": float(lengths.mean()) if len(lengths) else 0.0,
                         "std": float(lengths.std()) if len(lengths) else 0.0,
                         "min": float(lengths.min()) if len(lengths) else 0.0,
                         "max": float(lengths.max()) if len(lengths) else 0.0},
                        {"name": "unknown token share", "mean": unknown, "std": 0.0, "min": unknown,
                         "max": unknown}]
    else:
        out["arrays"] = dataset.x[picked]
        stats = _stats_blocks(dataset.x, indices, 1)
        out["stats"] = [{"name": "all values", **{k: (float(np.mean(v)) if k in ("mean", "std") else
                                                      (min(v) if k == "min" else max(v))) if v else 0.0
                                                  for k, v in stats.items()}}]
    if dataset.task == "classification":
        counts = {name: np.bincount(dataset.y[idx], minlength=dataset.num_classes).tolist()
                  for name, idx in dataset.splits.items()}
        out["class_counts"] = {"names": list(dataset.class_names), **counts}
    elif dataset.task == "multilabel":  # how many samples of each split have each label
        counts = {name: dataset.y[idx].sum(axis=0).astype(np.int64).tolist() for name, idx in dataset.splits.items()}
        out["class_counts"] = {"names": list(dataset.class_names), **counts}
    else:
        values = inverse_target(dataset.preprocessing, dataset.y[indices])
        values = values.reshape(len(indices), -1)[:, 0] if len(indices) else values
        counts, edges = np.histogram(values, bins=20) if len(indices) else (np.zeros(0), np.zeros(0))
        out["target_histogram"] = {"edges": edges.tolist(), "counts": counts.tolist()}
    return out
