"""The torch side of the catalog: `GraphModule`, the network of a graph, and small modules for layer types that
torch.nn has no single class for.

`GraphModule` runs the graph's nodes in topological order. Each node's module sits in `layers` under the node's id,
so weights are saved as ``<node id>.<parameter>``. Inputs are taken in the order of the graph's Input nodes; with
one output head the module returns a tensor, with several a tuple in the order of `head_ids`.

Padding masks: an Input of token ids (batch, time) pads each text with id 0 after its end. Where shape inference
marks a wire `masked`, the mask of that Input (``ids != 0``, computed inside the network, so the ONNX file takes the
same ids) travels with it, and the modules that read time steps (`takes_mask`) get it as ``mask=``: attention gives
pads no weight, sequence pooling leaves them out and a recurrent layer reads each text's last real step.

This is the one module of ours that imports torch at its top: the builders in the catalog and `build_module` import
it when they run, so importing the catalog, the graph or the project tier does not import torch.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class Reshape(nn.Module):
    """Reshapes each sample to `target` (no -1 left: the builder resolves it), keeping the batch dynamic."""

    def __init__(self, target: tuple[int, ...]):
        super().__init__()
        self.target = tuple(target)

    def forward(self, x):
        return x.reshape(-1, *self.target)

    def extra_repr(self) -> str:
        return f"target={self.target}"


class GlobalAvgPool(nn.Module):
    """Averages over every axis after the channels: (batch, C, ...) -> (batch, C)."""

    def forward(self, x):
        return x.flatten(2).mean(dim=2)


def padding_mask(ids):
    """(batch, time) token ids -> bool mask, True at real tokens (id 0 is padding); a text with no token at all
    counts every step as real, so it is summarised like any other instead of becoming a division by zero."""
    mask = ids != 0
    return mask | (mask.to(torch.int64).sum(dim=1, keepdim=True) == 0)  # no `any`: it exports from opset 7 on


def _lengths(mask):
    return mask.sum(dim=1)


def _last_step(x, mask):
    """x (batch, time, features) -> (batch, features): each sample's last real step (the padding follows it).
    Picked by multiplying with a one-hot of the steps where the mask ends, which exports to every opset."""
    ends = mask & ~torch.cat([mask[:, 1:], torch.zeros_like(mask[:, :1])], dim=1)
    return (x * ends.unsqueeze(2).to(x.dtype)).sum(dim=1)


def reverse_within_length(x, lengths):
    """Reverses each sequence of x (batch, time, features) over its first `lengths` steps, leaving the padding
    after them in place; applying it twice gives x back."""
    steps = torch.arange(x.shape[1], device=x.device).unsqueeze(0)
    ends = lengths.unsqueeze(1)
    index = torch.where(steps < ends, ends - 1 - steps, steps)
    return x.gather(1, index.unsqueeze(2).expand(-1, -1, x.shape[2]))


class SequencePool(nn.Module):
    """Reduces (batch, time, features) to (batch, features) by mean, max, the last or the first step; with a
    padding mask the padding is left out (the last step is the last real one)."""

    takes_mask = True

    def __init__(self, mode: str):
        super().__init__()
        self.mode = mode

    def forward(self, x, mask=None):
        if self.mode == "first":
            return x[:, 0]
        if mask is None:
            if self.mode == "mean":
                return x.mean(dim=1)
            if self.mode == "max":
                return x.amax(dim=1)
            return x[:, -1]
        if self.mode == "mean":
            weights = mask.unsqueeze(2).to(x.dtype)
            return (x * weights).sum(dim=1) / weights.sum(dim=1)
        if self.mode == "max":
            return x.masked_fill(~mask.unsqueeze(2), torch.finfo(x.dtype).min).amax(dim=1)
        return _last_step(x, mask)


class Sum(nn.Module):
    """Adds its inputs element-wise."""

    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class Concat(nn.Module):
    """Joins its inputs along `dim`."""

    def __init__(self, dim: int):
        super().__init__()
        self.dim = dim

    def forward(self, *xs):
        return torch.cat(xs, dim=self.dim)


class Recurrent(nn.Module):
    """An LSTM or GRU over (batch, time, features) returning every step or only the final state.

    With a padding mask the final state is each text's state at its last real step (picked with a one-hot of where
    the mask ends, which exports to every ONNX opset). Bidirectional, each layer reads each text backwards from its
    last real step: its steps are reversed within the text's length, read by that layer's backward weights, and put
    back in order. The weights stay those of the one `nn.LSTM`/`nn.GRU` in `rnn`, masked or not.
    """

    takes_mask = True

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool,
                 return_sequences: bool):
        super().__init__()
        kind = nn.LSTM if cell == "lstm" else nn.GRU
        self.cell = cell
        self.rnn = kind(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                        bidirectional=bidirectional)
        self.return_sequences = return_sequences
        self.directions = 2 if bidirectional else 1

    def forward(self, x, mask=None):
        if mask is not None:
            return self._forward_masked(x, mask)
        out, state = self.rnn(x)
        if self.return_sequences:
            return out
        h_n = state[0] if isinstance(state, tuple) else state  # (layers * directions, batch, hidden)
        last = h_n[-self.directions:]  # the top layer, each direction
        return last.transpose(0, 1).reshape(x.shape[0], -1)

    def _forward_masked(self, x, mask):
        if self.directions == 1:
            out = self.rnn(x)[0]
            return out if self.return_sequences else _last_step(out, mask)
        lengths = _lengths(mask)
        for layer in range(self.rnn.num_layers):
            forwards = self._one_direction(x, layer, "")
            backwards = reverse_within_length(self._one_direction(reverse_within_length(x, lengths), layer,
                                                                  "_reverse"), lengths)
            x = torch.cat([forwards, backwards], dim=2)
        if self.return_sequences:
            return x
        return torch.cat([_last_step(forwards, mask), backwards[:, 0]], dim=1)

    def _one_direction(self, x, layer: int, suffix: str):
        """One layer and direction of `rnn` over x, with that direction's weights."""
        weights = [getattr(self.rnn, f"{name}_l{layer}{suffix}") for name in
                   ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        h0 = x.new_zeros(1, x.shape[0], self.rnn.hidden_size)
        run = torch.lstm if self.cell == "lstm" else torch.gru
        state = (h0, h0) if self.cell == "lstm" else h0
        return run(x, state, weights, True, 1, 0.0, self.training, False, True)[0]


class SelfAttention(nn.Module):
    """Multi-head self-attention written with plain operations, so it exports to any ONNX opset; no step attends to
    padding (the standalone Multi-head attention layer gets the mask too, not only TransformerBlock's)."""

    takes_mask = True

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        batch, time, dim = x.shape
        qkv = self.qkv(x).reshape(batch, time, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (batch, heads, time, head_dim)
        scores = q @ k.transpose(-2, -1) * (self.head_dim ** -0.5)
        if mask is not None:  # no step attends to padding
            scores = scores.masked_fill(~mask[:, None, None, :], torch.finfo(scores.dtype).min)
        weights = torch.softmax(scores, dim=-1)
        attended = self.dropout(weights) @ v
        return self.out(attended.transpose(1, 2).reshape(batch, time, dim))


class TransformerBlock(nn.Module):
    """One pre-norm Transformer encoder block: self-attention and a feed-forward net, each with a skip."""

    takes_mask = True

    def __init__(self, dim: int, heads: int, ff_dim: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = SelfAttention(dim, heads, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.feed_forward = nn.Sequential(nn.Linear(dim, ff_dim), nn.GELU(), nn.Dropout(dropout),
                                          nn.Linear(ff_dim, dim))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x, mask=None):
        x = x + self.dropout(self.attention(self.norm1(x), mask))
        return x + self.dropout(self.feed_forward(self.norm2(x)))


class PositionalEncoding(nn.Module):
    """Adds each step's position to (batch, time, features): a learned vector per position, or the fixed sines
    and cosines of "Attention is all you need". A shorter sequence uses the first positions."""

    def __init__(self, kind: str, time: int, dim: int):
        super().__init__()
        self.kind = kind
        if kind == "learned":
            self.table = nn.Parameter(torch.randn(time, dim) * 0.02)
        else:
            self.register_buffer("table", sinusoidal_positions(time, dim), persistent=False)

    def forward(self, x):
        return x + self.table[:x.shape[1]].to(x.dtype)

    def extra_repr(self) -> str:
        return f"kind={self.kind}, time={self.table.shape[0]}, dim={self.table.shape[1]}"


def sinusoidal_positions(time: int, dim: int):
    """(time, dim): sin at the even features and cos at the odd ones, of wavelengths from 2 pi to 10000 * 2 pi."""
    position = torch.arange(time, dtype=torch.float32).unsqueeze(1)
    rate = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10_000.0) / dim))
    table = torch.zeros(time, dim)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate)[:, :dim // 2]
    return table


class MultiLabelOutput(nn.Linear):
    """The multi-label head: one score (a logit) per label, which training turns into a loss with a numerically
    stable sigmoid and binary cross-entropy. With `probabilities` on (set for ONNX export and its parity check, see
    `workbench.core.export.onnx_export.with_probabilities`) it gives each label's probability instead."""

    probabilities = False

    def forward(self, x):
        scores = super().forward(x)
        return torch.sigmoid(scores) if self.probabilities else scores


class GraphModule(nn.Module):
    """The network of a graph: each node's module in `layers` under the node's id, run in the order of `steps`
    ((node id, source ids) in topological order, only the nodes the heads need).

    The execution plan is made once, here: each value of a forward pass has a slot in a list (the inputs first),
    each step reads its sources' slots and writes its output into a slot whose value no step reads any more, so an
    intermediate is freed as soon as its last reader has run. A forward pass then costs, beyond the layers' own
    calls, a list index per source; the padding-mask bookkeeping runs only while `mask_from` names a layer.
    Layers are looked up by id when called, so a layer replaced in `layers` after construction is the one run.
    """

    def __init__(self, graph, result):  # a Graph and its ValidationResult
        super().__init__()
        self.input_ids = [n.id for n in graph.input_nodes()]
        self.head_ids = [n.id for n in graph.head_nodes()]
        sources_of: dict[str, list[str]] = {}
        for e in graph.edges:  # in edge order, which is the order of a Concat's inputs
            sources_of.setdefault(e.dst, []).append(e.src)
        needed = _ancestors(sources_of, self.head_ids)
        self.layers = nn.ModuleDict()
        steps = []
        self.mask_from: dict[str, str] = {}  # node id -> the Input whose padding mask its module is given
        mask_of: dict[str, str] = {}  # node id -> the Input whose padding mask travels on its output
        for nid in result.order:
            node = graph.nodes[nid]
            sources = sources_of.get(nid, [])
            mask_in = next((mask_of[s] for s in sources if s in mask_of), None)
            origin = nid if node.spec.role == "input" else mask_in
            if result.outputs[nid].masked and origin is not None:
                mask_of[nid] = origin
            if node.spec.role == "input":
                continue
            ins = [result.outputs[s] for s in sources]
            self.layers[nid] = node.spec.build(node.params, ins)
            if nid in needed:
                steps.append((nid, tuple(sources)))
                if mask_in is not None and getattr(self.layers[nid], "takes_mask", False):
                    self.mask_from[nid] = mask_in
        self.steps = steps
        self.input_infos = [result.outputs[i] for i in self.input_ids]
        self.output_infos = [result.outputs[h] for h in self.head_ids]
        self._plan, self._head_slots, slots = _slot_plan(self.input_ids, self.head_ids, steps)
        self._spare_slots = (None,) * (slots - len(self.input_ids))
        self._modules_by_id = self.layers._modules  # the ModuleDict's own dict: a replaced layer shows in it

    def forward(self, *inputs):
        return self._run(inputs, self._modules_by_id)

    def unhooked_forward(self):
        """A function computing what `forward` does with each layer's own ``forward``, skipping
        `nn.Module.__call__` (so no hook runs): for the training engine's direct steps, once it has checked that
        no hook is registered. It calls the layers as they are now."""
        calls = {nid: self.layers[nid].forward for nid, _ in self.steps}
        return lambda *inputs: self._run(inputs, calls)

    def _run(self, inputs, calls):
        """Runs the plan on `inputs`, calling ``calls[node id]`` for each step."""
        if len(inputs) != len(self.input_ids):
            raise ValueError(f"the network takes {len(self.input_ids)} input(s), got {len(inputs)}")
        values = [*inputs, *self._spare_slots]
        if self.mask_from:
            self._run_masked(values, calls)
        else:
            for nid, sources, out in self._plan:
                if len(sources) == 1:
                    values[out] = calls[nid](values[sources[0]])
                else:
                    values[out] = calls[nid](*[values[s] for s in sources])
        heads = self._head_slots
        return values[heads[0]] if len(heads) == 1 else tuple(values[h] for h in heads)

    def _run_masked(self, values: list, calls) -> None:
        """The plan with padding masks: each Input named in `mask_from` gives its mask to the layers that take it."""
        masks = {nid: padding_mask(values[self.input_ids.index(nid)]) for nid in set(self.mask_from.values())}
        for nid, sources, out in self._plan:
            mask_from = self.mask_from.get(nid)
            if mask_from is None:
                values[out] = calls[nid](*[values[s] for s in sources])
            else:
                values[out] = calls[nid](*[values[s] for s in sources], mask=masks[mask_from])


def _slot_plan(input_ids: list[str], head_ids: list[str], steps: list[tuple[str, tuple[str, ...]]]):
    """The execution plan of `steps`: ((node id, source slots, output slot) per step, the heads' slots, the number
    of slots). The inputs take the first slots; a step's output goes into a slot freed by a value whose last reader
    has run (its own sources included, since they are read before the output is stored), else into a new one."""
    last_read = {s: i for i, (_nid, sources) in enumerate(steps) for s in sources}
    last_read.update((h, len(steps)) for h in head_ids)  # the heads are read at the end
    slot_of = {nid: i for i, nid in enumerate(input_ids)}
    free: list[int] = []
    count = len(input_ids)
    plan = []
    for i, (nid, sources) in enumerate(steps):
        source_slots = tuple(slot_of[s] for s in sources)
        free.extend(slot_of[s] for s in dict.fromkeys(sources) if last_read[s] == i)
        if free:
            slot_of[nid] = free.pop()
        else:
            slot_of[nid], count = count, count + 1
        plan.append((nid, source_slots, slot_of[nid]))
    return tuple(plan), tuple(slot_of[h] for h in head_ids), count


def _ancestors(sources_of: dict[str, list[str]], targets: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(targets)
    while stack:
        nid = stack.pop()
        if nid in seen:
            continue
        seen.add(nid)
        stack.extend(sources_of.get(nid, ()))
    return seen


# --- modules of the layer types in more_layers.py ---------------------------------------------------------------------

class GlobalMaxPool(nn.Module):
    """The largest value over every axis after the channels: (batch, C, ...) -> (batch, C)."""

    def forward(self, x):
        return x.flatten(2).amax(dim=2)


class Product(nn.Module):
    """Multiplies its inputs element-wise."""

    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class Permute(nn.Module):
    """Reorders the sample axes (numbered from 1); the batch stays first."""

    def __init__(self, order: tuple[int, ...]):
        super().__init__()
        self.order = (0, *order)

    def forward(self, x):
        return x.permute(*self.order)

    def extra_repr(self) -> str:
        return f"order={self.order[1:]}"


class Pad(nn.Module):
    """Pads the last axes: `padding` is (before, after) pairs, the last axis first, as `torch.nn.functional.pad`."""

    def __init__(self, padding: tuple[int, ...], mode: str, value: float):
        super().__init__()
        self.padding = tuple(padding)
        self.mode = mode
        self.value = value

    def forward(self, x):
        if self.mode == "constant":
            return nn.functional.pad(x, self.padding, mode="constant", value=self.value)
        return nn.functional.pad(x, self.padding, mode=self.mode)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, mode={self.mode}"


class SequenceConv(nn.Module):
    """A 1-D convolution along the steps of (batch, time, features), same length out ("same" zero padding at both
    ends); with a padding mask the padding is zeroed first, so a padded text reads as the same text unpadded."""

    takes_mask = True

    def __init__(self, features: int, filters: int, kernel_size: int):
        super().__init__()
        self.conv = nn.Conv1d(features, filters, kernel_size, padding=kernel_size // 2)

    def forward(self, x, mask=None):
        if mask is not None:
            x = x * mask.unsqueeze(2).to(x.dtype)
        return self.conv(x.transpose(1, 2)).transpose(1, 2)


class ChannelShuffle(nn.Module):
    """Interleaves the channels of `groups` groups (ShuffleNet), written as reshape-transpose-reshape so it exports
    to any ONNX opset."""

    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        batch, channels = x.shape[0], x.shape[1]
        rest = x.shape[2:]
        x = x.reshape(batch, self.groups, channels // self.groups, *rest).transpose(1, 2)
        return x.reshape(batch, channels, *rest)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
