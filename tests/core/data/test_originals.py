"""Stored table rows back in the user's values: un-standardised numbers and category names."""

import numpy as np

from workbench.core.data import DatasetSpec, apply_preprocessing, load_dataset
from workbench.core.data.originals import format_value, original_columns, original_rows


def test_a_csv_table_comes_back_in_its_own_values(tmp_path):
    path = tmp_path / "penguins.csv"
    rows = [("Adelie", "Torgersen", 39.1, 181), ("Gentoo", "Biscoe", 46.1, 211), ("Chinstrap", "Dream", 46.5, 192)]
    path.write_text("species,island,bill_length_mm,flipper_length_mm\n"
                    + "".join(f"{s},{i},{b},{f}\n" for s, i, b, f in rows * 10))
    dataset = load_dataset(DatasetSpec.from_dict({"source": "csv", "path": str(path),
                                                  "options": {"target": "species"}}))
    pre = dataset.preprocessing
    assert original_columns(pre) == ["island", "bill_length_mm", "flipper_length_mm"]
    back = original_rows(pre, dataset.x[:3])
    assert [[format_value(v) for v in row] for row in back] == [[i, str(b), str(f)] for _s, i, b, f in rows]
    assert not np.allclose(dataset.x[0, -2:], [39.1, 181])          # stored standardised, shown as the user wrote
    again = apply_preprocessing(pre, [dict(zip(original_columns(pre), row)) for row in back])
    assert np.allclose(again, dataset.x[:3], atol=1e-5)


def test_other_data_has_no_original_columns():
    dataset = load_dataset(DatasetSpec.from_dict({"source": "builtin", "name": "digits"}))
    assert original_columns(dataset.preprocessing) is None
    assert original_rows(dataset.preprocessing, dataset.x[:2].reshape(2, -1)) is None
