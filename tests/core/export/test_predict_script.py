"""The standalone predict.py encodes table rows exactly as the import did: missing cells, categories never seen in
training, both encodings and every missing-value policy."""

import numpy as np
import pytest

from workbench.core.data import DatasetSpec, apply_preprocessing, load_dataset
from workbench.core.export import predict_script


@pytest.mark.parametrize("missing", ["mean", "most_frequent"])
@pytest.mark.parametrize("encoding", ["one_hot", "index"])
def test_table_rows_encode_like_the_import(tmp_path, missing, encoding):
    colours = ["red", "green", "blue"]
    lines = ["size,colour,label"]
    for i in range(60):
        size = "" if i % 11 == 0 else str(i % 7 + 0.5)
        colour = "" if i % 13 == 0 else colours[i % 3]
        lines.append(f"{size},{colour},{'a' if i % 2 else 'b'}")
    (tmp_path / "t.csv").write_text("\n".join(lines) + "\n")
    spec = DatasetSpec.from_dict({"source": "csv", "path": "t.csv",
                                  "options": {"target": "label", "missing": missing, "categorical": encoding}})
    pre = load_dataset(spec, tmp_path).preprocessing
    new_rows = [{"size": "3.5", "colour": "red"}, {"size": "", "colour": ""}, {"size": "1", "colour": "purple"},
                {"size": "n/a", "colour": "blue"}]
    expected = apply_preprocessing(pre, new_rows)
    np.testing.assert_allclose(predict_script.table_inputs(new_rows, pre), expected, rtol=0, atol=1e-6)


@pytest.mark.parametrize("channels", ["grayscale", "rgb"])
def test_large_jpegs_decode_like_the_import(tmp_path, channels):
    from PIL import Image

    rng = np.random.default_rng(0)
    for label in ("cats", "dogs"):
        (tmp_path / label).mkdir()
        for i in range(3):
            pixels = rng.integers(0, 255, (200, 240, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / label / f"{i}.jpg", quality=85)
    spec = DatasetSpec.from_dict({"source": "images", "path": str(tmp_path),
                                  "options": {"image_size": [16, 16], "color_mode": channels}})
    dataset = load_dataset(spec)
    pre = dataset.preprocessing
    path = tmp_path / "dogs" / "1.jpg"
    imported = np.asarray(apply_preprocessing(pre, [Image.open(path)]))[0]
    np.testing.assert_allclose(predict_script.image_input(str(path), pre), imported, rtol=0, atol=1e-6)
