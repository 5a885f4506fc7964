"""Suite-wide set-up: headless Qt, user folders redirected so tests never touch the real ones, a compression
method that a test can declare for itself, and long graphs."""

import os
import tempfile

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_home = tempfile.mkdtemp(prefix="workbench-tests-")
for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
    os.environ[var] = os.path.join(_home, var.lower())


def _copy_candidate(method, tm, amount, epochs, student_graph, progress, threads):
    """A test method's builder: the trained network itself, as a variant of its own."""
    from workbench.core.compression.candidate import Candidate, fp32_model

    return Candidate("", method.name, amount, fp32_model(tm.module, tm.graph), tm.graph, tm.module,
                     "A copy made by a test.")


@pytest.fixture
def temporary_method():
    """declare(**fields): a compression method registered for one test and removed after it. By default it copies
    the trained network, takes an amount (0.3 unless given) and must match it exactly."""
    from workbench.core.compression.methods import COMPRESSION_METHODS, CompressionMethod, register_method
    from workbench.core.compression.parity import ExactParity

    declared = []

    def declare(**fields):
        values = dict(name="test-copy", title="Test copy", hint="Copies the network; a method only tests know.",
                      card_note="Test copy: the trained network, copied by a test.", takes_amount=True,
                      default_amount=0.3, takes_epochs=False, parity=ExactParity(), make_candidate=_copy_candidate,
                      number_format=None, offered=True)
        values.update(fields)
        method = register_method(CompressionMethod(**values))
        declared.append(method.name)
        return method

    yield declare
    for name in declared:
        COMPRESSION_METHODS.pop(name, None)


def _residual_stack_data(blocks: int) -> dict:
    """A project file (as a dict) with an Input, `blocks` residual blocks (Conv2d, BatchNorm2d, an Add that also
    takes the block's input, ReLU), pooling and a head: 4 * blocks + 3 layers, each in a column of its own on the
    canvas, as the automatic layout places them, so each skip wire passes two layers."""
    nodes = [{"id": "input1", "type": "Input", "params": {"shape": [2, 4, 4]}}]
    edges = []
    prev = "input1"
    for b in range(1, blocks + 1):
        nodes += [{"id": f"conv{b}", "type": "Conv2d", "params": {"filters": 2}},
                  {"id": f"bn{b}", "type": "BatchNorm2d"}, {"id": f"add{b}", "type": "Add"},
                  {"id": f"relu{b}", "type": "ReLU"}]
        edges += [{"from": prev, "to": f"conv{b}"}, {"from": f"conv{b}", "to": f"bn{b}"},
                  {"from": f"bn{b}", "to": f"add{b}"}, {"from": prev, "to": f"add{b}"},
                  {"from": f"add{b}", "to": f"relu{b}"}]
        prev = f"relu{b}"
    nodes += [{"id": "pool1", "type": "GlobalAvgPool"}, {"id": "head1", "type": "ClassificationHead"}]
    edges += [{"from": prev, "to": "pool1"}, {"from": "pool1", "to": "head1"}]
    positions = {n["id"]: [260.0 * i, 0.0] for i, n in enumerate(nodes)}
    return {"format": "workbench-project", "version": 1, "name": "residual stack",
            "graph": {"nodes": nodes, "edges": edges}, "ui": {"positions": positions}}


@pytest.fixture
def residual_stack():
    """residual_stack(blocks): see `_residual_stack_data`."""
    return _residual_stack_data
