"""The built-in datasets: scikit-learn's bundled sets (no download), generated two moons and spirals, and generated
short reviews (text whose sentiment depends on word order, for the text templates; see `reviews`).

`builtin_datasets` describes them without importing scikit-learn; `load_builtin` imports it only when a bundled
set is loaded. Digits become 8x8 grayscale images (values 0..16 mapped to 0..255); the others are tables.
"""

from __future__ import annotations

import numpy as np

from workbench.core.data.columns import ColumnData
from workbench.core.data.dataset import Dataset
from workbench.core.data.images import image_preprocessing
from workbench.core.data.progress import ProgressReporter
from workbench.core.data.reviews import CLASS_NAMES, make_reviews
from workbench.core.data.splits import check_classes_in_train, make_splits
from workbench.core.data.table import TableSource, build_table
from workbench.core.data.text import TextBuilder
from workbench.core.errors import DataError

_CATALOG = [
    {"name": "digits", "title": "Handwritten digits (8x8)", "task": "classification", "kind": "image",
     "size": "1,797 images of 8x8 pixels, 10 classes",
     "description": "Small grayscale scans of handwritten digits 0 to 9 (scikit-learn's copy of the UCI set). "
                    "A quick start for image classifiers."},
    {"name": "iris", "title": "Iris flowers", "task": "classification", "kind": "table",
     "size": "150 rows, 4 features, 3 classes",
     "description": "Sepal and petal length and width of 150 iris flowers; predict the species."},
    {"name": "wine", "title": "Wine", "task": "classification", "kind": "table",
     "size": "178 rows, 13 features, 3 classes",
     "description": "Chemical analysis of 178 Italian wines; predict which of three growers made each."},
    {"name": "breast_cancer", "title": "Breast cancer (Wisconsin)", "task": "classification", "kind": "table",
     "size": "569 rows, 30 features, 2 classes",
     "description": "Measurements of cell nuclei in 569 breast tissue samples; predict malignant or benign."},
    {"name": "diabetes", "title": "Diabetes progression", "task": "regression", "kind": "table",
     "size": "442 rows, 10 features, 1 target",
     "description": "Age, sex, body mass index, blood pressure and six blood values of 442 patients; predict a "
                    "measure of disease progression one year later."},
    {"name": "moons", "title": "Two moons (generated)", "task": "classification", "kind": "table",
     "size": "1,000 points, 2 features, 2 classes",
     "description": "Two interleaving half circles of points with noise; a line cannot separate them, a small "
                    "network can. Generated from a seed, so it is the same every time."},
    {"name": "spirals", "title": "Spirals (generated)", "task": "classification", "kind": "table",
     "size": "1,000 points, 2 features, 2 classes",
     "description": "Points on two (or more) interleaved spiral arms; a harder test for small networks. "
                    "Generated from a seed."},
    {"name": "reviews", "title": "Short reviews (generated)", "task": "classification", "kind": "text",
     "size": "2,000 reviews of 4 to 15 words, 2 classes",
     "description": "Short generated reviews such as 'the plot was not good but the acting was great'; predict "
                    "positive or negative. The sentiment depends on word order (negation, 'but' clauses), so "
                    "a bag of words is not enough. Generated from a seed, so it is the same every time."},
    {"name": "digit_traits", "title": "Digit traits (multi-label)", "task": "multilabel", "kind": "image",
     "size": "1,797 images of 8x8 pixels, 3 labels each",
     "description": "The handwritten digits, each with three yes-or-no labels at once: is the digit even, is it "
                    "greater than 4, is it a prime number. A quick start for a multi-label output."},
]

DIGIT_TRAITS = {"even": (0, 2, 4, 6, 8), "greater than 4": (5, 6, 7, 8, 9), "prime": (2, 3, 5, 7)}


def builtin_datasets() -> list[dict]:
    """Name, title, description, task, kind and size of each built-in dataset (no import of scikit-learn)."""
    return [dict(entry) for entry in _CATALOG]


