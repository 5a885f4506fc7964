"""Structured pruning by graph surgery: whole filters of convolutions and neurons of dense layers are removed, giving
a new, smaller graph and its sliced weights (not a mask: the exported model really has fewer weights and runs faster).

A layer can lose outputs only when every path from it reaches the next weighted layers through layers that keep
its channels apart (activations, dropout, pooling, batch normalisation, flatten, global pooling). Paths through
Add, Concat, Reshape, LayerNorm or Softmax keep the layer whole. Within a layer the outputs with the smallest L1
norm of their weights go first. What each layer type is to this (`ChannelRole`, the axis it reads channels on, its
width setting) is declared in its `LayerSpec.compression`. `structured_candidate` makes the smaller, fine-tuned
variant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.core.build import build_module
from workbench.core.compression.candidate import Candidate, Progress, finetune_epochs, fp32_model
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.finetune import DEFAULT_EPOCHS, finetune, finetune_settings
from workbench.core.compression.layer_effects import effect_rows
from workbench.core.graph.model import Graph
from workbench.core.graph.validate import validate
from workbench.core.layers.spec import ChannelRole

READS_CHANNELS = (ChannelRole.REMOVABLE, ChannelRole.CONSUMES)
PASSES_CHANNELS = (ChannelRole.ELEMENTWISE, ChannelRole.KEEPS_CHANNELS_FIRST, ChannelRole.FLATTENS,
                   ChannelRole.POOLS_TIME)


@dataclass
class PrunePlan:
    """Which outputs each pruned layer keeps (sorted indices) and what the pruning touches downstream."""

    keep: dict[str, np.ndarray]  # pruned node id -> kept output indices
    sizes: dict[str, tuple[int, int]]  # pruned node id -> (before, after)
    skipped: dict[str, str]  # prunable node id -> why it is kept whole


def _why_blocked(graph: Graph, result, node_id: str) -> str | None:
    """None if the outputs of `node_id` can be removed; else the reason (naming the layer in the way).

    Follows every path downstream, tracking which axis of the tensor holds the layer's outputs."""
    rank = result.outputs[node_id].rank
    first = _axis(graph.nodes[node_id].spec.compression.channel_axis, rank)
    stack = [(e.dst, node_id, first) for e in graph.outgoing(node_id)]
    if not stack:
        return "its output goes nowhere"
    while stack:
        nid, src, axis = stack.pop()
        node = graph.nodes[nid]
        traits = node.spec.compression
        rank = result.outputs[src].rank
        if traits.channels in READS_CHANNELS:
            if _grouped(node):
                return f"{node.label} is a grouped convolution, which needs all of its input channels"
            if axis != _axis(traits.channel_axis, rank):
                return f"{node.label} does not read those channels as its features" if traits.channel_axis == -1 \
                    else f"{node.label} does not read those features as its channels"
        elif traits.channels is ChannelRole.ELEMENTWISE:
            stack.extend((e.dst, nid, axis) for e in graph.outgoing(nid))
        elif traits.channels in (ChannelRole.KEEPS_CHANNELS_FIRST, ChannelRole.FLATTENS):
            if axis != 1:
                return f"{node.label} does not keep those features on its channel axis"
            stack.extend((e.dst, nid, 1) for e in graph.outgoing(nid))
        elif traits.channels is ChannelRole.POOLS_TIME and rank == 3 and axis == 2:
            stack.extend((e.dst, nid, 1) for e in graph.outgoing(nid))
        else:
            return f"{node.label} needs all of its inputs"
    return None


def _grouped(node) -> bool:
    """A grouped (or depthwise) convolution: its channels are tied to its groups, so it keeps them all."""
    return node.params.get("groups", 1) != 1


def _axis(channel_axis: int, rank: int) -> int:
    return channel_axis % rank


def plan_structured_pruning(graph: Graph, module, amount: float) -> PrunePlan:
    """Chooses the outputs to keep: the (1 - amount) share with the largest L1 weight norm, per prunable layer."""
    if not 0.0 < amount < 1.0:
        raise CompressionError(f"The share of channels to remove must be between 0 and 1 (got {amount:g}); "
                               "0.5 removes half of them.")
    result = validate(graph)
    keep, sizes, skipped = {}, {}, {}
    for nid in result.order:
        node = graph.nodes[nid]
        if node.spec.compression.channels is not ChannelRole.REMOVABLE:
            continue
        why = "a grouped convolution keeps its filters whole" if _grouped(node) else _why_blocked(graph, result, nid)
        if why:
            skipped[nid] = why
            continue
        weight = module.layers[nid].weight.detach().cpu().numpy()
        scores = np.abs(weight.reshape(weight.shape[0], -1)).sum(axis=1)
        total = weight.shape[0]
        kept = max(1, int(round(total * (1.0 - amount))))
        order = np.argsort(-scores, kind="stable")[:kept]
        keep[nid] = np.sort(order)
        sizes[nid] = (total, kept)
    if not keep:
        reasons = "; ".join(f"{graph.nodes[n].name}: {why}" for n, why in skipped.items()) or \
            "it has no convolution or dense layer besides its outputs"
        raise CompressionError(f"No layer of this network can lose channels ({reasons}). Try magnitude pruning or "
                               "distillation instead.")
    return PrunePlan(keep, sizes, skipped)


