"""The study runner: one trial after another in the calling thread, on an Optuna study kept in a storage (SQLite in
the project folder by default), until the budget of trials or time is spent or the user stops.

Each trial samples the space (TPE or NSGA-II, seeded), builds its candidate (an infeasible one is marked and
skipped), measures its cost (over the limit: marked and skipped), then trains it with the caller's
``train_trial(candidate, callbacks, control, number) -> TrialTraining`` (the project tier's train function), the pruner
watching its epoch curve. Every trial's `TrialResult` is stored with the trial, so a stopped search continues from
its storage later, and several processes may work on one study through the same storage URL. Stopping (the
`RunControl`) ends the trial in progress as "stopped" (not counted) and the search after it; pausing holds the
trial's training and the start of the next trial.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from workbench.core.errors import WorkbenchError
from workbench.core.graph.model import Graph
from workbench.core.search.candidate import WIDTH_KEY, InfeasibleCandidateError, build_candidate, keep_key
from workbench.core.search.objectives import measure_cost, validation_error
from workbench.core.search.pareto import best_under_limit, pareto_front
from workbench.core.search.pruning import MedianOfCheaperRule, OptunaRule, TrialPruning
from workbench.core.search.settings import OBJECTIVE_TITLES, SearchSection
from workbench.core.search.space import SearchSpace
from workbench.core.search.trial import TrialResult, TrialState
from workbench.core.training.callbacks import RunControl
from workbench.core.training.settings import TrainingSettings
from workbench.core.training.status import RunStatus

RESULT_ATTR = "workbench_result"
SPACE_ATTR = "workbench_space"
OBJECTIVE_ATTR = "workbench_objective"
STATE_OF_RUN = {RunStatus.DIVERGED: TrialState.DIVERGED, RunStatus.OUT_OF_MEMORY: TrialState.OUT_OF_MEMORY,
                RunStatus.STOPPED: TrialState.STOPPED}
SQLITE_TIMEOUT_S = 60  # how long a process waits for another's write to the same SQLite file
STORAGE_ATTEMPTS = 4
STORAGE_RETRY_S = 0.5


class SearchError(WorkbenchError):
    """A search that cannot start (its storage, a study made for another search, a limit no network meets)."""


@dataclass(frozen=True)
class TrialTraining:
    """What the caller's train function hands back for one trial."""

    status: RunStatus
    message: str
    metrics: dict  # the validation figures ("accuracy", "loss", ...)
    duration_s: float
    run: dict | None = None  # the run record (to_dict) with its weights


@dataclass(frozen=True)
class SearchReport:
    trials: list[TrialResult]  # every trial of the study, this session's and earlier ones, by number
    front: list[int]  # trial numbers on the Pareto front by rising cost (under a limit: the best one)
    objective: str
    limit: float | None
    stopped: bool  # the user stopped the search
    message: str

    def trial(self, number: int) -> TrialResult:
        for result in self.trials:
            if result.number == number:
                return result
        raise WorkbenchError(f"The search has no trial {number}.")

    def to_dict(self) -> dict:
        return {"objective": self.objective, "limit": self.limit, "stopped": self.stopped, "message": self.message,
                "front": list(self.front),
                "trials": [{k: v for k, v in t.to_dict().items() if k != "run"} for t in self.trials]}


def front_of(trials: list[TrialResult], limit: float | None) -> list[int]:
    """The numbers of the front's trials (by rising cost), or of the best one under `limit`."""
    done = [t for t in trials if t.state is TrialState.COMPLETE and t.measured]
    points = [(t.error, t.cost) for t in done]
    if limit is None:
        return [done[i].number for i in pareto_front(points)]
    best = best_under_limit(points, limit)
    return [] if best is None else [done[best].number]


