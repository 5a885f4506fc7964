"""What feeds the live curves: progress chunks joined per payload, and the smoothing of batch losses."""

import math

import numpy as np

from workbench.gui.pages.train.page import consecutive_chunks
from workbench.gui.plots.buffers import exponential_smoothing


def test_consecutive_chunks_join_and_gaps_stay_apart():
    a, b, c = np.array([1.0, 2.0], np.float32), np.array([3.0], np.float32), np.array([9.0, 8.0], np.float32)
    joined = consecutive_chunks([(10, a, 0.2), (12, b, 0.2), (20, c, 0.3)])
    assert [(first, list(losses), lr) for first, losses, lr in joined] == [(10, [1.0, 2.0, 3.0], 0.2),
                                                                           (20, [9.0, 8.0], 0.3)]
    # a change of learning rate keeps the chunks apart (the schedule's steps stay on the curve)
    apart = consecutive_chunks([(10, a, 0.1), (12, b, 0.2)])
    assert [(first, lr) for first, _losses, lr in apart] == [(10, 0.1), (12, 0.2)]
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


def test_the_learning_rate_curve_starts_at_the_first_epoch_when_many_epochs_come_at_once(qtbot):
    """A small model on small data trains 18 epochs within one 100 ms payload: the curve still starts at the
    start, and a step schedule's steps are all drawn."""
    from workbench.gui.plots.training_curves import TrainingCurves

    curves = TrainingCurves()
    qtbot.addWidget(curves)
    per_epoch = 5
    curves.start_run(per_epoch, "classification", 20, 2)
    rates = [0.01 if epoch < 10 else 0.001 for epoch in range(18)]     # a step schedule after epoch 10
    chunks = [(epoch * per_epoch, np.full(per_epoch, 0.5, np.float32), rate) for epoch, rate in enumerate(rates)]
    for first, losses, rate in consecutive_chunks(chunks):
        curves.add_batches(first, losses, rate)
    for epoch, rate in enumerate(rates):
        curves.add_epoch(epoch, {"val_loss": 0.5, "val_accuracy": 0.8, "lr": rate})
    curves.finish()
    x, y = curves.curves["learning_rate"].getData()
    assert x[0] <= 1.0 and y[0] == 0.01
    assert 0.01 in y and 0.001 in y and np.all(np.diff(x) >= 0)
    assert x[-1] == 18.0


def test_a_saved_runs_learning_rate_is_drawn_from_the_first_epoch(qtbot):
    from types import SimpleNamespace

    from workbench.gui.plots.training_curves import TrainingCurves

    curves = TrainingCurves()
    qtbot.addWidget(curves)
    rows = [{"epoch": e, "val_loss": 0.5, "val_accuracy": 0.8, "lr": 0.01 if e < 2 else 0.001} for e in range(3)]
    record = SimpleNamespace(curves=SimpleNamespace(epochs=rows, batches_per_epoch=4, batch_step=[0, 1, 2],
                                                    batch_loss=[0.7, 0.6, 0.5]), epochs_done=3)
    curves.show_record(record)
    x, y = curves.curves["learning_rate"].getData()
    assert list(zip(x, y)) == [(0.0, 0.01), (1.0, 0.01), (2.0, 0.01), (2.0, 0.001), (3.0, 0.001)]
