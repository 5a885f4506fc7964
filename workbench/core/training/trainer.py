"""`Trainer`: the training loop, shared by the app (in a worker thread) and the command line.

The loop keeps the data on the device when it fits, accumulates losses and metrics there and syncs only when it
reports (about every 50 ms) and at the end of an epoch. Stopping and pausing are cooperative (`RunControl`, checked
between batches); progress leaves through `Callback`s. A NaN or infinite loss ends the run with a plain message and
the last good weights; running out of memory ends it with a suggestion. The state is an explicit `TrainerState`.
Each step is a `TrainStep` (training/step.py: after a standard first step, direct fused updates with the same
results), and a convolutional network trains in the channels-last layout on the CPU.

Hooks for other jobs: ``loss_fn(outputs, targets, inputs)`` replaces the head's loss (e.g. distillation from a
teacher's outputs), ``after_step`` functions run after each optimizer step (e.g. re-applying pruning masks), and
``settings.frozen_nodes`` keeps chosen nodes' weights fixed.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.core.errors import WorkbenchError
from workbench.core.training.callbacks import Callback, EpochInfo, FitInfo, RunControl, TrainerState
from workbench.core.training.optim import augmenter, make_optimizer, make_scheduler, mixed_precision
from workbench.core.training.progress import Diverged, RunProgress
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.step import TrainStep
from workbench.core.training.validation import EpochValidation

REPORT_INTERVAL_S = 0.05
CHECKPOINT_INTERVAL_S = 5.0

STATUS_COMPLETED = "completed"
STATUS_EARLY_STOPPED = "early_stopped"
STATUS_STOPPED = "stopped"
STATUS_DIVERGED = "diverged"
STATUS_OUT_OF_MEMORY = "out_of_memory"


@dataclass
class TrainResult:
    status: str  # completed | early_stopped | stopped | diverged | out_of_memory
    message: str  # one or two sentences for the user
    epochs_done: int
    best_epoch: int | None  # 0-based
    best_value: float | None  # of the monitored metric
    monitor: str
    history: list[dict]  # one row per epoch: epoch, train_loss, val_loss, val_accuracy / val_mae ..., lr, time_s
    batch_losses: np.ndarray  # every training batch's loss, in order
    device: str
    samples_per_s: float
    elapsed_s: float
    ended_with: str  # which weights the module holds at the end: "best", "last" or "last_good"
    batches_per_epoch: int = 0
    checkpoints: dict = field(default_factory=dict)  # "best" / "last" / "state" -> Path

    @property
    def ok(self) -> bool:
        return self.status in (STATUS_COMPLETED, STATUS_EARLY_STOPPED, STATUS_STOPPED)


class Trainer:
    """Trains `module` on `dataset` with `settings`. Create, then call `fit()` (in any one thread)."""

    def __init__(self, module, dataset, settings: TrainingSettings | None = None, callbacks=(), device=None, *,
                 graph=None, loss_fn=None, control: RunControl | None = None, checkpoint_dir=None,
                 resume: bool = False, node_names: dict[str, str] | None = None, num_threads: int | None = None,
                 after_step=(), in_memory: bool | None = None, loader_workers: int | None = None,
                 report_interval_s: float = REPORT_INTERVAL_S, checkpoint_interval_s: float = CHECKPOINT_INTERVAL_S,
                 direct_step: bool = True):
        self.module = module
        self.dataset = dataset
        self.settings = settings or TrainingSettings()
        self.callbacks: list[Callback] = list(callbacks)
        self.device_preference = device
        self.graph = graph
        self.loss_fn = loss_fn
        self.control = control or RunControl()
        self.checkpoint_dir = Path(checkpoint_dir) if checkpoint_dir is not None else None
        self.resume = resume
        self.node_names = node_names
        self.num_threads = num_threads
        self.after_step = list(after_step)
        self.in_memory = in_memory
        self.loader_workers = loader_workers
        self.report_interval_s = report_interval_s
        self.checkpoint_interval_s = checkpoint_interval_s
        self.direct_step = direct_step  # False: every step through optimizer.step() (see training/step.py)
        self.state = TrainerState.IDLE
        self.device = None
        self.objective = None
        self.memory_format = None  # torch.channels_last while a convolutional network trains on the CPU

    # --- control from any thread ----------------------------------------------------------------------------

    def stop(self) -> None:
        self.control.stop()

    def pause(self) -> None:
        self.control.pause()

    def resume_run(self) -> None:
        self.control.resume()

    @property
    def should_stop(self) -> bool:
        return self.control.stop_requested

    # --- the run --------------------------------------------------------------------------------------------

    def fit(self) -> TrainResult:
        import torch

        if self.state not in (TrainerState.IDLE,):
            raise WorkbenchError("This trainer has already run; create a new one for another run.")
        self.state = TrainerState.RUNNING
        threads = torch.get_num_threads()
        deterministic = torch.are_deterministic_algorithms_enabled()
        grad_flags = {id(p): p.requires_grad for p in self.module.parameters()}
        try:
            if self.num_threads:
                torch.set_num_threads(self.num_threads)
            if self.settings.deterministic:
                # cuBLAS repeats its sums only with a fixed workspace; read when CUDA starts, so set it early
                os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
                torch.use_deterministic_algorithms(True, warn_only=True)
            result = self._fit()
        except BaseException:
            self.state = TrainerState.FAILED
            raise
        finally:
            if self.memory_format is not None:
                self.module.to(memory_format=torch.contiguous_format)
            torch.set_num_threads(threads)
            torch.use_deterministic_algorithms(deterministic)
            for p in self.module.parameters():
                p.requires_grad_(grad_flags.get(id(p), True))
        self.state = {STATUS_STOPPED: TrainerState.STOPPED, STATUS_DIVERGED: TrainerState.FAILED,
                      STATUS_OUT_OF_MEMORY: TrainerState.FAILED}.get(result.status, TrainerState.FINISHED)
        for cb in self.callbacks:
            cb.on_fit_end(self, result)
        return result

    def _fit(self) -> TrainResult:
        import torch

        from workbench.core.device import choose_device, device_label
        from workbench.core.training.batches import DeviceBatches, StreamedBatches, fits_on_device
        from workbench.core.training.objective import objective_for

        s = self.settings
        module, dataset = self.module, self.dataset
        self.device = device = self._resolve_device(choose_device)
        self.device_name = device_label(device)
        self.objective = objective_for(module, dataset, self.graph)
        loss_fn = self.loss_fn or self.objective
        torch.manual_seed(s.seed)
        generator = torch.Generator().manual_seed(s.seed)
        module.to(device)
        if _prefers_channels_last(module, device):
            # on the CPU, convolution and pooling kernels run 1.2-7x faster on channels-last images (the digits CNN
            # trains about 1.2x faster, docs/benchmarks.md); the module goes back to the usual layout after the run
            module.to(memory_format=torch.channels_last)
            self.memory_format = torch.channels_last
        frozen_modules = self._freeze()
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise WorkbenchError("Every layer with weights is frozen, so there is nothing to train. Unfreeze at "
                                 "least one layer.")

        in_memory = self.in_memory if self.in_memory is not None else fits_on_device(dataset, device)
        if in_memory:
            x, y = dataset.tensors("train")
            batches = DeviceBatches(x, y, s.batch_size, device, generator, self.memory_format)
        else:
            batches = StreamedBatches(dataset, "train", s.batch_size, device, generator, self.loader_workers,
                                      self.memory_format)
        self.batches = batches
        amp_dtype, scaler = mixed_precision(s, device)
        validation = EpochValidation(module, dataset, self.objective, device, max(s.batch_size, 256), in_memory,
                                 amp_dtype)
        augment = augmenter(dataset, device, generator)

        nb = batches.batches_per_epoch
        total_steps = s.epochs * nb
        optimizer = make_optimizer(s, params)
        scheduler = make_scheduler(s, optimizer, nb)
        monitor = _monitor_name(s, self.objective.task, validation.n)

        step = TrainStep(module, optimizer, params, loss_fn, s.grad_clip, scaler, amp_dtype, device,
                         direct=self.direct_step)
        progress = RunProgress(self, s, nb, total_steps)
        start_epoch = 0
        if self.resume:
            start_epoch = self._restore(optimizer, scheduler, scaler, progress)
        good_state = _snapshot(module)  # the last weights known to give finite losses
        good_epoch = start_epoch - 1
        best_state = progress.best_state
        info = FitInfo(device=self.device_name, train_samples=batches.n, val_samples=validation.n,
                       batches_per_epoch=nb, epochs=s.epochs, start_epoch=start_epoch, task=self.objective.task,
                       in_memory=in_memory, outputs=self.objective.outputs, frozen=[self._name(n) for n in s.frozen_nodes],
                       notes=_notes(s, device, amp_dtype, validation.n, batches))
        for cb in self.callbacks:
            cb.on_fit_start(self, info)

        status, message = STATUS_COMPLETED, ""
        epoch = start_epoch
        try:
            for epoch in range(start_epoch, s.epochs):
                module.train()
                for m in frozen_modules:
                    m.eval()
                epoch_start_step = progress.step
                for xb, yb in batches.epoch():
                    if augment is not None:
                        xb = augment(xb)
                    loss = step(xb, yb)
                    for hook in self.after_step:
                        hook(module)
                    if scheduler is not None and scheduler.per_batch:
                        scheduler.step()
                    progress.batch_done(loss.detach(), int(yb.shape[0]), epoch, optimizer)
                    if self.control.paused:
                        self.state = TrainerState.PAUSED
                        progress.add_pause(self.control.wait_while_paused())
                        self.state = TrainerState.RUNNING
                    if self.control.stop_requested:
                        break
                progress.flush(epoch, optimizer)
                if self.control.stop_requested:
                    status, message = STATUS_STOPPED, f"Stopped by you during epoch {epoch + 1}."
                    self.state = TrainerState.STOPPING
                    break
                epoch_losses = progress.losses_since(epoch_start_step)
                metrics = {"epoch": epoch, "train_loss": _weighted_mean(epoch_losses, batches)}
                metrics.update(validation.run())
                if not all(math.isfinite(v) for k, v in metrics.items() if k != "epoch"):
                    raise Diverged(epoch, None, "the validation loss" if validation.n else "the training loss")
                if not validation.n and not _weights_finite(module):
                    raise Diverged(epoch, None, "the weights")
                good_state, good_epoch = _snapshot(module), epoch
                lr = optimizer.param_groups[0]["lr"]
                metrics["lr"] = lr
                metrics["time_s"] = round(progress.elapsed(), 3)
                value = metrics[monitor]
                improved = progress.consider(epoch, value, s.monitor_maximized)
                if improved:
                    best_state = _snapshot(module)
                progress.history.append(metrics)
                if scheduler is not None and not scheduler.per_batch:
                    scheduler.step()
                stop_early = s.early_stopping and progress.epochs_without_improvement >= s.patience
                progress.epochs_done = epoch + 1
                self._checkpoint(progress, best_state, good_state, optimizer, scheduler, scaler,
                                 force=epoch + 1 == s.epochs or stop_early)
                for cb in self.callbacks:
                    cb.on_epoch_end(self, EpochInfo(epoch, s.epochs, dict(metrics), lr, improved,
                                                    progress.best_epoch, progress.elapsed()))
                if stop_early:
                    status = STATUS_EARLY_STOPPED
                    message = (f"Stopped early after epoch {epoch + 1}: {_monitor_title(monitor)} had not improved "
                               f"for {s.patience} epochs.")
                    break
                if self.control.stop_requested:
                    status, message = STATUS_STOPPED, f"Stopped by you after epoch {epoch + 1}."
                    break
        except Diverged as err:
            progress.discard_pending()
            _load(module, good_state)
            status = STATUS_DIVERGED
            where = f"epoch {err.epoch + 1}" + (f", batch {err.batch + 1}" if err.batch is not None else "")
            kept = f"the weights from the end of epoch {good_epoch + 1}" if good_epoch >= 0 else "the starting weights"
            message = (f"Training stopped at {where}: {err.what} became NaN or infinite (not a number). This "
                       f"usually means the learning rate ({s.learning_rate:g}) is too high: try one ten times "
                       f"smaller, or turn on gradient clipping. {kept[0].upper() + kept[1:]} were kept.")
            self._checkpoint(progress, best_state, good_state, optimizer, scheduler, scaler, force=True)
            return self._result(status, message, progress, monitor, "last_good")
        except Exception as exc:
            if not _is_out_of_memory(exc):
                raise
            progress.discard_pending()
            del exc
            _load(module, good_state)
            if device.type == "cuda":
                torch.cuda.empty_cache()
            where = "the GPU" if device.type != "cpu" else "the computer"
            smaller = max(1, s.batch_size // 2)
            message = (f"{where[0].upper() + where[1:]} ran out of memory while training (batch size "
                       f"{s.batch_size}). Try a smaller batch size, such as {smaller}, or a smaller model. "
                       "The last good weights were kept.")
            self._checkpoint(progress, best_state, good_state, optimizer, scheduler, scaler, force=True)
            return self._result(STATUS_OUT_OF_MEMORY, message, progress, monitor, "last_good")

        if status == STATUS_STOPPED:
            self._checkpoint(progress, best_state, _snapshot(module), optimizer, scheduler, scaler, force=True)
        if status == STATUS_COMPLETED:
            message = f"Finished all {s.epochs} epochs."
        ended_with = "last"
        if s.restore_best and best_state is not None:
            _load(module, best_state)
            ended_with = "best"
            message += f" Kept the weights of the best epoch ({progress.best_epoch + 1})."
        return self._result(status, message, progress, monitor, ended_with)

    # --- pieces ---------------------------------------------------------------------------------------------

    def _resolve_device(self, choose_device):
        import torch

        pref = self.device_preference
        if pref is None:
            return choose_device(self.settings.device)
        if isinstance(pref, torch.device):
            return pref
        return choose_device(str(pref))

    def _name(self, node_id: str) -> str:
        return (self.node_names or {}).get(node_id, node_id)

    def _freeze(self) -> list:
        """Turns off gradients of frozen nodes (and keeps their normalisation statistics fixed)."""
        frozen = []
        layers = getattr(self.module, "layers", None)
        for node_id in self.settings.frozen_nodes:
            if layers is None or node_id not in layers:
                raise WorkbenchError(f"training.frozen_nodes: there is no layer with id {node_id!r} in the network "
                                     "(was it removed?). Unfreeze it in the training settings.")
            sub = layers[node_id]
            for p in sub.parameters():
                p.requires_grad_(False)
            frozen.append(sub)
        return frozen

    def _restore(self, optimizer, scheduler, scaler, progress) -> int:
        from workbench.core.training.checkpoints import LAST_FILE, STATE_FILE, load_state
        from workbench.core.training.weights import load_weights, read_weights

        if self.checkpoint_dir is None:
            raise WorkbenchError("There is no checkpoint folder to resume from.")
        load_weights(self.module, self.checkpoint_dir / LAST_FILE)
        state = load_state(self.checkpoint_dir / STATE_FILE)
        optimizer.load_state_dict(state.optimizer)
        if scheduler is not None and state.scheduler is not None:
            scheduler.load_state_dict(state.scheduler)
        if scaler is not None and state.scaler is not None:
            scaler.load_state_dict(state.scaler)
        progress.restore(state)
        from workbench.core.training.checkpoints import BEST_FILE

        best = self.checkpoint_dir / BEST_FILE
        if best.is_file():
            tensors, _ = read_weights(best)
            progress.best_state = {k: v.to(self.device) for k, v in tensors.items()}
        if state.epochs_done >= self.settings.epochs:
            raise WorkbenchError(f"This run already finished all {self.settings.epochs} epochs; raise the number "
                                 "of epochs to train it further.")
        return state.epochs_done

    def _checkpoint(self, progress, best_state, last_state, optimizer, scheduler, scaler, force: bool) -> None:
        from workbench.core.training.checkpoints import BEST_FILE, LAST_FILE, STATE_FILE, save_state
        from workbench.core.training.weights import save_weights

        if self.checkpoint_dir is None:
            return
        now = time.perf_counter()
        if not force and now - progress.last_checkpoint < self.checkpoint_interval_s:
            return
        progress.last_checkpoint = now
        names = self.node_names
        if best_state is not None:
            save_weights(best_state, self.checkpoint_dir / BEST_FILE, names)
        save_weights(last_state, self.checkpoint_dir / LAST_FILE, names)
        save_state(self.checkpoint_dir / STATE_FILE, optimizer, scheduler, scaler, progress.to_dict(),
                   progress.all_losses())

    def _result(self, status, message, progress, monitor, ended_with) -> TrainResult:
        from workbench.core.training.checkpoints import BEST_FILE, LAST_FILE, STATE_FILE

        checkpoints = {}
        if self.checkpoint_dir is not None:
            for key, name in (("best", BEST_FILE), ("last", LAST_FILE), ("state", STATE_FILE)):
                if (self.checkpoint_dir / name).is_file():
                    checkpoints[key] = self.checkpoint_dir / name
        elapsed = progress.elapsed()
        return TrainResult(status=status, message=message.strip(), epochs_done=progress.epochs_done,
                           best_epoch=progress.best_epoch, best_value=progress.best_value, monitor=monitor,
                           history=progress.history, batch_losses=progress.all_losses(), device=self.device_name,
                           samples_per_s=progress.samples / elapsed if elapsed > 0 else 0.0, elapsed_s=elapsed,
                           ended_with=ended_with, batches_per_epoch=progress.nb, checkpoints=checkpoints)


def _monitor_name(s: TrainingSettings, task: str, val_samples: int) -> str:
    if not val_samples:
        return "train_loss"
    regression_only = ("val_mae", "val_rmse", "val_r2")
    classification_only = ("val_accuracy", "val_f1_macro")
    if (task == "classification" and s.monitor in regression_only) or \
            (task == "regression" and s.monitor in classification_only):
        raise WorkbenchError(f"training.monitor: {s.monitor} does not apply to a {task} task; choose "
                             f"{'val_loss, val_accuracy or val_f1_macro' if task == 'classification' else 'val_loss, val_mae, val_rmse or val_r2'}.")
    return s.monitor


MONITOR_TITLES = {"val_loss": "the validation loss", "val_accuracy": "the validation accuracy",
                  "val_f1_macro": "the validation F1 score", "val_mae": "the validation MAE",
                  "val_rmse": "the validation RMSE", "val_r2": "the validation R²", "train_loss": "the training loss"}


def _monitor_title(monitor: str) -> str:
    return MONITOR_TITLES.get(monitor, monitor)


def _notes(s: TrainingSettings, device, amp_dtype, val_samples: int, batches) -> list[str]:
    notes = []
    if amp_dtype is not None:
        notes.append(f"Mixed precision on ({'bfloat16' if 'bfloat16' in str(amp_dtype) else 'float16'}).")
    if not val_samples:
        notes.append("There is no validation split, so early stopping and the best epoch follow the training loss.")
    if batches.batch_size < s.batch_size:
        notes.append(f"The batch size was lowered to {batches.batch_size}, the size of the training split.")
    if not batches.in_memory:
        notes.append("The data does not fit in memory, so it is streamed in batches.")
    return notes


def _weighted_mean(losses: np.ndarray, batches) -> float:
    """Mean training loss over the samples of an epoch (the last batch may be smaller)."""
    if not len(losses):
        return float("nan")
    sizes = np.full(len(losses), batches.batch_size, dtype=np.float64)
    seen = batches.batch_size * (len(losses) - 1)
    sizes[-1] = max(1, min(batches.batch_size, batches.n - seen))
    return float((losses.astype(np.float64) * sizes).sum() / sizes.sum())


def _prefers_channels_last(module, device) -> bool:
    """True for a network with 2-D convolutions on image batches, trained on the CPU."""
    import torch

    infos = getattr(module, "input_infos", None)
    if device.type != "cpu" or not infos or len(infos[0].sample_shape) != 3:
        return False
    return any(isinstance(m, torch.nn.Conv2d) for m in module.modules())


def _snapshot(module) -> dict:
    """A copy of the layer weights, on the device they live on."""
    layers = getattr(module, "layers", module)
    return {k: v.detach().clone() for k, v in layers.state_dict().items()}


def _load(module, state: dict) -> None:
    getattr(module, "layers", module).load_state_dict(state)


def _weights_finite(module) -> bool:
    import torch

    flags = [torch.isfinite(p).all() for p in module.parameters()]
    return bool(torch.stack(flags).all().item()) if flags else True


def _is_out_of_memory(exc: BaseException) -> bool:
    import torch

    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(exc, RuntimeError) and ("out of memory" in str(exc) or "can't allocate memory" in str(exc))
