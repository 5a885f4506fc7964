"""`Trainer`: sets up a training run and runs the loop (training/loop.py) with its concerns as callbacks; shared by
the app (in a worker thread) and the command line.

The set-up: the device, the batches (kept on the device when they fit), the optimizer, schedule and mixed
precision, the validation split, and a `TrainStep` per batch (training/step.py: after a standard first step, direct
fused updates with the same results); a convolutional network trains in the channels-last layout on the CPU. The
concerns, in the order their hooks run (training/hooks.py): `EarlyStopping`, any `LoopCallback` the caller gives,
`Checkpointing` (with a checkpoint folder), `BestWeights` (best and last good snapshots, the best restored at the
end), `DivergenceGuard` (NaN or infinity), `OutOfMemoryGuard`, and `ProgressFeed`, which relays the run to the
caller's `Callback`s. Stopping and pausing are cooperative (`RunControl`, checked between batches). The trainer's own
state is an explicit `TrainerState`; how the run ended is a `RunStatus`.

With `ranks` (one of several processes started by `torchrun`, training/distributed.py) the module trains in
DistributedDataParallel (NCCL on GPUs, gloo on CPUs): each process takes its share of every shuffled batch (the
batch size of the settings is split between the processes, so a step learns as in one process), the processes
agree on the training loss and on stopping at the end of each epoch, only rank 0 writes checkpoints and reports
to the listeners, and at the end the processes compare fingerprints of their weights (`identical_on_ranks`).

Hooks for other jobs: ``loss_fn(outputs, targets, inputs)`` replaces the head's loss (e.g. distillation from a
teacher's outputs), ``after_step`` functions run after each optimizer step (e.g. re-applying pruning masks), and
``settings.frozen_nodes`` keeps chosen nodes' weights fixed (a block instance's id: all the layers in it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from workbench.core.device import choose_device, device_label
from workbench.core.errors import WorkbenchError
from workbench.core.graph.blocks import SEPARATOR
from workbench.core.training.batches import DeviceBatches, StreamedBatches, fits_on_device
from workbench.core.training.best_weights import BestWeights
from workbench.core.training.callbacks import Callback, FitInfo, RunControl, TrainerState
from workbench.core.training.checkpointing import Checkpointing, restore_run
from workbench.core.training.distributed import (PeerFailure, Ranks, RankSync, backend_name, gathered, start,
                                                 weights_digest, wrap)
from workbench.core.training.divergence import DivergenceGuard
from workbench.core.training.dynamo_free import set_deterministic
from workbench.core.training.early_stopping import EarlyStopping, monitor_title
from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.loop import run_fit
from workbench.core.training.objective import TASK_WORDS, objective_for
from workbench.core.training.optim import augmenter, make_optimizer, make_scheduler, mixed_precision
from workbench.core.training.out_of_memory import OutOfMemoryGuard
from workbench.core.training.progress import RunProgress
from workbench.core.training.progress_feed import ProgressFeed
from workbench.core.training.settings import MONITORS, TASK_MONITORS, TrainingSettings
from workbench.core.training.status import RunStatus
from workbench.core.training.step import TrainStep
from workbench.core.training.validation import EpochValidation

REPORT_INTERVAL_S = 0.1  # the pending batch losses come to the CPU at most this often (one sync each time)
CHECKPOINT_INTERVAL_S = 5.0


@dataclass
class TrainResult:
    status: RunStatus  # serialises as its plain string: "completed", "early_stopped", ...
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
    checkpoints: dict = field(default_factory=dict)  # "best" / "last" / "state" -> Path, each written at the end
    checkpoint_error: str | None = None  # why checkpoints could not be written (then missing from `checkpoints`)
    processes: int = 1  # how many processes trained together (training/distributed.py)
    identical_on_ranks: bool | None = None  # with several: every process ended with bit-identical weights

    @property
    def ok(self) -> bool:
        return self.status.ok


class Trainer:
    """Trains `module` on `dataset` with `settings`. Create, then call `fit()` (in any one thread).

    `callbacks` holds the caller's listeners (`Callback`: progress, epoch results, the end) and, optionally, more
    concerns of the loop (`LoopCallback`, e.g. one that ends the run with its own status and message)."""

    def __init__(self, module, dataset, settings: TrainingSettings | None = None, callbacks=(), device=None, *,
                 graph=None, loss_fn=None, control: RunControl | None = None, checkpoint_dir=None,
                 resume: bool = False, node_names: dict[str, str] | None = None, num_threads: int | None = None,
                 after_step=(), in_memory: bool | None = None, loader_workers: int | None = None,
                 report_interval_s: float = REPORT_INTERVAL_S, checkpoint_interval_s: float = CHECKPOINT_INTERVAL_S,
                 direct_step: bool = True, ranks: Ranks | None = None):
        self.module = module
        self.dataset = dataset
        self.settings = settings or TrainingSettings()
        self.callbacks: list[Callback | LoopCallback] = list(callbacks)  # listeners, and concerns of the loop
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
        self.ranks = ranks if ranks is not None and ranks.world_size > 1 else None  # one of several processes
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
        import torch  # lazy

        if self.state not in (TrainerState.IDLE,):
            raise WorkbenchError("This trainer has already run; create a new one for another run.")
        self.state = TrainerState.RUNNING
        threads = torch.get_num_threads()
        deterministic = (torch.are_deterministic_algorithms_enabled(),
                         torch.is_deterministic_algorithms_warn_only_enabled())
        cuda_flags = _cuda_flags()
        grad_flags = {id(p): p.requires_grad for p in self.module.parameters()}
        try:
            if self.num_threads:
                torch.set_num_threads(self.num_threads)
            if self.settings.deterministic:
                # cuBLAS repeats its sums only with a fixed workspace; read when CUDA starts, so set it early
                os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
                set_deterministic(True, warn_only=True)
            result = self._fit()
        except BaseException:
            self.state = TrainerState.FAILED
            raise
        finally:
            if self.memory_format is not None:
                self.module.to(memory_format=torch.contiguous_format)
            torch.set_num_threads(threads)
            if self.settings.deterministic:
                set_deterministic(*deterministic)
            _set_cuda_flags(*cuda_flags)
            for p in self.module.parameters():
                p.requires_grad_(grad_flags.get(id(p), True))
        self.state = _TRAINER_STATES.get(result.status, TrainerState.FINISHED)
        for cb in self.callbacks:
            if not isinstance(cb, LoopCallback):
                cb.on_fit_end(self, result)
        return result

    def _fit(self) -> TrainResult:
        import torch  # lazy


        s = self.settings
        module, dataset = self.module, self.dataset
        device = self._resolve_device(choose_device)
        ranks = self.ranks
        if ranks is not None:
            device = start(ranks, device)
        self.device = device
        self.device_name = device_label(device)
        if ranks is not None:
            self.device_name += f" × {ranks.world_size} processes ({backend_name()})"
        self.objective = objective_for(module, dataset, self.graph)
        loss_fn = self.loss_fn or self.objective
        torch.manual_seed(s.seed)
        generator = torch.Generator().manual_seed(s.seed)
        module.to(device)
        if device.type == "cuda":
            _tune_cuda(s)
            torch.cuda.reset_peak_memory_stats(device)
        if _prefers_channels_last(module, device, s.mixed_precision):
            # on the CPU, convolution and pooling kernels run 1.2-7x faster on channels-last images (the digits CNN
            # trains about 1.2x faster, docs/benchmarks.md); on CUDA, the tensor cores of mixed precision want it;
            # the module goes back to the usual layout after the run
            module.to(memory_format=torch.channels_last)
            self.memory_format = torch.channels_last
        frozen_modules = self._freeze()
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise WorkbenchError("Every layer with weights is frozen, so there is nothing to train. Unfreeze at "
                                 "least one layer.")

        in_memory = self.in_memory if self.in_memory is not None else fits_on_device(dataset, device)
        # several processes share each batch of the settings, so that a step learns as in one process
        shard = (ranks.rank, ranks.world_size) if ranks is not None else (0, 1)
        batch_size = max(1, s.batch_size // shard[1])
        if in_memory:
            x, y = dataset.tensors("train")
            batches = DeviceBatches(x, y, batch_size, device, generator, self.memory_format, shard)
        else:
            batches = StreamedBatches(dataset, "train", batch_size, device, generator, self.loader_workers,
                                      self.memory_format, shard, s.seed)
        self.batches = batches
        amp_dtype, scaler = mixed_precision(s, device)
        validation = EpochValidation(module, dataset, self.objective, device, max(s.batch_size, 256), in_memory,
                                     amp_dtype)

        nb = batches.batches_per_epoch
        optimizer = make_optimizer(s, params)
        scheduler = make_scheduler(s, optimizer, nb)
        monitor = _monitor_name(s, self.objective.task, validation.n)
        # DistributedDataParallel averages the gradients in the backward pass, so steps take the standard way
        step = TrainStep(wrap(module, device) if ranks is not None else module, optimizer, params, loss_fn,
                         s.grad_clip, scaler, amp_dtype, device, direct=self.direct_step and ranks is None)
        progress = RunProgress(nb, s.epochs * nb, self.report_interval_s, optimizer)
        start_epoch, best = 0, None
        if self.resume:
            start_epoch, best = restore_run(self.checkpoint_dir, module, optimizer, scheduler, scaler, progress,
                                            device, s.epochs)
        state = FitState(trainer=self, settings=s, module=module, device=device, optimizer=optimizer,
                         scheduler=scheduler, scaler=scaler, progress=progress, control=self.control,
                         monitor=monitor, batches=batches, step=step, validation=validation,
                         augment=augmenter(dataset, device, generator, s.seed), after_step=self.after_step,
                         frozen_modules=frozen_modules, start_epoch=start_epoch,
                         sync=RankSync(ranks, device) if ranks is not None else None)
        state.info = FitInfo(device=self.device_name, train_samples=batches.n * shard[1], val_samples=validation.n,
                             batches_per_epoch=nb, epochs=s.epochs, start_epoch=start_epoch, task=self.objective.task,
                             in_memory=in_memory, outputs=self.objective.outputs,
                             frozen=[self._name(n) for n in s.frozen_nodes],
                             notes=_notes(s, device, amp_dtype, validation.n, batches, batch_size))
        concerns = self._concerns(monitor, best)
        peer = PeerFailure(next(c for c in concerns if isinstance(c, BestWeights))) if ranks is not None else None
        run_fit(state, concerns + ([peer] if peer is not None else []))
        result = self._result(state)
        if peer is not None and not peer.failed:
            result.processes = ranks.world_size
            result.samples_per_s *= ranks.world_size
            result.identical_on_ranks = len(set(gathered(weights_digest(module)))) == 1
        return result

    def _concerns(self, monitor: str, best: dict | None) -> list[LoopCallback]:
        """The loop's callbacks, in the order their hooks run: those that may ask to stop, then the checkpoints
        (so that a stop forces a write, and the last weights are written before the best are loaded back), then
        the snapshots of the best and last good weights, the failure handlers and the feed to the listeners."""
        s = self.settings
        weights = BestWeights(s.restore_best, best)
        concerns: list[LoopCallback] = []
        if s.early_stopping:
            concerns.append(EarlyStopping(monitor, s.patience, self.objective.task))
        concerns += [cb for cb in self.callbacks if isinstance(cb, LoopCallback)]
        if self.checkpoint_dir is not None and (self.ranks is None or self.ranks.is_main):  # one process writes
            concerns.append(Checkpointing(self.checkpoint_dir, self.node_names, self.checkpoint_interval_s, weights))
        concerns += [weights, DivergenceGuard(weights, s.learning_rate), OutOfMemoryGuard(weights, s.batch_size)]
        listeners = [cb for cb in self.callbacks if not isinstance(cb, LoopCallback)]
        if listeners:
            concerns.append(ProgressFeed(listeners))
        return concerns

    # --- pieces ---------------------------------------------------------------------------------------------

    def _resolve_device(self, choose_device):
        import torch  # lazy

        pref = self.device_preference
        if pref is None:
            device = choose_device(self.settings.device)
            chosen = self.settings.gpu  # the GPU chosen on the Train page; GPU 0 where there is no such one
            if device.type == "cuda" and self.ranks is None and 0 < chosen < torch.cuda.device_count():
                return torch.device("cuda", chosen)
            return device
        if isinstance(pref, torch.device):
            return pref
        return choose_device(str(pref))

    def _name(self, node_id: str) -> str:
        return (self.node_names or {}).get(node_id, node_id)

    def _freeze(self) -> list:
        """Turns off gradients of frozen nodes (and keeps their normalisation statistics fixed)."""
        frozen = []
        layers = getattr(self.module, "layers", None)
        origins = getattr(self.module, "origins", None) or {}   # flat layer id -> its block instance, if known

        def in_block(key: str, node_id: str) -> bool:  # a shortened flat id may not start with its instance's id
            return origins[key] == node_id if key in origins else key.startswith(node_id + SEPARATOR)

        for node_id in self.settings.frozen_nodes:
            inside = [] if layers is None or node_id in layers else \
                [key for key in layers if in_block(key, node_id)]  # a block instance's layers
            if layers is None or (node_id not in layers and not inside):
                raise WorkbenchError(f"training.frozen_nodes: there is no layer with id {node_id!r} in the network "
                                     "(was it removed?). Unfreeze it in the training settings.")
            for sub in [layers[key] for key in inside] if inside else [layers[node_id]]:
                for p in sub.parameters():
                    p.requires_grad_(False)
                frozen.append(sub)
        return frozen

    def _result(self, state: FitState) -> TrainResult:
        progress = state.progress
        elapsed = progress.elapsed()
        message = state.message if state.checkpoint_error is None else f"{state.message} {state.checkpoint_error}"
        return TrainResult(status=state.status, message=message.strip(), epochs_done=progress.epochs_done,
                           best_epoch=progress.best_epoch, best_value=progress.best_value, monitor=state.monitor,
                           history=progress.history, batch_losses=progress.all_losses(), device=self.device_name,
                           samples_per_s=progress.samples / elapsed if elapsed > 0 else 0.0, elapsed_s=elapsed,
                           ended_with=state.ended_with, batches_per_epoch=progress.nb,
                           checkpoints=state.checkpoints, checkpoint_error=state.checkpoint_error)


_TRAINER_STATES = {RunStatus.STOPPED: TrainerState.STOPPED, RunStatus.DIVERGED: TrainerState.FAILED,
                   RunStatus.OUT_OF_MEMORY: TrainerState.FAILED}  # any other status: FINISHED


def _monitor_name(s: TrainingSettings, task: str, val_samples: int) -> str:
    """The figure that decides the best epoch: the settings' (refused with a plain message where the task does not
    give it), or the training loss without validation samples."""
    allowed = TASK_MONITORS.get(task, MONITORS)
    if s.monitor not in allowed:
        having = [TASK_WORDS[t] for t, monitors in TASK_MONITORS.items() if s.monitor in monitors]
        choices = ", ".join(allowed[:-1]) + f" or {allowed[-1]}"
        raise WorkbenchError(f"training.monitor: {s.monitor} does not apply to {TASK_WORDS[task]} task: only "
                             f"{' or '.join(having)} run measures {monitor_title(s.monitor)}. Choose {choices}.")
    if not val_samples:
        return "train_loss"
    return s.monitor


def _notes(s: TrainingSettings, device, amp_dtype, val_samples: int, batches, batch_size: int) -> list[str]:
    """What the user should know about the run's set-up; `batch_size` is the one asked of this process."""
    notes = []
    if amp_dtype is not None:
        notes.append(f"Mixed precision on ({'bfloat16' if 'bfloat16' in str(amp_dtype) else 'float16'}).")
    elif device.type == "cuda" and not s.deterministic:
        notes.append("Float32 products use TF32 tensor cores where the GPU has them.")
    if not val_samples:
        notes.append("There is no validation split, so early stopping and the best epoch follow the training loss.")
    if batches.batch_size < batch_size:
        notes.append(f"The batch size was lowered to {batches.batch_size}, the size of the training split.")
    if not batches.in_memory:
        notes.append("The data does not fit in memory, so it is streamed in batches.")
    return notes


