"""Older project file formats brought up to the current one, as plain data, before anything is checked or built.

Version 1 (Workbench 0.1.0) kept a run's weights files as four fields of the run (``weights``, ``best_weights``,
``last_weights``, ``state``) and its compressed variants in a section the format did not declare. Version 2 groups
a run's files under ``files`` like a variant's, declares the ``variants`` section, writes the training settings in
full and adds a ``minor`` version: files of a newer minor version open, and what they add is kept.

Minor version 1 changed two defaults of a CSV table: rows with a gap are filled in (with a "was missing" input)
instead of dropped, and the target is suggested instead of being the last column. A file of minor version 0 states
the old defaults where it relied on them (`keep_csv_defaults_of_minor_0`), so that its data, and the runs trained
on it, read as they always did.

Minor version 2 reads a CSV target of several 0/1 columns, with the task left to "auto", as multi-label, where it
was a regression of several outputs before; a file of minor version 0 or 1 with a target of several columns says
``task: regression`` where it left the task to "auto" (`keep_regression_of_minor_1`). Minor version 2 also lets a
network hold blocks, which an older version refuses as an unknown layer type.
"""

from __future__ import annotations

RUN_FILES_V1 = {"weights": "weights", "best_weights": "best", "last_weights": "last", "state": "state"}


def migrate_v1(data: dict) -> dict:
    """A version-1 project as version 2 (a new dict; fields of the wrong type are left for the checks to name)."""
    migrated = {**data, "version": 2, "minor": 0}
    runs = data.get("runs")
    if isinstance(runs, list):
        migrated["runs"] = [_run_v1(record) if isinstance(record, dict) else record for record in runs]
    return migrated


def _run_v1(record: dict) -> dict:
    run = {k: v for k, v in record.items() if k not in RUN_FILES_V1}
    files = {new: record[old] for old, new in RUN_FILES_V1.items() if record.get(old) is not None}
    run["files"] = files
    return run


def keep_csv_defaults_of_minor_0(data: dict) -> dict:
    """A minor-version-0 project whose CSV tables (the project's and its runs') say ``missing: drop`` and
    ``target_rule: last`` where they left them to the defaults of that version (a new dict)."""
    return _each_dataset(data, _csv_defaults_of_minor_0)


def keep_regression_of_minor_1(data: dict) -> dict:
    """A project of minor version 0 or 1 whose CSV target is several columns, with the task left to "auto", says
    ``task: regression``, which is what "auto" made of several columns then (now several 0/1 columns are
    multi-label); the project's dataset and its runs' (a new dict)."""
    return _each_dataset(data, _regression_of_minor_1)


def _each_dataset(data: dict, change) -> dict:
    migrated = {**data, "dataset": change(data.get("dataset"))}
    runs = data.get("runs")
    if isinstance(runs, list):
        migrated["runs"] = [{**run, "dataset": change(run.get("dataset"))}
                            if isinstance(run, dict) and "dataset" in run else run for run in runs]
    if "dataset" not in data:
        del migrated["dataset"]
    return migrated


def _regression_of_minor_1(spec):
    if not isinstance(spec, dict) or spec.get("source") != "csv" or not isinstance(spec.get("options"), dict):
        return spec
    options = spec["options"]
    target = options.get("target")
    if not (isinstance(target, list) and len(target) > 1) or options.get("task", "auto") != "auto":
        return spec
    return {**spec, "options": {**options, "task": "regression"}}


def _csv_defaults_of_minor_0(spec):
    if not isinstance(spec, dict) or spec.get("source") != "csv" or not isinstance(spec.get("options", {}), dict):
        return spec
    options = dict(spec.get("options") or {})
    options.setdefault("missing", "drop")
    if options.get("target") is None:
        options.setdefault("target_rule", "last")
    return {**spec, "options": options}


MIGRATIONS = {1: migrate_v1}  # version -> the function that brings it one version up
