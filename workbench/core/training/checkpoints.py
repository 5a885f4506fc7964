"""Checkpoints of a run in one folder: ``best.safetensors`` and ``last.safetensors`` (weights, keyed like every
weights file) and ``last_state.safetensors`` (optimizer tensors, with the scheduler, the scaler and the run's progress
as JSON metadata), so that a stopped run can resume from its last epoch. Nothing is pickled."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.training.weights import WeightsError, read_weights, save_weights

BEST_FILE = "best.safetensors"
LAST_FILE = "last.safetensors"
STATE_FILE = "last_state.safetensors"
_STATE_KEY = "workbench.training_state"


@dataclass
class ResumeState:
    """Where a run stood at its last checkpoint."""

    epochs_done: int
    step: int
    history: list[dict]
    best_epoch: int | None
    best_value: float | None
    epochs_without_improvement: int
    batch_losses: np.ndarray
    optimizer: dict
    scheduler: dict | None
    scaler: dict | None


def save_state(path: Path, optimizer, scheduler, scaler, progress: dict, batch_losses: np.ndarray) -> None:
    """Writes the optimizer's tensors plus JSON for everything else."""
    import torch  # lazy

    sd = optimizer.state_dict()
    tensors = {"batch_losses": torch.from_numpy(np.ascontiguousarray(batch_losses, dtype=np.float32))}
    scalars: dict[str, dict] = {}
    for index, entry in sd["state"].items():
        for key, value in entry.items():
            if torch.is_tensor(value):
                tensors[f"optimizer.{index}.{key}"] = value
            else:
                scalars.setdefault(str(index), {})[key] = value
    meta = {
        "param_groups": sd["param_groups"],
        "scalars": scalars,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "scaler": scaler.state_dict() if scaler is not None and scaler.is_enabled() else None,
        "progress": progress,
    }
    save_weights(tensors, path, metadata={_STATE_KEY: json.dumps(meta, default=_jsonable)})


def _jsonable(value):
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot save {type(value).__name__} in a checkpoint")


def load_state(path: Path) -> ResumeState:
    """Reads a state file written by `save_state`; raises `WeightsError` when it is missing or damaged."""
    tensors, metadata = read_weights(path)
    try:
        meta = json.loads(metadata[_STATE_KEY])
        progress = meta["progress"]
        state: dict[int, dict] = {}
        for key, tensor in tensors.items():
            if key.startswith("optimizer."):
                _, index, name = key.split(".", 2)
                state.setdefault(int(index), {})[name] = tensor
        for index, entry in meta["scalars"].items():
            state.setdefault(int(index), {}).update(entry)
        groups = meta["param_groups"]
        for group in groups:
            if isinstance(group.get("betas"), list):
                group["betas"] = tuple(group["betas"])
        return ResumeState(
            epochs_done=int(progress["epochs_done"]), step=int(progress["step"]), history=list(progress["history"]),
            best_epoch=progress["best_epoch"], best_value=progress["best_value"],
            epochs_without_improvement=int(progress["epochs_without_improvement"]),
            batch_losses=tensors["batch_losses"].numpy().astype(np.float32),
            optimizer={"state": state, "param_groups": groups}, scheduler=meta["scheduler"], scaler=meta["scaler"])
    except (KeyError, ValueError, TypeError) as exc:
        raise WeightsError(f"The checkpoint '{path.name}' is damaged or from another version ({exc}), so the run "
                           "cannot resume from it. Start a new run instead.") from None
