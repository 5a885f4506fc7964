"""What compression did to each layer, so the user sees which layer costs the accuracy.

* Quantized and FP16 variants: the error of each layer's output on calibration samples, relative to the fp32
  model (RMS of the difference over RMS of the fp32 output). Both models are run with every layer's output exposed
  as an extra graph output; the quantized copy used for this is made the same way as the shipped one.
* Magnitude pruning: the share of zero weights per layer. Structured pruning: the channels kept per layer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from workbench.core.export.compact import layer_of
from workbench.core.export.runtime import open_session
from workbench.core.graph.model import Graph
from workbench.core.graph.validate import validate


def layer_output_tensors(model, graph: Graph) -> dict[str, str]:
    """Node id -> the tensor its last ONNX node writes (in a model whose node names are ``/<node id>/<k>``)."""
    last: dict[str, str] = {}
    for node in model.graph.node:
        layer = layer_of(node.name)
        if layer in graph.nodes and node.output:
            last[layer] = node.output[0]
    outputs = {o.name for o in model.graph.output}
    return {nid: name for nid, name in last.items() if name not in outputs}


def with_layer_outputs(model, tensors: dict[str, str]):
    """A copy of `model` that also returns the given tensors (named ``layer__<node id>``)."""
    from onnx import TensorProto, helper  # lazy

    exposed = copy.deepcopy(model)
    for nid, name in tensors.items():
        alias = f"layer__{nid}"
        exposed.graph.node.append(helper.make_node("Identity", [name], [alias], name=f"/{nid}/expose"))
        exposed.graph.output.append(helper.make_tensor_value_info(alias, TensorProto.FLOAT, None))
    return exposed


def _run_all(model, input_names: list[str], samples: list[np.ndarray]) -> dict[str, np.ndarray]:
    session = open_session(model.SerializeToString()).session
    names = [o.name for o in session.get_outputs()]
    values = session.run(None, dict(zip(input_names, samples)))
    return dict(zip(names, values))


def quantization_errors(fp32_model, convert: Callable, graph: Graph, input_names: list[str],
                        samples: list[np.ndarray]) -> dict[str, float]:
    """Node id -> relative RMS error of its output after `convert(model)` (a quantizer or FP16 converter)."""
    tensors = layer_output_tensors(fp32_model, graph)
    exposed = with_layer_outputs(fp32_model, tensors)
    reference = _run_all(exposed, input_names, samples)
    converted = _run_all(convert(exposed), input_names, samples)
    errors = {}
    for nid in tensors:
        key = f"layer__{nid}"
        if key not in reference or key not in converted:
            continue
        f = reference[key].astype(np.float64)
        q = converted[key].astype(np.float64)
        scale = np.sqrt(np.mean(f ** 2))
        errors[nid] = float(np.sqrt(np.mean((q - f) ** 2)) / scale) if scale > 0 else 0.0
    return errors


def effect_rows(graph: Graph, kind: str, values: dict) -> list[dict]:
    """Rows for the variant record, in the graph's running order: node id, name, type and the figure."""

    order = validate(graph).order or list(graph.nodes)
    rows = []
    for nid in order:
        if nid not in values or nid not in graph.nodes:
            continue
        node = graph.nodes[nid]
        value = values[nid]
        row = {"node": nid, "name": node.name, "type": node.type, "kind": kind}
        if kind == "channels":
            row["before"], row["after"] = int(value[0]), int(value[1])
        else:
            row["value"] = float(value)
        rows.append(row)
    return rows
