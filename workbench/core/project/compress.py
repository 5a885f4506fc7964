"""Compressing a project's trained model into a new variant, kept beside the original.

`compress_project` loads the trained model, makes the variant (`compression.variants.compress_trained`) and returns its
checked `VariantRecord`s (with the original's the first time); the caller adds them, so a failure leaves the
project as it was.
"""

from __future__ import annotations

from workbench.core.compression.errors import CompressionError
from workbench.core.compression.methods import offered_method
from workbench.core.compression.variants import Progress, checked_amount, compress_trained
from workbench.core.project.model import Project
from workbench.core.project.trained import trained_model
from workbench.core.project.variant_record import VariantRecord


def compress_project(project: Project, method: str, amount: float | None = None, *, dataset=None, base_dir=None,
                     workspace=None, run_id: str | None = None, student_graph=None, epochs: int | None = None,
                     threads: int = 1, progress: Progress | None = None) -> list[VariantRecord]:
    """A new variant of the trained model (and the original's record the first time), not yet added.

    `base_dir`: where the project's relative paths start (default: its folder); `workspace`: where the variant
    files go and what their recorded paths are relative to (default: `base_dir`)."""
    amount = checked_amount(method, amount)
    if epochs is not None and not offered_method(method).takes_epochs:
        raise CompressionError(f"{offered_method(method).title} takes no epochs: it does not train.")
    progress = progress or (lambda fraction, message: None)
    progress(0.0, "Loading the trained model")
    tm = trained_model(project, dataset, base_dir, run_id)
    made = compress_trained(tm, project.variants, method, amount, workspace=workspace, student_graph=student_graph,
                            epochs=epochs, threads=threads, progress=progress)
    return [VariantRecord.from_dict(record, f"variants[{len(project.variants) + i}]") for i, record in enumerate(made)]
