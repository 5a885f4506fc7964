"""Every compression method is one complete declaration, and the command line and the model card read the
declarations: a method declared in a test shows up in both."""

import argparse

import pytest

from workbench.cli import compress as compress_command
from workbench.core.compression.errors import CompressionError
from workbench.core.compression.methods import (COMPRESSION_METHODS, CompressionMethod, card_note, get_method,
                                                method_title, offered_method, offered_methods)
from workbench.core.export.model_card import model_card


@pytest.mark.parametrize("name", list(COMPRESSION_METHODS))
def test_every_method_declares_every_field(name):
    method = COMPRESSION_METHODS[name]
    assert isinstance(method, CompressionMethod) and method.name == name
    for text in ("title", "hint", "card_note"):
        value = getattr(method, text)
        assert isinstance(value, str) and value.strip(), f"{name} leaves its {text} empty"
    assert callable(getattr(method.parity, "check", None)), f"{name} declares no parity rule"
    assert callable(method.make_candidate), f"{name} declares no way to make a variant"
    assert isinstance(method.takes_epochs, bool) and isinstance(method.offered, bool)
    if method.takes_amount:
        assert 0.0 < method.default_amount < 1.0
    else:
        assert method.default_amount is None
    assert method.number_format in (None, "int8", "fp16")


def test_the_original_is_declared_but_not_offered():
    assert [m.name for m in offered_methods()] == ["int8-dynamic", "int8-static", "fp16", "prune",
                                                   "prune-structured", "distill"]
    assert get_method("none").title == "Original (fp32)" and not get_method("none").offered
    with pytest.raises(CompressionError, match="Unknown compression method 'none'; choose one of int8-dynamic, "
                                               "int8-static, fp16, prune, prune-structured, distill."):
        offered_method("none")
    with pytest.raises(CompressionError, match="Unknown compression method 'zip'"):
        get_method("zip")
    assert method_title("int8-static") == "Static INT8 (QDQ)" and method_title("from-the-future") == "from-the-future"


def _compress_parser():
    return compress_command.add_parser(argparse.ArgumentParser(prog="workbench").add_subparsers())


def _option(parser, dest):
    return next(a for a in parser._actions if a.dest == dest)


def test_the_command_line_offers_the_declared_methods(temporary_method):
    parser = _compress_parser()
    assert list(_option(parser, "method").choices) == [m.name for m in offered_methods()]
    assert _option(parser, "amount").help == "prune / prune-structured / distill: the share to remove, 0 to 1 " \
                                             "(default 0.5)"
    temporary_method(name="test-squeeze", takes_epochs=True)
    temporary_method(name="test-hidden", offered=False)
    parser = _compress_parser()
    assert "test-squeeze" in _option(parser, "method").choices
    assert "test-hidden" not in _option(parser, "method").choices
    assert _option(parser, "amount").help.startswith("prune / prune-structured / distill / test-squeeze: ")
    assert "(default 0.3 or 0.5)" in _option(parser, "amount").help
    assert _option(parser, "epochs").help.startswith("prune / prune-structured / distill / test-squeeze: ")
    args = parser.parse_args(["p.json", "--method", "test-squeeze", "--out", "o.json"])
    assert args.method == "test-squeeze"


def _card(method: str) -> str:
    return model_card(name="Digits", description="", task="classification", labels=["a", "b"], dataset_summary="",
                      preprocessing={"kind": "array", "shape": [4]}, inputs=[], outputs=[], metrics={},
                      compression={"method": method}, compression_note=card_note(method), params=10,
                      size_bytes=2048, opset=17,
                      parity={"max_abs_diff": 0.0, "samples": 4, "reference": "its own network"},
                      onnx_file="model.onnx")


def test_the_model_card_says_what_the_declared_method_did(temporary_method):
    assert "Structured pruning: whole channels and neurons removed" in _card("prune-structured")
    assert "None: the trained weights in full (32-bit) precision." in _card("none")
    temporary_method(card_note="Squeezed by a test: every weight kept.")
    assert "## Compression\n\nSqueezed by a test: every weight kept." in _card("test-copy")
    assert "## Compression\n\nfrom-the-future\n" in _card("from-the-future")
