#!/usr/bin/env python3
"""Runs the exported model on new data and prints one prediction per input.

Needs only onnxruntime and numpy (and Pillow for images):  pip install onnxruntime numpy pillow

    python predict.py data.csv            # a CSV with the columns the model was trained on (the target is ignored)
    python predict.py photo1.png a.jpg    # image files, for an image model
    python predict.py data.csv --top 3    # the 3 likeliest classes with their probabilities
    python predict.py data.csv --bad-values skip    # predict the good rows, skip the ones with bad values

Nothing is predicted from input the model cannot take without a word. A table cell that is text in a number column,
a number that is infinite or absurdly large (more than a million standard deviations from the training values),
or a category the model never saw in training, is reported on stderr with its row, column and value (the header is
row 1). Then, by default (--bad-values stop), the script stops with exit status 3; the rows before it have been
predicted. With --bad-values skip the row is skipped, an empty line stands in its place on stdout (so output line N
still belongs to input row N) and the other rows are predicted. Missing cells (empty, NA, N/A, ?, ...) are filled
as in training. An image that cannot be read (missing, damaged, not an image, or more than 89.5 million pixels) is
reported, an empty line stands in its place, the other images are predicted, and the exit status is 2.

Exit status: 0 every input was predicted (or skipped as asked); 2 the model, a file or an image could not be read
(each is named on stderr; the other inputs are predicted); 3 stopped at a bad value.

CSV files are read in blocks of --batch rows, and each block is printed as soon as it is predicted, so memory stays
bounded however long the file is.

The preprocessing the model was trained with (column scaling and encoding, vocabulary, image size) is read from
the model's own metadata, so this script works for any model exported by Workbench. It is a standalone copy
written by Workbench; it does not need Workbench to run.
"""

import argparse
import csv
import json
import math
import os
import re
import sys
import warnings

import numpy as np

