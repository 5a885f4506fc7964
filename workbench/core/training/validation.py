"""`EpochValidation`: the validation split evaluated at the end of each epoch, accumulated on the device with one
sync per epoch (loss and accuracy/F1; for multi-label also micro F1 and exact match; or loss, MAE, RMSE and R² in
the target's units)."""

from __future__ import annotations

import numpy as np

from workbench.core.training.metrics import (ClassificationAccumulator, MultiLabelAccumulator, RegressionAccumulator,
                                             target_spread)
from workbench.core.training.optim import autocast


class EpochValidation:
    """Evaluates the validation split at the end of each epoch, accumulating on the device."""

    def __init__(self, module, dataset, objective, device, batch_size: int, in_memory: bool, amp_dtype=None):
        self.module, self.dataset, self.objective, self.device = module, dataset, objective, device
        self.amp_dtype = amp_dtype
        self.batch_size = batch_size
        self.n = len(dataset.split_indices("val")) if "val" in dataset.splits else 0
        self.in_memory = in_memory
        self.x = self.y = None
        self.spread = self.scale = None
        if self.n and in_memory:
            x, y = dataset.tensors("val")
            self.x, self.y = x.to(device), y.to(device)
        if self.n and objective.task == "regression":
            self.spread = target_spread(dataset.arrays(dataset.split_indices("val"))[1])
            target = dataset.preprocessing.get("target") or {}
            self.scale = np.asarray(target["std"]) if target.get("std") else None

    def batches(self):
        if self.in_memory:
            for i in range(0, self.n, self.batch_size):
                yield self.x[i:i + self.batch_size], self.y[i:i + self.batch_size]
        elif self.device.type == "cuda":  # pinned host memory, so that the copy runs while the GPU computes
            for x, y in self.dataset.iter_batches("val", self.batch_size):
                yield x.pin_memory().to(self.device, non_blocking=True), y.pin_memory().to(self.device,
                                                                                           non_blocking=True)
        else:
            for x, y in self.dataset.iter_batches("val", self.batch_size):
                yield x.to(self.device), y.to(self.device)

    def run(self) -> dict:
        import torch  # lazy


        if not self.n:
            return {}
        if self.objective.task == "classification":
            acc = ClassificationAccumulator(self.objective.outputs, self.device)
        elif self.objective.task == "multilabel":
            acc = MultiLabelAccumulator(self.objective.outputs, self.device)
        else:
            acc = RegressionAccumulator(self.objective.outputs, self.device, self.spread, self.scale)
        self.module.eval()
        with torch.inference_mode(), autocast(self.device, self.amp_dtype):
            for xb, yb in self.batches():
                out = self.module(xb)
                acc.update(out, yb, self.objective.loss(out, yb))
        result = acc.result()
        if self.objective.task == "classification":
            return {"val_loss": result["loss"], "val_accuracy": result["accuracy"], "val_f1_macro": result["f1_macro"]}
        if self.objective.task == "multilabel":
            return {"val_loss": result["loss"], "val_accuracy": result["accuracy"],
                    "val_f1_macro": result["f1_macro"], "val_f1_micro": result["f1_micro"],
                    "val_exact_match": result["exact_match"]}
        return {"val_loss": result["loss"], "val_mae": result["mae"], "val_rmse": result["rmse"], "val_r2": result["r2"]}
