#!/usr/bin/env python3
"""Runs the exported model on new data and prints one prediction per input.

Needs only onnxruntime and numpy (and Pillow for images):  pip install onnxruntime numpy pillow

    python predict.py data.csv            # a CSV with the columns the model was trained on (the target is ignored)
    python predict.py photo1.png a.jpg    # image files, for an image model
    python predict.py data.csv --top 3    # the 3 likeliest classes with their probabilities

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

import numpy as np

MISSING = {"", "na", "n/a", "nan", "-nan", "null", "none", "#n/a", "#na", "<na>", "?"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
WORD_RE = re.compile(r"\w+|[^\w\s]")
HERE = os.path.dirname(os.path.abspath(__file__))


class InputError(Exception):
    """Input this model cannot take; the message says why."""


def load_model(path):
    import onnxruntime as ort

    ort.set_default_logger_severity(3)
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    meta = dict(session.get_modelmeta().custom_metadata_map)
    for key in ("labels", "preprocessing"):
        meta[key] = json.loads(meta.get(key) or "null")
    return session, meta


# --- tables -----------------------------------------------------------------------------------------------------

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
    return value if math.isfinite(value) else math.nan


def encode_column(col, cells):
    """Raw cells of one column -> float32 (n, width) exactly as at training time."""
    if col["type"] == "numeric":
        fill = col["mean"] if col.get("fill") is None else col["fill"]
        values = np.array([number(c) for c in cells], dtype=np.float64)
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


def read_csv_rows(path, pre, needed):
    """Rows of a CSV file as dicts {column: cell}, for the columns in `needed`."""
    read = pre.get("read") or {}
    encoding = read.get("encoding") or "utf-8-sig"
    with open(path, newline="", encoding=encoding) as f:
        text = f.read()
    delimiter = read.get("delimiter")
    if not delimiter:
        try:
            delimiter = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
    rows = [r for r in csv.reader(text.splitlines(), delimiter=delimiter) if any(cell.strip() for cell in r)]
    if not rows:
        raise InputError(f"{path}: the file holds no rows.")
    source = pre.get("source_columns") or needed
    header = [h.strip() for h in rows[0]]
    if read.get("header") is False or not set(needed) & set(header):
        names = source if len(rows[0]) == len(source) else needed
        body = rows
    else:
        names, body = header, rows[1:]
        missing = [n for n in needed if n not in names]
        if missing:
            raise InputError(f"{path}: the column(s) {', '.join(missing)} are missing; the model needs "
                             f"{', '.join(needed)}.")
    out = []
    for number_, row in enumerate(body, start=2 if body is not rows else 1):
        if len(row) != len(names):
            raise InputError(f"{path}, line {number_}: {len(row)} values, but {len(names)} columns are expected.")
        out.append(dict(zip(names, row)))
    return out


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


def array_inputs(path, pre):
    """A CSV of plain numbers, one sample per row (arrays and token ids)."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    try:
        values = np.array([[float(c) for c in r] for r in rows], dtype=np.float64)
    except ValueError:
        values = np.array([[float(c) for c in r] for r in rows[1:]], dtype=np.float64)  # a header line
    if pre["kind"] == "tokens":
        return values.astype(np.int64)
    shape = pre["shape"]
    values = values.reshape((len(values), *shape))
    if pre.get("mean") is not None:
        values = (values - np.asarray(pre["mean"])) / np.asarray(pre["std"])
    return values.astype(np.float32)


# --- images -----------------------------------------------------------------------------------------------------

def image_input(path, pre):
    from PIL import Image

    height, width = pre["size"]
    channels = pre["channels"]
    background = pre.get("alpha_background", 255)
    with Image.open(path) as img:
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
    values = outputs.astype(np.float64)
    if target.get("mean"):
        values = values * np.asarray(target["std"]) + np.asarray(target["mean"])
    for row in values.reshape(len(values), -1):
        lines.append(" ".join(f"{v:.6g}" for v in row))
    return lines


def model_inputs(paths, pre):
    kind = pre["kind"]
    if kind == "image":
        bad = [p for p in paths if os.path.splitext(p)[1].lower() not in IMAGE_EXTENSIONS]
        if bad:
            raise InputError(f"{bad[0]}: this model takes image files (png, jpg, bmp, gif or webp).")
        return np.stack([image_input(p, pre) for p in paths]).astype(np.float32)
    if kind in ("array", "tokens"):
        return np.concatenate([array_inputs(p, pre) for p in paths])
    needed = [c["name"] for c in pre["columns"]] if kind == "table" else [pre["column"]]
    rows = []
    for p in paths:
        rows.extend(read_csv_rows(p, pre, needed))
    return table_inputs(rows, pre) if kind == "table" else text_inputs(rows, pre)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Predict with the exported model.")
    parser.add_argument("inputs", nargs="+", help="a CSV file with the training columns, or image files")
    parser.add_argument("--model", default=os.path.join(HERE, "model.onnx"), help="the .onnx file (default: "
                        "model.onnx beside this script)")
    parser.add_argument("--top", type=int, default=1, help="classification: show the K likeliest classes")
    parser.add_argument("--batch", type=int, default=256, help="samples per run of the model")
    args = parser.parse_args(argv)
    try:
        session, meta = load_model(args.model)
        x = model_inputs(args.inputs, meta["preprocessing"])
        name = session.get_inputs()[0].name
        for start in range(0, len(x), args.batch):
            outputs = session.run(None, {name: x[start:start + args.batch]})[0]
            for line in describe(outputs, meta, args.top):
                print(line)
    except FileNotFoundError as exc:
        print(f"error: {exc.filename}: no such file.", file=sys.stderr)
        return 2
    except (InputError, OSError, UnicodeDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
