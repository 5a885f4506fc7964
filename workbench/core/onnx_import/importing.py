"""`import_onnx`: an ONNX file becomes a Workbench graph with its trained weights and an import report (what was
mapped, the placeholders left for operators without a layer, notes, and the round-trip check)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from workbench.core.build import build_module
from workbench.core.export.errors import ExportError
from workbench.core.export.onnx_export import DEFAULT_OPSET
from workbench.core.graph.model import Graph
from workbench.core.graph.validate import validate
from workbench.core.onnx_import.converter import Converter, Placeholder
from workbench.core.onnx_import.heads import OutputLink, make_heads
from workbench.core.onnx_import.operators import OPERATORS
from workbench.core.onnx_import.reading import read_onnx
from workbench.core.onnx_import.repeats import RepeatedBlock, group_repeats
from workbench.core.onnx_import.round_trip import RoundTrip, check_round_trip
from workbench.core.training.weights import load_state

Progress = Callable[[float, str], None]


@dataclass
class ImportReport:
    source: str  # the file's name
    opset: int
    operators: int  # ONNX nodes in the file
    layers: int  # Workbench layers made
    placeholders: list[Placeholder] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    blocks: list[RepeatedBlock] = field(default_factory=list)  # repeated units shown as blocks
    round_trip: RoundTrip | None = None
    not_checked: str = ""  # why the round trip was not checked

    @property
    def complete(self) -> bool:
        return not self.placeholders

    def lines(self) -> list[str]:
        lines = [f"Imported '{self.source}' (ONNX opset {self.opset}): {self.operators} operators became "
                 f"{self.layers} layers."]
        lines += self.notes
        lines += [block.sentence() for block in self.blocks]
        if self.placeholders:
            lines.append(f"{len(self.placeholders)} operator(s) have no Workbench layer; they are placeholders on "
                         "the canvas, and training and export are refused until each is replaced:")
            lines += [f"  - {p}" for p in self.placeholders]
        if self.round_trip is not None:
            lines.append(self.round_trip.sentence())
        elif self.not_checked:
            lines.append(f"The round trip was not checked: {self.not_checked}")
        return lines


@dataclass
class OnnxImport:
    graph: Graph
    tensors: dict  # "<flat node id>.<parameter>" -> torch tensor (a layer in a block: "<instance>__<layer>")
    report: ImportReport
    outputs: list[OutputLink]


def import_onnx(path: str | os.PathLike, input_shapes: dict[str, tuple[int, ...]] | None = None, *,
                verify: bool = True, opset: int = DEFAULT_OPSET, blocks: bool = True,
                progress: Progress | None = None) -> OnnxImport:
    """Converts the ONNX model at `path`; raises `OnnxImportError` for a file that cannot be imported.
    `input_shapes` gives sample shapes (input name -> shape without the batch; "" for the only input) where the
    file leaves sizes open. With `blocks`, repeated units become instances of blocks (repeats.py). With `verify`,
    the network (its blocks flattened) is exported again at `opset` and compared on ONNX Runtime."""
    import torch  # lazy

    progress = progress or (lambda fraction, message: None)
    progress(0.05, "Reading the model")
    read = read_onnx(path, input_shapes)
    progress(0.3, "Turning operators into layers")
    converter = Converter(read)
    conversion = converter.run(OPERATORS)
    links = make_heads(conversion, converter.producer, [o.name for o in read.model.graph.output])
    layers = len(conversion.graph.nodes)
    grouping = group_repeats(conversion.graph, conversion.weights) if blocks else None
    graph = grouping.graph if grouping else conversion.graph
    weights = grouping.weights if grouping else conversion.weights
    tensors = {k: torch.from_numpy(np.array(v)) for k, v in weights.items()}
    report = ImportReport(Path(path).name, read.opset, read.operators, layers,
                          conversion.placeholders, conversion.notes, grouping.blocks if grouping else [])
    progress(0.6, "Checking the network")
    result = validate(graph)
    if conversion.placeholders:
        report.not_checked = "the placeholders must be replaced first."
    elif not result.ok:
        report.not_checked = "the network has problems: " + "; ".join(p.message for p in result.errors[:3])
    elif verify:  # the network is built (which checks that the weights fit it) and exported again
        module = build_module(graph, result)
        load_state(module, tensors, "the imported weights")
        progress(0.75, "Exporting again and comparing on ONNX Runtime")
        vocab = _input_vocab(graph, read.inputs)
        try:
            report.round_trip = check_round_trip(read.original, vocab, module.eval(), graph, links, opset)
        except ExportError as exc:
            report.not_checked = f"Workbench could not export the imported network: {exc}"
        except Exception as exc:  # ONNX Runtime refusing the original file (too new an IR version, ...)
            report.not_checked = f"ONNX Runtime could not run the original model ({_short(exc)})."
    else:
        report.not_checked = "it was not asked for."
    progress(1.0, "Imported")
    return OnnxImport(graph, tensors, report, links)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _input_vocab(graph: Graph, inputs) -> dict[str, int]:
    """For each token-id input, the vocabulary of the smallest Embedding reading it (ids must stay below it)."""
    vocab = {}
    for info, node in zip(inputs, graph.input_nodes()):
        sizes = [graph.nodes[e.dst].params["vocab_size"] for e in graph.outgoing(node.id)
                 if graph.nodes[e.dst].type == "Embedding"]
        if sizes:
            vocab[info.name] = min(sizes)
    return vocab
