"""Weights on disk: safetensors files keyed ``"<node id>.<parameter>"`` (the state dict of `GraphModule.layers`),
with the node names in the file's metadata so that another project can take over layers by name.

`save_weights` writes atomically; `load_weights` needs every key to match; `load_matching_weights` takes over, node by
node, every tensor whose node name and shape match and reports what was and was not loaded. Both refuse a tensor
whose values cannot be weights, naming it and its layer: a parameter must hold floating-point numbers (a bool or
int8 tensor of the right shape would be converted silently) with no NaN or infinite value (which would make every
output NaN), and an integer buffer (BatchNorm's step count) whole numbers.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.errors import WorkbenchError

NAMES_KEY = "workbench.node_names"  # metadata: JSON {node id: node name}
FORMAT_KEY = "format"


class WeightsError(WorkbenchError):
    """A weights file that is missing, unreadable or does not fit the network."""


def layer_state(module) -> dict:
    """The tensors to save: ``"<node id>.<parameter or buffer>"`` -> tensor (detached, contiguous, on the CPU)."""
    return {k: v.detach().to("cpu").contiguous() for k, v in module.layers.state_dict().items()}


def save_weights(tensors: dict, path: str | os.PathLike, node_names: dict[str, str] | None = None,
                 metadata: dict[str, str] | None = None) -> Path:
    """Writes `tensors` (a `layer_state` or any name -> tensor dict) atomically to a safetensors file: into a
    temporary file beside it, then renamed over it. Any failure (the folder cannot be made, the disk is full or
    read-only) raises `WeightsWriteError` and leaves neither a partial file nor a changed old one."""
    from safetensors import SafetensorError  # lazy
    from safetensors.torch import save_file  # lazy

    path = Path(path)
    meta = {FORMAT_KEY: "pt", **(metadata or {})}
    if node_names is not None:
        meta[NAMES_KEY] = json.dumps(node_names)
    cpu = {k: v.detach().to("cpu").contiguous() for k, v in tensors.items()}
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        save_file(cpu, tmp, metadata=meta)
        os.replace(tmp, path)
    except (OSError, SafetensorError) as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise WeightsWriteError(path, _write_failure(exc, path)) from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return path


class WeightsWriteError(WeightsError):
    """A weights file that could not be written; `reason` says why in a few plain words."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"Could not write the weights file '{path}': {reason}.")
        self.path, self.reason = path, reason


def _write_failure(exc: Exception, path: Path) -> str:
    """Why writing `path` failed, in plain words ("No space left on device", ...)."""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        existing = next((p for p in path.parents if p.exists()), None)
        if existing is not None and not existing.is_dir():
            return f"'{existing}' is a file, not a folder"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    # safetensors reports an I/O error as text: "Error while serializing: I/O error: ... (os error 28)"
    code = re.search(r"\(os error (\d+)\)", str(exc))
    return os.strerror(int(code.group(1))) if code else str(exc)


def read_weights(path: str | os.PathLike) -> tuple[dict, dict[str, str]]:
    """(tensors, metadata) of a safetensors file; raises `WeightsError` with a plain message when it cannot."""
    from safetensors import SafetensorError, safe_open  # lazy

    path = Path(path)
    if path.is_dir():
        raise WeightsError(f"'{path}' is a folder, not a weights file.")
    if not path.is_file():
        if path.exists():   # a pipe would block the reading forever, a device be read without end
            raise WeightsError(f"'{path}' is not a regular file (it is a pipe, a socket or a device), so it cannot "
                               "be a weights file.")
        raise WeightsError(f"The weights file '{path}' does not exist (was it moved or deleted?).")
    try:
        with safe_open(str(path), framework="pt") as f:
            metadata = dict(f.metadata() or {})
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"'{path.name}' is not a readable weights file ({exc}).") from None
    return tensors, metadata


def node_names_of(metadata: dict[str, str]) -> dict[str, str] | None:
    try:
        names = json.loads(metadata[NAMES_KEY])
    except (KeyError, ValueError):
        return None
    return names if isinstance(names, dict) else None


def load_weights(module, path: str | os.PathLike) -> None:
    """Loads a weights file saved from the same network; raises `WeightsError` naming what does not fit."""
    tensors, meta = read_weights(path)
    load_state(module, tensors, Path(path).name, node_names_of(meta))


def value_problem(tensor, like) -> str | None:
    """Why `tensor` cannot take the place of `like` (a tensor of the network), or None: the kind of number and,
    for floating-point tensors, NaN and infinite values."""
    import torch  # lazy

    if like.is_floating_point():
        if not tensor.is_floating_point():
            return f"holds {_dtype_name(tensor)} values, not floating-point numbers"
        finite = torch.isfinite(tensor)
        if bool(finite.all()):
            return None
        nan = int(torch.isnan(tensor).sum())
        inf = tensor.numel() - int(finite.sum()) - nan
        parts = ([f"{nan:,} NaN"] if nan else []) + ([f"{inf:,} infinite"] if inf else [])
        return f"holds {' and '.join(parts)} value{'s' if nan + inf != 1 else ''}"
    if tensor.is_floating_point() or tensor.is_complex() or tensor.dtype == torch.bool:
        return f"holds {_dtype_name(tensor)} values, not whole numbers"
    return None


