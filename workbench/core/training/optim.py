"""What a run updates its weights with: the optimizer (fused where available), the learning-rate schedule, mixed
precision on CUDA, and the augmentation applied to training batches."""

from __future__ import annotations

import contextlib

from workbench.core.data import augment_batch
from workbench.core.training.dynamo_free import lean_optimizer
from workbench.core.training.settings import TrainingSettings


class ScheduleStepper:
    """A torch LR scheduler and whether it steps per batch (cosine, one-cycle) or per epoch (step decay); it holds
    its last rate once `limit` steps are taken (a resumed run can take a few more than planned)."""

    def __init__(self, scheduler, per_batch: bool, limit: int | None = None):
        self.scheduler, self.per_batch, self.limit = scheduler, per_batch, limit

    def step(self) -> None:
        if self.limit is None or self.scheduler.last_epoch < self.limit:
            self.scheduler.step()

    def state_dict(self) -> dict:
        return self.scheduler.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.scheduler.load_state_dict(state)


def make_optimizer(s: TrainingSettings, params):
    """The optimizer, in PyTorch's fused form where the device has one (fewer kernel launches per step; on the CPU
    about 1.5 times faster for small models), else the standard one; lean (`lean_optimizer`: it does not import
    torch._dynamo)."""
    import torch  # lazy

    kinds = {"sgd": (torch.optim.SGD, dict(lr=s.learning_rate, momentum=s.momentum, weight_decay=s.weight_decay)),
             "adamw": (torch.optim.AdamW, dict(lr=s.learning_rate, weight_decay=s.weight_decay)),
             "adam": (torch.optim.Adam, dict(lr=s.learning_rate, weight_decay=s.weight_decay))}
    torch_cls, options = kinds[s.optimizer]
    cls = lean_optimizer(torch_cls)
    try:
        return cls(params, fused=True, **options)
    except (RuntimeError, ValueError, TypeError):  # no fused kernel for this device or dtype
        return cls(params, **options)


def make_scheduler(s: TrainingSettings, optimizer, batches_per_epoch: int) -> ScheduleStepper | None:
    from torch.optim import lr_scheduler  # lazy

    total = max(1, s.epochs * batches_per_epoch)
    if s.schedule == "step":
        return ScheduleStepper(lr_scheduler.StepLR(optimizer, s.step_epochs, s.step_gamma), per_batch=False)
    if s.schedule == "cosine":
        return ScheduleStepper(lr_scheduler.CosineAnnealingLR(optimizer, total), per_batch=True, limit=total)
    if s.schedule == "one_cycle":
        return ScheduleStepper(lr_scheduler.OneCycleLR(optimizer, s.learning_rate, total_steps=total + 1),
                          per_batch=True, limit=total)
    return None


def mixed_precision(s: TrainingSettings, device):
    """(autocast dtype or None, GradScaler or None): bf16 where the GPU computes it natively, else fp16 with a
    scaler."""
    import torch  # lazy

    if not s.mixed_precision or device.type != "cuda":
        return None, None
    if native_bf16(device):
        return torch.bfloat16, None
    return torch.float16, torch.amp.GradScaler("cuda")


def native_bf16(device) -> bool:
    """True when the GPU computes bfloat16 in hardware (NVIDIA compute capability 8.0 and up: Ampere, Ada, Hopper
    ...). ``torch.cuda.is_bf16_supported()`` also says True on older cards (T4, V100), where bf16 is emulated and
    slow; fp16 with a gradient scaler is the fast choice there."""
    import torch  # lazy

    if torch.version.hip:
        return bool(torch.cuda.is_bf16_supported(including_emulation=False))
    index = device.index if device.index is not None else torch.cuda.current_device()
    return torch.cuda.get_device_properties(index).major >= 8


def autocast(device, dtype):
    import torch  # lazy

    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=dtype)


def augmenter(dataset, device, generator, seed: int = 0):
    """A function that augments a training batch as the dataset's augmentation settings say, or None. On a GPU the
    random draws come from a generator on the GPU (seeded with `seed`), so no draw is copied from the host per
    batch; on the CPU they come from the run's `generator`."""
    import torch  # lazy

    spec = getattr(dataset, "spec", None)
    settings = getattr(spec, "augmentation", None) if spec is not None else None
    if not settings:
        return None
    if device.type != "cpu":
        generator = torch.Generator(device=device).manual_seed(seed)
    return lambda xb: augment_batch(xb, settings, generator)
