"""Multi-label targets from tables: several 0/1 columns, one column of labels separated by '|' or ';', the built-in
digit traits, and clear refusals of label columns that are not labels."""

from __future__ import annotations

import numpy as np
import pytest

from tests.core.data.test_import_decisions import load, write
from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.errors import DataError


def rows(n: int = 30, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    return x, np.stack([x[:, 0] > 0, x[:, 1] > 0, x.sum(axis=1) > 1], axis=1).astype(int)


def test_several_0_1_target_columns_are_a_multilabel_task(tmp_path):
    x, labels = rows()
    text = "a,b,red,round,big\n" + "".join(f"{p:.4f},{q:.4f},{r},{s},{t}\n" for (p, q), (r, s, t) in zip(x, labels))
    ds = load(write(tmp_path, text), target=["red", "round", "big"])
    assert ds.task == "multilabel" and ds.class_names == ["red", "round", "big"] and ds.output_size == 3
    assert ds.y.dtype == np.float32 and ds.y.shape == (30, 3)
    assert np.array_equal(ds.y, labels)
    assert "The 3 target columns hold only 0 and 1, so the task is multi-label: each row can have several of the " \
           "labels (choose regression to predict the numbers)." in ds.report
    assert "Column 'red': one label of the target (0 or 1)." in ds.report
    assert "3 labels per sample (multi-label)" in ds.summary()
    _, y = ds.arrays(ds.split_indices("train"))
    assert y.dtype == np.float32 and y.shape[1] == 3
    as_numbers = load(write(tmp_path, text), target=["red", "round", "big"], task="regression")
    assert as_numbers.task == "regression"


def test_yes_no_columns_are_labels_too(tmp_path):
    text = "a,spam,urgent\n" + "".join(f"{i % 7},{'yes' if i % 2 else 'no'},{'True' if i % 3 else 'False'}\n"
                                       for i in range(20))
    ds = load(write(tmp_path, text), target=["spam", "urgent"])
    assert ds.task == "multilabel"
    assert ds.y[:4].tolist() == [[0, 0], [1, 1], [0, 1], [1, 0]]


@pytest.mark.parametrize("sep,delimiter", [("|", ","), (";", ","), ("|", ";")])
def test_one_column_of_separated_labels(tmp_path, sep, delimiter):
    tags = ["red" + sep + "round", "round", "", "big" + sep + "red", "red"] * 6
    text = f"a{delimiter}b{delimiter}tags\n" + "".join(f"{i}{delimiter}{i % 7}{delimiter}{t}\n"
                                                        for i, t in enumerate(tags))
    ds = load(write(tmp_path, text))
    assert ds.task == "multilabel" and ds.class_names == ["big", "red", "round"]
    assert ds.y[:5].tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0], [1, 1, 0], [0, 1, 0]]
    assert ds.num_samples == 30  # the empty cells are rows with no label, not rows without a target
    assert f"Column 'tags' holds labels separated by {sep!r}, so the task is multi-label: each row can have " \
           "several of them (choose classification to treat each combination as one class)." in ds.report
    assert f"Column 'tags': the target, 3 labels separated by {sep!r} (big, red, round); each row can have " \
           "several." in ds.report
    assert "6 rows have an empty 'tags' cell, read as none of the labels." in ds.report
    assert ds.preprocessing["target"] == {"task": "multilabel", "columns": ["tags"], "labels": ["big", "red", "round"],
                                          "separator": sep}
    combos = load(write(tmp_path, text), target="tags", task="classification")
    assert combos.task == "classification"


def test_multilabel_can_be_chosen_for_a_column_of_single_labels(tmp_path):
    text = "a,kind\n" + "".join(f"{i % 7},{['cat', 'dog', 'bird'][i % 3]}\n" for i in range(30))
    ds = load(write(tmp_path, text), target="kind", task="multilabel")
    assert ds.task == "multilabel" and ds.class_names == ["bird", "cat", "dog"] and ds.y.sum(axis=1).max() == 1


