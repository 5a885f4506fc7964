"""The dataset a project trains on, loaded once and kept while its spec stays the same.

The app trains and evaluates many times on the same data; `project_dataset` keeps the last few loaded datasets
keyed by their spec and folder, so a second run or an evaluation does not read and preprocess the data again.
The Data page hands over what it imported with `remember_project_dataset`, the command line's ``--data`` goes
through `use_data` (read once, then kept), `fit_untrained_graph` fits a network not trained yet to the project's
own data (a project file written by hand whose text options give another length or vocabulary), and a second caller
asking for data that another thread is loading waits for that load instead of reading the files twice. Thread-safe:
workers call it.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections import OrderedDict
from pathlib import Path

from workbench.core.data import DatasetSpec, load_dataset, resolve_data_argument
from workbench.core.data_fit import GraphFit, fit_graph_to_dataset
from workbench.core.errors import CancelledError, WorkbenchError
from workbench.core.layers import format_shape, get_spec

CACHE_SIZE = 2
_cache: OrderedDict[tuple, object] = OrderedDict()
_loading: dict[tuple, threading.Event] = {}
_lock = threading.Lock()


def _key(spec: DatasetSpec, folder: Path | None) -> tuple:
    folder = Path(folder).resolve() if folder else None
    return json.dumps(spec.to_dict(), sort_keys=True), str(folder)


def _store(key: tuple, dataset) -> None:
    with _lock:
        _cache[key] = dataset
        _cache.move_to_end(key)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def project_dataset(project, progress=None, should_cancel=None):
    """The project's data, loaded (relative paths from the project's folder); raises when none is chosen."""
    if project.dataset is None:
        raise WorkbenchError("The project has no data chosen yet: choose it in the Data tab (or pass --data).")
    folder = project.folder
    key = _key(project.dataset, folder)
    while True:
        with _lock:
            if key in _cache:
                _cache.move_to_end(key)
                return _cache[key]
            other_load = _loading.get(key)
            if other_load is None:
                _loading[key] = threading.Event()
                break
        if progress is not None:
            progress(0.0, "Loading the data…")
        while not other_load.wait(0.05):   # the same data is being loaded by another thread: wait for it
            if should_cancel is not None and should_cancel():
                raise CancelledError("The import was cancelled.")
    try:
        dataset = load_dataset(project.dataset, base_dir=folder, progress=progress, should_cancel=should_cancel)
        _store(key, dataset)
    finally:
        with _lock:
            _loading.pop(key).set()
    return dataset


def cached_project_dataset(project):
    """The project's data if it is loaded already, else None; never reads a file."""
    if project.dataset is None:
        return None
    key = _key(project.dataset, project.folder)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
        return _cache.get(key)


def remember_project_dataset(project, dataset):
    """Keeps `dataset`, loaded elsewhere for ``project.dataset`` (the Data page's import), as the project's data.

    Returns the kept copy, which shares the arrays and carries the project's spec (its augmentation may differ from
    the import's, as augmentation does not change what is loaded)."""
    kept = dataclasses.replace(dataset, spec=project.dataset)
    _store(_key(project.dataset, project.folder), kept)
    return kept


def use_data(project, data: str, target: str | None = None, ignore: list[str] | None = None,
             kinds: dict[str, str] | None = None, text: str | None = None):
    """Points the project at other data (the command line's ``--data``: a file, folder or built-in name; for a
    table, the target, columns left out, declared column kinds and text column), fits its Input and head to it (and
    its early-stopping monitor, as `TrainingSettings.for_task` says), and returns the loaded data, which later calls
    of `project_dataset` get without reading the files again."""
    spec = resolve_data_argument(data, target=target, ignore=ignore, kinds=kinds, text=text)
    dataset = load_dataset(spec)
    project.dataset = spec
    fit_graph_to_dataset(project.graph, dataset)
    project.training = project.training.for_task(dataset.task)
    return remember_project_dataset(project, dataset)


def fit_untrained_graph(project) -> list[str]:
    """Fits the network of a project that has no runs yet to the project's own data, as choosing that data does
    (Input shape and values, the Embedding's vocabulary, the output layer), and returns a sentence per change. A
    network with runs is left as it is, since their weights fit it; training then says what no longer fits."""
    if project.runs or project.dataset is None:
        return []
    dataset = project_dataset(project)
    before = project.graph.copy()
    return fit_sentences(before, fit_graph_to_dataset(project.graph, dataset))


def fit_sentences(graph, fit: GraphFit) -> list[str]:
    """What `fit` changes in `graph` (as it was before the fit), a sentence per node."""
    sentences = []
    for node_id, changes in fit.params.items():
        node = graph.node(node_id)
        parts = []
        for key, value in changes.items():
            old = node.params[key]
            if old == value:
                continue
            if key == "shape":
                old, value = format_shape(tuple(old)), format_shape(tuple(value))
            parts.append(f"{node.spec.setting(key).label.lower()} {old} → {value}")
        sentences.append(f"Fitted {node.label} to the data: {', '.join(parts)}.")
    for node_id, (new_type, _) in fit.replacements.items():
        node = graph.node(node_id)
        sentences.append(f"Replaced {node.label} by a {get_spec(new_type).display_name} layer for the data.")
    return sentences


def forget_datasets() -> None:
    """Drops the cache (after the user re-imports changed files)."""
    with _lock:
        _cache.clear()
