"""Loading PyTorch and the plotting library in the background, so that the first training run starts at once and the
Train page opens without a second's wait: the job (`warm_up_job`), the lock the pages build under
(`plots_import_lock`), and the app's one warm-up (`shared_warm_up()`), which the window starts on its first frame and
the Train page waits for."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject, Signal

from workbench.core.device import GpuInfo, cuda_devices
from workbench.core.training.dynamo_free import lean_optimizer
from workbench.gui.workers import start_worker

_frozen = False  # whether a warm-up has frozen what PyTorch's imports made (the first one does)

plots_import_lock = threading.Lock()
"""Held while the warm-up imports the plotting library, and by the window while it builds a page, so that the two
threads never import the same package at once (a page then waits for the import already under way, which is what it
would otherwise do itself)."""


def warm_up_job(job_control) -> list[GpuInfo]:
    """Imports PyTorch and what a first training step pulls in (1-2 s the first time) in a worker, so that pressing
    Train starts at once. The app starts it as soon as its window has painted its first frame; the Train page starts
    it too when it opens (it then returns at once). The window may hitch once, for about 0.2 s, while PyTorch's
    libraries load; that is better than a wait of seconds after the first click on Train.

    The imports create a few hundred thousand objects, and the cyclic garbage collector, run by whichever thread
    allocates, scanned them all in full collections of 120-220 ms that held the interpreter lock and froze the
    window. So collection is paused while they load, and what they made is then frozen (`gc.freeze`): it lives as
    long as the app, and later full collections skip it.

    Then it imports the plotting library the Train and Evaluate pages draw with (pyqtgraph, about 0.9 s, most of
    the time a first opening of the Train page took), so that opening either later only builds its widgets.

    Returns the NVIDIA GPUs PyTorch sees (the Train page offers a choice of them where there are several), so that
    no page asks torch on the GUI thread."""

    global _frozen
    first = not _frozen  # a later warm-up finds everything loaded and frozen
    was_enabled = gc.isenabled()
    if first:
        gc.disable()
    try:
        import torch  # lazy

        layer = torch.nn.Linear(2, 1)
        optimizer = lean_optimizer(torch.optim.AdamW)(layer.parameters())
        layer(torch.zeros(1, 2)).sum().backward()
        optimizer.step()
        gpus = cuda_devices()
        load_plots()
        return gpus
    finally:
        if first:
            gc.freeze()
            _frozen = True
            if was_enabled:
                gc.enable()


def load_plots() -> None:
    """Imports the plotting library (under `plots_import_lock`)."""
    with plots_import_lock:
        import workbench.gui.plots.training_curves  # noqa: F401  # lazy: pyqtgraph, 0.9 s, loaded in the background


class WarmUp(QObject):
    """One warm-up job for the whole app: `start()` runs it once (later calls do nothing), `is_ready` tells whether
    it has ended (well or not: a broken PyTorch is reported by the run that needs it), and `ready` is emitted then,
    with `gpus` filled in."""

    ready = Signal()

    def __init__(self, job=warm_up_job):
        super().__init__()
        self.job = job
        self.worker = None
        self.is_ready = False
        self.gpus: list[GpuInfo] = []  # what the job found, once it is ready

    def start(self) -> None:
        if self.worker is None:
            self.worker = start_worker(self.job)
            self.worker.returned.connect(self._returned)
            self.worker.finished.connect(self._finished)

    def _returned(self, gpus) -> None:
        self.gpus = list(gpus or [])

    def wait(self) -> None:
        """Blocks until the job has ended, for quitting while it runs: an import cannot be cancelled, and its thread
        still running when Python exits would abort the process."""
        if self.worker is not None:
            self.worker.wait(600_000)

    def _finished(self) -> None:
        self.is_ready = True
        self.ready.emit()


_shared: WarmUp | None = None


def shared_warm_up() -> WarmUp:
    """The app's warm-up (made on first use: PyTorch is imported once per process)."""
    global _shared
    if _shared is None:
        _shared = WarmUp()
    return _shared
