"""Trying a project's model on new input: a `Predictor` of one of its variants' files, of an exported .onnx file,
or of the trained network exported in memory (nothing written to disk)."""

from __future__ import annotations

from workbench.core.compression.variants import fp32_model
from workbench.core.export.bundle import model_info
from workbench.core.export.metadata import build_metadata, read_metadata, write_metadata
from workbench.core.export.predictor import Predictor
from workbench.core.export.runtime import open_session
from workbench.core.project.model import Project
from workbench.core.project.trained import trained_model


def open_predictor(source=None, project: Project | None = None, *, base_dir=None,
                   raise_if_cancelled=None) -> Predictor:
    """A model to try: an exported .onnx file (`source`, a path), or with `source` None the project's latest
    trained network exported in memory, with the metadata an export would give it."""
    if source is not None:
        return Predictor.from_file(source)
    tm = trained_model(project, base_dir=base_dir)
    if raise_if_cancelled is not None:
        raise_if_cancelled()
    model = fp32_model(tm.module, tm.graph)
    info = model_info(tm)
    write_metadata(model, build_metadata(name=info.name, description=info.description, task=info.task,
                                         labels=info.labels, preprocessing=info.preprocessing))
    return Predictor(open_session(model.SerializeToString()), read_metadata(model), "the trained network")
