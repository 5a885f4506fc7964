"""The study runner with stand-in training (no torch): budgets, states, pruning, stop and resume from storage."""

import math
import threading
from types import SimpleNamespace

import pytest

from workbench.core.project import open_template
from workbench.core.search import (Choices, NumberRange, RepeatChain, SearchError, SearchRunner, SearchSection,
                                   SearchSettings, SearchSpace, SearchSpaceError, TrialState, TrialTraining)
from workbench.core.training.callbacks import RunControl
from workbench.core.training.status import RunStatus

SPACE = SearchSpace(ranges=(NumberRange("conv1.filters", 2, 32, integer=True),), width=(0.5, 1.0))


def fake_training(error_of=lambda c: 1.0 / c.graph.nodes["conv1"].params["filters"], epochs=5, status=None):
    """Training that reports `epochs` epoch rows to the callbacks, each a little better, ending at error_of(c)."""
    calls = []

    def train(candidate, callbacks, control, number):
        calls.append(number)
        final = error_of(candidate)
        for epoch in range(epochs):
            stopped = []
            state = SimpleNamespace(metrics={"val_accuracy": 1 - final * (1 + (epochs - 1 - epoch) * 0.1)},
                                    epoch=epoch, last_epoch=epoch == epochs - 1,
                                    request_stop=lambda s, m: stopped.append(m))
            for cb in callbacks:
                cb.on_epoch_end(state)
            if stopped:
                return TrialTraining(RunStatus.EARLY_STOPPED, stopped[0], {"accuracy": 1 - final}, 0.01,
                                     {"id": f"r{number}"})
            if control.stop_requested:
                return TrialTraining(RunStatus.STOPPED, "Stopped by you.", {}, 0.01)
        if status is not None:
            return TrialTraining(status, f"It {status.value}.", {}, 0.01)
        return TrialTraining(RunStatus.COMPLETED, "Done.", {"accuracy": 1 - final}, 0.01, {"id": f"r{number}"})

    train.calls = calls
    return train


def runner(tmp_path, train, space=SPACE, **settings):
    project = open_template("cnn")
    tmp_path.mkdir(parents=True, exist_ok=True)
    section = SearchSection(space, SearchSettings(**{"trials": 4, "seed": 1, **settings}))
    return SearchRunner(project.graph, project.training, section, f"sqlite:///{tmp_path / 's.db'}", train,
                        control=RunControl())


def test_a_short_search_completes_with_a_front(tmp_path):
    report = runner(tmp_path, fake_training(), prune=False).run()
    assert [t.state for t in report.trials] == [TrialState.COMPLETE] * 4
    assert report.front and all(report.trial(n).state is TrialState.COMPLETE for n in report.front)
    costs = [report.trial(n).cost for n in report.front]
    errors = [report.trial(n).error for n in report.front]
    assert costs == sorted(costs) and errors == sorted(errors, reverse=True)
    assert all(t.run is not None and t.cost > 0 and t.epochs for t in report.trials)
    assert report.message.startswith("Finished: 4 trials (4 complete)")


def test_the_same_seed_samples_the_same_choices(tmp_path):
    first = runner(tmp_path / "a", fake_training(), prune=False, trials=3).run()
    second = runner(tmp_path / "b", fake_training(), prune=False, trials=3).run()
    assert [t.choices for t in first.trials] == [t.choices for t in second.trials]


def test_poor_trials_are_pruned_from_their_curves(tmp_path):
    # the learning rate changes the error but not the cost: every trial is comparable with every other
    lr_error = lambda c: 0.01 + abs(math.log10(c.settings.learning_rate) + 2.5) / 3  # noqa: E731
    report = runner(tmp_path, fake_training(lr_error, epochs=6), trials=12, space=SearchSpace(
        ranges=(NumberRange("training.learning_rate", 1e-5, 1e-1, log=True),))).run()
    pruned = [t for t in report.trials if t.state is TrialState.PRUNED]
    assert pruned and all("Pruned after epoch" in t.message for t in pruned)
    assert all(len(t.epochs) < 6 for t in pruned)


def test_single_objective_under_a_limit_uses_optunas_pruner(tmp_path):
    report = runner(tmp_path, fake_training(epochs=6), trials=10, objective="params", limit=20_000,
                    space=SearchSpace(ranges=(NumberRange("conv1.filters", 2, 32, integer=True),))).run()
    assert len(report.front) == 1
    assert report.trial(report.front[0]).cost <= 20_000


def test_stop_then_resume_from_the_storage(tmp_path):
    train = fake_training()
    first = runner(tmp_path, train, prune=False, trials=5)
    first.on_trial = lambda result: first.control.stop() if result.number == 1 else None
    report = first.run()
    assert report.stopped and [t.number for t in report.trials] == [0, 1]
    assert report.message.startswith("Stopped")
    again = runner(tmp_path, train, prune=False, trials=5).run()  # a new process: only the storage is shared
    assert [t.number for t in again.trials] == [0, 1, 2, 3, 4]
    assert again.trials[:2] == report.trials
    assert train.calls == [0, 1, 2, 3, 4]


