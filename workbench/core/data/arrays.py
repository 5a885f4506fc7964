"""NumPy ``.npz`` archives (arrays ``x`` and ``y``) and MNIST-format IDX files (optionally gzipped).

Never unpickles: ``np.load(..., allow_pickle=False)``, so an archive of Python objects is refused. uint8 arrays of
3 or 4 dimensions are images; 2-D arrays are tables (standardised per feature with training statistics unless
``standardize`` is false) or, with ``as_tokens``, token ids; anything else is used as float32 as it is.
"""

from __future__ import annotations

import gzip
import re
import struct
import zipfile
from pathlib import Path

import numpy as np

from workbench.core.data.dataset import Dataset
from workbench.core.data.files import refuse_special_file
from workbench.core.data.images import image_preprocessing
from workbench.core.data.progress import ProgressReporter
from workbench.core.data.splits import check_classes_in_train, make_splits
from workbench.core.data.table import AUTO_CLASSES, MAX_CLASSES, fmt_class, scale_regression_target
from workbench.core.errors import DataError

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
FLOAT32_MAX = float(np.finfo(np.float32).max)


# ------------------------------------------------------------------------------------------------ npz


def load_npz(path: Path, options: dict, split: dict, reporter: ProgressReporter) -> Dataset:
    reporter.update(0.0, f"Reading {path.name}", force=True)
    refuse_special_file(path, "an .npz file")
    try:
        f = open(path, "rb")          # opened here, so that it is closed whatever np.load makes of it
    except FileNotFoundError:
        raise DataError(f"The file {str(path)!r} does not exist.") from None
    except IsADirectoryError:
        raise DataError(f"{str(path)!r} is a folder, not an .npz file.") from None
    except OSError as e:
        raise DataError(f"The file {path.name!r} cannot be read: {e.strerror or e}.") from None
    with f:
        try:
            archive = np.load(f, allow_pickle=False)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError):
            raise DataError(f"The file {path.name!r} is not a NumPy .npz archive.") from None
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise DataError(f"The file {path.name!r} holds a single array; save x and y together with "
                            "numpy.savez(path, x=..., y=...).")
        with archive:
            keys = list(archive.files)
            xk = next((k for k in ("x", "X") if k in keys), None)
            yk = next((k for k in ("y", "Y") if k in keys), None)
            if xk is None or yk is None:
                raise DataError(f"The file {path.name!r} needs arrays named x and y; it holds "
                                f"{', '.join(keys) if keys else 'no arrays'}.")
            try:
                x = _member(archive, xk, path.name)
                y = _member(archive, yk, path.name)
            except ValueError:
                raise DataError(f"The file {path.name!r} holds Python objects (pickled data), which Workbench "
                                "never loads, for safety. Save plain number arrays.") from None
            except (OSError, zipfile.BadZipFile, EOFError):
                raise DataError(f"The file {path.name!r} is damaged and cannot be read.") from None
    return dataset_from_arrays(x, y, options, split, path.name, reporter)


def _member(archive, key: str, name: str) -> np.ndarray:
    """One array of an archive; its header is checked against the bytes the archive holds for it before any
    memory is allocated, so a damaged (or hostile) header that declares terabytes is refused in words."""
    declared = _declared_bytes(archive, key)
    if declared is not None and declared[0] > declared[1]:
        raise DataError(f"The file {name!r} is damaged: its array {key} declares {_gib(declared[0])} of data but "
                        f"holds {_gib(declared[1])}.")
    try:
        return archive[key]
    except MemoryError:
        size = f" ({_gib(declared[0])})" if declared is not None else ""
        raise DataError(f"The array {key} of {name!r} is too large for this computer's memory{size}.") from None


def _declared_bytes(archive, key: str) -> tuple[int, int] | None:
    """(bytes the .npy header of ``key`` declares, bytes stored for it), or None when that cannot be told."""
    try:
        info = archive.zip.getinfo(f"{key}.npy")
        with archive.zip.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                return None
    except (KeyError, ValueError, OSError, zipfile.BadZipFile, EOFError):
        return None                      # np.load says what is wrong when it reads the array
    if dtype.hasobject:
        return None
    return int(np.prod(shape, dtype=object)) * dtype.itemsize, info.file_size


def _gib(n: int) -> str:
    return f"{n / 2**30:,.1f} GiB" if n >= 2**30 else f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} bytes"


# ------------------------------------------------------------------------------------------------ idx