MISSING = {"", "na", "n/a", "nan", "-nan", "null", "none", "#n/a", "#na", "<na>", "?"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
WORD_RE = re.compile(r"\w+|[^\w\s]")
HERE = os.path.dirname(os.path.abspath(__file__))
MAX_IMAGE_PIXELS = 89_478_485      # as Workbench's import: Pillow's default limit, as a hard limit
MAX_STANDARD_SCORE = 1e6           # a number further than this many standard deviations from the mean is garbage
FLOAT32_MAX = float(np.finfo(np.float32).max)
EXIT_UNREADABLE = 2
EXIT_BAD_VALUE = 3


class InputError(Exception):
    """Input this model cannot take; the message says why."""


class BadValuesStop(Exception):
    """Stopped at a row with bad values (--bad-values stop)."""


def load_model(path):
    import onnxruntime as ort  # lazy

    if not os.path.isfile(path):
        raise InputError(f"{path}: no such model file.")
    ort.set_default_logger_severity(3)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception as exc:       # onnxruntime raises its own exception types for a file it cannot load
        raise InputError(f"{path}: not a model ONNX Runtime can load ({str(exc).splitlines()[0]}).") from None
    meta = dict(session.get_modelmeta().custom_metadata_map)
    try:
        for key in ("labels", "preprocessing"):
            meta[key] = json.loads(meta.get(key) or "null")
    except ValueError:
        meta["preprocessing"] = None
    if not isinstance(meta.get("preprocessing"), dict) or "kind" not in meta["preprocessing"]:
        raise InputError(f"{path}: the model was not exported by Workbench (its metadata does not say how to "
                         "prepare the input).")
    return session, meta


# --- table cells ------------------------------------------------------------------------------------------------

def clean(cell):
    """A cell as stripped text, None when missing."""
    if cell is None:
        return None
    text = str(cell).strip()
    return None if text.lower() in MISSING else text


def number(cell):
    text = clean(cell)
    if text is None:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if abs(value) <= FLOAT32_MAX else math.nan       # as the import: NaN, infinite, huge -> missing


def numeric_values(cells):
    """float64 values of number cells, NaN for a missing or unreadable one (fast when every cell is a number)."""
    try:
        values = np.fromiter(map(float, cells), np.float64, len(cells))
    except (ValueError, TypeError):
        return np.array([number(c) for c in cells], dtype=np.float64)
    values[~(np.abs(values) <= FLOAT32_MAX)] = np.nan
    return values


def cell_problem(col, cell):
    """Why the model cannot take this cell of column `col`, or None (a missing cell is filled as in training)."""
    text = clean(cell)
    if text is None:
        return None
    if col["type"] == "numeric":
        try:
            value = float(text)
        except ValueError:
            return "is not a number"
        if not math.isfinite(value):
            return "is not a finite number"
        score = abs(value - col["mean"]) / col["std"]
        if not score <= MAX_STANDARD_SCORE:
            return (f"is far outside the values the model was trained on (mean {col['mean']:.4g}, spread "
                    f"{col['std']:.4g})")
        return None
    if text not in col["categories"]:
        shown = ", ".join(col["categories"][:8]) + (", ..." if len(col["categories"]) > 8 else "")
        return f"is not one of the categories the model was trained on ({shown})"
    return None


def column_problems(col, cells):
    """{index: why} for the cells of one column that the model cannot take (see `cell_problem`)."""
    if col["type"] == "numeric":
        try:
            values = np.fromiter(map(float, cells), np.float64, len(cells))
        except (ValueError, TypeError):
            suspects = range(len(cells))
        else:
            with np.errstate(invalid="ignore", over="ignore"):
                score = np.abs(values - col["mean"]) / col["std"]
            suspects = np.flatnonzero(~(score <= MAX_STANDARD_SCORE))
    else:
        known = set(col["categories"])
        suspects = [i for i, cell in enumerate(cells) if clean(cell) not in known]
    problems = {}
    for i in suspects:
        why = cell_problem(col, cells[i])
        if why:
            problems[int(i)] = why
    return problems


def encode_column(col, cells):
    """Raw cells of one column -> float32 (n, width) exactly as at training time, with the column's "was
    missing" input (1 where the cell was missing) last when it has one."""
    block = encode_cells(col, cells)
    if not col.get("missing_indicator"):
        return block
    if col["type"] == "numeric":
        missing = np.isnan(numeric_values(cells))
    else:
        missing = np.array([clean(cell) is None for cell in cells], dtype=bool)
    return np.concatenate([block, missing.astype(np.float32)[:, None]], axis=1)


def encode_cells(col, cells):
    if col["type"] == "numeric":
        fill = col["mean"] if col.get("fill") is None else col["fill"]
        values = numeric_values(cells)
        values = np.where(np.isnan(values), fill, values)
        return ((values - col["mean"]) / col["std"]).astype(np.float32)[:, None]
    index = {c: i for i, c in enumerate(col["categories"])}
    fill = col.get("fill")
    fill_index = col["categories"].index(fill) if fill is not None else -1
    codes = []
    for cell in cells:
        text = clean(cell)
        # a missing cell takes the fill category; a category never seen in training encodes as all zeros
        codes.append(index.get(text, -1) if text is not None else fill_index)
    codes = np.array(codes, dtype=np.int64)
    if col["encoding"] == "one_hot":
        out = np.zeros((len(codes), len(col["categories"])), dtype=np.float32)
        known = codes >= 0
        out[np.flatnonzero(known), codes[known]] = 1.0
        return out
    values = np.where(codes >= 0, codes.astype(np.float64), col["mean"])
    return ((values - col["mean"]) / col["std"]).astype(np.float32)[:, None]


def table_inputs(rows, pre):
    parts = [encode_column(col, [row.get(col["name"]) for row in rows]) for col in pre["columns"]]
    return np.concatenate(parts, axis=1)


def text_inputs(rows, pre):
    index = {tok: i for i, tok in enumerate(pre["vocab"])}
    out = np.zeros((len(rows), pre["max_len"]), dtype=np.int64)
    for i, row in enumerate(rows):
        text = clean(row.get(pre["column"])) or ""
        if pre.get("lowercase", True):
            text = text.lower()
        tokens = WORD_RE.findall(text) if pre["mode"] == "words" else list(text)
        ids = [index.get(t, pre.get("unk_id", 1)) for t in tokens[:pre["max_len"]]]
        out[i, :len(ids)] = ids
    return out


# --- reading CSV files in blocks ---------------------------------------------------------------------------------

def unique_names(raw):
    """Header names as Workbench's import names them: stripped, a repeated name numbered "x (2)", "x (3)"."""
    names, seen = [], set()
    for j, name in enumerate(raw):
        base = name.strip() or f"column {j + 1}"
        candidate, k = base, 2
        while candidate in seen:
            candidate, k = f"{base} ({k})", k + 1
        seen.add(candidate)
        names.append(candidate)
    return names


def csv_records(path, encoding, delimiter=None):
    """(row number, cells) for every row of a delimited file but empty lines, read as a stream."""
    if os.path.exists(path) and not (os.path.isfile(path) or os.path.isdir(path)):
        raise InputError(f"{path}: not a regular file (a pipe, a socket or a device).")
    try:
        f = open(path, newline="", encoding=encoding)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except IsADirectoryError:
        raise InputError(f"{path}: a folder, not a CSV file.") from None
    number_ = 0
    with f:
        try:
            if not delimiter:
                sample = f.read(65536)
                f.seek(0)
                try:
                    delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
                except csv.Error:
                    delimiter = ","
            for cells in csv.reader(f, delimiter=delimiter):
                number_ += 1
                if cells and not (len(cells) == 1 and not cells[0].strip()):     # an empty line is no row
                    yield number_, cells
        except UnicodeDecodeError:              # read ahead in blocks: the row is not known
            what = "UTF-8" if encoding.lower().startswith("utf-8") else encoding
            raise InputError(f"{path}: the file is not {what} text, as the training data was; save it as "
                             f"{what}.") from None
        except csv.Error as exc:
            raise InputError(f"{path}, row {number_ + 1}: not a readable CSV row ({exc}).") from None


def table_rows(path, pre, needed):
    """(row number, {column: cell} or a problem text) for every row of a CSV file, streamed."""
    read = pre.get("read") or {}
    records = csv_records(path, read.get("encoding") or "utf-8-sig", read.get("delimiter"))
    first = next(records, None)
    if first is None:
        raise InputError(f"{path}: the file holds no rows.")
    source = pre.get("source_columns") or needed
    header = unique_names(first[1])
    if read.get("header") is False or not set(needed) & set(header):
        names = source if len(first[1]) == len(source) else needed
        body = _chain([first], records)
    else:
        names, body = header, records
        missing = [n for n in needed if n not in names]
        if missing:
            one = len(missing) == 1
            raise InputError(f"{path}: the column{'' if one else 's'} {', '.join(missing)} {'is' if one else 'are'} "
                             "missing; the model needs "
                             f"{', '.join(needed)}.")
    for number_, cells in body:
        if len(cells) != len(names):
            yield number_, f"{len(cells)} values, but {len(names)} columns are expected"
        else:
            yield number_, dict(zip(names, cells))


def _chain(first, rest):
    yield from first
    yield from rest


def array_rows(path, pre):
    """(row number, float64 values or a problem text) for a CSV of plain numbers, one sample per row."""
    size = pre["max_len"] if pre["kind"] == "tokens" else int(np.prod(pre["shape"]))
    first = True
    for number_, cells in csv_records(path, "utf-8-sig", ","):
        try:
            values = np.array([float(c) for c in cells], dtype=np.float64)
        except ValueError:
            if first:
                first = False
                continue                        # a header line
            bad = next(c for c in cells if not _is_float(c))
            yield number_, f"{bad.strip()!r} is not a number"
            continue
        first = False
        if len(values) != size:
            yield number_, f"{len(values)} values, but the model takes {size}"
        elif not np.isfinite(values).all():
            yield number_, f"{cells[int(np.flatnonzero(~np.isfinite(values))[0])].strip()!r} is not a finite number"
        elif pre["kind"] == "tokens":
            if np.all(values == np.round(values)) and values.min() >= 0 and values.max() < pre["vocab_size"]:
                yield number_, values
            else:
                yield number_, f"token ids must be whole numbers from 0 to {pre['vocab_size'] - 1}"
        else:
            why = _array_problem(values, pre)
            yield number_, why if why else values


def _array_problem(values, pre):
    """Why a row of an array model's input is garbage (a value the 32-bit input cannot hold, or one more than a
    million standard deviations from the training mean), or None."""
    if np.abs(values).max() > FLOAT32_MAX:
        return "a value is too large for the model's 32-bit input"
    if pre.get("mean") is not None:
        flat_mean = np.broadcast_to(np.asarray(pre["mean"], dtype=np.float64), pre["shape"]).reshape(-1)
        flat_std = np.broadcast_to(np.asarray(pre["std"], dtype=np.float64), pre["shape"]).reshape(-1)
        far = np.flatnonzero(np.abs(values - flat_mean) / flat_std > MAX_STANDARD_SCORE)
        if len(far):
            return (f"value {far[0] + 1} ({values[far[0]]:.4g}) is far outside the values the model was trained on "
                    f"(mean {flat_mean[far[0]]:.4g}, spread {flat_std[far[0]]:.4g})")
    return None


def _is_float(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def array_inputs(values, pre):
    values = np.stack(values)
    if pre["kind"] == "tokens":
        return values.astype(np.int64)
    values = values.reshape((len(values), *pre["shape"]))
    if pre.get("mean") is not None:
        values = (values - np.asarray(pre["mean"])) / np.asarray(pre["std"])
    return values.astype(np.float32)


# --- images -----------------------------------------------------------------------------------------------------

def open_image(path):
    """The image, opened lazily; refused before decoding when it has more than MAX_IMAGE_PIXELS pixels."""
    from PIL import Image  # lazy

    if os.path.exists(path) and not os.path.isfile(path):
        raise InputError("a folder, not an image file" if os.path.isdir(path) else
                         "not a regular file (a pipe, a socket or a device)")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(path)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            found = re.search(r"\((\d+) pixels\)", str(exc))
            raise InputError(_too_large(int(found.group(1)) if found else None)) from None
    if img.size[0] * img.size[1] > MAX_IMAGE_PIXELS:
        img.close()
        raise InputError(_too_large(img.size[0] * img.size[1]))
    return img


def _too_large(pixels):
    size = f"{pixels / 1e6:,.0f} million pixels" if pixels else "more pixels than Pillow allows"
    return f"too large to read ({size}; the limit is {MAX_IMAGE_PIXELS / 1e6:.1f} million)"


def image_input(path, pre):
    from PIL import Image  # lazy

    height, width = pre["size"]
    channels = pre["channels"]
    background = pre.get("alpha_background", 255)
    with open_image(path) as img:
        if pre.get("jpeg_draft") and img.format == "JPEG" and img.size[0] >= 2 * width and img.size[1] >= 2 * height:
            img.draft("L" if channels == 1 else "RGB", (width, height))  # as the import decoded large JPEGs
        img.load()
        if img.mode == "P":
            img = img.convert("RGBA" if "transparency" in img.info else "RGB")
        elif img.mode == "PA":
            img = img.convert("RGBA")
        if img.mode.startswith("I") or img.mode == "F":
            arr = np.asarray(img)
            if img.mode == "F":
                arr = np.rint(np.clip(arr, 0, 255))
            else:
                arr = (np.clip(arr.astype(np.int64), 0, 65535) * 255 + 32767) // 65535
            img = Image.fromarray(arr.astype(np.uint8), "L")
        if img.mode in ("LA", "La", "RGBA", "RGBa"):
            gray = img.mode in ("LA", "La")
            rgba = img.convert("RGBA")
            back = Image.new("RGBA", rgba.size, (background, background, background, 255))
            img = Image.alpha_composite(back, rgba).convert("L" if gray else "RGB")
        img = img.convert("L" if channels == 1 else "RGB")
        if img.size != (width, height):
            img = img.resize((width, height), Image.Resampling.BILINEAR)
        arr = np.asarray(img, dtype=np.float32) / 255.0
    return arr[None] if channels == 1 else arr.transpose(2, 0, 1)


def image_problem(exc):
    """What to tell the user about an image that could not be read."""
    if isinstance(exc, InputError):
        return str(exc)
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, PermissionError):
        return "cannot be read (permission denied)"
    if type(exc).__name__ == "UnidentifiedImageError":
        return "not an image file Pillow can read"
    if "truncated" in str(exc) or isinstance(exc, (OSError, SyntaxError, ValueError)):
        return f"damaged or cut short ({exc})"
    return f"cannot be read ({type(exc).__name__}: {exc})"


# --- predictions ------------------------------------------------------------------------------------------------

def softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def describe(outputs, meta, top):
    pre = meta["preprocessing"] or {}
    target = pre.get("target") or {}
    labels = meta["labels"] or []
    lines = []
    if meta.get("task") == "classification":
        probabilities = softmax(outputs.astype(np.float64))
        for p in probabilities:
            order = np.argsort(-p)[:max(1, top)]
            names = [labels[k] if k < len(labels) else str(k) for k in order]
            if top <= 1:
                lines.append(names[0])
            else:
                lines.append(", ".join(f"{n} ({p[k]:.3f})" for n, k in zip(names, order)))
        return lines
    if meta.get("task") == "multilabel":      # the model gives each label's probability
        for p in outputs.astype(np.float64).reshape(len(outputs), -1):
            given = [k for k in np.argsort(-p) if p[k] > 0.5]
            names = [labels[k] if k < len(labels) else str(k) for k in given]
            lines.append(", ".join(f"{n} ({p[k]:.3f})" for n, k in zip(names, given)) if given else "(no label)")
        return lines
    values = outputs.astype(np.float64)
    if target.get("mean"):
        values = values * np.asarray(target["std"]) + np.asarray(target["mean"])
    for row in values.reshape(len(values), -1):
        lines.append(" ".join(f"{v:.6g}" for v in row))
    return lines


class Predictor:
    """Runs blocks of inputs through the model and prints one line per input, in input order."""

    def __init__(self, session, meta, top):
        self.session, self.meta, self.top = session, meta, top
        self.name = session.get_inputs()[0].name
        self.out, self.err = sys.stdout, sys.stderr

    def emit(self, x, slots):
        """Prints the predictions of x (one per True slot) and an empty line for each False slot."""
        lines = iter(self.run(x) if x is not None and len(x) else [])
        self.out.write("".join((next(lines) if ok else "") + "\n" for ok in slots))
        self.out.flush()

    def run(self, x):
        try:
            outputs = self.session.run(None, {self.name: x})[0]
        except Exception as exc:       # onnxruntime's own exception types
            raise InputError(f"the model could not run on this input ({str(exc).splitlines()[0]}).") from None
        return describe(outputs, self.meta, self.top)

    def warn(self, text):
        self.out.flush()
        self.err.write(text + "\n")
        self.err.flush()


def predict_rows(predictor, path, pre, batch, skip):
    """Streams one CSV file through the model, block by block; raises BadValuesStop at a bad row unless `skip`."""
    kind = pre["kind"]
    if kind in ("array", "tokens"):
        records = array_rows(path, pre)
    else:
        needed = [c["name"] for c in pre["columns"]] if kind == "table" else [pre["column"]]
        records = table_rows(path, pre, needed)
    block = []
    for record in records:
        block.append(record)
        if len(block) == batch:
            predict_block(predictor, path, pre, block, skip)
            block = []
    if block:
        predict_block(predictor, path, pre, block, skip)


def block_problems(block, pre):
    """Per record of a block, [(column or None, value, why)] for what the model cannot take in it."""
    problems = [[(None, None, row)] if isinstance(row, str) else [] for _, row in block]
    if pre["kind"] == "table":
        rows = [(i, row) for i, (_, row) in enumerate(block) if not isinstance(row, str)]
        for col in pre["columns"]:
            cells = [row.get(col["name"]) for _, row in rows]
            for j, why in column_problems(col, cells).items():
                problems[rows[j][0]].append((col["name"], cells[j], why))
    return problems


def predict_block(predictor, path, pre, block, skip):
    good, slots = [], []
    for (number_, row), problems in zip(block, block_problems(block, pre)):
        if not problems:
            good.append(row)
            slots.append(True)
            continue
        if not skip:
            predictor.emit(_inputs(good, pre), slots)
        for column, value, why in problems:
            where = f"{path} row {number_}" + (f", column {column!r}" if column is not None else "")
            predictor.warn(f"{where}: {value.strip()!r} {why}." if column is not None else f"{where}: {why}.")
        if not skip:
            bad = "bad value" if len(problems) == 1 else "bad values"
            raise BadValuesStop(f"stopped at {path} row {number_} because of the {bad} above; the rows "
                                "before it were predicted. Correct it, or run with --bad-values skip to predict the "
                                "other rows.")
        predictor.warn(f"{path} row {number_}: skipped.")
        slots.append(False)
    predictor.emit(_inputs(good, pre), slots)


def _inputs(rows, pre):
    if not rows:
        return None
    if pre["kind"] in ("array", "tokens"):
        return array_inputs(rows, pre)
    return table_inputs(rows, pre) if pre["kind"] == "table" else text_inputs(rows, pre)


def predict_images(predictor, paths, pre, batch):
    """Predicts image files `batch` at a time; an unreadable one is reported and skipped. Returns the failures."""
    failures = 0
    for start in range(0, len(paths), batch):
        arrays, slots = [], []
        for path in paths[start:start + batch]:
            try:
                if os.path.splitext(path)[1].lower() not in IMAGE_EXTENSIONS:
                    raise InputError("not an image file (this model takes png, jpg, bmp, gif or webp files)")
                arrays.append(image_input(path, pre))
                slots.append(True)
            except Exception as exc:       # one bad file must not stop the others: say what it was, go on
                predictor.warn(f"error: {path}: {image_problem(exc)}.")
                slots.append(False)
                failures += 1
        predictor.emit(np.stack(arrays).astype(np.float32) if arrays else None, slots)
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Predict with the exported model: one line per input on stdout, problems on stderr.",
        epilog="An image that cannot be read is reported, an empty line stands in its place, and the other inputs "
               "are predicted. Exit status: 0 every input predicted (or skipped as asked); 2 the model, a file or an "
               "image could not be read (each is named on stderr; the other inputs are predicted); 3 stopped at a "
               "bad value (--bad-values stop).")
    parser.add_argument("inputs", nargs="+", help="a CSV file with the training columns, or image files")
    parser.add_argument("--model", default=os.path.join(HERE, "model.onnx"), help="the .onnx file (default: "
                        "model.onnx beside this script)")
    parser.add_argument("--top", type=int, default=1, help="classification: show the K likeliest classes")
    parser.add_argument("--batch", type=int, default=256, help="samples per run of the model, and rows read at a "
                        "time (default: 256)")
    parser.add_argument("--bad-values", choices=("stop", "skip"), default="stop",
                        help="what to do with a row holding a value the model cannot take (text in a number "
                             "column, an unseen category, an infinite or absurdly large number): every such cell is "
                             "reported on stderr with its row and column; 'stop' (the default) then exits with "
                             "status 3, 'skip' prints an empty line in its place and goes on")
    args = parser.parse_args(argv)
    if args.batch < 1 or args.top < 1:
        parser.error("--batch and --top must be at least 1")
    try:
        session, meta = load_model(args.model)
        predictor = Predictor(session, meta, args.top)
        pre = meta["preprocessing"]
        if pre["kind"] == "image":
            return EXIT_UNREADABLE if predict_images(predictor, args.inputs, pre, args.batch) else 0
        failures = 0
        for path in args.inputs:
            try:
                predict_rows(predictor, path, pre, args.batch, args.bad_values == "skip")
            except InputError as exc:           # this file cannot be read (any further): say so, go on
                predictor.warn(f"error: {exc}")
                failures += 1
        return EXIT_UNREADABLE if failures else 0
    except BadValuesStop as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_VALUE
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except BrokenPipeError:         # output piped into e.g. `head`, which stopped reading
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror or exc}.", file=sys.stderr)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
