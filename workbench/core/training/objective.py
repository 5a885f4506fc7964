"""What a network is trained to do: the task and loss its output head asks for, checked against the data.

The head node decides the loss: a Classification output trains with cross-entropy, a Multi-label output with binary
cross-entropy on its logits (sigmoid and log in one numerically stable step), a Regression output with mean squared
or mean absolute error (its ``loss`` setting). `objective_for` also checks that the network's input and
output fit the data, with a message that says what to change.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.errors import DataError
from workbench.core.layers import format_shape

LOSS_TITLES = {"cross_entropy": "cross-entropy", "binary_cross_entropy": "binary cross-entropy",
               "mse": "mean squared error", "mae": "mean absolute error"}
HEAD_OF_TASK = {"classification": "ClassificationHead", "multilabel": "MultiLabelHead", "regression": "RegressionHead"}
TASK_WORDS = {"classification": "a classification", "multilabel": "a multi-label", "regression": "a regression"}


@dataclass(frozen=True)
class Objective:
    task: str  # "classification" | "multilabel" | "regression"
    loss_name: str  # "cross_entropy" | "binary_cross_entropy" | "mse" | "mae"
    outputs: int  # classes, labels, or numbers predicted

    def loss(self, outputs, targets):
        """Mean loss of a batch (targets: class indices, 0/1 per label, or numbers shaped like the outputs or flat)."""
        from torch.nn import functional as F  # lazy

        if self.loss_name == "cross_entropy":
            return F.cross_entropy(outputs.float(), targets)
        if self.loss_name == "binary_cross_entropy":
            return F.binary_cross_entropy_with_logits(outputs.float(), targets.reshape(outputs.shape).float())
        targets = targets.reshape(outputs.shape).float()
        if self.loss_name == "mae":
            return F.l1_loss(outputs.float(), targets)
        return F.mse_loss(outputs.float(), targets)

    def __call__(self, outputs, targets, inputs=None):
        return self.loss(outputs, targets)


def objective_for(module, dataset, graph=None) -> Objective:
    """The objective of `module` (a GraphModule) on `dataset`; raises `DataError` when they do not fit together.

    With the `graph` the module was built from, the head's type and loss setting are used; without it, the data's
    task decides (cross-entropy or mean squared error).
    """
    input_ids = getattr(module, "input_ids", None)
    head_ids = getattr(module, "head_ids", None)
    if input_ids is not None and len(input_ids) != 1:
        raise DataError(f"Training needs a network with exactly one Input; this one has {len(input_ids)}.")
    if head_ids is not None and len(head_ids) != 1:
        raise DataError(f"Training needs a network with exactly one output layer; this one has {len(head_ids)}. "
                        "Remove the extra output layers.")
    task = dataset.task
    loss_name = {"classification": "cross_entropy", "multilabel": "binary_cross_entropy"}.get(task, "mse")
    head = graph.nodes[head_ids[0]] if graph is not None and head_ids else None
    if head is not None:
        if head.type != HEAD_OF_TASK.get(task):
            raise DataError(f"The data is {TASK_WORDS.get(task, task)} task, but the network ends in a "
                            f"{head.spec.display_name} layer. Choose the data again in the Data tab so the output "
                            "layer is fitted to it.")
        if task == "regression":
            loss_name = head.params.get("loss", "mse")
    infos = getattr(module, "input_infos", None)
    if infos:
        expected = tuple(infos[0].sample_shape)
        if expected != tuple(dataset.input_shape):
            raise DataError(f"The network's Input expects samples of shape {format_shape(expected)}, but the data's "
                            f"samples have shape {format_shape(tuple(dataset.input_shape))}. Choose the data again "
                            "in the Data tab so the Input is fitted to it.")
        if infos[0].dtype != dataset.input_dtype:
            what = {"int": "whole-number token ids", "float": "numbers"}
            raise DataError(f"The network's Input expects {what.get(infos[0].dtype, infos[0].dtype)}, but the data "
                            f"holds {what.get(dataset.input_dtype, dataset.input_dtype)}. Set the Input's values "
                            "to match the data.")
    outputs = getattr(module, "output_infos", None)
    size = int(outputs[0].shape[-1]) if outputs else dataset.output_size
    if size != dataset.output_size and task == "multilabel":
        name = head.spec.display_name if head is not None else "Multi-label output"
        raise DataError(f"This dataset has {dataset.output_size} labels per row; the {name} has {size} outputs: set "
                        f"its Labels to {dataset.output_size}, or choose the data again in the Data tab so the output "
                        "layer is fitted to it.")
    if size != dataset.output_size:
        what = "classes" if task == "classification" else "numbers"
        raise DataError(f"The output layer gives {size} {what}, but the data has {dataset.output_size}. Choose "
                        "the data again in the Data tab so the output layer is fitted to it.")
    return Objective(task, loss_name, size)
