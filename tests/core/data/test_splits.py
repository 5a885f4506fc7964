"""Splits: sizes by ratio, stratified by class, reproducible from the seed, and refused when too small."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.core.data.splits import make_splits, split_sizes
from workbench.core.errors import DataError

SPLIT = {"train": 0.7, "val": 0.15, "test": 0.15, "seed": 0, "stratify": True}


def test_sizes_follow_the_ratios():
    assert split_sizes(100, SPLIT) == {"train": 70, "val": 15, "test": 15}
    assert split_sizes(150, SPLIT) == {"train": 105, "val": 23, "test": 22}
    assert split_sizes(10, {**SPLIT, "train": 1.0, "val": 0.0, "test": 0.0}) == {"train": 10, "val": 0, "test": 0}
    assert split_sizes(4, SPLIT) == {"train": 2, "val": 1, "test": 1}   # every part gets one


def test_stratified_split_keeps_class_shares():
    labels = np.repeat([0, 1, 2], [600, 300, 100])
    splits = make_splits(1000, SPLIT, labels)
    assert [len(splits[s]) for s in ("train", "val", "test")] == [700, 150, 150]
    for name, size in (("train", 700), ("val", 150), ("test", 150)):
        counts = np.bincount(labels[splits[name]], minlength=3)
        expected = np.array([0.6, 0.3, 0.1]) * size
        assert np.all(np.abs(counts - expected) <= 1), (name, counts)


def test_splits_are_disjoint_sorted_and_reproducible():
    labels = np.random.default_rng(1).integers(0, 4, 333)
    a = make_splits(333, SPLIT, labels)
    b = make_splits(333, SPLIT, labels)
    c = make_splits(333, {**SPLIT, "seed": 1}, labels)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["train"], c["train"])
    joined = np.concatenate([a["train"], a["val"], a["test"]])
    assert np.array_equal(np.sort(joined), np.arange(333))
    assert all(np.all(np.diff(a[k]) > 0) and a[k].dtype == np.int64 for k in a)


def test_every_class_reaches_training_when_there_is_room():
    labels = np.array([0] * 20 + [1, 2])
    for seed in range(20):
        splits = make_splits(22, {**SPLIT, "seed": seed}, labels)
        assert set(labels[splits["train"]]) == {0, 1, 2}


def test_unstratified_split_is_a_seeded_permutation():
    a = make_splits(50, {**SPLIT, "stratify": False}, np.zeros(50, int))
    b = make_splits(50, {**SPLIT, "stratify": False})
    assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize(("n", "split", "message"), [
    (2, SPLIT, "The data has 2 samples, but a training / validation / test split needs at least 3 (one for each "
               "part). Add data or set the other parts to 0."),
    (1, {**SPLIT, "train": 0.5, "val": 0.5, "test": 0.0}, "The data has 1 sample, but a training / validation "
                                                          "split needs at least 2 (one for each part)."),
    (0, {**SPLIT, "train": 1.0, "val": 0.0, "test": 0.0}, "The data has 0 samples, but a training split needs at "
                                                          "least 1"),
])
def test_too_few_samples(n, split, message):
    with pytest.raises(DataError) as info:
        make_splits(n, split)
    assert str(info.value).startswith(message)


@settings(max_examples=40, deadline=None)
@given(st.integers(3, 300), st.integers(1, 6), st.integers(0, 2**31), st.sampled_from([0.5, 0.6, 0.8]))
def test_split_property(n, classes, seed, train):
    labels = np.random.default_rng(seed).integers(0, classes, n)
    split = {"train": train, "val": (1 - train) / 2, "test": (1 - train) / 2, "seed": seed, "stratify": True}
    parts = make_splits(n, split, labels)
    joined = np.concatenate(list(parts.values()))
    assert np.array_equal(np.sort(joined), np.arange(n))
    assert all(len(parts[k]) >= 1 for k in parts)
    for cls in np.unique(labels):
        total = (labels == cls).sum()
        train_count = (labels[parts["train"]] == cls).sum()
        assert abs(train_count - total * len(parts["train"]) / n) <= 1.5


def _sorted_splits(n, split, labels):
    """The splits as they were first made: every sample sorted by (key, jitter) with `np.lexsort`, then cut."""
    sizes = split_sizes(n, split)
    rng = np.random.default_rng(split["seed"])
    if labels is not None and split.get("stratify", True):
        keys = np.empty(n)
        jitter = rng.random(n)
        for cls in np.unique(labels):
            members = np.flatnonzero(labels == cls)
            members = members[rng.permutation(len(members))]
            keys[members] = np.arange(len(members)) / len(members)
        order = np.lexsort((jitter, keys))
    else:
        order = rng.permutation(n)
    cut1, cut2 = sizes["train"], sizes["train"] + sizes["val"]
    return {"train": np.sort(order[:cut1]), "val": np.sort(order[cut1:cut2]), "test": np.sort(order[cut2:])}


@settings(max_examples=200, deadline=None)
@given(n=st.integers(3, 400), classes=st.integers(1, 6), balanced=st.booleans(), seed=st.integers(0, 5),
       ratios=st.sampled_from([(0.7, 0.15, 0.15), (0.8, 0.2, 0.0), (0.5, 0.25, 0.25), (0.34, 0.33, 0.33)]),
       stratify=st.booleans())
def test_a_seed_gives_the_split_it_always_gave(n, classes, balanced, seed, ratios, stratify):
    """Found without sorting every key, the splits are still exactly those of sorting them (balanced classes tie
    on every key, which the jitter decides)."""
    labels = np.arange(n) % classes if balanced else np.random.default_rng(seed).integers(0, classes, n)
    split = {"train": ratios[0], "val": ratios[1], "test": ratios[2], "seed": seed, "stratify": stratify}
    made, expected = make_splits(n, split, labels), _sorted_splits(n, split, labels)
    for name in ("train", "val", "test"):
        assert made[name].dtype == np.int64
        assert np.array_equal(made[name], expected[name]), name