def pruned_graph(graph: Graph, plan: PrunePlan) -> Graph:
    """A copy of `graph` with the pruned layers' filters / units reduced (shapes downstream follow)."""
    smaller = graph.copy()
    for nid, (_before, after) in plan.sizes.items():
        smaller.set_params(nid, {smaller.nodes[nid].spec.compression.width: after})
    return smaller


def _input_keep(graph: Graph, result, plan: PrunePlan) -> dict[str, np.ndarray | None]:
    """For every node, the indices of its input features that survive (None: all), propagated from the pruned
    layers through the channel-preserving layers (Flatten maps a channel to its block of positions)."""
    out_keep: dict[str, np.ndarray | None] = {}
    in_keep: dict[str, np.ndarray | None] = {}
    for nid in result.order:
        node = graph.nodes[nid]
        sources = [e.src for e in graph.incoming(nid)]
        incoming = out_keep.get(sources[0]) if len(sources) == 1 else None
        in_keep[nid] = incoming
        if nid in plan.keep:
            out_keep[nid] = plan.keep[nid]
        elif node.spec.compression.channels in PASSES_CHANNELS:
            if node.spec.compression.channels is ChannelRole.FLATTENS and incoming is not None:
                shape = result.outputs[sources[0]].shape
                block = int(np.prod(shape[2:])) if len(shape) > 2 else 1
                incoming = (incoming[:, None] * block + np.arange(block)[None, :]).reshape(-1)
            out_keep[nid] = incoming
        else:
            out_keep[nid] = None
    return in_keep


def sliced_state(graph: Graph, module, plan: PrunePlan) -> dict:
    """The state dict of the pruned network: each tensor of the original, cut to the kept channels."""
    result = validate(graph)
    in_keep = _input_keep(graph, result, plan)
    state = {}
    for key, tensor in module.layers.state_dict().items():
        nid, _, param = key.partition(".")
        node = graph.nodes[nid]
        out_idx = plan.keep.get(nid)
        in_idx = in_keep.get(nid)
        traits = node.spec.compression
        t = tensor
        if traits.channels in READS_CHANNELS:
            if out_idx is not None and param in ("weight", "bias"):  # only REMOVABLE layers lose outputs
                t = t[out_idx]
            if in_idx is not None and param == "weight":
                t = t[(slice(None),) * traits.weight_input_axis + (in_idx,)]
        elif traits.channels is ChannelRole.KEEPS_CHANNELS_FIRST and in_idx is not None and t.ndim == 1:
            t = t[in_idx]
        state[key] = t.clone()
    return state


def prune_structured(graph: Graph, module, amount: float):
    """(smaller graph, its module with the sliced weights, plan)."""

    plan = plan_structured_pruning(graph, module, amount)
    smaller = pruned_graph(graph, plan)
    check = validate(smaller)
    if not check.ok:
        raise CompressionError("Removing channels broke the network: " + "; ".join(p.message for p in check.errors[:3]))
    new_module = build_module(smaller, check)
    new_module.layers.load_state_dict(sliced_state(graph, module, plan), strict=True)
    return smaller, new_module.eval(), plan


def structured_candidate(method, tm, amount: float, epochs: int | None, student_graph, progress: Progress,
                         threads: int) -> Candidate:
    """The trained network with `amount` of its removable channels cut out, fine-tuned."""
    progress(0.05, "Removing channels")
    graph, module, plan = prune_structured(tm.graph, tm.module, amount)
    settings = finetune_settings(tm.settings, finetune_epochs(epochs, DEFAULT_EPOCHS))
    finetune(module, tm.dataset, graph, settings, progress, (0.1, 0.6), "Fine-tuning the smaller network",
             threads=threads)
    removed = ", ".join(f"{graph.nodes[n].name} {a}→{b}" for n, (a, b) in plan.sizes.items())
    notes = f"Channels and neurons removed ({removed}), then fine-tuned."
    if plan.skipped:
        notes += " Kept whole: " + "; ".join(f"{tm.graph.nodes[n].name} ({why})" for n, why in plan.skipped.items()) \
            + "."
    rows = effect_rows(tm.graph, "channels", plan.sizes)
    return Candidate("", method.name, amount, fp32_model(module, graph), graph, module, notes, rows, own_graph=True)
