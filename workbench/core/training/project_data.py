"""The dataset a project trains on, loaded once and kept while its spec stays the same.

The app trains and evaluates many times on the same data; `project_dataset` keeps the last few loaded datasets
keyed by their spec and folder, so a second run or an evaluation does not read and preprocess the data again.
Thread-safe: workers call it.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path

from workbench.core.errors import WorkbenchError

CACHE_SIZE = 2
_cache: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def project_dataset(project, progress=None, should_cancel=None):
    """The project's data, loaded (relative paths from the project's folder); raises when none is chosen."""
    from workbench.core.data import DatasetSpec, load_dataset

    if not project.dataset:
        raise WorkbenchError("The project has no data chosen yet: choose it in the Data tab (or pass --data).")
    spec = DatasetSpec.from_dict(project.dataset)
    folder = Path(project.folder).resolve() if project.folder else None
    key = (json.dumps(spec.to_dict(), sort_keys=True), str(folder))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    dataset = load_dataset(spec, base_dir=folder, progress=progress, should_cancel=should_cancel)
    with _lock:
        _cache[key] = dataset
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return dataset


def forget_datasets() -> None:
    """Drops the cache (after the user re-imports changed files)."""
    with _lock:
        _cache.clear()
