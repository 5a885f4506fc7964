"""`load_dataset` (a `DatasetSpec` -> a `Dataset`) and `resolve_data_argument` (the command line's ``--data``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workbench.core.data.arrays import is_idx_file, load_idx, load_npz
from workbench.core.data.builtin import load_builtin
from workbench.core.data.csv_loader import load_csv
from workbench.core.data.dataset import Dataset
from workbench.core.data.image_folder import IMAGE_EXTENSIONS
from workbench.core.data.images import load_image_folder
from workbench.core.data.progress import ProgressReporter
from workbench.core.data.spec import BUILTIN_NAMES, DatasetSpec
from workbench.core.errors import DataError, ProjectFileError

TABLE_SUFFIXES = (".csv", ".tsv", ".txt")


def resolve_path(path: str, base_dir: Path | None) -> Path:
    p = Path(path).expanduser()
    if not p.is_absolute() and base_dir is not None:
        p = Path(base_dir) / p
    return p


def load_dataset(spec: DatasetSpec, base_dir: Path | None = None,
                 progress: Callable[[float, str], None] | None = None,
                 should_cancel: Callable[[], bool] | None = None) -> Dataset:
    """Load and preprocess the data that ``spec`` names. Relative paths resolve against ``base_dir``.

    ``progress(fraction, message)`` is called at most every 50 ms; ``should_cancel()`` is polled as often and a
    true answer raises `CancelledError`. Bad data raises `DataError` with a message for the user. Nothing is changed
    outside the returned object, so a failed import leaves the project as it was.
    """
    try:
        spec = spec.validated()
    except ProjectFileError as e:
        raise DataError(f"The dataset settings are not valid: {e}") from None
    reporter = ProgressReporter(progress, should_cancel)
    options, split = spec.options, spec.split
    if spec.source == "builtin":
        dataset = load_builtin(spec.name, options, split, reporter)
    else:
        path = resolve_path(spec.path, base_dir)
        if spec.source == "csv":
            dataset = load_csv(path, options, split, reporter)
        elif spec.source == "images":
            dataset = load_image_folder(path, options, split, reporter)
        elif spec.source == "npz":
            dataset = load_npz(path, options, split, reporter)
        else:
            dataset = load_idx(path, options, split, reporter, base_dir)
        if spec.name:
            dataset.name = spec.name
    if options.get("task", "auto") not in ("auto", dataset.task):
        raise DataError(f"This data can only be used for {dataset.task}, not {options['task']}.")
    dataset.spec = spec
    reporter.done(f"Loaded {dataset.num_samples:,} samples.")
    return dataset


def resolve_data_argument(arg: str, target: str | None = None, ignore: list[str] | None = None,
                          kinds: dict[str, str] | None = None, text: str | None = None) -> DatasetSpec:
    """The command line's ``--data``: a built-in name, a .csv/.tsv/.txt file, an image folder, an .npz file or an
    IDX file. Paths are made absolute (they are relative to where the command runs, not to the project).
    ``target`` (a column, or several separated by commas: numbers to predict, or 0/1 labels), ``ignore``, ``kinds``
    ({column: "categorical" | "numeric"}) and ``text`` (the text column) apply to tables only."""
    ignore = [c.strip() for c in (ignore or []) if c.strip()]
    table_opts: dict = {}
    targets = [c.strip() for c in (target or "").split(",") if c.strip()]
    if targets:
        table_opts["target"] = targets[0] if len(targets) == 1 else targets
    if ignore:
        table_opts["ignore"] = ignore
    if kinds:
        table_opts["kinds"] = dict(kinds)
    if text:
        table_opts["text"] = {"column": text}
    if arg in BUILTIN_NAMES:
        if table_opts:
            raise DataError(f"--target and --ignore apply to CSV tables, not to the built-in dataset {arg!r}.")
        return DatasetSpec(source="builtin", name=arg)
    path = Path(arg).expanduser()
    if not path.exists():
        raise DataError(f"{arg!r} is neither a built-in dataset ({', '.join(BUILTIN_NAMES)}) nor a file or folder "
                        "that exists.")
    absolute = str(path.resolve())
    if path.is_dir():
        source = "images"
    else:
        suffix = path.suffix.lower()
        if suffix in TABLE_SUFFIXES:
            source = "csv"
        elif suffix == ".npz":
            source = "npz"
        elif is_idx_file(path):
            source = "idx"
        elif suffix in IMAGE_EXTENSIONS:
            raise DataError(f"{arg!r} is a single image; give the folder that holds one sub-folder of images per "
                            "class.")
        else:
            raise DataError(f"Cannot tell what kind of data {path.name!r} holds; use a .csv, .tsv or .txt table, "
                            "an .npz file, an IDX file or a folder of images.")
    if table_opts and source != "csv":
        raise DataError("--target and --ignore apply to CSV tables only.")
    return DatasetSpec(source=source, path=absolute, options=table_opts).validated()
