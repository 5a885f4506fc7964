"""The torch side of the catalog: `GraphModule`, the network of a graph, and small modules for layer types that
torch.nn has no single class for.

`GraphModule` runs the graph's nodes in topological order. Each node's module sits in `layers` under the node's id,
so weights are saved as ``<node id>.<parameter>``. Inputs are taken in the order of the graph's Input nodes; with
one output head the module returns a tensor, with several a tuple in the order of `head_ids`.

This is the one module of ours that imports torch at its top: the builders in the catalog and `build_module` import
it when they run, so importing the catalog, the graph or the project tier does not import torch.
"""

from __future__ import annotations

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


class SequencePool(nn.Module):
    """Reduces (batch, time, features) to (batch, features) by mean, max or the last step."""

    def __init__(self, mode: str):
        super().__init__()
        self.mode = mode

    def forward(self, x):
        if self.mode == "mean":
            return x.mean(dim=1)
        if self.mode == "max":
            return x.amax(dim=1)
        return x[:, -1]


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
    """An LSTM or GRU over (batch, time, features) returning every step or only the final state."""

    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int, bidirectional: bool,
                 return_sequences: bool):
        super().__init__()
        kind = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = kind(input_size, hidden_size, num_layers=num_layers, batch_first=True,
                        bidirectional=bidirectional)
        self.return_sequences = return_sequences
        self.directions = 2 if bidirectional else 1

    def forward(self, x):
        out, state = self.rnn(x)
        if self.return_sequences:
            return out
        h_n = state[0] if isinstance(state, tuple) else state  # (layers * directions, batch, hidden)
        last = h_n[-self.directions:]  # the top layer, each direction
        return last.transpose(0, 1).reshape(x.shape[0], -1)


class SelfAttention(nn.Module):
    """Multi-head self-attention written with plain operations, so it exports to any ONNX opset."""

    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        batch, time, dim = x.shape
        qkv = self.qkv(x).reshape(batch, time, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # (batch, heads, time, head_dim)
        weights = torch.softmax(q @ k.transpose(-2, -1) * (self.head_dim ** -0.5), dim=-1)
        attended = self.dropout(weights) @ v
        return self.out(attended.transpose(1, 2).reshape(batch, time, dim))


class TransformerBlock(nn.Module):
    """One pre-norm Transformer encoder block: self-attention and a feed-forward net, each with a skip."""

    def __init__(self, dim: int, heads: int, ff_dim: int, dropout: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attention = SelfAttention(dim, heads, dropout)
        self.norm2 = nn.LayerNorm(dim)
        self.feed_forward = nn.Sequential(nn.Linear(dim, ff_dim), nn.GELU(), nn.Dropout(dropout),
                                          nn.Linear(ff_dim, dim))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        x = x + self.dropout(self.attention(self.norm1(x)))
        return x + self.dropout(self.feed_forward(self.norm2(x)))


class GraphModule(nn.Module):
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
        for nid in result.order:
            node = graph.nodes[nid]
            if node.spec.role == "input":
                continue
            sources = sources_of.get(nid, [])
            ins = [result.outputs[s] for s in sources]
            self.layers[nid] = node.spec.build(node.params, ins)
            if nid in needed:
                steps.append((nid, tuple(sources)))
        self.steps = steps
        self.input_infos = [result.outputs[i] for i in self.input_ids]
        self.output_infos = [result.outputs[h] for h in self.head_ids]

    def forward(self, *inputs):
        if len(inputs) != len(self.input_ids):
            raise ValueError(f"the network takes {len(self.input_ids)} input(s), got {len(inputs)}")
        values = dict(zip(self.input_ids, inputs))
        for nid, sources in self.steps:
            values[nid] = self.layers[nid](*(values[s] for s in sources))
        outputs = tuple(values[h] for h in self.head_ids)
        return outputs[0] if len(outputs) == 1 else outputs


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
