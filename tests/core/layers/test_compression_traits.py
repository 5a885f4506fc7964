"""What compression needs to know about a layer type is declared in its `LayerSpec.compression`, for every layer
type, and agrees with the torch module the type builds; a newly declared element-wise layer passes structured
pruning through instead of silently blocking it."""

import dataclasses

import pytest
import torch

from tests.core.layers.layer_cases import CASES
from workbench.core.build import build_module
from workbench.core.compression.distill import shrunk_graph
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.magnitude import prunable_weights
from workbench.core.compression.structured import plan_structured_pruning, prune_structured
from workbench.core.graph.model import Graph
from workbench.core.layers import CATALOG, LayerSpec, TensorInfo
from workbench.core.layers.catalog import BLOCKS_PRUNING, PASSES_VALUES, register
from workbench.core.layers.spec import ChannelRole, CompressionTraits

READS = (ChannelRole.REMOVABLE, ChannelRole.CONSUMES)


@pytest.mark.parametrize("type_name", sorted(CATALOG))
def test_every_layer_type_declares_its_compression_traits(type_name):
    spec = CATALOG[type_name]
    traits = spec.compression
    assert isinstance(traits, CompressionTraits), f"{type_name} declares no CompressionTraits"
    assert isinstance(traits.magnitude_pruned, bool)
    assert isinstance(traits.channels, ChannelRole)
    if traits.width is not None:
        assert spec.setting(traits.width).kind == "int", f"{type_name}: its width must be a whole-number setting"
    if traits.channels in READS:
        assert traits.channel_axis in (1, -1) and traits.weight_input_axis in (0, 1)
    else:
        assert traits.channel_axis is None and traits.weight_input_axis is None
    if traits.channels is ChannelRole.REMOVABLE:
        assert traits.width is not None, f"{type_name}: structured pruning must know which setting to lower"
        assert traits.weight_input_axis == 1, "structured pruning cuts a removable layer's outputs on axis 0"


def test_a_layer_type_cannot_be_declared_without_compression_traits():
    relu = CATALOG["ReLU"]
    fields = {f.name: getattr(relu, f.name) for f in dataclasses.fields(LayerSpec) if f.name != "compression"}
    with pytest.raises(TypeError, match="compression"):
        LayerSpec(**fields)


@pytest.mark.parametrize("type_name,params,samples,dtype",
                         [(t, p, s, d) for t, cases in CASES.items() for p, s, d in cases[:1]])
def test_the_traits_agree_with_the_torch_module(type_name, params, samples, dtype):
    spec = CATALOG[type_name]
    traits = spec.compression
    full = spec.check_params(params)
    ins = [TensorInfo((None, *s), dtype) for s in samples]
    out = spec.shape_rule(full, ins)
    module = spec.build(full, ins)
    kernels = [p for p in module.parameters() if p.ndim >= 2]
    if traits.magnitude_pruned:
        assert kernels, f"{type_name} is magnitude pruned but has no weight matrix or kernel"
    if traits.channels in READS:
        axis = traits.channel_axis % ins[0].rank
        assert module.weight.shape[traits.weight_input_axis] == ins[0].shape[axis]
    if traits.channels is ChannelRole.REMOVABLE:
        axis = traits.channel_axis % out.rank
        assert module.weight.shape[0] == out.shape[axis] == full[traits.width]


def _throwaway(type_name, compression):
    """A new activation declared the way a contributor would (torch's Hardswish)."""
    return register(LayerSpec(type_name, type_name, "Activation", "A cheap smooth ReLU", (), lambda p, ins: ins[0],
                              lambda p, ins: torch.nn.Hardswish(), name_prefix=type_name.lower(),
                              compression=compression))


@pytest.fixture
def new_layer_type():
    added = []

    def declare(type_name, compression):
        added.append(type_name)
        return _throwaway(type_name, compression)

    yield declare
    for type_name in added:
        CATALOG.pop(type_name, None)


def _cnn_with(activation: str) -> Graph:
    graph = Graph()
    chain = [("Input", {"shape": (1, 8, 8)}), ("Conv2d", {"filters": 8}), (activation, {}), ("MaxPool2d", {}),
             ("Flatten", {}), ("Dense", {"units": 16}), (activation, {}), ("ClassificationHead", {"classes": 3})]
    previous = None
    for type_name, params in chain:
        node = graph.add_node(type_name, params)
        if previous is not None:
            graph.connect(previous, node.id)
        previous = node.id
    return graph


def test_a_new_elementwise_activation_does_not_block_structured_pruning(new_layer_type):
    new_layer_type("TestHardswish", PASSES_VALUES)
    graph = _cnn_with("TestHardswish")
    torch.manual_seed(0)
    module = build_module(graph).eval()
    smaller, pruned, plan = prune_structured(graph, module, 0.5)
    assert plan.sizes == {"conv1": (8, 4), "dense1": (16, 8)} and plan.skipped == {}
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        assert pruned(x).shape == (2, 3)
    assert set(prunable_weights(graph, module)) == {"conv1.weight", "dense1.weight"}
    assert shrunk_graph(graph, 0.5).nodes["conv1"].params["filters"] == 4


def test_a_layer_type_that_mixes_channels_keeps_the_layers_before_it_whole(new_layer_type):
    new_layer_type("TestMixer", BLOCKS_PRUNING)
    graph = _cnn_with("TestMixer")
    with pytest.raises(CompressionError, match="conv1: TestMixer 'testmixer1' needs all of its inputs"):
        plan_structured_pruning(graph, build_module(graph), 0.5)