def _optuna():
    import optuna  # lazy

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def open_storage(url: str):
    """An Optuna RDB storage on `url` (SQLite: waits for other processes' writes instead of failing). Processes
    started together race to create the tables; a loser tries again once the winner has made them."""
    optuna = _optuna()
    kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT_S}} if url.startswith("sqlite") else {}
    for attempt in range(STORAGE_ATTEMPTS):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
        except Exception as exc:  # SQLAlchemy and the database drivers raise many kinds
            if attempt + 1 == STORAGE_ATTEMPTS:
                raise SearchError(f"The search's storage {url} could not be opened: {exc}") from None
            time.sleep(STORAGE_RETRY_S * (attempt + 1))


def stored_trials(study, known: dict[int, TrialResult] | None = None) -> list[TrialResult]:
    """Every trial of the study with a stored result, by number (trials still running elsewhere are left out).
    `known` holds results read before (a stored result never changes), so each is parsed once."""
    known = {} if known is None else known
    for trial in study.get_trials(deepcopy=False):
        if trial.number not in known:
            data = trial.user_attrs.get(RESULT_ATTR)
            if data is not None:
                known[trial.number] = TrialResult.from_dict(data, f"trial {trial.number}")
    return [known[n] for n in sorted(known)]


def load_report(url: str, settings) -> SearchReport | None:
    """The study's trials so far, without running any (None: the storage holds no such study)."""
    optuna = _optuna()
    try:
        study = optuna.load_study(study_name=settings.study, storage=open_storage(url))
    except KeyError:
        return None
    trials = stored_trials(study)
    return SearchReport(trials, front_of(trials, settings.limit), settings.objective, settings.limit, False,
                        f"{len(trials)} trials so far; Search continues the study.")


def suggest(trial, space: SearchSpace) -> dict:
    """One trial's choices, named as the candidate builder reads them."""
    choices = {}
    for entry in space.ranges:
        if entry.integer:
            step = 1 if entry.log or entry.step is None else int(entry.step)
            choices[entry.target] = trial.suggest_int(entry.target, int(entry.low), int(entry.high), step=step,
                                                      log=entry.log)
        else:
            choices[entry.target] = trial.suggest_float(entry.target, entry.low, entry.high,
                                                        step=None if entry.log else entry.step, log=entry.log)
    for entry in space.choices:
        choices[entry.target] = trial.suggest_categorical(entry.target, list(entry.values))
    if len(space.width) > 1:
        choices[WIDTH_KEY] = trial.suggest_categorical(WIDTH_KEY, list(space.width))
    elif space.width:
        choices[WIDTH_KEY] = space.width[0]
    for chain in space.repeats:
        choices[chain.key] = trial.suggest_int(chain.key, chain.low, chain.high)
    for node_id in space.optional:
        choices[keep_key(node_id)] = trial.suggest_categorical(keep_key(node_id), [True, False])
    return choices


def smallest_choices(space: SearchSpace) -> dict:
    """The choices of the cheapest-looking candidate: the low end of every range, the narrowest width, the fewest
    repeats and every optional layer skipped (choices: the first value; `cheapest_cost` tries the others)."""
    choices = {e.target: e.low for e in space.ranges}
    choices.update({e.target: e.values[0] for e in space.choices})
    if space.width:
        choices[WIDTH_KEY] = min(space.width)
    choices.update({chain.key: chain.low for chain in space.repeats})
    choices.update({keep_key(node_id): False for node_id in space.optional})
    return choices


