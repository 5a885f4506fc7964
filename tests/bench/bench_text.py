"""Benchmark: the text templates with their default settings against a bag-of-words baseline, on generated reviews
whose label depends on word order (`workbench.core.data.reviews`: "A but B", B decides; "not" turns a clause
round), at a few hundred and a few thousand rows.

  baseline  TF-IDF of word 1- to 3-grams and logistic regression (scikit-learn), fitted on the training rows
  lstm, transformer, encoder
            the template as it opens, fitted to the data, trained by `train_project` with the template's own
            settings (CPU, one thread), test accuracy of the weights it ends with

Every way gets the same rows and the same 70/15/15 split. Prints a table (test accuracy, best epoch of the
monitored figure, epochs run, wall time) and each template's accuracy minus the baseline's; --train-seeds trains
each template once per training seed. Targets (issue #14): each template at least 95 % on the few thousand rows
and 80 % on the few hundred, and above the baseline in both.

With --throughput, instead: training speed of each template on the 2,000 reviews, the engine (`Trainer`) against a
plain PyTorch loop on the same model, data, seed and settings, with `bench_training.py`'s two ways (Adam 1e-3, batch
64, validation after every epoch, no early stop); --repeat rounds, the ways taking turns; samples per second of the
best runs, their ratio and the median of the per-round ratios.

Not part of the test suite. Run:  .venv/bin/python tests/bench/bench_text.py [--rows 300,2000] [--seed 0]
[--templates lstm,transformer,encoder] [--train-seeds 0,1,2] [--markdown]
[--throughput [--epochs 5] [--repeat 3] [--threads 1]]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from bench_training import run_engine, run_plain  # the benchmarks' folder is on sys.path when run

from workbench.core.data import DatasetSpec, load_dataset
from workbench.core.data.reviews import make_reviews
from workbench.core.data_fit import fit_graph_to_dataset
from workbench.core.project import open_template
from workbench.core.project.actions import train_project

SPLIT = {"train": 0.7, "val": 0.15, "test": 0.15, "seed": 0, "stratify": True}


def bag_of_words(dataset, texts: list[str]) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer  # lazy
    from sklearn.linear_model import LogisticRegression  # lazy

    train, test = dataset.splits["train"], dataset.splits["test"]
    vectorizer = TfidfVectorizer(ngram_range=(1, 3))
    features = vectorizer.fit_transform([texts[i] for i in train])
    model = LogisticRegression(max_iter=5000, C=10.0).fit(features, dataset.y[train])
    return float(model.score(vectorizer.transform([texts[i] for i in test]), dataset.y[test]))


def train_template(name: str, spec: DatasetSpec, dataset, seed: int = 0) -> dict:
    project = open_template(name)
    project.dataset = spec
    fit_graph_to_dataset(project.graph, dataset)
    settings = project.training.replaced(device="cpu", seed=seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        record = train_project(project, Path(folder), dataset=dataset, settings=settings, num_threads=1).record
    history = record.curves.epochs
    return {"accuracy": record.metrics["test"]["accuracy"], "best": record.best_epoch + 1, "epochs": len(history),
            "seconds": time.perf_counter() - started}


def throughput(templates: list[str], epochs: int, repeat: int, threads: int) -> None:
    spec = DatasetSpec.from_dict({"source": "builtin", "name": "reviews", "options": {"n_samples": 2000},
                                  "split": SPLIT})
    dataset = load_dataset(spec)
    print(f"\n| template (2,000 reviews, {epochs} epochs, {threads} thread) | plain loop (samples/s) | engine | "
          "engine / plain (best; median of rounds) | val. accuracy plain / engine |")
    print("| --- | ---: | ---: | ---: | --- |")
    for name in templates:
        project = open_template(name)
        fit_graph_to_dataset(project.graph, dataset)
        run_engine(project, dataset, 1, threads, "cpu")  # warm up (the first optimizer step imports a lot)
        run_plain(project, dataset, 1, threads, "cpu")
        plain, engine = [], []
        for round_ in range(repeat):  # taking turns, the first way alternating, so a busy spell hits both
            ways = [(plain, run_plain), (engine, run_engine)]
            for results, way in ways if round_ % 2 == 0 else ways[::-1]:
                results.append(way(project, dataset, epochs, threads, "cpu"))
        best_plain, best_engine = max(plain), max(engine)
        rounds = np.median([e[0] / p[0] for e, p in zip(engine, plain)])
        print(f"| {name} | {best_plain[0]:,.0f} | {best_engine[0]:,.0f} | {best_engine[0] / best_plain[0]:.2f}x; "
              f"{rounds:.2f}x | {best_plain[1]:.3f} / {best_engine[1]:.3f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="300,2000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--templates", default="lstm,transformer,encoder")
    parser.add_argument("--train-seeds", default="0", help="the training settings' seeds, one run each")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--throughput", action="store_true")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.throughput:
        throughput(args.templates.split(","), args.epochs, args.repeat, args.threads)
        return
    rows = []
    for n in (int(r) for r in args.rows.split(",")):
        spec = DatasetSpec.from_dict({"source": "builtin", "name": "reviews",
                                      "options": {"n_samples": n, "seed": args.seed}, "split": SPLIT})
        dataset = load_dataset(spec)
        texts, _ = make_reviews(n, args.seed)
        baseline = bag_of_words(dataset, texts)
        rows.append((n, "bag of words (TF-IDF 1-3 grams + logistic regression)", baseline, None, None, None))
        print(f"{n} rows: baseline {baseline:.3f}", flush=True)
        for name, seed in ((t, int(s)) for t in args.templates.split(",") for s in args.train_seeds.split(",")):
            result = train_template(name, spec, dataset, seed)
            if args.train_seeds != "0":
                name = f"{name} (training seed {seed})"
            rows.append((n, name, result["accuracy"], result["best"], result["epochs"], result["seconds"]))
            print(f"{n} rows: {name} {result['accuracy']:.3f} (best epoch {result['best']} of {result['epochs']}, "
                  f"{result['seconds']:.0f} s; {result['accuracy'] - baseline:+.3f} against the baseline)",
                  flush=True)
    if args.markdown:
        print("\n| rows | model | test accuracy | against bag of words | best epoch / epochs run | wall time |")
        print("| ---: | --- | ---: | ---: | ---: | ---: |")
        baselines = {n: acc for n, name, acc, *_ in rows if name.startswith("bag")}
        for n, name, acc, best, epochs, seconds in rows:
            against = "" if best is None else f"{acc - baselines[n]:+.1%}"
            run = "" if best is None else f"{best} / {epochs}"
            wall = "" if seconds is None else f"{seconds:.0f} s"
            print(f"| {n:,} | {name} | {acc:.1%} | {against} | {run} | {wall} |")


if __name__ == "__main__":
    main()