def _prefers_channels_last(module, device, mixed_precision: bool = False) -> bool:
    """True for a network with 2-D convolutions on image batches, trained on the CPU, or on CUDA with mixed
    precision."""
    import torch  # lazy

    infos = getattr(module, "input_infos", None)
    wanted = device.type == "cpu" or (device.type == "cuda" and mixed_precision)
    if not wanted or not infos or len(infos[0].sample_shape) != 3:
        return False
    return any(isinstance(m, torch.nn.Conv2d) for m in module.modules())


def _tune_cuda(s: TrainingSettings) -> None:
    """cuDNN picks its fastest convolution algorithms for the run's shapes (the batch shapes repeat), and float32
    matrix products and convolutions use TF32 tensor cores (Ampere and later: about 10 bits of mantissa, several
    times faster), unless the user asked for a deterministic run, where both stay off."""
    fast = not s.deterministic
    _set_cuda_flags(fast, fast, fast)


def _cuda_flags() -> tuple[bool, bool, bool]:
    import torch  # lazy

    return (torch.backends.cudnn.benchmark, torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)


def _set_cuda_flags(benchmark: bool, matmul_tf32: bool, cudnn_tf32: bool) -> None:
    import torch  # lazy

    torch.backends.cudnn.benchmark = benchmark
    torch.backends.cuda.matmul.allow_tf32 = matmul_tf32
    torch.backends.cudnn.allow_tf32 = cudnn_tf32
