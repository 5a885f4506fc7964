"""Benchmark: default settings on ordinary tables. Three generated tables in the style of well-known public ones,
with missing values and categories, are imported as a user would (a CSV file, the suggested target, default
options: missing values filled in with indicator inputs), then the default MLP template is trained with its default
settings and compared, on the same encoded rows and the same split, with scikit-learn's MLP and
HistGradientBoosting (fitted on the training rows, scored on the test rows), printed side by side.

  penguins  344 rows: species from bill, flipper, mass (numbers with gaps), island and sex (categories with gaps)
  adult     3,000 rows: income above 50K from age, hours, education years (numbers) and work class, occupation,
            marital status (categories, some missing), a nonlinear rule with noise
  housing   2,000 rows: price (regression, R²) from rooms, area, age, distance (numbers with gaps) and
            neighbourhood (categories)

Not part of the test suite. Run:  .venv/bin/python tests/bench/bench_tabular_defaults.py [--keep DIR] [--markdown]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np


def _with_gaps(values: list, rng, share: float) -> list:
    return ["" if rng.random() < share else v for v in values]


def penguins(rng) -> tuple[list[str], list[list]]:
    species = ["Adelie", "Chinstrap", "Gentoo"]
    rows = []
    for _ in range(344):
        k = int(rng.integers(0, 3))
        bill = rng.normal([38.8, 48.8, 47.5][k], 2.8)
        flipper = rng.normal([190, 196, 217][k], 6.5)
        mass = rng.normal([3700, 3733, 5076][k], 450)
        island = rng.choice([["Torgersen", "Biscoe", "Dream"], ["Dream"], ["Biscoe"]][k])
        sex = rng.choice(["male", "female"])
        cells = _with_gaps([f"{bill:.1f}", f"{flipper:.0f}", f"{mass:.0f}"], rng, 0.03)
        rows.append([species[k], island, *cells, *_with_gaps([sex], rng, 0.04), int(rng.integers(2007, 2010))])
    return ["species", "island", "bill_length_mm", "flipper_length_mm", "body_mass_g", "sex", "year"], rows


def adult(rng) -> tuple[list[str], list[list]]:
    work = ["Private", "Self-emp", "Local-gov", "State-gov", "Federal-gov"]
    jobs = ["Exec-managerial", "Prof-specialty", "Craft-repair", "Sales", "Adm-clerical", "Other-service"]
    marital = ["Married", "Never-married", "Divorced", "Widowed"]
    rows = []
    for _ in range(3000):
        age = int(rng.integers(18, 80))
        hours = int(np.clip(rng.normal(40, 12), 5, 99))
        edu = int(rng.integers(6, 17))
        w, j, m = (int(rng.integers(0, len(c))) for c in (work, jobs, marital))
        score = (0.06 * (age - 40) - 0.0012 * (age - 45) ** 2 + 0.05 * (hours - 40) + 0.35 * (edu - 10)
                 + [0.2, 0.6, 0.1, 0.0, 0.3][w] + [1.0, 0.9, -0.1, 0.1, -0.4, -0.9][j] + [1.2, -0.8, -0.3, -0.5][m])
        rich = score + rng.normal(0, 0.9) > 0.9
        cells = _with_gaps([work[w], jobs[j]], rng, 0.05)
        rows.append([age, cells[0], edu, marital[m], cells[1], hours, ">50K" if rich else "<=50K"])
    return ["age", "workclass", "education_num", "marital_status", "occupation", "hours_per_week", "income"], rows


def housing(rng) -> tuple[list[str], list[list]]:
    hoods = ["Old Town", "Harbour", "Hillside", "Riverside", "Station"]
    rows = []
    for _ in range(2000):
        rooms = int(rng.integers(1, 8))
        area = rooms * rng.normal(24, 5) + rng.normal(10, 4)
        age = rng.uniform(0, 100)
        dist = rng.exponential(5)
        h = int(rng.integers(0, 5))
        price = (1800 * area * [1.3, 1.5, 1.1, 1.2, 0.9][h] * np.exp(-dist / 25) * (1 - 0.003 * age)
                 + rng.normal(0, 15_000))
        cells = _with_gaps([f"{area:.1f}", f"{age:.0f}", f"{dist:.2f}"], rng, 0.04)
        rows.append([rooms, *cells, hoods[h], f"{price:.0f}"])
    return ["rooms", "area_m2", "age_years", "distance_km", "neighbourhood", "price"], rows


TABLES = {"penguins": penguins, "adult": adult, "housing": housing}


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.write_text(",".join(header) + "\n" + "".join(",".join(str(c) for c in row) + "\n" for row in rows))


def ours(path: Path, folder: Path) -> tuple[object, float, float]:
    from workbench.core.data import DatasetSpec, load_dataset
    from workbench.core.data_fit import fit_graph_to_dataset
    from workbench.core.project import open_template
    from workbench.core.project.actions import train_project

    dataset = load_dataset(DatasetSpec(source="csv", path=str(path)))
    project = open_template("mlp")
    fit_graph_to_dataset(project.graph, dataset)
    start = time.perf_counter()
    outcome = train_project(project, folder, dataset=dataset, num_threads=1)
    figures = outcome.record.figures("test")
    metric = figures.get("accuracy", figures.get("r2"))
    return dataset, float(metric), time.perf_counter() - start


def sklearn_scores(dataset) -> dict[str, tuple[float, float]]:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    train, test = dataset.splits["train"], dataset.splits["test"]
    x, y = dataset.x, dataset.y
    classify = dataset.task == "classification"
    models = {"sklearn MLP": (MLPClassifier if classify else MLPRegressor)(max_iter=500, random_state=0),
              "HistGradientBoosting": (HistGradientBoostingClassifier if classify else
                                       HistGradientBoostingRegressor)(random_state=0)}
    out = {}
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(x[train], y[train])
        out[name] = (float(model.score(x[test], y[test])), time.perf_counter() - start)  # accuracy or R²
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="write the tables into (and reuse) this folder")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    work = args.keep or Path(tempfile.mkdtemp(prefix="wb-tabular-"))
    work.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, make in TABLES.items():
        path = work / f"{name}.csv"
        if not path.exists():
            write_csv(path, *make(np.random.default_rng(0)))
        with tempfile.TemporaryDirectory() as folder:
            dataset, metric, seconds = ours(path, Path(folder))
        scores = sklearn_scores(dataset)
        unit = "accuracy" if dataset.task == "classification" else "R²"
        target = dataset.preprocessing["target"]["columns"][0]
        lines.append((name, len(dataset.y), dataset.x.shape[1], target, unit, metric, seconds, scores))
        print(f"{name:9s} target {target!r} ({unit}): MLP template {metric:.4f} ({seconds:.1f} s), "
              + ", ".join(f"{k} {v:.4f} ({s:.1f} s)" for k, (v, s) in scores.items()))
    if args.markdown:
        print("| table | rows | inputs | target (metric) | MLP template, defaults | sklearn MLP | "
              "HistGradientBoosting |")
        print("|---|---:|---:|---|---:|---:|---:|")
        for name, rows, width, target, unit, metric, seconds, scores in lines:
            mlp, hgb = scores["sklearn MLP"], scores["HistGradientBoosting"]
            print(f"| {name} | {rows:,} | {width} | {target} ({unit}) | {metric:.4f} ({seconds:.1f} s) | "
                  f"{mlp[0]:.4f} ({mlp[1]:.1f} s) | {hgb[0]:.4f} ({hgb[1]:.1f} s) |")


if __name__ == "__main__":
    main()
