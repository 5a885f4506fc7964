"""Older project file formats brought up to the current one, as plain data, before anything is checked or built.

Version 1 (Workbench 0.1.0) kept a run's weights files as four fields of the run (``weights``, ``best_weights``,
``last_weights``, ``state``) and its compressed variants in a section the format did not declare. Version 2 groups
a run's files under ``files`` like a variant's, declares the ``variants`` section, writes the training settings in
full and adds a ``minor`` version: files of a newer minor version open, and what they add is kept.
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


MIGRATIONS = {1: migrate_v1}  # version -> the function that brings it one version up
