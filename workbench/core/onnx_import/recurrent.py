"""LSTM and GRU as torch's exporter writes `nn.LSTM`/`nn.GRU(batch_first=True)`: a Transpose to time first, one
ONNX LSTM or GRU node per layer (its initial state zeros of a shape worked out from the input's), a Squeeze (or,
bidirectional, a Transpose and Reshape) between layers and after the last, a Transpose back to batch first; the
final states of the layers joined by a Concat and picked with Gather (`h[-1]`, `torch.cat([h[-2], h[-1]], 1)`;
Slice and Squeeze before opset 13) or laid side by side (`h.transpose(0, 1).reshape(batch, -1)`). Two recurrent
modules in a row read each other's steps time first (torch drops the two Transposes between them).

`fuse_recurrent` rewrites each such run, in the model read from the file, as one node of `FUSED_DOMAIN` ("LSTM" or
"GRU") that reads the batch-first sequence and gives what a Workbench LSTM or GRU layer gives: every step of the
top layer, batch first (`return_sequences`), or the top layer's final state (both directions side by side). Its
inputs are the sequence and each layer's W, R and B; its attributes `hidden_size`, `num_layers`, `bidirectional`
and `return_sequences`. The plumbing around it goes, and the nodes working out the zero initial state with it.

A recurrent node that does not fit is left as it is, and `fuse_recurrent` says why, in the user's words: the
walk makes it a placeholder with that reason. Only the copy read for the walk changes: the round-trip check runs
the file as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.core.onnx_import.constants import BATCH_MARK, evaluate, shape_of
from workbench.core.onnx_import.lookup import GraphLookup, input_name

FUSED_DOMAIN = "workbench.fused"
DEFAULT_ACTIVATIONS = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"]}
SHAPE_PLUMBING = ("Slice", "Gather", "Squeeze", "Unsqueeze", "Reshape", "Expand", "Identity", "Cast")


@dataclass
class _Chain:
    layers: list  # the ONNX recurrent nodes, bottom to top
    removed: list = field(default_factory=list)  # every node the fused node replaces
    source: str = ""  # the batch-first sequence it reads
    output: str = ""  # the tensor the fused node computes
    anchor: object = None  # the node whose place the fused node takes (after its inputs, before its readers)
    return_sequences: bool = False
    time_first: str = ""  # the top layer's steps as (time, batch, features), which a next run may read


def fuse_recurrent(model) -> dict[str, str]:
    """Rewrites every LSTM and GRU run of `model`'s graph (an `onnx.ModelProto`, in place) that a Workbench layer
    can compute as one fused node; returns, for each recurrent node left as it is (by its first output), why."""
    from onnx import NodeProto, helper  # lazy: ONNX is loaded only to import a model

    graph = model.graph
    nodes_in_order = list(graph.node)  # held, so that each node keeps its id() below
    if not any(_Lookup.is_recurrent(n) for n in nodes_in_order):
        return {}
    look = _Lookup(graph, nodes_in_order)
    reasons: dict[str, str] = {}
    chains: list[_Chain] = []
    taken: set[int] = set()
    batch_first: dict[str, str] = {}  # a fused run's time-first steps -> the batch-first steps it gives
    for node in nodes_in_order:
        if not look.is_recurrent(node) or id(node) in taken:
            continue
        reason = look.why_not_alone(node)
        chain = _Chain([node])
        if reason is None:
            chain, reason = look.chain_from(node, batch_first)
        if reason is not None:
            reasons.update((layer.output[0], reason) for layer in chain.layers)
        else:
            chains.append(chain)
            if chain.return_sequences:
                batch_first[chain.time_first] = chain.output
        taken.update(id(n) for n in chain.layers)
    if not chains:
        return reasons
    fused: dict[int, object] = {}  # id(the node whose place it takes) -> the fused node
    removed: set[int] = set()
    for chain in chains:
        first, top = chain.layers[0], chain.layers[-1]
        weights = [name for layer in chain.layers for name in (layer.input[1], layer.input[2], input_name(layer, 3))]
        fused[id(chain.anchor)] = helper.make_node(
            top.op_type, [chain.source, *weights], [chain.output], name=_layer_name(first), domain=FUSED_DOMAIN,
            hidden_size=int(look.attrs(top)["hidden_size"]), num_layers=len(chain.layers),
            bidirectional=int(_direction(look.attrs(top)) == "bidirectional"),
            return_sequences=int(chain.return_sequences))
        removed.update(id(n) for n in chain.removed)
    kept = [fused.get(id(n), n) for n in nodes_in_order if id(n) in fused or id(n) not in removed]
    kept = _without_dead_nodes(kept, [n for n in nodes_in_order if id(n) in removed], graph)
    copies = []
    for node in kept:
        copied = NodeProto()
        copied.CopyFrom(node)
        copies.append(copied)
    del graph.node[:]
    graph.node.extend(copies)
    return reasons


def _direction(attrs: dict) -> str:
    direction = attrs.get("direction", b"forward")
    return direction.decode() if isinstance(direction, bytes) else str(direction)


def _layer_name(node) -> str:
    """The layer's name: the module's path (`/rnn/LSTM` -> `rnn`), else the node's."""
    name = node.name or node.output[0]
    return name.rsplit("/", 1)[0] if "/" in name.strip("/") else name