def read_idx(path: Path) -> np.ndarray:
    """One IDX file as a native-endian array."""
    refuse_special_file(path, "an IDX file")
    try:
        with open(path, "rb") as f:
            head = f.read(2)
        opener = gzip.open if head == b"\x1f\x8b" else open
        with opener(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise DataError(f"The file {str(path)!r} does not exist.") from None
    except IsADirectoryError:
        raise DataError(f"{str(path)!r} is a folder, not an IDX file.") from None
    except (OSError, EOFError):
        raise DataError(f"The file {path.name!r} is damaged (a broken gzip file).") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in IDX_TYPES or data[3] == 0:
        raise DataError(f"The file {path.name!r} is not an IDX file (MNIST format).")
    ndim = data[3]
    if len(data) < 4 + 4 * ndim:
        raise DataError(f"The file {path.name!r} is cut short.")
    dims = struct.unpack(f">{ndim}I", data[4:4 + 4 * ndim])
    dtype = np.dtype(IDX_TYPES[data[2]])
    expected = int(np.prod(dims)) * dtype.itemsize
    body = memoryview(data)[4 + 4 * ndim:]
    if len(body) < expected:
        raise DataError(f"The file {path.name!r} is cut short: it should hold {expected:,} bytes of data but holds "
                        f"{len(body):,}.")
    arr = np.frombuffer(body[:expected], dtype=dtype).reshape(dims)
    return arr.astype(dtype.newbyteorder("="))


def is_idx_file(path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        with open(path, "rb") as f:
            head = f.read(4)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as f:
                head = f.read(4)
    except (OSError, EOFError):
        return False
    return len(head) == 4 and head[0] == 0 and head[1] == 0 and head[2] in IDX_TYPES and 0 < head[3] <= 4


def partner_path(path: Path) -> tuple[Path, Path]:
    """(images, labels) for an IDX file of either kind, by the MNIST naming (images-idx3 / labels-idx1)."""
    name = path.name
    if re.search(r"labels?[-_.]idx1", name):
        other = re.sub(r"labels([-_.])idx1", r"images\1idx3", name)
        return path.with_name(other), path
    other = re.sub(r"idx[2-4]", "idx1", re.sub(r"images", "labels", name))
    return path, path.with_name(other)


def load_idx(path: Path, options: dict, split: dict, reporter: ProgressReporter, base_dir: Path | None) -> Dataset:
    reporter.update(0.0, f"Reading {path.name}", force=True)
    if options.get("labels_path"):
        labels = Path(options["labels_path"])
        if not labels.is_absolute() and base_dir is not None:
            labels = base_dir / labels
        images = path
    else:
        images, labels = partner_path(path)
        if labels == images or not labels.exists() or not images.exists():
            missing = labels if images == path else images
            raise DataError(f"Found no matching IDX file for {path.name!r}: expected {missing.name!r} next to it. "
                            "Choose the labels file in the options.")
    x = read_idx(images)
    y = read_idx(labels)
    if y.ndim != 1 and x.ndim == 1:
        x, y = y, x
    return dataset_from_arrays(x, y, options, split, images.name, reporter)


# ------------------------------------------------------------------------------------------------ shared


def _image_layout(x: np.ndarray) -> np.ndarray | None:
    """uint8 arrays that look like images -> (N, C, H, W); None when they do not."""
    if x.dtype != np.uint8:
        return None
    if x.ndim == 3:
        return x[:, None, :, :]
    if x.ndim == 4:
        if x.shape[1] in (1, 3):
            return x
        if x.shape[3] in (1, 3):
            return np.ascontiguousarray(x.transpose(0, 3, 1, 2))
    return None


def dataset_from_arrays(x: np.ndarray, y: np.ndarray, options: dict, split: dict, name: str,
                        reporter: ProgressReporter) -> Dataset:
    report: list[str] = []
    if x.dtype.kind not in "biuf":
        what = "text" if x.dtype.kind in "US" else f"{x.dtype.name} values"
        raise DataError(f"The array x of {name!r} must hold numbers, not {what}.")
    if x.ndim < 2:
        raise DataError(f"The array x of {name!r} must have one row per sample (it has shape {x.shape}).")
    if y.ndim not in (1, 2) or y.dtype.kind not in "biufUS":
        raise DataError(f"The array y of {name!r} must be a list of labels or targets (shape {y.shape}, "
                        f"type {y.dtype.name}).")
    if len(x) != len(y):
        raise DataError(f"The arrays of {name!r} do not match: x has {len(x):,} samples but y has {len(y):,}.")
    if len(x) == 0:
        raise DataError(f"{name!r} holds no samples.")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        raise DataError(f"The array x of {name!r} holds {int((~np.isfinite(x)).sum()):,} missing or infinite "
                        "values; fill or remove them first.")
    for label, values in (("x", x), ("y", y)):
        if values.dtype.kind == "f" and values.dtype.itemsize > 4 and values.size and \
                np.abs(values[np.isfinite(values)]).max(initial=0.0) > FLOAT32_MAX:
            raise DataError(f"The array {label} of {name!r} holds values too large for the model's 32-bit numbers "
                            f"(up to {np.abs(values[np.isfinite(values)]).max():.3g}; the largest is "
                            f"{FLOAT32_MAX:.3g}). Scale the data down first.")
    task, y_out, class_names = _target(y, options, name, report)
    splits = make_splits(len(y_out), split, y_out if task == "classification" else None)
    target = {"task": task, "columns": [], "classes": class_names}
    if task == "classification":
        check_classes_in_train(splits, y_out, class_names, report)
    else:
        target = {"task": task, "columns": [], "mean": None, "std": None}
        if options.get("scale_target", True):
            scale_regression_target(y_out, splits["train"], target)
            report.append("Targets standardised with the training rows; predictions are turned back into their "
                          "units.")
    images = _image_layout(x)
    vocab_size = None
    if images is not None:
        xs = images
        pre = image_preprocessing(images.shape[2:], images.shape[1])
        report.append(f"x: {len(x):,} images of {images.shape[3]}x{images.shape[2]} pixels, {images.shape[1]} "
                      "channel(s), kept as bytes; the model sees them as 0..1.")
        dtype = "float"
    elif options.get("as_tokens"):
        if x.ndim != 2 or x.dtype.kind not in "iu" or (x < 0).any():
            raise DataError(f"Token ids in {name!r} must be a 2-D array of whole numbers from 0 up.")
        xs = x.astype(np.int64)
        vocab_size = int(xs.max()) + 1
        pre = {"kind": "tokens", "version": 1, "max_len": int(x.shape[1]), "vocab_size": vocab_size, "pad_id": 0}
        report.append(f"x: token ids, {x.shape[1]} per sample, {vocab_size:,} different ids.")
        dtype = "int"
    else:
        xs = x.astype(np.float32)
        mean = std = None
        if x.ndim == 2 and options.get("standardize", True):
            train = x[splits["train"]].astype(np.float64)
            mean = train.mean(axis=0)
            std = train.std(axis=0)
            std = np.where(std > 0, std, 1.0)
            xs = ((x.astype(np.float64) - mean) / std).astype(np.float32)
            report.append(f"x: {x.shape[1]} features, each standardised with the training rows.")
            mean, std = [float(v) for v in mean], [float(v) for v in std]
        else:
            report.append(f"x: arrays of shape {list(x.shape[1:])}, used as they are.")
        pre = {"kind": "array", "version": 1, "shape": list(x.shape[1:]), "mean": mean, "std": std}
        dtype = "float"
    pre["target"] = target
    return Dataset(name=name, task=task, x=xs, y=y_out, class_names=class_names, input_shape=tuple(xs.shape[1:]),
                   input_dtype=dtype, preprocessing=pre, splits=splits, report=report, vocab_size=vocab_size,
                   description=f"{len(xs):,} samples from {name}.")


def _target(y: np.ndarray, options: dict, name: str, report: list[str]) -> tuple[str, np.ndarray, list[str]]:
    task = options.get("task", "auto")
    text = y.dtype.kind in "US"
    if task == "regression" and text:
        raise DataError(f"The labels y of {name!r} are text, not numbers, so they cannot be regression targets. "
                        "Choose classification.")
    if y.ndim == 2 and task == "classification":
        raise DataError(f"y of {name!r} has {y.shape[1]} columns; a classifier needs one label per sample.")
    if task == "auto":
        if y.ndim == 2:
            task = "regression"
        elif text or y.dtype.kind in "biu":
            task = "classification"
        else:
            distinct = np.unique(y)
            whole = bool(np.all(distinct == np.round(distinct)))
            task = "classification" if whole and len(distinct) <= AUTO_CLASSES else "regression"
        report.append(f"Task: {task}, from the labels y (choose the task to change it).")
    if task == "regression":
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise DataError(f"The targets y of {name!r} hold missing or infinite values.")
        return task, y.astype(np.float32), []
    distinct, y_index = np.unique(y, return_inverse=True)
    if len(distinct) > MAX_CLASSES:
        raise DataError(f"y of {name!r} has {len(distinct):,} different values: too many classes (at most "
                        f"{MAX_CLASSES}). Choose regression to predict the numbers.")
    names = [str(v) for v in distinct] if text else [fmt_class(float(v)) for v in distinct]
    if len(names) < 2:
        raise DataError(f"The labels y of {name!r} have a single class ({names[0]!r}); a classifier needs at least "
                        "two.")
    return task, y_index.reshape(-1).astype(np.int64), names
