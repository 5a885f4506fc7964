"""Text import: the vocabulary's minimum frequency and unknown token, the report's figures, the generated reviews
(word order decides their label) and the text templates opening on them."""

from __future__ import annotations

import numpy as np

from workbench.core.data import DatasetSpec, apply_preprocessing, load_dataset
from workbench.core.data.reviews import POSITIVE, make_reviews
from workbench.core.data_fit import dataset_problems
from workbench.core.project.templates import open_template

SPLIT = {"train": 0.5, "val": 0.25, "test": 0.25, "seed": 0, "stratify": False}


def _load_csv(tmp_path, rows, **text):
    path = tmp_path / "t.csv"
    path.write_text("text,y\n" + "".join(f"{t},{y}\n" for t, y in rows), encoding="utf-8")
    return load_dataset(DatasetSpec(source="csv", path=str(path), options={"text": {"column": "text", **text}},
                                    split=dict(SPLIT)))


def test_rare_words_read_as_unknown_and_the_report_counts_unknown_words(tmp_path):
    rows = [("good film", "a"), ("bad film", "b")] * 10 + [(f"word{i} film", "ab"[i % 2]) for i in range(8)]
    ds = _load_csv(tmp_path, rows)
    vocab = ds.preprocessing["vocab"]
    assert vocab[:2] == ["<pad>", "<unk>"] and {"good", "bad", "film"} <= set(vocab)
    assert not [w for w in vocab if w.startswith("word")]  # each seen once: below the minimum of 2
    line = next(r for r in ds.report if r.startswith("Column 'text'"))
    assert "words seen fewer than 2 times read as unknown" in line
    val = [i for i in ds.splits["val"]]
    total = sum(len(rows[i][0].split()) for i in val)
    unknown = sum(1 for i in val if rows[i][0].startswith("word"))
    assert f"{unknown:,} of the {total:,} words of the validation rows" in line
    assert "of the test rows" in line
    assert apply_preprocessing(ds.preprocessing, ["word3 good"])[0][:2].tolist() == [1, vocab.index("good")]


def test_a_minimum_frequency_of_one_keeps_every_training_word(tmp_path):
    rows = [("good film", "a"), ("bad film", "b")] * 10 + [(f"word{i} film", "ab"[i % 2]) for i in range(8)]
    ds = _load_csv(tmp_path, rows, min_freq=1)
    train_words = {w for i in ds.splits["train"] for w in rows[i][0].split()}
    assert set(ds.preprocessing["vocab"][2:]) == train_words


def test_reviews_depend_on_word_order():
    texts, labels = make_reviews(400, seed=3)
    assert make_reviews(400, seed=3)[0] == texts and labels.mean() == 0.5
    for text, label in zip(texts, labels):
        last = text.split(" but ")[-1].split(" and ")[-1].split()
        negated = any(w in ("not", "never") for w in last)
        positive = last[-1] in POSITIVE
        assert label == int(positive != negated), text
    swapped = [t for t in texts if " but " in t]
    assert len(swapped) > 100  # the same words, clauses swapped, have the other label


def test_the_builtin_reviews_are_text_with_nothing_cut():
    ds = load_dataset(DatasetSpec(source="builtin", name="reviews"))
    assert (ds.kind, ds.task, ds.class_names, ds.num_samples) == ("text", "classification",
                                                                  ["negative", "positive"], 2000)
    texts, labels = make_reviews(2000, 0)
    assert ds.input_shape == (max(len(t.split()) for t in texts),)
    assert np.array_equal(ds.y, labels)
    assert np.array_equal(apply_preprocessing(ds.preprocessing, texts), ds.x)
    assert not any("longer and cut" in line for line in ds.report)


def test_the_text_templates_open_fitted_to_the_reviews():
    ds = load_dataset(DatasetSpec(source="builtin", name="reviews"))
    for name in ("lstm", "transformer", "encoder"):
        project = open_template(name)
        assert project.dataset.name == "reviews"
        assert dataset_problems(project.graph, ds.info()) == [], name
