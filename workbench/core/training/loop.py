"""The training loop, `run_fit`: epochs, batches, a step per batch, and the hooks of its concerns (training/hooks.py)
at their points. The loop itself keeps the counts, validates after each epoch, checks the figures for NaN, records
the history and steps the schedule; everything else (early stopping, best weights, checkpoints, NaN and
out-of-memory handling, the progress feed) is a `LoopCallback`.

When several processes train together (``state.sync``), they exchange the training loss and any stop asked at
the end of each epoch, so that all take the same decisions. Per batch it calls only `RunProgress.batch_done` (counts, the loss kept on the device, a report when one is due)
and the ``on_batch_end`` hooks of the callbacks that override it; nothing syncs the device per batch.
"""

from __future__ import annotations

import numpy as np

from workbench.core.training.callbacks import TrainerState
from workbench.core.training.divergence import check_epoch_finite
from workbench.core.training.hooks import FitState, LoopCallback, StopEpoch, overriding
from workbench.core.training.status import RunStatus


def run_fit(state: FitState, callbacks: list[LoopCallback]) -> None:
    """Runs the epochs from ``state.start_epoch``; on return ``state.status`` says how the run ended. A failure
    that no callback handles propagates."""
    progress = state.progress
    report_hooks = overriding(callbacks, "on_report")
    if report_hooks:
        progress.report = lambda losses, first: _call_each(report_hooks, state, losses, first)
    batch_hooks = overriding(callbacks, "on_batch_end")
    epoch_hooks = overriding(callbacks, "on_epoch_end")
    if batch_hooks:
        calls = [lambda _state, loss, size: progress.batch_done(loss, size), *batch_hooks]

        def batch_end(loss, size):
            _call_each(calls, state, loss, size)
    else:
        batch_end = progress.batch_done  # the only per-batch work: bookkeeping, and a report when one is due
    for hook in overriding(callbacks, "on_fit_start"):
        hook(state)
    try:
        for epoch in range(state.start_epoch, state.settings.epochs):
            if state.stopping:
                break
            state.epoch = epoch
            _train_epoch(state, batch_end)
            if state.stopping:
                break
            _end_epoch(state, epoch_hooks)
            if state.status is None and state.control.stop_requested:
                state.request_stop(RunStatus.STOPPED, f"Stopped by you after epoch {epoch + 1}.")
    except Exception as exc:
        state.in_epoch = False
        if not any(hook(state, exc) for hook in overriding(callbacks, "on_exception")):
            raise
    if state.status is None:
        state.status, state.message = RunStatus.COMPLETED, f"Finished all {state.settings.epochs} epochs."
    for hook in overriding(callbacks, "on_fit_end"):
        hook(state)


def _call_each(hooks: list, *args) -> None:
    """Calls every hook, even when one asks to stop the epoch (raising `StopEpoch` after the last)."""
    stop = None
    for hook in hooks:
        try:
            hook(*args)
        except StopEpoch as exc:
            stop = exc
    if stop is not None:
        raise stop


def _train_epoch(state: FitState, batch_end) -> None:
    """One pass over the training batches; asks to stop when the user did."""
    module, step, augment, after_step = state.module, state.step, state.augment, state.after_step
    scheduler = state.scheduler if state.scheduler is not None and state.scheduler.per_batch else None
    control, progress, trainer = state.control, state.progress, state.trainer
    module.train()
    for m in state.frozen_modules:
        m.eval()
    progress.begin_epoch(state.epoch)
    state.in_epoch = True
    try:
        for xb, yb in state.batches.epoch():
            if augment is not None:
                xb = augment(xb)
            loss = step(xb, yb)
            for hook in after_step:
                hook(module)
            if scheduler is not None:
                scheduler.step()
            batch_end(loss.detach(), int(yb.shape[0]))
            if control.paused:
                trainer.state = TrainerState.PAUSED
                progress.add_pause(control.wait_while_paused())
                trainer.state = TrainerState.RUNNING
            if control.stop_requested and state.sync is None:  # several processes stop together, after an epoch
                break
    except StopEpoch:
        pass
    state.in_epoch = False
    progress.flush()
    if state.status is None and control.stop_requested and state.sync is None:
        state.request_stop(RunStatus.STOPPED, f"Stopped by you during epoch {state.epoch + 1}.")
        trainer.state = TrainerState.STOPPING


def _end_epoch(state: FitState, epoch_hooks: list) -> None:
    """Validates, checks and records the epoch, then calls the epoch hooks."""
    progress, s, epoch = state.progress, state.settings, state.epoch
    losses = progress.losses_since(progress.epoch_start_step)
    train_loss = weighted_mean(losses, state.batches)
    if state.sync is not None:  # the mean over every process; a stop asked of any process stops them all
        train_loss, stop_asked = state.sync.epoch_end(train_loss, state.control.stop_requested)
        if stop_asked:
            state.control.stop()
    metrics = {"epoch": epoch, "train_loss": train_loss}
    metrics.update(state.validation.run())
    check_epoch_finite(metrics, state.module, epoch, bool(state.validation.n))
    metrics["lr"] = state.optimizer.param_groups[0]["lr"]
    metrics["time_s"] = round(progress.elapsed(), 3)
    state.metrics = metrics
    state.improved = progress.consider(epoch, metrics[state.monitor], s.monitor_maximized)
    progress.history.append(metrics)
    if state.scheduler is not None and not state.scheduler.per_batch:
        state.scheduler.step()
    progress.epochs_done = epoch + 1
    for hook in epoch_hooks:
        hook(state)


def weighted_mean(losses: np.ndarray, batches) -> float:
    """Mean training loss over the samples of an epoch (the last batch may be smaller)."""
    if not len(losses):
        return float("nan")
    sizes = np.full(len(losses), batches.batch_size, dtype=np.float64)
    seen = batches.batch_size * (len(losses) - 1)
    sizes[-1] = max(1, min(batches.batch_size, batches.n - seen))
    return float((losses.astype(np.float64) * sizes).sum() / sizes.sum())
