"""`SearchSettings` (what a search optimises, its budget and seed) and `SearchSection` (the project file's
``search`` section: the space and the settings), typed and round-tripped, `from_dict` naming the field at fault."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from workbench.core.fields import FieldReader, fail
from workbench.core.search.space import SearchSpace

OBJECTIVES = ("params", "macs", "size", "latency")
OBJECTIVE_TITLES = {"params": "parameters", "macs": "multiply-accumulates", "size": "file size (bytes)",
                    "latency": "latency (ms)"}
SAMPLERS = ("tpe", "nsga2")
MAX_TRIALS = 100_000


@dataclass(frozen=True)
class SearchSettings:
    objective: str = "params"  # the cost set against validation error
    limit: float | None = None  # at most this cost: the best error under it (None: the Pareto front of both)
    trials: int = 30  # the study's budget of finished trials (a resumed study counts the earlier ones)
    timeout_s: float | None = None  # and/or a time limit for one session of searching
    epochs: int = 20  # at most this many epochs per trial (early stopping and pruning may end it sooner)
    seed: int = 0
    sampler: str = "tpe"  # Optuna's TPE (good with few trials) or NSGA-II (a genetic search, for many)
    prune: bool = True  # stop poor trials early from their epoch curves
    study: str = "search"  # the study's name in its storage
    storage: str | None = None  # an Optuna storage URL (None: SQLite beside the project file)

    @property
    def pareto(self) -> bool:
        return self.limit is None

    def replaced(self, **changes) -> SearchSettings:
        return SearchSettings.from_dict({**self.to_dict(), **changes})

    def to_dict(self) -> dict:
        return {"objective": self.objective, "limit": self.limit, "trials": self.trials, "timeout_s": self.timeout_s,
                "epochs": self.epochs, "seed": self.seed, "sampler": self.sampler, "prune": self.prune,
                "study": self.study, "storage": self.storage}

    @classmethod
    def from_dict(cls, data: Any, where: str = "search.settings") -> SearchSettings:
        r = FieldReader(data, where)
        settings = cls(objective=r.nested("objective", _one_of(OBJECTIVES), "params"),
                       limit=r.number("limit", None, optional=True), trials=r.integer("trials", 30, low=1),
                       timeout_s=r.number("timeout_s", None, optional=True), epochs=r.integer("epochs", 20, low=1),
                       seed=r.integer("seed", 0), sampler=r.nested("sampler", _one_of(SAMPLERS), "tpe"),
                       prune=r.nested("prune", _bool, True), study=r.text("study", "search", non_empty=True),
                       storage=r.text("storage", None, optional=True, non_empty=True))
        r.finish()
        if settings.limit is not None and settings.limit <= 0:
            fail("a limit must be above 0", r.at("limit"))
        if settings.timeout_s is not None and settings.timeout_s <= 0:
            fail("a time limit must be above 0 seconds", r.at("timeout_s"))
        if settings.trials > MAX_TRIALS:
            fail(f"at most {MAX_TRIALS:,} trials", r.at("trials"))
        if settings.seed > 2**32 - 1:
            fail("a seed is at most 4294967295", r.at("seed"))
        return settings


@dataclass(frozen=True)
class SearchSection:
    """The project's ``search`` section."""

    space: SearchSpace = field(default_factory=SearchSpace)
    settings: SearchSettings = field(default_factory=SearchSettings)
    extra: dict = field(default_factory=dict)  # fields of a newer minor version, kept as they are

    def with_settings(self, settings: SearchSettings) -> SearchSection:
        return replace(self, settings=settings)

    def to_dict(self) -> dict:
        return {"space": self.space.to_dict(), "settings": self.settings.to_dict(), **self.extra}

    @classmethod
    def from_dict(cls, data: Any, where: str = "search", keep_unknown: bool = False) -> SearchSection:
        r = FieldReader(data, where, keep_unknown)
        space = r.nested("space", SearchSpace.from_dict, SearchSpace())
        settings = r.nested("settings", SearchSettings.from_dict, SearchSettings())
        return cls(space, settings, r.finish())


def _one_of(choices: tuple[str, ...]):
    def check(value: Any, where: str) -> str:
        if value not in choices:
            fail(f"expected one of {', '.join(choices)}, got {value!r}", where)
        return value
    return check


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        fail("expected true or false", where)
    return value
