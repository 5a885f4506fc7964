"""The project file's format: one versioned JSON document, parsed in two stages.

`parse_project_text` reads the JSON with limits (no NaN, a bounded number of objects); `project_from_dict` brings
an older version up to date (migrations.py), then checks every section into typed records, naming the field at
fault (``runs[0].metrics: expected an object, got the text 'oops'``), and only then builds the graph. Sections and
record fields from a newer minor version are kept and written back; a newer major version is refused.
"""

from __future__ import annotations

import json

from workbench.core.data import DatasetSpec
from workbench.core.errors import ProjectFileError
from workbench.core.fields import FieldReader, fail
from workbench.core.graph.serialize import (MAX_EDGES, MAX_NODES, block_positions_to_dict, graph_from_dict,
                                            graph_to_dict, positions_to_dict)
from workbench.core.project.migrations import MIGRATIONS, keep_csv_defaults_of_minor_0, keep_regression_of_minor_1
from workbench.core.project.model import Project
from workbench.core.project.run_record import RunRecord
from workbench.core.project.variant_record import VariantRecord
from workbench.core.search.settings import SearchSection
from workbench.core.training.settings import TrainingSettings

FORMAT_NAME = "workbench-project"
FORMAT_VERSION = 2
FORMAT_MINOR = 2  # 1: a CSV table's gaps are filled in and its target suggested; 2: several 0/1 target columns
# are multi-label, and a network may hold blocks (migrations.py)
KNOWN_SECTIONS = ("format", "version", "minor", "name", "description", "graph", "ui", "dataset", "training", "runs",
                  "variants", "search")
MAX_JSON_OBJECTS = MAX_NODES + MAX_EDGES + 10_000


def project_to_dict(project: Project) -> dict:
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "minor": max(FORMAT_MINOR, project.format_minor),
        "name": project.name,
        "description": project.description,
        "graph": graph_to_dict(project.graph),
        "ui": {"positions": positions_to_dict(project.graph),
               **({"block_positions": block_positions_to_dict(project.graph)} if project.graph.kept_blocks() else {})},
        "dataset": project.dataset.to_dict() if project.dataset is not None else None,
        "training": project.training.to_dict(),
        "runs": [record.to_dict() for record in project.runs],
        "variants": [record.to_dict() for record in project.variants],
        **({"search": project.search.to_dict()} if project.search is not None else {}),
        **project.extra,
    }


def _version(data: dict) -> int:
    if data.get("format") != FORMAT_NAME:
        fail(f"This is not a Workbench project: expected 'format' to be {FORMAT_NAME!r}.", "format")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        fail("expected a whole number from 1", "version")
    if version > FORMAT_VERSION:
        fail(f"This project was saved by a newer Workbench (file format {version}; this version reads up to "
             f"{FORMAT_VERSION}). Update Workbench to open it.", "version")
    return version


def project_from_dict(data) -> Project:
    if not isinstance(data, dict):
        raise ProjectFileError("This is not a Workbench project: the file holds JSON, but not an object.")
    version = _version(data)
    while version < FORMAT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    if isinstance(data.get("minor", 0), int) and data.get("minor", 0) < 1:
        data = keep_csv_defaults_of_minor_0(data)
    if isinstance(data.get("minor", 0), int) and data.get("minor", 0) < 2:
        data = keep_regression_of_minor_1(data)
    r = FieldReader(data, "", keep_unknown=True)
    r.read.update(("format", "version"))
    minor = r.integer("minor", 0)
    newer = minor > FORMAT_MINOR  # record fields this version does not know are kept, not refused
    name, description = r.text("name", "Untitled"), r.text("description", "")
    ui = r.object("ui", {}) or {}
    positions = ui.get("positions") or {}
    if not isinstance(positions, dict):
        fail("expected an object of node positions", "ui.positions")
    graph = r.nested("graph", lambda value, _: graph_from_dict(value, positions,
                                                               block_positions=ui.get("block_positions")))
    dataset = r.nested("dataset", DatasetSpec.from_dict, None, optional=True)
    training = r.nested("training", _of_type(dict, "an object of training settings"), None, optional=True)
    runs = r.nested("runs", _of_type(list, "a list of run records"), None, optional=True) or []
    variants = r.nested("variants", _of_type(list, "a list of variant records"), None, optional=True) or []
    search = r.nested("search", lambda value, where: SearchSection.from_dict(value, where, newer), None, optional=True)
    return Project(
        graph=graph, name=name, description=description, dataset=dataset,
        training=TrainingSettings.from_dict(training, "training"),
        runs=[RunRecord.from_dict(record, f"runs[{i}]", newer) for i, record in enumerate(runs)],
        variants=[VariantRecord.from_dict(record, f"variants[{i}]", newer) for i, record in enumerate(variants)],
        search=search,
        extra={k: v for k, v in r.finish().items() if k not in KNOWN_SECTIONS}, format_minor=minor)


def _of_type(kind: type, what: str):
    """A check for `FieldReader.nested`: the section must be a `kind` ("expected {what}" otherwise)."""
    def check(value, where):
        if not isinstance(value, kind):
            fail(f"expected {what}", where)
        return value
    return check


def _count_objects():
    count = 0

    def hook(pairs):
        nonlocal count
        count += 1
        if count > MAX_JSON_OBJECTS:
            raise ProjectFileError(f"This file holds more entries than any project can (at most {MAX_NODES:,} "
                                   f"layers and {MAX_EDGES:,} connections); it was not opened.")
        return dict(pairs)
    return hook


def _refuse_constant(name: str):
    raise ProjectFileError(f"This is not a Workbench project: it contains {name}, which JSON does not allow.")


def parse_project_text(text: str) -> Project:
    if not text.strip():
        raise ProjectFileError("The file is empty.")
    try:
        data = json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_count_objects())
    except json.JSONDecodeError as exc:
        raise ProjectFileError(f"This is not a Workbench project: it is not valid JSON ({exc.msg} at line "
                               f"{exc.lineno}, column {exc.colno}).") from None
    except RecursionError:
        raise ProjectFileError("This is not a Workbench project: its JSON is nested too deeply.") from None
    return project_from_dict(data)


def project_text(project: Project, data: dict | None = None) -> str:
    """The file's text (raises ValueError on content JSON cannot hold, such as NaN, before anything is written)."""
    return json.dumps(project_to_dict(project) if data is None else data, indent=1, allow_nan=False) + "\n"