def _dtype_name(tensor) -> str:
    return str(tensor.dtype).removeprefix("torch.")


def _refuse(source: str, key: str, problem: str, node_names: dict[str, str] | None) -> WeightsError:
    node_id = key.partition(".")[0]
    layer = f" (layer '{node_names[node_id]}')" if node_names and node_id in node_names else ""
    advice = ("NaN or infinite weights make every output NaN; retrain, or start from an earlier checkpoint."
              if "NaN" in problem or "infinite" in problem else
              "The file is damaged or was not written by Workbench for this network.")
    return WeightsError(f"{source} cannot be used: the tensor '{key}'{layer} {problem}. {advice}")


def load_state(module, tensors: dict, source: str = "the weights",
               node_names: dict[str, str] | None = None) -> None:
    """Copies `tensors` (``"<node id>.<param>"``) into `module`; every key and shape must match and every value be
    usable (`value_problem`). `node_names` (node id -> layer name, as the file records them) name the layer at
    fault."""
    own = module.layers.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    wrong = sorted(k for k in set(own) & set(tensors) if tuple(own[k].shape) != tuple(tensors[k].shape))
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"it lacks {', '.join(missing[:5])}")
        if unexpected:
            parts.append(f"it has {', '.join(unexpected[:5])}, which this network does not")
        if wrong:
            k = wrong[0]
            parts.append(f"{k} has shape {tuple(tensors[k].shape)} instead of {tuple(own[k].shape)}")
        raise WeightsError(f"{source} do not fit this network: {'; '.join(parts)}. The network was probably "
                           "changed after these weights were trained.")
    for key in sorted(own):
        problem = value_problem(tensors[key], own[key])
        if problem:
            raise _refuse(source, key, problem, node_names)
    module.layers.load_state_dict(tensors, strict=True)


@dataclass
class TransferReport:
    """What `load_matching_weights` did, layer by layer (by node name)."""

    loaded: list[str] = field(default_factory=list)  # names of the layers whose every tensor was taken over
    partly: list[tuple[str, str]] = field(default_factory=list)  # (name, which tensors were not)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why nothing was loaded)
    unused: list[str] = field(default_factory=list)  # layers of the source that nothing here matched

    @property
    def any_loaded(self) -> bool:
        return bool(self.loaded or self.partly)

    def summary(self) -> str:
        lines = [f"Loaded {len(self.loaded)} layer{'s' if len(self.loaded) != 1 else ''}"
                 + (f": {', '.join(self.loaded)}." if self.loaded else ".")]
        lines += [f"Partly loaded {name}: {why}." for name, why in self.partly]
        lines += [f"Not loaded {name}: {why}." for name, why in self.skipped]
        if self.unused:
            lines.append(f"Unused from the source: {', '.join(self.unused)}.")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"loaded": list(self.loaded), "partly": [list(p) for p in self.partly],
                "skipped": [list(s) for s in self.skipped], "unused": list(self.unused)}


def load_matching_weights(module, node_names: dict[str, str], tensors: dict,
                          source_names: dict[str, str] | None = None) -> TransferReport:
    """Takes over every tensor whose layer name and shape match; `node_names` maps this network's node ids to
    names, `source_names` those of the source (None: the source's ids are its names). Raises `WeightsError` when
    nothing at all matches."""
    source_names = source_names or {}
    by_source_node: dict[str, dict[str, object]] = {}
    source_ids: dict[str, str] = {}                 # layer name -> the source's node id, for messages
    for key, tensor in tensors.items():
        node_id, _, param = key.partition(".")
        name = source_names.get(node_id, node_id)
        by_source_node.setdefault(name, {})[param] = tensor
        source_ids[name] = node_id
    own = module.layers.state_dict()
    own_by_node: dict[str, dict[str, object]] = {}
    for key, tensor in own.items():
        node_id, _, param = key.partition(".")
        own_by_node.setdefault(node_id, {})[param] = tensor
    report = TransferReport()
    updates = {}
    used = set()
    for node_id, params in own_by_node.items():
        name = node_names.get(node_id, node_id)
        source = by_source_node.get(name)
        if source is None:
            report.skipped.append((name, "the source has no layer with this name"))
            continue
        used.add(name)
        taken, refused = [], []
        for param, tensor in params.items():
            theirs = source.get(param)
            if theirs is None:
                refused.append(f"{param} is missing in the source")
            elif tuple(theirs.shape) != tuple(tensor.shape):
                refused.append(f"{param} has shape {_shape(theirs)} there but {_shape(tensor)} here")
            elif problem := value_problem(theirs, tensor):
                raise _refuse("The weights to start from", f"{source_ids[name]}.{param}", problem,
                              {source_ids[name]: name})
            else:
                updates[f"{node_id}.{param}"] = theirs
                taken.append(param)
        if not refused:
            report.loaded.append(name)
        elif taken:
            report.partly.append((name, "; ".join(refused)))
        else:
            report.skipped.append((name, "; ".join(refused)))
    report.unused = sorted(set(by_source_node) - used)
    if not updates:
        raise WeightsError("None of the source's layers match this network by name and shape, so no weights were "
                           "loaded. Layers are matched by their names; rename them to match, or start from scratch.")
    module.layers.load_state_dict(updates, strict=False)
    return report


def _shape(tensor) -> str:
    return str(tuple(tensor.shape))
