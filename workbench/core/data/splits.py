"""Train / validation / test splits: by ratio, reproducible from a seed, stratified by class when asked.

Stratification without scikit-learn: each class is shuffled on its own, every sample gets the key
``rank within its class / class size`` (ties broken by a random jitter), and the samples sorted by key are cut at the
split sizes. Every split thus gets each class in proportion (to within one sample), the first sample of every class
comes first (so the training split sees every class whenever it has room), and the split depends only on the
labels, the ratios and the seed. Each split is found without sorting all the keys: the samples below a split's
last key, and of those at that key the first by jitter (`_smallest`, linear in the number of samples).
"""

from __future__ import annotations

import numpy as np

from workbench.core.errors import DataError

SPLIT_TITLES = {"train": "training", "val": "validation", "test": "test"}


def split_sizes(n: int, ratios: dict) -> dict[str, int]:
    """Sizes per split, cut at the rounded cumulative ratios; every split with a ratio above 0 gets at least one
    sample when there are enough (the training split gives them up)."""
    cut1 = int(n * ratios["train"] + 0.5)
    cut2 = n if ratios["test"] <= 0 else int(n * (ratios["train"] + ratios["val"]) + 0.5)
    sizes = {"train": cut1, "val": cut2 - cut1, "test": n - cut2}
    for name in ("val", "test"):
        if ratios[name] > 0 and sizes[name] == 0 and sizes["train"] > 1:
            sizes[name] = 1
            sizes["train"] -= 1
    return sizes


def make_splits(n: int, split: dict, labels: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Index arrays (int64, ascending) for train/val/test. ``labels`` (class indices) make it stratified.

    Raises `DataError` when there are fewer samples than the split needs.
    """
    needed = [name for name in ("train", "val", "test") if split[name] > 0]
    sizes = split_sizes(n, split)
    if n < len(needed) or any(sizes[name] < 1 for name in needed):
        parts = " / ".join(SPLIT_TITLES[name] for name in needed)
        raise DataError(f"The data has {n} sample{'s' if n != 1 else ''}, but a {parts} split needs at least "
                        f"{len(needed)} (one for each part). Add data or set the other parts to 0.")
    rng = np.random.default_rng(split["seed"])
    cut1 = sizes["train"]
    cut2 = cut1 + sizes["val"]
    if labels is not None and split.get("stratify", True):
        labels = np.asarray(labels)
        keys = np.empty(n, dtype=np.float64)
        jitter = rng.random(n)
        classes = np.flatnonzero(np.bincount(labels)) if labels.dtype.kind in "iu" and labels.min() >= 0 else \
            np.unique(labels)                                   # class indices: np.unique's answer without sorting
        for cls in classes:
            members = np.flatnonzero(labels == cls)
            members = members[rng.permutation(len(members))]
            keys[members] = np.arange(len(members)) / len(members)
        first, first_two = _smallest(keys, jitter, cut1), _smallest(keys, jitter, cut2)
    else:
        order = rng.permutation(n)
        first, first_two = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        first[order[:cut1]] = True
        first_two[order[:cut2]] = True
    return {
        "train": np.flatnonzero(first).astype(np.int64),
        "val": np.flatnonzero(first_two & ~first).astype(np.int64),
        "test": np.flatnonzero(~first_two).astype(np.int64),
    }


def _smallest(keys: np.ndarray, jitter: np.ndarray, count: int) -> np.ndarray:
    """Where the ``count`` samples that come first when sorted by key, then jitter, then index are (a bool mask),
    found in linear time: the keys below the count-th smallest key, and of the samples with that key (one per class
    at most, since keys are distinct within a class) those first by jitter."""
    mask = np.zeros(len(keys), dtype=bool)
    if count == 0:
        return mask
    if count >= len(keys):
        mask[:] = True
        return mask
    threshold = np.partition(keys, count - 1)[count - 1]
    np.less(keys, threshold, out=mask)
    tied = np.flatnonzero(keys == threshold)
    needed = count - int(np.count_nonzero(mask))
    mask[tied[np.argsort(jitter[tied], kind="stable")[:needed]]] = True
    return mask


def check_classes_in_train(splits: dict[str, np.ndarray], labels: np.ndarray, class_names: list[str],
                           report: list[str]) -> None:
    """Raise when a class never reaches the training split; note classes missing from validation or test."""
    counts = {name: np.bincount(labels[idx], minlength=len(class_names)) for name, idx in splits.items()}
    missing = [class_names[i] for i in np.flatnonzero(counts["train"] == 0)]
    if missing and len(splits["train"]) < len(class_names):
        raise DataError(f"The training split has {len(splits['train'])} samples, fewer than the {len(class_names)} "
                        "classes, so some classes could not be learned. Add data or give training a larger share.")
    if missing:
        raise DataError(f"Class {missing[0]!r} is not in the training split (it has too few samples); give it "
                        "more samples or turn on stratified splitting.")
    for name in ("val", "test"):
        if len(splits[name]) and (counts[name] == 0).any():
            absent = [class_names[i] for i in np.flatnonzero(counts[name] == 0)]
            shown = ", ".join(repr(a) for a in absent[:5]) + (" and more" if len(absent) > 5 else "")
            report.append(f"The {SPLIT_TITLES[name]} split has no samples of class {shown} (too few samples).")
