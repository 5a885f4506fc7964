"""`RunStatus`: how a training run ended, the one spelling used by the trainer, run records, the CLI and the GUI.

It is a `StrEnum`, so it compares equal to, and serialises as, the plain string a run record stores
(``"completed"``, ...). Not to be confused with `TrainerState` (training/callbacks.py), the trainer's live state
(idle, running, paused, ...).
"""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    COMPLETED = "completed"  # every epoch ran
    EARLY_STOPPED = "early_stopped"  # the monitored metric stopped improving (or a callback ended the run)
    STOPPED = "stopped"  # stopped by the user; can be continued
    DIVERGED = "diverged"  # a loss or the weights became NaN or infinite
    OUT_OF_MEMORY = "out_of_memory"

    @property
    def ok(self) -> bool:
        """The run's weights are worth keeping (it was not cut short by a failure)."""
        return self in (RunStatus.COMPLETED, RunStatus.EARLY_STOPPED, RunStatus.STOPPED)

    @property
    def title(self) -> str:
        """How a list of runs shows it: "completed", "stopped early", ..."""
        return {RunStatus.EARLY_STOPPED: "stopped early", RunStatus.STOPPED: "stopped by you",
                RunStatus.OUT_OF_MEMORY: "ran out of memory"}.get(self, self.value)

    @property
    def time_phrase(self) -> str:
        """The words before the run's duration: "finished in", "stopped after" or "ended after"."""
        if self is RunStatus.STOPPED:
            return "stopped after"
        return "finished in" if self.ok else "ended after"
