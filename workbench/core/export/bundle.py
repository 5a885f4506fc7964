"""The export folder: model.onnx (with metadata), model_card.md, labels.txt and predict.py, verified before delivery.

Everything is written into a hidden staging folder beside the target, checked there (ONNX checker, ONNX Runtime
loads it, parity with the reference on real samples), and only then moved into place, so a failed export leaves the
target folder as it was. A hidden manifest records what Workbench wrote, so that a later export replaces its own
files but never a file of the same name that the user wrote or changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.errors import WorkbenchError
from workbench.core.export.errors import ExportError
from workbench.core.export.metadata import build_metadata, write_metadata
from workbench.core.export.model_card import model_card
from workbench.core.export.onnx_export import input_names, output_names, refused_by_onnx
from workbench.core.export.runtime import RuntimeRefusedError, open_session
from workbench.core.export.verify import run_checker
from workbench.core.graph.model import Graph

ONNX_FILE = "model.onnx"
CARD_FILE = "model_card.md"
LABELS_FILE = "labels.txt"
PREDICT_FILE = "predict.py"
PREDICT_SOURCE = Path(__file__).with_name("predict_script.py")
BUNDLE_FILES = (ONNX_FILE, CARD_FILE, LABELS_FILE, PREDICT_FILE)
MANIFEST_FILE = ".workbench-export.json"  # what Workbench wrote into the folder: file name -> SHA-256

Progress = Callable[[float, str], None]  # may raise CancelledError to stop the job


@dataclass
class ModelInfo:
    """What the metadata and the model card say about a model."""

    name: str
    description: str
    task: str  # "classification" | "multilabel" | "regression"
    labels: list[str]
    preprocessing: dict
    dataset_summary: str = ""
    metrics: dict = field(default_factory=dict)  # {"val": {...}, "test": {...}}
    compression: dict = field(default_factory=lambda: {"method": "none"})
    compression_note: str = ""  # what the compression did, in words, for the model card


def model_info(tm, compression: dict | None = None, metrics: dict | None = None,
               compression_note: str = "") -> ModelInfo:
    """What the metadata and the card say about a `TrainedModel` (its run's figures unless `metrics` is given)."""
    return ModelInfo(name=tm.name, description=tm.description, task=tm.task, labels=tm.labels,
                     preprocessing=tm.dataset.preprocessing, dataset_summary=tm.dataset.summary(),
                     metrics=metrics if metrics is not None else dict(tm.metrics),
                     compression=compression or {"method": "none"}, compression_note=compression_note)


@dataclass
class Verification:
    """The outcome of a parity check: the largest difference, on how many samples, against what."""

    max_abs_diff: float
    samples: int
    reference: str  # e.g. "the trained PyTorch network"


@dataclass
class ExportResult:
    folder: Path
    onnx_path: Path
    size_bytes: int
    parity_max_abs_diff: float
    parity_samples: int
    parity_reference: str
    provider: str
    opset: int
    params: int
    files: list[str]

    def to_dict(self) -> dict:
        return {"folder": str(self.folder), "onnx": str(self.onnx_path), "size_bytes": self.size_bytes,
                "parity_max_abs_diff": self.parity_max_abs_diff, "parity_samples": self.parity_samples,
                "provider": self.provider, "opset": self.opset, "params": self.params, "files": self.files}


def io_descriptions(module) -> tuple[list[dict], list[dict]]:
    """Input and output descriptions (name, shape with None for the batch, dtype) of a GraphModule."""

    inputs = [{"name": n, "shape": list(i.shape), "dtype": i.dtype}
              for n, i in zip(input_names(module), module.input_infos)]
    outputs = [{"name": n, "shape": list(i.shape), "dtype": "float"}
               for n, i in zip(output_names(module), module.output_infos)]
    return inputs, outputs


def onnx_opset(model) -> int:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


class WouldReplaceFilesError(ExportError):
    """The export folder holds files of the same names that Workbench did not write there (or that were changed
    since); `files` names them."""

    def __init__(self, folder: Path, files: list[str]):
        self.files = files
        listed = ", ".join(files)
        super().__init__(f"The folder '{folder}' already has {listed}, which Workbench did not write there (or which "
                         f"{'was' if len(files) == 1 else 'were'} changed since), so nothing was replaced. Export into "
                         "another folder, or allow replacing them.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _is_ours(path: Path, entry) -> bool:
    """Whether `path` is the file Workbench wrote, as `entry` of the manifest records it: the same size and
    modification time (no reading), or else the same contents (a folder copied elsewhere keeps its files' contents
    but not their times). Manifests before sizes were recorded hold the SHA-256 alone."""
    if not path.is_file() or path.is_symlink():
        return False
    if isinstance(entry, str):
        return entry == _sha256(path)
    if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
        return False
    stat = path.stat()
    if stat.st_size != entry.get("size"):
        return False
    return stat.st_mtime_ns == entry.get("mtime_ns") or entry["sha256"] == _sha256(path)


def files_to_replace(out_dir: str | os.PathLike) -> list[str]:
    """The bundle's files already in `out_dir` that an export would replace although Workbench did not write them
    there, or they were changed since it did (a user's own model_card.md, say). Cheap enough for the GUI thread
    when the files are as Workbench left them: only a changed or copied file is read."""
    out_dir = Path(out_dir)
    try:
        written = json.loads((out_dir / MANIFEST_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        written = {}
    if not isinstance(written, dict):
        written = {}
    foreign = []
    for name in BUNDLE_FILES:
        path = out_dir / name
        if path.exists() or path.is_symlink():
            try:
                ours = _is_ours(path, written.get(name))
            except OSError:
                ours = False
            if not ours:
                foreign.append(name)
    return foreign


def write_bundle(model, out_dir: str | os.PathLike, info: ModelInfo, io: tuple[list[dict], list[dict]],
                 params: int, graph: Graph, verify: Callable[[object], Verification], threads: int = 1,
                 progress: Progress | None = None, overwrite: bool = False) -> ExportResult:
    """Adds metadata to `model` (an onnx ModelProto), checks it, runs `verify(session)`, and delivers the folder.

    `verify` gets a `RuntimeSession` on the staged file and raises (e.g. `ParityError`) when it must not ship.
    Files of the bundle's names that Workbench did not write into the folder are not replaced unless `overwrite`
    (`WouldReplaceFilesError`, raised before any work).
    """
    progress = progress or (lambda fraction, message: None)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"'{out_dir}' is a file; choose a folder to export into.")
    foreign = files_to_replace(out_dir) if out_dir.is_dir() and not overwrite else []
    if foreign:
        raise WouldReplaceFilesError(out_dir, foreign)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".export-", dir=out_dir))
    except OSError as exc:
        raise ExportError(f"Cannot write into '{out_dir}': {exc.strerror or exc}. Choose another folder.") from None
    try:
        inputs, outputs = io
        write_metadata(model, build_metadata(name=info.name, description=info.description, task=info.task,
                                             labels=info.labels, preprocessing=info.preprocessing,
                                             compression=info.compression))
        onnx_path = stage / ONNX_FILE
        _save_model(model, onnx_path)
        opset = onnx_opset(model)
        progress(0.45, "Checking the ONNX file")
        run_checker(onnx_path, model, graph, opset)
        progress(0.55, "Loading it in ONNX Runtime")
        try:
            session = open_session(onnx_path, threads=threads)
        except RuntimeRefusedError as exc:
            raise refused_by_onnx("ONNX Runtime", exc.detail, model, graph, opset) from None
        progress(0.65, "Comparing its outputs with the trained network")
        check = verify(session)
        progress(0.85, "Writing the model card and the inference script")
        size = onnx_path.stat().st_size
        card = model_card(name=info.name, description=info.description, task=info.task, labels=info.labels,
                          dataset_summary=info.dataset_summary, preprocessing=info.preprocessing, inputs=inputs,
                          outputs=outputs, metrics=info.metrics, compression=info.compression,
                          compression_note=info.compression_note, params=params,
                          size_bytes=size, opset=opset,
                          parity={"max_abs_diff": check.max_abs_diff, "samples": check.samples,
                                  "reference": check.reference}, onnx_file=ONNX_FILE)
        (stage / CARD_FILE).write_text(card, encoding="utf-8")
        (stage / LABELS_FILE).write_text("".join(f"{label}\n" for label in info.labels), encoding="utf-8")
        shutil.copyfile(PREDICT_SOURCE, stage / PREDICT_FILE)
        files = list(BUNDLE_FILES)
        digests = {name: _sha256(stage / name) for name in files}
        for name in files:
            os.replace(stage / name, out_dir / name)
        manifest = {}
        for name in files:
            stat = (out_dir / name).stat()
            manifest[name] = {"sha256": digests[name], "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        (stage / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        os.replace(stage / MANIFEST_FILE, out_dir / MANIFEST_FILE)
        progress(1.0, "Exported")
        return ExportResult(out_dir, out_dir / ONNX_FILE, size, check.max_abs_diff, check.samples, check.reference,
                            session.provider_title, opset, params, files)
    except OSError as exc:
        raise ExportError(f"Cannot write the export into '{out_dir}': {exc.strerror or exc}.") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _save_model(model, path: Path) -> None:
    import onnx  # lazy

    try:
        onnx.save_model(model, str(path))
    except ValueError as exc:  # protobuf's 2 GB limit
        raise WorkbenchError(f"The model is too large for a single ONNX file ({exc}). Make the network smaller.") \
            from None