class SearchRunner:
    """Runs one session of a study; see the module docstring."""

    def __init__(self, graph: Graph, settings: TrainingSettings, section: SearchSection, storage_url: str,
                 train_trial: Callable, *, on_trial: Callable[[TrialResult], None] | None = None,
                 control: RunControl | None = None, callbacks=(), measure: Callable = measure_cost):
        self.graph = graph
        self.settings = settings.replaced(epochs=section.settings.epochs)
        self.space = section.space
        self.config = section.settings
        self.storage_url = storage_url
        self.train_trial = train_trial
        self.on_trial = on_trial or (lambda result: None)
        self.control = control or RunControl()
        self.callbacks = list(callbacks)
        self.measure = measure
        self.known: dict[int, TrialResult] = {}  # the study's stored results read so far

    # --- before anything is stored ---------------------------------------------------------------------------------

    def check(self) -> None:
        """Refuses an empty space, one naming what the network lacks, and a limit that no candidate can meet."""
        self.space.check_against(self.graph)
        if self.config.limit is not None:
            cheapest = self.cheapest_cost()
            if cheapest is not None and cheapest > self.config.limit:
                what = OBJECTIVE_TITLES[self.config.objective]
                raise SearchError(f"No network in this search space meets the limit of at most {self.config.limit:g} "
                                  f"{what}: the smallest one has {cheapest:,.6g}. Raise the limit, or let the search "
                                  "try smaller settings.")

    def cheapest_cost(self) -> float | None:
        """The cost of the smallest candidate, each set of choices tried in turn (None: it cannot be built)."""
        choices = smallest_choices(self.space)
        best = None
        for entry in self.space.choices or [None]:
            for value in (entry.values if entry is not None else [None]):
                trial_choices = dict(choices, **({entry.target: value} if entry is not None else {}))
                try:
                    cost = self.measure(build_candidate(self.graph, self.settings, self.space, trial_choices),
                                        self.config.objective)
                except WorkbenchError:
                    continue
                if best is None or cost < best:
                    best = cost
                    choices = trial_choices
        return best

    # --- the study --------------------------------------------------------------------------------------------------

    def open_study(self):
        optuna = _optuna()
        storage = open_storage(self.storage_url)
        directions = ["minimize", "minimize"] if self.config.pareto else ["minimize"]
        try:
            study = optuna.create_study(storage=storage, study_name=self.config.study, directions=directions,
                                        load_if_exists=True)
        except Exception as exc:
            raise SearchError(f"The study '{self.config.study}' in {self.storage_url} could not be opened: "
                              f"{exc}") from None
        objective = {"objective": self.config.objective, "limit": self.config.limit}
        stored_space, stored_objective = study.user_attrs.get(SPACE_ATTR), study.user_attrs.get(OBJECTIVE_ATTR)
        if stored_space is None:
            study.set_user_attr(SPACE_ATTR, self.space.to_dict())
            study.set_user_attr(OBJECTIVE_ATTR, objective)
        elif stored_space != self.space.to_dict() or stored_objective != objective \
                or len(study.directions) != len(directions):
            raise SearchError(f"The study '{self.config.study}' in {self.storage_url} was made for another search "
                              "space or objective, so its trials cannot be compared with these. Give this search "
                              "another study name, or put the space and objective back as they were.")
        done = len([t for t in stored_trials(study, self.known) if t.state.counted])
        seed = (self.config.seed + done) % 2**32  # a resumed study does not repeat its first samples
        if self.config.sampler == "nsga2":
            sampler = optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(50, self.config.trials // 4)))
        else:
            sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, max(3, self.config.trials // 5)),
                                                 multivariate=True)
        study.sampler = sampler
        study.pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2)
        return study

    def run(self, check: bool = True) -> SearchReport:
        """The session: trials until the budget is spent or the user stops (`check`: refuse a bad space first)."""
        if check:
            self.check()
        study = self.open_study()
        deadline = time.monotonic() + self.config.timeout_s if self.config.timeout_s else math.inf
        stopped = False
        while True:
            self.control.wait_while_paused()
            counted = len([t for t in stored_trials(study, self.known) if t.state.counted])
            if self.control.stop_requested:
                stopped = True
                break
            if counted >= self.config.trials or time.monotonic() >= deadline:
                break
            result = self.run_trial(study)
            self.on_trial(result)
            if result.state is TrialState.STOPPED:
                stopped = True
                break
        trials = stored_trials(study, self.known)
        return SearchReport(trials, front_of(trials, self.config.limit), self.config.objective, self.config.limit,
                            stopped, self.summary(trials, stopped))

    def summary(self, trials: list[TrialResult], stopped: bool) -> str:
        complete = [t for t in trials if t.state is TrialState.COMPLETE]
        counts = {}
        for t in trials:
            counts[t.state.title] = counts.get(t.state.title, 0) + 1
        parts = ", ".join(f"{n} {state}" for state, n in counts.items()) or "none"
        text = f"{'Stopped' if stopped else 'Finished'}: {len(trials)} trials ({parts})."
        if self.config.limit is not None and trials and not front_of(trials, self.config.limit):
            text += (f" No trained network met the limit of {self.config.limit:g} "
                     f"{OBJECTIVE_TITLES[self.config.objective]}.")
        elif not complete and trials:
            text += " No trial finished training, so there is no front yet."
        return text

    def run_trial(self, study) -> TrialResult:
        optuna = _optuna()
        started = time.perf_counter()
        trial = study.ask()
        peers = [(t.cost, t.epochs) for t in stored_trials(study, self.known)
                 if t.state in (TrialState.COMPLETE, TrialState.PRUNED) and t.cost is not None]
        choices = suggest(trial, self.space)
        result = self._attempt(trial, choices, peers, started)
        trial.set_user_attr(RESULT_ATTR, result.to_dict())
        if result.state is TrialState.COMPLETE:
            values = [result.error, result.cost] if self.config.pareto else [result.error]
            study.tell(trial, values)
        else:
            state = optuna.trial.TrialState.PRUNED if result.state is TrialState.PRUNED else \
                optuna.trial.TrialState.FAIL
            study.tell(trial, state=state)
        return result

    def _attempt(self, trial, choices: dict, peers, started: float) -> TrialResult:
        def ended(state: TrialState, message: str, **fields) -> TrialResult:
            return TrialResult(trial.number, state, choices, message=message,
                               duration_s=round(time.perf_counter() - started, 3), **fields)

        try:
            candidate = build_candidate(self.graph, self.settings, self.space, choices)
        except InfeasibleCandidateError as exc:
            return ended(TrialState.INFEASIBLE, str(exc))
        try:
            cost = float(self.measure(candidate, self.config.objective))
        except WorkbenchError as exc:
            return ended(TrialState.INFEASIBLE, f"Its cost could not be measured: {exc}")
        if self.config.limit is not None and cost > self.config.limit:
            what = OBJECTIVE_TITLES[self.config.objective]
            return ended(TrialState.INFEASIBLE, f"Over the limit: {cost:,.6g} {what} (at most {self.config.limit:g}), "
                                                "so it was not trained.", cost=cost)
        rule = None
        if self.config.prune:
            rule = MedianOfCheaperRule(cost, peers) if self.config.pareto else OptunaRule(trial)
        pruning = TrialPruning(rule)
        try:
            training = self.train_trial(candidate, [pruning, *self.callbacks], self.control, trial.number)
        except MemoryError:
            return ended(TrialState.OUT_OF_MEMORY, "The computer ran out of memory training this candidate; the "
                                                   "search went on with the next.", cost=cost, epochs=pruning.curve)
        except WorkbenchError as exc:
            return ended(TrialState.FAILED, str(exc), cost=cost, epochs=pruning.curve)
        except Exception as exc:  # a failure of one candidate must not end the whole search
            return ended(TrialState.FAILED, f"Training failed: {type(exc).__name__}: {exc}", cost=cost,
                         epochs=pruning.curve)
        fields = dict(cost=cost, epochs=pruning.curve, train_s=round(training.duration_s, 3), run=training.run)
        if training.status in STATE_OF_RUN:
            return ended(STATE_OF_RUN[training.status], training.message, **fields)
        if pruning.pruned:
            return ended(TrialState.PRUNED, training.message, **fields)
        error = validation_error(training.metrics)
        if error is None or not math.isfinite(error):
            return ended(TrialState.FAILED, "It has no validation figures to compare (the data has no validation "
                                            "split).", **fields)
        return ended(TrialState.COMPLETE, training.message, error=error, **fields)