def test_stop_during_a_trial_marks_it_stopped_and_not_counted(tmp_path):
    control = RunControl()

    def train(candidate, callbacks, ctl, number):
        ctl.stop()
        return TrialTraining(RunStatus.STOPPED, "Stopped by you.", {}, 0.01)

    r = runner(tmp_path, train, prune=False)
    r.control = control
    report = r.run()
    assert report.stopped and [t.state for t in report.trials] == [TrialState.STOPPED]
    again = runner(tmp_path, fake_training(), prune=False, trials=2).run()
    assert [t.state for t in again.trials] == [TrialState.STOPPED, TrialState.COMPLETE, TrialState.COMPLETE]


def test_infeasible_candidates_are_marked_and_skipped(tmp_path):
    train = fake_training()
    space = SearchSpace(repeats=(RepeatChain(("pool1",), 1, 3),), width=(1.0,))  # 8x8 survives two poolings only
    report = runner(tmp_path, train, space=space, trials=6, prune=False).run()
    states = {t.choices["repeat.pool1"]: t.state for t in report.trials}
    assert states.get(3) is TrialState.INFEASIBLE and states.get(1) is TrialState.COMPLETE
    infeasible = [t for t in report.trials if t.state is TrialState.INFEASIBLE]
    assert all("shapes do not fit" in t.message and t.run is None for t in infeasible)
    assert len(train.calls) == 6 - len(infeasible)


@pytest.mark.parametrize("train, state, words", [
    (fake_training(status=RunStatus.DIVERGED), TrialState.DIVERGED, "diverged"),
    (fake_training(status=RunStatus.OUT_OF_MEMORY), TrialState.OUT_OF_MEMORY, "out_of_memory"),
])
def test_diverged_and_out_of_memory_trials_get_a_state_and_message(tmp_path, train, state, words):
    report = runner(tmp_path, train, prune=False, trials=2).run()
    assert [t.state for t in report.trials] == [state, state]
    assert all(words in t.message for t in report.trials)
    assert report.front == [] and "no front yet" in report.message


def test_memory_error_and_a_crash_do_not_end_the_search(tmp_path):
    def train(candidate, callbacks, control, number):
        if number == 0:
            raise MemoryError
        raise RuntimeError("boom")

    report = runner(tmp_path, train, prune=False, trials=2).run()
    assert [t.state for t in report.trials] == [TrialState.OUT_OF_MEMORY, TrialState.FAILED]
    assert "ran out of memory" in report.trials[0].message and "boom" in report.trials[1].message


def test_empty_space_and_unmeetable_limit_are_refused_before_anything_is_stored(tmp_path):
    with pytest.raises(SearchSpaceError, match="empty"):
        runner(tmp_path, fake_training(), space=SearchSpace()).run()
    with pytest.raises(SearchError, match=r"No network in this search space meets the limit of at most 100 "
                                          r"parameters: the smallest one has"):
        runner(tmp_path, fake_training(), limit=100).run()
    assert not (tmp_path / "s.db").exists()


def test_a_study_made_for_another_space_is_refused(tmp_path):
    runner(tmp_path, fake_training(), prune=False, trials=1).run()
    other = SearchSpace(choices=(Choices("conv1.kernel_size", (3, 5)),))
    with pytest.raises(SearchError, match="made for another search space"):
        runner(tmp_path, fake_training(), space=other, trials=2).run()


def test_pause_holds_the_next_trial(tmp_path):
    r = runner(tmp_path, fake_training(), prune=False, trials=3)
    seen = []

    def on_trial(result):
        seen.append(result.number)
        if result.number == 0:
            r.control.pause()
            threading.Timer(0.3, r.control.resume).start()

    r.on_trial = on_trial
    report = r.run()
    assert seen == [0, 1, 2] and len(report.trials) == 3


def test_a_process_that_loses_the_race_to_create_the_tables_tries_again(tmp_path, monkeypatch):
    import optuna

    from workbench.core.search import runner as runner_module

    real, calls = optuna.storages.RDBStorage, []

    def racing(url, **kwargs):  # what a second process started at once meets: the first one made the tables
        calls.append(url)
        if len(calls) == 1:
            raise RuntimeError("UNIQUE constraint failed: alembic_version.version_num")
        return real(url, **kwargs)

    monkeypatch.setattr(optuna.storages, "RDBStorage", racing)
    monkeypatch.setattr(runner_module, "STORAGE_RETRY_S", 0.01)
    assert runner_module.open_storage(f"sqlite:///{tmp_path / 'race.db'}") is not None and len(calls) == 2
    monkeypatch.setattr(optuna.storages, "RDBStorage", lambda url, **kwargs: (_ for _ in ()).throw(OSError("no")))
    with pytest.raises(SearchError, match="could not be opened: no"):
        runner_module.open_storage(f"sqlite:///{tmp_path / 'never.db'}")