def builtin_title(name: str) -> str:
    for entry in _CATALOG:
        if entry["name"] == name:
            return entry["title"]
    raise DataError(f"There is no built-in dataset {name!r}; choose one of "
                    f"{', '.join(e['name'] for e in _CATALOG)}.")


def make_moons(n: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    x = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    x += rng.normal(scale=noise, size=x.shape)
    order = rng.permutation(n)
    return x[order], y[order]


def make_spirals(n: int, classes: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    counts = [n // classes + (1 if k < n % classes else 0) for k in range(classes)]
    xs, ys = [], []
    for k, count in enumerate(counts):
        t = np.linspace(0.05, 1.0, count)
        angle = 3.0 * np.pi * t + 2.0 * np.pi * k / classes
        xs.append(np.stack([t * np.cos(angle), t * np.sin(angle)], 1))
        ys.append(np.full(count, k, np.int64))
    x = np.concatenate(xs) + rng.normal(scale=noise, size=(n, 2))
    y = np.concatenate(ys)
    order = rng.permutation(n)
    return x[order], y[order]


def load_builtin(name: str, options: dict, split: dict, reporter: ProgressReporter) -> Dataset:
    title = builtin_title(name)
    reporter.update(0.0, f"Loading {title}", force=True)
    if name == "reviews":
        return _reviews(title, options, split, reporter)
    if name in ("moons", "spirals"):
        n = options.get("n_samples", 1000)
        seed = options.get("seed", 0)
        if name == "moons":
            if options.get("classes", 2) != 2:
                raise DataError("Two moons always has two classes; use spirals for more.")
            x, y = make_moons(n, options.get("noise", 0.1), seed)
            class_names = ["moon 1", "moon 2"]
        else:
            classes = options.get("classes", 2)
            x, y = make_spirals(n, classes, options.get("noise", 0.05), seed)
            class_names = [f"arm {k + 1}" for k in range(classes)]
        return _table(title, ["x1", "x2"], x, y, class_names, "class", options, split, reporter,
                      f"{n:,} generated points (seed {seed}).")
    for key in ("n_samples", "noise", "classes", "seed"):
        if key in options:
            raise DataError(f"The option {key!r} applies only to the generated datasets (moons, spirals).")
    from sklearn import datasets as skdata  # lazy: ~1 s, so only here

    loader = {"digits": skdata.load_digits, "digit_traits": skdata.load_digits, "iris": skdata.load_iris,
              "wine": skdata.load_wine,
              "breast_cancer": skdata.load_breast_cancer, "diabetes": skdata.load_diabetes}[name]
    bunch = loader()
    description = next(e["description"] for e in _CATALOG if e["name"] == name)
    if name == "digits":
        return _digits(bunch, title, description, options, split)
    if name == "digit_traits":
        return _digit_traits(bunch, title, description, options, split)
    features = [str(f) for f in bunch.feature_names]
    if name == "diabetes":
        return _table(title, features, bunch.data, bunch.target.astype(np.float64), [], "progression", options,
                      split, reporter, description)
    return _table(title, features, bunch.data, bunch.target.astype(np.int64), [str(t) for t in bunch.target_names],
                  "class", options, split, reporter, description)


def _table(title, features, x, y, class_names, target_name, options, split, reporter, description) -> Dataset:
    n = len(x)
    cols = [ColumnData(f, "numeric", [np.asarray(x[:, j], dtype=np.float64)]) for j, f in enumerate(features)]
    if class_names:
        cols.append(ColumnData(target_name, "categorical", [y.astype(np.int32)], list(class_names), ordered=True))
    else:
        cols.append(ColumnData(target_name, "numeric", [y.astype(np.float64)]))
    source = TableSource(title=f"The {title} data", name=title, source_columns=features + [target_name],
                         read={}, chunk_rows=[n])
    table_options = {"target": target_name, "task": options.get("task", "auto"),
                     "scale_target": options.get("scale_target", True)}
    report: list[str] = []
    dataset = build_table(cols, table_options, split, source, n, report, reporter)
    dataset.description = description
    return dataset


def _reviews(title: str, options: dict, split: dict, reporter: ProgressReporter) -> Dataset:
    for key in ("noise", "classes"):
        if key in options:
            raise DataError(f"The option {key!r} does not apply to the reviews; they always have two classes.")
    n = options.get("n_samples", 2000)
    seed = options.get("seed", 0)
    texts, y = make_reviews(n, seed)
    categories = sorted(set(texts))
    index = {t: i for i, t in enumerate(categories)}
    cols = [ColumnData("review", "categorical", [np.array([index[t] for t in texts], np.int32)], categories,
                       strings=[texts]),
            ColumnData("sentiment", "categorical", [y.astype(np.int32)], list(CLASS_NAMES), ordered=True)]
    source = TableSource(title=f"The {title} data", name=title, source_columns=["review", "sentiment"], read={},
                         chunk_rows=[n])
    longest = max(len(t.split()) for t in texts)  # no review is cut: its last clause decides its label
    table_options = {"target": "sentiment", "task": options.get("task", "auto"),
                     "text": {"column": "review", "max_len": longest}}
    report: list[str] = []
    dataset = build_table(cols, table_options, split, source, n, report, reporter, TextBuilder(table_options["text"]))
    dataset.description = f"{n:,} generated reviews (seed {seed})."
    return dataset


def _digits(bunch, title: str, description: str, options: dict, split: dict) -> Dataset:
    if options.get("task", "auto") == "regression":
        raise DataError("The digits are classes, not numbers to predict; choose classification.")
    images = np.asarray(bunch.images, dtype=np.float64)
    x = np.rint(np.clip(images, 0, 16) * (255.0 / 16.0)).astype(np.uint8)[:, None, :, :]
    y = np.asarray(bunch.target, dtype=np.int64)
    class_names = [str(i) for i in range(10)]
    splits = make_splits(len(y), split, y)
    report = ["Pixels 0..16 scaled to 0..255 and kept as bytes; the model sees them as 0..1."]
    check_classes_in_train(splits, y, class_names, report)
    pre = image_preprocessing((8, 8), 1, raw_max=16)
    pre["target"] = {"task": "classification", "columns": [], "classes": class_names}
    return Dataset(name=title, task="classification", x=x, y=y, class_names=class_names, input_shape=(1, 8, 8),
                   input_dtype="float", preprocessing=pre, splits=splits, report=report, description=description)


def _digit_traits(bunch, title: str, description: str, options: dict, split: dict) -> Dataset:
    if options.get("task", "auto") not in ("auto", "multilabel"):
        raise DataError("The digit traits are several yes-or-no labels per image; choose multi-label.")
    images = np.asarray(bunch.images, dtype=np.float64)
    x = np.rint(np.clip(images, 0, 16) * (255.0 / 16.0)).astype(np.uint8)[:, None, :, :]
    digit = np.asarray(bunch.target, dtype=np.int64)
    names = list(DIGIT_TRAITS)
    y = np.stack([np.isin(digit, DIGIT_TRAITS[n]) for n in names], axis=1).astype(np.float32)
    splits = make_splits(len(y), split, digit)  # stratified by digit, so each split has every combination
    report = ["Pixels 0..16 scaled to 0..255 and kept as bytes; the model sees them as 0..1.",
              f"Each image has {len(names)} yes-or-no labels: {', '.join(names)}."]
    pre = image_preprocessing((8, 8), 1, raw_max=16)
    pre["target"] = {"task": "multilabel", "columns": [], "labels": names}
    return Dataset(name=title, task="multilabel", x=x, y=y, class_names=names, input_shape=(1, 8, 8),
                   input_dtype="float", preprocessing=pre, splits=splits, report=report, description=description)
