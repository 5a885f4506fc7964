"""The feed file and the control file through which the app follows a run in other processes."""

import time

import numpy as np

from workbench.core.training.callbacks import EpochInfo, FitInfo, ProgressInfo, RunControl
from workbench.core.training.run_feed import (PAUSE, RUN, STOP, FeedReader, FeedWriter, watch_control_file,
                                              write_control)


def progress(first_step: int, losses) -> ProgressInfo:
    return ProgressInfo(epoch=0, epochs=3, batch=2, batches_per_epoch=4, step=2, total_steps=12,
                        first_step=first_step, batch_losses=np.asarray(losses, dtype=np.float32),
                        learning_rate=0.001, samples_per_s=123.0, elapsed_s=0.5, eta_s=None, memory_bytes=1024,
                        device="CPU (1 thread) × 2 processes (gloo)")


def test_reports_come_back_as_they_were_sent(tmp_path):
    path = tmp_path / "feed.jsonl"
    writer, reader = FeedWriter(path), FeedReader(path)
    assert reader.new_reports() == []  # nothing written yet
    start = FitInfo(device="CPU", train_samples=100, val_samples=20, batches_per_epoch=4, epochs=3, start_epoch=0,
                    task="classification", in_memory=True, outputs=3, notes=["a note"])
    writer.on_fit_start(None, start)
    writer.on_progress(None, progress(0, [1.5, float("nan")]))
    first = reader.new_reports()
    assert first[0] == start
    assert first[1].batch_losses.dtype == np.float32 and first[1].batch_losses[0] == 1.5
    assert np.isnan(first[1].batch_losses[1]) and first[1].eta_s is None
    epoch = EpochInfo(0, 3, {"train_loss": 1.2, "val_loss": 1.1}, 0.001, True, 0, 1.0)
    writer.on_epoch_end(None, epoch)
    writer.on_fit_end(None, None)
    assert reader.new_reports() == [epoch]
    assert reader.new_reports() == []


def test_a_line_half_written_waits_for_its_end(tmp_path):
    path = tmp_path / "feed.jsonl"
    FeedWriter(path).on_epoch_end(None, EpochInfo(1, 3, {}, 0.1, False, 0, 2.0))
    text = path.read_bytes()
    path.write_bytes(text[:10])
    reader = FeedReader(path)
    assert reader.new_reports() == []
    path.write_bytes(text)
    assert [r.epoch for r in reader.new_reports()] == [1]


def wait_for(condition, seconds=3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_the_control_file_pauses_resumes_and_stops_the_run(tmp_path):
    path, control = tmp_path / "control", RunControl()
    write_control(path, RUN)
    done = watch_control_file(path, control)
    try:
        write_control(path, PAUSE)
        assert wait_for(lambda: control.paused)
        write_control(path, RUN)
        assert wait_for(lambda: not control.paused)
        write_control(path, STOP)
        assert wait_for(lambda: control.stop_requested)
    finally:
        done.set()
