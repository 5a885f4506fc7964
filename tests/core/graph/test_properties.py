"""Random graphs drawn from the catalog: valid ones build and produce exactly the inferred shapes and parameter
counts; invalid ones yield validation errors, never an uncaught exception."""

import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.core.build import build_module, example_inputs
from workbench.core.graph import Edge, Graph, validate
from workbench.core.layers import CATALOG

# keep drawn networks tiny so each example runs in milliseconds
SMALL = {"filters": 6, "units": 12, "hidden_size": 6, "dim": 8, "ff_dim": 12, "kernel_size": 4, "stride": 3,
         "padding": 2, "dilation": 2, "vocab_size": 12, "classes": 5, "outputs": 3, "num_layers": 2,
         "output_padding": 1, "heads": 4}
LAYER_TYPES = sorted(t for t, s in CATALOG.items() if s.role not in ("input", "block", "block_input", "block_output"))


@st.composite
def setting_values(draw, spec):
    params = {}
    for s in spec.settings:
        if s.kind == "int":
            low = int(s.minimum)
            high = int(min(s.maximum, max(low, SMALL.get(s.name, 8))))
            params[s.name] = draw(st.integers(low, high))
        elif s.kind == "float":
            params[s.name] = draw(st.floats(s.minimum, min(s.maximum, 0.9), allow_nan=False))
        elif s.kind == "bool":
            params[s.name] = draw(st.booleans())
        elif s.kind == "choice":
            params[s.name] = draw(st.sampled_from(s.choices))
        elif s.kind == "tuple":
            values = [v for v in (-1, 1, 2, 3, 4, 6) if v >= s.minimum]
            params[s.name] = draw(st.lists(st.sampled_from(values), min_size=s.min_length,
                                           max_size=max(s.min_length, min(s.max_length, 3))))
    return params


def fits(type_name, info):
    spec = CATALOG[type_name]
    try:
        spec.shape_rule(spec.check_params({}), [info] * (2 if spec.inputs[0].multi else 1))
        return True
    except Exception:
        return False


@st.composite
def random_graphs(draw):
    """Mostly shape-aware growth (each new layer usually fits the tensor it is wired to), sometimes random."""
    g = Graph()
    token_input = draw(st.integers(0, 4)) == 0
    if token_input:
        shape = [draw(st.integers(1, 6))]
    else:
        shape = draw(st.lists(st.integers(1, 9), min_size=1, max_size=3))
    g.add_node("Input", {"shape": shape, "dtype": "int" if token_input else "float"})
    for _ in range(draw(st.integers(1, 8))):
        outputs = validate(g).outputs
        sources = [nid for nid in outputs if g.nodes[nid].spec.outputs]
        if not sources:
            break
        src = draw(st.sampled_from(sources))
        fitting = [t for t in LAYER_TYPES if fits(t, outputs[src])]
        type_name = draw(st.sampled_from(fitting if fitting and draw(st.integers(0, 9)) else LAYER_TYPES))
        spec = CATALOG[type_name]
        node = g.add_node(type_name, draw(setting_values(spec)))
        if not spec.inputs or draw(st.integers(0, 29)) == 0:
            continue  # sometimes left unconnected
        g.connect(src, node.id)
        if spec.inputs[0].multi:
            branch = g.add_node(draw(st.sampled_from(["Tanh", "ReLU", "Dropout"])))
            g.connect(src, branch.id)
            g.connect(branch.id, node.id)  # a skip connection around the branch
    if draw(st.integers(0, 5)):  # usually end with a head
        outputs = validate(g).outputs
        last = [nid for nid in outputs if g.nodes[nid].spec.outputs and not g.outgoing(nid)]
        if last:
            src = last[-1]
            if outputs[src].rank != 2 or outputs[src].dtype != "float":
                flat = g.add_node("Flatten")
                g.connect(src, flat.id)
                src = flat.id
            head = g.add_node(draw(st.sampled_from(["ClassificationHead", "RegressionHead"])))
            g.connect(src, head.id)
    return g


def run_every_node(module, inputs):
    values = dict(zip(module.input_ids, inputs))
    for nid, sources in module.steps:
        values[nid] = module.layers[nid](*(values[s] for s in sources))
    return values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_graphs())
def test_random_graphs_build_with_the_inferred_shapes_or_report_errors(graph):
    result = validate(graph)  # must never raise
    if not result.ok:
        assert all(p.message and p.severity == "error" for p in result.errors)
        return
    module = build_module(graph, result)
    module.eval()
    with torch.no_grad():
        values = run_every_node(module, example_inputs(module, batch=2, generator=torch.Generator().manual_seed(0)))
    for nid, _ in module.steps:
        expected = result.outputs[nid]
        assert tuple(values[nid].shape) == (2, *expected.shape[1:]), graph.nodes[nid].label
        assert (values[nid].dtype == torch.long) == (expected.dtype == "int")
    for nid, layer in module.layers.items():
        assert sum(p.numel() for p in layer.parameters()) == result.params[nid], graph.nodes[nid].label
