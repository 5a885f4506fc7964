"""What feeds the live curves: progress chunks joined per payload, and the smoothing of batch losses."""

import math

import numpy as np

from workbench.gui.pages.train.page import consecutive_chunks
from workbench.gui.plots.buffers import exponential_smoothing


def test_consecutive_chunks_join_and_gaps_stay_apart():
    a, b, c = np.array([1.0, 2.0], np.float32), np.array([3.0], np.float32), np.array([9.0, 8.0], np.float32)
    joined = consecutive_chunks([(10, a, 0.1), (12, b, 0.2), (20, c, 0.3)])
    assert [(first, list(losses), lr) for first, losses, lr in joined] == [(10, [1.0, 2.0, 3.0], 0.2),
                                                                           (20, [9.0, 8.0], 0.3)]
    assert consecutive_chunks([]) == []
    single = consecutive_chunks([(0, a, None)])
    assert single[0][1] is a  # nothing copied when there is nothing to join


def test_smoothing_matches_the_definition_and_skips_nan():
    values = np.array([1.0, 3.0, math.nan, 5.0, math.inf], dtype=np.float32)
    out, state = exponential_smoothing(values, 0.5, None)
    assert out[:2].tolist() == [1.0, 2.0]
    assert math.isnan(out[2]) and out[3] == 3.5 and math.isnan(out[4])
    assert state == 3.5
    more, state = exponential_smoothing(np.array([7.5]), 0.5, state)  # continues where the last chunk ended
    assert more.tolist() == [5.5] and state == 5.5
    empty, unchanged = exponential_smoothing(np.array([]), 0.5, 2.0)
    assert empty.size == 0 and empty.dtype == np.float64 and unchanged == 2.0


def test_empty_curves_span_one_epoch_not_a_billionth(qtbot):
    from workbench.gui.plots.training_curves import TrainingCurves

    curves = TrainingCurves()
    qtbot.addWidget(curves)
    curves.start_run(1, "classification")  # the page's state before any run, or while the data loads
    curves.finish()
    (x_low, x_high), _ = curves.loss_plot.getViewBox().viewRange()
    assert x_low <= 0 and 0.9 <= x_high <= 1.2
