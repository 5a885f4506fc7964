"""`Dataset`: data loaded and preprocessed in memory, with its splits, preprocessing record and import report.

Storage is compact: images stay uint8 (N, C, H, W) with 0..255 meaning 0..1, tables float32 (N, F) already
standardised, token data int64 (N, L). `Dataset.tensors` and `Dataset.batch` turn a split, or a batch of it, into the
model's input: float32 (images divided by 255) or int64 token ids, exactly as `apply_preprocessing` does for new data.
For big image sets prefer `Dataset.iter_batches`, which converts one batch at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.core.errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    import torch

    from workbench.core.data.spec import DatasetSpec

IMAGE_SCALE = np.float32(255.0)


def model_input(x: np.ndarray, kind: str, input_dtype: str = "float") -> np.ndarray:
    """Stored samples -> the model's input array (float32, or int64 token ids)."""
    if kind == "image":
        return x.astype(np.float32) / IMAGE_SCALE
    if input_dtype == "int":
        return x.astype(np.int64, copy=False)
    return x.astype(np.float32, copy=False)


@dataclass(eq=False)
class Dataset:
    """Loaded, preprocessed data. See the package docstring for the ``preprocessing`` keys."""

    name: str
    task: str
    x: np.ndarray
    y: np.ndarray
    class_names: list[str]
    input_shape: tuple[int, ...]
    input_dtype: str
    preprocessing: dict
    splits: dict[str, np.ndarray]
    report: list[str]
    description: str = ""
    vocab_size: int | None = None
    skipped: list[str] = field(default_factory=list)
    sample_files: list[str] = field(default_factory=list)  # image folders: each sample's file, to show it as it is
    label_columns: list[str] = field(default_factory=list)  # tables: the columns of 0 and 1 (both), which can be labels
    spec: DatasetSpec | None = None

    @property
    def kind(self) -> str:
        """``"image"``, ``"table"``, ``"text"`` or ``"array"`` (from the preprocessing record)."""
        return self.preprocessing.get("kind", "array")

    @property
    def num_samples(self) -> int:
        return int(len(self.y))

    @property
    def num_classes(self) -> int:
        return len(self.class_names) if self.task == "classification" else 0

    @property
    def output_size(self) -> int:
        if self.task in ("classification", "multilabel"):  # multilabel: class_names holds the label names
            return len(self.class_names)
        return 1 if self.y.ndim == 1 else int(self.y.shape[1])

    def split_indices(self, split: str) -> np.ndarray:
        if split == "all":
            return np.arange(self.num_samples, dtype=np.int64)
        if split not in self.splits:
            raise DataError(f"There is no {split!r} split; the splits are {', '.join(self.splits)}.")
        return self.splits[split]

    def arrays(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Model-ready NumPy arrays (x, y) for the given sample indices."""
        indices = np.asarray(indices, dtype=np.int64)
        y = self.y[indices]
        y = y.astype(np.int64 if self.task == "classification" else np.float32, copy=False)
        return model_input(self.x[indices], self.kind, self.input_dtype), y

    def batch(self, indices: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """Model-ready tensors (x, y) for the given sample indices (converted just for this batch)."""
        import torch  # lazy

        x, y = self.arrays(indices)
        return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(np.ascontiguousarray(y))

    def tensors(self, split: str) -> tuple[torch.Tensor, torch.Tensor]:
        """The whole split as tensors: float32 x (images scaled to [0, 1]; int64 for token ids) and y."""
        return self.batch(self.split_indices(split))

    def iter_batches(self, split: str, batch_size: int, shuffle: bool = False,
                     seed: int | None = None) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """Batches of a split as tensors, converting one batch at a time (bounded memory for big image sets)."""
        indices = self.split_indices(split)
        if shuffle:
            indices = indices[np.random.default_rng(seed).permutation(len(indices))]
        for start in range(0, len(indices), batch_size):
            yield self.batch(indices[start:start + batch_size])

    def split_sizes(self) -> dict[str, int]:
        return {name: int(len(idx)) for name, idx in self.splits.items()}

    def summary(self) -> str:
        """One line for people: what the data is and how it is split."""
        sizes = self.split_sizes()
        shape = "x".join(str(s) for s in self.input_shape)
        head = f"{len(self.class_names)} classes" if self.task == "classification" else \
            f"{len(self.class_names)} labels per sample (multi-label)" if self.task == "multilabel" else \
            f"regression ({self.output_size} target{'s' if self.output_size != 1 else ''})"
        return (f"{self.name}: {self.num_samples} samples of shape {shape}, {head}; "
                f"split {sizes.get('train', 0)} / {sizes.get('val', 0)} / {sizes.get('test', 0)}.")

    def info(self) -> dict[str, Any]:
        """JSON-safe facts for the graph and the GUI: input shape and dtype, task, output size, classes."""
        return {
            "name": self.name,
            "task": self.task,
            "input_shape": list(self.input_shape),
            "input_dtype": self.input_dtype,
            "output_size": self.output_size,
            "class_names": list(self.class_names),
            "vocab_size": self.vocab_size,
            "num_samples": self.num_samples,
            "splits": self.split_sizes(),
        }
