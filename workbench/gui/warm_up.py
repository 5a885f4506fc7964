"""Loading PyTorch in the background, so that the first training run starts at once."""

from __future__ import annotations

import gc

from workbench.core.device import GpuInfo, cuda_devices
from workbench.core.training.dynamo_free import lean_optimizer


def warm_up_job(job_control) -> list[GpuInfo]:
    """Imports PyTorch and what a first training step pulls in (1-2 s the first time) in a worker, so that pressing
    Train starts at once. The app starts it a second after its window shows; the Train page starts it too when it opens
    (it then returns at once). The window may hitch once, for about 0.2 s, while PyTorch's libraries load; that is
    better than a wait of seconds after the first click on Train.

    The imports create a few hundred thousand objects, and the cyclic garbage collector, run by whichever thread
    allocates, scanned them all in full collections of 120-220 ms that held the interpreter lock and froze the
    window. So collection is paused while they load, and what they made is then frozen (`gc.freeze`): it lives as
    long as the app, and later full collections skip it.

    Returns the NVIDIA GPUs PyTorch sees (the Train page offers a choice of them where there are several), so that
    no page asks torch on the GUI thread."""

    first = not gc.get_freeze_count()  # a later warm-up finds everything loaded and frozen
    was_enabled = gc.isenabled()
    if first:
        gc.disable()
    try:
        import torch

        layer = torch.nn.Linear(2, 1)
        optimizer = lean_optimizer(torch.optim.AdamW)(layer.parameters())
        layer(torch.zeros(1, 2)).sum().backward()
        optimizer.step()
        return cuda_devices()
    finally:
        if first:
            gc.freeze()
            if was_enabled:
                gc.enable()
