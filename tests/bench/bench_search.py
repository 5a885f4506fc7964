"""Benchmark: search the CNN template's layers on digits within a time budget and compare the Pareto front with the
template itself; and the overhead of a trial outside training.

  baseline  The CNN template trained as it ships (Adam 1e-3, batch 64, up to 60 epochs, early stopping after 10),
            one thread: its parameters and its validation and test accuracy.
  search    `search_project` (TPE, seeded, the cost-aware median pruner) over the template's own layers: both
            convolutions' filters (2-32, 2-64) and kernel sizes (3 or 5), the dense layer's units (4-128), the
            dense layer, its ReLU and the dropout optional, the learning rate (3e-4 to 1e-2, log scale), at most
            --epochs epochs a trial (default 60; early stopping after --patience, default 10: the template's own), for --timeout
            seconds (default 540) or --trials trials.
            The front is chosen on validation error; the targets are checked on the held-out test split:
            (a) a front network at least as accurate as the template with at most half its parameters,
            (b) one with at most a tenth of its parameters within 2 points of its accuracy.
  overhead  Per trial: the whole trial's time against the training loop's (`TrialResult.train_s`); the rest is
            sampling and storage (Optuna on SQLite), building and checking the candidate, measuring its cost,
            building the module, evaluating the validation and test splits and writing the weights.

Not part of the test suite. Run:  .venv/bin/python tests/bench/bench_search.py [--timeout 540] [--trials N]
[--seed 0] [--epochs 60] [--patience 10] [--keep DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=540.0)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=60, help="at most this many epochs a trial")
    parser.add_argument("--patience", type=int, default=10, help="early stopping patience of a trial")
    parser.add_argument("--keep", type=Path, help="work in this folder (default: a temporary one)")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(1)
    from workbench.core.project import open_template, save_project
    from workbench.core.project.actions import search_project, train_project
    from workbench.core.project.data import project_dataset
    from workbench.core.search import Choices, NumberRange, SearchSection, SearchSettings, SearchSpace

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-search-"))
    folder.mkdir(parents=True, exist_ok=True)
    project = open_template("cnn")
    project.training = project.training.replaced(device="cpu")
    save_project(project, folder / "digits.json")
    dataset = project_dataset(project)

    started = time.perf_counter()
    base = train_project(project, folder, dataset=dataset, num_threads=1)
    base_s = time.perf_counter() - started
    from workbench.core.graph.validate import validate

    base_params = validate(project.graph).total_params
    base_val, base_test = base.record.figures("val")["accuracy"], base.record.figures("test")["accuracy"]
    print(f"baseline: CNN template, {base_params:,} parameters, val {base_val:.2%}, test {base_test:.2%}, "
          f"{base.record.epochs_done} epochs in {base_s:.1f} s")

    space = SearchSpace(
        ranges=(NumberRange("conv1.filters", 2, 32, integer=True), NumberRange("conv2.filters", 2, 64, integer=True),
                NumberRange("dense1.units", 4, 128, integer=True),
                NumberRange("training.learning_rate", 3e-4, 1e-2, log=True)),
        choices=(Choices("conv1.kernel_size", (3, 5)), Choices("conv2.kernel_size", (3, 5))),
        optional=("dense1", "relu3", "dropout1"))
    project.training = project.training.replaced(patience=args.patience)
    project.search = SearchSection(space, SearchSettings(trials=args.trials, timeout_s=args.timeout,
                                                         epochs=args.epochs, seed=args.seed))

    def on_trial(t):
        error = f"val error {t.error:.2%}" if t.error is not None else ""
        print(f"  trial {t.number:>3} {t.state.title:<11} {error:<18} {t.cost or 0:>8,.0f} params "
              f"{t.duration_s:6.1f} s (training {t.train_s:5.1f} s)", flush=True)

    started = time.perf_counter()
    report = search_project(project, folder, dataset=dataset, on_trial=on_trial, num_threads=1)
    search_s = time.perf_counter() - started
    print(f"search: {report.message} {search_s:.0f} s")

    def test_accuracy(t):
        return t.run["metrics"]["test"]["accuracy"]

    print(f"front (by parameters; template: {base_params:,}, test {base_test:.2%}):")
    front = [report.trial(n) for n in report.front]
    for t in front:
        print(f"  trial {t.number:>3}: {t.cost:>8,.0f} params ({t.cost / base_params:5.1%} of the template), "
              f"val {1 - t.error:.2%}, test {test_accuracy(t):.2%}")
    half = [t for t in front if t.cost <= base_params / 2 and test_accuracy(t) >= base_test]
    tenth = [t for t in front if t.cost <= base_params / 10 and test_accuracy(t) >= base_test - 0.02]
    print(f"(a) at most half the parameters, at least as accurate on test: "
          + (f"yes, trial {half[0].number}" if half else "no"))
    print(f"(b) at most a tenth of the parameters, within 2 points on test: "
          + (f"yes, trial {tenth[0].number}" if tenth else "no"))

    timed = [t for t in report.trials if t.train_s > 0]
    overheads = [t.duration_s - t.train_s for t in timed]
    trains = [t.train_s for t in timed]
    if timed:
        print(f"overhead per trained trial (outside the training loop): median {statistics.median(overheads):.2f} s "
              f"against median training {statistics.median(trains):.2f} s "
              f"({statistics.median(overheads) / statistics.median(trains):.1%}); total {sum(overheads):.0f} s of "
              f"{sum(t.duration_s for t in report.trials):.0f} s")
    infeasible = [t for t in report.trials if t.train_s == 0]
    if infeasible:
        print(f"untrained trials (infeasible): {len(infeasible)}, median "
              f"{statistics.median(t.duration_s for t in infeasible):.2f} s each")
    return 0 if half and tenth else 1


if __name__ == "__main__":
    sys.exit(main())
