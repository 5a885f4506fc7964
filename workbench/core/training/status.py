"""`RunStatus`: how a training run ended, the one spelling used by the trainer, run records and both front ends."""

from __future__ import annotations

from enum import StrEnum


class RunStatus(StrEnum):
    COMPLETED = "completed"  # every epoch ran
    EARLY_STOPPED = "early_stopped"  # the monitored figure stopped improving
    STOPPED = "stopped"  # the user stopped it
    DIVERGED = "diverged"  # a loss or the weights became NaN or infinite
    OUT_OF_MEMORY = "out_of_memory"

    @property
    def ok(self) -> bool:
        """The run's weights are worth keeping (evaluating, exporting, continuing from)."""
        return self in (RunStatus.COMPLETED, RunStatus.EARLY_STOPPED, RunStatus.STOPPED)

    @property
    def ended(self) -> str:
        """How a status line says it ended: '... finished in 0:12', '... stopped after 0:12'."""
        return {RunStatus.COMPLETED: "finished in", RunStatus.EARLY_STOPPED: "finished in",
                RunStatus.STOPPED: "stopped after"}.get(self, "ended after")
