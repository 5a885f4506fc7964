"""`GraphModule`'s execution plan: the forward pass computes what running each node on its sources' values
computes (skips, joins, several inputs and heads, padding masks), frees an intermediate once its last reader has
run, and runs a layer replaced after construction."""

import gc
import weakref

import pytest
import torch

from workbench.core.build import build_module, example_inputs
from workbench.core.graph.model import Graph
from workbench.core.layers.modules import padding_mask
from workbench.core.project.templates import open_template


def every_node(module, inputs):
    """Each node's value, computed by running the steps on a dictionary of values (the plan's reference)."""
    values = dict(zip(module.input_ids, inputs))
    masks = {nid: padding_mask(values[nid]) for nid in set(module.mask_from.values())}
    for nid, sources in module.steps:
        args = [values[s] for s in sources]
        mask_from = module.mask_from.get(nid)
        values[nid] = module.layers[nid](*args) if mask_from is None else \
            module.layers[nid](*args, mask=masks[mask_from])
    return values


def two_inputs_two_heads() -> Graph:
    """Two inputs joined after a branch each, a skip around a Dense, and two heads reading different nodes."""
    g = Graph()
    a = g.add_node("Input", {"shape": [6]}).id
    b = g.add_node("Input", {"shape": [4]}).id
    da = g.add_node("Dense", {"units": 5}).id
    g.connect(a, da)
    ra = g.add_node("ReLU").id
    g.connect(da, ra)
    db = g.add_node("Dense", {"units": 3}).id
    g.connect(b, db)
    join = g.add_node("Concat").id
    g.connect(ra, join)
    g.connect(db, join)
    g.connect(b, join)  # an input read a second time, after other steps
    dense = g.add_node("Dense", {"units": 12}).id
    g.connect(join, dense)
    add = g.add_node("Add").id
    g.connect(dense, add)
    g.connect(join, add)
    tanh = g.add_node("Tanh").id
    g.connect(add, tanh)
    first = g.add_node("ClassificationHead", {"classes": 3}).id
    g.connect(tanh, first)
    second = g.add_node("RegressionHead", {"outputs": 2}).id
    g.connect(join, second)
    return g


def modules():
    yield from ((name, build_module(open_template(name).graph))
                for name in ("mlp", "cnn", "resnet", "lstm", "transformer", "encoder"))
    yield "two inputs, two heads", build_module(two_inputs_two_heads())


@pytest.mark.parametrize("name, module", list(modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_the_forward_pass_computes_each_head_as_its_nodes_do(name, module):
    module.eval()
    inputs = example_inputs(module, batch=3, generator=torch.Generator().manual_seed(0))
    if module.mask_from:  # some padding at the end of the first text
        inputs[0] = torch.randint(1, 10, inputs[0].shape, generator=torch.Generator().manual_seed(1))
        inputs[0][0, inputs[0].shape[1] // 2:] = 0
    with torch.no_grad():
        out = module(*inputs)
        values = every_node(module, inputs)
    outs = out if isinstance(out, tuple) else (out,)
    assert len(outs) == len(module.head_ids)
    for head, value in zip(module.head_ids, outs):
        assert torch.equal(value, values[head]), head


def test_two_heads_come_back_in_head_order():
    module = build_module(two_inputs_two_heads()).eval()
    with torch.no_grad():
        first, second = module(torch.randn(2, 6), torch.randn(2, 4))
    assert first.shape == (2, 3) and second.shape == (2, 2)


def test_an_intermediate_is_freed_once_its_last_reader_has_run():
    module = build_module(open_template("mlp").graph).eval()
    seen = {}

    def keep_a_reference(_module, _inputs, out):
        seen["dense1"] = weakref.ref(out)

    def look(_module, _inputs):
        gc.collect()
        seen["alive at dense2"] = seen["dense1"]() is not None

    module.layers["dense1"].register_forward_hook(keep_a_reference)
    module.layers["dense2"].register_forward_pre_hook(look)
    with torch.no_grad():
        module(torch.randn(2, 4))
    assert seen["alive at dense2"] is False  # relu1 read it; nothing holds it while dense2 runs


def test_the_skip_of_a_resnet_is_kept_until_its_join_reads_it():
    module = build_module(open_template("resnet").graph).eval()
    x = torch.randn(2, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(module(x), every_node(module, [x])["classifier1"])


def test_a_layer_replaced_after_construction_is_the_one_run():
    module = build_module(open_template("mlp").graph).eval()
    x = torch.randn(2, 4)
    module.layers["relu2"] = torch.nn.Tanh()
    with torch.no_grad():
        assert torch.equal(module(x), module.layers["classifier1"](torch.tanh(module.layers["dense2"](
            torch.relu(module.layers["dense1"](x))))))


def test_the_wrong_number_of_inputs_is_refused():
    module = build_module(two_inputs_two_heads())
    with pytest.raises(ValueError, match="takes 2 input"):
        module(torch.randn(2, 6))
