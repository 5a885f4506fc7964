"""The Try-it page on a text model: the LSTM template trained on its built-in reviews takes a typed sentence, and
its answer is what the exported model (with its padding mask) computes on that sentence."""

import numpy as np

from tests.gui.pages.tryit.test_page import open_page, trained
from workbench.core.data import apply_preprocessing


def test_typing_a_sentence_shows_the_text_models_answer(qtbot, monkeypatch, tmp_path):
    page = open_page(qtbot, trained(tmp_path, "lstm"), monkeypatch, tmp_path)
    assert page.inputs.currentWidget() is page.pages["text"]
    assert "takes text" in page.model_label.text()
    sentence = "the plot was not very good but the music is lovely"
    page.text_edit.setFocus()
    with qtbot.waitSignal(page.predicted, timeout=10_000, check_params_cb=lambda _: page.text_edit.toPlainText()
                          == sentence) as blocker:
        qtbot.keyClicks(page.text_edit, sentence)
    ids = apply_preprocessing(page.model.preprocessing, [sentence])
    assert (ids[0] == 0).any()  # shorter than the model's length: padded, and the mask leaves the padding out
    expected = page.model.session.run(ids)[0]
    assert np.allclose(blocker.args[0], expected)
    assert page.answer.text().split()[0] in ("negative", "positive")
