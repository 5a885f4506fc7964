"""The text templates end to end on the built-in reviews: trained briefly, exported to ONNX with their padding
masks (parity checked on real texts of every length), `predict.py` reading raw text, and dynamic INT8."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.core.trained_projects import train_template
from workbench.core.data import apply_preprocessing
from workbench.core.export.bundle import PREDICT_FILE
from workbench.core.export.runtime import open_session
from workbench.core.export.verify import PARITY_TOLERANCE
from workbench.core.project.actions import compress_project, export_project

REVIEWS = {"source": "builtin", "name": "reviews", "options": {"n_samples": 300}}
NEW = ["the plot was good", "honestly the music was not very bad but the food is awful",
       "the acting is dull and the ending was boring", "i think the story was never silly"]


@pytest.mark.parametrize("template", ["lstm", "transformer", "encoder"])
def test_a_text_template_exports_with_masks_predicts_raw_text_and_quantizes(template, tmp_path):
    project, dataset = train_template(tmp_path, template, REVIEWS, epochs=2)
    result = export_project(project, tmp_path / "out")
    assert result.parity_max_abs_diff <= PARITY_TOLERANCE
    inputs = apply_preprocessing(dataset.preprocessing, NEW)
    assert (inputs == 0).any(axis=1).all()  # every new text is padded: the masks are in use
    (tmp_path / "new.csv").write_text("review\n" + "".join(f"{t}\n" for t in NEW))
    done = subprocess.run([sys.executable, str(result.folder / PREDICT_FILE), str(tmp_path / "new.csv")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    expected = open_session(result.onnx_path).run(inputs).argmax(axis=1)
    assert done.stdout.splitlines() == [dataset.class_names[k] for k in expected]
    original, quantized = compress_project(project, "int8-dynamic", dataset=dataset, base_dir=tmp_path,
                                           workspace=tmp_path)
    assert quantized.method == "int8-dynamic" and quantized.size_bytes < original.size_bytes
    assert np.isfinite(quantized.figures("test")["accuracy"])
