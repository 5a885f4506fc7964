"""Unstructured magnitude pruning: the smallest weights of every convolution, dense and recurrent layer set to zero
(the layer types whose `LayerSpec.compression.magnitude_pruned` says so).

The threshold is global (one magnitude for the whole network), so layers with many small weights lose more; biases
and normalisation parameters are kept. The masks are re-applied after every optimizer step of the fine-tune.
The zeros are still stored and computed: the file is not smaller and inference is not faster.
`pruned_candidate` makes the pruned, fine-tuned variant.
"""

from __future__ import annotations

import copy

import numpy as np

from workbench.core.compression.candidate import Candidate, Progress, finetune_epochs, fp32_model
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.finetune import DEFAULT_EPOCHS, finetune, finetune_settings
from workbench.core.compression.layer_effects import effect_rows


def prunable_weights(graph, module) -> dict[str, object]:
    """``"<node id>.<param>"`` -> parameter: the weight matrices and kernels (not biases or norms) to prune."""
    found = {}
    for nid, layer in module.layers.items():
        if not graph.nodes[nid].spec.compression.magnitude_pruned:
            continue
        for name, param in layer.named_parameters():
            if param.ndim >= 2 and "norm" not in name:
                found[f"{nid}.{name}"] = param
    return found


def magnitude_masks(weights: dict[str, object], sparsity: float) -> dict[str, object]:
    """Boolean keep-masks hitting `sparsity` (share of zeros) over all `weights` together."""
    import torch  # lazy

    if not 0.0 < sparsity < 1.0:
        raise CompressionError(f"The sparsity must be between 0 and 1 (got {sparsity:g}); 0.5 zeroes half the "
                               "weights.")
    if not weights:
        raise CompressionError("This network has no dense, convolution or recurrent weights to prune.")
    magnitudes = torch.cat([p.detach().abs().flatten() for p in weights.values()])
    k = int(round(sparsity * magnitudes.numel()))
    if k == 0:
        return {name: torch.ones_like(p, dtype=torch.bool) for name, p in weights.items()}
    threshold = torch.kthvalue(magnitudes, k).values
    masks = {}
    for name, p in weights.items():
        keep = p.detach().abs() > threshold
        masks[name] = keep
    return masks


def apply_masks(weights: dict[str, object], masks: dict[str, object]) -> None:
    import torch  # lazy

    with torch.no_grad():
        for name, p in weights.items():
            p.mul_(masks[name].to(p.device, p.dtype))


def layer_sparsity(graph, module) -> dict[str, float]:
    """Share of exact zeros in each pruned layer's weights."""
    by_node: dict[str, list[int]] = {}
    for key, p in prunable_weights(graph, module).items():
        nid = key.partition(".")[0]
        counts = by_node.setdefault(nid, [0, 0])
        counts[0] += int((p.detach() == 0).sum())
        counts[1] += p.numel()
    return {nid: zeros / total for nid, (zeros, total) in by_node.items() if total}


def prune_magnitude(graph, module, sparsity: float):
    """Zeroes the smallest weights in place; returns a hook that keeps them zero (for `Trainer(after_step=...)`)."""
    weights = prunable_weights(graph, module)
    masks = magnitude_masks(weights, sparsity)
    apply_masks(weights, masks)

    def keep_pruned(_module) -> None:
        apply_masks(weights, masks)

    return keep_pruned


def overall_sparsity(graph, module) -> float:
    weights = prunable_weights(graph, module)
    zeros = sum(int((p.detach() == 0).sum()) for p in weights.values())
    total = sum(p.numel() for p in weights.values())
    return float(zeros / total) if total else float(np.nan)


def pruned_candidate(method, tm, amount: float, epochs: int | None, student_graph, progress: Progress,
                     threads: int) -> Candidate:
    """The trained network with `amount` of its weights zeroed, fine-tuned with the zeros kept."""
    module = copy.deepcopy(tm.module)
    keep_pruned = prune_magnitude(tm.graph, module, amount)
    settings = finetune_settings(tm.settings, finetune_epochs(epochs, DEFAULT_EPOCHS))
    finetune(module, tm.dataset, tm.graph, settings, progress, (0.05, 0.6), "Fine-tuning the pruned network",
             after_step=[keep_pruned], threads=threads)
    keep_pruned(module)
    sparsity = overall_sparsity(tm.graph, module)
    notes = (f"{100 * sparsity:.0f}% of the weights are zero, then fine-tuned. The zeros are still stored and "
             "computed: the file is not smaller and inference is not faster. Use structured pruning to shrink it.")
    rows = effect_rows(tm.graph, "sparsity", layer_sparsity(tm.graph, module))
    return Candidate("", method.name, amount, fp32_model(module, tm.graph), tm.graph, module, notes, rows)
