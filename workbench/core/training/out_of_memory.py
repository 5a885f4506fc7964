"""`OutOfMemoryGuard`: running out of memory (on the GPU or the computer) ends the run with the last good weights
and a suggestion of a smaller batch size, instead of an error."""

from __future__ import annotations

from workbench.core.training.hooks import FitState, LoopCallback
from workbench.core.training.status import RunStatus


class OutOfMemoryGuard(LoopCallback):
    def __init__(self, weights, batch_size: int):
        self.weights = weights  # the BestWeights of the run
        self.batch_size = batch_size

    def on_exception(self, state: FitState, exc: Exception) -> bool:
        import torch  # lazy

        if not is_out_of_memory(exc):
            return False
        state.progress.discard_pending()
        self.weights.load_good(state.module)
        device = state.device
        if device.type == "cuda":
            torch.cuda.empty_cache()
        where = "the GPU" if device.type != "cpu" else "the computer"
        smaller = max(1, self.batch_size // 2)
        state.end_with(RunStatus.OUT_OF_MEMORY,
                       f"{where[0].upper() + where[1:]} ran out of memory while training (batch size "
                       f"{self.batch_size}). Try a smaller batch size, such as {smaller}, or a smaller model. "
                       "The last good weights were kept.", "last_good")
        return True


def is_out_of_memory(exc: BaseException) -> bool:
    import torch  # lazy

    if isinstance(exc, (torch.OutOfMemoryError, MemoryError)):
        return True
    return isinstance(exc, RuntimeError) and ("out of memory" in str(exc) or "can't allocate memory" in str(exc))