def test_a_label_column_with_other_numbers_is_refused_by_name(tmp_path):
    text = "a,red,round\n" + "".join(f"{i % 7},{i % 2},{2 if i == 7 else 1}\n" for i in range(20))
    with pytest.raises(DataError, match=r"^Column 'round' holds 2, but a label column holds only 0 and 1\. Choose "
                                        r"regression to predict the numbers, or leave the column out of the "
                                        r"targets\.$"):
        load(write(tmp_path, text), target=["red", "round"], task="multilabel")
    assert load(write(tmp_path, text), target=["red", "round"]).task == "regression"  # auto: not all 0/1


def test_a_label_column_of_words_is_refused_with_an_example(tmp_path):
    text = "a,red,shape\n" + "".join(f"{i % 7},{i % 2},{'maybe' if i == 3 else 'yes'}\n" for i in range(20))
    with pytest.raises(DataError, match=r"^Column 'shape' holds 'maybe', but a label column holds only 0 and 1 \(or "
                                        r"yes and no, true and false\)\."):
        load(write(tmp_path, text), target=["red", "shape"], task="multilabel")


def test_a_single_number_column_is_not_a_label_column(tmp_path):
    text = "a,score\n" + "".join(f"{i % 7},{i * 0.5}\n" for i in range(20))
    with pytest.raises(DataError, match=r"^Column 'score' holds 0\.5, but a label column holds only 0 and 1\."):
        load(write(tmp_path, text), target="score", task="multilabel")


def test_an_empty_label_column_is_refused(tmp_path):
    text = "a,b,tags\n" + "".join(f"{i % 7},{i % 3},\n" for i in range(20))
    with pytest.raises(DataError, match=r"^The target column 'tags' is empty\.$"):
        load(write(tmp_path, text), target="tags", task="multilabel")


def test_a_label_no_training_row_has_is_reported(tmp_path):
    text = "a,red,never\n" + "".join(f"{i % 7},{i % 2},0\n" for i in range(20))
    ds = load(write(tmp_path, text), target=["red", "never"])
    assert "No training row has the label 'never', so the model will learn never to give it." in ds.report


def test_the_digit_traits_are_three_labels_of_the_digits():
    ds = load_dataset(DatasetSpec(source="builtin", name="digit_traits"))
    digits = load_dataset(DatasetSpec(source="builtin", name="digits"))
    assert ds.task == "multilabel" and ds.class_names == ["even", "greater than 4", "prime"]
    assert ds.input_shape == (1, 8, 8) and ds.y.shape == (1797, 3)
    d = digits.y
    expected = np.stack([d % 2 == 0, d > 4, np.isin(d, [2, 3, 5, 7])], axis=1).astype(np.float32)
    assert np.array_equal(ds.y, expected) and np.array_equal(ds.x, digits.x)
    with pytest.raises(DataError, match="choose multi-label"):
        load_dataset(DatasetSpec(source="builtin", name="digit_traits", options={"task": "classification"}))


def test_the_import_names_the_columns_that_can_be_labels(tmp_path):
    text = "a,red,size,spam,colour,one,gappy\n" + "".join(
        f"{i % 7},{i % 2},{i % 5},{'yes' if i % 3 else 'no'},{'rg'[i % 2]},1,{'' if i == 4 else i % 2}\n"
        for i in range(30))
    ds = load(write(tmp_path, text), target="a", task="regression")
    # 0 and 1 (or yes and no), both present, gaps allowed; not other numbers, words, or a single value
    assert ds.label_columns == ["red", "spam", "gappy"]
    split = tmp_path / "big.csv"
    split.write_text("x,flag\n" + "".join(f"{i},{i % 2}\n" for i in range(70_000)) + "5,2\n")
    assert load(str(split), target="x", task="regression").label_columns == []   # a 2 in the last row


def test_labels_together_with_a_column_of_words_are_refused_in_plain_words(tmp_path):
    text = "a,red,round,colour\n" + "".join(f"{i % 7},{i % 2},{i % 3 == 0:d},{'rg'[i % 2]}\n" for i in range(20))
    with pytest.raises(DataError, match=r"^Column 'colour' holds 'r', but a label column holds only 0 and 1 \(or "
                                        r"yes and no, true and false\): it cannot be one of several labels\. Leave "
                                        r"it out of the target columns, or choose it alone as the target\.$"):
        load(write(tmp_path, text), target=["red", "round", "colour"])
