"""Every layer's shape rule and cost agree with the torch module it builds."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from tests.core.layers.layer_cases import CASES
from workbench.core.errors import ShapeError
from workbench.core.layers import CATALOG, TensorInfo


def test_every_layer_has_cases():
    assert set(CASES) == set(CATALOG)


@pytest.mark.parametrize("type_name,params,samples,dtype",
                         [(t, p, s, d) for t, cases in CASES.items() for p, s, d in cases])
def test_shape_rule_and_cost_match_torch(type_name, params, samples, dtype):
    spec = CATALOG[type_name]
    full = spec.check_params(params)
    ins = [TensorInfo((None, *s), dtype) for s in samples]
    out = spec.shape_rule(full, ins)
    module = spec.build(full, ins)
    torch.manual_seed(0)
    batch = 3
    if dtype == "int":
        tensors = [torch.randint(0, 5, (batch, *s)) for s in samples]
    else:
        tensors = [torch.randn(batch, *s) for s in samples]
    module.eval()
    with torch.no_grad():
        y = module(*tensors)
    assert tuple(y.shape) == (batch, *out.shape[1:])
    n_params, macs = spec.cost(full, ins, out)
    assert n_params == sum(p.numel() for p in module.parameters())
    assert macs >= 0


# PyTorch's FLOP counter counts the products of matrix multiplications and convolutions, two FLOPs per
# multiply-accumulate, and nothing else. Where a layer's work is of another kind, our count follows the convention
# of the other tools that report MACs (one operation per value read or written) and the counter must see no products.
ELEMENT_WORK = {
    "MaxPool1d": "one comparison per value of each window", "MaxPool2d": "one comparison per value of each window",
    "AvgPool1d": "one addition per value of each window", "AvgPool2d": "one addition per value of each window",
    "GlobalAvgPool": "one addition per input value", "GlobalMaxPool": "one comparison per input value",
    "AdaptiveAvgPool2d": "one addition per input value", "SequencePool": "one operation per input value",
    "Upsample": "four weighted neighbours per output value when blending (none when copying)",
    "BatchNorm1d": "one scale-and-shift per value", "BatchNorm2d": "one scale-and-shift per value",
    "LayerNorm": "one scale-and-shift per value", "GroupNorm": "one scale-and-shift per value",
    "InstanceNorm2d": "one scale-and-shift per value", "LRN": "one multiply-add per value and neighbour",
    "PReLU": "one multiplication per value", "Add": "one addition per value and extra input",
    "Multiply": "one multiplication per value and extra input",
    "PositionalEncoding": "one addition per value (the position table added to the sequence)",
    # the counter does not see inside torch's fused LSTM kernel (it does see GRU's products, which match ours)
    "LSTM": "the products of its 4 gates: hidden x (inputs + hidden) each, per time step",
}


@pytest.mark.parametrize("type_name,params,samples,dtype",
                         [(t, p, s, d) for t, cases in CASES.items() for p, s, d in cases])
def test_multiply_accumulates_match_torch_flop_counter(type_name, params, samples, dtype):
    spec = CATALOG[type_name]
    full = spec.check_params(params)
    ins = [TensorInfo((None, *s), dtype) for s in samples]
    out = spec.shape_rule(full, ins)
    module = spec.build(full, ins).eval()
    torch.manual_seed(0)
    tensors = [torch.randint(0, 5, (1, *s)) if dtype == "int" else torch.randn(1, *s) for s in samples]
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        module(*tensors)
    flops = counter.get_total_flops()  # of one sample
    _params, macs = spec.cost(full, ins, out)
    if type_name in ELEMENT_WORK:
        assert flops == 0, f"{type_name} does matrix work the counter sees: count it as such"
        assert macs >= 0
    else:
        assert (macs, flops % 2) == (flops // 2, 0)


def test_input_rule_uses_its_shape_and_kind():
    spec = CATALOG["Input"]
    out = spec.shape_rule(spec.check_params({"shape": [40], "dtype": "int"}), [])
    assert out == TensorInfo((None, 40), "int")


@pytest.mark.parametrize("type_name,params,samples,message", [
    ("Conv2d", {"kernel_size": 5, "padding": 0}, [(1, 3, 3)], "kernel (5) is larger than its input (3 with padding 0)"),
    ("MaxPool2d", {"kernel_size": 4, "padding": 0}, [(1, 2, 2)], "window (4) is larger than its input"),
    ("Add", {}, [(3,), (4,)], "same shape, but receives (batch, 3) and (batch, 4)"),
    ("Concat", {"axis": 1}, [(3, 4), (3, 5)], "must match on every axis except 1"),
    ("Reshape", {"target": [5]}, [(6,)], "cannot reshape 6 values into (5,)"),
    ("TransformerBlock", {"heads": 3}, [(4, 8)], "must divide evenly by the number of heads (3)"),
    ("Embedding", {}, [(4,)], "needs token ids"),
    ("ConvTranspose2d", {"stride": 2, "output_padding": 2}, [(1, 4, 4)], "must be smaller than the stride"),
])
def test_shape_rule_errors_are_worded_for_users(type_name, params, samples, message):
    spec = CATALOG[type_name]
    with pytest.raises(ShapeError, match=None) as info:
        spec.shape_rule(spec.check_params(params), [TensorInfo((None, *s)) for s in samples])
    assert message in str(info.value)


@pytest.mark.parametrize("value,message", [
    (0, "below the smallest allowed value, 1"), (2_000_000, "above the largest allowed value"),
    ("8", "expected a whole number"), (True, "expected a whole number"), (2.5, "expected a whole number")])
def test_settings_refuse_bad_values(value, message):
    with pytest.raises(ValueError, match=message):
        CATALOG["Dense"].check_params({"units": value})


def test_settings_refuse_unknown_names_and_fill_defaults():
    with pytest.raises(ValueError, match="Dense has no setting called 'filters'"):
        CATALOG["Dense"].check_params({"filters": 3})
    assert CATALOG["Dense"].check_params({}) == {"units": 64, "bias": True}


def test_every_layer_declares_what_the_gui_needs():
    for spec in CATALOG.values():
        assert spec.description and len(spec.description) < 120, spec.type_name
        assert spec.display_name and spec.category
        for setting in spec.settings:
            setting.check(setting.default)  # defaults are valid
