"""GraphModule -> ONNX with a dynamic batch axis, weights inside the file, and failures traced to the layer at fault.

The TorchScript exporter (``dynamo=False``) is used: it takes about 0.2 s where the dynamo exporter takes seconds
cold. When the exporter fails, every layer is exported on its own (with the inputs it received in a forward pass)
to find the one it cannot express; when ONNX Runtime or the checker refuses the file, the ONNX node they name is
mapped back to the graph node whose module produced it (ONNX node names start with ``/<node id>/``).

A multi-label output trains on logits but is exported with its sigmoid inside the graph, so the file gives each
label's probability: `export_module` traces the network inside `with_probabilities`, and the parity checks run it
the same way.
"""

from __future__ import annotations

import io
import re
import warnings
from contextlib import contextmanager

from workbench.core.build import example_inputs
from workbench.core.export.errors import ExportError
from workbench.core.graph.model import Graph

DEFAULT_OPSET = 17
MIN_OPSET = 7
MAX_OPSET = 23
SAFE_OPSET_HINT = f"Choose opset {DEFAULT_OPSET} or newer, which can express every layer Workbench offers."


def input_names(module) -> list[str]:
    return ["input"] if len(module.input_ids) == 1 else list(module.input_ids)


def output_names(module) -> list[str]:
    return ["output"] if len(module.head_ids) == 1 else list(module.head_ids)


def check_opset(opset: int) -> int:
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= MAX_OPSET:
        raise ExportError(f"The ONNX opset must be a whole number from {MIN_OPSET} to {MAX_OPSET} (got {opset!r}). "
                          f"{DEFAULT_OPSET} suits most uses.")
    return opset


@contextmanager
def with_probabilities(module):
    """While inside, `module`'s multi-label outputs give probabilities (sigmoid of the logits), as exported; after,
    logits again (what training, evaluation and distillation read)."""
    heads = [layer for layer in module.modules() if hasattr(type(layer), "probabilities")]  # MultiLabelOutput
    for head in heads:
        head.probabilities = True
    try:
        yield module
    finally:
        for head in heads:
            head.probabilities = False


def _torch_export(module, inputs: tuple, opset: int, names_in: list[str], names_out: list[str]) -> bytes:
    import torch  # lazy

    buffer = io.BytesIO()
    axes = {name: {0: "batch"} for name in (*names_in, *names_out)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes (e.g. LSTM batch size) are checked by parity instead
        torch.onnx.export(module, inputs, buffer, dynamo=False, opset_version=opset, input_names=names_in,
                          output_names=names_out, dynamic_axes=axes, do_constant_folding=True)
    return buffer.getvalue()


def export_module(module, graph: Graph, opset: int = DEFAULT_OPSET, inputs: list | None = None):
    """The ONNX ModelProto of `module` (in eval mode, on the CPU; multi-label outputs as probabilities), traced on
    `inputs` (tensors or arrays; default: random ones); raises `ExportError` naming the layer at fault."""
    import onnx  # lazy
    import torch  # lazy


    check_opset(opset)
    module = module.eval()
    inputs = tuple(torch.as_tensor(x) for x in inputs) if inputs is not None else tuple(example_inputs(module, 2))
    try:
        with torch.no_grad(), with_probabilities(module):
            data = _torch_export(module, inputs, opset, input_names(module), output_names(module))
    except Exception as exc:  # the exporter raises many kinds; find the layer and say it plainly
        raise _exporter_failure(module, graph, opset, inputs, exc) from None
    return onnx.load_from_string(data)


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split())
    text = text.split(" Please feel free to request support")[0]
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _exporter_failure(module, graph: Graph, opset: int, inputs: tuple, exc: Exception) -> ExportError:
    node_id = _first_unexportable_layer(module, opset, inputs)
    reason = _short(exc)
    if node_id is None:
        return ExportError(f"The network could not be exported to ONNX opset {opset}: {reason}. "
                           + (SAFE_OPSET_HINT if opset < DEFAULT_OPSET else
                              "Try another opset, or simplify the network."))
    node = graph.nodes[node_id]
    hint = SAFE_OPSET_HINT if opset < DEFAULT_OPSET else \
        "Replace this layer with one ONNX supports, or try a newer opset."
    return ExportError(f"{node.label} cannot be expressed in ONNX opset {opset} ({reason}). {hint}", node_id)


def _first_unexportable_layer(module, opset: int, inputs: tuple) -> str | None:
    """The first node (in running order) whose module alone fails to export; None if each exports alone."""
    import torch  # lazy

    received: dict[str, tuple] = {}
    hooks = []
    for nid, _sources in module.steps:
        layer = module.layers[nid]
        hooks.append(layer.register_forward_pre_hook(
            lambda _m, args, nid=nid: received.setdefault(nid, tuple(a.detach() for a in args))))
    try:
        with torch.no_grad():
            module(*inputs)
    except Exception:
        return None
    finally:
        for hook in hooks:
            hook.remove()
    for nid, _sources in module.steps:
        args = received.get(nid)
        if args is None:
            continue
        names = [f"x{i}" for i in range(len(args))]
        try:
            with torch.no_grad():
                _torch_export(module.layers[nid], args, opset, names, ["y"])
        except Exception:
            return nid
    return None


_NODE_NAME = re.compile(r"/([A-Za-z_][A-Za-z0-9_]*)/")
_OP_NAME = re.compile(r"(?:ai\.onnx:|Op registered for |op_type[=:] ?|OpType: )([A-Za-z]+)")


def layer_named_in(message: str, model, graph: Graph) -> str | None:
    """The graph node that an ONNX checker / Runtime message is about: by ONNX node name, else by op type."""
    for match in _NODE_NAME.finditer(message):
        if match.group(1) in graph.nodes:
            return match.group(1)
    for match in _OP_NAME.finditer(message):
        op = match.group(1)
        for onnx_node in model.graph.node:
            if onnx_node.op_type == op:
                found = _NODE_NAME.match(onnx_node.name)
                if found and found.group(1) in graph.nodes:
                    return found.group(1)
    return None


def refused_by_onnx(stage: str, detail: str, model, graph: Graph, opset: int) -> ExportError:
    """An `ExportError` for a file that `stage` (the checker, ONNX Runtime) refused, naming the layer if it can."""
    node_id = layer_named_in(detail, model, graph)
    reason = " ".join(detail.split())
    reason = reason if len(reason) <= 300 else reason[:299] + "…"
    hint = SAFE_OPSET_HINT if opset < DEFAULT_OPSET else "Try another opset, or replace the layer."
    if node_id is None:
        return ExportError(f"The exported model was refused by {stage} at opset {opset}: {reason}. {hint}")
    node = graph.nodes[node_id]
    return ExportError(f"{node.label} cannot run in ONNX opset {opset}: {stage} refused it ({reason}). {hint}",
                       node_id)
