"""`TrialResult`: one trial of a search as the study keeps it (in the trial's Optuna user attributes, as JSON) and
as the table, the plot and the command line show it: what was chosen, the error and cost, how it ended and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from workbench.core.fields import FieldReader, expect_object, fail


class TrialState(StrEnum):
    COMPLETE = "complete"
    PRUNED = "pruned"  # stopped early by the pruner: its curve was worse than comparable trials'
    INFEASIBLE = "infeasible"  # its shapes do not fit, or its cost is over the limit: never trained
    DIVERGED = "diverged"  # its loss became NaN or infinite
    OUT_OF_MEMORY = "out_of_memory"
    FAILED = "failed"  # anything else that went wrong (the message says what)
    STOPPED = "stopped"  # stopped by the user; not counted, the next session samples again

    @property
    def title(self) -> str:
        return {TrialState.OUT_OF_MEMORY: "out of memory"}.get(self, self.value)

    @property
    def counted(self) -> bool:
        """Counts towards the study's budget of trials."""
        return self is not TrialState.STOPPED


@dataclass(frozen=True)
class TrialResult:
    number: int
    state: TrialState
    choices: dict = field(default_factory=dict)
    error: float | None = None  # validation error (1 − accuracy, or the loss), lower is better
    cost: float | None = None
    duration_s: float = 0.0  # the whole trial: building, measuring, training, evaluating
    train_s: float = 0.0  # of which training and evaluation
    message: str = ""
    epochs: list[float] = field(default_factory=list)  # the validation error after each epoch
    run: dict | None = None  # the trained run's record (RunRecord.to_dict), to make it the project's network

    @property
    def measured(self) -> bool:
        return self.error is not None and self.cost is not None

    def to_dict(self) -> dict:
        return {"number": self.number, "state": self.state.value, "choices": dict(self.choices), "error": self.error,
                "cost": self.cost, "duration_s": self.duration_s, "train_s": self.train_s, "message": self.message,
                "epochs": list(self.epochs), "run": self.run}

    @classmethod
    def from_dict(cls, data: Any, where: str = "trial") -> TrialResult:
        r = FieldReader(data, where, keep_unknown=True)
        state = r.text("state")
        if state not in {s.value for s in TrialState}:
            fail(f"unknown trial state {state!r}", r.at("state"))
        return cls(number=r.integer("number"), state=TrialState(state),
                   choices=r.nested("choices", lambda v, at: dict(expect_object(v, at)), {}),
                   error=r.number("error", None, optional=True), cost=r.number("cost", None, optional=True),
                   duration_s=r.number("duration_s", 0.0), train_s=r.number("train_s", 0.0),
                   message=r.text("message", ""), epochs=[float(v) for v in r.nested("epochs", _list, [])],
                   run=r.object("run", None, optional=True))


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        fail("expected a list", where)
    return value


def describe_choices(choices: dict) -> str:
    """The choices in a line: "conv1.filters 8, width 0.5, keep dropout1 no"."""
    parts = []
    for key, value in choices.items():
        if key.startswith("keep."):
            parts.append(f"keep {key[5:]} {'yes' if value else 'no'}")
        elif key.startswith("repeat."):
            parts.append(f"{key[7:]} ×{value}")
        elif isinstance(value, float):
            parts.append(f"{key} {value:.3g}")
        else:
            parts.append(f"{key} {value}")
    return ", ".join(parts)
