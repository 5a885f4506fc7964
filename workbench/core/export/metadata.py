"""What an exported model carries about itself, in ONNX ``metadata_props``: labels, preprocessing, task, description.

Values are strings (compact JSON for structured ones), so any ONNX tool can read them, and `predict.py` and the
Try-it page need nothing but the .onnx file. `read_metadata` gives them back decoded. The entries are kept lean
(figures and input/output descriptions live in the model card): in a small model they weigh as much as the weights.
So each fact is stored once: the preprocessing's ``target`` leaves out the task and the class names (the ``task``
and ``labels`` entries hold them) and an empty column list, and `read_metadata` puts them back, giving the dataset's
preprocessing as it was; a compression setting that does not apply (``amount`` of a quantization) is left out.
"""

from __future__ import annotations

import json

import workbench

METADATA_VERSION = "1"
JSON_KEYS = ("labels", "preprocessing", "compression")


def build_metadata(*, name: str, description: str, task: str, labels: list[str], preprocessing: dict,
                   compression: dict | None = None) -> dict[str, str]:
    """The metadata entries as strings."""
    values = {
        "workbench": METADATA_VERSION,
        "name": name,
        "description": description,
        "task": task,
        "labels": labels,
        "preprocessing": _stored_preprocessing(preprocessing, task, labels),
        "compression": {k: v for k, v in (compression or {"method": "none"}).items() if v is not None},
    }
    return {k: v if isinstance(v, str) else json.dumps(v, allow_nan=False, default=_plain, separators=(",", ":"))
            for k, v in values.items()}


def _stored_preprocessing(preprocessing: dict, task: str, labels: list[str]) -> dict:
    """`preprocessing` without the target facts that the task and labels entries already hold."""
    target = dict(preprocessing.get("target") or {})
    implied = _implied_target(task, labels)
    stored = {k: v for k, v in preprocessing.items() if k != "target"}
    kept = {k: v for k, v in target.items() if k not in implied or _json(v) != _json(implied[k])}
    if kept:
        stored["target"] = kept
    return stored


def _implied_target(task: str | None, labels) -> dict:
    implied = {"task": task, "columns": []}
    if task == "classification" and isinstance(labels, list):
        implied["classes"] = list(labels)
    if task == "multilabel" and isinstance(labels, list):
        implied["labels"] = list(labels)
    return implied


def _full_preprocessing(stored: dict, task: str | None, labels) -> dict:
    """The stored preprocessing with its target complete again (task, columns and, for classifiers, class names):
    for a Workbench dataset, the preprocessing exactly as the dataset gave it."""
    return {**stored, "target": {**_implied_target(task, labels), **(stored.get("target") or {})}}


def _json(value) -> str:
    return json.dumps(value, allow_nan=False, default=_plain, separators=(",", ":"), sort_keys=True)


def _plain(value):
    """NumPy scalars and tuples that slip into records."""
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    raise TypeError(f"{type(value).__name__} cannot be stored in the model's metadata")


def write_metadata(model, entries: dict[str, str]) -> None:
    """Replaces the model's metadata with `entries` and names Workbench as its producer."""
    del model.metadata_props[:]
    for key, value in entries.items():
        prop = model.metadata_props.add()
        prop.key, prop.value = key, value
    model.producer_name = "Workbench"
    model.producer_version = workbench.__version__


def read_metadata(model) -> dict:
    """A model's metadata with JSON values decoded (works on an onnx ModelProto or an ORT ModelMetadata)."""
    if hasattr(model, "custom_metadata_map"):
        raw = dict(model.custom_metadata_map)
    else:
        raw = {p.key: p.value for p in model.metadata_props}
    out = {}
    for key, value in raw.items():
        if key in JSON_KEYS:
            try:
                out[key] = json.loads(value)
            except json.JSONDecodeError:
                out[key] = value
        else:
            out[key] = value
    if isinstance(out.get("preprocessing"), dict) and "task" in out:
        out["preprocessing"] = _full_preprocessing(out["preprocessing"], out["task"], out.get("labels"))
    return out