def _without_dead_nodes(nodes: list, removed: list, graph) -> list:
    """`nodes` less those left computing nothing used by the removal of `removed` (the initial state's zeros and
    the shapes worked out for them)."""
    outputs = {o.name for o in graph.output}
    read = {}
    for node in nodes:
        for name in node.input:
            read[name] = read.get(name, 0) + 1
    producers = {out: node for node in nodes for out in node.output}
    candidates = [producers[name] for node in removed for name in node.input if name in producers]
    dead: set[int] = set()
    while candidates:
        node = candidates.pop()
        if id(node) in dead or any(read.get(o, 0) or o in outputs for o in node.output):
            continue
        dead.add(id(node))
        for name in node.input:
            read[name] = read.get(name, 0) - 1
            if name in producers:
                candidates.append(producers[name])
    return [n for n in nodes if id(n) not in dead]


class _Lookup(GraphLookup):
    """What the matching of recurrent layers asks of the graph, beyond `GraphLookup`'s producers and constants."""

    @staticmethod
    def is_recurrent(node) -> bool:
        return _Lookup.is_op(node, "LSTM") or _Lookup.is_op(node, "GRU")

    def is_zero(self, name: str, depth: int = 0) -> bool:
        """True if `name` is all zeros: a stored zero tensor, ConstantOfShape of 0, or a slice or reshape of one."""
        value = self.const(name)
        if value is not None:
            return bool(np.all(value == 0))
        node = self.producers.get(name)
        if node is None or depth > 8:
            return False
        if self.is_op(node, "ConstantOfShape"):
            fill = self.attrs(node).get("value")
            return fill is None or bool(np.all(self._numpy.to_array(fill) == 0))
        return node.op_type in SHAPE_PLUMBING and node.domain in ("", "ai.onnx") and bool(node.input) and \
            self.is_zero(node.input[0], depth + 1)

    def why_not_alone(self, node) -> str | None:
        """Why this recurrent node cannot be (a layer of) a Workbench LSTM or GRU, whatever surrounds it; None if
        it can."""
        attrs = self.attrs(node)
        kind = node.op_type
        direction = _direction(attrs)
        if int(attrs.get("hidden_size", 0)) < 1:
            return "it does not state the size of its state"
        if direction == "reverse":
            return "it reads the sequence backwards only; Workbench's layer reads it forwards (and backwards too " \
                   "when bidirectional)"
        activations = [a.decode() if isinstance(a, bytes) else a for a in attrs.get("activations", [])]
        if activations and activations != DEFAULT_ACTIVATIONS[kind] * (2 if direction == "bidirectional" else 1):
            return f"it uses the activations {', '.join(activations)}; Workbench's {kind} uses the standard ones"
        if "clip" in attrs or attrs.get("activation_alpha") or attrs.get("activation_beta"):
            return "it clips its values or tunes its activations, which Workbench's layer does not"
        if attrs.get("input_forget", 0):
            return "it couples its input and forget gates, which Workbench's LSTM does not"
        if attrs.get("layout", 0):
            return "it is written batch first (layout 1), which Workbench does not read yet"
        if kind == "GRU" and not attrs.get("linear_before_reset", 0):
            return "it resets before its linear step (linear_before_reset=0); Workbench's GRU, like torch's, " \
                   "resets after it"
        if any(self.const(name) is None for name in (node.input[1], node.input[2], input_name(node, 3)) if name):
            return "its weights are computed by the model, not stored in the file"
        if input_name(node, 4):
            return "it takes each sequence's length, which Workbench's layer works out from the padding instead"
        states = [input_name(node, 5)] + ([input_name(node, 6)] if kind == "LSTM" else [])
        if any(name and not self.is_zero(name) for name in states):
            return "it starts from a state given to it; Workbench's layer starts from zeros"
        if kind == "LSTM" and input_name(node, 7) and not self.is_zero(input_name(node, 7)):
            return "it has peephole weights, which Workbench's LSTM does not"
        if kind == "LSTM" and len(node.output) > 2 and not self.unused(node.output[2]):
            return "its final cell state is used; Workbench's LSTM gives its outputs or its final hidden state"
        return None

    def time_first_sequence(self, node) -> tuple[str, list] | None:
        """The top layer's outputs as (time, batch, features) and the nodes making them: Squeeze of the direction
        axis, or (bidirectional) a Transpose and Reshape joining the two directions."""
        y = node.output[0] if node.output else ""
        reader = self.only(y) if y else None
        if self.is_op(reader, "Squeeze") and _direction(self.attrs(node)) == "forward":
            axes = self.const(input_name(reader, 1))
            axes = [int(a) for a in (axes if axes is not None else self.attrs(reader).get("axes", []))]
            return (reader.output[0], [reader]) if axes == [1] else None
        if self.is_op(reader, "Transpose") and list(self.attrs(reader).get("perm", [])) == [0, 2, 1, 3]:
            reshape = self.only(reader.output[0])
            target = self.const(input_name(reshape, 1)) if self.is_op(reshape, "Reshape") else None
            if target is not None and target.size == 3 and int(target[1]) == 0 and \
                    int(target[2]) in (-1, 2 * int(self.attrs(node)["hidden_size"])):
                return reshape.output[0], [reader, reshape]
        return None

    def chain_from(self, first, batch_first: dict[str, str]) -> tuple[_Chain, str | None]:
        """The layers stacked from `first` (which must read a batch-first sequence through a Transpose, or the steps
        of a run fused before it), what they compute, and the nodes around them; with why they cannot be one
        Workbench layer (None: they can)."""
        entry = self.producers.get(first.input[0])
        if first.input[0] in batch_first:
            chain = _Chain([first], [first], source=batch_first[first.input[0]])
        elif self.is_op(entry, "Transpose") and list(self.attrs(entry).get("perm", [])) == [1, 0, 2] and \
                self.only(first.input[0]) is first:
            chain = _Chain([first], [entry, first], source=entry.input[0])
        else:
            return _Chain([first]), "it reads the sequence time first; Workbench's layers read (batch, time, " \
                                    "features), as torch's batch_first=True does"
        attrs = self.attrs(first)
        while True:
            top = chain.layers[-1]
            sequence = self.time_first_sequence(top)
            following = self.only(sequence[0]) if sequence else None
            if not (self.is_recurrent(following) and following.input[0] == sequence[0]):
                break
            if self.why_not_alone(following) is not None or following.op_type != top.op_type or \
                    self.attrs(following).get("hidden_size") != attrs["hidden_size"] or \
                    _direction(self.attrs(following)) != _direction(attrs):
                break  # a run of its own, reading these steps (or a placeholder saying why not)
            chain.removed += [*sequence[1], following]
            chain.layers.append(following)
        return chain, self._outputs(chain, sequence)

    def _outputs(self, chain: _Chain, sequence: tuple[str, list] | None) -> str | None:
        """Finds what the chain computes (the batch-first steps or the final state); why not, if neither fits."""
        top = chain.layers[-1]
        steps = self._batch_first_steps(top, sequence)
        state = self._final_state(chain)
        if isinstance(state, str):
            return state
        if isinstance(steps, str):
            return steps
        if state is not None and steps is not None:
            return "both its steps and its final state are used; Workbench's layer gives one or the other"
        if state is not None:
            chain.output, chain.anchor = state[0], self.producers[state[0]]
            chain.removed += state[1]
            return None
        if steps is not None:
            chain.output, chain.anchor, chain.return_sequences = steps[0], sequence[1][-1], True
            chain.time_first = sequence[0]
            chain.removed += steps[1]
            return None
        return "neither its steps nor its final state are used"

    def _batch_first_steps(self, top, sequence):
        """(the batch-first steps, the nodes making them) when the top layer's steps are read: through a Transpose
        back to batch first, and by recurrent runs fused after it (which read the same steps); None when they are
        not read; a reason when they are read otherwise."""
        if self.unused(top.output[0]):
            return None
        otherwise = "its steps are used in a way Workbench's layer cannot give: every step of the top layer, " \
                    "batch first, or the top layer's final state"
        if sequence is None or sequence[0] in self.outputs:
            return otherwise
        back, following = [], []
        for reader in self.readers.get(sequence[0], []):
            if self.is_op(reader, "Transpose") and list(self.attrs(reader).get("perm", [])) == [1, 0, 2]:
                back.append(reader)
            elif self.is_recurrent(reader) and reader.input[0] == sequence[0]:
                reason = self.why_not_alone(reader)
                if reason is not None:
                    return f"the {reader.op_type} reading its steps cannot be imported: {reason}"
                following.append(reader)
            else:
                return otherwise
        if len(back) > 1:
            return otherwise
        if back:
            return back[0].output[0], [*sequence[1], back[0]]
        return sequence[0] + "/batch_first", list(sequence[1])  # only read by the runs fused after it

    def _final_state(self, chain: _Chain):
        """(the final-state tensor, the nodes picking it) when the chain's hidden states are read as the top
        layer's final state; None when no state is read; a reason when they are read otherwise."""
        layers = chain.layers
        states = [layer.output[1] if len(layer.output) > 1 else "" for layer in layers]
        used = [s for s in states if not self.unused(s)]
        if not used:
            return None
        directions = 2 if _direction(self.attrs(layers[0])) == "bidirectional" else 1
        count = len(layers) * directions
        picking, joined = [], states[-1]
        if len(layers) > 1:
            join = self.only(states[0])
            if not (self.is_op(join, "Concat") and list(join.input) == states and
                    int(self.attrs(join).get("axis", 0)) == 0 and all(self.only(s) is join for s in states)):
                return "the final states of its layers are read separately"
            picking, joined = [join], join.output[0]
        readers = self.readers.get(joined, [])
        if joined in self.outputs or not readers:
            return "its final state is an output of the model; Workbench's layer gives it to the next layer"
        flattened = self._flattened(readers, count, int(self.attrs(layers[-1])["hidden_size"]))
        if flattened is not None and count == directions:
            return flattened[0], picking + flattened[1]
        picks = {}  # index -> (the tensor of that one state, the nodes picking it)
        for reader in readers:
            pick = self._pick(reader, count)
            if pick is None:
                return "its final state is used as a whole; Workbench's layer gives the top layer's final state"
            picks[pick[0]] = pick[1:]
        if directions == 1:
            if len(picks) != 1 or count - 1 not in picks:
                return "a lower layer's final state is used; Workbench's layer gives the top layer's"
            return picks[count - 1][0], picking + picks[count - 1][1]
        if len(readers) != 2 or set(picks) != {count - 2, count - 1}:
            return "its final state is read one direction at a time; Workbench's layer gives both directions " \
                   "of the top layer side by side"
        (forward, forward_nodes), (backward, backward_nodes) = picks[count - 2], picks[count - 1]
        join = self.only(forward)
        if not (self.is_op(join, "Concat") and list(join.input) == [forward, backward] and
                int(self.attrs(join).get("axis", 0)) in (1, -1) and self.only(backward) is join):
            return "its final state is read one direction at a time; Workbench's layer gives both directions " \
                   "of the top layer side by side"
        return join.output[0], picking + forward_nodes + backward_nodes + [join]

    def _flattened(self, readers: list, count: int, hidden: int) -> tuple[str, list] | None:
        """(tensor, nodes) where `readers` lay the states of (count, batch, hidden) side by side, as
        `h.transpose(0, 1).reshape(batch, -1)` does: a Transpose to batch first, then a Reshape or Flatten to
        (batch, count * hidden)."""
        if len(readers) != 1 or not self.is_op(readers[0], "Transpose") or \
                list(self.attrs(readers[0]).get("perm", [])) != [1, 0, 2]:
            return None
        flat = self.only(readers[0].output[0])
        if self.is_op(flat, "Flatten") and int(self.attrs(flat).get("axis", 1)) == 1:
            return flat.output[0], [readers[0], flat]
        target = self.worked_out(input_name(flat, 1)) if self.is_op(flat, "Reshape") else None
        if target is None or target.size != 2 or int(target[0]) not in (0, BATCH_MARK) or \
                int(target[1]) not in (-1, count * hidden):
            return None
        return flat.output[0], [readers[0], flat]

    def worked_out(self, name: str, depth: int = 0) -> np.ndarray | None:
        """The value of a small constant sub-graph (a Reshape's target, say), the batch as `BATCH_MARK`; None if it
        is not one."""
        value = self.const(name)
        node = self.producers.get(name)
        if value is not None or node is None or depth > 12:
            return value
        if self.is_op(node, "Shape") and not node.attribute and self.shapes.get(node.input[0]) is not None:
            shape = self.shapes[node.input[0]]
            return shape_of(shape) if all(d is not None for d in shape[1:]) else None  # None first: the batch
        inputs = [self.worked_out(i, depth + 1) if i else None for i in node.input]
        if any(v is None for v, i in zip(inputs, node.input) if i):
            return None
        try:
            return evaluate(node, inputs)[0]
        except Exception:  # NotConstant, or a malformed constant: not a target this module reads
            return None

    def _pick(self, reader, count: int) -> tuple[int, str, list] | None:
        """(index, tensor, nodes) where `reader` picks one state of (count, batch, hidden): `h[i]` as Gather, or as
        Slice and Squeeze (opsets before 13), or a Squeeze of the only one."""
        if self.is_op(reader, "Gather") and int(self.attrs(reader).get("axis", 0)) == 0:
            index = self.const(input_name(reader, 1))
            return (int(index) % count, reader.output[0], [reader]) if index is not None and index.ndim == 0 \
                else None
        if self.is_op(reader, "Squeeze") and count == 1:
            axes = self.const(input_name(reader, 1))
            return (0, reader.output[0], [reader]) if axes is not None and axes.reshape(-1).tolist() == [0] else None
        if not self.is_op(reader, "Slice"):
            return None
        starts, ends, axes, steps = (self.const(input_name(reader, i)) for i in (1, 2, 3, 4))
        squeeze = self.only(reader.output[0])
        if starts is None or ends is None or starts.size != 1 or (axes is not None and axes.reshape(-1).tolist()
                                                                  != [0]) or \
                (steps is not None and steps.reshape(-1).tolist() != [1]) or not self.is_op(squeeze, "Squeeze"):
            return None
        axes_squeezed = self.const(input_name(squeeze, 1))
        if axes_squeezed is None or axes_squeezed.reshape(-1).tolist() != [0]:
            return None
        start = int(starts.reshape(-1)[0]) % count
        end = int(ends.reshape(-1)[0])
        end = min(end, count) if end >= 0 else end + count
        return (start, squeeze.output[0], [reader, squeeze]) if end == start + 1 else None
