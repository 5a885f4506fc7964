"""`DatasetSpec`: the JSON-safe choice of data saved in the project file under ``"dataset"``, and its validation.

`DatasetSpec.from_dict` checks every field and raises `ProjectFileError` naming the place at fault, e.g.
``dataset.split.train``; `DatasetSpec.to_dict` gives back a plain dict that `from_dict` accepts unchanged.
Options are checked per source, so a typo (``"targt"``) is reported rather than silently ignored.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from workbench.core.errors import ProjectFileError

SOURCES = ("builtin", "csv", "images", "npz", "idx")
BUILTIN_NAMES = ("digits", "iris", "wine", "breast_cancer", "diabetes", "moons", "spirals", "reviews", "digit_traits")
SPLIT_NAMES = ("train", "val", "test")
DEFAULT_SPLIT = {"train": 0.7, "val": 0.15, "test": 0.15, "seed": 0, "stratify": True}

MISSING_POLICIES = ("impute", "drop", "mean", "most_frequent")
# without a named target: "suggest" one (named like a target, or of few categories), or take the "last" column, as
# projects saved before Workbench suggested targets did (their files are migrated to say so)
TARGET_RULES = ("suggest", "last")
CATEGORICAL_ENCODINGS = ("one_hot", "index")
COLUMN_KINDS = ("categorical", "numeric")
TEXT_MODES = ("words", "chars")
COLOR_MODES = ("auto", "grayscale", "rgb")
TASKS = ("auto", "classification", "regression", "multilabel")

_TEXT_KEYS = ("column", "mode", "max_len", "max_vocab", "min_freq", "lowercase")
_AUGMENT_KEYS = ("hflip", "vflip", "rotate_deg", "shift_px", "noise")

_COMMON_OPTIONS = ("task",)
_SOURCE_OPTIONS = {
    "builtin": ("n_samples", "noise", "classes", "seed", "scale_target"),
    "csv": ("target", "target_rule", "ignore", "include", "delimiter", "header", "missing", "categorical",
            "encodings", "kinds", "text", "scale_target"),
    "images": ("image_size", "color_mode"),
    "npz": ("standardize", "as_tokens", "scale_target"),
    "idx": ("labels_path", "standardize", "scale_target"),
}


def _fail(message: str, where: str) -> None:
    raise ProjectFileError(message, where)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (_is_int(value) or isinstance(value, float)) and math.isfinite(value)


def _check_int(value: Any, where: str, low: int, high: int) -> None:
    if not _is_int(value) or not low <= value <= high:
        _fail(f"must be a whole number from {low} to {high} (got {value!r}).", where)


def _check_number(value: Any, where: str, low: float, high: float) -> None:
    if not _is_number(value) or not low <= value <= high:
        _fail(f"must be a number from {low:g} to {high:g} (got {value!r}).", where)


def _check_choice(value: Any, where: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        _fail(f"must be one of {', '.join(choices)} (got {value!r}).", where)


def _check_bool(value: Any, where: str) -> None:
    if not isinstance(value, bool):
        _fail(f"must be true or false (got {value!r}).", where)


def _check_names(value: Any, where: str) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        _fail(f"must be a list of column names (got {value!r}).", where)


def _check_keys(d: dict, allowed: tuple[str, ...], where: str) -> None:
    for key in d:
        if key not in allowed:
            _fail(f"unknown setting {key!r}; expected one of {', '.join(allowed)}.", f"{where}.{key}")


def _check_options(source: str, options: Any, where: str) -> None:
    if not isinstance(options, dict):
        _fail(f"must be an object (got {options!r}).", where)
    _check_keys(options, _COMMON_OPTIONS + _SOURCE_OPTIONS[source], where)
    for key, value in options.items():
        at = f"{where}.{key}"
        if key == "task":
            _check_choice(value, at, TASKS)
        elif key == "n_samples":
            _check_int(value, at, 10, 1_000_000)
        elif key == "noise":
            _check_number(value, at, 0.0, 10.0)
        elif key == "classes":
            _check_int(value, at, 2, 10)
        elif key == "seed":
            _check_int(value, at, 0, 2**32 - 1)
        elif key in ("scale_target", "standardize", "as_tokens"):
            _check_bool(value, at)
        elif key == "target":
            if value is not None and not (isinstance(value, str) and value):
                _check_names(value, at)
                if not value:
                    _fail("must name at least one column.", at)
        elif key in ("ignore", "include"):
            _check_names(value, at)
        elif key == "delimiter":
            if value is not None and not (isinstance(value, str) and len(value) == 1 and value not in "\"\r\n"):
                _fail(f"must be a single character such as ',' ';' or a tab, or null for automatic (got {value!r}).",
                      at)
        elif key == "header":
            if value is not None:
                _check_bool(value, at)
        elif key == "missing":
            _check_choice(value, at, MISSING_POLICIES)
        elif key == "target_rule":
            _check_choice(value, at, TARGET_RULES)
        elif key == "categorical":
            _check_choice(value, at, CATEGORICAL_ENCODINGS)
        elif key == "encodings":
            if not isinstance(value, dict):
                _fail(f"must map column names to one_hot or index (got {value!r}).", at)
            for column, encoding in value.items():
                _check_choice(encoding, f"{at}.{column}", CATEGORICAL_ENCODINGS)
        elif key == "kinds":
            if not isinstance(value, dict):
                _fail(f"must map column names to categorical or numeric (got {value!r}).", at)
            for column, kind in value.items():
                _check_choice(kind, f"{at}.{column}", COLUMN_KINDS)
        elif key == "text":
            _check_text(value, at)
        elif key == "image_size":
            if isinstance(value, list):
                if len(value) != 2:
                    _fail(f"must be one size or [height, width] (got {value!r}).", at)
                for i, side in enumerate(value):
                    _check_int(side, f"{at}[{i}]", 1, 1024)
            else:
                _check_int(value, at, 1, 1024)
        elif key == "color_mode":
            _check_choice(value, at, COLOR_MODES)
        elif key == "labels_path":
            if not isinstance(value, str) or not value:
                _fail(f"must be the path of the labels file (got {value!r}).", at)


def _check_text(value: Any, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        _fail(f"must be an object such as {{\"column\": \"review\", \"mode\": \"words\"}} (got {value!r}).", where)
    _check_keys(value, _TEXT_KEYS, where)
    if not isinstance(value.get("column"), str) or not value["column"]:
        _fail("must name the text column.", f"{where}.column")
    if "mode" in value:
        _check_choice(value["mode"], f"{where}.mode", TEXT_MODES)
    if "max_len" in value and value["max_len"] is not None:
        _check_int(value["max_len"], f"{where}.max_len", 1, 10_000)
    if "max_vocab" in value:
        _check_int(value["max_vocab"], f"{where}.max_vocab", 3, 1_000_000)
    if "min_freq" in value:
        _check_int(value["min_freq"], f"{where}.min_freq", 1, 1_000_000)
    if "lowercase" in value:
        _check_bool(value["lowercase"], f"{where}.lowercase")


def _check_split(split: Any, where: str) -> dict:
    if not isinstance(split, dict):
        _fail(f"must be an object with train, val, test, seed and stratify (got {split!r}).", where)
    _check_keys(split, tuple(DEFAULT_SPLIT), where)
    merged = {**DEFAULT_SPLIT, **split}
    for name in SPLIT_NAMES:
        _check_number(merged[name], f"{where}.{name}", 0.0, 1.0)
    if merged["train"] <= 0:
        _fail("must be more than 0: the model needs data to train on.", f"{where}.train")
    total = merged["train"] + merged["val"] + merged["test"]
    if abs(total - 1.0) > 1e-6:
        _fail(f"train, val and test must add up to 1 (they add up to {total:g}).", where)
    _check_int(merged["seed"], f"{where}.seed", 0, 2**32 - 1)
    _check_bool(merged["stratify"], f"{where}.stratify")
    return merged


def _check_augmentation(aug: Any, where: str) -> None:
    if not isinstance(aug, dict):
        _fail(f"must be an object (got {aug!r}).", where)
    _check_keys(aug, _AUGMENT_KEYS, where)
    for key, value in aug.items():
        at = f"{where}.{key}"
        if key in ("hflip", "vflip"):
            _check_bool(value, at)
        elif key == "rotate_deg":
            _check_number(value, at, 0.0, 180.0)
        elif key == "shift_px":
            _check_int(value, at, 0, 64)
        elif key == "noise":
            _check_number(value, at, 0.0, 1.0)


@dataclass
class DatasetSpec:
    """Which data a project uses and how it is read, split and augmented; JSON-safe."""

    source: str
    name: str | None = None
    path: str | None = None
    options: dict = field(default_factory=dict)
    split: dict = field(default_factory=lambda: dict(DEFAULT_SPLIT))
    augmentation: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"source": self.source}
        if self.name is not None:
            d["name"] = self.name
        if self.path is not None:
            d["path"] = self.path
        d["options"] = copy.deepcopy(self.options)
        d["split"] = {**DEFAULT_SPLIT, **copy.deepcopy(self.split)}
        d["augmentation"] = copy.deepcopy(self.augmentation)
        return d

    @classmethod
    def from_dict(cls, d: Any, field: str = "dataset") -> DatasetSpec:  # noqa: A002 - the contract's name
        where = field
        if not isinstance(d, dict):
            _fail(f"must be an object with a source (got {d!r}).", where)
        _check_keys(d, ("source", "name", "path", "options", "split", "augmentation"), where)
        source = d.get("source")
        _check_choice(source, f"{where}.source", SOURCES)
        name = d.get("name")
        path = d.get("path")
        if source == "builtin":
            _check_choice(name, f"{where}.name", BUILTIN_NAMES)
            if path is not None:
                _fail("a built-in dataset takes no path.", f"{where}.path")
        else:
            if not isinstance(path, str) or not path.strip():
                _fail(f"must be the file or folder to read for {source} data (got {path!r}).", f"{where}.path")
            if name is not None and not isinstance(name, str):
                _fail(f"must be text (got {name!r}).", f"{where}.name")
        options = d.get("options", {})
        _check_options(source, options, f"{where}.options")
        split = _check_split(d.get("split", {}), f"{where}.split")
        augmentation = d.get("augmentation", {})
        _check_augmentation(augmentation, f"{where}.augmentation")
        return cls(source=source, name=name, path=path, options=copy.deepcopy(options), split=split,
                   augmentation=copy.deepcopy(augmentation))

    def validated(self) -> DatasetSpec:
        """A checked copy of this spec (raises `ProjectFileError` like `from_dict`)."""
        return DatasetSpec.from_dict(self.to_dict())
