"""Importing an ONNX model as a new project: its graph on the canvas and its weights as a completed run ("imported
from MODEL.onnx"), so it can be fine-tuned, compressed and exported like a network trained here. Nothing is written:
the weights wait in the project's unsaved weights until the project is saved."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from workbench.core.graph.blocks import flatten
from workbench.core.graph.serialize import graph_to_dict
from workbench.core.onnx_import import ImportReport, OnnxImport, import_onnx
from workbench.core.project.model import Project, UnsavedWeights
from workbench.core.project.run_record import RunFiles, RunRecord
from workbench.core.project.trained import project_slug
from workbench.core.training.status import RunStatus

IMPORTED_RUN_ID = "imported"
RUNS_FOLDER = "runs"


@dataclass
class ImportedModel:
    project: Project
    report: ImportReport


def import_model_project(path: str | os.PathLike, *, input_shapes: dict[str, tuple[int, ...]] | None = None,
                         name: str | None = None, blocks: bool = True, progress=None) -> ImportedModel:
    """A new, unsaved project holding the model at `path` (its repeated units as blocks unless not `blocks`);
    raises `OnnxImportError` (or `InputShapeNeeded`, which lists the input sizes to ask for) when the file cannot be
    imported."""
    imported = import_onnx(path, input_shapes, blocks=blocks, progress=progress)
    return ImportedModel(project_of_import(imported, path, name), imported.report)


def project_of_import(imported: OnnxImport, path: str | os.PathLike, name: str | None = None) -> Project:
    """The project of an import: its graph, and its weights as the completed run "imported from MODEL.onnx". As a
    run trained here, the run records the plain graph (blocks inlined), whose ids key the weights."""
    path = Path(path)
    project = Project(graph=imported.graph, name=name or path.stem,
                      description=f"Imported from the ONNX model {path.name}.")
    weights = f"{RUNS_FOLDER}/{project_slug(project)}/{IMPORTED_RUN_ID}/weights.safetensors"
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
    flat = flatten(imported.graph)
    record = RunRecord(id=IMPORTED_RUN_ID, name=f"imported from {path.name}", status=RunStatus.COMPLETED,
                       message=" ".join(imported.report.lines()), started=stamp, finished=stamp,
                       graph=graph_to_dict(flat), files=RunFiles(weights=weights))
    project.add_run(record)
    names = {nid: node.name for nid, node in flat.nodes.items()}
    project.unsaved_weights[weights] = UnsavedWeights(imported.tensors, names)
    return project
